#!/usr/bin/env bats
# apim-publish round trips of a large real document (issue 11, "Done
# means"): Kubernetes' own Swagger 2.0 (3.9 MB, 562 paths, 1,123 operations,
# 771 definitions), imported, exported as JSON, YAML and OpenAPI 3.0, and
# imported again; every operation counted against the document with jq.
bats_require_minimum_version 1.5.0
load helper

K8S=$FIXTURES/openapi/kubernetes-swagger-2.0.json
REF=Kubernetes:unversioned
URL=https://k8s.example/

# A document as canonical JSON without apim's own x-apim-* extensions and
# without the x-wso2-production-endpoints that --endpoint adds (Kubernetes'
# document has no host: every cluster has its own).
canon() {
	jq -S 'walk(if type == "object" then with_entries(select(.key |
	    startswith("x-apim-") | not)) else . end) |
	    del(."x-wso2-production-endpoints")' "$1"
}

show() {
	apim-publish show --json "$1" | jq -S 'del(.id, .createdTime, .lastUpdatedTime)'
}

# "VERB /path" of every operation in the document, computed with jq alone
doc_ops() {
	jq -r '.paths | to_entries[] | .key as $p | .value | keys[] |
	    select(IN("get", "put", "post", "delete", "options", "head",
	    "patch", "trace")) | "\(ascii_upcase) \($p)"' "$1" | LC_ALL=C sort
}

import_k8s() {
	run -0 apim-publish import "$K8S" --endpoint "$URL"
}

@test "Kubernetes Swagger 2.0 (3.9 MB): the fixture is the document as published" {
	run -0 jq -r '"\(.swagger) \(.info.title) \(.info.version) \(.paths | length) \(.definitions | length)"' "$K8S"
	[ "$output" = "2.0 Kubernetes unversioned 562 771" ]
	[ "$(wc -c < "$K8S")" -eq 4108807 ]
}

@test "Kubernetes Swagger 2.0: refused without an endpoint, the store unchanged" {
	run -0 apim-publish create --name Keep --context /keep --version 1 --endpoint https://k.example/
	before=$(db_dump)
	run -65 apim-publish import "$K8S"
	[ "$output" = "apim-publish: '$K8S': no endpoint: the document has no x-wso2-production-endpoints, absolute server URL or host; give --endpoint URL" ]
	[ "$(db_dump)" = "$before" ]
}

@test "Kubernetes Swagger 2.0: every operation is imported (1,123, counted with jq)" {
	import_k8s
	doc_ops "$K8S" > "$BATS_TEST_TMPDIR/d"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/d")" -eq 1123 ]
	run -0 apim-publish show --json "$REF"
	jq -r '.operations[] | "\(.verb) \(.target)"' <<<"$output" | LC_ALL=C sort > "$BATS_TEST_TMPDIR/s"
	run diff "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$APIM_DB" 'SELECT count(*) FROM resource')" -eq 1123 ]
	# head and options are operations too (6 of each in this document)
	run -0 apim-publish show --json "$REF"
	[ "$(jq -c '[.operations[].verb] | group_by(.) | map({(.[0]): length}) | add' <<<"$output")" = \
	    '{"DELETE":179,"GET":551,"HEAD":6,"OPTIONS":6,"PATCH":137,"POST":106,"PUT":138}' ]
	# the document's apiKey scheme (BearerToken) secures the API
	[ "$(jq -c .securityScheme <<<"$output")" = '["api_key"]' ]
}

@test "Kubernetes Swagger 2.0: JSON export equals the original; its re-import shows the same API" {
	import_k8s
	apim-publish export "$REF" > "$BATS_TEST_TMPDIR/e.json"
	# the one addition: the endpoint given on import
	run -0 jq -c '."x-wso2-production-endpoints"' "$BATS_TEST_TMPDIR/e.json"
	[ "$output" = '{"urls":["https://k8s.example/"],"type":"http"}' ]
	canon "$K8S" > "$BATS_TEST_TMPDIR/a"
	canon "$BATS_TEST_TMPDIR/e.json" > "$BATS_TEST_TMPDIR/b"
	run cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(jq '.definitions | length' "$BATS_TEST_TMPDIR/e.json")" -eq 771 ]
	show "$REF" > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete "$REF"
	# no flags now: the export carries its endpoint
	run -0 apim-publish import "$BATS_TEST_TMPDIR/e.json"
	show "$REF" > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "Kubernetes Swagger 2.0: YAML export equals the original; its re-import shows the same API" {
	import_k8s
	apim-publish export "$REF" --format yaml > "$BATS_TEST_TMPDIR/e.yaml"
	run -0 head -c 1 "$BATS_TEST_TMPDIR/e.yaml"
	[ "$output" != "{" ]
	yml-conv "$BATS_TEST_TMPDIR/e.yaml" > "$BATS_TEST_TMPDIR/e.json"
	canon "$K8S" > "$BATS_TEST_TMPDIR/a"
	canon "$BATS_TEST_TMPDIR/e.json" > "$BATS_TEST_TMPDIR/b"
	run cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	show "$REF" > "$BATS_TEST_TMPDIR/s1"
	run -0 apim-publish delete "$REF"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/e.yaml"
	show "$REF" > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "Kubernetes Swagger 2.0 as OpenAPI 3.0: references rewritten, the same API back" {
	import_k8s
	show "$REF" > "$BATS_TEST_TMPDIR/s1"
	apim-publish export "$REF" --oas 3.0 > "$BATS_TEST_TMPDIR/c.json"
	# no host in the original, so no servers: the endpoint stays WSO2's
	run -0 jq -c '[.openapi, .servers, (.components.schemas | length), (.paths | length),
	    ."x-wso2-production-endpoints".urls]' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = '["3.0.3",null,771,562,["https://k8s.example/"]]' ]
	run grep -c '#/definitions' "$BATS_TEST_TMPDIR/c.json"
	[ "$output" = 0 ]
	run -0 apim-publish delete "$REF"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/c.json"
	show "$REF" > "$BATS_TEST_TMPDIR/s2"
	run diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 0 ]
}

@test "export to a full disk: exit 74 and one message, JSON or YAML, small or large" {
	import_k8s
	run -0 apim-publish import "$FIXTURES/openapi/petstore-3.0.json"
	for ref in "$REF" SwaggerPetstore:1.0.0; do
		for f in json yaml; do
			run -74 sh -c 'apim-publish export "$1" --format "$2" > /dev/full' \
			    sh "$ref" "$f"
			[ "$output" = "apim-publish: cannot write the document" ]
		done
	done
}
