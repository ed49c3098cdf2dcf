#!/usr/bin/env bats
# apim-publish: every command with its good and bad inputs.  A refused
# command must leave the store exactly as it was (db_dump before and after).
bats_require_minimum_version 1.5.0
load helper

pet() {
	apim-publish create --name PetStore --context /pets --version 1.0.0 \
	    --endpoint http://127.0.0.1:9000/v1 "$@"
}

# A row in subscription needs an application; the subscribe helper owns them,
# so tests write both with sqlite3.
subscribe() {	# subscribe APP_ID API_ID
	sqlite3 "$APIM_DB" "INSERT OR IGNORE INTO application (id, name, owner, \
	    created_ms, updated_ms) VALUES ('$1', '$1', 'tester', 0, 0); \
	    INSERT INTO subscription (id, app_id, api_id, tier, created_ms, updated_ms) \
	    VALUES (lower(hex(randomblob(16))), '$1', '$2', 'Gold', 0, 0);"
}

uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# ---- create ----

@test "create prints the new id and show --json has the WSO2 fields" {
	run -0 pet --sandbox-endpoint https://sandbox.example/v1 --tiers Gold,Silver \
	    --policy 10KPerMin --tag pets --tag demo --description "Pet shop" \
	    --auth oauth2,api_key
	[[ $output =~ $uuid_re ]]
	id=$output
	run -0 apim-publish show --json "$id"
	o=$output
	[ "$(jq -r .id <<<"$o")" = "$id" ]
	[ "$(jq -r '[.name,.version,.context,.provider,.lifeCycleStatus,.visibility] | join(" ")' <<<"$o")" = "PetStore 1.0.0 /pets tester CREATED PUBLIC" ]
	[ "$(jq -c .policies <<<"$o")" = '["Gold","Silver"]' ]
	[ "$(jq -r .apiThrottlingPolicy <<<"$o")" = 10KPerMin ]
	[ "$(jq -c .tags <<<"$o")" = '["demo","pets"]' ]
	[ "$(jq -c .securityScheme <<<"$o")" = '["oauth2","api_key"]' ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = http://127.0.0.1:9000/v1 ]
	[ "$(jq -r .endpointConfig.sandbox_endpoints.url <<<"$o")" = https://sandbox.example/v1 ]
	[ "$(jq -r .description <<<"$o")" = "Pet shop" ]
	[ "$(jq -r .isDefaultVersion <<<"$o")" = false ]
	[ "$(jq -c .operations <<<"$o")" = '[]' ]
	[[ $(jq -r .createdTime <<<"$o") =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
}

@test "create defaults: tier Unlimited, oauth2, public, provider is the actor" {
	pet --as alice >/dev/null
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -c '[.policies, .securityScheme, .visibility, .provider, .visibleRoles]' <<<"$output")" = '[["Unlimited"],["oauth2"],"PUBLIC","alice",[]]' ]
}

@test "create with missing flags, an unknown flag or an argument is a usage error" {
	run -64 apim-publish create --name X --context /x --version 1
	[ "${lines[0]}" = "apim-publish: missing --endpoint" ]
	[[ ${lines[1]} == "usage: apim-publish create --name N "* ]]
	run -64 apim-publish create --name X --context /x --version 1 --endpoint http://a --colour red
	[ "${lines[0]}" = "apim-publish: unknown option '--colour'" ]
	run -64 apim-publish create extra --name X --context /x --version 1 --endpoint http://a
	[ "${lines[0]}" = "apim-publish: unexpected argument 'extra'" ]
	run -64 apim-publish create --name X --name Y --context /x --version 1 --endpoint http://a
	[ "${lines[0]}" = "apim-publish: option '--name' given twice" ]
}

@test "create refuses a duplicate name and version, and changes nothing" {
	pet >/dev/null
	before=$(db_dump)
	run -65 apim-publish create --name PetStore --context /other --version 1.0.0 --endpoint http://a
	[ "$output" = "apim-publish: API 'PetStore:1.0.0' already exists" ]
	[ "$(db_dump)" = "$before" ]
}

@test "create refuses a context used by another API, but versions share theirs" {
	pet >/dev/null
	before=$(db_dump)
	run -65 apim-publish create --name Zoo --context /pets --version 1.0.0 --endpoint http://a
	[ "$output" = "apim-publish: context '/pets' is used by API 'PetStore:1.0.0'" ]
	run -65 apim-publish create --name Zoo --context /pets --version 2.0.0 --endpoint http://a
	[ "$(db_dump)" = "$before" ]
	run -0 apim-publish create --name PetStore --context /pets --version 2.0.0 --endpoint http://a
}

@test "create validates context, endpoint, name, auth and visibility" {
	apim-publish list >/dev/null
	before=$(db_dump)
	run -65 apim-publish create --name X --context pets --version 1 --endpoint http://a
	[ "$output" = "apim-publish: context 'pets' must start with '/' and name a path" ]
	run -65 apim-publish create --name X --context / --version 1 --endpoint http://a
	run -65 apim-publish create --name X --context '/a b' --version 1 --endpoint http://a
	[ "$output" = "apim-publish: malformed context '/a b'" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint ftp://a
	[ "$output" = "apim-publish: endpoint 'ftp://a' must be an http:// or https:// URL" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://a --sandbox-endpoint nope
	[ "$output" = "apim-publish: sandbox endpoint 'nope' must be an http:// or https:// URL" ]
	run -65 apim-publish create --name A:B --context /x --version 1 --endpoint http://a
	[ "$output" = "apim-publish: name 'A:B' may not contain spaces, ':' or '/'" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://a --auth basic
	[ "$output" = "apim-publish: bad auth scheme 'basic' (oauth2, api_key)" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://a --visibility restricted
	[ "$output" = "apim-publish: visibility restricted needs roles" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://a --roles admin
	[ "$output" = "apim-publish: roles need visibility restricted" ]
	run -65 apim-publish create --name X --context /x --version 1 --endpoint http://a --visibility secret
	[ "$output" = "apim-publish: bad visibility 'secret' (public, restricted)" ]
	[ "$(db_dump)" = "$before" ]
}

@test "create restricted with roles" {
	pet --visibility restricted --roles admin,ops >/dev/null
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -c '[.visibility, .visibleRoles]' <<<"$output")" = '["RESTRICTED",["admin","ops"]]' ]
}

# ---- list and show ----

@test "list prints a table, filters by state and tag, and NDJSON with --json" {
	a=$(pet --tag pets)
	b=$(apim-publish create --name Zoo --context /zoo --version 2 --endpoint http://z)
	apim-publish lifecycle Zoo:2 publish >/dev/null
	run -0 apim-publish list
	[ "${lines[0]}" = "ID                                    NAME      VERSION  CONTEXT  STATE      DEFAULT  PROVIDER" ]
	[ "${lines[1]}" = "$a  PetStore  1.0.0    /pets    CREATED    no       tester" ]
	[ "${lines[2]}" = "$b  Zoo       2        /zoo     PUBLISHED  no       tester" ]
	run -0 apim-publish list --state published --json
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .name <<<"$output")" = Zoo ]
	run -0 apim-publish list --tag pets --json
	[ "$(jq -r .id <<<"$output")" = "$a" ]
	run -0 apim-publish list --json
	[ "${#lines[@]}" -eq 2 ]
	run -0 apim-publish list --tag none
	[ "$output" = "ID  NAME  VERSION  CONTEXT  STATE  DEFAULT  PROVIDER" ]
	run -64 apim-publish list --state LIVE
	[ "${lines[0]}" = "apim-publish: unknown state 'LIVE' (CREATED, PROTOTYPED, PUBLISHED, BLOCKED, DEPRECATED, RETIRED)" ]
}

@test "show prints a readable block by id or NAME:VERSION" {
	id=$(pet --tiers Gold)
	apim-publish scope add read
	apim-publish resource add PetStore:1.0.0 GET /pets --scope read
	run -0 apim-publish show "$id"
	[ "${lines[0]}" = "id:          $id" ]
	[ "${lines[1]}" = "name:        PetStore" ]
	[ "${lines[5]}" = "state:       CREATED" ]
	[ "${lines[9]}" = "tiers:       Gold" ]
	[ "${lines[20]}" = "resources:" ]
	[ "${lines[22]}" = "GET   /pets     default  -     read" ]
	run -0 apim-publish show PetStore:1.0.0
	[ "${lines[0]}" = "id:          $id" ]
}

@test "show prints the credential headers, the gateway's defaults marked, and resets them" {
	pet >/dev/null
	run -0 apim-publish show PetStore:1.0.0
	[ "${lines[11]}" = "auth:        oauth2" ]
	[ "${lines[12]}" = "auth header: Authorization (default)" ]
	[ "${lines[13]}" = "key header:  apikey (default)" ]
	[ "${lines[14]}" = "visibility:  public" ]
	[[ $output != *cors:* ]]
	run -0 apim-publish update PetStore:1.0.0 --auth-header X-Token \
	    --api-key-header X-API-Key
	run -0 apim-publish show PetStore:1.0.0
	[ "${lines[12]}" = "auth header: X-Token" ]
	[ "${lines[13]}" = "key header:  X-API-Key" ]
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -c '[.authorizationHeader, .apiKeyHeader]' <<<"$output")" = \
	    '["X-Token","X-API-Key"]' ]
	run -0 apim-publish update PetStore:1.0.0 --api-key-header ''
	run -0 apim-publish show PetStore:1.0.0
	[ "${lines[12]}" = "auth header: X-Token" ]
	[ "${lines[13]}" = "key header:  apikey (default)" ]
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -c '[.authorizationHeader, has("apiKeyHeader")]' <<<"$output")" = \
	    '["X-Token",false]' ]
}

@test "show prints a cors line for an API with its own corsConfiguration" {
	cors() {	# cors N X-WSO2-CORS: import API CN:1 with that x-wso2-cors
		jq -n --arg n "C$1" --argjson c "$2" '{openapi: "3.0.3",
		    info: {title: $n, version: "1"}, "x-wso2-basePath": "/\($n)",
		    "x-wso2-production-endpoints": {urls: ["http://127.0.0.1:9000"]},
		    "x-wso2-cors": $c, paths: {}}' > "$BATS_TEST_TMPDIR/c.json"
		apim-publish import "$BATS_TEST_TMPDIR/c.json" >/dev/null
	}
	cors 1 '{"corsConfigurationEnabled": true,
	    "accessControlAllowOrigins": ["https://a.example", "https://b.example"]}'
	cors 2 '{"corsConfigurationEnabled": false,
	    "accessControlAllowOrigins": ["https://a.example"]}'
	cors 3 '{"accessControlAllowCredentials": true}'
	cors 4 '{"corsConfigurationEnabled": true, "accessControlAllowOrigins": []}'
	run -0 apim-publish show C1:1
	[ "${lines[14]}" = "cors:        enabled, origins https://a.example, https://b.example" ]
	[ "${lines[15]}" = "visibility:  public" ]
	run -0 apim-publish show C2:1
	[ "${lines[14]}" = "cors:        disabled" ]
	run -0 apim-publish show C3:1
	[ "${lines[14]}" = "cors:        enabled (default), origins * (default)" ]
	APIM_CORS=off run -0 apim-publish show C3:1
	[ "${lines[14]}" = "cors:        disabled (default)" ]
	APIM_CORS_ALLOW_ORIGINS=https://c.example run -0 apim-publish show C3:1
	[ "${lines[14]}" = "cors:        enabled (default), origins https://c.example (default)" ]
	run -0 apim-publish show C4:1
	[ "${lines[14]}" = "cors:        enabled, origins none" ]
	run -0 apim-publish show --json C1:1
	[ "$(jq -c .corsConfiguration <<<"$output")" = \
	    '{"corsConfigurationEnabled":true,"accessControlAllowOrigins":["https://a.example","https://b.example"]}' ]
}

@test "import refuses an x-wso2-cors the store would not keep, naming the field" {
	doc() {
		jq -n --argjson c "$1" '{openapi: "3.0.3", info: {title: "C", version: "1"},
		    "x-wso2-basePath": "/c", "x-other": 1,
		    "x-wso2-production-endpoints": {urls: ["http://127.0.0.1:9000"]},
		    "x-wso2-cors": $c, paths: {}}' > "$BATS_TEST_TMPDIR/c.json"
	}
	before=$(db_dump)
	doc '{"a": {"$ref": "#/x-other"}}'
	run -65 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	[[ "$output" == *"x-wso2-cors': unknown corsConfiguration field 'a'"* ]]
	doc '{"corsConfigurationEnabled": "yes"}'
	run -65 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	[[ "$output" == *"corsConfiguration.corsConfigurationEnabled must be true or false"* ]]
	doc '["x"]'
	run -65 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	[[ "$output" == *"'corsConfiguration' must be an object"* ]]
	[ "$(db_dump)" = "$before" ]
	doc '{"corsConfigurationEnabled": false}'
	run -0 apim-publish import "$BATS_TEST_TMPDIR/c.json"
}

@test "an unknown API is exit 1 for every command that takes one" {
	pet >/dev/null
	before=$(db_dump)
	for c in "show" "update --description x" "delete" "resource list" "history" \
	    "doc list" "resource add GET /x" "resource delete GET /x" "lifecycle publish" \
	    "version 2" "doc show x" "doc delete x" "doc add --name n --type OTHER --inline t"; do
		read -r c1 c2 rest <<<"$c"
		if [ "$c1" = resource ] || [ "$c1" = doc ]; then
			run -1 apim-publish $c1 $c2 Nope:1 $rest
		else
			run -1 apim-publish $c1 Nope:1 $c2 $rest
		fi
		[ "$output" = "apim-publish: no API 'Nope:1'" ]
	done
	run -1 apim-publish show 00000000-0000-4000-8000-000000000000
	[ "$output" = "apim-publish: no API '00000000-0000-4000-8000-000000000000'" ]
	run -1 apim-publish show PetStore
	[ "$output" = "apim-publish: no API 'PetStore'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "commands with missing arguments are usage errors" {
	run -64 apim-publish show
	[ "${lines[0]}" = "apim-publish: missing argument" ]
	[ "${lines[1]}" = "usage: apim-publish show API" ]
	run -64 apim-publish resource add PetStore:1.0.0 GET
	run -64 apim-publish lifecycle PetStore:1.0.0
	run -64 apim-publish version PetStore:1.0.0
	run -64 apim-publish doc show PetStore:1.0.0
	run -64 apim-publish frobnicate
	[ "${lines[0]}" = "apim-publish: unknown command 'frobnicate'" ]
}

# ---- update ----

@test "update changes the given fields only" {
	pet --sandbox-endpoint http://sb --tag a >/dev/null
	t0=$(apim-publish show --json PetStore:1.0.0 | jq -r .lastUpdatedTime)
	sleep 0.01
	run -0 apim-publish update PetStore:1.0.0 --description "New words" --tiers Bronze \
	    --endpoint https://new.example --tag b --tag c
	run -0 apim-publish show --json PetStore:1.0.0
	o=$output
	[ "$(jq -r .description <<<"$o")" = "New words" ]
	[ "$(jq -c .policies <<<"$o")" = '["Bronze"]' ]
	[ "$(jq -c .tags <<<"$o")" = '["b","c"]' ]
	[ "$(jq -r .endpointConfig.production_endpoints.url <<<"$o")" = https://new.example ]
	[ "$(jq -r .endpointConfig.sandbox_endpoints.url <<<"$o")" = http://sb ]
	[ "$(jq -r .lastUpdatedTime <<<"$o")" != "$t0" ]
	run -0 apim-publish update PetStore:1.0.0 --sandbox-endpoint ''
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -r '.endpointConfig | has("sandbox_endpoints")' <<<"$output")" = false ]
	apim-publish update PetStore:1.0.0 --visibility restricted --roles admin
	apim-publish update PetStore:1.0.0 --visibility public
	run -0 apim-publish show --json PetStore:1.0.0
	[ "$(jq -c '[.visibility, .visibleRoles]' <<<"$output")" = '["PUBLIC",[]]' ]
}

@test "update refuses nothing to change, fixed fields and bad values" {
	pet >/dev/null
	apim-publish create --name Zoo --context /zoo --version 1 --endpoint http://z >/dev/null
	before=$(db_dump)
	run -64 apim-publish update PetStore:1.0.0
	[ "${lines[0]}" = "apim-publish: nothing to change" ]
	[ "${lines[1]}" = "usage: apim-publish update API --FIELD VALUE..." ]
	run -65 apim-publish update PetStore:1.0.0 --context /zoo
	[ "$output" = "apim-publish: the context of API 'PetStore:1.0.0' cannot change; use 'version' for a new version" ]
	run -65 apim-publish update PetStore:1.0.0 --name Cat
	run -65 apim-publish update PetStore:1.0.0 --visibility restricted
	[ "$output" = "apim-publish: visibility restricted needs roles" ]
	run -65 apim-publish update PetStore:1.0.0 --endpoint nope
	run -64 apim-publish update PetStore:1.0.0 --force
	[ "$(db_dump)" = "$before" ]
	run -0 apim-publish update PetStore:1.0.0 --name PetStore --description same-name-is-fine
}

# ---- delete ----

@test "delete removes an API and everything under it" {
	pet >/dev/null
	apim-publish scope add s
	apim-publish resource add PetStore:1.0.0 GET /pets --scope s
	apim-publish doc add PetStore:1.0.0 --name d --type OTHER --inline x
	run -0 apim-publish delete PetStore:1.0.0
	[ "$output" = "" ]
	run -1 apim-publish show PetStore:1.0.0
	for t in api api_tier api_tag resource resource_scope doc lifecycle; do
		[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM $t")" = 0 ]
	done
}

@test "delete is refused while subscriptions exist, unless --force" {
	id=$(pet)
	subscribe app1 "$id"
	subscribe app2 "$id"
	before=$(db_dump)
	run -1 apim-publish delete PetStore:1.0.0
	[ "$output" = "apim-publish: API 'PetStore:1.0.0' has 2 subscriptions; use --force" ]
	[ "$(db_dump)" = "$before" ]
	run -0 apim-publish delete --force PetStore:1.0.0
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM subscription")" = 0 ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM api")" = 0 ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM application")" = 2 ]
}

# ---- resources ----

@test "resource add, list and delete" {
	pet >/dev/null
	apim-publish scope add read:pets
	apim-publish scope add admin
	run -0 apim-publish resource add PetStore:1.0.0 get /pets --scope read:pets --scope admin
	run -0 apim-publish resource add PetStore:1.0.0 POST /pets --auth api_key --tier Gold
	run -0 apim-publish resource add PetStore:1.0.0 delete '/pets/{petId}' --auth none
	run -0 apim-publish resource add PetStore:1.0.0 GET '/files/{name}.{ext}'
	run -0 apim-publish resource add PetStore:1.0.0 OPTIONS '/*'
	run -0 apim-publish resource list PetStore:1.0.0
	[ "$output" = "VERB     TEMPLATE             AUTH     TIER  SCOPES
OPTIONS  /*                   default  -     -
GET      /files/{name}.{ext}  default  -     -
GET      /pets                default  -     admin,read:pets
POST     /pets                api_key  Gold  -
DELETE   /pets/{petId}        none     -     -" ]
	run -0 apim-publish resource list --json PetStore:1.0.0
	[ "$(jq -c 'del(.id)' <<<"${lines[2]}")" = '{"target":"/pets","verb":"GET","authType":null,"throttlingPolicy":null,"scopes":["admin","read:pets"]}' ]
	run -0 apim-publish resource delete PetStore:1.0.0 post /pets
	run -0 apim-publish resource list --json PetStore:1.0.0
	[ "${#lines[@]}" -eq 4 ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM resource_scope")" = 2 ]
}

@test "resource add refuses a bad verb, a malformed template, a bad auth and duplicates" {
	pet >/dev/null
	apim-publish resource add PetStore:1.0.0 GET /pets
	before=$(db_dump)
	run -65 apim-publish resource add PetStore:1.0.0 FETCH /pets
	[ "$output" = "apim-publish: bad verb 'FETCH' (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE)" ]
	run -65 apim-publish resource add PetStore:1.0.0 GET pets
	[ "$output" = "apim-publish: malformed template 'pets': it must start with '/'" ]
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pets/{id'
	[ "$output" = "apim-publish: malformed template '/pets/{id': unclosed '{'" ]
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pets/{}'
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pets//x'
	[ "$output" = "apim-publish: malformed template '/pets//x': empty segment" ]
	run -65 apim-publish resource add PetStore:1.0.0 GET '/*/pets'
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pets*'
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pe ts'
	run -65 apim-publish resource add PetStore:1.0.0 GET '/pets/{a b}'
	run -65 apim-publish resource add PetStore:1.0.0 GET /x --auth basic
	[ "$output" = "apim-publish: bad auth type 'basic' (oauth2, api_key, none)" ]
	run -65 apim-publish resource add PetStore:1.0.0 get /pets
	[ "$output" = "apim-publish: duplicate resource 'GET /pets'" ]
	run -64 apim-publish resource add PetStore:1.0.0 GET /x --bogus
	[ "$(db_dump)" = "$before" ]
}

@test "resource delete of an absent resource is exit 1" {
	pet >/dev/null
	before=$(db_dump)
	run -1 apim-publish resource delete PetStore:1.0.0 GET /nothing
	[ "$output" = "apim-publish: no resource 'GET /nothing'" ]
	run -65 apim-publish resource delete PetStore:1.0.0 FETCH /nothing
	[ "$(db_dump)" = "$before" ]
}

# ---- lifecycle ----

@test "lifecycle follows WSO2's transitions exactly" {
	# state, then every action with the state it leads to ("-" = refused)
	local -a want acts=(publish prototype demote block deprecate republish retire)
	local state j n=0
	while read -r state -a want; do
		for j in 0 1 2 3 4 5 6; do
			n=$((n + 1))
			apim-publish create --name "T$n" --context "/t$n" --version 1 \
			    --endpoint http://a >/dev/null
			sqlite3 "$APIM_DB" "UPDATE api SET state = '$state' WHERE name = 'T$n'"
			if [ "${want[j]}" = - ]; then
				run -1 apim-publish lifecycle "T$n:1" "${acts[j]}"
				[[ $output == *"it is $state; allowed: "* ]]
			else
				run -0 apim-publish lifecycle "T$n:1" "${acts[j]}"
				[ "$output" = "${want[j]}" ]
			fi
			[ "$(sqlite3 "$APIM_DB" "SELECT state FROM api WHERE name = 'T$n'")" = \
			    "$([ "${want[j]}" = - ] && echo "$state" || echo "${want[j]}")" ]
		done
	done <<-EOF
	CREATED     PUBLISHED PROTOTYPED - - - - -
	PROTOTYPED  PUBLISHED PROTOTYPED CREATED - - - -
	PUBLISHED   PUBLISHED PROTOTYPED CREATED BLOCKED DEPRECATED - -
	BLOCKED     - - - - DEPRECATED PUBLISHED -
	DEPRECATED  - - - - - - RETIRED
	RETIRED     - - - - - - -
	EOF
}

@test "an illegal transition names the state and the allowed actions, and changes nothing" {
	pet >/dev/null
	before=$(db_dump)
	run -1 apim-publish lifecycle PetStore:1.0.0 retire
	[ "$output" = "apim-publish: cannot retire API 'PetStore:1.0.0': it is CREATED; allowed: publish, prototype" ]
	[ "$(db_dump)" = "$before" ]
	apim-publish lifecycle PetStore:1.0.0 publish
	apim-publish lifecycle PetStore:1.0.0 deprecate
	apim-publish lifecycle PetStore:1.0.0 retire
	before=$(db_dump)
	run -1 apim-publish lifecycle PetStore:1.0.0 publish
	[ "$output" = "apim-publish: cannot publish API 'PetStore:1.0.0': it is RETIRED; allowed: none" ]
	run -64 apim-publish lifecycle PetStore:1.0.0 launch
	[ "${lines[0]}" = "apim-publish: unknown action 'launch' (publish, prototype, demote, block, deprecate, republish, retire, or WSO2's 'Publish', 'Deploy as a Prototype', 'Demote to Created', 'Block', 'Deprecate', 'Re-Publish', 'Retire')" ]
	run -64 apim-publish lifecycle PetStore:1.0.0 block --require-resubscription
	[ "$(db_dump)" = "$before" ]
}

@test "history lists every change with actor and time" {
	pet >/dev/null
	apim-publish --as alice lifecycle PetStore:1.0.0 prototype >/dev/null
	apim-publish lifecycle PetStore:1.0.0 publish --as bob >/dev/null
	run -0 apim-publish history PetStore:1.0.0
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^TIME\ +ACTOR\ +ACTION\ +FROM\ +TO$ ]]
	[[ ${lines[1]} =~ ^20[-0-9]{8}T[0-9:.]+Z\ +tester\ +create\ +-\ +CREATED$ ]]
	[[ ${lines[2]} =~ Z\ +alice\ +prototype\ +CREATED\ +PROTOTYPED$ ]]
	[[ ${lines[3]} =~ Z\ +bob\ +publish\ +PROTOTYPED\ +PUBLISHED$ ]]
	run -0 apim-publish history --json PetStore:1.0.0
	[ "$(jq -sc 'map([.action, .previousState, .postState, .user])' <<<"$output")" = '[["create",null,"CREATED","tester"],["prototype","CREATED","PROTOTYPED","alice"],["publish","PROTOTYPED","PUBLISHED","bob"]]' ]
}

@test "publish --deprecate-old-versions deprecates the other published versions" {
	pet >/dev/null
	apim-publish lifecycle PetStore:1.0.0 publish >/dev/null
	apim-publish version PetStore:1.0.0 1.1.0 >/dev/null
	apim-publish lifecycle PetStore:1.1.0 publish >/dev/null
	apim-publish version PetStore:1.0.0 2.0.0 >/dev/null
	run -0 apim-publish lifecycle PetStore:2.0.0 publish --deprecate-old-versions
	[ "$output" = PUBLISHED ]
	run -0 apim-publish list --json
	[ "$(jq -sc 'map(.version + "=" + .lifeCycleStatus)' <<<"$output")" = '["1.0.0=DEPRECATED","1.1.0=DEPRECATED","2.0.0=PUBLISHED"]' ]
	run -0 apim-publish history --json PetStore:1.1.0
	[ "$(jq -sc 'map(.action)' <<<"$output")" = '["create","publish","deprecate"]' ]
}

@test "publishing a new version copies subscriptions unless --require-resubscription" {
	id=$(pet)
	apim-publish lifecycle PetStore:1.0.0 publish >/dev/null
	subscribe app1 "$id"
	subscribe app2 "$id"
	v2=$(apim-publish version PetStore:1.0.0 2.0.0)
	v3=$(apim-publish version PetStore:1.0.0 3.0.0)
	apim-publish lifecycle PetStore:2.0.0 publish >/dev/null
	[ "$(sqlite3 "$APIM_DB" "SELECT group_concat(app_id || ':' || tier || ':' || status) FROM (SELECT * FROM subscription WHERE api_id = '$v2' ORDER BY app_id)")" = "app1:Gold:UNBLOCKED,app2:Gold:UNBLOCKED" ]
	apim-publish lifecycle PetStore:3.0.0 publish --require-resubscription >/dev/null
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM subscription WHERE api_id = '$v3'")" = 0 ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM subscription")" = 4 ]
}

# ---- versions ----

@test "version copies resources, scopes, documents, tiers, tags and roles" {
	pet --tiers Gold,Silver --tag pets --visibility restricted --roles admin \
	    --policy 10KPerMin --description D >/dev/null
	apim-publish scope add read
	apim-publish resource add PetStore:1.0.0 GET /pets --scope read --tier Gold
	apim-publish resource add PetStore:1.0.0 POST /pets --auth api_key
	apim-publish doc add PetStore:1.0.0 --name Guide --type HOWTO --inline "How to"
	apim-publish lifecycle PetStore:1.0.0 publish >/dev/null
	run -0 apim-publish version PetStore:1.0.0 2.0.0
	[[ $output =~ $uuid_re ]]
	new=$output
	a=$(apim-publish show --json PetStore:1.0.0)
	b=$(apim-publish show --json "$new")
	strip='del(.id, .version, .lifeCycleStatus, .createdTime, .lastUpdatedTime)'
	[ "$(jq -c "$strip" <<<"$a")" = "$(jq -c "$strip" <<<"$b")" ]
	[ "$(jq -r .lifeCycleStatus <<<"$b")" = CREATED ]
	[ "$(jq -r .version <<<"$b")" = 2.0.0 ]
	run -0 apim-publish doc show PetStore:2.0.0 Guide
	[ "$output" = "How to" ]
	run -0 apim-publish history --json PetStore:2.0.0
	[ "$(jq -r .action <<<"$output")" = create ]
}

@test "version --default moves the default flag; a taken version is refused" {
	pet >/dev/null
	apim-publish version PetStore:1.0.0 2.0.0 --default >/dev/null
	apim-publish version PetStore:1.0.0 3.0.0 --default >/dev/null
	run -0 apim-publish list --json
	[ "$(jq -sc 'map(.version + "=" + (.isDefaultVersion|tostring))' <<<"$output")" = '["1.0.0=false","2.0.0=false","3.0.0=true"]' ]
	before=$(db_dump)
	run -65 apim-publish version PetStore:1.0.0 2.0.0
	[ "$output" = "apim-publish: API 'PetStore:2.0.0' already exists" ]
	run -65 apim-publish version PetStore:1.0.0 "2 0"
	[ "$output" = "apim-publish: version '2 0' may not contain spaces, ':' or '/'" ]
	[ "$(db_dump)" = "$before" ]
}

# ---- documents ----

@test "doc add inline, file and URL; list, show and delete" {
	pet >/dev/null
	printf '# Guide\nline two\n' > "$BATS_TEST_TMPDIR/guide.md"
	run -0 apim-publish doc add PetStore:1.0.0 --name Intro --type HOWTO --inline "Start here."
	run -0 apim-publish doc add PetStore:1.0.0 --name Guide --type SAMPLES --file "$BATS_TEST_TMPDIR/guide.md"
	run -0 apim-publish doc add PetStore:1.0.0 --name Forum --type PUBLIC_FORUM --url https://forum.example/pets
	run -0 apim-publish doc list PetStore:1.0.0
	[ "$output" = "NAME   TYPE          SOURCE  WHERE
Forum  PUBLIC_FORUM  URL     https://forum.example/pets
Guide  SAMPLES       FILE    guide.md
Intro  HOWTO         INLINE  -" ]
	run -0 apim-publish doc show PetStore:1.0.0 Intro
	[ "$output" = "Start here." ]
	run -0 apim-publish doc show PetStore:1.0.0 Guide
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/guide.md")" ]
	run -0 apim-publish doc show PetStore:1.0.0 Forum
	[ "$output" = "https://forum.example/pets" ]
	run -0 apim-publish doc show --json PetStore:1.0.0 Intro
	[ "$(jq -c '[.name, .type, .sourceType, .inlineContent]' <<<"$output")" = '["Intro","HOWTO","INLINE","Start here."]' ]
	run -0 apim-publish doc list --json PetStore:1.0.0
	[ "${#lines[@]}" -eq 3 ]
	run -0 apim-publish doc delete PetStore:1.0.0 Intro
	run -1 apim-publish doc show PetStore:1.0.0 Intro
	[ "$output" = "apim-publish: no document 'Intro'" ]
}

@test "doc add refuses bad input and changes nothing" {
	pet >/dev/null
	apim-publish doc add PetStore:1.0.0 --name Intro --type HOWTO --inline x
	before=$(db_dump)
	run -64 apim-publish doc add PetStore:1.0.0 --name N --type HOWTO
	[ "${lines[0]}" = "apim-publish: give one of --inline, --file or --url" ]
	run -64 apim-publish doc add PetStore:1.0.0 --name N --type HOWTO --inline a --url http://b
	run -64 apim-publish doc add PetStore:1.0.0 --type HOWTO --inline a
	[ "${lines[0]}" = "apim-publish: missing --name" ]
	run -64 apim-publish doc add PetStore:1.0.0 --name N --inline a
	[ "${lines[0]}" = "apim-publish: missing --type" ]
	run -65 apim-publish doc add PetStore:1.0.0 --name N --type GUIDE --inline a
	[ "$output" = "apim-publish: bad document type 'GUIDE' (HOWTO, SAMPLES, PUBLIC_FORUM, SUPPORT_FORUM, OTHER)" ]
	run -65 apim-publish doc add PetStore:1.0.0 --name N --type OTHER --url ftp://x
	[ "$output" = "apim-publish: document URL 'ftp://x' must be an http:// or https:// URL" ]
	run -65 apim-publish doc add PetStore:1.0.0 --name Intro --type OTHER --inline again
	[ "$output" = "apim-publish: document 'Intro' already exists" ]
	run -66 apim-publish doc add PetStore:1.0.0 --name N --type OTHER --file /nonexistent/f
	[ "$output" = "apim-publish: cannot open '/nonexistent/f': No such file or directory" ]
	run -1 apim-publish doc delete PetStore:1.0.0 Nothing
	[ "$output" = "apim-publish: no document 'Nothing'" ]
	[ "$(db_dump)" = "$before" ]
}

# ---- the JSON contract of lib/api.c (what import and export rely on) ----

api_json() {	# api_json NAME VERSION CONTEXT [EXTRA-JQ]
	jq -n --arg n "$1" --arg v "$2" --arg c "$3" '{name: $n, version: $v, context: $c,
	    endpointConfig: {production_endpoints: {url: "http://127.0.0.1:9000"}}} '"${4:-}"
}

@test "create from a full API object; get gives it back and re-creates the same API" {
	api_json PetStore 1.0.0 /pets '+ {description: "d", provider: "carol",
	    policies: ["Gold", "Bronze"], apiThrottlingPolicy: "10KPerMin", tags: ["t"],
	    visibility: "RESTRICTED", visibleRoles: ["admin"], securityScheme: ["api_key"],
	    isDefaultVersion: true,
	    endpointConfig: {production_endpoints: [{url: "https://p.example"}],
	                     sandbox_endpoints: {url: "https://s.example"}},
	    operations: [{target: "/pets", verb: "get", scopes: ["read"]},
	                 {target: "/pets/{id}", verb: "DELETE", authType: "oauth2",
	                  throttlingPolicy: "Gold", scopes: []},
	                 {target: "/*", verb: "OPTIONS", authType: "none"}]}' > "$BATS_TEST_TMPDIR/a.json"
	run -0 api-model create "$BATS_TEST_TMPDIR/a.json"
	run -0 api-model get PetStore:1.0.0
	a=$output
	[ "$(jq -c '[.provider, .visibility, .isDefaultVersion, .endpointConfig.production_endpoints.url, .securityScheme, .policies]' <<<"$a")" = '["carol","RESTRICTED",true,"https://p.example",["api_key"],["Gold","Bronze"]]' ]
	[ "$(jq -c '.operations | map([.verb, .target, .authType, .throttlingPolicy, .scopes])' <<<"$a")" = '[["OPTIONS","/*","none",null,[]],["GET","/pets",null,null,["read"]],["DELETE","/pets/{id}","oauth2","Gold",[]]]' ]
	jq '.version = "2.0.0"' <<<"$a" > "$BATS_TEST_TMPDIR/b.json"
	run -0 api-model create "$BATS_TEST_TMPDIR/b.json"
	b=$(api-model get PetStore:2.0.0)
	strip='del(.id, .version, .createdTime, .lastUpdatedTime)'
	[ "$(jq -c "$strip" <<<"$a")" = "$(jq -c "$strip" <<<"$b")" ]
	# isDefaultVersion moved to the new one
	[ "$(api-model get PetStore:1.0.0 | jq .isDefaultVersion)" = false ]
}

@test "a bad operation anywhere in the object stores nothing" {
	apim-publish list >/dev/null
	before=$(db_dump)
	api_json P 1 /p '+ {operations: [{target: "/a", verb: "GET"}, {target: "/b", verb: "GET"},
	    {target: "/a", verb: "get"}]}' > "$BATS_TEST_TMPDIR/a.json"
	run -65 api-model create "$BATS_TEST_TMPDIR/a.json"
	[ "$output" = "api-model: duplicate resource 'GET /a'" ]
	for bad in '{target: "/a", verb: "FETCH"}' '{verb: "GET"}' '{target: "a", verb: "GET"}' \
	    '{target: "/a", verb: "GET", scopes: "read"}' '{target: "/a", verb: "GET", authType: 3}' \
	    '"GET /a"'; do
		api_json P 1 /p "+ {operations: [$bad]}" > "$BATS_TEST_TMPDIR/a.json"
		run -65 api-model create "$BATS_TEST_TMPDIR/a.json"
	done
	for bad in '{policies: "Gold"}' '{policies: []}' '{tags: [1]}' '{securityScheme: []}' \
	    '{description: 5}' '{endpointConfig: {}}' '{name: null}' '{operations: {}}'; do
		api_json P 1 /p "+ $bad" > "$BATS_TEST_TMPDIR/a.json"
		run -65 api-model create "$BATS_TEST_TMPDIR/a.json"
	done
	run -65 api-model create <(echo '[1,2]')
	[ "$output" = "api-model: an API must be a JSON object" ]
	[ "$(db_dump)" = "$before" ]
}

@test "update with operations replaces the resources; a null sandbox removes it" {
	api_json P 1 /p '+ {endpointConfig: {production_endpoints: {url: "http://a"},
	    sandbox_endpoints: {url: "http://s"}}, operations: [{target: "/old", verb: "GET"}]}' \
	    > "$BATS_TEST_TMPDIR/a.json"
	api-model create "$BATS_TEST_TMPDIR/a.json" >/dev/null
	echo '{"operations": [{"target": "/new", "verb": "POST", "scopes": ["w"]}],
	    "endpointConfig": {"sandbox_endpoints": null}}' > "$BATS_TEST_TMPDIR/u.json"
	run -0 api-model update P:1 "$BATS_TEST_TMPDIR/u.json"
	o=$(api-model get P:1)
	[ "$(jq -c '[.operations, .endpointConfig]' <<<"$o")" = '[[{"target":"/new","verb":"POST","authType":null,"throttlingPolicy":null,"scopes":["w"]}],{"endpoint_type":"http","production_endpoints":{"url":"http://a"}}]' ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM resource_scope")" = 1 ]
}

@test "concurrent creates claiming one context: exactly one wins" {
	apim-publish list >/dev/null
	for k in 1 2 3 4 5 6 7 8; do
		apim-publish create --name "Api$k" --context /shared --version 1 \
		    --endpoint http://a > "$BATS_TEST_TMPDIR/out$k" 2>&1 &
	done
	wait
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM api WHERE context = '/shared'")" = 1 ]
	[ "$(grep -l "is used by API" "$BATS_TEST_TMPDIR"/out* | wc -l)" = 7 ]
}
