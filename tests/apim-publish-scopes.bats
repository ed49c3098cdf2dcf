#!/usr/bin/env bats
# apim-publish scope add|list|delete, and resource scopes that must name a
# defined scope (resource add, create from a document, import).  Every
# refusal: its message, its exit code, and the store unchanged (db_dump).
bats_require_minimum_version 1.5.0
load helper

pet() {
	apim-publish create --name PetStore --context /pets --version 1.0.0 \
	    --endpoint http://127.0.0.1:9000/v1 "$@"
}

# doc SCOPE...: an OpenAPI 3.0 document whose GET /pets names the scopes
# (apim's x-scope) and defines none.
doc() {
	jq -n --args '{openapi: "3.0.3", info: {title: "Doc", version: "1"},
	    servers: [{url: "http://127.0.0.1:9/doc"}],
	    paths: {"/pets": {get: {"x-scope": $ARGS.positional,
	    responses: {"200": {description: "ok"}}}}}}' "$@"
}

@test "scope add defines a scope with roles; list shows it; --json prints the scope" {
	run -0 apim-publish scope add pets:read --role reader --role Internal/admin \
	    --description "Read pets"
	[ "$output" = "" ]
	run -0 apim-publish --json scope add pets:write --role admin --shared
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c . <<<"$output")" = '{"name":"pets:write","displayName":null,"description":null,"bindings":["admin"],"shared":true}' ]
	run -0 apim-publish scope add open
	run -0 apim-publish scope list
	[ "$output" = "NAME        SHARED  ROLES                  DESCRIPTION
open        no      (any)                  -
pets:read   no      Internal/admin,reader  Read pets
pets:write  yes     admin                  -" ]
	run -0 apim-publish --json scope list
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -sc 'map([.name, .bindings, .shared])' <<<"$output")" = \
	    '[["open",[],false],["pets:read",["Internal/admin","reader"],false],["pets:write",["admin"],true]]' ]
	[ "$(sqlite3 "$APIM_DB" "SELECT scope || '=' || role FROM scope_role ORDER BY 1" | paste -sd' ')" = \
	    "pets:read=Internal/admin pets:read=reader pets:write=admin" ]
}

@test "scope add again redefines: roles and description are replaced" {
	apim-publish scope add s --role a --role b --description one
	run -0 apim-publish --json scope add s --role c --description two
	[ "$(jq -c '[.bindings, .description]' <<<"$output")" = '[["c"],"two"]' ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM scope")" = 1 ]
}

@test "scope add refuses bad names, roles and descriptions; nothing changes" {
	apim-publish scope add keep --role r
	before=$(db_dump)
	run -65 apim-publish scope add 'two words'
	[ "$output" = "apim-publish: scope name 'two words' may not contain spaces" ]
	run -65 apim-publish scope add s --role 'bad role'
	[ "$output" = "apim-publish: bad role 'bad role' (1-64 of A-Z a-z 0-9 . _ @ - /)" ]
	run -65 apim-publish scope add s --role /root
	[ "$output" = "apim-publish: bad role '/root' (1-64 of A-Z a-z 0-9 . _ @ - /)" ]
	run -65 apim-publish scope add s --description "$(printf 'a\033b')"
	[ "$output" = "apim-publish: invalid scope description 'a\x1bb': contains a control character" ]
	run -65 apim-publish scope add ''
	[ "$output" = "apim-publish: invalid scope name '': empty" ]
	run -64 apim-publish scope add
	[ "${lines[0]}" = "apim-publish: missing argument" ] || [[ ${lines[0]} == apim-publish:* ]]
	[ "$(db_dump)" = "$before" ]
}

@test "resource add: a scope must be defined; 65 names it and the defined ones, nothing changes" {
	pet >/dev/null
	before=$(db_dump)
	run -65 apim-publish resource add PetStore:1.0.0 get /pets --scope read
	[ "$output" = "apim-publish: resource 'GET /pets': scope 'read' is not defined (no scopes are defined; see 'apim-publish scope add')" ]
	[ "$(db_dump)" = "$before" ]
	apim-publish scope add write
	apim-publish scope add admin --role admin
	before=$(db_dump)
	run -65 apim-publish resource add PetStore:1.0.0 GET /pets --scope write --scope read
	[ "$output" = "apim-publish: resource 'GET /pets': scope 'read' is not defined (defined: admin, write)" ]
	[ "$(db_dump)" = "$before" ]
	run -0 apim-publish --json resource add PetStore:1.0.0 GET /pets --scope write --scope admin
	[ "$(jq -c .scopes <<<"$output")" = '["admin","write"]' ]
}

@test "import and create from a document: resource scopes must be defined there or in the store" {
	doc nope >"$BATS_TEST_TMPDIR/d.json"
	apim-publish scope add other
	before=$(db_dump)
	run -65 apim-publish import "$BATS_TEST_TMPDIR/d.json"
	[ "$output" = "apim-publish: resource 'GET /pets': scope 'nope' is not defined (defined: other)" ]
	[ "$(db_dump)" = "$before" ]
	run -65 apim-publish import - <"$BATS_TEST_TMPDIR/d.json"
	[ "$(db_dump)" = "$before" ]
	# defined in the store: accepted
	apim-publish scope add nope
	run -0 apim-publish --json import "$BATS_TEST_TMPDIR/d.json"
	[ "$(jq -c '.operations | map(.scopes)' <<<"$output")" = '[["nope"]]' ]
}

@test "import: scopes the document defines (securitySchemes flows) need no scope add" {
	run -0 apim-publish --json import "$FIXTURES/openapi/petstore-3.0.json"
	[ "$(jq -c '[.operations[].scopes[]] | unique' <<<"$output")" = '["read:pets","write:pets"]' ]
	run -0 apim-publish --json scope list
	[ "$(jq -sc 'map(.name)' <<<"$output")" = '["read:pets","write:pets"]' ]
}

@test "scope delete: refused while a resource uses it (exit 1), then deleted with its roles" {
	pet >/dev/null
	apim-publish scope add read --role r
	apim-publish resource add PetStore:1.0.0 GET /pets --scope read
	apim-publish resource add PetStore:1.0.0 GET /pets/{id} --scope read
	before=$(db_dump)
	run -1 apim-publish scope delete read
	[ "$output" = "apim-publish: scope 'read' is used by 2 resources: PetStore:1.0.0 GET /pets, PetStore:1.0.0 GET /pets/{id}" ]
	[ "$(db_dump)" = "$before" ]
	run -1 apim-publish scope delete nothing
	[ "$output" = "apim-publish: no scope 'nothing'" ]
	[ "$(db_dump)" = "$before" ]
	apim-publish resource delete PetStore:1.0.0 GET /pets
	apim-publish resource delete PetStore:1.0.0 GET /pets/{id}
	run -0 apim-publish --json scope delete read
	[ "$(jq -c '[.name, .bindings]' <<<"$output")" = '["read",["r"]]' ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM scope") $(sqlite3 "$APIM_DB" "SELECT count(*) FROM scope_role")" = "0 0" ]
	apim-publish scope add gone
	run -0 apim-publish scope delete gone
	[ "$output" = "" ]
}

@test "a scope is shared by several APIs and kept by version" {
	pet >/dev/null
	apim-publish create --name Shop --context /shop --version 1 --endpoint http://127.0.0.1:9/s >/dev/null
	apim-publish scope add shared --shared
	apim-publish resource add PetStore:1.0.0 GET /pets --scope shared
	apim-publish resource add Shop:1 GET /items --scope shared
	run -0 apim-publish --json version PetStore:1.0.0 2.0.0
	[ "$(jq -c '.operations | map(.scopes)' <<<"$output")" = '[["shared"]]' ]
	run -1 apim-publish scope delete shared
	[ "$output" = "apim-publish: scope 'shared' is used by 3 resources: PetStore:1.0.0 GET /pets, PetStore:2.0.0 GET /pets, Shop:1 GET /items" ]
}
