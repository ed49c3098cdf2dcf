#!/usr/bin/env bats
# http.bats: the HTTP/1.1 core (lib/http, lib/httpd) through tests/unit/http-echo,
# over real TCP, a pipe (inetd), socket activation and TLS.
bats_require_minimum_version 1.5.0
load helper
load echo-helper

FX="$FIXTURES/http"

# Send a file's bytes on one TCP connection and print everything the server
# answers until it closes; fails (124) if it does not close within 5 s.
tcp_raw() {
	timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&5; cat <&5' _ "$PORT" "$1"
}

# Status code of the first response in $output.
status_of() { printf '%s\n' "$output" | head -1 | cut -d' ' -f2; }

# Wait until the server side holds N connections on $PORT, all read empty
# (so their requests are in the server's hands, not in a socket queue).
wait_held() {
	local i
	for i in $(seq 200); do
		[ "$(ss -Htn state established "( sport = :$PORT )" | awk '$1 == 0' | wc -l)" -eq "$1" ] &&
		    [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -eq "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

# Wait (up to 5 s) until /stats answers exactly "$1"; $output is its last answer.
wait_stats() {
	local i
	for i in $(seq 100); do
		run curl -sS "http://127.0.0.1:$PORT/stats"
		[ "$output" = "$1" ] && return 0
		sleep 0.05
	done
	echo "/stats still says: $output"
	return 1
}

# Wait (up to 5 s) until connections to $PORT are refused (the server stopped
# listening: a SIGTERM was handled); $status is curl's last exit status.
wait_refused() {
	local i
	for i in $(seq 100); do
		run curl -sS --max-time 3 "http://127.0.0.1:$PORT/"
		[ "$status" -eq 7 ] && return 0
		sleep 0.05
	done
	return 1
}

# Wait (up to 5 s) for process $1, a child of this shell; fail unless it exits 0.
wait_exit0() {
	local i rc=0
	for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$1" 2>/dev/null || return 1
	wait "$1" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "parser unit checks: prefixes, trimming, limits, split chunks, dates" {
	run -0 http-parse
	[ "$output" = ok ]
}

@test "event loop: timer order and cancel, pipe and regular-file watches, stop" {
	run -0 loop-test
	[ "$output" = ok ]
}

@test "inetd: a request through a pipe is echoed exactly" {
	run -0 bash -c "printf 'GET /echo?a=1 HTTP/1.1\r\nHost: x\r\nX-A:  b c  \r\n\r\n' | http-echo --inetd | tr -d '\r' | sed '/^Date: /d'"
	[ "$output" = "HTTP/1.1 200 OK
Content-Type: text/plain
Content-Length: 117

method GET
target /echo?a=1
path /echo
query a=1
version HTTP/1.1
peer -
tls 0
header Host: x
header X-A: b c
body 0" ]
}

@test "inetd: peer address from TCPREMOTEIP, else REMOTE_ADDR" {
	req="$BATS_TEST_TMPDIR/r"
	printf 'GET /echo HTTP/1.1\r\nHost: x\r\n\r\n' >"$req"
	run -0 env TCPREMOTEIP=192.0.2.7 REMOTE_ADDR=192.0.2.9 http-echo --inetd <"$req"
	[[ "$output" == *"peer 192.0.2.7"* ]]
	run -0 env -u TCPREMOTEIP REMOTE_ADDR=192.0.2.9 http-echo --inetd <"$req"
	[[ "$output" == *"peer 192.0.2.9"* ]]
}

@test "inetd: pipelined requests are answered in order, POST body included" {
	run -0 bash -c "printf 'GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /echo?n=3 HTTP/1.1\r\nHost: x\r\n\r\n' | http-echo --inetd"
	[ "$(printf '%s\n' "$output" | grep -o 'HTTP/1.1 200 OK' | wc -l)" -eq 3 ]
	[ "$(printf '%s\n' "$output" | sed -n 's/^query //p' | tr '\n' ' ')" = "n=1 n=2 n=3 " ]
	[[ "$output" == *"body 5"*"hello"* ]]
}

@test "inetd: HTTP/1.0 closes after one answer unless keep-alive" {
	run -0 bash -c "printf 'GET /echo?n=1 HTTP/1.0\r\n\r\nGET /echo?n=2 HTTP/1.0\r\n\r\n' | http-echo --inetd"
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200')" -eq 1 ]
	[[ "$output" == *"Connection: close"* ]]
	run -0 bash -c "printf 'GET /echo?n=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo?n=2 HTTP/1.0\r\n\r\n' | http-echo --inetd"
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200')" -eq 2 ]
	[[ "$output" == *"Connection: keep-alive"* ]]
}

@test "inetd: a deferred reply from a timer works on fds 0/1 too" {
	run -0 bash -c "printf 'GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n' | http-echo --inetd"
	[[ "$output" == *$'\r\n\r\nslow 300\nHTTP/1.1 200 OK\r\n'*"method GET"* ]]
}

@test "inetd: HEAD gets the length and no body" {
	run -0 bash -c "printf 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | http-echo --inetd | tr -d '\r' | sed '/^Date: /d'"
	[ "$output" = "HTTP/1.1 200 OK
Content-Type: text/plain
Content-Length: 6
Connection: close" ]
}

@test "every malformed or smuggling fixture: exact status, one answer, closed (pipe)" {
	n=0
	for f in "$FX"/*.[0-9][0-9][0-9].req; do
		want=${f%.req}; want=${want##*.}
		run -0 timeout 5 http-echo --inetd <"$f"
		got=$(status_of)
		if [ "$got" != "$want" ] ||
		    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1')" -ne 1 ] ||
		    [[ "$output" != *$'Connection: close\r'* ]]; then
			echo "$(basename "$f"): got '$got' want '$want'"; echo "$output"; return 1
		fi
		n=$((n + 1))
	done
	[ "$n" -ge 70 ]
}

@test "every malformed or smuggling fixture over TCP: exact status, connection closed" {
	start_echo --listen 127.0.0.1:0
	for f in "$FX"/*.[0-9][0-9][0-9].req; do
		want=${f%.req}; want=${want##*.}
		run tcp_raw "$f"
		if [ "$status" -ne 0 ] || [ "$(status_of)" != "$want" ] ||
		    [ "$(printf '%s\n' "$output" | grep -c '^HTTP/1')" -ne 1 ]; then
			echo "$(basename "$f"): rc $status, got '$(status_of)' want '$want'"
			echo "$output"; return 1
		fi
	done
}

@test "valid edge cases are accepted: chunk extensions and trailers, absolute-form, OPTIONS *, 1.0" {
	for f in "$FX"/*.ok.req; do
		run -0 timeout 5 http-echo --inetd <"$f"
		[ "$(status_of)" = 200 ] || { echo "$(basename "$f")"; echo "$output"; return 1; }
	done
	run -0 http-echo --inetd <"$FX/chunked-ext-trailer.ok.req"
	[[ "$output" == *$'body 11\nhello world' ]]
	[[ "$output" != *X-Trailer* ]]
	run -0 http-echo --inetd <"$FX/absolute-form.ok.req"
	[[ "$output" == *$'path /echo\nquery q=1\n'* ]]
}

@test "the CL.TE smuggled request is never answered" {
	start_echo --listen 127.0.0.1:0
	run -0 tcp_raw "$FX/cl-te.400.req"
	[[ "$output" != *smuggled* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1')" -eq 1 ]
}

@test "TCP: curl GET and POST, keep-alive reuses the connection" {
	start_echo --listen 127.0.0.1:0
	run -0 curl -sS -v "http://127.0.0.1:$PORT/echo?x=1" "http://127.0.0.1:$PORT/echo?x=2"
	[[ "$output" == *"Re-using existing connection"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^peer 127.0.0.1$')" -eq 2 ]
	run -0 curl -sS --data-binary 'a=1&b=2' "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *$'method POST\n'*$'header Content-Length: 7\n'*$'body 7\na=1&b=2' ]]
}

@test "TCP: pipelined requests in one write get answers in order" {
	start_echo --listen 127.0.0.1:0
	f="$BATS_TEST_TMPDIR/pipe.req"
	printf 'GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$f"
	run -0 tcp_raw "$f"
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1 200 OK')" -eq 3 ]
	[ "$(printf '%s\n' "$output" | grep -E '^(query n=|slow )' | tr '\n' ' ')" = "query n=1 slow 200 query n=3 " ]
}

@test "TCP: chunked request body (curl) and chunked response (/stream)" {
	start_echo --listen 127.0.0.1:0
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	run -0 bash -c 'curl -sS -H "Transfer-Encoding: chunked" --data-binary @"$1" "$2" 2>/dev/null | head -c 400 | grep -a -E "^(header Transfer|body)"' _ "$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$PORT/echo"
	[ "$output" = "header Transfer-Encoding: chunked
body 300000" ]
	curl -sS -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$PORT/echo" |
	    tail -c 300000 | cmp - "$BATS_TEST_TMPDIR/up"
	run -0 curl -sS -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/s" "http://127.0.0.1:$PORT/stream?bytes=3000000"
	grep -q $'^Transfer-Encoding: chunked\r$' "$BATS_TEST_TMPDIR/h"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/s")" -eq 3000000 ]
	# the same bytes with a Content-Length instead of chunks
	run -0 curl -sS -D "$BATS_TEST_TMPDIR/h2" -o "$BATS_TEST_TMPDIR/s2" "http://127.0.0.1:$PORT/stream?bytes=3000000&length=1"
	grep -q $'^Content-Length: 3000000\r$' "$BATS_TEST_TMPDIR/h2"
	cmp "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/s2"
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/s")" = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk" ]
}

@test "TCP: a slow reader gets the whole stream (back-pressure)" {
	[ -z "${APIM_SANITIZE:-}" ] || skip "memory sizes under a sanitizer are not real"
	start_echo --listen 127.0.0.1:0
	run -0 curl -sS --limit-rate 2M -o "$BATS_TEST_TMPDIR/s" "http://127.0.0.1:$PORT/stream?bytes=4000000"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/s")" -eq 4000000 ]
	# the server held at most ~64 KiB of it at a time
	rss=$(awk '/VmHWM/ {print $2}' /proc/"$SRV"/status)
	[ "$rss" -lt 20000 ]
}

@test "streaming mode: body pieces through the callback, same echo" {
	start_echo --listen 127.0.0.1:0 --stream
	head -c 500000 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	curl -sS -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$PORT/echo" |
	    tail -c 500000 | cmp - "$BATS_TEST_TMPDIR/up"
	run -0 curl -sS --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *"body 500000"* ]]
}

@test "Expect: 100-continue gets an interim 100 then the answer" {
	start_echo --listen 127.0.0.1:0
	head -c 2000 /dev/zero >"$BATS_TEST_TMPDIR/z"
	run -0 curl -sS -v -H 'Expect: 100-continue' --data-binary @"$BATS_TEST_TMPDIR/z" "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *"< HTTP/1.1 100 Continue"* ]]
	[[ "$output" == *"body 2000"* ]]
}

@test "deferred replies don't block other connections" {
	start_echo --listen 127.0.0.1:0
	curl -sS "http://127.0.0.1:$PORT/slow?ms=3000" >"$BATS_TEST_TMPDIR/slow" 3>&- &
	slow=$!
	# the slow request is in the server's hands, waiting for its timer
	wait_stats "aborts 0
waiting 1"
	run -0 curl -sS "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *"method GET"* ]]
	# and it was answered while the slow one still waits
	run -0 curl -sS "http://127.0.0.1:$PORT/stats"
	[ "$output" = "aborts 0
waiting 1" ]
	[ ! -s "$BATS_TEST_TMPDIR/slow" ]
	wait "$slow"
	[ "$(cat "$BATS_TEST_TMPDIR/slow")" = "slow 3000" ]
}

@test "limits: 414 request line, 431 field count and size, 413 body" {
	start_echo --listen 127.0.0.1:0 --max-body 100000
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/echo?$(head -c 9000 /dev/zero | tr '\0' a)"
	[ "$output" = 414 ]
	# curl adds Host, User-Agent and Accept: 98 + 3 = 101 fields
	hs=(); for i in $(seq 98); do hs+=(-H "X-$i: v"); done
	run -0 curl -sS -o /dev/null -w '%{http_code}' "${hs[@]}" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 431 ]
	hs=(); for i in $(seq 97); do hs+=(-H "X-$i: v"); done
	run -0 curl -sS -o /dev/null -w '%{http_code}' "${hs[@]}" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' a)" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 431 ]
	head -c 100001 /dev/zero >"$BATS_TEST_TMPDIR/big"
	run -0 curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/big" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 413 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/big" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 413 ]
	head -c 100000 /dev/zero >"$BATS_TEST_TMPDIR/ok"
	run -0 curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/ok" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
}

@test "streaming mode enforces max_body too: 413 by Content-Length and by chunks" {
	start_echo --listen 127.0.0.1:0 --stream --max-body 100000
	head -c 100001 /dev/zero >"$BATS_TEST_TMPDIR/big"
	head -c 100000 /dev/zero >"$BATS_TEST_TMPDIR/ok"
	run -0 curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/big" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 413 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/big" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 413 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/ok" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/ok" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
	# raw chunks past the limit: one 413 with Connection: close (not the
	# handler's 400), then the server closes though the client keeps sending
	{ printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
	  printf '186a0\r\n'; head -c 100000 /dev/zero; printf '\r\n'
	  printf '1\r\nx\r\n'; } >"$BATS_TEST_TMPDIR/req"
	run -0 tcp_raw "$BATS_TEST_TMPDIR/req"
	[ "$(status_of)" = 413 ]
	[[ "$output" == *$'Connection: close\r\n'* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1')" -eq 1 ]
	run -0 curl -sS --data-binary hello "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *$'body 5\nhello' ]]
}

@test "limits answer with Connection: close and close (raw 414)" {
	start_echo --listen 127.0.0.1:0
	f="$BATS_TEST_TMPDIR/long.req"
	{ printf 'GET /'; head -c 9000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: x\r\n\r\n'; } >"$f"
	run -0 tcp_raw "$f"
	[ "$(status_of)" = 414 ]
	[[ "$output" == *$'Connection: close\r'* ]]
}

@test "slowloris: an unfinished head gets 408 and a close" {
	start_echo --listen 127.0.0.1:0 --header-timeout 1000
	t0=$(date +%s%N)
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "GET /echo HTTP/1.1\r\nHost: x\r\n" >&5; sleep 0.4; printf "X-A: 1\r\n" >&5; cat <&5' _ "$PORT"
	t1=$(date +%s%N)
	[ "$(status_of)" = 408 ]
	[[ "$output" == *$'Connection: close\r'* ]]
	# not before the header timeout (an upper bound is the timeout 5 above)
	[ $(((t1 - t0) / 1000000)) -ge 900 ]
}

@test "an idle keep-alive connection is closed after the idle timeout" {
	start_echo --listen 127.0.0.1:0 --idle-timeout 500
	t0=$(date +%s%N)
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "GET / HTTP/1.1\r\nHost: x\r\n\r\n" >&5; cat <&5' _ "$PORT"
	t1=$(date +%s%N)
	[ "$(status_of)" = 200 ]
	# not before the idle timeout (an upper bound is the timeout 5 above)
	[ $(((t1 - t0) / 1000000)) -ge 400 ]
}

@test "a stalled body gets 408" {
	start_echo --listen 127.0.0.1:0 --read-timeout 600
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc" >&5; cat <&5' _ "$PORT"
	[ "$(status_of)" = 408 ]
}

@test "a client that stops reading is dropped after the write timeout" {
	start_echo --listen 127.0.0.1:0 --write-timeout 500
	# read nothing until the server's side of the connection is no longer
	# established (it gave up on us), then count what did arrive
	run -0 timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "GET /stream?bytes=100000000 HTTP/1.1\r\nHost: x\r\n\r\n" >&5
	    for i in $(seq 100); do ss -Htn state established "( sport = :$1 )" | grep -q . || { echo dropped; break; }; sleep 0.05; done
	    cat <&5 | wc -c' _ "$PORT"
	[ "${lines[0]}" = dropped ]
	[ "${lines[1]}" -gt 0 ]
	[ "${lines[1]}" -lt 100000000 ]
	run -0 curl -sS "http://127.0.0.1:$PORT/"
	[ "$output" = hello ]
}

@test "apim_http_header: the first field of that name, in any case; not a longer or shorter name" {
	req() { printf 'GET /echo?find=%s HTTP/1.1\r\nHost: x\r\nX-Tes: short\r\nx-test: first\r\nX-TEST: second\r\nX-Tests: long\r\nConnection: close\r\n\r\n' "$1" | http-echo --inetd | tr -d '\r' | grep '^found '; }
	run -0 req X-Test
	[ "$output" = "found first" ]
	run -0 req x-tEST
	[ "$output" = "found first" ]
	run -0 req X-Tests
	[ "$output" = "found long" ]
	run -0 req X-Te
	[ "$output" = "found (none)" ]
}

@test "a handler's bad header becomes a bare 500 (no injection, no internals)" {
	run -0 bash -c "printf 'GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\n' | http-echo --inetd | tr -d '\r' | sed '/^Date: /d'"
	[ "$output" = "HTTP/1.1 500 Internal Server Error
Content-Length: 0" ]
}

@test "a client that leaves before a deferred reply: dropped, the server lives on" {
	start_echo --listen 127.0.0.1:0
	run -28 curl -sS --max-time 0.3 "http://127.0.0.1:$PORT/slow?ms=700"
	# the server saw the client leave (its timer is not waiting any more)
	wait_stats "aborts 1
waiting 0"
	run -0 curl -sS "http://127.0.0.1:$PORT/"
	[ "$output" = hello ]
}

@test "a deferred handler is told at once when its client leaves (abort callback)" {
	start_echo --listen 127.0.0.1:0
	run -0 curl -sS "http://127.0.0.1:$PORT/stats"
	[ "$output" = "aborts 0
waiting 0" ]
	# a whole /slow answer is not an abort
	run -0 curl -sS "http://127.0.0.1:$PORT/slow?ms=10"
	[ "$output" = "slow 10" ]
	run -0 curl -sS "http://127.0.0.1:$PORT/stats"
	[ "$output" = "aborts 0
waiting 0" ]
	# the client leaves 0.3 s into a 60 s wait: seen long before the timer
	run -28 curl -sS --max-time 0.3 "http://127.0.0.1:$PORT/slow?ms=60000"
	wait_stats "aborts 1
waiting 0"
	# raw: request, and once the server waits on it, close; twice more
	for i in 2 3; do
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		printf 'GET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n' >&5
		wait_stats "aborts $((i - 1))
waiting 1"
		exec 5>&-
		wait_stats "aborts $i
waiting 0"
	done
	kill -0 "$SRV"
}

@test "inetd: a pipe's end of input is not an abort: the deferred answer comes" {
	run -0 bash -c "printf 'GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n' | http-echo --inetd"
	[[ "$output" == *$'\r\n\r\nslow 200' ]]
}

@test "streaming mode: a body cut short reaches the handler as an abort" {
	start_echo --listen 127.0.0.1:0 --stream
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc" >&5; exec 5>&-' _ "$PORT"
	run -0 curl -sS --data-binary hello "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *$'body 5\nhello' ]]
	run -0 curl -sS --data-binary again "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *$'body 5\nagain' ]]
	kill -0 "$SRV"
}

@test "SIGTERM (1 and 2 workers): in-flight answered with Connection: close, idle closed, new refused, exit 0" {
	for w in 1 2; do
		start_echo --listen 127.0.0.1:0 --workers "$w"
		# an idle keep-alive connection: one request answered, left open
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&5
		curl -sS -i "http://127.0.0.1:$PORT/slow?ms=800" >"$BATS_TEST_TMPDIR/slow" 2>&1 &
		cpid=$!
		wait_held 2
		kill -TERM "$SRV"
		# new connections are refused (once the signal is handled)
		wait_refused
		# the idle connection is closed at once, not after the drain timeout
		run -0 timeout 3 cat <&5
		exec 5<&-
		[[ "$output" == *$'\r\n\r\nhello' ]]
		# the request in flight gets its whole answer, then the server exits 0
		wait "$cpid"
		run -0 tr -d '\r' <"$BATS_TEST_TMPDIR/slow"
		[ "${lines[0]}" = "HTTP/1.1 200 OK" ]
		[[ "$output" == *$'\nConnection: close\n'* ]]
		[[ "$output" == *$'\n\nslow 800' ]]
		wait_exit0 "$SRV"
	done
}

@test "SIGTERM: the drain timeout ends a request that takes too long, still exit 0" {
	start_echo --listen 127.0.0.1:0 --drain-timeout 300
	curl -sS "http://127.0.0.1:$PORT/slow?ms=20000" >"$BATS_TEST_TMPDIR/slow" 2>&1 &
	cpid=$!
	wait_held 1
	kill -TERM "$SRV"
	wait_exit0 "$SRV"
	rc=0; wait "$cpid" || rc=$?
	[ "$rc" -eq 52 ]	# empty reply: closed before any answer
}

@test "SIGTERM twice stops at once" {
	start_echo --listen 127.0.0.1:0
	curl -sS "http://127.0.0.1:$PORT/slow?ms=20000" >/dev/null 2>&1 &
	wait_held 1
	kill -TERM "$SRV"
	# the first one was handled: the server stopped listening
	wait_refused
	kill -TERM "$SRV"
	wait_exit0 "$SRV"
}

@test "systemd socket activation: LISTEN_FDS on fd 3" {
	out="$BATS_TEST_TMPDIR/echo.out"
	socket-activate 127.0.0.1:0 http-echo --workers 1 >"$out" 2>&1 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	for i in $(seq 100); do [ "$(grep -c '^listening on' "$out")" -ge 2 ] && break; sleep 0.05; done
	PORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ "$(sed -n 2p "$out")" = "listening on 127.0.0.1:$PORT" ]
	run -0 curl -sS "http://127.0.0.1:$PORT/echo"
	[[ "$output" == *"peer 127.0.0.1"* ]]
}

@test "LISTEN_FDS meant for another process is ignored" {
	run -64 env LISTEN_FDS=1 LISTEN_PID=1 http-echo
	[ "$output" = "http-echo: nothing to serve: no --listen, no LISTEN_FDS, no --inetd" ]
}

@test "bad listen address and busy port: clear errors" {
	run -64 http-echo --listen nonsense
	[ "$output" = "http-echo: bad listen address 'nonsense' (want ADDR:PORT)" ]
	start_echo --listen 127.0.0.1:0
	run -69 http-echo --listen "127.0.0.1:$PORT"
	[[ "$output" == "http-echo: cannot listen on '127.0.0.1:$PORT': Address already in use" ]]
}

@test "IPv6 loopback [::1]:port" {
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' ||
	    skip "no IPv6 loopback"
	start_echo --listen '[::1]:0'
	grep -q '^listening on \[::1\]:' "$BATS_TEST_TMPDIR/echo.out"
	run -0 curl -sS -g "http://[::1]:$PORT/echo"
	[[ "$output" == *"peer ::1"* ]]
}

@test "workers: N processes share the listening socket" {
	start_echo --listen 127.0.0.1:0 --workers 2
	# the --workers 1 from start_echo is overridden by the later option
	for i in $(seq 20); do [ "$(pgrep -P "$SRV" | wc -l)" -eq 2 ] && break; sleep 0.05; done
	[ "$(pgrep -P "$SRV" | wc -l)" -eq 2 ]
	# each worker watches the shared socket with EPOLLEXCLUSIVE (1<<28)
	for k in $(pgrep -P "$SRV"); do
		run -0 bash -c "grep -h '^tfd:' /proc/$k/fdinfo/* | awk '{print \$4}'"
		n=0
		for ev in "${lines[@]}"; do
			[ $((0x$ev & 0x10000000)) -eq 0 ] || n=$((n + 1))
		done
		[ "$n" -eq 1 ]
	done
	for i in 1 2 3 4 5 6; do
		run -0 curl -sS "http://127.0.0.1:$PORT/echo"
		[[ "$output" == *"method GET"* ]]
	done
	kill "$SRV"
	for i in $(seq 40); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$SRV" 2>/dev/null
}

@test "TLS: curl --cacert against a self-signed certificate, keep-alive and bodies" {
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/key.pem" -out "$d/cert.pem" -days 1 -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
	start_echo --listen 127.0.0.1:0 --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
	run -0 curl -sS -v --cacert "$d/cert.pem" "https://127.0.0.1:$PORT/echo" "https://127.0.0.1:$PORT/echo?n=2"
	[[ "$output" == *"Re-using existing connection"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^tls 1$')" -eq 2 ]
	head -c 200000 /dev/urandom >"$d/up"
	curl -sS --cacert "$d/cert.pem" --data-binary @"$d/up" "https://127.0.0.1:$PORT/echo" | tail -c 200000 | cmp - "$d/up"
	run -0 curl -sS --cacert "$d/cert.pem" -o "$d/s" "https://127.0.0.1:$PORT/stream?bytes=2000000"
	[ "$(wc -c <"$d/s")" -eq 2000000 ]
	# plain HTTP to the TLS port is refused, the server lives on
	run curl -sS "http://127.0.0.1:$PORT/echo"
	[ "$status" -ne 0 ]
	run -0 curl -sS --cacert "$d/cert.pem" "https://127.0.0.1:$PORT/"
	[ "$output" = hello ]
}

@test "TLS: missing key file is a config error" {
	run -78 http-echo --listen 127.0.0.1:0 --tls-cert /nonexistent --tls-key /nonexistent
	[ "$output" = "http-echo: cannot load certificate '/nonexistent'" ]
}

@test "2000 idle keep-alive connections cost a few MB" {
	[ -z "${APIM_SANITIZE:-}" ] || skip "memory sizes under a sanitizer are not real"
	start_echo --listen 127.0.0.1:0
	before=$(awk '/VmRSS/ {print $2}' /proc/"$SRV"/status)
	mkfifo "$BATS_TEST_TMPDIR/hold"
	conn-hold "$PORT" 2000 <"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/held" 3>&- &
	exec 4>"$BATS_TEST_TMPDIR/hold"
	for i in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/held" && break; sleep 0.1; done
	[ "$(cat "$BATS_TEST_TMPDIR/held")" = "ready 2000" ]
	after=$(awk '/VmRSS/ {print $2}' /proc/"$SRV"/status)
	exec 4>&-
	echo "RSS before $before kB, with 2000 idle: $after kB" >&3
	[ $((after - before)) -lt 4096 ]
}
