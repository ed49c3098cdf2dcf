#!/usr/bin/env bats
# apim-proxy-inetd-cache.bats: inetd mode's verified-JWT file (lib/gw_seen):
# a token whose signature an earlier process verified skips that check, and
# with it every OpenSSL call; everything else is still checked per request;
# a damaged, foreign or loose file is never trusted.  Also lib/sha256
# against OpenSSL.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

SEEN="$BATS_TEST_TMPDIR/verified-jwts"

# ireq TOKEN [HEADER]: one request through a new apim-proxy --inetd process;
# prints the status line's code.  LD_DEBUG_OUT=FILE: its dynamic linker's
# symbol bindings go to FILE.
ireq() {
	local h=${2:-Authorization: Bearer}
	printf 'GET /pets/1.0.0/items/1 HTTP/1.1\r\nHost: x\r\n%s %s\r\nConnection: close\r\n\r\n' \
	    "$h" "$1" >"$BATS_TEST_TMPDIR/req"
	if [ -n "${LD_DEBUG_OUT:-}" ]; then
		LD_DEBUG=bindings apim-proxy --inetd --events "$EV" <"$BATS_TEST_TMPDIR/req" \
		    2>"$LD_DEBUG_OUT" >"$BATS_TEST_TMPDIR/resp"
	else
		apim-proxy --inetd --events "$EV" <"$BATS_TEST_TMPDIR/req" >"$BATS_TEST_TMPDIR/resp"
	fi
	sed -n '1s/^HTTP\/1.1 \([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR/resp"
}
# The JSON code of the last ireq's body.
icode() { sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/resp" | jq -r .code; }
# served CRED [HEADER]: an inetd request with CRED is answered 200.
served() {
	local st
	st=$(ireq "$@")
	[ "$st" = 200 ] || { echo "status '$st', want 200" >&2; return 1; }
}
# refused CRED [HEADER]: answered 401 with code 900901 (invalid credentials).
refused() {
	local st
	st=$(ireq "$@")
	[ "$st" = 401 ] || { echo "status '$st', want 401" >&2; return 1; }
	[ "$(icode)" = 900901 ] || { echo "code $(icode), want 900901" >&2; return 1; }
}

# crypto_calls FILE: the bindings to libcrypto or libssl the process made
# once running (calls through the PLT; not the loader's start-up relocations)
crypto_calls() {
	awk '/transferring control/ { on = 1; next } on && / to [^ ]*(libcrypto|libssl)/' "$1"
}

# tamper TOKEN: the token with one byte of its signature changed
tamper() {
	local t=$1 i c
	i=$((${#t} - 10))
	c=${t:i:1}
	if [ "$c" = A ]; then c=B; else c=A; fi
	printf '%s%s%s\n' "${t:0:i}" "$c" "${t:i+1}"
}

@test "sha256: FIPS 180-4 examples and random inputs (lengths 0..2100, block boundaries, split updates) match OpenSSL" {
	run -0 sha256-check
	[[ "$output" == "ok "* ]]
	run -0 sha256-check 12345
	[[ "$output" == "ok "* ]]
}

@test "the file under 4 writers and 4 readers at once: no reader takes a torn entry" {
	# (without the check word this sees torn reads within seconds)
	run -0 seen-race "$BATS_TEST_TMPDIR" 3
	[[ "$output" == "hits "*" wrong 0" ]]
	run -0 stat -c '%a' "$SEEN"
	[ "$output" = 600 ]
}

@test "second inetd request with the same token: 200 and no libcrypto/libssl call; the first verifies with OpenSSL" {
	standard
	run -0 readelf -d "$APIM_BUILD/bin/apim-proxy"
	[[ "$output" != *BIND_NOW* ]]
	[[ "$output" != *"Flags: NOW"* ]]
	[ ! -e "$SEEN" ]
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld1" run -0 ireq "$AT"
	[ "$output" = 200 ]
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld1"
	[[ "$output" == *"BN_mod_exp"* ]]
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld2" run -0 ireq "$AT"
	[ "$output" = 200 ]
	run -0 grep -c 'transferring control' "$BATS_TEST_TMPDIR/ld2"
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld2"
	[ "$output" = "" ]
	[ "$(wc -l <"$BLOG")" -eq 2 ]
	run -0 stat -c '%a %s' "$SEEN"
	[ "$output" = "600 524416" ]
}

@test "an API key JWT is remembered too, and a remembered API key is still no access token" {
	standard
	key=$(apim-subscribe apikey mobile)
	served "$key" "apikey:"
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld" run -0 ireq "$key" "apikey:"
	[ "$output" = 200 ]
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld"
	[ "$output" = "" ]
	# typ JWT, not at+jwt: checked again on a hit
	refused "$key"
}

@test "a revoked token is refused although remembered" {
	standard
	served "$AT"
	run -0 ireq "$AT"
	[ "$output" = 200 ]
	apim-token revoke "$AT" >/dev/null
	refused "$AT"
}

@test "a token whose key was retired, or removed from the store, is refused although remembered" {
	standard
	served "$AT"
	old=$(apim-token --json keys list | jq -r 'select(.state == "active") | .kid')
	[ -n "$old" ]
	apim-token keys rotate >/dev/null
	at2=$(token "read write")
	served "$at2"
	# rotated: the old key still verifies its tokens until retired
	served "$AT"
	apim-token keys retire "$old" >/dev/null
	refused "$AT"
	# the new key's token, remembered, with its key row gone
	new=$(sqlite3 "$APIM_DB" "SELECT kid FROM signing_key WHERE kid != '$old'")
	sqlite3 "$APIM_DB" "DELETE FROM signing_key WHERE kid = '$new'"
	refused "$at2"
}

@test "an expired token is refused although remembered" {
	standard
	# the claims of a real token with exp 25 s ago: valid for 5 s more
	# (30 s leeway), signed with the store's key
	now=$(date +%s)
	claims=$(printf '%s' "$AT" | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null |
	    jq -c --argjson e $((now - 25)) '.exp = $e')
	at=$(jwt-tool sign at+jwt <<<"$claims")
	served "$at"
	sleep 6
	refused "$at"
}

@test "a token with one byte of its signature changed is no hit and is refused" {
	standard
	served "$AT"
	bad=$(tamper "$AT")
	[ "$bad" != "$AT" ]
	[ "${#bad}" -eq "${#AT}" ]
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld" run -0 ireq "$bad"
	[ "$output" = 401 ]
	[ "$(icode)" = 900901 ]
	# verified (and refused) by OpenSSL, not taken from the file
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld"
	[[ "$output" == *"BN_mod_exp"* ]]
	run -0 ireq "$bad"
	[ "$output" = 401 ]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
}

@test "a file of garbage, or truncated, breaks nothing and lets no unverified token through" {
	standard
	bad=$(tamper "$AT")
	head -c 524416 /dev/urandom >"$SEEN"
	chmod 600 "$SEEN"
	served "$AT"
	run -0 ireq "$bad"
	[ "$output" = 401 ]
	# a remembered token, then the file cut short: replaced by a new one
	served "$AT"
	truncate -s 1000 "$SEEN"
	run -0 ireq "$bad"
	[ "$output" = 401 ]
	run -0 stat -c '%a %s' "$SEEN"
	[ "$output" = "600 524416" ]
	served "$AT"
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld" run -0 ireq "$AT"
	[ "$output" = 200 ]
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld"
	[ "$output" = "" ]
	# every entry made the tampered token's (its hash, kid and exp) but
	# for the check word: a torn entry, never taken
	python3 - "$SEEN" "$bad" <<'PY'
import base64, hashlib, json, struct, sys
p, tok = sys.argv[1], sys.argv[2]
seg = lambda s: json.loads(base64.urlsafe_b64decode(s + '=' * (-len(s) % 4)))
hdr, cl = seg(tok.split('.')[0]), seg(tok.split('.')[1])
e = hashlib.sha256(tok.encode()).digest() + struct.pack('<q', cl['exp'])
e += hdr['kid'].encode().ljust(64, b'\0') + bytes(16)
b = bytearray(open(p, 'rb').read())
for off in range(128, len(b), 128):
    b[off:off + 120] = e
open(p, 'wb').write(b)
PY
	refused "$bad"
	[ "$(wc -l <"$BLOG")" -eq 4 ]
}

@test "a file not 0600, or not the proxy's user's, is not trusted" {
	standard
	served "$AT"
	chmod 644 "$SEEN"
	LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld" run -0 ireq "$AT"
	[ "$output" = 200 ]
	run -0 crypto_calls "$BATS_TEST_TMPDIR/ld"
	[[ "$output" == *"BN_mod_exp"* ]]
	run -0 stat -c '%a' "$SEEN"
	[ "$output" = 644 ]
	chmod 600 "$SEEN"
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$SEEN"
		LD_DEBUG_OUT="$BATS_TEST_TMPDIR/ld" run -0 ireq "$AT"
		[ "$output" = 200 ]
		run -0 crypto_calls "$BATS_TEST_TMPDIR/ld"
		[[ "$output" == *"BN_mod_exp"* ]]
	fi
	rm "$SEEN"
	ln -s /dev/null "$SEEN"
	served "$AT"
	[ -L "$SEEN" ]
}

@test "workers (--listen) keep their cache in memory and make no file" {
	standard
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(printf '%s\n' "$output" | head -1)" = 200 ]
	[ ! -e "$SEEN" ]
}
