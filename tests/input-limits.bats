#!/usr/bin/env bats
# input-limits.bats: every value from outside is checked at the door: size
# limits on files (definitions, documents, apim.conf), UTF-8 in every
# argument, length and control characters per field, URLs and contexts; a
# refusal is 65 (78 for the config), says what is wrong, echoes no raw
# control character and leaves the store unchanged.
bats_require_minimum_version 1.5.0
load helper

seeded() {
	apim-publish create --name Seed --context /seed --version 1 \
	    --endpoint http://127.0.0.1:9/seed >/dev/null
	apim-subscribe app create shop >/dev/null
	db_dump >"$BATS_TEST_TMPDIR/before.sql"
}

unchanged() {
	db_dump >"$BATS_TEST_TMPDIR/after.sql"
	cmp "$BATS_TEST_TMPDIR/before.sql" "$BATS_TEST_TMPDIR/after.sql"
}

# 0 if $1 holds no C0 control character (other than LF) and no DEL.
no_ctl() {
	! printf '%s' "$1" | LC_ALL=C grep -q '[[:cntrl:]]'
}

repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }

def() {
	printf '{"openapi":"3.0.3","info":{"title":"Big","version":"1","description":"%s"},"servers":[{"url":"http://b.example/big"}],"paths":{}}' "$(repeat d "$1")"
}

# ---- file size limits ----

@test "import /dev/zero stops at the 64 MiB limit: 65, a clear message" {
	seeded
	run -65 timeout 20 apim-publish import /dev/zero
	[ "$output" = "apim-publish: definition '/dev/zero' is larger than 67108864 bytes (max_definition in apim.conf)" ]
	unchanged
}

@test "max_definition in apim.conf and APIM_MAX_DEFINITION set the import limit" {
	seeded
	def 1500 >"$BATS_TEST_TMPDIR/big.json"
	printf 'max_definition = 1K\n' >"$BATS_TEST_TMPDIR/apim.conf"
	run -65 env APIM_CONF="$BATS_TEST_TMPDIR/apim.conf" apim-publish import "$BATS_TEST_TMPDIR/big.json"
	[ "$output" = "apim-publish: definition '$BATS_TEST_TMPDIR/big.json' is larger than 1024 bytes (max_definition in apim.conf)" ]
	run -65 env APIM_CONF="$BATS_TEST_TMPDIR/apim.conf" apim-publish import - <"$BATS_TEST_TMPDIR/big.json"
	[ "$output" = "apim-publish: definition 'stdin' is larger than 1024 bytes (max_definition in apim.conf)" ]
	run -65 env APIM_MAX_DEFINITION=1000 apim-publish import /dev/zero
	[ "$output" = "apim-publish: definition '/dev/zero' is larger than 1000 bytes (max_definition in apim.conf)" ]
	unchanged
	run -0 env APIM_MAX_DEFINITION=2K apim-publish import "$BATS_TEST_TMPDIR/big.json"
}

@test "a malformed max_definition is a config error (78)" {
	run -78 env APIM_MAX_DEFINITION=12x apim-publish import /dev/null
	[ "$output" = "apim-publish: bad max_definition '12x': a size in bytes, with an optional K, M or G (at least 1)" ]
	run -78 env APIM_MAX_DEFINITION=0 apim-publish import /dev/null
	run -78 env APIM_MAX_DEFINITION=99999999999999999999 apim-publish import /dev/null
}

@test "doc add --file and --inline honour max_document" {
	seeded
	repeat x 3000 >"$BATS_TEST_TMPDIR/doc.txt"
	run -65 env APIM_MAX_DOCUMENT=2K apim-publish doc add Seed:1 --name d --type HOWTO --file "$BATS_TEST_TMPDIR/doc.txt"
	[ "$output" = "apim-publish: document '$BATS_TEST_TMPDIR/doc.txt' is larger than 2048 bytes (max_document in apim.conf)" ]
	run -65 env APIM_MAX_DOCUMENT=2K apim-publish doc add Seed:1 --name d --type HOWTO --inline "$(cat "$BATS_TEST_TMPDIR/doc.txt")"
	[ "$output" = "apim-publish: document 'd' is larger than 2048 bytes (max_document in apim.conf)" ]
	run -65 timeout 20 apim-publish doc add Seed:1 --name d --type HOWTO --file /dev/zero
	unchanged
	run -0 env APIM_MAX_DOCUMENT=3000 apim-publish doc add Seed:1 --name d --type HOWTO --file "$BATS_TEST_TMPDIR/doc.txt"
}

@test "apim.conf: size, line length, NUL, control characters and UTF-8 are checked (78)" {
	c="$BATS_TEST_TMPDIR/c.conf"
	run -78 env APIM_CONF=/dev/zero timeout 10 apim-publish list
	[ "$output" = "apim-publish: '/dev/zero' is larger than 1048576 bytes" ]
	{ printf 'db = /tmp/x\n'; printf 'x = a\0b\n'; } >"$c"
	run -78 env APIM_CONF="$c" apim-publish list
	[ "$output" = "apim-publish: $c: contains a NUL byte" ]
	printf 'db = %s\n' "$(repeat a 5000)" >"$c"
	run -78 env APIM_CONF="$c" apim-publish list
	[ "$output" = "apim-publish: $c:1: line longer than 4096 bytes" ]
	printf '# ok\nissuer = a\033[31mb\n' >"$c"
	run -78 env APIM_CONF="$c" apim-publish list
	[ "$output" = "apim-publish: $c:2: contains a control character" ]
	printf 'secret = a\rb\n' >"$c"
	run -78 env APIM_CONF="$c" apim-publish list
	[ "$output" = "apim-publish: $c:1: contains a control character" ]
	printf 'issuer = \xc3\x28\n' >"$c"
	run -78 env APIM_CONF="$c" apim-publish list
	[ "$output" = "apim-publish: $c:1: not valid UTF-8" ]
	printf '\tdb\t=\t%s\t\r\n' "$APIM_DB" >"$c"	# tabs and CRLF are fine
	run -0 env APIM_CONF="$c" apim-publish list
}

# ---- UTF-8 in every argument ----

@test "app create with invalid UTF-8 is 65 and later JSON output still works" {
	seeded
	run -65 apim-subscribe app create $'\xc3\x28'
	[ "$output" = "apim-subscribe: invalid argument '\\xc3(': not valid UTF-8" ]
	run -65 apim-subscribe app update shop --name $'\xed\xa0\x80'	# a surrogate
	[ "$output" = "apim-subscribe: invalid value for '--name' '\\xed\\xa0\\x80': not valid UTF-8" ]
	run -65 apim-subscribe app create x --description=$'\xff'
	[ "$output" = "apim-subscribe: invalid value for '--description' '\\xff': not valid UTF-8" ]
	unchanged
	run -0 apim-subscribe --json app list
	[ "$(jq -r .name <<<"$output")" = shop ]
}

@test "invalid UTF-8 anywhere on the command line is 65, for every program" {
	seeded
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://x --tag $'\xc0\xaf'
	[[ "$output" == *"not valid UTF-8" ]]
	run -65 apim-publish show $'\xf5\x80\x80\x80'
	run -65 apim-publish doc show Seed:1 $'\x80'
	run -65 apim-token user add $'\xe0\x80\x80' --roles r
	run -65 apim-subscribe subscribe shop $'Seed:\xff'
	unchanged
}

@test "--as and \$USER are checked as a user name" {
	seeded
	run -65 apim-subscribe --as $'eve\x1b[2J' app create x
	[ "$output" = "apim-subscribe: invalid user name 'eve\\x1b[2J': contains a control character" ]
	run -65 env USER="$(repeat u 300)" apim-subscribe app create x
	[[ "$output" == *"longer than 256 bytes" ]]
	run -65 apim-publish --as $'a\xff' create --name X --context /x --version 1 --endpoint http://x
	unchanged
}

# ---- endpoints and contexts ----

@test "endpoints with CR/LF, credentials or dot segments are refused on create and update" {
	seeded
	run -65 apim-publish create --name X --context /x --version 1 --endpoint $'http://x/\r\nX-Inj: 1'
	[ "$output" = "apim-publish: invalid endpoint 'http://x/\\x0d\\x0aX-Inj: 1': contains a control character" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://u:p@x/'
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http:///path'
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://x/a/../b'
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://x --sandbox-endpoint $'http://s/\n'
	run -65 apim-publish update Seed:1 --endpoint $'http://x/\r\nX-Inj: 1'
	run -65 apim-publish update Seed:1 --sandbox-endpoint 'http://x:99999/'
	run -65 apim-publish create --name X --context /x --version 1 --endpoint "http://x/$(repeat a 2100)"
	[[ "$output" == *"longer than 2048 bytes" ]]
	unchanged
}

@test "endpoints with characters a URL may not hold are refused, naming the character" {
	seeded
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://x/a{id}'
	[ "$output" = "apim-publish: invalid endpoint 'http://x/a{id}': contains '{', which a URL may not (percent-encode it)" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://x/?q=a|b'
	[ "$output" = "apim-publish: invalid endpoint 'http://x/?q=a|b': contains '|', which a URL may not (percent-encode it)" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://x/%zz'
	[ "$output" = "apim-publish: invalid endpoint 'http://x/%zz': has a '%' not followed by two hex digits" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint 'http://x/café'
	run -65 apim-publish create --name X --context /x --version 1 --endpoint $'http://x/caf\xc3\xa9'
	[[ "$output" == *": contains a byte 0xc3: a URL is ASCII (percent-encode it)" ]]
	run -65 apim-publish update Seed:1 --sandbox-endpoint 'http://x/<b>'
	unchanged
	run -0 apim-publish create --name X --context /x --version 1 --endpoint 'http://[::1]:8080/a%7Bid%7D?q=a%7Cb'
}

@test "endpoints from imported documents are checked the same (JSON and YAML)" {
	seeded
	printf '{"openapi":"3.0.3","info":{"title":"I","version":"1"},"x-wso2-basePath":"/i","x-wso2-production-endpoints":{"urls":["http://x/\\r\\nX-Inj: 1"]},"paths":{}}' >"$BATS_TEST_TMPDIR/a.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/a.json"
	[ "$output" = "apim-publish: invalid endpoint 'http://x/\\x0d\\x0aX-Inj: 1': contains a control character" ]
	printf 'openapi: 3.0.3\ninfo: {title: I, version: "1"}\nx-wso2-basePath: /i\nservers:\n  - url: "http://x/a/%%2e%%2e/b"\npaths: {}\n' >"$BATS_TEST_TMPDIR/b.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/b.yaml"
	[[ "$output" == "apim-publish: invalid endpoint"* ]]
	printf 'swagger: "2.0"\ninfo: {title: I, version: "1"}\nhost: "u@h"\nbasePath: /i\npaths: {}\n' >"$BATS_TEST_TMPDIR/c.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/c.yaml"
	[[ "$output" == "apim-publish: invalid endpoint"* ]]
	printf '{"openapi":"3.0.3","info":{"title":"I","version":"1"},"x-wso2-basePath":"/../..","servers":[{"url":"http://x"}],"paths":{}}' >"$BATS_TEST_TMPDIR/d.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/d.json"
	[ "$output" = "apim-publish: malformed context '/../..': a '.' or '..' segment" ]
	printf '{"openapi":"3.0.3","info":{"title":"I","version":"1","description":"a\\u001b[2Jb"},"servers":[{"url":"http://x/i"}],"paths":{}}' >"$BATS_TEST_TMPDIR/e.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/e.json"
	[ "$output" = "apim-publish: invalid description 'a\\x1b[2Jb': contains a control character" ]
	unchanged
}

@test "contexts: '/' then unreserved segments; no dot, empty or over-long segments" {
	seeded
	for c in /../.. /a/.. /. /a//b /a/ '/a b' '/a%2fb' '/a?b' '/a#b' $'/a\tb' /a/%2e%2e \
	    "/$(repeat a 256)"; do
		run -65 apim-publish create --name X --context "$c" --version 1 --endpoint http://x
		no_ctl "$output" || { echo "raw control in: $output"; return 1; }
		[[ "$output" != *missing* ]] || { echo "$output"; return 1; }
	done
	unchanged
	run -0 apim-publish create --name X --context '/a-b/c_d.e~f/{version}' --version 1 --endpoint http://x
	run -0 apim-publish create --name Y --context "/$(repeat b 255)" --version 1 --endpoint http://x
}

@test "templates: no dot segments, control characters or more than 1024 bytes" {
	seeded
	for t in /a/../b /.. /a/%2E%2e /a/. $'/a\x01' /a%zz "/$(repeat t 1024)"; do
		run -65 apim-publish resource add Seed:1 GET "$t"
		no_ctl "$output" || { echo "raw control in: $output"; return 1; }
	done
	unchanged
	run -0 apim-publish resource add Seed:1 GET '/pets/{id}/a.b/%41/*'
	run -0 apim-publish resource add Seed:1 GET "/$(repeat t 1023)"
}

# ---- lengths and control characters per field ----

@test "names, versions, tags, tiers, scopes, descriptions: length and control characters" {
	seeded
	C="--context /x --endpoint http://x"
	run -65 apim-publish create --name "$(repeat n 257)" --version 1 $C
	[[ "$output" == *"invalid name '"*"...': longer than 256 bytes" ]]
	run -65 apim-publish create --name X --version "$(repeat 1 257)" $C
	run -65 apim-publish create --name $'X\x7f' --version 1 $C
	run -65 apim-publish create --name X --version 1 $C --tag $'t\x1b'
	run -65 apim-publish create --name X --version 1 $C --tag "$(repeat t 257)"
	run -65 apim-publish create --name X --version 1 $C --tiers "Gold,$(repeat g 257)"
	run -65 apim-publish create --name X --version 1 $C --description $'a\x1bb'
	run -65 apim-publish create --name X --version 1 $C --description "$(repeat d 65537)"
	run -65 apim-publish resource add Seed:1 GET /a --scope $'s\x07'
	run -65 apim-publish resource add Seed:1 GET /a --tier "$(repeat t 257)"
	run -65 apim-publish version Seed:1 $'2\x1b'
	unchanged
	run -0 apim-publish create --name X --version 1 $C --description $'two\nlines\tand a tab'
	run -0 apim-publish create --name "$(repeat n 256)" --version 1 --context /n --endpoint http://x
}

@test "applications: names, descriptions, attributes and callback URLs" {
	seeded
	run -65 apim-subscribe app create "$(repeat a 257)"
	run -65 apim-subscribe app create $'a\rb'
	[ "$output" = "apim-subscribe: invalid application name 'a\\x0db': contains a control character" ]
	run -65 apim-subscribe app create x --description "$(repeat d 4097)"
	run -65 apim-subscribe app create x --attr $'k\x01=v'
	run -65 apim-subscribe app create x --attr "k=$(repeat v 4097)"
	[[ "$output" == *"invalid attribute value"*"longer than 4096 bytes" ]]
	run -65 apim-subscribe app create x --attr "$(repeat k 257)=v"
	run -65 apim-subscribe app create x --callback-url $'https://cb/\r\nX: 1'
	run -65 apim-subscribe app create x --callback-url 'https://u:p@cb/'
	run -65 apim-subscribe app update shop --name $'s\x1b'
	run -65 apim-subscribe app update shop --callback-url 'https://cb/a/../b'
	unchanged
	run -0 apim-subscribe app create x --description $'multi\nline' --attr "k=$(repeat v 4096)" --callback-url https://cb.example/back
}

@test "documents: names, inline content (multi-line allowed) and URLs" {
	seeded
	run -65 apim-publish doc add Seed:1 --name $'d\x07' --type HOWTO --inline hi
	[ "$output" = "apim-publish: invalid document name 'd\\x07': contains a control character" ]
	run -65 apim-publish doc add Seed:1 --name "$(repeat d 257)" --type HOWTO --inline hi
	run -65 apim-publish doc add Seed:1 --name d --type HOWTO --inline $'hi\x1b[2J'
	run -65 apim-publish doc add Seed:1 --name d --type HOWTO --url $'https://d/\r\n'
	run -65 apim-publish doc add Seed:1 --name d --type $'HOW\x1bTO' --inline hi
	no_ctl "$output"
	unchanged
	run -0 apim-publish doc add Seed:1 --name d --type HOWTO --inline $'line one\n\tline two\r\n'
	# a file's bytes are its own business (binary documents are fine)
	printf '\x00\x01\xff' >"$BATS_TEST_TMPDIR/bin"
	run -0 apim-publish doc add Seed:1 --name b --type OTHER --file "$BATS_TEST_TMPDIR/bin"
}

@test "an empty value is called invalid, never missing" {
	seeded
	run -65 apim-publish create --name '' --context /x --version 1 --endpoint http://x
	[ "$output" = "apim-publish: invalid name '': empty" ]
	run -65 apim-publish create --name X --context /x --version '' --endpoint http://x
	[ "$output" = "apim-publish: invalid version '': empty" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint ''
	[ "$output" = "apim-publish: invalid endpoint '': empty" ]
	run -65 apim-publish doc add Seed:1 --name '' --type HOWTO --inline hi
	[ "$output" = "apim-publish: invalid document name '': empty" ]
	unchanged
}

@test "messages never echo raw control characters, wherever they come from" {
	seeded
	run -1 apim-publish show $'Seed:\x1b[2J'
	[ "$output" = "apim-publish: no API 'Seed:?[2J'" ]
	run -1 apim-subscribe app show $'x\x1b]0;title\x07'
	[ "$output" = "apim-subscribe: no application 'x?]0;title?'" ]
	run -64 apim-publish $'\x1b[31mcreate'
	no_ctl "$output"
	run -64 apim-publish create --name X --$'\x1bx' y
	no_ctl "$output"
	run -65 apim-publish show Seed:1 $'\x9b'	# not UTF-8 on its own
	no_ctl "$output"
	run -64 apim-publish show Seed:1 $'\xc2\x9b'	# C1 CSI, valid UTF-8
	[[ "$output" == "apim-publish: unexpected argument '\\xc2\\x9b'"* ]]
	run -1 apim-publish doc show Seed:1 $'d\xc2\x9b2J'	# C1 CSI
	[ "$output" = "apim-publish: no document 'd?2J'" ]
}
