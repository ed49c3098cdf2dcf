#!/usr/bin/env bats
# throttle-expr.bats: lib/expr, the condition language of apim-throttle rules
# and apim-stats reports, through build/tests/expr-check; jq gives the answers.
bats_require_minimum_version 1.5.0
load helper

setup() {
	ev="$BATS_TEST_TMPDIR/ev"
	apim-event-check gen 40 t > "$ev"
}

# expr-check's answers next to jq's for the same condition.
same() {
	run expr-check "$1" < "$ev"
	[ "$status" -eq 0 ]
	got=$(printf '%s\n' "$output" | tr -d '\n')
	want=$(jq -r "if ($2) then 1 else 0 end" "$ev" | tr -d '\n')
	[ "$got" = "$want" ]
}

@test "expr knows every field of apim-events(5)" {
	run expr-check --fields
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "numbers, strings, && || ! and parentheses agree with jq" {
	same 'proxyResponseCode >= 400 && apiContext == "/petstore/1.0.0"' \
	    '.proxyResponseCode >= 400 and .apiContext == "/petstore/1.0.0"'
	same 'proxyResponseCode < 300 || apiMethod != "GET"' \
	    '.proxyResponseCode < 300 or .apiMethod != "GET"'
	same '!(apiMethod == "POST") && responseLatency > 12' \
	    '(.apiMethod == "POST" | not) and .responseLatency > 12'
	same 'eventType == "fault"' '.eventType == "fault"'
	same 'apiMethod <= "GET"' '.apiMethod <= "GET"'
	same 'requestBytes == 0 || responseBytes >= 1030' \
	    '.requestBytes == 0 or .responseBytes >= 1030'
}

@test "regular expressions (=~ !~) agree with jq's test()" {
	same 'apiMethod =~ "^(GET|DELETE)$"' '.apiMethod | test("^(GET|DELETE)$")'
	same 'correlationId !~ "[13579]$"' '.correlationId | test("[13579]$") | not'
	same 'proxyResponseCode =~ "^4"' '.proxyResponseCode | tostring | test("^4")'
}

@test "absent fields: a comparison is false, != and !~ are true, a bare field tests presence" {
	same 'errorCode > 0' '.errorCode != null and .errorCode > 0'
	same 'errorType == "THROTTLED"' '.errorType == "THROTTLED"'
	same 'errorType != "THROTTLED"' '.errorType != "THROTTLED"'
	same 'errorMessage !~ "x"' '(.errorMessage // null) == null or (.errorMessage | test("x") | not)'
	same 'targetResponseCode' 'has("targetResponseCode")'
	same '!errorType' 'has("errorType") | not'
}

@test "string escapes" {
	same 'applicationName == "Mobile \"beta\""' '.applicationName == "Mobile \"beta\""'
	same 'userAgent =~ "\tcaf\u00e9$"' '.userAgent | test("\tcafé$")'
}

@test "errors name the column" {
	run -65 expr-check 'proxyResponseCode >= "a"'
	[ "${lines[0]}" = "expr-check: column 22: number field 'proxyResponseCode' compared with a string" ]
	[ "${lines[1]}" = "col 22" ]
	run -65 expr-check 'userName =~ "("'
	[ "${lines[0]%%:*}" = "expr-check" ]
	[[ "${lines[0]}" == "expr-check: column 13: bad regular expression: "* ]]
	run -65 expr-check 'nosuch == 1'
	[ "${lines[0]}" = "expr-check: column 1: unknown field 'nosuch'" ]
	run -65 expr-check '(userName'
	[ "${lines[0]}" = "expr-check: column 1: unclosed '('" ]
	run -65 expr-check 'userName == "x" )'
	[ "${lines[0]}" = "expr-check: column 17: unbalanced ')'" ]
	run -65 expr-check 'userName == "é" && '
	[ "${lines[0]}" = "expr-check: column 20: unexpected end: a field, string or number expected" ]
	run -65 expr-check '"a" == "b"'
	[ "${lines[0]}" = "expr-check: column 1: a comparison needs a field" ]
	run -65 expr-check 'userName == "abc'
	[ "${lines[0]}" = "expr-check: column 13: unterminated string" ]
	run -65 expr-check 'userName == 1'
	[ "${lines[0]}" = "expr-check: column 13: string field 'userName' compared with a number" ]
	run -65 expr-check ''
	[ "${lines[0]}" = "expr-check: column 1: unexpected end: a field, string or number expected" ]
}
