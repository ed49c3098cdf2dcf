#!/usr/bin/env bats
# apim-token serve under attack: slow (PBKDF2) checks run off the event loop
# and are rationed per source (client id, user, peer address), so guessing
# one client's secret costs nothing to the others; a busy store is waited
# for by timer, not by sleeping in the loop; validity and JWT times at their
# extremes.  Sources are told apart by loopback addresses (curl --interface).
bats_require_minimum_version 1.5.0
load helper
load token-helper

setup() {
	mkclient ck1 s3cret client_credentials,password,refresh_token "read write"
	mkclient ck2 two client_credentials "read"
	mkclient ck3 three client_credentials "read"
	mkclient cko opaque client_credentials "read" opaque
	# one slow check per 100 s and source, bursts of 2: a drained bucket
	# stays drained for the whole test however slow the machine is
	export APIM_TOKEN_VERIFY_RATE=0.01
}

teardown() {
	local p
	for p in ${ATTACK:-} ${LOCK:-} ${SRV:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

start_server() {	# start_server [ARGS]: sets URL
	apim-token serve --listen 127.0.0.1:0 "$@" \
	    2>"$BATS_TEST_TMPDIR/srv.err" 3>&- &
	SRV=$!
	for _ in $(seq 100); do
		PORT=$(sed -n 's/^apim-token: listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
		    "$BATS_TEST_TMPDIR/srv.err" | head -1)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ]
	URL=http://127.0.0.1:$PORT
}

# tok FROM USER:SECRET [CURL_ARGS]: a client_credentials request from the
# loopback address FROM; sets $code, $body and $ra (Retry-After).
tok() {
	local from=$1 cred=$2
	shift 2
	code=$(curl -s --interface "$from" -o "$BATS_TEST_TMPDIR/body" \
	    -D "$BATS_TEST_TMPDIR/hdrs" -w '%{http_code}' -u "$cred" \
	    -d grant_type=client_credentials "$@" "$URL/oauth2/token")
	body=$(cat "$BATS_TEST_TMPDIR/body")
	ra=$(tr -d '\r' <"$BATS_TEST_TMPDIR/hdrs" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
}

throttled() {	# the last answer was 503 for too many checks, with Retry-After
	[ "$code" = 503 ] || { echo "status $code: $body"; return 1; }
	[ "$(jq -r .error <<<"$body")" = temporarily_unavailable ]
	[[ $ra =~ ^[0-9]+$ ]] || { echo "Retry-After '$ra'"; return 1; }
	[ "$ra" -ge 1 ]
}

@test "while one source hammers wrong secrets, other clients' correct requests succeed" {
	start_server --workers 1
	tok 127.0.0.11 ck3:three	# verified (and remembered) before the attack
	[ "$code" = 200 ]
	# the attacker: ck1's secret guessed from 127.0.0.1, 300 tries
	( for i in $(seq 300); do
		curl -s -o /dev/null -w '%{http_code}\n' -u "ck1:guess$i" \
		    -d grant_type=client_credentials "$URL/oauth2/token"
	done >"$BATS_TEST_TMPDIR/attack.log" ) &
	ATTACK=$!
	for _ in $(seq 100); do grep -q 503 "$BATS_TEST_TMPDIR/attack.log" && break; sleep 0.05; done
	run -0 grep -c 503 "$BATS_TEST_TMPDIR/attack.log"
	# meanwhile: the remembered client from the attacker's own address ...
	for i in 1 2 3 4 5; do
		tok 127.0.0.1 ck3:three
		[ "$code" = 200 ] || { echo "ck3 got $code: $body"; false; }
	done
	# ... and a client never checked before, from another address
	tok 127.0.0.2 ck2:two
	[ "$code" = 200 ]
	tok 127.0.0.2 ck2:two
	[ "$code" = 200 ]
	kill "$ATTACK"
	wait "$ATTACK" || true
	ATTACK=
	# the attacker only ever got 401 (two, its burst) or 503
	run -0 sort -u "$BATS_TEST_TMPDIR/attack.log"
	[ "$output" = "$(printf '401\n503')" ]
	[ "$(grep -c 401 "$BATS_TEST_TMPDIR/attack.log")" = 2 ]
	# and is told when to come back, for its own source
	tok 127.0.0.1 ck1:guess-again
	throttled
	run -1 grep -q POST "$BATS_TEST_TMPDIR/srv.err"	# 503s are not logged as errors
}

@test "rationing is per source: the guessed client, and the guessing address, across client ids" {
	start_server --workers 1
	tok 127.0.0.3 ck1:bad1
	[ "$code" = 401 ]
	tok 127.0.0.3 ck1:bad2
	[ "$code" = 401 ]
	# ck1 and 127.0.0.3 are spent: the right secret from there waits too
	tok 127.0.0.3 ck1:s3cret
	throttled
	# another client from the same address: the address is spent
	tok 127.0.0.3 ck2:two
	throttled
	# ck1 from elsewhere: ck1 is spent (its secret is what is being guessed)
	tok 127.0.0.4 ck1:s3cret
	throttled
	# ck2 was not charged by the refusal above: from elsewhere it works
	tok 127.0.0.4 ck2:two
	[ "$code" = 200 ]
	# unknown client ids cost the same as wrong secrets
	tok 127.0.0.5 nobody1:x
	[ "$code" = 401 ]
	tok 127.0.0.5 nobody2:x
	[ "$code" = 401 ]
	tok 127.0.0.5 nobody3:x
	throttled
}

@test "the workers share one guard: a source's burst is the same however connections spread" {
	start_server --workers 2
	codes=
	for i in 1 2 3 4 5 6 7 8; do
		tok 127.0.0.6 "ck1:bad$i"
		codes="$codes $code"
	done
	[ "$codes" = " 401 401 503 503 503 503 503 503" ]
}

@test "a verified secret is remembered (by every worker: see the driver below): guessing it then costs the client nothing" {
	start_server --workers 2
	tok 127.0.0.12 ck2:two		# one slow check, in one of the workers
	[ "$code" = 200 ]
	tok 127.0.0.13 ck2:bad1
	tok 127.0.0.13 ck2:bad2
	tok 127.0.0.13 ck2:bad3
	throttled			# ck2's checks are spent ...
	for i in 1 2 3 4 5 6 7 8; do	# ... yet it is never checked again
		tok 127.0.0.14 ck2:two
		[ "$code" = 200 ] || { echo "request $i: $code $body"; false; }
	done
}

@test "password guessing is rationed per user name, not for other users" {
	printf 'hunter2\n' | apim-token user add bob --password-stdin
	printf 'tiger\n' | apim-token user add eve --password-stdin
	start_server --workers 1
	pw() {	# pw FROM USER PASSWORD
		code=$(curl -s --interface "$1" -o "$BATS_TEST_TMPDIR/body" \
		    -D "$BATS_TEST_TMPDIR/hdrs" -w '%{http_code}' -u ck1:s3cret \
		    -d grant_type=password -d "username=$2" -d "password=$3" \
		    "$URL/oauth2/token")
		body=$(cat "$BATS_TEST_TMPDIR/body")
		ra=$(tr -d '\r' <"$BATS_TEST_TMPDIR/hdrs" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
	}
	pw 127.0.0.7 bob hunter2	# the client's check from .7 and bob's
	[ "$code" = 200 ]
	pw 127.0.0.8 bob wrong1
	[ "$code" = 400 ]
	pw 127.0.0.9 bob wrong2
	throttled		# bob's burst of two is spent
	pw 127.0.0.10 eve tiger
	[ "$code" = 200 ]
}

@test "a busy store is waited for by timer: other requests are answered meanwhile" {
	start_server --workers 1
	tok 127.0.0.1 ck1:s3cret	# verifies ck1, notes the key's expiry
	[ "$code" = 200 ]
	tok 127.0.0.1 cko:opaque
	[ "$code" = 200 ]
	# another process holds the store's write lock
	mkfifo "$BATS_TEST_TMPDIR/sql"
	sqlite3 "$APIM_DB" <"$BATS_TEST_TMPDIR/sql" >"$BATS_TEST_TMPDIR/sql.out" &
	LOCK=$!
	exec 4>"$BATS_TEST_TMPDIR/sql"
	echo "BEGIN IMMEDIATE; SELECT 'locked';" >&4
	for _ in $(seq 100); do grep -q locked "$BATS_TEST_TMPDIR/sql.out" && break; sleep 0.05; done
	grep -q locked "$BATS_TEST_TMPDIR/sql.out"
	# an opaque token needs a row: its answer waits for the lock ...
	b=grant_type=client_credentials
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
	    "$(printf cko:opaque | base64)" "${#b}" "$b" >&5
	# (the server has read it once nothing waits in its socket)
	for _ in $(seq 100); do
		[ "$(ss -Htn state established "( sport = :$PORT )" | awk '{s += $1} END {print s + 0}')" = 0 ] && break
		sleep 0.05
	done
	# ... while a JWT (no row) is answered by the same worker
	tok 127.0.0.1 ck1:s3cret
	[ "$code" = 200 ]
	echo "COMMIT;" >&4
	exec 4>&-
	wait "$LOCK"
	LOCK=
	IFS= read -r -t 10 status <&5
	exec 5>&-
	[ "${status%$'\r'}" = "HTTP/1.1 200 OK" ]
	[ "$(sqlite3 "$APIM_DB" "select count(*) from token where kind = 'access'")" = 2 ]
}

@test "a validity beyond 32 bits is honoured; beyond 100 years it is capped" {
	apim-subscribe app create shop >/dev/null
	apim-subscribe --json keys generate shop --grant-types client_credentials \
	    --validity 3000000000 >"$BATS_TEST_TMPDIR/keys.json"
	run -0 sh -c "jq -r .consumerSecret '$BATS_TEST_TMPDIR/keys.json' |
	    apim-token issue --client-id \"\$(jq -r .consumerKey '$BATS_TEST_TMPDIR/keys.json')\" --client-secret-stdin"
	[ "$(jq -r .expires_in <<<"$output")" = 3000000000 ]
	at=$(jq -r .access_token <<<"$output")
	[ "$(jwt_part "$at" 2 | jq '.exp - .iat')" = 3000000000 ]
	# a store edited by hand: the documented maximum, 100 years
	mkclient ckx forever client_credentials "read" jwt 9000000000000000000
	run -0 sh -c 'echo forever | apim-token issue --client-id ckx --client-secret-stdin'
	[ "$(jq -r .expires_in <<<"$output")" = 3153600000 ]
	# over HTTP too
	start_server --workers 1
	tok 127.0.0.1 ckx:forever
	[ "$code" = 200 ]
	[ "$(jq -r .expires_in <<<"$body")" = 3153600000 ]
	# and the command refuses more than 100 years
	run -65 apim-subscribe keys generate shop --validity 3153600001
}

@test "extreme exp and nbf claims are compared without overflow" {
	apim-token keys generate >/dev/null
	jti=0190a0e0-0000-7000-8000-000000000001
	at=$(jwt-tool sign at+jwt <<<"{\"exp\":9223372036854775807,\"nbf\":-9223372036854775808,\"iat\":-9223372036854775808,\"jti\":\"$jti\",\"client_id\":\"ck1\",\"scope\":\"read\"}")
	run -0 jwt-tool verify at+jwt <<<"$at"
	run -0 apim-token introspect "$at"
	# (jq would round these: compare the text)
	[ "$(jq -r .active <<<"$output")" = true ]
	[[ $output == *'"exp":9223372036854775807,'* ]]
	[[ $output == *'"iat":-9223372036854775808,'* ]]
	[[ $output == *'"nbf":-9223372036854775808}'* ]]
	# revoking it records a row that expires with it
	run -0 apim-token revoke "$at"
	run -1 apim-token introspect "$at"
	# the other ends: long expired, and not valid for ages
	old=$(jwt-tool sign at+jwt <<<'{"exp":-9223372036854775808,"jti":"x","client_id":"ck1"}')
	run -1 jwt-tool verify at+jwt <<<"$old"
	[ "$output" = "jwt-tool: invalid token: expired" ]
	run -1 apim-token introspect "$old"
	late=$(jwt-tool sign at+jwt <<<'{"nbf":9223372036854775807,"jti":"y","client_id":"ck1"}')
	run -1 jwt-tool verify at+jwt <<<"$late"
	[ "$output" = "jwt-tool: invalid token: not yet valid" ]
}

@test "a guard made before fork is shared by the processes (oauth-guard driver)" {
	run -0 oauth-guard 8
	[ "$output" = "$(printf 'taken 2 of 8\nknown 1')" ]
	# (a private one would give each process its own burst and memory)
	run -0 oauth-guard 8 private
	[ "$output" = "$(printf 'taken 8 of 8\nknown 0')" ]
}

@test "the hashing pool: jobs run on threads, done on the loop; a full queue refuses (oauth-pool driver)" {
	# 100 jobs queued at once: 4 may wait and 2 run, so most are refused
	# (unless the machine stalls this process for many PBKDF2s)
	run -0 oauth-pool 100 4
	read -r _ acc _ ref _ done _ ran _ onloop _ busy <<<"$output"
	[ "$((acc + ref))" = 100 ]
	[ "$acc" -ge 4 ]
	[ "$ref" -ge 50 ]
	[ "$done" = "$acc" ]
	[ "$ran" = "$acc" ]
	[ "$onloop" = "$acc" ]
	[ "$busy" = 0 ]
}
