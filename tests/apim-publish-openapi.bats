#!/usr/bin/env bats
# apim-publish import and export: OpenAPI 3.0/3.1 and Swagger 2.0, JSON and
# YAML, the WSO2 extensions, flags over the document, the round trip, and bad
# documents (exit code, message with its line, store unchanged).
bats_require_minimum_version 1.5.0
load helper

OA=$FIXTURES/openapi

# Resource scopes must name defined scopes (apim-publish scope add); the
# fixtures' apim x-scope names are defined by no document, so define them.
setup() {
	for s in order_read order_write pets_read pets_write; do
		apim-publish scope add "$s"
	done
}
uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# show --json of an API, minus what a new import cannot keep
same_fields() {
	apim-publish show --json "$1" | jq -S 'del(.id, .createdTime, .lastUpdatedTime)'
}

# operations as "VERB TARGET authType throttlingPolicy scope,scope" lines
ops() {
	apim-publish show --json "$1" | jq -r '.operations[] |
	    "\(.verb) \(.target) \(.authType) \(.throttlingPolicy) \(.scopes | join(","))"'
}

# a store with one API in it, so refusals can be compared with a dump
seeded() {
	apim-publish create --name Seed --context /seed --version 1 \
	    --endpoint http://127.0.0.1:9/seed >/dev/null
	db_dump > "$BATS_TEST_TMPDIR/before.sql"
}

unchanged() {
	db_dump > "$BATS_TEST_TMPDIR/after.sql"
	cmp "$BATS_TEST_TMPDIR/before.sql" "$BATS_TEST_TMPDIR/after.sql"
}

# ---- import of each fixture ----

@test "import OpenAPI 3.0 JSON: name, context and endpoint from info and servers" {
	run -0 apim-publish import "$OA/petstore-3.0.json"
	[[ $output =~ $uuid_re ]]
	run -0 apim-publish show --json "$output"
	o=$output
	[ "$(jq -r '[.name, .version, .context, .provider, .lifeCycleStatus] | join(" ")' <<<"$o")" = \
	    "SwaggerPetstore 1.0.0 /v1 tester CREATED" ]
	[ "$(jq -r .description <<<"$o")" = "A sample pet store: list, add, show and remove pets." ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = http://petstore.example.com/v1 ]
	[ "$(jq -r '.endpointConfig | has("sandbox_endpoints")' <<<"$o")" = false ]
	[ "$(jq -c .tags <<<"$o")" = '["pets"]' ]
	run -0 ops SwaggerPetstore:1.0.0
	[ "$output" = "GET /pets null null read:pets
POST /pets null null read:pets,write:pets
GET /pets/{petId} null null read:pets
DELETE /pets/{petId} none null " ]
}

@test "import OpenAPI 3.1 YAML: server variables, anchors, plain float version, x-scope list" {
	run -0 apim-publish import "$OA/petstore-3.1.yaml"
	run -0 apim-publish show --json Petstore31:2.0
	o=$output
	[ "$(jq -r .context <<<"$o")" = /api/v2 ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = https://pets.example.org:8443/api/v2 ]
	[ "$(jq -r .description <<<"$o")" = "Pets, in YAML.
Two lines of description." ]
	run -0 ops Petstore31:2.0
	# trace is kept (issue 11); x-internal under paths is not a path
	[ "$output" = "GET /pets null null 
POST /pets null Gold 
GET /pets/{petId} null null pets_read
PUT /pets/{petId} null null pets_read,pets_write
PATCH /pets/{petId} null null 
TRACE /pets/{petId} null null " ]
}

@test "import Swagger 2.0 YAML: endpoint from schemes, host and basePath" {
	run -0 apim-publish import "$OA/petstore-2.0.yaml"
	run -0 apim-publish show --json SwaggerPetstore:1.0.5
	o=$output
	[ "$(jq -r .context <<<"$o")" = /v2 ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = https://petstore.swagger.example/v2 ]
	run -0 ops SwaggerPetstore:1.0.5
	# each operation keeps its own scheme (oauth2 or api_key; issue 11)
	[ "$output" = "POST /pet oauth2 null read:pets,write:pets
PUT /pet oauth2 null read:pets,write:pets
GET /pet/{petId} api_key null 
DELETE /pet/{petId} null null 
GET /store/inventory null null " ]
}

@test "import Swagger 2.0 JSON gives the same API as the YAML" {
	run -0 apim-publish import "$OA/petstore-2.0.yaml"
	a=$(same_fields SwaggerPetstore:1.0.5)
	run -0 apim-publish delete SwaggerPetstore:1.0.5
	run -0 apim-publish import "$OA/petstore-2.0.json"
	b=$(same_fields SwaggerPetstore:1.0.5)
	[ "$a" = "$b" ]
	[ "$(jq '.operations | length' <<<"$b")" = 5 ]
}

@test "import honours every WSO2 extension" {
	run -0 apim-publish import "$OA/wso2.yaml"
	run -0 apim-publish show --json PizzaShackAPI:1.0.0
	o=$output
	[ "$(jq -r .context <<<"$o")" = /pizzashack/1.0.0 ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = \
	    https://localhost:9443/am/sample/pizzashack/v1/api/ ]
	[ "$(jq -r .endpointConfig.sandbox_endpoints.url <<<"$o")" = https://sandbox.example.com/pizzashack ]
	[ "$(jq -r .apiThrottlingPolicy <<<"$o")" = Unlimited ]
	[ "$(jq -c .securityScheme <<<"$o")" = '["oauth2","api_key"]' ]
	run -0 ops PizzaShackAPI:1.0.0
	[ "$output" = "GET /menu none Gold 
POST /order oauth2 Unlimited order_write
GET /order/{orderId} api_key Silver order_read
PUT /order/{orderId} null null order_read,order_write
DELETE /order/{orderId} null null " ]
}

@test "import reads standard input" {
	run -0 apim-publish import - < "$OA/wso2.yaml"
	[[ $output =~ $uuid_re ]]
	run -0 apim-publish show --json PizzaShackAPI:1.0.0
}

@test "top-level x-auth-type None opens every operation without its own" {
	cat > "$BATS_TEST_TMPDIR/open.yaml" <<'EOF'
openapi: 3.0.3
info: {title: Open, version: v1}
servers: [{url: "http://127.0.0.1:9/open"}]
x-auth-type: None
paths:
  /a: {get: {responses: {'200': {description: OK}}}}
  /b: {get: {x-auth-type: api_key, responses: {'200': {description: OK}}}}
EOF
	run -0 apim-publish import "$BATS_TEST_TMPDIR/open.yaml"
	run -0 ops Open:v1
	[ "$output" = "GET /a none null 
GET /b api_key null " ]
}

@test "a title with spaces gives a name without them; no path in the server URL gives a slug context" {
	cat > "$BATS_TEST_TMPDIR/t.json" <<'EOF'
{"openapi": "3.0.0", "info": {"title": "My Fine  API!", "version": "2"},
 "servers": [{"url": "https://api.example.com"}], "paths": {}}
EOF
	run -0 apim-publish import "$BATS_TEST_TMPDIR/t.json"
	run -0 apim-publish show --json 'MyFineAPI!:2'
	[ "$(jq -r .context <<<"$output")" = /my-fine-api ]
	[ "$(jq '.operations | length' <<<"$output")" = 0 ]
}

@test "YAML numbers are kept as written; a trailing slash leaves the context" {
	cat > "$BATS_TEST_TMPDIR/n.yaml" <<'EOF'
openapi: 3.0
info: {title: Num, version: 1.10}
x-wso2-basePath: /num/v1/
x-wso2-production-endpoints: http://127.0.0.1:9/num
paths: {}
EOF
	run -0 apim-publish import "$BATS_TEST_TMPDIR/n.yaml"
	run -0 apim-publish show --json Num:1.10
	[ "$(jq -r .context <<<"$output")" = /num/v1 ]
}

# ---- flags over the document ----

@test "flags override the document" {
	run -0 apim-publish import "$OA/wso2.yaml" --name Pizza --context /pz --version 2.0.0 \
	    --endpoint http://127.0.0.1:9/pz --tiers Gold,Silver --tag food --tag demo \
	    --policy 10KPerMin --auth api_key --description "flag text" \
	    --visibility restricted --roles admin,ops
	run -0 apim-publish show --json Pizza:2.0.0
	o=$output
	[ "$(jq -r '[.name, .version, .context, .description, .visibility] | join("|")' <<<"$o")" = \
	    "Pizza|2.0.0|/pz|flag text|RESTRICTED" ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = http://127.0.0.1:9/pz ]
	# the sandbox endpoint was not overridden: it stays the document's
	[ "$(jq -r .endpointConfig.sandbox_endpoints.url <<<"$o")" = https://sandbox.example.com/pizzashack ]
	[ "$(jq -c .policies <<<"$o")" = '["Gold","Silver"]' ]
	[ "$(jq -c .tags <<<"$o")" = '["demo","food"]' ]
	[ "$(jq -c .visibleRoles <<<"$o")" = '["admin","ops"]' ]
	[ "$(jq -r .apiThrottlingPolicy <<<"$o")" = 10KPerMin ]
	[ "$(jq -c .securityScheme <<<"$o")" = '["api_key"]' ]
	[ "$(jq '.operations | length' <<<"$o")" = 5 ]
}

@test "--endpoint supplies what the document lacks" {
	run -0 apim-publish import "$OA/no-endpoint.yaml" --endpoint http://127.0.0.1:9/rel
	run -0 apim-publish show --json RelativeServer:1.0
	[ "$(jq -r .context <<<"$output")" = /rel/v1 ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$output")" = http://127.0.0.1:9/rel ]
}

# ---- export and the round trip ----

@test "export writes the imported document back with the WSO2 extensions" {
	run -0 apim-publish import "$OA/wso2.yaml"
	run -0 apim-publish export PizzaShackAPI:1.0.0
	o=$output
	[ "$(jq -r .openapi <<<"$o")" = 3.0.1 ]
	[ "$(jq -r '[.info.title, .info.version] | join(" ")' <<<"$o")" = "PizzaShackAPI 1.0.0" ]
	[ "$(jq -r '."x-wso2-basePath"' <<<"$o")" = /pizzashack/1.0.0 ]
	[ "$(jq -c '."x-wso2-production-endpoints"' <<<"$o")" = \
	    '{"urls":["https://localhost:9443/am/sample/pizzashack/v1/api/"],"type":"http"}' ]
	[ "$(jq -c '."x-wso2-sandbox-endpoints"' <<<"$o")" = '"https://sandbox.example.com/pizzashack"' ]
	[ "$(jq -r '."x-throttling-tier"' <<<"$o")" = Unlimited ]
	[ "$(jq -r '."x-auth-type"' <<<"$o")" = "Application & Application User" ]
	[ "$(jq -c '.paths["/order/{orderId}"].get' <<<"$o")" = \
	    '{"x-auth-type":"api_key","x-throttling-tier":"Silver","x-scope":"order_read","responses":{"200":{"description":"OK"}}}' ]
	[ "$(jq -c '.paths["/order/{orderId}"].put."x-scope"' <<<"$o")" = '["order_read","order_write"]' ]
	# pretty: one member per line
	[ "${lines[1]}" = '  "openapi": "3.0.1",' ]
}

@test "export --format yaml writes YAML that reads back as the JSON export" {
	run -0 apim-publish import "$OA/petstore-3.1.yaml"
	apim-publish export Petstore31:2.0 > "$BATS_TEST_TMPDIR/e.json"
	apim-publish export Petstore31:2.0 --format yaml > "$BATS_TEST_TMPDIR/e.yaml"
	run -0 head -2 "$BATS_TEST_TMPDIR/e.yaml"
	[ "$output" = "openapi: 3.1.0
info:" ]
	# the version "2.0" must stay a string in YAML
	grep -qx "  version: '2.0'" "$BATS_TEST_TMPDIR/e.yaml"
	[ "$(yml-conv "$BATS_TEST_TMPDIR/e.yaml" | jq -S .)" = "$(jq -S . "$BATS_TEST_TMPDIR/e.json")" ]
}

round_trip() {	# round_trip FIXTURE REF FORMAT [import flags]
	fixture=$1 ref=$2 fmt=$3
	shift 3
	setup	# the scopes again, after an earlier round trip removed the store
	run -0 apim-publish import "$fixture" "$@"
	before=$(same_fields "$ref")
	apim-publish export "$ref" --format "$fmt" > "$BATS_TEST_TMPDIR/rt.$fmt"
	run -0 apim-publish delete "$ref"
	rm -f "$APIM_DB" "$APIM_DB-wal" "$APIM_DB-shm"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/rt.$fmt"
	after=$(same_fields "$ref")
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); false; }
}

@test "round trip through JSON: WSO2 fixture" {
	round_trip "$OA/wso2.yaml" PizzaShackAPI:1.0.0 json
}

@test "round trip through YAML: WSO2 fixture" {
	round_trip "$OA/wso2.yaml" PizzaShackAPI:1.0.0 yaml
}

@test "round trip through YAML and JSON: 3.0, 3.1 and 2.0 petstores" {
	round_trip "$OA/petstore-3.0.json" SwaggerPetstore:1.0.0 yaml
	round_trip "$OA/petstore-3.1.yaml" Petstore31:2.0 json
	round_trip "$OA/petstore-2.0.yaml" SwaggerPetstore:1.0.5 yaml
}

@test "round trip keeps tiers, tags, roles, visibility, auth and awkward strings" {
	round_trip "$OA/wso2.yaml" PizzaShackAPI:1.10 yaml --version 1.10 \
	    --tiers Gold,Bronze --tag 'yes' --tag 123 --tag 'null' --visibility restricted --roles admin \
	    --auth api_key --description $'two\nlines: and a colon' --policy 10KPerMin
	[ "$(jq -r .description <<<"$after")" = $'two\nlines: and a colon' ]
	[ "$(jq -r .version <<<"$after")" = 1.10 ]
	[ "$(jq -c .tags <<<"$after")" = '["123","null","yes"]' ]
	[ "$(jq -r .apiThrottlingPolicy <<<"$after")" = 10KPerMin ]
	[ "$(jq -r '.tags[1] | type' <<<"$after")" = string ]
}

@test "round trip of an API made with create and resource add" {
	apim-publish create --name Hand --context /hand --version 1 \
	    --endpoint http://127.0.0.1:9/hand --sandbox-endpoint http://127.0.0.1:9/sb >/dev/null
	apim-publish scope add a
	apim-publish scope add b
	apim-publish resource add Hand:1 GET '/items/{id}' --auth none --tier Gold --scope a --scope b
	apim-publish resource add Hand:1 POST /items
	apim-publish resource add Hand:1 DELETE '/*' --auth api_key
	before=$(same_fields Hand:1)
	apim-publish export Hand:1 --format yaml > "$BATS_TEST_TMPDIR/h.yaml"
	apim-publish delete Hand:1
	run -0 apim-publish import "$BATS_TEST_TMPDIR/h.yaml"
	[ "$(same_fields Hand:1)" = "$before" ]
}

# ---- bad input ----

@test "malformed JSON: 65, the line and column, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/malformed.json"
	[ "$output" = "apim-publish: '$OA/malformed.json' line 5 column 42: string or '}' expected near ','" ]
	unchanged
}

@test "malformed YAML: 65, the line and column, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/malformed.yaml"
	[ "$output" = "apim-publish: '$OA/malformed.yaml' line 9 column 4: did not find expected key (while parsing a block mapping at line 6 column 3)" ]
	unchanged
}

@test "truncated JSON: 65 with the line, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/truncated.json"
	[ "$output" = "apim-publish: '$OA/truncated.json' line 21 column 5: ']' expected near end of file" ]
	unchanged
}

@test "truncated YAML: 65 with the line, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/truncated.yaml"
	[ "$output" = "apim-publish: '$OA/truncated.yaml' line 6 column 1: found unexpected end of stream (while scanning a quoted scalar at line 5 column 16)" ]
	unchanged
}

@test "a YAML or JSON file that is not OpenAPI: 65, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/not-openapi.yaml"
	[ "$output" = "apim-publish: '$OA/not-openapi.yaml': not an OpenAPI document (no 'openapi: 3.x' or 'swagger: \"2.0\"')" ]
	echo '{"openapi": "4.0.0", "info": {"title": "x", "version": "1"}}' > "$BATS_TEST_TMPDIR/v4.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/v4.json"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/v4.json': unsupported OpenAPI version '4.0.0' (3.0.x and 3.1.x are)" ]
	echo '[1, 2]' > "$BATS_TEST_TMPDIR/list.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/list.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/list.yaml': not an OpenAPI document (not a mapping)" ]
	unchanged
}

@test "an empty file: 65; a missing file: 66; nothing stored" {
	seeded
	run -65 apim-publish import "$OA/empty.yaml"
	[ "$output" = "apim-publish: '$OA/empty.yaml': empty document" ]
	run -66 apim-publish import "$BATS_TEST_TMPDIR/nope.yaml"
	[ "$output" = "apim-publish: cannot open '$BATS_TEST_TMPDIR/nope.yaml': No such file or directory" ]
	unchanged
}

@test "no endpoint anywhere: 65 naming --endpoint, nothing stored" {
	seeded
	run -65 apim-publish import "$OA/no-endpoint.yaml"
	[ "$output" = "apim-publish: '$OA/no-endpoint.yaml': no endpoint: the document has no x-wso2-production-endpoints, absolute server URL or host; give --endpoint URL" ]
	unchanged
}

@test "no info.title: 65 naming --name, which supplies it" {
	seeded
	printf 'openapi: 3.0.3\ninfo: {version: "1"}\nservers: [{url: "http://127.0.0.1:9/nt"}]\npaths: {}\n' \
	    > "$BATS_TEST_TMPDIR/nt.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/nt.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/nt.yaml': no name: the document has no info.title; give --name" ]
	unchanged
	run -0 apim-publish import "$BATS_TEST_TMPDIR/nt.yaml" --name Untitled
	run -0 apim-publish show --json Untitled:1
	[ "$(jq -r .context <<<"$output")" = /nt ]
}

@test "unknown flag: 64 with the usage line, nothing stored" {
	seeded
	run -64 apim-publish import "$OA/wso2.yaml" --colour blue
	[ "${lines[0]}" = "apim-publish: unknown option '--colour'" ]
	[ "${lines[1]}" = "usage: apim-publish import FILE|- [--FIELD VALUE]..." ]
	run -64 apim-publish import
	unchanged
}

@test "an API the store refuses (duplicate): 65, nothing stored" {
	run -0 apim-publish import "$OA/wso2.yaml"
	db_dump > "$BATS_TEST_TMPDIR/before.sql"
	run -65 apim-publish import "$OA/wso2.yaml"
	[ "$output" = "apim-publish: API 'PizzaShackAPI:1.0.0' already exists" ]
	unchanged
}

@test "a wrong type in the document: 65 naming the field, nothing stored" {
	seeded
	sed 's/x-scope: order_read$/x-scope: {a: b}/' "$OA/wso2.yaml" > "$BATS_TEST_TMPDIR/w.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/w.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/w.yaml': 'paths./order/{orderId}.get.x-scope' must be a string or a list of strings" ]
	sed 's/x-auth-type: api_key/x-auth-type: Kerberos/' "$OA/wso2.yaml" > "$BATS_TEST_TMPDIR/w2.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/w2.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/w2.yaml': 'paths./order/{orderId}.get.x-auth-type' must be oauth2, api_key, none or a WSO2 auth type" ]
	unchanged
}

@test "YAML alias bomb: 65, nothing stored" {
	seeded
	{
		echo 'openapi: 3.0.3'
		echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
		p=a
		for c in b c d e f g h i; do
			echo "$c: &$c [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"
			p=$c
		done
	} > "$BATS_TEST_TMPDIR/bomb.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/bomb.yaml"
	[[ $output =~ ^"apim-publish: '$BATS_TEST_TMPDIR/bomb.yaml' line "[0-9]+" column "[0-9]+": too many nodes after expanding aliases" ]]
	unchanged
}

@test "YAML duplicate keys and unknown aliases: 65 with the line" {
	seeded
	printf 'openapi: 3.0.3\ninfo: {title: a, version: "1"}\ninfo: {}\n' > "$BATS_TEST_TMPDIR/dup.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/dup.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/dup.yaml' line 3 column 1: duplicate key 'info'" ]
	printf 'openapi: 3.0.3\ninfo: *nope\n' > "$BATS_TEST_TMPDIR/alias.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/alias.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/alias.yaml' line 2 column 7: unknown anchor 'nope'" ]
	printf '{"openapi": "3.0.3", "openapi": "3.0.3"}' > "$BATS_TEST_TMPDIR/dup.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/dup.json"
	[[ $output =~ ^"apim-publish: '$BATS_TEST_TMPDIR/dup.json' line 1 column "[0-9]+": duplicate object key" ]]
	unchanged
}

@test "export: unknown API 1, bad format 64" {
	run -1 apim-publish export Nope:1
	[ "$output" = "apim-publish: no API 'Nope:1'" ]
	run -0 apim-publish import "$OA/wso2.yaml"
	run -64 apim-publish export PizzaShackAPI:1.0.0 --format xml
	[ "${lines[0]}" = "apim-publish: bad format 'xml' (json, yaml)" ]
	[ "${lines[1]}" = "usage: apim-publish export API [--format json|yaml] [--oas 3.0|3.1 | --swagger2] [--project DIR]" ]
}

@test "every prefix of a fixture is imported or refused with 65, never worse" {
	for f in wso2.yaml petstore-3.0.json petstore-3.1.yaml; do
		size=$(wc -c < "$OA/$f")
		for ((n = 0; n < size; n += 11)); do
			head -c "$n" "$OA/$f" > "$BATS_TEST_TMPDIR/cut"
			rc=0
			openapi-map "$BATS_TEST_TMPDIR/cut" >/dev/null 2>&1 || rc=$?
			[ "$rc" = 0 ] || [ "$rc" = 65 ] || { echo "$f cut at $n: exit $rc"; false; }
		done
	done
}

@test "a UTF-8 byte order mark is skipped, in JSON and YAML" {
	printf '\xef\xbb\xbf' | cat - "$OA/petstore-3.0.json" > "$BATS_TEST_TMPDIR/bom.json"
	printf '\xef\xbb\xbf' | cat - "$OA/wso2.yaml" > "$BATS_TEST_TMPDIR/bom.yaml"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/bom.json"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/bom.yaml"
}

# ---- the YAML reader on its own ----

@test "yml: core-schema scalars, quoting, block scalars, merge keys" {
	cat > "$BATS_TEST_TMPDIR/s.yaml" <<'EOF'
int: 12
neg: -3
hex: 0x1f
oct: 0o17
float: 1.5
exp: 1e3
t: true
f: False
n: ~
empty:
quoted: "12"
single: 'true'
str: !!str 7
ver: 3.0.3
lit: |
  a
  b
fold: >-
  c
  d
base: &b {x: 1, y: 2}
merged:
  <<: *b
  y: 3
EOF
	run -0 yml-conv "$BATS_TEST_TMPDIR/s.yaml"
	[ "$output" = '{"int":12,"neg":-3,"hex":31,"oct":15,"float":1.5,"exp":1000.0,"t":true,"f":false,"n":null,"empty":null,"quoted":"12","single":"true","str":"7","ver":"3.0.3","lit":"a\nb\n","fold":"c d","base":{"x":1,"y":2},"merged":{"y":3,"x":1}}' ]
	# and back: YAML out, JSON in again, the same value
	[ "$(yml-conv -y "$BATS_TEST_TMPDIR/s.yaml" | yml-conv -)" = "$output" ]
}

@test "yml: a key or value that is the string \"<<\" is quoted, so it reads back as that string, not a merge" {
	printf '%s\n' '! <<: {a: 2}' 'v: "<<"' > "$BATS_TEST_TMPDIR/m.yaml"
	run -0 yml-conv "$BATS_TEST_TMPDIR/m.yaml"
	[ "$output" = '{"<<":{"a":2},"v":"<<"}' ]
	run -0 yml-conv -y "$BATS_TEST_TMPDIR/m.yaml"
	[ "${lines[0]}" = "'<<':" ]
	[ "$(yml-conv -y "$BATS_TEST_TMPDIR/m.yaml" | yml-conv -)" = '{"<<":{"a":2},"v":"<<"}' ]
}

@test "yml: every fixture that parses reads back the same after the YAML emitter" {
	for f in "$OA"/*; do
		a=$(yml-conv "$f" 2>/dev/null) || continue
		b=$(yml-conv -y "$f" | yml-conv -)
		[ "$a" = "$b" ] || { echo "differs: $f"; false; }
	done
}

@test "yml: nesting deeper than 1000 levels is refused with its place" {
	{ printf 'openapi: 3.0.3\nx: '; printf '[%.0s' {1..1001}; printf ']%.0s' {1..1001}; echo; } \
	    > "$BATS_TEST_TMPDIR/deep.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/deep.yaml"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/deep.yaml' line 2 column 1003: nested deeper than 1000 levels" ]
}
