#!/usr/bin/env bats
# apim-stats-unit.bats: the pieces under apim-stats: the one RFC 3339
# formatter (negative times too), lib/hist against exact percentiles, and
# gen-events' determinism and schema.
bats_require_minimum_version 1.5.0
load helper

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "one RFC 3339 formatter: times before 1970 are floored, years clamped to 0000-9999" {
	run time-check -1 -500 -1000 -86400000 -86400001 0 1795800000019
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1969-12-31T23:59:59.999Z same" ]
	[ "${lines[1]}" = "1969-12-31T23:59:59.500Z same" ]
	[ "${lines[2]}" = "1969-12-31T23:59:59.000Z same" ]
	[ "${lines[3]}" = "1969-12-31T00:00:00.000Z same" ]
	[ "${lines[4]}" = "1969-12-30T23:59:59.999Z same" ]
	[ "${lines[5]}" = "1970-01-01T00:00:00.000Z same" ]
	[ "${lines[6]}" = "2026-11-27T17:20:00.019Z same" ]
	run time-check -62167219200000 -62167219200001 253402300799999 253402300800000
	[ "${lines[0]}" = "0000-01-01T00:00:00.000Z same" ]
	[ "${lines[1]}" = "0000-01-01T00:00:00.000Z same" ]
	[ "${lines[2]}" = "9999-12-31T23:59:59.999Z same" ]
	[ "${lines[3]}" = "9999-12-31T23:59:59.999Z same" ]
}

@test "the formatter agrees with GNU date on random times from 1900 to 2100" {
	ms=$(awk 'BEGIN { srand(42); for (i = 0; i < 300; i++)
	    printf "%d\n", (rand() * 6311433600 - 2208988800) * 1000 + int(rand() * 1000) }')
	time-check $ms | cut -d' ' -f1 > ours
	for m in $ms; do
		s=$(( m >= 0 ? m / 1000 : (m - 999) / 1000 )); f=$(( ((m % 1000) + 1000) % 1000 ))
		printf '%s.%03dZ\n' "$(date -u -d "@$s" +%Y-%m-%dT%H:%M:%S)" "$f"
	done > gnu
	cmp ours gnu
	# and every one parses back (from 1970 on; readers refuse earlier years)
	[ "$(time-check --parse 1969-12-31T23:59:59.999Z)" = -1 ]
	[ "$(time-check --parse "$(time-check 1795800000019 | cut -d' ' -f1)")" = 1795800000019 ]
}

# exact nearest-rank percentiles of a file of integers
exact() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
	    n = split("0.5 0.9 0.95 0.99 0.999", q, " "); printf "%d %d %d", NR, a[1], a[NR]
	    for (i = 1; i <= n; i++) { r = q[i] * NR; k = int(r); if (k < r - 1e-9) k++; if (k < 1) k = 1; printf " %d", a[k] }
	    print "" }'
}

# every percentile of ours ($1) within 1% of the exact one ($2), and exact
# below 128; count, min and max exact
within() {
	echo "$1 $2" | awk '{ bad = ($1 != $9 || $2 != $10 || $3 != $11)
	    for (i = 4; i <= 8; i++) { e = $(i + 8); d = $i - e; if (d < 0) d = -d
	        if (e < 128 ? d != 0 : d > 0.01 * e) bad = 1 }
	    exit bad }'
}

@test "hist: percentiles within 1% of the exact ones, on several distributions" {
	awk 'BEGIN { srand(1); for (i = 0; i < 50000; i++) print int(exp(rand() * 12)) }' > logu
	awk 'BEGIN { srand(2); for (i = 0; i < 20000; i++) print int(rand() * 200) }' > small
	awk 'BEGIN { srand(3); for (i = 0; i < 30000; i++) print 1000000 + int(rand() * 5000) }' > narrow
	awk 'BEGIN { srand(4); for (i = 0; i < 10000; i++) print (i % 100 == 0) ? 30000 : 5 + int(rand() * 40) }' > tail
	seq 0 100000 > seq
	for f in logu small narrow tail seq; do
		e=$(exact $f)
		o=$(hist-check < $f | cut -d' ' -f1-8)
		echo "$f: exact $e, ours $o"
		within "$o" "$e"
		# merging split histograms, and the stored form, give the same
		[ "$(hist-check --split 7 < $f)" = "$(hist-check < $f)" ]
		[ "$(hist-check --roundtrip --split 5 < $f)" = "$(hist-check < $f)" ]
	done
}

@test "hist: one value alone is exact, small values are exact, big ones within 1%; memory follows the spread" {
	run hist-check < <(echo 123457)
	[ "$output" = "1 123457 123457 123457 123457 123457 123457 123457 128" ]
	# 16-bit counters widen to 32 bits when one would pass 65535
	{ yes 5 | head -70000; yes 9 | head -100; } > many
	[ "$(hist-check < many)" = "70100 5 9 5 5 5 5 9 256" ]
	[ "$(hist-check --roundtrip --split 3 < many)" = "70100 5 9 5 5 5 5 9 256" ]
	# the median of {v, 1000 v} is v: exact below 128, else within 1%
	for v in 0 1 127 128 129 200 1000 4999 77777 199999; do
		o=$(printf '%s\n%s\n' $v $((v * 1000 + 1)) | hist-check | cut -d' ' -f4)
		[ $(( (o - v) * (o - v) * 10000 )) -le $(( v * v )) ]
		[ "$v" -ge 128 ] || [ "$o" -eq "$v" ]
	done
	# 1 ms .. 30 s in ms: a few KB, whatever the count
	awk 'BEGIN { srand(5); for (i = 0; i < 200000; i++) print int(rand() * 30000) }' > v
	[ "$(hist-check < v | cut -d' ' -f9)" -le 4096 ]
	run hist-check < /dev/null
	[ "$output" = "0 -1 -1 -1 -1 -1 -1 -1 0" ]
}

@test "gen-events: deterministic by seed, and every line a good event to jq and to the reader" {
	gen-events --count 500 --seed 3 --error-rate 0.2 --throttle-rate 0.1 > a
	gen-events --count 500 --seed 3 --error-rate 0.2 --throttle-rate 0.1 > b
	cmp a b
	gen-events --count 500 --seed 4 > c
	run -1 cmp -s a c
	[ "$(apim-event-check < a | tail -1)" = "500 events, 0 bad lines" ]
	# faults carry errorType; throttled ones a throttleKey and no backend fields
	[ "$(jq -s 'map(select(.eventType == "fault" and (.errorType | not))) | length' a)" -eq 0 ]
	[ "$(jq -s 'map(select(.errorType == "THROTTLED" and (.throttleKey | not) or (.errorType == "THROTTLED" and .backendLatency))) | length' a)" -eq 0 ]
	[ "$(jq -s 'map(.proxyResponseCode) | unique | length' a)" -ge 7 ]
	# --span spreads them evenly from --start
	[ "$(gen-events --count 4 --start 2026-01-01T00:00:00Z --span 1m | jq -r .requestTimestamp | tail -1)" = 2026-01-01T00:00:45.000Z ]
	run -64 gen-events --count x
}
