#!/usr/bin/env bats
# http-strict.bats: the parser's input checks (lib/http) through
# tests/unit/http-echo: Host values, the chunk-size line bound, and 414 for an
# over-long request line however its bytes arrive.
bats_require_minimum_version 1.5.0
load helper
load echo-helper

FX="$FIXTURES/http"

status_of() { printf '%s\n' "$output" | head -1 | cut -d' ' -f2; }

# The status http-echo --inetd answers to a GET with Host: $1 (HTTP/1.$2).
host_status() {
	printf 'GET /echo HTTP/1.%s\r\nHost: %s\r\n\r\n' "${2:-1}" "$1" |
	    timeout 5 http-echo --inetd | head -1 | cut -d' ' -f2
}

@test "Host that is not uri-host [:port] is 400 (RFC 9112 3.2)" {
	local h bad=0
	for h in 'a b' 'a/b' 'u@h' '[::1' '::1' '[::1]x' 'x:' ':80' 'x:65536' \
	    'x:1:2' 'a%zz' 'a?b' 'a#b' '[1.2.3.4]' '[]' 'a\b'; do
		got=$(host_status "$h")
		[ "$got" = 400 ] || { echo "Host '$h': $got"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "Host values RFC 3986 allows are answered 200" {
	local h bad=0
	for h in '' x example.org example.org:8080 192.0.2.1:80 '[::1]' \
	    '[2001:db8::1]:443' 'a%2eb' "a-b_c~d!\$&'()*+,;=" 'x:0'; do
		got=$(host_status "$h")
		[ "$got" = 200 ] || { echo "Host '$h': $got"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "a Host given in HTTP/1.0 is checked too" {
	run -0 host_status 'a b' 0
	[ "$output" = 400 ]
	run -0 host_status 'example.org' 0
	[ "$output" = 200 ]
}

@test "a bad Host over TCP (curl) is 400 and the connection closes" {
	start_echo --listen 127.0.0.1:0
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Host: u@h' "http://127.0.0.1:$PORT/echo"
	[ "$output" = 400 ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/echo"
	[ "$output" = 200 ]
}

@test "a chunk-size line of a million zeros is refused after 256 bytes" {
	start_echo --listen 127.0.0.1:0
	run -0 timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"
	    { printf "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	      head -c 1000000 /dev/zero | tr "\0" 0; } >&5 2>/dev/null &
	    cat <&5' _ "$PORT"
	[ "$(status_of)" = 400 ]
	[[ "$output" == *$'Connection: close\r'* ]]
}

@test "leading zeros within the bound still decode" {
	run -0 timeout 5 http-echo --inetd <"$FX/chunk-size-zeros.ok.req"
	[ "$(status_of)" = 200 ]
	[[ "$output" == *$'body 5\nhello' ]]
}

@test "a 256-byte chunk-size line passes, 257 bytes is 400" {
	ext=$(head -c 253 /dev/zero | tr '\0' e)	# "5;" + 253 + ... = 256
	printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a%s\r\nhello\r\n0\r\n\r\n' "$ext" >"$BATS_TEST_TMPDIR/ok"
	printf 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;aa%s\r\nhello\r\n0\r\n\r\n' "$ext" >"$BATS_TEST_TMPDIR/bad"
	run -0 timeout 5 http-echo --inetd <"$BATS_TEST_TMPDIR/ok"
	[ "$(status_of)" = 200 ]
	run -0 timeout 5 http-echo --inetd <"$BATS_TEST_TMPDIR/bad"
	[ "$(status_of)" = 400 ]
}

@test "an over-long request line is 414 whether it arrives whole or in pieces" {
	run -0 timeout 5 http-echo --inetd <"$FX/long-line-nul.414.req"
	[ "$(status_of)" = 414 ]
	# the same bytes in 1000-byte writes (each one a separate read)
	run -0 timeout 10 bash -c 'f=$1; n=$(stat -c %s "$f")
	    for ((o = 0; o < n; o += 1000)); do
	        tail -c +$((o + 1)) "$f" | head -c 1000; sleep 0.02
	    done | http-echo --inetd' _ "$FX/long-line-nul.414.req"
	[ "$(status_of)" = 414 ]
	start_echo --listen 127.0.0.1:0
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&5; cat <&5' _ "$PORT" "$FX/long-line-nul.414.req"
	[ "$(status_of)" = 414 ]
}
