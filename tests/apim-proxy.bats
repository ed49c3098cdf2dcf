#!/usr/bin/env bats
# apim-proxy.bats: the gateway's answers before the backend: lifecycle states,
# resources, CORS preflight, credentials, subscriptions, scopes, API key
# limits, events and their file, inetd and socket activation.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

# status of "STATUS\nBODY"
st() { printf '%s\n' "$output" | head -1; }

@test "usage: unknown flag 64, --help, --version, bad store 69-ish exit" {
	run -64 apim-proxy --frobnicate
	[[ "$output" == *"usage: apim-proxy"* ]]
	run -0 apim-proxy --help
	[[ "$output" == "usage: apim-proxy"* ]]
	run -0 apim-proxy --version
	[ "$output" = "apim-proxy 0.1.0" ]
	run -64 apim-proxy --inetd --events -
	[ "$output" = "apim-proxy: --events - (stdout) cannot be used in inetd mode: stdout is the connection" ]
}

@test "no API: 404 with WSO2's body and a fault event without api fields" {
	standard
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/nothing/here"
	[ "$(st)" = 404 ]
	[ "$(code_of)" = 404 ]
	wait_lines "$EV" 1
	run -0 jq -r '[.eventType, .errorType, .errorCode, .proxyResponseCode, has("apiId"), .apiMethod, .userIp] | @tsv' "$EV"
	[ "$output" = "fault	OTHER	404	404	false	GET	127.0.0.1" ]
}

@test "a server started with a soft limit of 256 open files raises it and holds 600 connections" {
	# the hard limit as it is (raising it needs privilege), 4096 at most
	hard=$(ulimit -Hn)
	if [ "$hard" = unlimited ] || [ "$hard" -gt 4096 ]; then
		hard=4096
	fi
	if [ "$hard" -lt 1024 ]; then
		skip "the hard limit on open files is $hard"
	fi
	prlimit --nofile=256:"$hard" apim-proxy --listen 127.0.0.1:0 --workers 1 \
	    --events "$EV" 2>"$BATS_TEST_TMPDIR/p.err" 3>&- &
	PROXY=$!
	track $PROXY
	wait_line "$BATS_TEST_TMPDIR/p.err" "listening on"
	PPORT=$(sed -n 's/^apim-proxy: listening on .*:\([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/p.err")
	run -0 sed -n 's/^Max open files *\([0-9]*\) *\([0-9]*\).*/\1 \2/p' "/proc/$PROXY/limits"
	[ "$output" = "$hard $hard" ]
	# each connection makes one request (404: no API at /) and stays open
	mkfifo "$BATS_TEST_TMPDIR/hold"
	timeout 60 conn-hold "$PPORT" 600 <"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/held" 3>&- &
	track $!
	exec 4>"$BATS_TEST_TMPDIR/hold"
	for _ in $(seq 400); do
		[ "$(wc -l <"$EV" 2>/dev/null || echo 0)" -ge 600 ] && break
		sleep 0.05
	done
	exec 4>&-
	run -0 jq -r .proxyResponseCode "$EV"
	[ "${#lines[@]}" -eq 600 ]
	[ "$(sort -u <<<"$output")" = 404 ]
}

@test "lifecycle: CREATED and RETIRED are not found, BLOCKED 503 700700, DEPRECATED served" {
	standard
	apim-publish create --name Draft --context /draft --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Draft:1 GET /echo --auth none >/dev/null
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/draft/1/echo"
	[ "$(st)" = 404 ]
	apim-publish lifecycle Pets:1.0.0 block >/dev/null
	poll_code 700700 "http://127.0.0.1:$PPORT/pets/1.0.0/echo"
	[ "$(st)" = 503 ]
	[ "$(code_of)" = 700700 ]
	apim-publish lifecycle Pets:1.0.0 republish >/dev/null
	apim-publish lifecycle Pets:1.0.0 deprecate >/dev/null
	poll_code 900902 "http://127.0.0.1:$PPORT/pets/1.0.0/echo"
	[ "$(st)" = 401 ]	# served: it asks for credentials
	[ "$(code_of)" = 900902 ]
	apim-publish lifecycle Pets:1.0.0 retire >/dev/null
	poll_code 404 "http://127.0.0.1:$PPORT/pets/1.0.0/echo"
	[ "$(st)" = 404 ]
	[ "$(code_of)" = 404 ]
}

@test "resources: no template matches 404 (WSO2's body), wrong verb 405 with Allow" {
	standard
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/nope"
	[ "$(st)" = 404 ]
	run -0 jq -c . "$BATS_TEST_TMPDIR/body"
	[ "$output" = '{"code":"404","message":"Runtime Error","description":"No matching resource found for given API Request"}' ]
	run -0 curl -sS -D - -o /dev/null -X DELETE "http://127.0.0.1:$PPORT/pets/1.0.0/items/7"
	[[ "$output" == "HTTP/1.1 405 "* ]]
	[[ "$output" == *$'\r\nAllow: GET\r\n'* ]]
	run -0 curl -sS -D - -o /dev/null -X PUT "http://127.0.0.1:$PPORT/pets/1.0.0/items"
	[[ "$output" == *$'\r\nAllow: POST\r\n'* ]]
}

@test "CORS: a preflight is answered from the defaults, faults carry the origin header" {
	standard
	start_proxy
	run -0 curl -sS -D - -o /dev/null -X OPTIONS -H 'Origin: https://app.example' \
	    -H 'Access-Control-Request-Method: GET' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: *\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Methods: GET,PUT,POST,DELETE,PATCH,OPTIONS\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: authorization,'* ]]
	[[ "$output" == *$'\r\nAllow: GET, OPTIONS\r\n'* ]]
	run -0 curl -sS -D - -o /dev/null -H 'Origin: https://app.example' \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 401 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: *\r\n'* ]]
	run -0 curl -sS -D - -o /dev/null "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" != *"Access-Control-Allow-Origin"* ]]
}

@test "CORS: origins from apim.conf: a listed origin is echoed with Vary, another gets none" {
	standard
	printf 'cors_allow_origins = https://good.example\n' >"$BATS_TEST_TMPDIR/apim.conf"
	APIM_CONF="$BATS_TEST_TMPDIR/apim.conf" start_proxy
	run -0 curl -sS -D - -o /dev/null -H 'Origin: https://good.example' \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://good.example\r\n'* ]]
	[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	run -0 curl -sS -D - -o /dev/null -H 'Origin: https://evil.example' \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" != *"Access-Control-Allow-Origin"* ]]
}

@test "credentials: missing 900902 with WWW-Authenticate, garbage and forged 900901" {
	standard
	start_proxy
	run -0 curl -sS -D - -o "$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 401 "* ]]
	[[ "$output" == *$'\r\nWWW-Authenticate: Bearer realm="apim"\r\n'* ]]
	[ "$(code_of)" = 900902 ]
	run -0 jq -r .message "$BATS_TEST_TMPDIR/body"
	[ "$output" = "Missing Credentials" ]
	run -0 pcurl -H "Authorization: Bearer nonsense" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900901 ]
	# the same claims with the signature of another token
	other=$(token read)
	forged="${AT%.*}.${other##*.}"
	run -0 pcurl -H "Authorization: Bearer $forged" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900901 ]
	wait_lines "$EV" 3
	run -0 jq -r 'select(.errorCode == 900901) | [.errorType, .proxyResponseCode, has("applicationId")] | @tsv' "$EV"
	[ "$output" = "AUTH	401	false
AUTH	401	false" ]
}

@test "scopes: a resource scope the token lacks is 403 900910" {
	standard
	start_proxy
	ro=$(token read)
	run -0 pcurl -X POST -H "Authorization: Bearer $ro" "http://127.0.0.1:$PPORT/pets/1.0.0/items"
	[ "$(st)" = 403 ]
	[ "$(code_of)" = 900910 ]
	run -0 jq -r .description "$BATS_TEST_TMPDIR/body"
	[ "$output" = "User is NOT authorized to access the Resource: /items. Scope validation failed." ]
}

@test "subscriptions: none 403 900908, BLOCKED 401 900907, ON_HOLD 401 900909, within a second" {
	standard
	mkapi Cats /cats 1.0.0
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/cats/1.0.0/items/1"
	[ "$(st)" = 403 ]
	[ "$(code_of)" = 900908 ]
	wait_lines "$EV" 1
	run -0 jq -r '[.applicationName, .keyType, .errorType] | @tsv' "$EV"
	[ "$output" = "mobile	PRODUCTION	AUTH" ]
	# the store changes under the running proxy (no admin command yet for
	# a subscription's status: the Publisher's block is a direct update)
	sqlite3 "$APIM_DB" "UPDATE subscription SET status = 'BLOCKED'"
	poll_code 900907 -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900907 ]
	sqlite3 "$APIM_DB" "UPDATE subscription SET status = 'ON_HOLD'"
	poll_code 900909 -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900909 ]
	# a production key under PROD_ONLY_BLOCKED is blocked
	sqlite3 "$APIM_DB" "UPDATE subscription SET status = 'PROD_ONLY_BLOCKED'"
	poll_code 900907 -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900907 ]
}

@test "revocation reaches a running proxy within a second (token, then the client)" {
	standard
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" != 900901 ]
	apim-token revoke "$AT" >/dev/null
	poll_code 900901 -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900901 ]
	at2=$(token "read write")
	run -0 pcurl -H "Authorization: Bearer $at2" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" != 900901 ]
	apim-subscribe keys revoke mobile >/dev/null
	poll_code 900901 -H "Authorization: Bearer $at2" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900901 ]
}

@test "API keys: permitted IPs and referers are enforced (403 900908), revoked key 900901" {
	standard
	start_proxy
	bad=$(apim-subscribe apikey mobile --permitted-ip 10.0.0.0/8,192.0.2.1)
	run -0 pcurl -H "apikey: $bad" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 403 ]
	[ "$(code_of)" = 900908 ]
	ref=$(apim-subscribe apikey mobile --permitted-referer 'www.example.com/*')
	run -0 pcurl -H "apikey: $ref" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900908 ]
	run -0 pcurl -H "apikey: $ref" -H 'Referer: https://evil.example/x' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900908 ]
	run -0 pcurl -H "apikey: $ref" -H 'Referer: https://www.example.com/app' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" != 900908 ]
	[ "$(code_of)" != 900901 ]
	good=$(apim-subscribe apikey mobile --permitted-ip 127.0.0.0/8)
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/1?apikey=$good"
	[ "$(code_of)" != 900908 ]
	[ "$(code_of)" != 900901 ]
	apim-subscribe apikey revoke mobile "$good" >/dev/null
	poll_code 900901 -H "apikey: $good" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900901 ]
	# an access token is not an API key, nor the other way round
	run -0 pcurl -H "apikey: $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900901 ]
	run -0 pcurl -H "Authorization: Bearer $ref" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900901 ]
}

@test "events: SIGHUP reopens the file after rotation; each line is whole JSON" {
	standard
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	wait_lines "$EV" 1
	mv "$EV" "$EV.1"
	kill -HUP "$PROXY"
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/2"
	wait_lines "$EV" 1
	[ "$(wc -l <"$EV.1")" -eq 1 ]
	[ "$(wc -l <"$EV")" -eq 1 ]
	run -0 jq -r .apiResourceTemplate "$EV"
	[ "$output" = "/items/{id}" ]
	run -0 apim-event-check <"$EV"
}

@test "inetd: requests through a pipe, keep-alive and pipelined, events appended" {
	standard
	req="GET /pets/1.0.0/items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
	run -0 bash -c "printf '$req${req}DELETE /pets/1.0.0/items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	    apim-proxy --inetd --events '$EV' | grep -ao 'HTTP/1.1 [0-9]*'"
	[ "$output" = "HTTP/1.1 401
HTTP/1.1 401
HTTP/1.1 405" ]
	[ "$(wc -l <"$EV")" -eq 3 ]
	printf 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | apim-proxy --events "$EV" >/dev/null
	[ "$(wc -l <"$EV")" -eq 4 ]
}

@test "inetd: the static build (make PROXY_STATIC=1, as build/tests/apim-proxy-static) authenticates and forwards the same" {
	standard
	run -0 ldd "$APIM_BUILD/tests/apim-proxy-static"
	[[ "$output" != *libcrypto* ]]
	[[ "$output" != *libsqlite3* ]]
	req="GET /pets/1.0.0/items/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $AT\r\nConnection: close\r\n\r\n"
	run -0 bash -c "printf '$req' | apim-proxy-static --inetd --events '$EV'"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
	run -0 jq -r '[.proxyResponseCode, .apiName, .applicationName] | @tsv' "$EV"
	[ "$output" = "200	Pets	mobile" ]
}

@test "socket activation (Accept=no) through systemd-socket-activate" {
	command -v systemd-socket-activate >/dev/null || skip "no systemd-socket-activate"
	standard
	# It takes no port 0, so it is given ports below the kernel's ephemeral
	# range until it binds one: a port another process holds makes it fail
	# (EADDRINUSE), and the port counts only when ss shows it listening
	# with this very pid, so two tests can never share one.
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	port=
	for try in $(seq 20); do
		p=$((20000 + RANDOM % (lo - 20000)))
		# it passes no environment of its own: the store by flag
		systemd-socket-activate -l "127.0.0.1:$p" -E APIM_CONF apim-proxy --db "$APIM_DB" \
		    --workers 1 --events "$EV" \
		    2>"$BATS_TEST_TMPDIR/sa.err" 3>&- &
		sa=$!
		for i in $(seq 100); do
			if ss -Htlnp "( sport = :$p )" | grep -q "pid=$sa,"; then
				port=$p
				break
			fi
			if grep -q 'Failed' "$BATS_TEST_TMPDIR/sa.err" || ! kill -0 "$sa" 2>/dev/null; then
				break
			fi
			sleep 0.05
		done
		if [ -n "$port" ]; then
			break
		fi
		kill "$sa" 2>/dev/null || true
		wait "$sa" 2>/dev/null || true
	done
	track "$sa"
	[ -n "$port" ]
	run -0 pcurl "http://127.0.0.1:$port/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	run -0 pcurl "http://127.0.0.1:$port/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	wait_lines "$EV" 2
}

@test "paths with dot segments (also %2e) are refused 400 before routing" {
	standard
	start_proxy
	for p in 'items/../open' 'items/%2e%2E/open' 'items/./1' 'items/1/..'; do
		run -0 pcurl --path-as-is -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/$p"
		[ "$(st)" = 400 ]
	done
	# dots inside a segment are fine
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/a..b"
	[ "$(st)" = 200 ]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
}

@test "a store that cannot be opened: inetd answers 503, then exits 0" {
	mkdir -p "$BATS_TEST_TMPDIR/ro"
	printf 'not a database, just text\n%.0s' $(seq 200) >"$BATS_TEST_TMPDIR/ro/apim.db"
	run -0 bash -c "printf 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	    apim-proxy --inetd --db '$BATS_TEST_TMPDIR/ro/apim.db' 2>/dev/null | head -1"
	[ "$output" = $'HTTP/1.1 503 Service Unavailable\r' ]
}
