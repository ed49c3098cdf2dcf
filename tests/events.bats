#!/usr/bin/env bats
# events.bats: lib/event, the apim-events(5) writer and reader, through
# build/tests/apim-event-check; jq is the independent JSON parser.
bats_require_minimum_version 1.5.0
load helper

@test "generated events read back, and jq parses every line" {
	apim-event-check gen 20 t > "$BATS_TEST_TMPDIR/ev"
	run apim-event-check < "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 response GET /pets/{petId} 200" ]
	[ "${lines[9]}" = "10 fault POST /pets/{petId} 429" ]
	[ "${lines[20]}" = "20 events, 0 bad lines" ]
	run jq -r '.correlationId' "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 20 ]
	[ "${lines[19]}" = "t-19" ]
	# gen stamps event i at 1795800000000 + i ms; GNU date agrees on the text
	[ "$(head -1 "$BATS_TEST_TMPDIR/ev" | jq -r .requestTimestamp)" = "$(date -u -d @1795800000 +%Y-%m-%dT%H:%M:%S.000Z)" ]
	[ "$(sed -n 20p "$BATS_TEST_TMPDIR/ev" | jq -r .requestTimestamp)" = "$(date -u -d @1795800000.019 +%Y-%m-%dT%H:%M:%S.%3NZ)" ]
}

@test "a fault carries errorType, errorCode and errorMessage, no backend fields" {
	apim-event-check gen 10 t | sed -n 10p > "$BATS_TEST_TMPDIR/ev"
	run jq -c '[.eventType, .errorType, .errorCode, .errorMessage,
	    .proxyResponseCode, has("targetResponseCode"), has("backendLatency"),
	    .throttleKey]' "$BATS_TEST_TMPDIR/ev"
	[ "$output" = '["fault","THROTTLED",900800,"Message throttled out",429,false,false,"app:8d7e2c3b:PetStore"]' ]
}

@test "round trip keeps quotes, backslashes, control characters and UTF-8" {
	name='say "hi" \ back'
	ua=$'tab\there\nnew\x01bell\x1fus caf\xc3\xa9 \xe2\x98\x83 \xf0\x9d\x84\x9e'
	apim-event-check emit proxyResponseCode=200 apiName="$name" userAgent="$ua" \
	    requestTimestamp=2026-11-27T19:26:53.123Z > "$BATS_TEST_TMPDIR/ev"
	# one line, and JSON escapes as RFC 8259 wants them
	[ "$(wc -l < "$BATS_TEST_TMPDIR/ev")" -eq 1 ]
	grep -qF '"apiName":"say \"hi\" \\ back"' "$BATS_TEST_TMPDIR/ev"
	grep -qF '"userAgent":"tab\there\nnew\u0001bell\u001fus café ☃ 𝄞"' "$BATS_TEST_TMPDIR/ev"
	# jq decodes the same strings
	[ "$(jq -j .apiName "$BATS_TEST_TMPDIR/ev")" = "$name" ]
	[ "$(jq -j .userAgent "$BATS_TEST_TMPDIR/ev")" = "$ua" ]
	# and so does our reader
	run apim-event-check --dump < "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 schemaVersion=1" ]
	[ "${lines[1]}" = "1 eventType=response" ]
	[ "${lines[2]}" = "1 requestTimestamp=2026-11-27T19:26:53.123Z" ]
	[ "${lines[3]}" = '1 apiName=say "hi" \\ back' ]
	[ "${lines[4]}" = '1 userAgent=tab\there\nnew\x01bell\x1fus café ☃ 𝄞' ]
	[ "${lines[5]}" = "1 proxyResponseCode=200" ]
	[ "${lines[6]}" = "1 events, 0 bad lines" ]
}

@test "invalid UTF-8 becomes U+FFFD; long strings are cut at a character" {
	long=$(printf 'a%.0s' $(seq 1023))$'\xc3\xa9tail'
	apim-event-check emit proxyResponseCode=200 userAgent=$'a\xffb\xc3' \
	    errorMessage="$long" > "$BATS_TEST_TMPDIR/ev"
	[ "$(jq -j .userAgent "$BATS_TEST_TMPDIR/ev")" = $'a\xef\xbf\xbdb\xef\xbf\xbd' ]
	[ "$(jq -j '.errorMessage | length' "$BATS_TEST_TMPDIR/ev")" -eq 1023 ]
	apim-event-check < "$BATS_TEST_TMPDIR/ev"
}

@test "unknown fields, nulls and blank lines are tolerated" {
	{
		echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":204,"futureField":{"a":[1,2]},"apiMethod":"DELETE","apiName":null}'
		echo
		echo '   '
		echo '{"extra":true,"schemaVersion":1,"eventType":"fault","errorType":"AUTH","errorCode":900901,"requestTimestamp":"2026-11-27T20:30:00.5+01:00","proxyResponseCode":401}'
	} > "$BATS_TEST_TMPDIR/ev"
	run apim-event-check --dump < "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "1 requestTimestamp=2026-11-27T19:00:00.000Z" ]
	[ "${lines[3]}" = "1 apiMethod=DELETE" ]
	[ "${lines[4]}" = "1 proxyResponseCode=204" ]
	[ "${lines[7]}" = "4 requestTimestamp=2026-11-27T19:30:00.500Z" ]
	[ "${lines[8]}" = "4 proxyResponseCode=401" ]
	[ "${lines[9]}" = "4 errorType=AUTH" ]
	[ "${lines[10]}" = "4 errorCode=900901" ]
	[ "${lines[11]}" = "2 events, 0 bad lines" ]
}

@test "bad lines are reported by number and reading goes on" {
	ok='"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00.000Z","proxyResponseCode":200'
	{
		echo "{$ok}"
		echo 'not json'
		echo '[1,2]'
		echo '{"schemaVersion":1,"requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":200}'
		echo "{$ok,\"responseLatency\":\"12\"}"
		echo "{$ok,\"keyType\":\"TEST\"}"
		echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"yesterday","proxyResponseCode":200}'
		echo '{"schemaVersion":2,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":200}'
		echo "{$ok,\"apiName\":\"a\",\"apiName\":\"b\"}"
		echo "{$ok,\"backendLatency\":-3}"
		echo '{"schemaVersion":1,"eventType":"fault","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":500}'
		echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":42}'
		echo "{$ok,\"responseLatency\":1.5}"
		printf '{%s,"apiName":"x"' "$ok"; echo
		echo '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-02-30T19:00:00Z","proxyResponseCode":200}'
		echo "{$ok}"
	} > "$BATS_TEST_TMPDIR/ev"
	run -65 --separate-stderr apim-event-check < "$BATS_TEST_TMPDIR/ev"
	[ "${lines[0]}" = "1 response - - 200" ]
	[ "${lines[1]}" = "16 response - - 200" ]
	[ "${lines[2]}" = "2 events, 14 bad lines" ]
	[ "${#stderr_lines[@]}" -eq 14 ]
	[ "${stderr_lines[0]}" = "apim-event-check: line 2: not JSON: invalid value at column 1" ]
	[ "${stderr_lines[1]}" = "apim-event-check: line 3: not a JSON object" ]
	[ "${stderr_lines[2]}" = "apim-event-check: line 4: missing 'eventType'" ]
	[ "${stderr_lines[3]}" = "apim-event-check: line 5: 'responseLatency' must be an integer" ]
	[ "${stderr_lines[4]}" = "apim-event-check: line 6: 'keyType' must be PRODUCTION or SANDBOX, not 'TEST'" ]
	[ "${stderr_lines[5]}" = "apim-event-check: line 7: 'requestTimestamp' is not an RFC 3339 time: 'yesterday'" ]
	[ "${stderr_lines[6]}" = "apim-event-check: line 8: unsupported schemaVersion 2" ]
	[ "${stderr_lines[7]}" = "apim-event-check: line 9: duplicate key 'apiName'" ]
	[ "${stderr_lines[8]}" = "apim-event-check: line 10: 'backendLatency' out of range: -3" ]
	[ "${stderr_lines[9]}" = "apim-event-check: line 11: a fault without 'errorType'" ]
	[ "${stderr_lines[10]}" = "apim-event-check: line 12: 'proxyResponseCode' out of range: 42" ]
	[ "${stderr_lines[11]}" = "apim-event-check: line 13: 'responseLatency' must be an integer" ]
	[ "${stderr_lines[12]}" = "apim-event-check: line 14: not JSON: ',' or '}' expected at column 126" ]
	[ "${stderr_lines[13]}" = "apim-event-check: line 15: 'requestTimestamp' is not an RFC 3339 time: '2026-02-30T19:00:00Z'" ]
}

@test "a final line without a newline is read" {
	printf '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":200}' |
	    apim-event-check > "$BATS_TEST_TMPDIR/out"
	[ "$(tail -1 "$BATS_TEST_TMPDIR/out")" = "1 events, 0 bad lines" ]
}

@test "the writer refuses an unknown field or a bad value" {
	run -64 apim-event-check emit nosuch=1
	[ "$output" = "apim-event-check: unknown event field 'nosuch'" ]
	run -65 apim-event-check emit responseLatency=fast
	[ "$output" = "apim-event-check: bad value for 'responseLatency': 'fast'" ]
	run -65 apim-event-check emit requestTimestamp=2026-13-01T00:00:00Z
	run -65 apim-event-check emit eventType=error
}

@test "4 processes x 2000 O_APPEND writers never interleave" {
	f="$BATS_TEST_TMPDIR/events.ndjson"
	for p in 1 2 3 4; do
		apim-event-check gen 2000 "p$p" >> "$f" &
	done
	wait
	run apim-event-check < "$f"
	[ "$status" -eq 0 ]
	[ "${lines[8000]}" = "8000 events, 0 bad lines" ]
	# every writer's every line is there exactly once
	[ "$(jq -r .correlationId "$f" | sort -u | wc -l)" -eq 8000 ]
	for p in 1 2 3 4; do
		[ "$(grep -c "\"correlationId\":\"p$p-" "$f")" -eq 2000 ]
	done
}

@test "4 writers into one FIFO never interleave (lines under PIPE_BUF)" {
	fifo="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$fifo"
	cat "$fifo" > "$BATS_TEST_TMPDIR/out" &
	reader=$!
	exec 9> "$fifo"
	for p in 1 2 3 4; do
		apim-event-check gen 2000 "q$p" >&9 &
	done
	exec 9>&-
	wait
	run apim-event-check < "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "${lines[8000]}" = "8000 events, 0 bad lines" ]
	[ "$(awk '{ if (length($0) > m) m = length($0) } END { print (m < 4096) }' "$BATS_TEST_TMPDIR/out")" = 1 ]
}

@test "a bad line's reason never carries control characters to the terminal" {
	printf '{"schemaVersion":1,"eventType":"x\\u001b[31my","requestTimestamp":"2026-11-27T19:00:00Z"}\n' > "$BATS_TEST_TMPDIR/ev"
	run -65 --separate-stderr apim-event-check < "$BATS_TEST_TMPDIR/ev"
	[ "$stderr" = "apim-event-check: line 1: 'eventType' must be response or fault, not 'x?[31my'" ]
}

@test "timestamps: leap days, the epoch and offsets convert to UTC milliseconds" {
	for t in 1970-01-01T00:00:00.000Z 2000-02-29T12:00:00.001Z 2024-02-29T23:59:59.999Z 2100-03-01T00:00:00.000Z 2026-11-27T19:26:53.123Z; do
		apim-event-check emit proxyResponseCode=200 requestTimestamp=$t > "$BATS_TEST_TMPDIR/ev"
		[ "$(jq -r .requestTimestamp "$BATS_TEST_TMPDIR/ev")" = "$t" ]
	done
	apim-event-check emit proxyResponseCode=200 requestTimestamp=2026-11-27T14:00:00.25-05:30 > "$BATS_TEST_TMPDIR/ev"
	[ "$(jq -r .requestTimestamp "$BATS_TEST_TMPDIR/ev")" = 2026-11-27T19:30:00.250Z ]
	run -65 apim-event-check emit requestTimestamp=2023-02-29T00:00:00Z
	run -65 apim-event-check emit requestTimestamp=2026-11-27T19:26:53
	run -65 apim-event-check emit requestTimestamp=2026-11-27T24:00:00Z
}

@test "an event too long for one write is refused, not split" {
	ctl=$(printf '\001%.0s' $(seq 1024))	# 1024 bytes, 6144 once escaped
	run -70 apim-event-check emit proxyResponseCode=200 userAgent="$ctl" errorMessage="$ctl" apiName="$ctl"
	[ "$output" = "apim-event-check: event longer than 16384 bytes" ]
	# two such fields fit
	apim-event-check emit proxyResponseCode=200 userAgent="$ctl" errorMessage="$ctl" | apim-event-check > /dev/null
}

@test "the reader opens a file by name; a missing one is 66" {
	apim-event-check gen 3 t > "$BATS_TEST_TMPDIR/ev"
	run apim-event-check --dump "$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "3 events, 0 bad lines" ]
	run -66 apim-event-check --dump "$BATS_TEST_TMPDIR/nosuch"
	[ "$output" = "apim-event-check: cannot open '$BATS_TEST_TMPDIR/nosuch': No such file or directory" ]
}

@test "fuzzed lines: every line the reader accepts is a JSON object to jq" {
	f="$BATS_TEST_TMPDIR/fuzz"
	apim-event-check mutate 20000 7 > "$f"
	run -65 --separate-stderr apim-event-check "$f"
	good=$(( ${#lines[@]} - 1 ))
	[ "${#stderr_lines[@]}" -eq $(( 20000 - good )) ]
	# a corpus that exercises both sides
	[ "$good" -gt 1000 ]
	[ "${#stderr_lines[@]}" -gt 1000 ]
	printf '%s\n' "${lines[@]:0:good}" | cut -d' ' -f1 > "$BATS_TEST_TMPDIR/good"
	jq -R -r 'try (fromjson | type) catch "bad"' "$f" | grep -n . | sed -n 's/^\([0-9]*\):object$/\1/p' > "$BATS_TEST_TMPDIR/objects"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/objects")" -ge "$good" ]
	# good is a subset of objects
	[ -z "$(comm -23 <(sort "$BATS_TEST_TMPDIR/good") <(sort "$BATS_TEST_TMPDIR/objects"))" ]
}

@test "apim_event_parse on single lines agrees with the reader" {
	{ apim-event-check gen 30 p; apim-event-check mutate 3000 3; } > "$BATS_TEST_TMPDIR/ev"
	run -65 --separate-stderr apim-event-check --dump "$BATS_TEST_TMPDIR/ev"
	reader=$output
	run -65 apim-event-check --parse < "$BATS_TEST_TMPDIR/ev"
	[ "$output" = "$reader" ]
}

@test "the reader keeps the whole object, unknown fields included, for whoever wants them" {
	printf '%s\n' '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:00Z","proxyResponseCode":200,"region":"eu","tags":["a"]}' 'bad' \
	    '{"schemaVersion":1,"eventType":"response","requestTimestamp":"2026-11-27T19:00:01Z","proxyResponseCode":204}' > "$BATS_TEST_TMPDIR/ev"
	run apim-event-check --json < "$BATS_TEST_TMPDIR/ev"
	[ "${lines[0]}" = '1 {"eventType":"response","proxyResponseCode":200,"region":"eu","requestTimestamp":"2026-11-27T19:00:00Z","schemaVersion":1,"tags":["a"]}' ]
	[ "${lines[1]}" = '3 {"eventType":"response","proxyResponseCode":204,"requestTimestamp":"2026-11-27T19:00:01Z","schemaVersion":1}' ]
}
