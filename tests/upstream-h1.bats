#!/usr/bin/env bats
# upstream-h1.bats: lib/upstream's fast path for plain http:// endpoints
# (HTTP/1.1 framed by lib/http, a pool of kept connections) against a raw
# backend that sends canned and malformed responses: strictness, reuse, retry.
bats_require_minimum_version 1.5.0
load helper

start() {
	local name=$1 out="$BATS_TEST_TMPDIR/$1.out" i
	shift
	"$@" >"$out" 2>>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
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
	for p in $(cat "$BATS_TEST_TMPDIR/pids"); do kill "$p" 2>/dev/null || true; done
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

setup() {
	[[ "$BATS_TEST_DESCRIPTION" == "the response-head parser"* ]] && return 0
	LOG="$BATS_TEST_TMPDIR/backend.log"
	start backend python3 "$BATS_TEST_DIRNAME/upstream-h1-backend.py" "$LOG"
	B=$PORT
	start proxy upstream-proxy "http://127.0.0.1:$B"
	P=$PORT
}

# get PATH [curl args...]: "STATUS BODY"
get() {
	local path=$1
	shift
	curl -s -w ' %{http_code}' "$@" "http://127.0.0.1:$P$path"
}

@test "a well-formed response is passed on and its connection reused" {
	run -0 get /ok
	[ "$output" = "ok 200" ]
	run -0 get /continue
	[ "$output" = "ok 200" ]
	run -0 get /ok
	[ "$output" = "ok 200" ]
	run -0 cat "$LOG"
	[ "$output" = "1 /ok
1 /continue
1 /ok" ]
}

@test "malformed or smuggling responses get 502 101505 and their connection is not reused" {
	local p n=0
	for p in /both /twocl /fold /ctl /lf /status /gzip; do
		run -0 get /ok
		[ "$output" = "ok 200" ]
		run -0 get "$p"
		[ "$output" = '{"code":"101505","message":"Bad Gateway","description":"Backend connection closed"} 502' ]
		n=$((n + 1))
		# the next request comes on a new backend connection
		run -0 get /ok
		[ "$output" = "ok 200" ]
		run -0 tail -1 "$LOG"
		[ "$output" = "$((n + 1)) /ok" ]
	done
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 21 '^done '
	run grep -c '^done 502 backend 0 code 101505 ' "$BATS_TEST_TMPDIR/proxy.out"
	[ "$output" = 7 ]
}

@test "bytes after a complete response close the connection: never read as the next answer" {
	run -0 get /extra
	[ "$output" = "ok 200" ]
	run -0 get /ok
	[ "$output" = "ok 200" ]
	run -0 cat "$LOG"
	[ "$output" = "1 /extra
2 /ok" ]
}

@test "a response without framing ends at the close; a bad chunk cuts the response short" {
	run -0 get /eof
	[ "$output" = "until close 200" ]
	run get /badchunk
	[ "$output" = "ok 200" ]
	wait_lines "$BATS_TEST_TMPDIR/proxy.out" 2 '^done '
	run -0 bash -c "grep '^done ' '$BATS_TEST_TMPDIR/proxy.out' | sed -n 2p"
	[[ "$output" == "done 200 backend 200 code 101505 "* ]]
}

@test "a kept connection the backend closed is retried once, fresh, for idempotent methods only" {
	run -0 get /ok
	[ "$output" = "ok 200" ]
	# the backend reads the 2nd request on connection 1 and closes it
	run -0 get /drop2
	[ "$output" = "ok 200" ]
	run -0 cat "$LOG"
	[ "$output" = "1 /ok
1 /drop2
2 /drop2" ]
	# a POST is not repeated: the client gets 502
	run -0 get /drop2 -X POST -d x
	[ "$output" = '{"code":"101505","message":"Bad Gateway","description":"Backend connection closed"} 502' ]
	run -0 tail -1 "$LOG"
	[ "$output" = "2 /drop2" ]
}

@test "a backend that closes after answering: the next request still succeeds" {
	local i
	for i in 1 2 3; do
		run -0 get /close
		[ "$output" = "ok 200" ]
	done
	run -0 cat "$LOG"
	[ "$output" = "1 /close
2 /close
3 /close" ]
}

@test "the backend's hop-by-hop fields, those its Connection names and its Date are not passed on; the proxy's own win" {
	run -0 curl -s -D - "http://127.0.0.1:$P/hop"
	output=$(tr -d '\r' <<<"$output" | sed 's/^Date: .*/Date: -/')
	[[ "$output" == "HTTP/1.1 200 OK
Date: -
X-Keep: yes
content-type: text/plain
X-Proxy: upstream-proxy
Transfer-Encoding: chunked

ok" ]]
}

@test "the response-head parser: every case of tests/unit/http-resp-check" {
	run -0 http-resp-check
	[[ "$output" == *" cases, 0 failed" ]]
}

@test "a host name is resolved off the loop: libcurl answers until it is, then the fast path" {
	start proxy2 upstream-proxy "http://localhost:$B"
	P=$PORT
	# the first request starts the resolution and goes through libcurl,
	# which folds an obs-fold line; the fast path refuses it
	run -0 get /fold
	[ "$output" = "ok 200" ]
	for i in $(seq 100); do
		[ "$(get /fold)" = "ok 200" ] || break
		sleep 0.05
	done
	run -0 get /fold
	[ "$output" = '{"code":"101505","message":"Bad Gateway","description":"Backend connection closed"} 502' ]
	run -0 get /ok
	[ "$output" = "ok 200" ]
}
