#!/usr/bin/env bats
# apim-proxy-conf.bats: the API's own runtime configuration at the gateway:
# its corsConfiguration over apim.conf's cors_* keys (headers, preflights),
# its authorizationHeader and its apiKeyHeader (header or query parameter),
# each credential removed before the backend, and names refused at the door.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

st() { printf '%s\n' "$output" | head -1; }

# oas NAME CONTEXT [JQ-FILTER]: an OpenAPI 3 document (GET /echo, GET
# /items/{id}, POST /items, GET /open without security) for the backend,
# changed by the jq filter; printed.
oas() {
	jq -n --arg t "$1" --arg c "$2" --arg u "http://127.0.0.1:$BPORT" '{
	    openapi: "3.0.3", info: {title: $t, version: "1"},
	    servers: [{url: $u}], "x-wso2-basePath": $c,
	    paths: {"/echo": {get: {responses: {"200": {description: "ok"}}}},
	        "/items/{id}": {get: {responses: {"200": {description: "ok"}}}},
	        "/items": {post: {responses: {"200": {description: "ok"}}}},
	        "/open": {get: {security: [], responses: {"200": {description: "ok"}}}}}
	    }' | jq "${3:-.}"
}

# import_api NAME CONTEXT [JQ-FILTER]: oas imported and published, the
# application mobile subscribed to it.
import_api() {
	oas "$@" >"$BATS_TEST_TMPDIR/$1.json"
	apim-publish import "$BATS_TEST_TMPDIR/$1.json" >/dev/null
	apim-publish lifecycle "$1:1" publish >/dev/null
	apim-subscribe subscribe mobile "$1:1" >/dev/null
}

# hdrs CURL-ARGS...: the response's header block only.
hdrs() { curl -sS -D - -o /dev/null "$@"; }

@test "CORS per API: corsConfigurationEnabled false drops every CORS header and the preflight; an API without one keeps apim.conf's" {
	standard
	import_api Shut /shut '."x-wso2-cors" = {corsConfigurationEnabled: false}'
	start_proxy
	run -0 hdrs -H 'Origin: https://app.example' -H "Authorization: Bearer $AT" \
	    "http://127.0.0.1:$PPORT/shut/1/items/1"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" != *"Access-Control-"* ]]
	run -0 hdrs -H 'Origin: https://app.example' "http://127.0.0.1:$PPORT/shut/1/items/1"
	[[ "$output" == "HTTP/1.1 401 "* ]]
	[[ "$output" != *"Access-Control-"* ]]
	# OPTIONS is not a preflight here: the path takes no OPTIONS
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' \
	    -H 'Access-Control-Request-Method: GET' "http://127.0.0.1:$PPORT/shut/1/items/1"
	[[ "$output" == "HTTP/1.1 405 "* ]]
	[[ "$output" == *$'\r\nAllow: GET\r\n'* ]]
	[[ "$output" != *"Access-Control-"* ]]
	# Pets has no corsConfiguration: apim.conf's (here WSO2's defaults)
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' \
	    -H 'Access-Control-Request-Method: GET' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: *\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Methods: GET,PUT,POST,DELETE,PATCH,OPTIONS\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: authorization,Access-Control-Allow-Origin,Content-Type,SOAPAction,apikey\r\n'* ]]
}

@test "CORS per API: enabled over apim.conf's cors = off; the fields it leaves out come from apim.conf" {
	standard
	import_api Open /open1 '."x-wso2-cors" = {corsConfigurationEnabled: true,
	    accessControlAllowOrigins: ["https://app.example"]}'
	printf 'cors = off\ncors_allow_methods = GET,POST\ncors_allow_headers = X-One\n' \
	    >"$BATS_TEST_TMPDIR/apim.conf"
	APIM_CONF="$BATS_TEST_TMPDIR/apim.conf" start_proxy
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' \
	    -H 'Access-Control-Request-Method: POST' "http://127.0.0.1:$PPORT/open1/1/items"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://app.example\r\n'* ]]
	[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Methods: GET,POST\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: X-One\r\n'* ]]
	[[ "$output" != *"Access-Control-Allow-Credentials"* ]]
	# Pets has none: apim.conf's off
	run -0 hdrs -H 'Origin: https://app.example' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 401 "* ]]
	[[ "$output" != *"Access-Control-"* ]]
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' \
	    -H 'Access-Control-Request-Method: GET' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 405 "* ]]
}

@test "CORS origins list: listed and subdomain-pattern origins echoed with Vary, others get no Access-Control-Allow-Origin" {
	standard
	import_api Lst /lst '."x-wso2-cors" = {corsConfigurationEnabled: true,
	    accessControlAllowOrigins: ["https://good.example", "https://*.apps.example"]}'
	start_proxy
	for o in https://good.example https://a.apps.example https://a.b.apps.example; do
		run -0 hdrs -H "Origin: $o" -H "Authorization: Bearer $AT" \
		    "http://127.0.0.1:$PPORT/lst/1/items/1"
		[[ "$output" == "HTTP/1.1 200 "* ]]
		[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: '"$o"$'\r\n'* ]]
		[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	done
	for o in https://evil.example https://apps.example https://x.apps.example.evil \
	    http://a.apps.example https://a.apps.example:8443 null; do
		run -0 hdrs -H "Origin: $o" -H "Authorization: Bearer $AT" \
		    "http://127.0.0.1:$PPORT/lst/1/items/1"
		[[ "$output" == "HTTP/1.1 200 "* ]]
		[[ "$output" != *"Access-Control-Allow-Origin"* ]]
		[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	done
	# the backend's own Vary stays beside the gateway's
	run -0 hdrs -H 'Origin: https://good.example' -H "Authorization: Bearer $AT" \
	    -H 'X-Reply-Vary: Accept-Encoding' "http://127.0.0.1:$PPORT/lst/1/items/1"
	[[ "$output" == *$'\r\nVary: Accept-Encoding\r\n'* ]]
	[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
}

@test "CORS credentials: with origin * the request's origin is echoed, Vary: Origin, Allow-Credentials; never for null" {
	standard
	import_api Cred /cred '."x-wso2-cors" = {corsConfigurationEnabled: true,
	    accessControlAllowOrigins: ["*"], accessControlAllowCredentials: true}'
	start_proxy
	run -0 hdrs -H 'Origin: https://app.example' -H "Authorization: Bearer $AT" \
	    "http://127.0.0.1:$PPORT/cred/1/items/1"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://app.example\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Credentials: true\r\n'* ]]
	[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	[[ "$output" != *"Access-Control-Allow-Origin: *"* ]]
	# a fault carries them too
	run -0 hdrs -H 'Origin: https://app.example' "http://127.0.0.1:$PPORT/cred/1/items/1"
	[[ "$output" == "HTTP/1.1 401 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://app.example\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Credentials: true\r\n'* ]]
	run -0 hdrs -H 'Origin: null' "http://127.0.0.1:$PPORT/cred/1/items/1"
	[[ "$output" != *"Access-Control-Allow-"* ]]
}

@test "CORS preflight: the requested method and origin are checked, allowed request headers reflected" {
	standard
	import_api Pre /pre '."x-wso2-cors" = {corsConfigurationEnabled: true,
	    accessControlAllowOrigins: ["https://app.example"],
	    accessControlAllowMethods: ["GET", "POST", "DELETE"],
	    accessControlAllowHeaders: ["authorization", "X-Custom"]}
	    | .paths["/items"].put = .paths["/items"].post'
	start_proxy
	u="http://127.0.0.1:$PPORT/pre/1/items"
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' \
	    -H 'Access-Control-Request-Headers: x-custom, Authorization, X-Evil' "$u"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAllow: POST, PUT, OPTIONS\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://app.example\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Methods: GET,POST,DELETE\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: x-custom, Authorization\r\n'* ]]
	# no headers asked: the configured list
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' "$u"
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: authorization,X-Custom\r\n'* ]]
	# the path takes PUT, but CORS does not allow it; DELETE is allowed, but
	# this path does not take it
	for m in PUT DELETE; do
		run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' -H "Access-Control-Request-Method: $m" "$u"
		[[ "$output" == "HTTP/1.1 200 "* ]]
		[[ "$output" != *"Access-Control-Allow-"* ]]
	done
	# an origin not allowed
	run -0 hdrs -X OPTIONS -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: POST' "$u"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" != *"Access-Control-Allow-"* ]]
	[[ "$output" == *$'\r\nVary: Origin\r\n'* ]]
	# only Access-Control-Request-Headers the list allows, and only tokens
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: GET' \
	    -H 'Access-Control-Request-Headers: X-Evil, x(y), X-CUSTOM' "http://127.0.0.1:$PPORT/pre/1/items/1"
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: X-CUSTOM\r\n'* ]]
}

@test "CORS preflight from apim.conf alone: its lists, and * reflects whatever headers are asked" {
	standard
	printf 'cors_allow_origins = https://app.example\ncors_allow_headers = *\ncors_allow_credentials = true\n' \
	    >"$BATS_TEST_TMPDIR/apim.conf"
	APIM_CONF="$BATS_TEST_TMPDIR/apim.conf" start_proxy
	run -0 hdrs -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: GET' \
	    -H 'Access-Control-Request-Headers: X-Anything' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://app.example\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Credentials: true\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Methods: GET,PUT,POST,DELETE,PATCH,OPTIONS\r\n'* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Headers: X-Anything\r\n'* ]]
}

@test "authorizationHeader: the token is read from that header and removed; Authorization goes to the backend untouched" {
	standard
	import_api Cus /cus '."x-wso2-auth-header" = "X-Token"'
	start_proxy
	run -0 pcurl -H "X-Token: Bearer $AT" -H 'Authorization: Basic YmFja2VuZDpwdw==' \
	    "http://127.0.0.1:$PPORT/cus/1/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("x-token")' "$BATS_TEST_TMPDIR/body")" = false ]
	[ "$(jq -r '.headers.authorization' "$BATS_TEST_TMPDIR/body")" = "Basic YmFja2VuZDpwdw==" ]
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/cus/1/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900902 ]
	run -0 jq -r .description "$BATS_TEST_TMPDIR/body"
	[ "$output" = "Invalid Credentials. Make sure your API invocation call has a header: 'X-Token : Bearer ACCESS_TOKEN' or 'apikey: API_KEY'" ]
}

@test "apiKeyHeader: the key in that header (removed before the backend); the apikey header no longer counts" {
	start_counter b1
	mkapi Pets /pets 1.0.0 --api-key-header X-Api-Key
	mkapp mobile Pets:1.0.0
	key=$(apim-subscribe apikey mobile)
	start_proxy
	run -0 pcurl -H "x-api-key: $key" -H 'X-Other: 1' "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("x-api-key")' "$BATS_TEST_TMPDIR/body")" = false ]
	[ "$(jq -r '.headers["x-other"]' "$BATS_TEST_TMPDIR/body")" = 1 ]
	run -0 pcurl -H "apikey: $key" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900902 ]
	# the same name in the query, as WSO2 reads it
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/1?X-Api-Key=$key&z=1"
	[ "$(st)" = 200 ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = "/items/1?z=1" ]
	# in any case, as the header's name (WSO2 exports "ApiKey")
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/1?z=1&x-api-key=$key"
	[ "$(st)" = 200 ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = "/items/1?z=1" ]
	# back to the default
	apim-publish update Pets:1.0.0 --api-key-header '' >/dev/null
	poll_code 900902 -H "x-api-key: $key" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	run -0 pcurl -H "apikey: $key" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
}

@test "OpenAPI apiKey scheme in: query, name: api_key: the key in that parameter, removed before the backend" {
	standard
	import_api Qry /qry '.components.securitySchemes.k = {type: "apiKey", in: "query", name: "api_key"}
	    | .security = [{k: []}]'
	run -0 apim-publish show --json Qry:1
	[ "$(jq -r .apiKeyHeader <<<"$output")" = api_key ]
	[ "$(jq -c .securityScheme <<<"$output")" = '["api_key"]' ]
	key=$(apim-subscribe apikey mobile)
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/qry/1/items/1?a=1&api_key=$key&b=2"
	[ "$(st)" = 200 ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = "/items/1?a=1&b=2" ]
	run -0 pcurl "http://127.0.0.1:$PPORT/qry/1/items/1?apikey=$key"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900902 ]
}

@test "OpenAPI apiKey scheme in: header, name: authorization (Kubernetes' style): a call with that header works" {
	standard
	import_api Kube /kube '.components.securitySchemes.BearerToken = {type: "apiKey",
	    in: "header", name: "authorization", description: "Bearer Token authentication"}
	    | .security = [{BearerToken: []}]'
	run -0 apim-publish show --json Kube:1
	[ "$(jq -r .apiKeyHeader <<<"$output")" = authorization ]
	key=$(apim-subscribe apikey mobile)
	start_proxy
	run -0 pcurl -H "Authorization: $key" "http://127.0.0.1:$PPORT/kube/1/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("authorization")' "$BATS_TEST_TMPDIR/body")" = false ]
	run -0 pcurl -H "authorization: Bearer $key" "http://127.0.0.1:$PPORT/kube/1/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("authorization")' "$BATS_TEST_TMPDIR/body")" = false ]
	# an access token is not an API key
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/kube/1/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900901 ]
}

@test "one header for both: OAuth 2.0 and API key on Authorization, each credential accepted" {
	start_counter b1
	mkapi Pets /pets 1.0.0 --api-key-header Authorization
	mkapp mobile Pets:1.0.0
	AT=$(token "read write")
	key=$(apim-subscribe apikey mobile)
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	run -0 pcurl -H "Authorization: Bearer $key" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("authorization")' "$BATS_TEST_TMPDIR/body")" = false ]
	run -0 pcurl -H "Authorization: Bearer nonsense" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(code_of)" = 900901 ]
}

@test "export: apiKeyHeader and authorizationHeader as x-wso2-api-key-header and x-wso2-auth-header, imported back" {
	start_counter b1
	mkapi Pets /pets 1.0.0 --api-key-header X-Key --auth-header X-Token
	run -0 apim-publish export Pets:1.0.0
	[ "$(jq -r '."x-wso2-api-key-header"' <<<"$output")" = X-Key ]
	[ "$(jq -r '."x-wso2-auth-header"' <<<"$output")" = X-Token ]
	printf '%s\n' "$output" | jq '.info.version = "2"' >"$BATS_TEST_TMPDIR/again.json"
	apim-publish import "$BATS_TEST_TMPDIR/again.json" >/dev/null
	run -0 apim-publish show --json Pets:2
	[ "$(jq -r '[.apiKeyHeader, .authorizationHeader] | @tsv' <<<"$output")" = "X-Key	X-Token" ]
}

@test "bad header names are refused at the door (65) and change nothing" {
	start_counter b1
	mkapi Pets /pets 1.0.0
	before=$(db_dump)
	run -65 apim-publish update Pets:1.0.0 --api-key-header 'x key'
	[ "$output" = "apim-publish: bad API key header 'x key' (a header or query parameter name: letters, digits and !\$'*-.^_\`|~)" ]
	run -65 apim-publish update Pets:1.0.0 --api-key-header 'a&b'
	run -65 apim-publish update Pets:1.0.0 --api-key-header 'k+1'
	run -65 apim-publish update Pets:1.0.0 --auth-header 'X:Token'
	[[ "$output" == "apim-publish: bad authorization header 'X:Token' (a header name"* ]]
	run -65 apim-publish update Pets:1.0.0 --auth-header 'Tökén'
	run -65 apim-publish update Pets:1.0.0 --api-key-header "$(printf 'k%.0s' $(seq 129))"
	run -65 apim-publish create --name Bad --context /bad --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" --api-key-header 'x/y'
	oas Q /q '.components.securitySchemes.k = {type: "apiKey", in: "query", name: "api key"}
	    | .security = [{k: []}]' >"$BATS_TEST_TMPDIR/q.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/q.json"
	[[ "$output" == *"bad API key header 'api key'"* ]]
	oas Q /q '."x-wso2-api-key-header" = "a b"' >"$BATS_TEST_TMPDIR/q2.json"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/q2.json"
	[ "$(db_dump)" = "$before" ]
}

@test "OpenAPI apiKey schemes: the name a requirement uses wins, a second name and a cookie are warnings" {
	start_counter b1
	oas Two /two '.components.securitySchemes = {
	        c: {type: "apiKey", in: "cookie", name: "session"},
	        q: {type: "apiKey", in: "query", name: "key"},
	        h: {type: "apiKey", in: "header", name: "X-Key"}}
	    | .security = [{h: []}, {q: []}]' >"$BATS_TEST_TMPDIR/two.json"
	run -0 --separate-stderr apim-publish import "$BATS_TEST_TMPDIR/two.json"
	[[ "$stderr" == *"warning: '#/components/securitySchemes/c': apim reads an API key from a header or the query, not from a cookie"* ]]
	[[ "$stderr" == *"warning: API keys named 'X-Key' and 'key': apim reads one name per API, 'X-Key'"* ]]
	run -0 apim-publish show --json Two:1
	[ "$(jq -r .apiKeyHeader <<<"$output")" = X-Key ]
}

@test "a call keeps its API's CORS configuration when the view reloads while the backend is slow" {
	apim-token keys list >/dev/null
	start_backend
	oas Slow /slow '.paths = {"/slow": {get: {security: [], responses: {"200": {description: "ok"}}}}}
	    | ."x-wso2-cors" = {corsConfigurationEnabled: true,
	        accessControlAllowOrigins: ["https://a.example"]}' >"$BATS_TEST_TMPDIR/slow.json"
	apim-publish import "$BATS_TEST_TMPDIR/slow.json" >/dev/null
	apim-publish lifecycle Slow:1 publish >/dev/null
	APIM_BACKEND_READ_TIMEOUT_MS=2000 start_proxy
	curl -sS -D "$BATS_TEST_TMPDIR/slow.h" -o /dev/null -H 'Origin: https://a.example' \
	    "http://127.0.0.1:$PPORT/slow/1/slow?ms=8000" &
	slow=$!
	# the store changes and the next request reloads the view (every API
	# freed and read again) while the slow call waits for its backend
	apim-publish create --name Other --context /other --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish lifecycle Other:1 publish >/dev/null
	# until the view has it (it looks at most every 250 ms): an API without
	# resources says "No matching resource", an unknown one "Not Found"
	for _ in $(seq 100); do
		curl -sS "http://127.0.0.1:$PPORT/other/1/x" | grep -q 'No matching' && break
		sleep 0.05
	done
	run -0 curl -sS "http://127.0.0.1:$PPORT/other/1/x"
	[[ "$output" == *"No matching resource"* ]]
	wait "$slow"
	run -0 cat "$BATS_TEST_TMPDIR/slow.h"
	[[ "$output" == "HTTP/1.1 504 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: https://a.example\r\n'* ]]
}
