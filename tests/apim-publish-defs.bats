#!/usr/bin/env bats
# apim-publish definitions (issue 11): the imported document is kept and
# exported with the store's state merged in; real third-party documents
# round-trip; nothing is dropped silently (external $ref, AND requirements
# refused naming the JSON pointer; unenforceable schemes warned about);
# WSO2's extension catalogue both ways; scopes with role bindings.
bats_require_minimum_version 1.5.0
load helper

OA=$FIXTURES/openapi

# A document as canonical JSON, without apim's own x-apim-* extensions and
# with info.version as a string (YAML may hold it as a number).
canon() {
	case $1 in
	*.json) cat "$1" ;;
	*) yml-conv "$1" ;;
	esac | jq -S 'walk(if type == "object" then with_entries(select(.key |
	    startswith("x-apim-") | not)) else . end) |
	    .info.version |= (if . == null then . else tostring end)'
}

show() {
	apim-publish show --json "$1" | jq -S 'del(.id, .createdTime, .lastUpdatedTime)'
}

# round_trip FIXTURE REF [import flags]: import, export, compare with the
# original, import the export again: identical show --json.
round_trip() {
	fixture=$1 ref=$2
	shift 2
	run -0 apim-publish import "$fixture" "$@"
	apim-publish export "$ref" > "$BATS_TEST_TMPDIR/e.json"
	canon "$fixture" > "$BATS_TEST_TMPDIR/a"
	canon "$BATS_TEST_TMPDIR/e.json" > "$BATS_TEST_TMPDIR/b"
	run diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	show "$ref" > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete "$ref"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/e.json"
	show "$ref" > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "round trip: KubeVirt Swagger 2.0 (747 KB, 203 paths) keeps schemas, parameters, responses" {
	# the document has no info.version and no host: the flags add them,
	# which the export carries (x-wso2-production-endpoints, info.version)
	run -0 apim-publish import "$OA/kubevirt-swagger-2.0.json" --version v1 \
	    --endpoint https://kubevirt.example/
	apim-publish export KubeVirtAPI:v1 > "$BATS_TEST_TMPDIR/e.json"
	run -0 jq -S 'del(."x-wso2-production-endpoints", .info.version)' "$BATS_TEST_TMPDIR/e.json"
	a=$output
	run -0 jq -S . "$OA/kubevirt-swagger-2.0.json"
	[ "$a" = "$output" ]
	[ "$(jq '.definitions | length' "$BATS_TEST_TMPDIR/e.json")" -gt 100 ]
	show KubeVirtAPI:v1 > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete KubeVirtAPI:v1
	run -0 apim-publish import "$BATS_TEST_TMPDIR/e.json"
	show KubeVirtAPI:v1 > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "round trip: Twilio OpenAPI 3.0 (1.8 MB), warning that HTTP basic is not enforced" {
	run -0 --separate-stderr apim-publish import "$OA/twilio-api-3.0.json"
	[ "$stderr" = "apim-publish: warning: '#/components/securitySchemes/accountSid_authToken': basic security is not enforced by apim; its operations are secured by the API's schemes" ]
	run -0 apim-publish delete Twilio-Api:1.0.0
	round_trip "$OA/twilio-api-3.0.json" Twilio-Api:1.0.0
	[ "$(jq '.components.schemas | length' "$BATS_TEST_TMPDIR/e.json")" -gt 100 ]
}

@test "round trip: USPTO OpenAPI 3.0 (server variables, requestBody, components)" {
	round_trip "$OA/uspto-3.0.yaml" USPTODataSetAPI:1.0.0
}

@test "round trip: OpenAPI 3.1 with webhooks and \$ref path items" {
	round_trip "$OA/webhook-pathitems-3.1.yaml" WebhookExample:1.0.0
	# the path items by reference and trace are operations
	run -0 apim-publish show --json WebhookExample:1.0.0
	[ "$(jq -r '[.operations[] | "\(.verb) \(.target)"] | join(",")' <<<"$output")" = \
	    "GET /pets,TRACE /pets,GET /pets/{petId},DELETE /pets/{petId},GET /pets/{petId}/owner" ]
	run -0 apim-publish export WebhookExample:1.0.0
	[ "$(jq -c '.webhooks.newPet.post.requestBody.content' <<<"$output")" = \
	    '{"application/json":{"schema":{"$ref":"#/components/schemas/Pet"}}}' ]
}

@test "round trip: Petstore with two security alternatives keeps both" {
	round_trip "$OA/petstore-alternatives.yaml" SwaggerPetstore:1.0.7
	run -0 apim-publish show --json SwaggerPetstore:1.0.7
	[ "$(jq -c .securityScheme <<<"$output")" = '["oauth2","api_key"]' ]
	[ "$(jq -r '.operations[] | "\(.verb) \(.target) \(.authType)"' <<<"$output")" = \
"POST /pet oauth2
GET /pet/{petId} null
DELETE /pet/{petId} oauth2
GET /store/inventory api_key" ]
	# OAuth 2.0 scopes become API scopes
	[ "$(jq -r '[.scopes[].scope.name] | join(",")' <<<"$output")" = "read:pets,write:pets" ]
}

@test "round trip: WSO2 extension catalogue, shown with APIDTO names" {
	round_trip "$OA/wso2-catalogue.yaml" PizzaShackAPI:1.0.0
	run -0 apim-publish show --json PizzaShackAPI:1.0.0
	o=$output
	[ "$(jq -r .endpointConfig.endpoint_type <<<"$o")" = load_balance ]
	[ "$(jq -c '[.endpointConfig.production_endpoints[].url]' <<<"$o")" = \
	    '["https://pizza-a.example.com/api/","https://pizza-b.example.com/api/"]' ]
	[ "$(jq -r .endpointConfig.sandbox_endpoints[0].url <<<"$o")" = https://sandbox.example.com/pizzashack ]
	[ "$(jq -r .apiThrottlingPolicy <<<"$o")" = 10KPerMin ]
	[ "$(jq -c .corsConfiguration.accessControlAllowOrigins <<<"$o")" = '["https://shop.example.com"]' ]
	[ "$(jq -c .transport <<<"$o")" = '["https"]' ]
	[ "$(jq -r .authorizationHeader <<<"$o")" = X-Pizza-Auth ]
	[ "$(jq -r '"\(.responseCachingEnabled) \(.cacheTimeout)"' <<<"$o")" = "true 300" ]
	[ "$(jq -r '.operations[] | select(.target == "/order") | .endpointConfig.endpoint_type' <<<"$o")" = failover ]
	[ "$(jq -r '.scopes[] | "\(.scope.name)=\(.scope.bindings | join(","))"' <<<"$o")" = \
"order_admin=admin,manager
order_read=subscriber
order_write=admin,subscriber" ]
	# the scope table
	[ "$(sqlite3 "$APIM_DB" "SELECT scope || ':' || role FROM scope_role ORDER BY 1" | tr '\n' ' ')" = \
	    "order_admin:admin order_admin:manager order_read:subscriber order_write:admin order_write:subscriber " ]
}

@test "export merges later changes: a resource added, one removed, a tier changed" {
	run -0 apim-publish import "$OA/petstore-alternatives.yaml"
	run -0 apim-publish resource add SwaggerPetstore:1.0.7 GET /store/order/{orderId} --auth api_key
	run -0 apim-publish resource delete SwaggerPetstore:1.0.7 DELETE /pet/{petId}
	run -0 apim-publish update SwaggerPetstore:1.0.7 --policy 10KPerMin
	run -0 apim-publish export SwaggerPetstore:1.0.7
	o=$output
	[ "$(jq -c '.paths["/pet/{petId}"] | keys' <<<"$o")" = '["get"]' ]
	[ "$(jq -c '.paths["/store/order/{orderId}"].get."x-auth-type"' <<<"$o")" = '"api_key"' ]
	[ "$(jq -r '."x-wso2-throttling-tier"' <<<"$o")" = 10KPerMin ]
	# the rest of the document is untouched
	[ "$(jq -c '.definitions' <<<"$o")" = "$(yml-conv "$OA/petstore-alternatives.yaml" | jq -c .definitions)" ]
	echo "$o" > "$BATS_TEST_TMPDIR/e.json"
	show SwaggerPetstore:1.0.7 > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete SwaggerPetstore:1.0.7
	run -0 apim-publish import "$BATS_TEST_TMPDIR/e.json"
	show SwaggerPetstore:1.0.7 > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "an API created from flags gets a generated definition that keeps later edits" {
	run -0 apim-publish create --name Flags --context /flags --version 1 --endpoint https://b.example/
	run -0 apim-publish resource add Flags:1 GET /items/{id} --tier Gold
	run -0 apim-publish export Flags:1
	[ "$(jq -r .openapi <<<"$output")" = 3.0.3 ]
	[ "$(jq -r '.paths["/items/{id}"].get."x-throttling-tier"' <<<"$output")" = Gold ]
}

@test "export --oas 3.0|3.1 and --swagger2 where the content allows" {
	run -0 apim-publish import "$OA/wso2-catalogue.yaml"
	run -0 apim-publish export PizzaShackAPI:1.0.0 --oas 3.1
	[ "$(jq -r .openapi <<<"$output")" = 3.1.0 ]
	run -0 apim-publish export PizzaShackAPI:1.0.0 --oas 3.1 --format yaml
	[ "${lines[0]}" = "openapi: 3.1.0" ]
	run -0 apim-publish import "$OA/webhook-pathitems-3.1.yaml"
	run -65 apim-publish export WebhookExample:1.0.0 --oas 3.0
	[ "$output" = "apim-publish: '#/webhooks': OpenAPI 3.0 has no webhooks; export as 3.1" ]
	run -65 apim-publish export WebhookExample:1.0.0 --swagger2
	[ "$output" = "apim-publish: '#/webhooks': Swagger 2.0 has no webhooks" ]
	run -64 apim-publish export PizzaShackAPI:1.0.0 --oas 2.5
	run -64 apim-publish export PizzaShackAPI:1.0.0 --oas 3.0 --swagger2
}

# convert FIXTURE REF FLAG...: import, export converted, import that: the
# same show --json
convert() {
	fixture=$1 ref=$2
	shift 2
	run -0 apim-publish import "$fixture"
	show "$ref" > "$BATS_TEST_TMPDIR/s1"
	apim-publish export "$ref" "$@" > "$BATS_TEST_TMPDIR/c.json"
	run -0 apim-publish delete "$ref"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	show "$ref" > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "--swagger2: OpenAPI 3.0 to Swagger 2.0 (request bodies, schemes, servers) gives the same API" {
	convert "$OA/wso2-catalogue.yaml" PizzaShackAPI:1.0.0 --swagger2
	run -0 jq -c '[.swagger, .securityDefinitions.default.flow, .paths["/order"].post.parameters[0].in,
	    .paths["/order"].post.parameters[0].schema["$ref"]]' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = '["2.0","implicit","body","#/definitions/Order"]' ]
	convert "$OA/uspto-3.0.yaml" USPTODataSetAPI:1.0.0 --swagger2
	run -0 jq -r '"\(.host) \(.basePath) \(.schemes[0])"' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = "developer.uspto.gov /ds-api https" ]
}

@test "--oas 3.0: Swagger 2.0 to OpenAPI 3 (servers, components, request bodies) gives the same API" {
	convert "$OA/petstore-alternatives.yaml" SwaggerPetstore:1.0.7 --oas 3.0
	run -0 jq -c '[.openapi, .servers[0].url, (.components.schemas | keys),
	    .paths["/pet"].post.requestBody.content["application/json"].schema["$ref"],
	    .components.securitySchemes.petstore_auth.flows.implicit.scopes["read:pets"]]' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = '["3.0.3","https://petstore.swagger.io/v2",["Pet"],"#/components/schemas/Pet","read your pets"]' ]
	run grep -c '#/definitions' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = 0 ]
	# KubeVirt: every reference rewritten, the same 293 operations back
	run -0 apim-publish import "$OA/kubevirt-swagger-2.0.json" --version v1 \
	    --endpoint https://kubevirt.example/
	show KubeVirtAPI:v1 > "$BATS_TEST_TMPDIR/s1"
	apim-publish export KubeVirtAPI:v1 --oas 3.1 > "$BATS_TEST_TMPDIR/c.json"
	run grep -c '#/definitions' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = 0 ]
	run -0 apim-publish delete KubeVirtAPI:v1
	run -0 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	show KubeVirtAPI:v1 > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

# ---- refusals: message naming the JSON pointer, exit 65, store unchanged ----

refused() {	# refused FILE MESSAGE
	run -0 apim-publish create --name Keep --context /keep --version 1 --endpoint https://k.example/
	before=$(db_dump)
	run -65 apim-publish import "$1"
	[ "$output" = "$2" ]
	[ "$(db_dump)" = "$before" ]
}

@test "an external \$ref is refused, naming its JSON pointer" {
	cat > "$BATS_TEST_TMPDIR/ext.yaml" <<'Y'
openapi: 3.0.3
info: { title: Ext, version: "1" }
servers: [ { url: https://e.example/ } ]
paths:
  /a/b:
    get:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: { $ref: "common.yaml#/Thing" }
Y
	refused "$BATS_TEST_TMPDIR/ext.yaml" "apim-publish: '$BATS_TEST_TMPDIR/ext.yaml': external \$ref 'common.yaml#/Thing' at '#/paths/~1a~1b/get/responses/200/content/application~1json/schema/\$ref': apim keeps self-contained documents; bundle it first"
}

@test "a dangling local \$ref for a path item is refused" {
	cat > "$BATS_TEST_TMPDIR/dang.yaml" <<'Y'
openapi: 3.1.0
info: { title: Dang, version: "1" }
servers: [ { url: https://e.example/ } ]
paths:
  /x:
    $ref: "#/components/pathItems/Nope"
Y
	refused "$BATS_TEST_TMPDIR/dang.yaml" "apim-publish: '$BATS_TEST_TMPDIR/dang.yaml': \$ref '#/components/pathItems/Nope' at '#/paths/~1x' points at nothing in the document"
}

@test "a requirement of two schemes at once is refused (apim enforces one)" {
	cat > "$BATS_TEST_TMPDIR/and.yaml" <<'Y'
openapi: 3.0.3
info: { title: And, version: "1" }
servers: [ { url: https://e.example/ } ]
components:
  securitySchemes:
    k: { type: apiKey, in: header, name: X-Key }
    o: { type: oauth2, flows: { clientCredentials: { tokenUrl: https://t.example/, scopes: {} } } }
paths:
  /x:
    get:
      security: [ { k: [], o: [] } ]
      responses: { '200': { description: OK } }
Y
	refused "$BATS_TEST_TMPDIR/and.yaml" "apim-publish: '$BATS_TEST_TMPDIR/and.yaml': '#/paths/~1x/get/security/0' requires 2 security schemes together; apim enforces one of them per request (give them as alternatives)"
}

@test "x-wso2-production-endpoints naming an undefined x-wso2-endpoints entry is refused" {
	cat > "$BATS_TEST_TMPDIR/ep.yaml" <<'Y'
openapi: 3.0.3
info: { title: Ep, version: "1" }
x-wso2-endpoints:
  - one: { urls: [https://one.example/] }
x-wso2-production-endpoints: "#/x-wso2-endpoints/two"
paths: { /x: { get: { responses: { '200': { description: OK } } } } }
Y
	refused "$BATS_TEST_TMPDIR/ep.yaml" "apim-publish: '$BATS_TEST_TMPDIR/ep.yaml': 'x-wso2-production-endpoints' refers to '#/x-wso2-endpoints/two', which x-wso2-endpoints does not define"
}

@test "bad WSO2 runtime extensions are refused" {
	cat > "$BATS_TEST_TMPDIR/tr.yaml" <<'Y'
openapi: 3.0.3
info: { title: Tr, version: "1" }
servers: [ { url: https://e.example/ } ]
x-wso2-transports: [http, ftp]
paths: { /x: { get: { responses: { '200': { description: OK } } } } }
Y
	refused "$BATS_TEST_TMPDIR/tr.yaml" "apim-publish: bad transport 'ftp' (http, https)"
}

@test "an HTTP basic scheme is kept but warned about on stderr, naming its pointer" {
	cat > "$BATS_TEST_TMPDIR/basic.yaml" <<'Y'
openapi: 3.0.3
info: { title: Basic, version: "1" }
servers: [ { url: https://e.example/ } ]
components:
  securitySchemes:
    b: { type: http, scheme: basic }
paths:
  /x:
    get:
      security: [ { b: [] } ]
      responses: { '200': { description: OK } }
Y
	run -0 --separate-stderr apim-publish import "$BATS_TEST_TMPDIR/basic.yaml"
	[ "$stderr" = "apim-publish: warning: '#/components/securitySchemes/b': basic security is not enforced by apim; its operations are secured by the API's schemes" ]
	run -0 apim-publish export Basic:1
	[ "$(jq -c .components.securitySchemes.b <<<"$output")" = '{"type":"http","scheme":"basic"}' ]
}

# ---- scopes (lib/scope) ----

@test "version copies the definition, extensions and scopes" {
	run -0 apim-publish import "$OA/wso2-catalogue.yaml"
	run -0 apim-publish version PizzaShackAPI:1.0.0 2.0.0
	a=$(show PizzaShackAPI:1.0.0 | jq -S 'del(.version, .lifeCycleStatus, .isDefaultVersion)')
	b=$(show PizzaShackAPI:2.0.0 | jq -S 'del(.version, .lifeCycleStatus, .isDefaultVersion)')
	[ "$a" = "$b" ]
	run -0 apim-publish export PizzaShackAPI:2.0.0
	[ "$(jq -r .info.version <<<"$output")" = 2.0.0 ]
	[ "$(jq -r '.components.schemas.Order.properties.quantity.type' <<<"$output")" = integer ]
}

@test "lib/scope: define, list, roles, get, delete (for scope commands and token grants)" {
	run -0 scope-check "$APIM_DB" <<'S'
define {"name":"stock_read","description":"read","bindings":["clerk","admin"]}
define {"scope":{"name":"stock_write","bindings":[]},"shared":true}
define {"name":"bad name"}
list
roles stock_read
get nope
delete stock_read
delete stock_read
list
S
	[ "$output" = 'ok
ok
error: scope name '"'bad name'"' may not contain spaces
[{"name":"stock_read","displayName":null,"description":"read","bindings":["admin","clerk"],"shared":false},{"name":"stock_write","displayName":null,"description":null,"bindings":[],"shared":true}]
["admin","clerk"]
error: no scope '"'nope'"'
ok
error: no scope '"'stock_read'"'
[{"name":"stock_write","displayName":null,"description":null,"bindings":[],"shared":true}]' ]
}

@test "scopes defined by an import are in the scope table; deleting the API unlinks them" {
	run -0 apim-publish import "$OA/wso2-catalogue.yaml"
	run -0 scope-check "$APIM_DB" <<<"roles order_write"
	[ "$output" = '["admin","subscriber"]' ]
	run -0 apim-publish delete PizzaShackAPI:1.0.0
	[ "$(sqlite3 "$APIM_DB" 'SELECT count(*) FROM api_scope')" = 0 ]
}

@test "a dangling local \$ref for a parameter is refused, naming where it is" {
	cat > "$BATS_TEST_TMPDIR/dp.yaml" <<'Y'
openapi: 3.0.3
info: { title: Dp, version: "1" }
servers: [ { url: https://e.example/ } ]
paths:
  /x/{id}:
    parameters:
      - $ref: "#/components/parameters/id"
    get:
      responses: { '200': { description: OK } }
Y
	refused "$BATS_TEST_TMPDIR/dp.yaml" "apim-publish: '$BATS_TEST_TMPDIR/dp.yaml': \$ref '#/components/parameters/id' at '#/paths/~1x~1{id}/parameters/0' points at nothing in the document"
}
