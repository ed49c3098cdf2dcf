#!/usr/bin/env bats
# apim-publish import DIR / export --project DIR: WSO2 API Manager 4.x apictl
# API projects (api.yaml, Definitions/swagger.yaml, deployment_environments.yaml,
# Docs/NAME/document.yaml and its inline content).
bats_require_minimum_version 1.5.0
load helper

PROJ=$FIXTURES/openapi/apictl/PizzaShackAPI-1.0.0

show() {
	apim-publish show --json "$1" | jq -S 'del(.id, .createdTime, .lastUpdatedTime)'
}

@test "an apictl project imports: api.yaml over its definition, documents" {
	run -0 apim-publish import "$PROJ"
	run -0 apim-publish show --json PizzaShackAPI:1.0.0
	o=$output
	# api.yaml's context and description win over the definition's
	[ "$(jq -r .context <<<"$o")" = /pizzashack ]
	[ "$(jq -r .description <<<"$o")" = "This is a simple API for Pizza Shack online pizza delivery store." ]
	[ "$(jq -c .tags <<<"$o")" = '["pizza"]' ]
	[ "$(jq -c .securityScheme <<<"$o")" = '["oauth2"]' ]
	[ "$(jq -r .authorizationHeader <<<"$o")" = Authorization ]
	[ "$(jq -c .transport <<<"$o")" = '["http","https"]' ]
	[ "$(jq -r .corsConfiguration.accessControlAllowMethods[5] <<<"$o")" = OPTIONS ]
	[ "$(jq -r '.scopes[0].scope | "\(.name) \(.bindings | join(","))"' <<<"$o")" = \
	    "order_write Internal/subscriber,admin" ]
	[ "$(jq -r '.operations[] | "\(.verb) \(.target) \(.throttlingPolicy) \(.scopes | join(","))"' <<<"$o")" = \
"GET /menu Unlimited 
POST /order Unlimited order_write
GET /order/{orderId} Unlimited " ]
	run -0 apim-publish doc show PizzaShackAPI:1.0.0 Ordering
	[ "$output" = "POST /order with a pizzaType and a quantity." ]
}

@test "export --project writes a project that re-imports identically" {
	run -0 apim-publish import "$PROJ"
	run -0 apim-publish export PizzaShackAPI:1.0.0 --project "$BATS_TEST_TMPDIR/out"
	[ -f "$BATS_TEST_TMPDIR/out/api.yaml" ]
	[ -f "$BATS_TEST_TMPDIR/out/Definitions/swagger.yaml" ]
	[ -f "$BATS_TEST_TMPDIR/out/deployment_environments.yaml" ]
	[ -f "$BATS_TEST_TMPDIR/out/Docs/Ordering/document.yaml" ]
	run -0 yml-conv "$BATS_TEST_TMPDIR/out/api.yaml"
	[ "$(jq -r '"\(.type) \(.data.name) \(.data.version) \(.data.type)"' <<<"$output")" = "api PizzaShackAPI 1.0.0 HTTP" ]
	[ "$(jq -r '.data.operations[0].authType' <<<"$output")" = "Application & Application User" ]
	run -0 yml-conv "$BATS_TEST_TMPDIR/out/Definitions/swagger.yaml"
	[ "$(jq -r '.paths["/order"].post.requestBody.content["application/json"].schema["$ref"]' <<<"$output")" = \
	    "#/components/schemas/Order" ]
	show PizzaShackAPI:1.0.0 > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete PizzaShackAPI:1.0.0
	run -0 apim-publish import "$BATS_TEST_TMPDIR/out"
	show PizzaShackAPI:1.0.0 > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
	run -0 apim-publish doc show PizzaShackAPI:1.0.0 Ordering
	[ "$output" = "POST /order with a pizzaType and a quantity." ]
}

@test "a directory without api.yaml is refused, store unchanged" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	run -0 apim-publish create --name Keep --context /keep --version 1 --endpoint https://k.example/
	before=$(db_dump)
	run -66 apim-publish import "$BATS_TEST_TMPDIR/empty"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/empty': not an apictl API project (no api.yaml)" ]
	[ "$(db_dump)" = "$before" ]
}

@test "a project whose api.yaml is not an API, or has no definition, is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/p"
	printf 'type: document\ndata: {name: x}\n' > "$BATS_TEST_TMPDIR/p/api.yaml"
	run -0 apim-publish create --name Keep --context /keep --version 1 --endpoint https://k.example/
	before=$(db_dump)
	run -65 apim-publish import "$BATS_TEST_TMPDIR/p"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/p/api.yaml': not a WSO2 API project file (want type: api and a data mapping)" ]
	printf 'type: api\nversion: v4.2.0\ndata: {name: x}\n' > "$BATS_TEST_TMPDIR/p/api.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/p"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/p': no Definitions/swagger.yaml" ]
	[ "$(db_dump)" = "$before" ]
}

@test "a project with a bad document is refused whole, store unchanged" {
	cp -r "$PROJ" "$BATS_TEST_TMPDIR/p"
	run -0 apim-publish create --name Keep --context /keep --version 1 --endpoint https://k.example/
	mkdir "$BATS_TEST_TMPDIR/p/Docs/Bad"
	printf 'type: document\nversion: v4.2.0\ndata:\n  name: Bad\n  type: NOPE\n  sourceType: INLINE\n' \
	    > "$BATS_TEST_TMPDIR/p/Docs/Bad/document.yaml"
	before=$(db_dump)
	run -65 apim-publish import "$BATS_TEST_TMPDIR/p"
	[ "$output" = "apim-publish: '$BATS_TEST_TMPDIR/p': document 'Bad': bad document type 'NOPE' (HOWTO, SAMPLES, PUBLIC_FORUM, SUPPORT_FORUM, OTHER)" ]
	[ "$(db_dump)" = "$before" ]
}
