#!/usr/bin/env bats
# apim-publish-endpoints: endpoint lists in WSO2's endpointConfig shape
# (load_balance, failover; production and sandbox): create, show, update,
# version, and OpenAPI import/export.  A refused command leaves the store as it was.
bats_require_minimum_version 1.5.0
load helper

api() {	# api NAME [FLAGS...]: an API /NAME version 1
	local n=$1
	shift
	apim-publish create --name "$n" --context "/$n" --version 1 "$@"
}

ec() { apim-publish show --json "$1:1" | jq -c .endpointConfig; }

RR=org.apache.synapse.endpoints.algorithms.RoundRobin

@test "load_balance: production and sandbox lists, as WSO2 writes them" {
	run -0 api lb --endpoint http://a1:8080/v1 --endpoint https://a2/v1 \
	    --sandbox-endpoint http://s1 --sandbox-endpoint http://s2 --endpoint-type load_balance
	run -0 ec lb
	[ "$output" = '{"endpoint_type":"load_balance","algoCombo":"'$RR'","sessionManagement":"","sessionTimeOut":"","production_endpoints":[{"url":"http://a1:8080/v1"},{"url":"https://a2/v1"}],"sandbox_endpoints":[{"url":"http://s1"},{"url":"http://s2"}]}' ]
	run -0 bash -c "apim-publish show lb:1 | sed -n '/^endpoint/p;/^sandbox/p'"
	[ "$output" = "endpoints:   load_balance
endpoint:    http://a1:8080/v1
endpoint:    https://a2/v1
sandbox:     http://s1
sandbox:     http://s2" ]
}

@test "failover: the first URL is the primary, the rest failovers" {
	run -0 api fo --endpoint http://p --endpoint http://f1 --endpoint http://f2 \
	    --sandbox-endpoint http://sp --endpoint-type failover
	run -0 ec fo
	[ "$output" = '{"endpoint_type":"failover","production_endpoints":{"url":"http://p"},"production_failovers":[{"url":"http://f1"},{"url":"http://f2"}],"sandbox_endpoints":{"url":"http://sp"},"sandbox_failovers":[]}' ]
}

@test "one endpoint stays in the http shape" {
	run -0 api one --endpoint http://x/v1
	run -0 ec one
	[ "$output" = '{"endpoint_type":"http","production_endpoints":{"url":"http://x/v1"}}' ]
	run -0 api two --endpoint http://y --endpoint-type http
	run -0 ec two
	[ "$output" = '{"endpoint_type":"http","production_endpoints":{"url":"http://y"}}' ]
}

@test "bad lists are refused with 65 and the store is unchanged" {
	run -0 api keep --endpoint http://k
	before=$(db_dump)
	run -65 api x --endpoint http://a --endpoint http://b
	[ "$output" = "apim-publish: several endpoints need endpoint type load_balance or failover" ]
	run -65 api x --endpoint http://a --endpoint http://a --endpoint-type load_balance
	[ "$output" = "apim-publish: endpoint listed twice" ]
	run -65 api x --endpoint http://a --endpoint $'http://b/\r\nX-Inj: 1' --endpoint-type failover
	[ "$output" = "apim-publish: invalid endpoint 'http://b/\\x0d\\x0aX-Inj: 1': contains a control character" ]
	run -65 api x --endpoint http://a --endpoint http://b/../admin --endpoint-type failover
	[ "$output" = "apim-publish: invalid endpoint 'http://b/../admin': has a '.' or '..' path segment" ]
	run -65 api x --endpoint http://a --sandbox-endpoint http://s --sandbox-endpoint ftp://t --endpoint-type load_balance
	[[ "$output" == "apim-publish: invalid sandbox endpoint 'ftp://t'"* ]]
	run -65 api x --endpoint http://a --endpoint http://b --endpoint-type roundrobin
	[ "$output" = "apim-publish: endpoint_type must be http, load_balance or failover" ]
	run -65 api x --endpoint http://a --endpoint http://u:p@b --endpoint-type load_balance
	[[ "$output" == "apim-publish: invalid endpoint 'http://u:p@b'"* ]]
	{
		printf 'openapi: 3.0.1\ninfo: { title: many, version: "1" }\npaths: {}\n'
		printf 'x-wso2-production-endpoints:\n  type: load_balance\n  urls:\n'
		for i in $(seq 65); do printf '  - http://h%d\n' "$i"; done
	} >"$BATS_TEST_TMPDIR/many.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/many.yaml"
	[ "$output" = "apim-publish: too many endpoints (at most 64)" ]
	run -65 apim-publish update keep:1 --endpoint http://k --endpoint http://k2
	[ "$output" = "apim-publish: several endpoints need endpoint type load_balance or failover" ]
	[ "$(db_dump)" = "$before" ]
}

@test "update: a new type keeps the URLs; new URLs replace the list; an empty sandbox removes them all" {
	run -0 api u --endpoint http://p --endpoint http://f --sandbox-endpoint http://s \
	    --sandbox-endpoint http://t --endpoint-type failover
	run -0 apim-publish update u:1 --endpoint-type load_balance
	run -0 ec u
	[ "$output" = '{"endpoint_type":"load_balance","algoCombo":"'$RR'","sessionManagement":"","sessionTimeOut":"","production_endpoints":[{"url":"http://p"},{"url":"http://f"}],"sandbox_endpoints":[{"url":"http://s"},{"url":"http://t"}]}' ]
	run -0 apim-publish update u:1 --endpoint http://n1 --endpoint http://n2 --endpoint http://n3 --endpoint-type failover
	run -0 ec u
	[ "$output" = '{"endpoint_type":"failover","production_endpoints":{"url":"http://n1"},"production_failovers":[{"url":"http://n2"},{"url":"http://n3"}],"sandbox_endpoints":{"url":"http://s"},"sandbox_failovers":[{"url":"http://t"}]}' ]
	run -0 apim-publish update u:1 --sandbox-endpoint ''
	run -0 ec u
	[ "$output" = '{"endpoint_type":"failover","production_endpoints":{"url":"http://n1"},"production_failovers":[{"url":"http://n2"},{"url":"http://n3"}]}' ]
	# the primary URL is still in the api row for older readers
	run -0 sqlite3 "$APIM_DB" "SELECT endpoint, sandbox_endpoint IS NULL FROM api WHERE name = 'u'"
	[ "$output" = "http://n1|1" ]
}

@test "a new version keeps the lists" {
	run -0 api v --endpoint http://a --endpoint http://b --endpoint-type load_balance
	run -0 apim-publish version v:1 2
	run -0 bash -c "apim-publish show --json v:2 | jq -c '[.endpointConfig.endpoint_type, .endpointConfig.production_endpoints]'"
	[ "$output" = '["load_balance",[{"url":"http://a"},{"url":"http://b"}]]' ]
}

@test "an API stored before endpoint lists shows its single endpoints" {
	run -0 api old --endpoint http://o --sandbox-endpoint http://os
	sqlite3 "$APIM_DB" "UPDATE api SET endpoint_config = NULL"
	run -0 ec old
	[ "$output" = '{"endpoint_type":"http","production_endpoints":{"url":"http://o"},"sandbox_endpoints":{"url":"http://os"}}' ]
}

@test "export writes x-wso2-*-endpoints with urls and type; import reads them back" {
	run -0 api ex --endpoint http://p --endpoint http://f --sandbox-endpoint http://s \
	    --endpoint-type failover
	run -0 bash -c "apim-publish export ex:1 | jq -c '[.\"x-wso2-production-endpoints\", .\"x-wso2-sandbox-endpoints\", .servers]'"
	[ "$output" = '[{"urls":["http://p","http://f"],"type":"failover"},{"urls":["http://s"],"type":"failover"},[{"url":"http://p"}]]' ]
	apim-publish export ex:1 --format yaml |
	    sed 's#^x-wso2-basePath: /ex#x-wso2-basePath: /ex2#; s#^  title: ex#  title: ex2#' \
	    >"$BATS_TEST_TMPDIR/ex2.yaml"
	run -0 apim-publish import "$BATS_TEST_TMPDIR/ex2.yaml"
	[ "$(ec ex2)" = "$(ec ex)" ]
}

@test "import: WSO2 documents with load_balance, loadbalance and failover lists" {
	for t in load_balance loadbalance failover; do
		cat >"$BATS_TEST_TMPDIR/$t.yaml" <<-EOF
		openapi: 3.0.1
		info: { title: W$t, version: '1' }
		x-wso2-basePath: /w$t
		x-wso2-production-endpoints:
		  urls: [ 'http://b1:2380/v2', 'http://b2:2381/v2' ]
		  type: $t
		x-wso2-sandbox-endpoints:
		  urls: [ 'http://sb:2380/v2' ]
		  type: $t
		paths: {}
		EOF
		run -0 apim-publish import "$BATS_TEST_TMPDIR/$t.yaml"
	done
	run -0 ec Wload_balance
	[ "$output" = '{"endpoint_type":"load_balance","algoCombo":"'$RR'","sessionManagement":"","sessionTimeOut":"","production_endpoints":[{"url":"http://b1:2380/v2"},{"url":"http://b2:2381/v2"}],"sandbox_endpoints":[{"url":"http://sb:2380/v2"}]}' ]
	[ "$(ec Wloadbalance)" = "$output" ]
	run -0 ec Wfailover
	[ "$output" = '{"endpoint_type":"failover","production_endpoints":{"url":"http://b1:2380/v2"},"production_failovers":[{"url":"http://b2:2381/v2"}],"sandbox_endpoints":{"url":"http://sb:2380/v2"},"sandbox_failovers":[]}' ]
}

@test "import: flags replace the document's lists; bad types and URLs are refused" {
	cat >"$BATS_TEST_TMPDIR/d.yaml" <<-'EOF'
	openapi: 3.0.1
	info: { title: D, version: '1' }
	x-wso2-basePath: /d
	x-wso2-production-endpoints: { urls: [ 'http://d1', 'http://d2' ], type: load_balance }
	x-wso2-sandbox-endpoints: { urls: [ 'http://ds' ] }
	paths: {}
	EOF
	run -0 apim-publish import "$BATS_TEST_TMPDIR/d.yaml" --endpoint http://q1 \
	    --endpoint http://q2 --endpoint-type failover
	run -0 ec D
	[ "$output" = '{"endpoint_type":"failover","production_endpoints":{"url":"http://q1"},"production_failovers":[{"url":"http://q2"}],"sandbox_endpoints":{"url":"http://ds"},"sandbox_failovers":[]}' ]
	before=$(db_dump)
	sed 's/type: load_balance/type: roundrobin/; s#/d$#/e#; s/title: D/title: E/' \
	    "$BATS_TEST_TMPDIR/d.yaml" >"$BATS_TEST_TMPDIR/e.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/e.yaml"
	[[ "$output" == *"x-wso2-*-endpoints 'type' must be http, load_balance or failover"* ]]
	sed 's#http://d2#http://d 2#; s#/d$#/g#; s/title: D/title: G/' \
	    "$BATS_TEST_TMPDIR/d.yaml" >"$BATS_TEST_TMPDIR/g.yaml"
	run -65 apim-publish import "$BATS_TEST_TMPDIR/g.yaml"
	[ "$output" = "apim-publish: invalid endpoint 'http://d 2': contains a space" ]
	[ "$(db_dump)" = "$before" ]
}
