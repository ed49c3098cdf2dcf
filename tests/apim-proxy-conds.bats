#!/usr/bin/env bats
# apim-proxy-conds.bats: an API policy's conditional groups on the request's
# headers and query, end to end through apim-proxy (which hands the
# throttle the request's own header arrays and raw query string).
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

# codes N URL [curl args]: the statuses of N requests, space-separated.
codes() {
	local n=$1 url=$2 i out=
	shift 2
	for i in $(seq "$n"); do
		out="$out $(curl -sS -o /dev/null -w '%{http_code}' "$@" "$url")"
	done
	echo "${out# }"
}

@test "conditional groups: header (any case) and query conditions pick the group's limit" {
	start_counter b1
	apim-throttle policy add Grp --kind api --requests 100 --per minute >/dev/null
	apim-throttle policy condition add Grp --header 'x-tier=^free$' --requests 2 --per minute >/dev/null
	apim-throttle policy condition add Grp --query 'plan=^trial$' --requests 1 --per minute >/dev/null
	apim-publish create --name Cond --context /cond --version 1 --policy Grp \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Cond:1 GET /open --auth none >/dev/null
	apim-publish lifecycle Cond:1 publish >/dev/null
	start_proxy
	u="http://127.0.0.1:$PPORT/cond/1/open"
	run -0 codes 3 "$u" -H 'X-Tier: free'
	[ "$output" = "200 200 429" ]
	# not the group's value, or no such header: the default limit
	run -0 codes 3 "$u" -H 'X-Tier: freeloader' -H 'x-tier-2: free'
	[ "$output" = "200 200 200" ]
	# the parameter anywhere in the query, whole pieces only
	run -0 codes 2 "$u?a=1&plan=trial&b"
	[ "$output" = "200 429" ]
	run -0 codes 2 "$u?xplan=trial&plan&plan2=trial&plan=trial2"
	[ "$output" = "200 200" ]
	run -0 codes 1 "$u?plan=trial"
	[ "$output" = "429" ]
}
