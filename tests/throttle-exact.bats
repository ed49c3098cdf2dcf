#!/usr/bin/env bats
# throttle-exact.bats: layer 1 is exact.  Many processes on one key admit
# exactly the limit; SIGKILL mid-update leaves the counter file usable and
# exact; bursts admit exactly their count per second; the per-request answer
# (codes, statuses, Retry-After, RateLimit headers) through throttle-check,
# whose clock is a parameter so nothing here depends on wall time.
bats_require_minimum_version 1.5.0
load helper

T0=1800000000000	# a whole hour: windows of every unit start here

setup() {
	ctr="$BATS_TEST_TMPDIR/counters"
	apim-throttle policy list >/dev/null
}

# hammer PROCS ATTEMPTS LIMIT: PROCS processes at once on one key; prints
# the total admitted.
hammer() {
	local procs=$1 attempts=$2 limit=$3 i
	for ((i = 0; i < procs; i++)); do
		throttle-check take "$ctr" hot "$limit" 60000 "$attempts" "$T0" \
		    > "$BATS_TEST_TMPDIR/out.$i" &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/out.* | awk '{ s += $1 } END { print s }'
}

@test "16 processes on one key admit exactly the limit" {
	run -0 hammer 16 400 1000
	[ "$output" = 1000 ]
	run -0 throttle-check peek "$ctr" hot 1000 60000 "$T0"
	[ "$output" = "1000 0 60000" ]
}

@test "64 processes on one key admit exactly the limit" {
	run -0 hammer 64 100 2500
	[ "$output" = 2500 ]
}

@test "a new window starts from zero; reset zeroes a key" {
	throttle-check take "$ctr" k 3 1000 10 "$T0" >/dev/null
	run -0 throttle-check take "$ctr" k 3 1000 10 $((T0 + 999))
	[ "$output" = 0 ]
	run -0 throttle-check take "$ctr" k 3 1000 10 $((T0 + 1000))
	[ "$output" = 3 ]
	run -0 throttle-check reset "$ctr" k
	[ "$output" = 1 ]
	run -0 throttle-check take "$ctr" k 3 1000 10 $((T0 + 1000))
	[ "$output" = 3 ]
}

@test "SIGKILL in the middle of updates leaves the counters usable and exact" {
	local pids=() i
	for i in 1 2 3 4; do
		throttle-check spin "$ctr" spun > "$BATS_TEST_TMPDIR/spin.$i" &
		pids+=($!)
	done
	# wait until all four are counting, then kill them mid-loop
	for ((i = 0; i < 500; i++)); do
		[ "$(cat "$BATS_TEST_TMPDIR"/spin.* | grep -c spinning)" = 4 ] && break
		sleep 0.01
	done
	c0=$(throttle-check peek "$ctr" spun 4000000000 3600000 "$T0" | cut -d' ' -f1)
	kill -KILL "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null || true
	c=$(throttle-check peek "$ctr" spun 4000000000 3600000 "$T0" | cut -d' ' -f1)
	[ "$c" -ge "$c0" ]
	# the file still opens, the count goes on from where it was, exactly
	run -0 throttle-check take "$ctr" spun $((c + 100)) 3600000 1000 "$T0"
	[ "$output" = 100 ]
	run -0 throttle-check peek "$ctr" spun $((c + 100)) 3600000 "$T0"
	[ "$output" = "$((c + 100)) 0 3600000" ]
}

@test "a foreign or newer counter file is refused" {
	printf 'not a counter file at all, but long enough to have a header....' > "$ctr"
	run -65 throttle-check take "$ctr" k 1 1000 1
	[ "$output" = "throttle-check: counter file '$ctr' is not an apim counter file" ]
	throttle-check take "$BATS_TEST_TMPDIR/c2" k 1 1000 1 >/dev/null
	printf '\x09' | dd of="$BATS_TEST_TMPDIR/c2" bs=1 seek=8 conv=notrunc 2>/dev/null
	run -65 throttle-check take "$BATS_TEST_TMPDIR/c2" k 1 1000 1
	[ "$output" = "throttle-check: counter file '$BATS_TEST_TMPDIR/c2' has version 9; this build reads version 1" ]
}

# --- the per-request answer ------------------------------------------------

req() { throttle-check req "$APIM_DB" "$@"; }

@test "a subscription burst admits exactly its count per second (900807)" {
	apim-throttle policy add Spiky --kind subscription --requests 1000 --per hour \
	    --burst 5/second >/dev/null
	run -0 req 20 sub=s1 subtier=Spiky now=$T0
	[ "${lines[0]}" = "admitted 5 refused 15" ]
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900807 retry=1 reason=subscription burst" ]
	run -0 req 20 sub=s1 subtier=Spiky now=$((T0 + 999))
	[ "${lines[0]}" = "admitted 0 refused 20" ]
	run -0 req 20 sub=s1 subtier=Spiky now=$((T0 + 1000))
	[ "${lines[0]}" = "admitted 5 refused 15" ]
	# refused requests counted nowhere: the hour quota has exactly 10
	run -0 req 1 sub=s1 subtier=Spiky now=$((T0 + 2000))
	[ "${lines[2]}" = 'RateLimit-Policy: "Spiky";q=5;w=1, "Spiky";q=1000;w=3600' ]
	[ "${lines[3]}" = 'RateLimit: "Spiky";r=4;t=1, "Spiky";r=989;t=3598' ]
}

@test "application, subscription and API limits: codes, Retry-After and headers" {
	run -0 req 12 api=a1 apipolicy=10KPerMin sub=s1 subtier=Gold app=p1 \
	    apptier=10PerMin user=bob now=$((T0 + 15000))
	[ "${lines[0]}" = "admitted 10 refused 2" ]
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900803 retry=45 reason=application policy" ]
	[ "${lines[2]}" = 'RateLimit-Policy: "10KPerMin";q=10000;w=60, "Gold";q=5000;w=60, "10PerMin";q=10;w=60' ]
	[ "${lines[3]}" = 'RateLimit: "10KPerMin";r=9990;t=45, "Gold";r=4990;t=45, "10PerMin";r=0;t=45' ]
	# another user of the same application has a quota of its own
	run -0 req 1 api=a1 apipolicy=10KPerMin sub=s1 subtier=Gold app=p1 apptier=10PerMin \
	    user=eve now=$((T0 + 15000))
	[ "${lines[0]}" = "admitted 1 refused 0" ]
	apim-throttle policy add Tiny --kind api --requests 2 --per minute >/dev/null
	run -0 req 3 api=a2 apipolicy=Tiny now=$T0
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900802 retry=60 reason=API policy" ]
	run -0 req 3 api=a2 apipolicy=Unlimited resource=/x verb=GET respolicy=Tiny now=$T0
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900802 retry=60 reason=resource policy" ]
	apim-throttle policy add Soft --kind subscription --requests 2 --per minute \
	    --no-stop-on-quota >/dev/null
	run -0 req 3 sub=s9 subtier=Soft now=$T0
	[ "${lines[0]}" = "admitted 3 refused 0" ]
	[ "${lines[1]}" = "last: allow=1 exceeded=1 status=200 code=900804 retry=0 reason=subscription quota" ]
	apim-throttle policy add Hard --kind subscription --requests 2 --per minute >/dev/null
	run -0 req 3 sub=s8 subtier=Hard now=$T0
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900804 retry=60 reason=subscription quota" ]
}

@test "conditional groups: a matching group's limit replaces the default" {
	apim-throttle policy add Grp --kind api --requests 100 --per minute >/dev/null
	apim-throttle policy condition add Grp --ip-range 10.0.0.0-10.0.0.255 --requests 2 --per minute >/dev/null
	apim-throttle policy condition add Grp --header 'x-tier=^free$' --requests 3 --per minute >/dev/null
	apim-throttle policy condition add Grp --claim 'plan=gold' --invert --requests 4 --per minute >/dev/null
	run -0 req 5 api=a1 apipolicy=Grp ip=10.0.0.7 c:plan=gold now=$T0
	[ "${lines[0]}" = "admitted 2 refused 3" ]
	run -0 req 5 api=a1 apipolicy=Grp ip=192.0.2.1 h:X-Tier=free c:plan=gold now=$T0
	[ "${lines[0]}" = "admitted 3 refused 2" ]
	run -0 req 6 api=a1 apipolicy=Grp ip=192.0.2.1 c:plan=silver now=$T0
	[ "${lines[0]}" = "admitted 4 refused 2" ]
	run -0 req 6 api=a1 apipolicy=Grp ip=192.0.2.1 c:plan=gold now=$T0
	[ "${lines[0]}" = "admitted 6 refused 0" ]
}

@test "deny conditions answer 403 900805; --invert and disable work" {
	apim-throttle deny add --user mallory >/dev/null
	apim-throttle deny add --ip-range 192.0.2.0-192.0.2.255 --invert >/dev/null
	apim-throttle deny add --app bob:shop >/dev/null
	apim-throttle deny add --api /pets/1.0 >/dev/null
	run -0 req 1 user=mallory ip=192.0.2.9
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=403 code=900805 retry=0 reason=deny condition" ]
	run -0 req 1 user=alice ip=198.51.100.1
	[ "${lines[1]%% *}" = "last:" ]
	[[ ${lines[1]} == *"status=403 code=900805"* ]]
	run -0 req 1 user=alice ip=192.0.2.9
	[[ ${lines[1]} == *"status=200 code=0"* ]]
	run -0 req 1 ip=192.0.2.9 owner=bob appname=shop
	[[ ${lines[1]} == *"status=403"* ]]
	run -0 req 1 ip=192.0.2.9 context=/pets version=1.0
	[[ ${lines[1]} == *"status=403"* ]]
	run -0 req 1 ip=192.0.2.9 context=/pets version=2.0
	[[ ${lines[1]} == *"status=200"* ]]
	apim-throttle deny disable 1 >/dev/null
	run -0 req 1 user=mallory ip=192.0.2.9
	[[ ${lines[1]} == *"status=200"* ]]
}

@test "a rule's decision answers 429 900806 with Retry-After until it ends" {
	now=$(($(date +%s) * 1000))
	apim-throttle rule add errs --key '$userName:$apiContext' --limit 1 --per minute \
	    --block-for 1h >/dev/null
	sqlite3 "$APIM_DB" "INSERT INTO decision VALUES ('errs', 'bob:/pets', 'test', $((now + 600000)), $now)"
	run -0 req 1 user=bob context=/pets now=$now
	[ "${lines[1]}" = "last: allow=0 exceeded=0 status=429 code=900806 retry=600 reason=rule decision" ]
	run -0 req 1 user=bob context=/cats now=$now
	[[ ${lines[1]} == *"status=200"* ]]
	run -0 req 1 user=bob context=/pets now=$((now + 600000))
	[[ ${lines[1]} == *"status=200"* ]]
}

@test "a running gateway sees a new deny condition and an unblock without reopening" {
	throttle-check watch "$APIM_DB" 403 user=mallory > "$BATS_TEST_TMPDIR/w" &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q first "$BATS_TEST_TMPDIR/w" && break
		sleep 0.01
	done
	apim-throttle deny add --user mallory >/dev/null
	wait $pid
	[ "$(cat "$BATS_TEST_TMPDIR/w")" = "$(printf 'first 200\nthen 403 900805')" ]
	throttle-check watch "$APIM_DB" 200 user=mallory > "$BATS_TEST_TMPDIR/w2" &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q first "$BATS_TEST_TMPDIR/w2" && break
		sleep 0.01
	done
	apim-throttle deny delete 1 >/dev/null
	wait $pid
	[ "$(cat "$BATS_TEST_TMPDIR/w2")" = "$(printf 'first 403\nthen 200 0')" ]
}

@test "the counter file grows while four processes count in it, and stays exact" {
	export THROTTLE_CHECK_SLOTS=64
	for i in 1 2 3 4; do
		throttle-check keys "$ctr" k 600 3 5 "$T0" > "$BATS_TEST_TMPDIR/g.$i" &
	done
	wait
	# 600 keys with a limit of 3: exactly 1800 admitted among 12000 tries
	[ "$(cat "$BATS_TEST_TMPDIR"/g.* | awk '{ s += $1 } END { print s }')" = 1800 ]
	run -0 throttle-check usage "$ctr"
	[ "${output%% *}" = 600 ]
	[ "${output##* }" -gt 600 ]
	run -0 throttle-check peek "$ctr" k599 3 60000 "$T0"
	[ "$output" = "3 0 60000" ]
}

@test "SIGKILL while the file grows leaves every key usable and exact" {
	export THROTTLE_CHECK_SLOTS=64
	local pids=() i
	for i in 1 2 3 4; do
		throttle-check keys "$ctr" z 20000 4000000000 1000 "$T0" > /dev/null &
		pids+=($!)
	done
	# kill them once the file has grown a few times
	for ((i = 0; i < 1000; i++)); do
		[ "$(throttle-check usage "$ctr" | cut -d' ' -f1)" -gt 2000 ] && break
		sleep 0.01
	done
	kill -KILL "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null || true
	run -0 throttle-check exact "$ctr" z 3000 "$T0"
	[ "$output" = "3000 keys, 0 wrong" ]
}

@test "a bytes quota counts the request bodies" {
	apim-throttle policy add Kilo --kind application --bytes 1000 --per minute >/dev/null
	run -0 req 5 app=p1 apptier=Kilo user=bob bytes=300 now=$T0
	[ "${lines[0]}" = "admitted 3 refused 2" ]
	[ "${lines[3]}" = 'RateLimit: "Kilo";r=100;t=60' ]
}
