#!/usr/bin/env bats
# --json everywhere: every command that changes something prints the object
# made, changed or deleted as one JSON object on one line; without --json it
# prints only what apim-publish(1), apim-token(8) and apim-subscribe(1) say
# (a new id, kid or state, or nothing).  Names are WSO2's: tokenType OAUTH,
# lifecycle action labels, operation ids.
bats_require_minimum_version 1.5.0
load helper

pet() {
	apim-publish create --name PetStore --context /pets --version 1.0.0 \
	    --endpoint http://127.0.0.1:9000/v1 "$@"
}

# one_object: $output is exactly one line holding one JSON object
one_object() {
	[ "${#lines[@]}" -eq 1 ] || { echo "lines: ${#lines[@]}: $output" >&2; return 1; }
	[ "$(jq -s 'length == 1 and (.[0] | type) == "object"' <<<"$output")" = true ]
}

uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

@test "create, update, version and delete print the API under --json" {
	run -0 pet --json --tiers Gold
	one_object
	id=$(jq -r .id <<<"$output")
	[[ $id =~ $uuid_re ]]
	[ "$(jq -r '[.name, .version, .lifeCycleStatus, (.policies | join(","))] | join(" ")' <<<"$output")" = "PetStore 1.0.0 CREATED Gold" ]
	run -0 apim-publish --json update PetStore:1.0.0 --description D
	one_object
	[ "$(jq -r '[.id, .description] | join(" ")' <<<"$output")" = "$id D" ]
	run -0 apim-publish update PetStore:1.0.0 --description E
	[ "$output" = "" ]
	run -0 apim-publish --json version PetStore:1.0.0 2.0.0
	one_object
	[ "$(jq -r '[.version, .description, .lifeCycleStatus] | join(" ")' <<<"$output")" = "2.0.0 E CREATED" ]
	[ "$(jq -r .id <<<"$output")" != "$id" ]
	run -0 apim-publish version PetStore:1.0.0 3.0.0
	[[ $output =~ $uuid_re ]]
	run -0 apim-publish --json delete PetStore:2.0.0
	one_object
	[ "$(jq -r '[.name, .version] | join(":")' <<<"$output")" = PetStore:2.0.0 ]
	run -0 apim-publish delete PetStore:3.0.0
	[ "$output" = "" ]
	run -1 apim-publish show PetStore:2.0.0
}

@test "import prints the API under --json, its id without" {
	run -0 apim-publish --json import "$FIXTURES/openapi/petstore-3.0.json"
	one_object
	[ "$(jq -r '.operations | length > 0' <<<"$output")" = true ]
	[ "$(jq -r '[.operations[] | .id | test("^[0-9a-f]{8}-")] | all' <<<"$output")" = true ]
	apim-publish delete "$(jq -r .id <<<"$output")"
	run -0 apim-publish import "$FIXTURES/openapi/petstore-3.0.json"
	[[ $output =~ $uuid_re ]]
}

@test "resource add and delete, doc add and delete print the object under --json, nothing without" {
	pet >/dev/null
	apim-publish scope add read
	run -0 apim-publish --json resource add PetStore:1.0.0 get /pets --scope read --tier Gold
	one_object
	[ "$(jq -c 'del(.id)' <<<"$output")" = '{"target":"/pets","verb":"GET","authType":null,"throttlingPolicy":"Gold","scopes":["read"]}' ]
	[[ $(jq -r .id <<<"$output") =~ $uuid_re ]]
	run -0 apim-publish resource add PetStore:1.0.0 POST /pets
	[ "$output" = "" ]
	run -0 apim-publish --json resource delete PetStore:1.0.0 post /pets
	one_object
	[ "$(jq -r '.verb + " " + .target' <<<"$output")" = "POST /pets" ]
	run -0 apim-publish --json doc add PetStore:1.0.0 --name Guide --type HOWTO --inline "How to"
	one_object
	[ "$(jq -c '[.name, .type, .sourceType, (.documentId | type)]' <<<"$output")" = '["Guide","HOWTO","INLINE","string"]' ]
	run -0 apim-publish doc add PetStore:1.0.0 --name Site --type OTHER --url https://example.org/
	[ "$output" = "" ]
	run -0 apim-publish --json doc delete PetStore:1.0.0 Site
	one_object
	[ "$(jq -c '[.name, .sourceUrl]' <<<"$output")" = '["Site","https://example.org/"]' ]
	run -0 apim-publish doc delete PetStore:1.0.0 Guide
	[ "$output" = "" ]
}

@test "operation ids are stable across update, version, export and import" {
	pet >/dev/null
	apim-publish resource add PetStore:1.0.0 GET /pets
	apim-publish resource add PetStore:1.0.0 DELETE '/pets/{id}'
	a=$(apim-publish --json show PetStore:1.0.0 | jq -c '.operations | map([.verb, .target, .id])')
	[ "$(jq 'map(.[2]) | unique | length' <<<"$a")" = 2 ]
	run -0 apim-publish --json resource list PetStore:1.0.0
	[ "$(jq -sc 'map([.verb, .target, .id])' <<<"$output")" = "$a" ]
	apim-publish version PetStore:1.0.0 2.0.0 >/dev/null
	[ "$(apim-publish --json show PetStore:2.0.0 | jq -c '.operations | map([.verb, .target, .id])')" = "$a" ]
	apim-publish export PetStore:1.0.0 >"$BATS_TEST_TMPDIR/e.json"
	rm -f "$APIM_DB" "$APIM_DB-wal" "$APIM_DB-shm"
	apim-publish import "$BATS_TEST_TMPDIR/e.json" >/dev/null
	[ "$(apim-publish --json show PetStore:1.0.0 | jq -c '.operations | map([.verb, .target, .id])')" = "$a" ]
}

@test "lifecycle: WSO2's labels in any case next to apim's verbs; --json is the state change" {
	pet >/dev/null
	run -0 apim-publish lifecycle PetStore:1.0.0 'deploy as a prototype'
	[ "$output" = PROTOTYPED ]
	run -0 apim-publish --json lifecycle PetStore:1.0.0 Publish
	one_object
	[ "$(jq -c '[.action, .previousState, .postState, .user, .lifecycleState.state]' <<<"$output")" = '["publish","PROTOTYPED","PUBLISHED","tester","PUBLISHED"]' ]
	[ "$(jq -c '.lifecycleState.availableTransitions | map(.event)' <<<"$output")" = '["Block","Deploy as a Prototype","Demote to Created","Deprecate","Publish"]' ]
	run -0 apim-publish lifecycle PetStore:1.0.0 BLOCK
	[ "$output" = BLOCKED ]
	run -0 apim-publish lifecycle PetStore:1.0.0 re-publish
	[ "$output" = PUBLISHED ]
	run -0 apim-publish lifecycle PetStore:1.0.0 'Demote to Created'
	[ "$output" = CREATED ]
	run -0 apim-publish lifecycle PetStore:1.0.0 PUBLISH
	run -0 apim-publish lifecycle PetStore:1.0.0 Deprecate
	run -0 apim-publish --json lifecycle PetStore:1.0.0 retire
	[ "$(jq -c '.lifecycleState' <<<"$output")" = '{"state":"RETIRED","availableTransitions":[]}' ]
	run -0 apim-publish --json history PetStore:1.0.0
	[ "$(jq -sc 'map(.action)' <<<"$output")" = '["create","prototype","publish","block","republish","demote","publish","deprecate","retire"]' ]
	before=$(db_dump)
	run -64 apim-publish lifecycle PetStore:1.0.0 'Deploy as Prototype'
	[[ ${lines[0]} == "apim-publish: unknown action 'Deploy as Prototype' (publish, "* ]]
	[ "$(db_dump)" = "$before" ]
}

@test "scope add and delete print the scope under --json, nothing without" {
	run -0 apim-publish --json scope add s --role r --description d
	one_object
	[ "$(jq -c . <<<"$output")" = '{"name":"s","displayName":null,"description":"d","bindings":["r"],"shared":false}' ]
	run -0 apim-publish scope add t
	[ "$output" = "" ]
	run -0 apim-publish --json scope delete s
	one_object
	[ "$(jq -r .name <<<"$output")" = s ]
	run -0 apim-publish scope delete t
	[ "$output" = "" ]
}

@test "apim-token keys generate and rotate print the key under --json, its kid without" {
	run -0 apim-token --json keys generate --alg ES256
	one_object
	[ "$(jq -c '[.alg, .state, (.kid | type), (.created | test("^20[0-9-]+T"))]' <<<"$output")" = '["ES256","active","string",true]' ]
	k1=$(jq -r .kid <<<"$output")
	run -0 apim-token --json keys rotate
	one_object
	[ "$(jq -r .state <<<"$output")" = active ]
	[ "$(jq -r .kid <<<"$output")" != "$k1" ]
	run -0 apim-token keys rotate --alg EdDSA
	[ "${#lines[@]}" -eq 1 ]
	[ "$(apim-token --json keys list | jq -r --arg k "$output" 'select(.kid == $k) | .alg')" = EdDSA ]
	run -0 apim-token --json keys retire "$k1"
	one_object
	[ "$(jq -r '.kid + " " + .state' <<<"$output")" = "$k1 retired" ]
}

@test "apim-token user add and del print the user under --json, nothing without" {
	run -0 sh -c 'printf "pw\n" | apim-token --json user add ann --password-stdin --role admin --role Internal/subscriber'
	one_object
	[ "$(jq -c '[.name, .roles]' <<<"$output")" = '["ann",["Internal/subscriber","admin"]]' ]
	[ "$(jq -r 'has("password") or has("password_hash")' <<<"$output")" = false ]
	run -0 sh -c 'printf "pw\n" | apim-token user add ben --password-stdin'
	[ "$output" = "" ]
	run -0 sh -c 'printf "new\n" | apim-token --json user passwd ann --password-stdin'
	one_object
	[ "$(jq -r .name <<<"$output")" = ann ]
	run -0 sh -c 'printf "new\n" | apim-token user passwd ben --password-stdin'
	[ "$output" = "" ]
	run -0 apim-token --json user del ann
	one_object
	[ "$(jq -r .name <<<"$output")" = ann ]
	run -0 apim-token user del ben
	[ "$output" = "" ]
}

@test "applications: tokenType OAUTH (oauth and opaque accepted in any case), JWT" {
	run -0 apim-subscribe --json app create a1 --token-type OAUTH
	one_object
	[ "$(jq -r .tokenType <<<"$output")" = OAUTH ]
	run -0 apim-subscribe --json app create a2 --token-type opaque
	[ "$(jq -r .tokenType <<<"$output")" = OAUTH ]
	[ "$(sqlite3 "$APIM_DB" "SELECT group_concat(token_type) FROM application")" = opaque,opaque ]
	run -0 apim-subscribe --json app update a2 --token-type jwt
	one_object
	[ "$(jq -r .tokenType <<<"$output")" = JWT ]
	before=$(db_dump)
	run -64 apim-subscribe app create a3 --token-type saml
	[ "${lines[0]}" = "apim-subscribe: token type must be jwt or oauth (opaque), not 'saml'" ]
	[ "$(db_dump)" = "$before" ]
}
