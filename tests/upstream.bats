#!/usr/bin/env bats
# upstream.bats: the gateway's backend client (lib/upstream) through
# tests/unit/upstream-proxy, against http-echo and upstream-proxy --backend
# on loopback: bodies both ways, keep-alive, errors, balancing, suspension.
bats_require_minimum_version 1.5.0
load helper

# Start a server in the background: start NAME CMD...; sets PORT and
# NAME_PID, leaves its stdout in $BATS_TEST_TMPDIR/NAME.out.
start() {
	local name=$1 out="$BATS_TEST_TMPDIR/$1.out" i
	shift
	"$@" >"$out" 2>>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	eval "${name}_PID=$!"
	echo "$!" >>"$BATS_TEST_TMPDIR/pids"
	for i in $(seq 100); do
		grep -q '^listening on' "$out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$PORT" ]
}

teardown() {
	local p
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	for p in $(cat "$BATS_TEST_TMPDIR/pids"); do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
}

# A loopback port nobody listens on any more (a server's, which has exited):
# connections to it are refused.
dead_port() {
	start dead upstream-proxy --backend >&2
	kill "$dead_PID"
	wait "$dead_PID" || true
	echo "$PORT"
}

# Wait (up to 5 s) until file $1 has at least $2 lines matching $3.
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c -- "$3" "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# Wait (up to 5 s) until http-echo on port $1 answers /stats with $2.
wait_stats() {
	local i
	for i in $(seq 100); do
		[ "$(curl -s "http://127.0.0.1:$1/stats" | tr '\n' ' ')" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# Wait (up to 5 s) until the shell command $1 succeeds.
wait_cmd() {
	local i
	for i in $(seq 100); do
		bash -c "$1" && return 0
		sleep 0.05
	done
	return 1
}

# The backend port that answered an http-echo /echo (its Host header).
echo_port() { sed -n 's/^header Host: 127.0.0.1:\([0-9]*\)$/\1/p'; }

peak_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }

@test "GET and POST: method, path, query, headers and body reach the backend; the response comes back" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	start proxy upstream-proxy "http://127.0.0.1:$E"
	P=$PORT
	run -0 curl -s -H 'X-Test: a b' "http://127.0.0.1:$P/echo?x=1&y=2"
	printf '%s\n' "$output" | grep -qx 'method GET'
	printf '%s\n' "$output" | grep -qx 'target /echo?x=1&y=2'
	printf '%s\n' "$output" | grep -qx 'header X-Test: a b'
	printf '%s\n' "$output" | grep -qx 'header X-Forwarded-For: 127.0.0.1'
	printf '%s\n' "$output" | grep -qx "header Host: 127.0.0.1:$E"
	printf '%s\n' "$output" | grep -qx 'body 0'
	run -0 curl -s -D "$BATS_TEST_TMPDIR/h" --data-binary 'hello, backend' \
	    -H 'Connection: X-Drop' -H 'X-Drop: 1' "http://127.0.0.1:$P/echo"
	printf '%s\n' "$output" | grep -qx 'method POST'
	printf '%s\n' "$output" | grep -qx 'header Content-Length: 14'
	[ "$(printf '%s' "$output" | tail -c 22)" = "body 14
hello, backend" ]
	run grep -ci '^header Connection' <<<"$output"
	[ "$output" = 0 ]
	grep -q '^X-Proxy: upstream-proxy' "$BATS_TEST_TMPDIR/h"
	grep -q '^Content-Type: text/plain' "$BATS_TEST_TMPDIR/h"
	run -0 curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$P/nope"
	[ "$output" = 404 ]
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 3 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[[ "${lines[1]}" == "done 200 backend 200 code 0 dest http://127.0.0.1:$E req 14 resp "*" aborted 0" ]]
	[ "${lines[2]}" = "done 404 backend 404 code 0 dest http://127.0.0.1:$E req 0 resp 10 aborted 0" ]
}

@test "HEAD keeps the backend's Content-Length and sends no body" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	start proxy upstream-proxy "http://127.0.0.1:$PORT"
	run -0 bash -c "curl -s -I 'http://127.0.0.1:$PORT/stream?bytes=1234&length=1' | tr -d '\r' | grep -i -e '^content-length' -e '^transfer-encoding'"
	[ "$output" = "Content-Length: 1234" ]
}

@test "chunked both ways: a chunked upload arrives whole, a chunked response is re-chunked" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	start proxy upstream-proxy "http://127.0.0.1:$PORT"
	run -0 bash -c "printf 'abc%.0s' \$(seq 1000) | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- 'http://127.0.0.1:$PORT/echo' | grep '^body '"
	[ "$output" = "body 3000" ]
	run -0 bash -c "curl -s -D - -o '$BATS_TEST_TMPDIR/body' 'http://127.0.0.1:$PORT/stream?bytes=300000' | tr -d '\r' | grep -i '^transfer-encoding'"
	[ "$output" = "Transfer-Encoding: chunked" ]
	run -0 wc -c <"$BATS_TEST_TMPDIR/body"
	[ "$output" = 300000 ]
}

@test "1 GiB up and down is streamed: the proxy's peak memory stays bounded" {
	start backend upstream-proxy --backend
	B=$PORT
	# under ASan, freed memory waits in a quarantine (256 MB): keep it small
	# so that the peak measures what the proxy holds
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" \
	    start proxy upstream-proxy "http://127.0.0.1:$B"
	P=$PORT
	before=$(peak_kb "$proxy_PID")
	run -0 curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$P/source?bytes=1073741824"
	[ "$output" = 1073741824 ]
	run -0 curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$P/source?bytes=1073741824&chunked=1"
	[ "$output" = 1073741824 ]
	truncate -s 1G "$BATS_TEST_TMPDIR/big"
	run -0 curl -s -X POST -T "$BATS_TEST_TMPDIR/big" "http://127.0.0.1:$P/sink"
	[ "$output" = "got 1073741824" ]
	run -0 bash -c "head -c 1073741824 /dev/zero | curl -s -X POST -T - 'http://127.0.0.1:$P/sink'"
	[ "$output" = "got 1073741824" ]
	after=$(peak_kb "$proxy_PID")
	echo "peak before ${before} kB, after 4 GiB through: ${after} kB"
	[ "$after" -lt $((before + 16384)) ]
}

@test "keep-alive: many client connections share one backend connection" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	start proxy upstream-proxy "http://127.0.0.1:$E"
	P=$PORT
	for i in $(seq 20); do
		run -0 curl -s "http://127.0.0.1:$P/"
		[ "$output" = hello ]
	done
	# every connection the backend ever had, in any state (TIME-WAIT too)
	run -0 bash -c "ss -Htan '( sport = :$E )' | grep -vc LISTEN"
	[ "$output" = 1 ]
}

@test "backend down: 503 with code 101503 and WSO2's body" {
	D=$(dead_port)
	start proxy upstream-proxy "http://127.0.0.1:$D"
	run -0 curl -s -D "$BATS_TEST_TMPDIR/h" "http://127.0.0.1:$PORT/any/thing"
	[ "$output" = '{"code":"101503","message":"Service Unavailable","description":"Error connecting to the back end"}' ]
	run -0 bash -c "tr -d '\r' <'$BATS_TEST_TMPDIR/h' | sed -n '1p;/^Content-Type/p;/^X-Proxy/p'"
	[ "$output" = "HTTP/1.1 503 Service Unavailable
Content-Type: application/json; charset=UTF-8
X-Proxy: upstream-proxy" ]
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 1 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[ "$output" = "done 503 backend 0 code 101503 dest http://127.0.0.1:$D req 0 resp 0 aborted 0" ]
}

@test "slow backend: 504 with code 101504 after the read timeout, and the backend transfer is cancelled" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	start proxy upstream-proxy --read-timeout 300 "http://127.0.0.1:$E"
	run -0 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/slow?ms=20000"
	[ "$output" = '{"code":"101504","message":"Gateway Timeout","description":"Backend connection timeout"} 504' ]
	wait_stats "$E" "aborts 1 waiting 0 "
}

@test "a client that leaves cancels its backend transfer" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	start proxy upstream-proxy "http://127.0.0.1:$E"
	curl -s "http://127.0.0.1:$PORT/slow?ms=30000" >/dev/null 3>&- &
	c=$!
	wait_stats "$E" "aborts 0 waiting 1 "
	kill "$c"
	wait_stats "$E" "aborts 1 waiting 0 "
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 1 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[ "$output" = "done 0 backend 0 code 0 dest http://127.0.0.1:$E req 0 resp 0 aborted 1" ]
}

@test "a client that leaves mid-download cancels the backend's response" {
	start backend upstream-proxy --backend
	B=$PORT
	start proxy upstream-proxy "http://127.0.0.1:$B"
	curl -s --limit-rate 10K -o /dev/null "http://127.0.0.1:$PORT/source?bytes=10000000000" 3>&- &
	c=$!
	wait_cmd "[ \$(ss -Htn state established '( sport = :$B )' | wc -l) -eq 1 ]"
	kill "$c"
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 1 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[[ "$output" == "done 200 backend 200 code 0 dest http://127.0.0.1:$B req 0 resp "*" aborted 1" ]]
	# the backend's connection was closed, not left streaming
	wait_cmd "[ \$(ss -Htn state established '( sport = :$B )' | wc -l) -eq 0 ]"
}

@test "load_balance alternates between endpoints" {
	start a http-echo --workers 1 --listen 127.0.0.1:0 --stream
	A=$PORT
	start b http-echo --workers 1 --listen 127.0.0.1:0 --stream
	B=$PORT
	start proxy upstream-proxy --type load_balance "http://127.0.0.1:$A" "http://127.0.0.1:$B"
	got=
	for i in 1 2 3 4; do
		got="$got $(curl -s "http://127.0.0.1:$PORT/echo" | echo_port)"
	done
	[ "$got" = " $A $B $A $B" ]
}

@test "failover skips a dead endpoint, then goes straight to the next while it is suspended" {
	D=$(dead_port)
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	start proxy upstream-proxy --type failover --suspend 30000 "http://127.0.0.1:$D" "http://127.0.0.1:$E"
	run -0 curl -s --data-binary 'kept for the retry' "http://127.0.0.1:$PORT/echo"
	[ "$(printf '%s\n' "$output" | echo_port)" = "$E" ]
	[ "$(printf '%s' "$output" | tail -c 18)" = "kept for the retry" ]
	run -0 curl -s "http://127.0.0.1:$PORT/echo"
	[ "$(printf '%s\n' "$output" | echo_port)" = "$E" ]
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 2 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[[ "${lines[0]}" == "done 200 backend 200 code 0 dest http://127.0.0.1:$E "* ]]
	[[ "${lines[1]}" == "done 200 backend 200 code 0 dest http://127.0.0.1:$E "* ]]
}

@test "suspension and recovery: a stalled endpoint is skipped while suspended, used again after" {
	start a http-echo --workers 1 --listen 127.0.0.1:0 --stream
	A=$PORT
	start b http-echo --workers 1 --listen 127.0.0.1:0 --stream
	B=$PORT
	start proxy upstream-proxy --type load_balance --read-timeout 300 --suspend 1500 \
	    "http://127.0.0.1:$A" "http://127.0.0.1:$B"
	P=$PORT
	kill -STOP "$b_PID"
	run -0 curl -s "http://127.0.0.1:$P/echo"
	[ "$(printf '%s\n' "$output" | echo_port)" = "$A" ]
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/echo"
	[ "$output" = 504 ]
	# b is suspended: every request goes to a
	got=
	for i in 1 2 3 4; do
		got="$got $(curl -s "http://127.0.0.1:$P/echo" | echo_port)"
	done
	[ "$got" = " $A $A $A $A" ]
	kill -CONT "$b_PID"
	# after the suspension, b serves again (within 5 s)
	for i in $(seq 100); do
		[ "$(curl -s "http://127.0.0.1:$P/echo" | echo_port)" = "$B" ] && break
		sleep 0.05
	done
	[ "$i" -lt 100 ]
}

@test "every endpoint suspended: 503 101503 at once, without a connection attempt" {
	D1=$(dead_port)
	D2=$(dead_port)
	start proxy upstream-proxy --type failover --suspend 30000 "http://127.0.0.1:$D1" "http://127.0.0.1:$D2"
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	[ "$output" = 503 ]
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	[ "$output" = 503 ]
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 2 '^done '
	run grep '^done ' "$BATS_TEST_TMPDIR/proxy.out"
	[ "${lines[0]}" = "done 503 backend 0 code 101503 dest http://127.0.0.1:$D2 req 0 resp 0 aborted 0" ]
	[ "${lines[1]}" = "done 503 backend 0 code 101503 dest  req 0 resp 0 aborted 0" ]
}

@test "32 requests at once each get their own answer" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	start proxy upstream-proxy "http://127.0.0.1:$PORT"
	P=$PORT
	T=$BATS_TEST_TMPDIR
	run -0 bash -c "seq 32 | xargs -P 32 -I{} sh -c 'curl -s --data-binary body-{} \"http://127.0.0.1:$P/echo?n={}\" >$T/r{}'"
	for i in $(seq 32); do
		grep -qx "query n=$i" "$T/r$i"
		[ "$(tail -n 1 "$T/r$i")" = "body-$i" ]
	done
}

@test "pipelined requests on one client connection are forwarded and answered in order" {
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	start proxy upstream-proxy "http://127.0.0.1:$PORT"
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"
	    printf "GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabc\nGET /echo?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >&5
	    cat <&5' _ "$PORT"
	run -0 bash -c "printf '%s\n' \"\$1\" | tr -d '\r' | grep -e '^HTTP/1.1' -e '^query'" _ "$output"
	[ "$output" = "HTTP/1.1 200 OK
query n=1
HTTP/1.1 200 OK
query n=2
HTTP/1.1 200 OK
query n=3" ]
}

@test "http_proxy in the environment does not divert backend calls" {
	D=$(dead_port)
	start echo http-echo --workers 1 --listen 127.0.0.1:0 --stream
	E=$PORT
	http_proxy="http://127.0.0.1:$D" HTTP_PROXY="http://127.0.0.1:$D" \
	    start proxy upstream-proxy "http://127.0.0.1:$E"
	run -0 curl -s --noproxy '*' "http://127.0.0.1:$PORT/"
	[ "$output" = hello ]
}
