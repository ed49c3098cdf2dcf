#!/usr/bin/env bats
# apim-stats-db.bats: ingest into the stats database (idempotent), report
# --from-db, and alert; expected alerts are computed with jq.
bats_require_minimum_version 1.5.0
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	export APIM_STATS_DB="$BATS_TEST_TMPDIR/stats.db"
}

# jq: nearest-rank percentile
PCT='def pct(p): sort as $a | ($a | length) as $n | $a[([((p * $n) - 1e-9 | ceil), 1] | max) - 1];'

@test "ingest twice changes nothing; the stats database is apart from the store" {
	gen-events --count 3000 --span 2h --seed 1 > ev
	run apim-stats ingest ev
	[ "$status" -eq 0 ]
	[[ "$output" == "ev: 3000 events in "*" rollup rows" ]]
	sqlite3 stats.db .dump > first.sql
	run apim-stats ingest ev
	[ "$status" -eq 0 ]
	[[ "$output" == *"(ingested before: replaced)" ]]
	sqlite3 stats.db .dump > second.sql
	cmp first.sql second.sql
	[ "$(sqlite3 stats.db 'SELECT sum(requests) FROM rollup')" -eq 3000 ]
	[ ! -e apim.db ]
	# by default it lives next to the store
	unset APIM_STATS_DB
	run -0 apim-stats ingest --json ev
	[ "$(jq -r '.events == 3000 and .replaced == false' <<<"$output")" = true ]
	[ -s "$BATS_TEST_TMPDIR/apim-stats.db" ]
}

@test "ingest --strict with a bad line stores nothing" {
	gen-events --count 200 --seed 1 > ev
	apim-stats ingest ev
	sqlite3 stats.db .dump > before.sql
	{ gen-events --count 300 --seed 2; echo 'not an event'; } > bad
	run -65 apim-stats ingest --strict bad
	[ "$output" = "apim-stats: bad:301: not JSON: invalid value at column 1" ]
	sqlite3 stats.db .dump > after.sql
	cmp before.sql after.sql
}

@test "a file that grew, or was rotated, counts each event once; other files add up" {
	gen-events --count 400 --seed 2 > ev
	apim-stats ingest ev
	gen-events --count 100 --seed 3 --start 2026-11-27T01:00:00Z >> ev
	apim-stats ingest ev
	[ "$(apim-stats report --from-db --json | jq .events)" -eq 500 ]
	mv ev ev.1
	gen-events --count 70 --seed 4 --start 2026-11-27T02:00:00Z > ev
	apim-stats ingest ev.1 ev
	[ "$(apim-stats report --from-db --json | jq .events)" -eq 570 ]
	# and through stdin, the same
	cat ev | apim-stats ingest
	[ "$(apim-stats report --from-db --json | jq .events)" -eq 570 ]
}

@test "report --from-db gives the same report as the events, percentiles included" {
	gen-events --count 4000 --span 3h --error-rate 0.05 --throttle-rate 0.05 --seed 5 > ev
	apim-stats ingest ev
	for by in apiName applicationName apiName,applicationName; do
		a=$(apim-stats report --json --by "$by" ev)
		b=$(apim-stats report --json --by "$by" --from-db)
		[ "$a" = "$b" ]
	done
	[ "$(apim-stats report --json --every 1h ev)" = "$(apim-stats report --json --every 1h --from-db)" ]
	# (read: the events read, here all of the file's)
	a=$(apim-stats report --json --since 2026-11-27T01:00:00Z --until 2026-11-27T02:00:00Z ev | jq -c 'del(.read)')
	b=$(apim-stats report --json --since 2026-11-27T01:00:00Z --until 2026-11-27T02:00:00Z --from-db | jq -c 'del(.read)')
	[ "$a" = "$b" ]
	# the HTML page from rollups too
	apim-stats report --from-db --html -o r.html
	[ "$(grep -c '<svg' r.html)" -eq 7 ]
	run -64 apim-stats report --from-db --by userName
	[ "${lines[0]}" = "apim-stats: with --from-db, --by takes only apiName and applicationName" ]
	run -66 apim-stats report --from-db --stats-db nosuch.db
}

@test "alert: frequent tier-limit hitting, per application per hour" {
	gen-events --count 3000 --span 3h --apps 5 --throttle-rate 0.1 --seed 6 > ev
	run apim-stats alert --throttled-per-hour 12 ev
	[ "$status" -eq 1 ]
	got=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "frequentTierLimitHitting") | [.time, .applicationName, .value] | @tsv' | sort)
	exp=$(jq -rs 'map(select(.proxyResponseCode == 429))
	    | group_by([.applicationName, .requestTimestamp[:13]])
	    | map(select(length > 12) | [(.[0].requestTimestamp[:13] + ":00:00.000Z"), .[0].applicationName, length])[] | @tsv' ev | sort)
	[ -n "$exp" ]
	[ "$got" = "$exp" ]
	# none over a higher limit: exit 0, nothing printed
	run apim-stats alert --throttled-per-hour 1000 ev
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "alert: abnormal request count per application per minute" {
	gen-events --count 2000 --span 30m --apps 10 --seed 7 > ev
	run apim-stats alert --app-rpm 9 ev
	[ "$status" -eq 1 ]
	got=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "abnormalRequestCount") | [.time, .applicationName, .value] | @tsv' | sort)
	exp=$(jq -rs 'map(select(.applicationName)) | group_by([.applicationName, .requestTimestamp[:16]])
	    | map(select(length > 9) | [(.[0].requestTimestamp[:16] + ":00.000Z"), .[0].applicationName, length])[] | @tsv' ev | sort)
	[ -n "$exp" ]
	[ "$got" = "$exp" ]
}

@test "alert: abnormal response and backend time over a threshold" {
	gen-events --count 3000 --seed 8 > ev
	run apim-stats alert --response-ms 60 --backend-ms 60 --percentile 90 ev
	[ "$status" -eq 1 ]
	for kind in Response:responseLatency Backend:backendLatency; do
		got=$(printf '%s\n' "${lines[@]}" | jq -r "select(.alert == \"abnormal${kind%%:*}Time\") | .apiName" | sort)
		exp=$(jq -rs "$PCT"' group_by(.apiName) | map(select(([.[].'"${kind#*:}"' | values] | length) >= 20
		    and ([.[].'"${kind#*:}"' | values] | pct(0.9)) > 60) | .[0].apiName)[]' ev | sort)
		[ -n "$exp" ]
		[ "$got" = "$exp" ]
	done
	# the value is the percentile, within 1%
	v=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "abnormalResponseTime" and .apiName == "api04") | .value')
	e=$(jq -s "$PCT"' map(select(.apiName == "api04") | .responseLatency) | pct(0.9)' ev)
	[ "$(jq -n "($v - $e | fabs) <= 0.01 * $e")" = true ]
}

@test "alert: health availability, by error rate and by no success for a period" {
	gen-events --count 2000 --error-rate 0.08 --seed 9 > ev
	# an API that only fails for ten minutes
	for i in $(seq 0 20); do
		printf '{"schemaVersion":1,"eventType":"fault","requestTimestamp":"2026-11-27T00:%02d:30.000Z","apiName":"down","proxyResponseCode":503,"responseLatency":2,"errorType":"TARGET_CONNECTIVITY"}\n' $((i / 2 + 10))
	done >> ev
	run apim-stats alert --error-rate 0.09 --no-success 5m ev
	[ "$status" -eq 1 ]
	got=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "healthAvailability" and .reason == "errorRate") | .apiName' | sort)
	exp=$(jq -rs 'group_by(.apiName) | map(select(length >= 20 and
	    (map(select(.proxyResponseCode >= 400 and .proxyResponseCode != 429)) | length) / length > 0.09) | .[0].apiName)[]' ev | sort)
	[ "$got" = "$exp" ]
	[[ "$got" == *down* ]]
	got=$(printf '%s\n' "${lines[@]}" | jq -c 'select(.reason == "noSuccess") | [.apiName, .value, .time]')
	[ "$got" = '["down",600,"2026-11-27T00:10:30.000Z"]' ]
}

@test "alert: an unseen source address, and latency over its own baseline" {
	# history: the day before
	gen-events --count 3000 --start 2026-11-26T00:00:00Z --span 1d --ips 30 --seed 10 > hist
	apim-stats ingest hist
	# today: more addresses, and api01 ten times slower
	gen-events --count 1500 --start 2026-11-27T00:00:00Z --span 1h --ips 40 --seed 11 |
	    jq -c 'if .apiName == "api01" and .responseLatency then .responseLatency *= 10 else . end' > today
	run apim-stats alert --unseen-ip 1 --baseline-factor 3 today
	[ "$status" -eq 1 ]
	got=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "unseenSourceIp") | [.applicationName, .userIp] | @tsv' | sort)
	exp=$(jq -rn --slurpfile h hist --slurpfile t today '
	    ($h | map(select(.applicationName and .userIp) | [.applicationName, .userIp]) | unique) as $seen
	    | ($h | map(.applicationName | values) | unique) as $apps
	    | $t | map(select(.applicationName and .userIp) | [.applicationName, .userIp]) | unique
	    | map(select(. as $p | ($apps | index([$p[0]])) and ($seen | index([$p]) | not)))[] | @tsv' | sort)
	[ -n "$exp" ]
	[ "$got" = "$exp" ]
	got=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.alert == "abnormalResponseTime") | [.apiName, has("baseline")] | @tsv')
	[ "$got" = "api01	true" ]
	# without history there is nothing to compare with
	run apim-stats alert --stats-db none.db --baseline-factor 3 today
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "alert thresholds come from apim.conf, flags win" {
	gen-events --count 3000 --span 3h --apps 5 --throttle-rate 0.1 --seed 6 > ev
	printf 'stats.throttled_per_hour = 12\nstats.unseen_ip = 0\n' > apim.conf
	n=$(APIM_CONF=apim.conf apim-stats alert ev | wc -l)
	[ "$n" -gt 0 ]
	[ "$n" -eq "$(apim-stats alert --throttled-per-hour 12 ev | wc -l)" ]
	run -0 env APIM_CONF=apim.conf apim-stats alert --throttled-per-hour 10000 ev
	APIM_STATS_THROTTLED_PER_HOUR=10000 APIM_CONF=apim.conf apim-stats alert ev
	printf 'stats.throttled_per_hour = lots\n' > bad.conf
	run -78 env APIM_CONF=bad.conf apim-stats alert ev
	[ "$output" = "apim-stats: bad stats.throttled_per_hour 'lots'" ]
}
