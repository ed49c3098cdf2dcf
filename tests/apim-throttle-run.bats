#!/usr/bin/env bats
# apim-throttle-run.bats: the rules engine.  A generated stream trips exactly
# the decisions an independent awk model of the documented semantics expects;
# bad lines are reported by number and never stop it; a followed file is
# rotated and truncated mid-stream and no event is lost or read twice.
bats_require_minimum_version 1.5.0
load helper

T0=1800000000000

setup() {
	apim-throttle policy list >/dev/null
}

# gen N: N events, 150 ms apart from T0, ten users on two APIs, some errors
# (a linear congruential generator, so the stream is the same every run).
gen() {
	awk -v n="$1" -v t0=$T0 'BEGIN {
		x = 7
		for (i = 0; i < n; i++) {
			x = (x * 69069 + 1) % 4294967296
			u = int(x / 65536) % 10
			ctx = (int(x / 16) % 2) ? "/a" : "/b"
			code = (int(x / 256) % 3 == 0) ? 500 : 200
			ms = t0 + i * 150
			printf "{\"schemaVersion\":1,\"eventType\":\"response\",\"requestTimestamp\":\"%s.%03dZ\",\"correlationId\":\"c%d\",\"userName\":\"u%d\",\"apiContext\":\"%s\",\"userIp\":\"10.0.0.%d\",\"proxyResponseCode\":%d}\n", strftime("%Y-%m-%dT%H:%M:%S", int(ms / 1000), 1), ms % 1000, i, u, ctx, u, code
		}
	}'
}

# model: the documented semantics, rule by rule in name order, from the
# events' own fields: "key untilMs" for each decision.
model() {
	jq -r '[.userName, .apiContext, .userIp, .proxyResponseCode,
	    (.requestTimestamp | (.[0:19] + "Z" | fromdateiso8601) * 1000 +
	    (.[20:23] | tonumber))] | @tsv' |
	awk -F'\t' '
	function hit(rule, key, t, lim, per, block) {
		k = rule SUBSEP key
		if (until[k] > t) return
		w = int(t / per)
		if (win[k] != w) { win[k] = w; cnt[k] = 0 }
		if (++cnt[k] > lim) { until[k] = t + block; cnt[k] = 0; printf "%s %s %.0f\n", rule, key, until[k] }
	}
	{
		t = $5
		if ($4 >= 400 && $2 == "/a") hit("errors", $1 ":" $2, t, 4, 60000, 120000)
		hit("perctx", $2, t, 3, 1000, 1000)
	}'
}

@test "a generated stream trips exactly the decisions the model expects" {
	apim-throttle rule add errors --key '$userName:$apiContext' --limit 4 --per minute \
	    --block-for 2m --where 'proxyResponseCode >= 400 && apiContext == "/a"' >/dev/null
	apim-throttle rule add perctx --key '$apiContext' --limit 3 --per second \
	    --block-for 1 >/dev/null
	gen 4000 > "$BATS_TEST_TMPDIR/ev"
	model < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/want"
	[ "$(grep -c '^errors' "$BATS_TEST_TMPDIR/want")" -gt 20 ]
	[ "$(grep -c '^perctx' "$BATS_TEST_TMPDIR/want")" -gt 20 ]
	run apim-throttle run < "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "apim-throttle: 4000 events, 0 bad lines, $(wc -l < "$BATS_TEST_TMPDIR/want") decisions" ]
	apim-throttle run < "$BATS_TEST_TMPDIR/ev" 2>/dev/null |
	    jq -r '[.rule, .key, .untilMs] | join(" ")' > "$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# the store holds one row per (rule, key), the latest until
	[ "$(sqlite3 "$APIM_DB" 'SELECT count(*) FROM decision')" = \
	    "$(awk '{ print $1, $2 }' "$BATS_TEST_TMPDIR/want" | sort -u | wc -l)" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT until_ms FROM decision WHERE rule = 'errors' ORDER BY until_ms DESC LIMIT 1")" = \
	    "$(awk '$1 == "errors" { print $3 }' "$BATS_TEST_TMPDIR/want" | sort -n | tail -1)" ]
}

@test "a disabled rule trips nothing" {
	apim-throttle rule add perip --key '$userIp' --limit 1 --per minute --block-for 5 >/dev/null
	apim-throttle rule disable perip
	gen 100 > "$BATS_TEST_TMPDIR/ev"
	run apim-throttle run < "$BATS_TEST_TMPDIR/ev"
	[ "$output" = "apim-throttle: 100 events, 0 bad lines, 0 decisions" ]
}

@test "bad lines are reported by number and counted, never fatal" {
	apim-throttle rule add u --key '$userName' --limit 1 --per hour --block-for 1h >/dev/null
	{ gen 2; echo 'not json'; echo '{"schemaVersion":1,"requestTimestamp":"yesterday"}'
	  printf '%*s\n' 20000 x; gen 3 | tail -1; printf '\n'; gen 4 | tail -1 | tr -d '\n'; } \
	    > "$BATS_TEST_TMPDIR/ev"
	run --separate-stderr apim-throttle run < "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[[ ${stderr_lines[0]} == "apim-throttle: stdin:3: "* ]]
	[[ ${stderr_lines[1]} == "apim-throttle: stdin:4: "* ]]
	[ "${stderr_lines[2]}" = "apim-throttle: stdin:5: line longer than 16384 bytes" ]
	[ "${stderr_lines[3]}" = "apim-throttle: 4 events, 3 bad lines, 0 decisions" ]
}

# wait_for FILE N: until FILE has N lines (at most 10 s)
wait_for() {
	for ((i = 0; i < 500; i++)); do
		[ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "timed out: $(wc -l < "$1") of $2 lines in $1"
	return 1
}

# pairs FROM TO: each user k twice at T0 + k s (its second line trips 'u')
pairs() {
	awk -v a="$1" -v b="$2" -v t0=$T0 'BEGIN { for (k = a; k <= b; k++) for (j = 0; j < 2; j++)
		printf "{\"schemaVersion\":1,\"eventType\":\"response\",\"requestTimestamp\":\"%s.000Z\",\"userName\":\"e%d\",\"proxyResponseCode\":200}\n", strftime("%Y-%m-%dT%H:%M:%S", t0 / 1000 + k, 1), k }'
}

@test "a followed file is rotated and truncated mid-stream: nothing lost, nothing read twice" {
	apim-throttle rule add u --key '$userName' --limit 1 --per hour --block-for 1s >/dev/null
	log=$BATS_TEST_TMPDIR/log out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	pairs 1 50 > "$log"
	apim-throttle run "$log" > "$out" 2> "$err" &
	pid=$!
	wait_for "$out" 50
	mv "$log" "$log.1"
	pairs 51 60 >> "$log.1"		# late writes to the old file
	pairs 61 100 > "$log"
	wait_for "$out" 100
	pairs 101 110 >> "$log"
	wait_for "$out" 110
	: > "$log"
	wait_for "$err" 2
	pairs 111 120 >> "$log"
	wait_for "$out" 120
	kill -TERM $pid
	wait $pid
	[ "$(jq -r .key "$out" | sort -u | wc -l)" = 120 ]
	[ "$(jq -r .key "$out" | sed 's/^e//' | sort -n | awk 'NR != $1' | wc -l)" = 0 ]
	[ "$(sed -n 1p "$err")" = "apim-throttle: '$log' was replaced: following the new file" ]
	[ "$(sed -n 2p "$err")" = "apim-throttle: '$log' was truncated: reading from the start" ]
	[ "$(sed -n 3p "$err")" = "apim-throttle: 240 events, 0 bad lines, 120 decisions" ]
}

@test "a following run picks up a rule added while it runs" {
	log=$BATS_TEST_TMPDIR/log out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	apim-throttle rule add w --key '$userName' --limit 1 --per hour --block-for 1s >/dev/null
	pairs 1 5 > "$log"
	apim-throttle run "$log" > "$out" 2> "$err" &
	pid=$!
	wait_for "$out" 5
	apim-throttle rule add u --key 'u-$userName' --limit 1 --per hour --block-for 1s >/dev/null
	wait_for "$err" 1
	[ "$(cat "$err")" = "apim-throttle: rules changed: 2 enabled" ]
	pairs 6 8 >> "$log"
	wait_for "$out" 11
	kill -TERM $pid
	wait $pid
	[ "$(jq -r .key "$out" | tr '\n' ' ')" = "e1 e2 e3 e4 e5 u-e6 e6 u-e7 e7 u-e8 e8 " ]
	[ "$(sed -n 2p "$err")" = "apim-throttle: 16 events, 0 bad lines, 11 decisions" ]
}
