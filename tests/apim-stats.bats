#!/usr/bin/env bats
# apim-stats.bats: apim-stats report on events from gen-events; every number
# is computed again here with jq from the same file (percentiles exactly, by
# nearest rank, and ours must be within 1%).
bats_require_minimum_version 1.5.0
load helper

# jq: the report's numbers from a slurped array of events.
JQ_LIB='
def cls: if . == 429 then "429" elif . < 200 then "1xx" elif . < 300 then "2xx"
  elif . < 400 then "3xx" elif . < 500 then "4xx" else "5xx" end;
def pct(p): sort as $a | ($a | length) as $n
  | if $n == 0 then null else $a[([((p * $n) - 1e-9 | ceil), 1] | max) - 1] end;
def lat(f): [.[] | f | values] as $v
  | if ($v | length) == 0 then null
    else {p50: ($v | pct(0.5)), p90: ($v | pct(0.9)), p95: ($v | pct(0.95)),
      p99: ($v | pct(0.99)), max: ($v | max), count: ($v | length)} end;
def ms: sub("\\.(?<f>[0-9]{3})Z$"; "Z") as $s | (($s | fromdate) * 1000) + ((.[20:23] | tonumber));
def summary: {
  requests: length,
  status: (reduce .[] as $e ({"1xx":0,"2xx":0,"3xx":0,"4xx":0,"429":0,"5xx":0};
    .[$e.proxyResponseCode | cls] += 1)),
  faults: (map(select(.eventType == "fault")) | length),
  errors: (map(select(.proxyResponseCode >= 400 and .proxyResponseCode != 429)) | length),
  requestBytes: (map(.requestBytes // 0) | add // 0),
  responseBytes: (map(.responseBytes // 0) | add // 0),
  responseLatency: lat(.responseLatency),
  backendLatency: lat(.backendLatency)};
# ours (a report object) against expected: counts equal, latencies within 1%
def near($a; $b): if $a == null or $b == null then $a == $b
  elif $b < 128 then $a == $b else (($a - $b) | fabs) <= 0.01 * $b end;
def latok($o; $e): if $e == null then $o == null
  else ($o != null) and near($o.p50; $e.p50) and near($o.p90; $e.p90)
    and near($o.p95; $e.p95) and near($o.p99; $e.p99) and $o.max == $e.max
    and $o.count == $e.count end;
def same($o; $e): $o.requests == $e.requests and $o.status == $e.status
  and $o.faults == $e.faults and $o.errors == $e.errors
  and $o.requestBytes == $e.requestBytes and $o.responseBytes == $e.responseBytes
  and latok($o.responseLatency; $e.responseLatency)
  and latok($o.backendLatency; $e.backendLatency);
'

gen() { gen-events "$@"; }

setup() { cd "$BATS_TEST_TMPDIR"; }
# a --follow left running by a failed test
teardown() { [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; }

# The good events of a file (gen-events' bad lines have no correlationId).
good() { grep correlationId "$1"; }

@test "the default report: totals, status classes, error rate, bytes, latency percentiles" {
	gen --count 3000 --error-rate 0.05 --throttle-rate 0.03 --seed 11 > ev
	run apim-stats --json ev
	[ "$status" -eq 0 ]
	echo "$output" > ours.json
	jq -s "$JQ_LIB"' summary' ev > exp.json
	run jq -n --slurpfile o ours.json --slurpfile e exp.json "$JQ_LIB"'
	    $o[0] as $o | $e[0] as $e
	    | same($o.totals; $e) and $o.events == 3000 and $o.read == 3000
	      and $o.badLines == 0 and $o.groups == null'
	[ "$output" = true ]
	# the error rate, the time range and the rate over it
	run jq -r '[.totals.errorRate, .from, .to, .totals.requestsPerSecond] | @tsv' ours.json
	exp=$(jq -rs "$JQ_LIB"'
	    (map(select(.proxyResponseCode >= 400 and .proxyResponseCode != 429)) | length) as $err
	    | (map(.requestTimestamp | ms)) as $t
	    | [($err / length * 10000 | round / 10000), (map(.requestTimestamp) | min),
	       (map(.requestTimestamp) | max),
	       (length * 1000 / (($t | max) - ($t | min)) * 1000 | round / 1000)] | @tsv' ev)
	[ "$output" = "$exp" ]
	# 429 is apart from 4xx, and every class is there
	[ "$(jq -c '.totals.status | keys_unsorted' ours.json)" = '["1xx","2xx","3xx","4xx","429","5xx"]' ]
	[ "$(jq '.totals.status["429"]' ours.json)" -gt 0 ]
}

@test "the table is the default format, and says the same numbers" {
	gen --count 500 --seed 3 > ev
	run apim-stats ev
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "METRIC          VALUE" ]
	[ "${lines[1]}" = "requests        500" ]
	n2=$(jq -s 'map(select(.proxyResponseCode >= 200 and .proxyResponseCode < 300)) | length' ev)
	[[ "$output" == *"status 2xx      $n2"* ]]
	p50=$(jq -s "$JQ_LIB"'[.[].responseLatency] | pct(0.5)' ev)
	[[ "$output" == *"latency p50 ms  $p50"* ]]
	run apim-stats --by apiName ev
	[ "${lines[0]%% *}" = "apiName" ]
	[ "${#lines[@]}" -eq 6 ]
}

@test "--by groups by any fields, most requests first, absent values as null" {
	gen --count 2000 --error-rate 0.2 --seed 5 > ev
	run apim-stats --json --by applicationName,keyType ev
	[ "$status" -eq 0 ]
	echo "$output" > ours.json
	jq -s "$JQ_LIB"'
	    group_by([.applicationName, .keyType])
	    | map(summary + {key: {applicationName: .[0].applicationName, keyType: .[0].keyType}})
	    | sort_by(-.requests, .key.applicationName, .key.keyType)' ev > exp.json
	run jq -n --slurpfile o ours.json --slurpfile e exp.json "$JQ_LIB"'
	    $o[0].groups as $o | $e[0] as $e
	    | ($o | length) == ($e | length)
	      and ([range($e | length) | . as $i | same($o[$i]; $e[$i])
	            and $o[$i].key == $e[$i].key] | all)'
	[ "$output" = true ]
	# AUTH faults have no application: a group with null keys
	[ "$(jq -c '[.groups[] | select(.key.applicationName == null)] | length' ours.json)" -eq 1 ]
	# integer fields group too, as text
	run apim-stats --json --by proxyResponseCode ev
	exp=$(jq -sc 'group_by(.proxyResponseCode) | map({k: (.[0].proxyResponseCode | tostring), n: length}) | sort_by(-.n, .k)' ev)
	[ "$(echo "$output" | jq -c '[.groups[] | {k: .key.proxyResponseCode, n: .requests}]')" = "$exp" ]
}

@test "--every buckets by time; a bucket's rate is over its width" {
	gen --count 1200 --span 1h --seed 8 > ev
	run apim-stats --json --every 10m ev
	[ "$status" -eq 0 ]
	echo "$output" > ours.json
	exp=$(jq -sc "$JQ_LIB"'group_by((.requestTimestamp | ms) / 600000 | floor)
	    | map({t: ((.[0].requestTimestamp | ms) / 600000 | floor * 600 | todate | sub("Z$"; ".000Z")),
	           n: length, r: (length / 600 * 1000 | round / 1000)})' ev)
	[ "$(jq -c '[.groups[] | {t: .time, n: .requests, r: .requestsPerSecond}]' ours.json)" = "$exp" ]
	[ "$(jq -r .every ours.json)" = 10m ]
	# and each bucket's percentiles are right too
	jq -s "$JQ_LIB"'group_by((.requestTimestamp | ms) / 600000 | floor) | map(summary)' ev > exp.json
	run jq -n --slurpfile o ours.json --slurpfile e exp.json "$JQ_LIB"'
	    [range($e[0] | length) | . as $i | same($o[0].groups[$i]; $e[0][$i])] | all'
	[ "$output" = true ]
	# 1h and 1d
	[ "$(apim-stats --json --every 1h ev | jq '.groups | length')" -eq 1 ]
	[ "$(apim-stats --json --every 1d ev | jq -r '.groups[0].time')" = 2026-11-27T00:00:00.000Z ]
}

@test "--top keeps the keys with the most requests, across buckets too" {
	gen --count 1500 --users 40 --seed 4 > ev
	run apim-stats --json --by userName --top 3 ev
	exp=$(jq -sc 'group_by(.userName) | map({k: .[0].userName, n: length}) | sort_by(-.n, .k) | .[:3]' ev)
	[ "$(echo "$output" | jq -c '[.groups[] | {k: .key.userName, n: .requests}]')" = "$exp" ]
	# totals still count everything
	[ "$(echo "$output" | jq .totals.requests)" -eq 1500 ]
	run apim-stats --json --by apiName --every 20m --top 2 ev
	top=$(jq -sc 'group_by(.apiName) | map({k: .[0].apiName, n: length}) | sort_by(-.n, .k) | .[:2] | map(.k) | sort' ev)
	[ "$(echo "$output" | jq -c '[.groups[].key.apiName] | unique')" = "$top" ]
	[ "$(echo "$output" | jq '.groups | length')" -eq 6 ]
}

@test "--since and --until, in RFC 3339 and relative to now" {
	gen --count 600 --span 1h --seed 2 > ev
	run apim-stats --json --since 2026-11-27T00:15:00Z --until 2026-11-27T00:30:00.000Z ev
	exp=$(jq -s 'map(select(.requestTimestamp >= "2026-11-27T00:15:00.000Z" and .requestTimestamp < "2026-11-27T00:30:00.000Z")) | length' ev)
	[ "$(echo "$output" | jq .events)" -eq "$exp" ]
	[ "$(echo "$output" | jq .read)" -eq 600 ]
	# relative: events over the last three hours, asking for the last hour
	start=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
	gen --count 300 --span 3h --start "$start" > now.ev
	exp=$(jq -s --arg c "$(date -u -d '-1 hour' +%s)" 'map(select((.requestTimestamp | sub("\\.[0-9]+Z$"; "Z") | fromdate) >= ($c | tonumber))) | length' now.ev)
	n=$(apim-stats --json --since -1h now.ev | jq .events)
	# a second may pass between the two clocks: one event either way
	[ "$n" -ge $((exp - 1)) ]
	[ "$n" -le $((exp + 1)) ]
	run -64 apim-stats --since yesterday ev
	[ "${lines[0]}" = "apim-stats: bad --since 'yesterday': RFC 3339, or relative like -1h" ]
}

@test "--where filters with apim-throttle's condition language" {
	gen --count 2000 --error-rate 0.1 --seed 6 > ev
	run apim-stats --json --where 'apiName == "api01" && proxyResponseCode >= 400' ev
	[ "$status" -eq 0 ]
	exp=$(jq -s 'map(select(.apiName == "api01" and .proxyResponseCode >= 400)) | length' ev)
	[ "$(echo "$output" | jq .events)" -eq "$exp" ]
	[ "$exp" -gt 0 ]
	run apim-stats --json --by apiName --where 'userAgent =~ "^curl" || keyType == "SANDBOX"' ev
	exp=$(jq -sc 'map(select((.userAgent // "" | test("^curl")) or .keyType == "SANDBOX")) | group_by(.apiName) | map({k: .[0].apiName, n: length}) | sort_by(-.n, .k)' ev)
	[ "$(echo "$output" | jq -c '[.groups[] | {k: .key.apiName, n: .requests}]')" = "$exp" ]
	run -64 apim-stats --where 'apiName ==' ev
	[[ "${lines[0]}" == "apim-stats: bad --where: column "* ]]
}

@test "--csv: a header and one row per group, RFC 4180 quoting" {
	gen --count 800 --seed 9 > ev
	# a value with a comma and a quote
	echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T00:30:00Z","apiName":"a,\"b\"","proxyResponseCode":200,"responseLatency":5}' >> ev
	run apim-stats --csv --by apiName ev
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = $'apiName,requests,requests_per_second,status_1xx,status_2xx,status_3xx,status_4xx,status_429,status_5xx,faults,errors,error_rate,response_latency_p50,response_latency_p90,response_latency_p95,response_latency_p99,response_latency_max,backend_latency_p50,backend_latency_p90,backend_latency_p95,backend_latency_p99,backend_latency_max,request_bytes,response_bytes\r' ]
	[ "${#lines[@]}" -eq 7 ]
	[[ "${lines[6]}" == '"a,""b""",1,'* ]]
	# every row against jq: requests, 2xx, errors, bytes
	exp=$(jq -rs 'group_by(.apiName) | map(select(length > 1)) | sort_by(-length, .[0].apiName)[]
	    | [.[0].apiName, length, (map(select(.proxyResponseCode / 100 | floor == 2)) | length),
	       (map(select(.proxyResponseCode >= 400 and .proxyResponseCode != 429)) | length),
	       (map(.requestBytes) | add), (map(.responseBytes) | add)] | @csv' ev | tr -d '"')
	got=$(printf '%s\n' "${lines[@]:1:5}" | tr -d '\r' | awk -F, '{ print $1 "," $2 "," $5 "," $11 "," $23 "," $24 }')
	[ "$got" = "$exp" ]
	# without groups: one row of totals
	run apim-stats --csv ev
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[1]}" | cut -d, -f1)" -eq 801 ]
}

@test "--prom: Prometheus text exposition with labels and a summary of latency" {
	gen --count 1000 --throttle-rate 0.05 --seed 12 > ev
	run apim-stats --prom --by apiName ev
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" > prom.txt
	# every line is a comment or NAME{LABELS} VALUE
	run grep -Evc '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-zA-Z_]+="[^"]*",?)+\})? -?[0-9.e+]+)$' prom.txt
	[ "$output" = 0 ]
	n=$(jq -s 'map(select(.apiName == "api02" and .proxyResponseCode == 429)) | length' ev)
	grep -qx "apim_requests_total{apiName=\"api02\",class=\"429\"} $n" prom.txt
	p99=$(jq -s "$JQ_LIB"'map(select(.apiName == "api02") | .responseLatency) | pct(0.99)' ev)
	got=$(sed -n 's/^apim_response_latency_ms{apiName="api02",quantile="0.99"} //p' prom.txt)
	[ "$(jq -n "($got - $p99 | fabs) <= 0.01 * $p99")" = true ]
	grep -qx "apim_response_latency_ms_count{apiName=\"api02\"} $(grep -c '"apiName":"api02"' ev)" prom.txt
	grep -qx 'apim_stats_bad_lines 0' prom.txt
	grep -qx '# TYPE apim_requests_total counter' prom.txt
	run -64 apim-stats --prom --every 1h ev
	[ "${lines[0]}" = "apim-stats: --prom cannot show time buckets (--every)" ]
}

@test "bad lines are reported by number on stderr and the report goes on; --strict stops with 65" {
	gen --count 400 --bad-rate 0.05 --seed 7 > ev
	want=$(grep -nv correlationId ev | cut -d: -f1 | tr '\n' ' ')
	[ -n "$want" ]
	run --separate-stderr apim-stats --json ev
	[ "$status" -eq 0 ]
	got=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^apim-stats: ev:\([0-9]*\): .*/\1/p' | tr '\n' ' ')
	[ "$got" = "$want" ]
	nbad=$(grep -cv correlationId ev)
	[ "$(echo "$output" | jq .badLines)" -eq "$nbad" ]
	[ "$(echo "$output" | jq .events)" -eq $((400 - nbad)) ]
	jq -s "$JQ_LIB"' summary' <(good ev) > exp.json
	echo "$output" > ours.json
	[ "$(jq -n --slurpfile o ours.json --slurpfile e exp.json "$JQ_LIB"'same($o[0].totals; $e[0])')" = true ]
	first=$(echo "$want" | cut -d' ' -f1)
	run -65 --separate-stderr apim-stats --strict --json ev
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == "apim-stats: ev:$first: "* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "an over-long line is a bad line; lines across the reader's blocks are whole" {
	gen --count 3000 --seed 14 > ev		# 2.4 MB: several 1 MiB blocks
	{ head -1000 ev; head -c 1100000 /dev/zero | tr '\0' x; echo; tail -2000 ev; } > long
	run --separate-stderr apim-stats --json long
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "apim-stats: long:1001: line longer than 1048576 bytes" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.events, .badLines]')" = '[3000,1]' ]
	[ "$(apim-stats --json --by correlationId ev | jq '.groups | length')" -eq 3000 ]
}

@test "empty input, blank lines and stdin" {
	: > empty
	run --separate-stderr apim-stats --json empty
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "$output" | jq -c '[.events, .from, .to, .totals.requests, .totals.responseLatency, .totals.errorRate]')" = '[0,null,null,0,null,0]' ]
	run apim-stats < /dev/null
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "requests        0" ]
	printf '\n  \n' | apim-stats --csv | tail -1 | cut -d, -f1 | grep -qx 0
	gen --count 50 > ev
	[ "$(apim-stats --json < ev | jq .events)" -eq 50 ]
	[ "$(cat ev | apim-stats --json - ev | jq .events)" -eq 100 ]
	gzip -c ev > ev.gz
	[ "$(zcat ev.gz | apim-stats --json | jq .events)" -eq 50 ]
}

@test "unknown fields are tolerated and change nothing" {
	gen --count 900 --seed 21 > plain
	gen --count 900 --seed 21 --unknown-fields > extra
	grep -q futureField extra
	[ "$(apim-stats --json --by apiName extra)" = "$(apim-stats --json --by apiName plain)" ]
}

@test "a torn last line is accepted as apim-events(5) says, not counted as bad" {
	gen --count 100 --seed 13 --torn > ev
	[ -n "$(tail -c 1 ev)" ]
	run --separate-stderr apim-stats --json --strict ev
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "$output" | jq -c '[.events, .badLines, .tornLines]')" = '[99,0,1]' ]
	# a complete last line without its newline is an event
	gen --count 3 | head -c -1 > whole
	[ "$(apim-stats --json whole | jq -c '[.events, .tornLines]')" = '[3,0]' ]
}

@test "usage errors and missing files" {
	gen --count 5 > ev
	run -66 apim-stats nosuch.ndjson
	[ "$output" = "apim-stats: cannot open 'nosuch.ndjson': No such file or directory" ]
	run -64 apim-stats --by nosuch ev
	[ "${lines[0]}" = "apim-stats: unknown event field 'nosuch'" ]
	run -64 apim-stats --every soon ev
	[ "${lines[0]}" = "apim-stats: bad --every 'soon': a duration like 1m, 1h, 1d" ]
	run -64 apim-stats --top 0 ev
	run -64 apim-stats --json --csv ev
	run -64 apim-stats report --nosuch
	run apim-stats --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"apim-stats report [FILE...]"* ]]
}

@test "-o writes the report to a file, whole" {
	gen --count 30 > ev
	run apim-stats --json -o out.json ev
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(jq .events out.json)" -eq 30 ]
	[ "$(ls)" = "$(printf 'ev\nout.json')" ]
	run -73 apim-stats --json -o nosuchdir/out.json ev
}

@test "no progress on stderr when it is not a terminal" {
	gen --count 70000 > ev
	run --separate-stderr apim-stats ev
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "progress on stderr when it is a terminal, erased at the end" {
	command -v script > /dev/null || skip "no script(1) for a terminal"
	gen --count 70000 --seed 1 > a
	gen --count 70000 --seed 2 > b
	mkfifo slow
	# input that takes a while: a pause between two halves
	{ cat a; sleep 0.7; cat b; } > slow &
	script -qec "apim-stats --json slow > out" /dev/null < /dev/null > tty
	wait
	[ "$(jq .events out)" -eq 140000 ]
	grep -qE $'^\rapim-stats: (65536|131072) events read, 0 bad lines.*\r\e\\[K$' tty
}

# Wait up to 10 s for the last JSON report in FILE to have N events.
wait_events() {
	local i
	for i in $(seq 100); do
		[ "$(tail -1 "$1" 2>/dev/null | jq -r '.events // empty' 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "last report: $(tail -1 "$1")"
	return 1
}

@test "--follow refreshes through appends, rotation, a torn line and truncation" {
	gen --count 10 > ev
	apim-stats report --follow ev --interval 0.1 --json --for 30 > out 2> err &
	pid=$!
	wait_events out 10
	gen --count 5 --seed 2 >> ev
	wait_events out 15
	mv ev ev.1			# rotation: a new file at the path
	gen --count 7 --seed 3 > ev
	wait_events out 22
	gen --count 1 --seed 4 > one
	head -c 300 one >> ev		# half a line: not yet an event, nor bad
	sleep 0.3			# (not a synchronisation: gives it a chance to be wrong)
	tail -c +301 one >> ev
	wait_events out 23
	: > ev				# copytruncate
	gen --count 4 --seed 6 >> ev
	wait_events out 27
	kill "$pid"
	wait "$pid" || true
	[ ! -s err ]
	[ "$(tail -1 out | jq -c '[.badLines, .tornLines]')" = '[0,0]' ]
}
