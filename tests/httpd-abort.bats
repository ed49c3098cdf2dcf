#!/usr/bin/env bats
# httpd-abort.bats: how the HTTP core ends things through apim-proxy: a backend
# that dies in the middle of its response shows the client a cut transfer
# (apim_http_reply_abort), SIGHUP to the listening parent reaches the workers
# (events file reopened), and SIGTERM under inetd finishes the request in flight.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

# start_dying MODE: a raw backend that reads one request head, sends the start
# of a response (MODE chunked: a chunk, no last chunk; MODE length: 5 of the
# 100 bytes its Content-Length promises) and closes.  Sets BPORT.
start_dying() {
	local out="$BATS_TEST_TMPDIR/dying.$RANDOM"
	python3 -c '
import socket, sys
mode = sys.argv[1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    if mode == "chunked":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    else:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 100\r\n\r\nhello")
    c.close()
' "$1" >"$out" 2>&1 3>&- &
	track $!
	wait_line "$out" '^listening on'
	BPORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$BPORT" ]
}

@test "a backend that dies mid chunked response: the client sees a cut transfer, not success" {
	start_dying chunked
	mkapi Pets /pets 1.0.0
	start_proxy
	run curl -sS -o "$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PPORT/pets/1.0.0/open"
	[ "$status" -eq 18 ] || [ "$status" -eq 56 ]
	[ "$(cat "$BATS_TEST_TMPDIR/body")" = hello ]
	wait_lines "$EV" 1
	run -0 jq -r '[.eventType, .errorType, .errorCode] | @tsv' "$EV"
	[ "$output" = "fault	TARGET_CONNECTIVITY	101505" ]
}

@test "a backend that dies short of its Content-Length: the client sees a cut transfer" {
	start_dying length
	mkapi Pets /pets 1.0.0
	start_proxy
	run curl -sS -o "$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PPORT/pets/1.0.0/open"
	[ "$status" -eq 18 ] || [ "$status" -eq 56 ]
	[ "$(cat "$BATS_TEST_TMPDIR/body")" = hello ]
}

@test "a cut chunked response over HTTP/1.1 keep-alive: the connection is closed, not reused" {
	start_dying chunked
	mkapi Pets /pets 1.0.0
	start_proxy
	req="GET /pets/1.0.0/open HTTP/1.1\r\nHost: x\r\n\r\nGET /pets/1.0.0/open HTTP/1.1\r\nHost: x\r\n\r\n"
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "$2" >&5; cat <&5' _ "$PPORT" "$req"
	# one response, its chunk, no last chunk, then the close (run drops
	# the final newline)
	[ "$(grep -c 'HTTP/1.1 200' <<<"$output")" -eq 1 ]
	[[ "$output" == *$'\r\n\r\n5\r\nhello\r' ]]
}

@test "SIGHUP to the listening parent reaches the workers: the events file is reopened" {
	standard
	WORKERS=2 start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/open"
	wait_lines "$EV" 1
	mv "$EV" "$EV.1"
	# a worker does not recreate a path that is gone until told so: the
	# parent's SIGHUP must reach it (up to 5 s for an event in a new file)
	kill -HUP "$PROXY"
	for i in $(seq 100); do
		run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/open"
		[ -s "$EV" ] && break
		sleep 0.05
	done
	[ -s "$EV" ]
	kill -0 "$PROXY"
	[ "$(wc -l <"$EV.1")" -ge 1 ]
	run -0 apim-event-check <"$EV"
}

@test "inetd: SIGTERM finishes the request in flight, answered with Connection: close" {
	local out="$BATS_TEST_TMPDIR/hold.out" log="$BATS_TEST_TMPDIR/hold.log"
	# a backend that logs a request, then answers once the test says so
	python3 -c '
import os, socket, sys, time
log, release = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
c, _ = s.accept()
buf = b""
while b"\r\n\r\n" not in buf:
    buf += c.recv(4096)
open(log, "a").write("got\n")
for i in range(100):
    if os.path.exists(release):
        break
    time.sleep(0.05)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ndone\n")
c.close()
' "$log" "$BATS_TEST_TMPDIR/release" >"$out" 2>&1 3>&- &
	track $!
	wait_line "$out" '^listening on'
	BPORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	mkapi Pets /pets 1.0.0
	mkfifo "$BATS_TEST_TMPDIR/in"
	apim-proxy --inetd --events "$EV" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/resp" 2>&1 3>&- &
	pid=$!
	track $pid
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf 'GET /pets/1.0.0/open HTTP/1.1\r\nHost: x\r\n\r\n' >&5
	wait_line "$log" '^got$'
	kill -TERM "$pid"
	# the signal delivered (no longer pending), then the backend answers
	for i in $(seq 100); do
		[ -e "/proc/$pid/status" ] || break
		grep -q '^ShdPnd:[[:space:]]*0*$' "/proc/$pid/status" 2>/dev/null &&
		    grep -q '^SigPnd:[[:space:]]*0*$' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.05
	done
	touch "$BATS_TEST_TMPDIR/release"
	run -0 timeout 5 tail --pid="$pid" -f /dev/null
	exec 5>&-
	run -0 head -1 "$BATS_TEST_TMPDIR/resp"
	[ "$output" = $'HTTP/1.1 200 OK\r' ]
	grep -qi '^Connection: close' "$BATS_TEST_TMPDIR/resp"
	run -0 tail -1 "$BATS_TEST_TMPDIR/resp"
	[ "$output" = done ]
	wait_lines "$EV" 1
}

@test "inetd: an http:// backend is reached without libcurl (the fast path), a call with no auth without OpenSSL; neither is loaded" {
	start_counter b1
	mkapi Pets /pets 1.0.0
	# answered by the gateway itself (404): libcurl never loaded
	printf 'GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$BATS_TEST_TMPDIR/r1"
	LD_DEBUG=files apim-proxy --inetd --events "$EV" <"$BATS_TEST_TMPDIR/r1" \
	    >"$BATS_TEST_TMPDIR/o1" 2>"$BATS_TEST_TMPDIR/e1"
	run -0 head -1 "$BATS_TEST_TMPDIR/o1"
	[ "$output" = $'HTTP/1.1 404 Not Found\r' ]
	run -1 grep -c 'libcurl' "$BATS_TEST_TMPDIR/e1"
	# nor OpenSSL (lib/lazy/crypto_lazy.c opens it on first use)
	run -1 grep -E -c 'libcrypto|libssl' "$BATS_TEST_TMPDIR/e1"
	# forwarded to http://127.0.0.1:PORT: by lib/upstream_h1.c, libcurl
	# still not loaded (an https:// backend loads it: apim-proxy-forward.bats)
	printf 'GET /pets/1.0.0/open HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$BATS_TEST_TMPDIR/r2"
	LD_DEBUG=files apim-proxy --inetd --events "$EV" <"$BATS_TEST_TMPDIR/r2" \
	    >"$BATS_TEST_TMPDIR/o2" 2>"$BATS_TEST_TMPDIR/e2"
	run -0 head -1 "$BATS_TEST_TMPDIR/o2"
	[ "$output" = $'HTTP/1.1 200 OK\r' ]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
	# the loader's log is there (the check can see a load) and names neither
	# libcurl nor OpenSSL: GET /open has auth none, nothing to sign or check
	run -0 grep -c 'calling init' "$BATS_TEST_TMPDIR/e2"
	run -1 grep -c 'libcurl' "$BATS_TEST_TMPDIR/e2"
	run -1 grep -E -c 'libcrypto|libssl' "$BATS_TEST_TMPDIR/e2"
}
