#!/usr/bin/env bats
# httpd-body.bats: lib/httpd against hostile request bodies and request lines,
# through tests/unit/http-echo over real TCP: chunk framing counts toward
# max_body, a body trickle meets the body deadline, and an over-long request
# line gets 414 however its bytes are cut.
bats_require_minimum_version 1.5.0
load helper
load echo-helper

# Status code of the first response in $output.
status_of() { printf '%s\n' "$output" | head -1 | cut -d' ' -f2; }

# Send file $1 on one connection while reading; print what the server sends
# until it closes.  Exit 124 if it has not closed within 10 s.
send_read() {
	timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"
		cat "$2" >&5 2>/dev/null & w=$!
		cat <&5; r=$?
		kill "$w" 2>/dev/null; wait "$w" 2>/dev/null
		exit "$r"' _ "$PORT" "$1"
}

# Send the head $1, then repeat the piece $2 every 0.1 s without end; print
# what the server sends until it closes (124 if not within 10 s).
trickle() {
	timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"
		printf "%b" "$2" >&5
		(while printf "%b" "$3" >&5; do sleep 0.1; done) 2>/dev/null & w=$!
		cat <&5; r=$?
		kill "$w" 2>/dev/null; wait "$w" 2>/dev/null
		exit "$r"' _ "$PORT" "$1" "$2"
}

# Wait (up to 5 s) until the server has read everything sent on its
# connections on $PORT (receive queues empty, or the connection gone).
wait_read() {
	local i q
	for i in $(seq 250); do
		q=$(ss -Htn state established "( sport = :$PORT )" | awk '{ s += $1 } END { print s + 0 }')
		[ "$q" -eq 0 ] && return 0
		sleep 0.02
	done
	return 1
}

@test "60,000 one-byte chunks with 250-byte extensions against a 64 KiB limit: 413 and close" {
	start_echo --listen 127.0.0.1:0 --max-body 65536
	ext=$(head -c 249 /dev/zero | tr '\0' e)
	f="$BATS_TEST_TMPDIR/req"
	{ printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
	  awk -v n=60000 -v c="1;$ext\r\nx\r\n" 'BEGIN { for (i = 0; i < n; i++) printf "%s", c }'
	  printf '0\r\n\r\n'; } >"$f"
	[ "$(wc -c <"$f")" -gt 15000000 ]
	run -0 send_read "$f"
	[ "$(status_of)" = 413 ]
	[[ "$output" == *$'Connection: close\r\n'* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1')" -eq 1 ]
	kill -0 "$SRV"
}

@test "streaming mode: chunk framing counts toward max_body too" {
	start_echo --listen 127.0.0.1:0 --stream --max-body 65536
	ext=$(head -c 249 /dev/zero | tr '\0' e)
	f="$BATS_TEST_TMPDIR/req"
	{ printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
	  awk -v n=60000 -v c="1;$ext\r\nx\r\n" 'BEGIN { for (i = 0; i < n; i++) printf "%s", c }'
	  printf '0\r\n\r\n'; } >"$f"
	run -0 send_read "$f"
	[ "$(status_of)" = 413 ]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1')" -eq 1 ]
}

@test "a body of exactly max_body in ordinary chunks is still accepted" {
	start_echo --listen 127.0.0.1:0 --max-body 65536
	head -c 65536 /dev/zero >"$BATS_TEST_TMPDIR/ok"
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/ok" "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
	# small chunks: 4 KiB of data in 64-byte chunks with short extensions
	f="$BATS_TEST_TMPDIR/req"
	{ printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
	  awk -v n=64 'BEGIN { for (i = 0; i < n; i++) { printf "40;n=%d\r\n", i; for (j = 0; j < 64; j++) printf "y"; printf "\r\n" } }'
	  printf '0\r\n\r\n'; } >"$f"
	run -0 send_read "$f"
	[ "$(status_of)" = 200 ]
	[[ "$output" == *"body 4096"* ]]
}

@test "a chunk trickle that would last forever gets 408 and a close at the body deadline" {
	start_echo --listen 127.0.0.1:0 --body-timeout 1000
	run -0 trickle 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' '1\r\nx\r\n'
	[ "$(status_of)" = 408 ]
	[[ "$output" == *$'Connection: close\r\n'* ]]
	# a chunk-size line that never ends, one zero at a time
	run -0 trickle 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' '0'
	[ "$(status_of)" = 408 ]
	kill -0 "$SRV"
}

@test "a Content-Length trickle gets 408 too, in streaming mode as well" {
	start_echo --listen 127.0.0.1:0 --body-timeout 1000
	run -0 trickle 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' 'x'
	[ "$(status_of)" = 408 ]
	start_echo --listen 127.0.0.1:0 --body-timeout 1000 --stream
	run -0 trickle 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' 'x'
	[ "$(status_of)" = 408 ]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1')" -eq 1 ]
}

@test "chunk trailers over the head limit: 431 and close" {
	start_echo --listen 127.0.0.1:0 --max-header-bytes 1024
	f="$BATS_TEST_TMPDIR/req"
	{ printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n'
	  for i in $(seq 40); do printf 'X-T%d: %s\r\n' "$i" "$(head -c 40 /dev/zero | tr '\0' t)"; done
	  printf '\r\n'; } >"$f"
	run -0 send_read "$f"
	[ "$(status_of)" = 431 ]
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1.1')" -eq 1 ]
}

@test "an over-long request line gets 414 however its bytes are cut" {
	start_echo --listen 127.0.0.1:0 --max-line 1024
	line="GET /$(head -c 1100 /dev/zero | tr '\0' a) HTTP/1.1"
	# cut points: none, every 100 bytes, around the limit, one byte at a time near it
	for cuts in "" "100 200 300 400 500 600 700 800 900 1000 1100" \
	    "1022" "1023" "1024" "1025" "1 1023 1024" "1020 1021 1022 1023 1024 1025 1026"; do
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		prev=0
		for c in $cuts; do
			printf '%s' "${line:$prev:$((c - prev))}" >&5
			wait_read
			prev=$c
		done
		printf '%s\r\nHost: x\r\n\r\n' "${line:$prev}" >&5
		run -0 timeout 5 cat <&5
		exec 5<&-
		[ "$(status_of)" = 414 ] || { echo "cuts '$cuts': $output"; return 1; }
	done
	# the whole line then a bare CRLF in its own segment
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%s\r' "$line" >&5
	wait_read
	printf '\nHost: x\r\n\r\n' >&5
	run -0 timeout 5 cat <&5
	exec 5<&-
	[ "$(status_of)" = 414 ]
}

@test "streaming mode: apim_http_body_pause holds the body back without losing a byte" {
	start_echo --listen 127.0.0.1:0 --stream
	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	# the handler pauses the body for 100 ms after each of its first 4 pieces
	run -0 curl -sS -o "$BATS_TEST_TMPDIR/got" -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$PORT/echo?pause=100&n=4"
	[ "$output" = 200 ]
	run -0 bash -c 'tail -c 100000 "$1" | cmp - "$2"' _ "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/up"
}

@test "streaming mode: time the handler holds the body back is not held against the deadline" {
	start_echo --listen 127.0.0.1:0 --stream --body-timeout 2000 --body-min-rate -1
	# 25 bytes, one every 0.1 s (about 2.5 s in all); the handler holds the
	# body back for 0.8 s twice, so it is read for about 0.9 s of that
	run -0 timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"
		printf "POST /echo?pause=800&n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 25\r\nConnection: close\r\n\r\n" >&5
		for i in $(seq 25); do printf x >&5; sleep 0.1; done
		cat <&5' _ "$PORT"
	[ "$(status_of)" = 200 ]
	[[ "$output" == *$'body 25\nxxxxxxxxxxxxxxxxxxxxxxxxx' ]]
}
