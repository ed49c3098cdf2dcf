#!/usr/bin/env bats
# apim-proxy-events.bats: the events apim-proxy batches per loop turn: every
# request exactly one whole line under concurrency (file and pipe), a lone
# request's line without further traffic, and lines still waiting when
# SIGTERM ends a worker.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

st() { printf '%s\n' "$output" | head -1; }

# load N PORT: N authenticated GETs over 16 keep-alive connections at once;
# prints the statuses seen, counted.
load_proxy() {
	python3 - "$1" "$2" "$AT" <<'PY'
import collections, http.client, sys, threading
n, port, at = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
seen = collections.Counter()
lock = threading.Lock()
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(k):
        c.request("GET", "/pets/1.0.0/items/%d" % i,
                  headers={"Authorization": "Bearer " + at})
        r = c.getresponse()
        r.read()
        with lock:
            seen[r.status] += 1
    c.close()
ts = [threading.Thread(target=run, args=(n // 16 + (j < n % 16),)) for j in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join("%d:%d" % kv for kv in sorted(seen.items())))
PY
}

# lines_check FILE N: exactly N lines, each a whole event, N distinct ids.
lines_check() {
	wait_lines "$1" "$2"
	[ "$(wc -l <"$1")" -eq "$2" ] || { echo "$(wc -l <"$1") lines, not $2"; return 1; }
	apim-event-check <"$1" >/dev/null || return 1
	[ "$(jq -r .correlationId "$1" | sort -u | wc -l)" -eq "$2" ] ||
	    { echo "correlation ids repeat"; return 1; }
}

@test "events: 400 concurrent requests on 2 workers, exactly 400 whole lines in the file" {
	standard
	WORKERS=2 start_proxy
	run -0 load_proxy 400 "$PPORT"
	[ "$output" = "200:400" ]
	run lines_check "$EV" 400
	[ "$status" -eq 0 ]
}

@test "events: to a pipe (--events -) from 2 workers, lines whole and none lost" {
	standard
	err="$BATS_TEST_TMPDIR/pipe.err"
	# a named pipe, so that $! is the proxy's own pid (a pgrep here found a
	# worker, and the main process outlived the test)
	mkfifo "$BATS_TEST_TMPDIR/ev.fifo"
	cat <"$BATS_TEST_TMPDIR/ev.fifo" >"$EV" 3>&- &
	track $!
	apim-proxy --listen 127.0.0.1:0 --workers 2 --events - \
	    >"$BATS_TEST_TMPDIR/ev.fifo" 2>"$err" 3>&- &
	PROXY=$!
	track "$PROXY"
	wait_line "$err" "listening on"
	port=$(sed -n 's/^apim-proxy: listening on .*:\([0-9]*\)$/\1/p' "$err" | head -1)
	run -0 load_proxy 300 "$port"
	[ "$output" = "200:300" ]
	run lines_check "$EV" 300
	[ "$status" -eq 0 ]
}

@test "events: a lone request's line is written without further traffic" {
	standard
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	# up to 5 s, polling: no second request, no signal, the proxy still runs
	run wait_lines "$EV" 1
	[ "$status" -eq 0 ]
	kill -0 "$PROXY"
	run -0 jq -r '[.eventType, .proxyResponseCode, .apiResourceTemplate] | @tsv' "$EV"
	[ "$output" = "response	200	/items/{id}" ]
}

@test "events: a request still in flight at SIGTERM finishes and its line is written" {
	start_backend
	apim-publish create --name Slow --context /slow --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Slow:1 GET /slow --auth none >/dev/null
	apim-publish lifecycle Slow:1 publish >/dev/null
	start_proxy
	curl -sS -o "$BATS_TEST_TMPDIR/slow.out" -w '%{http_code}' \
	    "http://127.0.0.1:$PPORT/slow/1/slow?ms=700" >"$BATS_TEST_TMPDIR/slow.code" &
	cpid=$!
	# the call has reached the backend: the proxy holds a connection to it
	for i in $(seq 100); do
		ss -Htn state established "( dport = :$BPORT )" | grep -q . && break
		sleep 0.05
	done
	[ ! -s "$EV" ]
	kill -TERM "$PROXY"
	wait "$cpid"	# curl's status: a failure fails the test
	[ "$(cat "$BATS_TEST_TMPDIR/slow.code")" = 200 ]
	# the proxy exits after the drain, its line written
	for i in $(seq 100); do
		kill -0 "$PROXY" 2>/dev/null || break
		sleep 0.05
	done
	run kill -0 "$PROXY"
	[ "$status" -ne 0 ]
	run -0 jq -r '[.eventType, .proxyResponseCode, .apiResourceTemplate] | @tsv' "$EV"
	[ "$output" = "response	200	/slow" ]
}

# slow_api: an API Slow:1 in front of the echo backend's /slow, no auth.
slow_api() {
	start_backend
	apim-publish create --name Slow --context /slow --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Slow:1 GET /slow --auth none >/dev/null
	apim-publish lifecycle Slow:1 publish >/dev/null
}

# wait_backend_conn: up to 5 s for the proxy to hold a connection to the backend.
wait_backend_conn() {
	local i
	for i in $(seq 100); do
		ss -Htn state established "( dport = :$BPORT )" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# slow_call MS: a call the backend answers after MS ms, started and waiting
# on the backend; sets CPID (curl's pid).
slow_call() {
	curl -sS -o /dev/null "http://127.0.0.1:$PPORT/slow/1/slow?ms=$1" \
	    2>"$BATS_TEST_TMPDIR/curl.err" &
	CPID=$!
	track "$CPID"
	wait_backend_conn
}

# stopped_with_fault: the proxy is gone (3 s at most), the client got no
# answer, and the events file holds one fault line saying the gateway stopped.
stopped_with_fault() {
	local i
	for i in $(seq 60); do
		kill -0 "$PROXY" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$PROXY" 2>/dev/null; then
		echo "the proxy still runs"
		return 1
	fi
	if wait "$CPID"; then
		echo "the client got an answer"
		return 1
	fi
	[ "$(wc -l <"$EV")" -eq 1 ] || { echo "events: $(wc -l <"$EV") lines"; return 1; }
	apim-event-check <"$EV" || return 1
	[ "$(jq -r '[.eventType, .errorType, .errorMessage, .apiResourceTemplate,
	    .proxyResponseCode // "none"] | @tsv' "$EV")" = "fault	OTHER	Gateway stopped	/slow	none" ]
}

@test "events: a hard stop (a second SIGTERM) ends a call still waiting on its backend with one fault line" {
	slow_api
	start_proxy
	slow_call 20000
	[ ! -s "$EV" ]
	kill -TERM "$PROXY"
	# the drain has begun once the listening socket is gone
	for i in $(seq 100); do
		ss -Htln "( sport = :$PPORT )" | grep -q . || break
		sleep 0.05
	done
	run ss -Htln "( sport = :$PPORT )"
	[ -z "$output" ]
	kill -TERM "$PROXY"
	# it stops at once, not after the backend's 20 s or the 10 s drain
	stopped_with_fault
}

@test "events: a drain that lasts past 10 s stops: a call still waiting on its backend ends with one fault line" {
	slow_api
	start_proxy
	# the backend would answer after 60 s; the drain gives up after 10 s
	slow_call 60000
	kill -TERM "$PROXY"
	# still draining a moment later: the call in flight is given its time
	sleep 1
	run kill -0 "$PROXY"
	[ "$status" -eq 0 ]
	[ ! -s "$EV" ]
	# then it stops on its own (within 30 s), long before the backend answers
	for i in $(seq 600); do
		kill -0 "$PROXY" 2>/dev/null || break
		sleep 0.05
	done
	stopped_with_fault
}

@test "events: a client that leaves before its answer gets a fault line without proxyResponseCode" {
	slow_api
	start_proxy
	run curl -sS -o /dev/null --max-time 1 "http://127.0.0.1:$PPORT/slow/1/slow?ms=20000"
	[ "$status" -eq 28 ]
	run wait_lines "$EV" 1
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$EV")" -eq 1 ]
	run -0 apim-event-check <"$EV"
	run -0 jq -r '[.eventType, .errorType, .errorMessage, .proxyResponseCode // "none"] | @tsv' "$EV"
	[ "$output" = "fault	OTHER	Client closed the connection	none" ]
}

@test "events: inetd: a hard stop (SIGTERM twice) ends a call still waiting on its backend with one fault line" {
	slow_api
	d=$BATS_TEST_TMPDIR
	mkfifo "$d/in"
	apim-proxy --inetd --events "$EV" <"$d/in" >"$d/out" 2>"$d/err" &
	p=$!
	track "$p"
	# the client's side stays open (fd 4): no end of input while the call waits
	exec 4>"$d/in"
	printf 'GET /slow/1/slow?ms=20000 HTTP/1.1\r\nHost: x\r\n\r\n' >&4
	run wait_backend_conn
	[ "$status" -eq 0 ]
	[ ! -s "$EV" ]
	# the first signal starts the drain, a later one stops it: signal
	# until it is gone (bounded), then its status
	for i in $(seq 50); do
		kill -TERM "$p" 2>/dev/null || break
		sleep 0.1
	done
	run wait "$p"
	exec 4>&-
	[ "$status" -eq 0 ]
	[ ! -s "$d/out" ]	# no answer: the connection was closed
	[ "$(wc -l <"$EV")" -eq 1 ]
	run -0 apim-event-check <"$EV"
	run -0 jq -r '[.eventType, .errorType, .errorMessage, .apiResourceTemplate,
	    .proxyResponseCode // "none"] | @tsv' "$EV"
	[ "$output" = "fault	OTHER	Gateway stopped	/slow	none" ]
}
