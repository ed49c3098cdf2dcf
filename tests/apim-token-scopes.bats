#!/usr/bin/env bats
# apim-token grants the requested scopes the subject's roles allow (WSO2's
# role-based scopes): the user's roles for the password grant, the
# application owner's for client_credentials; a scope bound to no role is
# anyone's; undefined scopes are dropped; nothing left is "default".  Over
# real HTTP (apim-token serve on 127.0.0.1:0, curl); the JWT's payload is
# decoded with base64 and jq.
bats_require_minimum_version 1.5.0
load helper
load token-helper

setup() {
	apim-publish scope add pets:read --role reader --role admin
	apim-publish scope add pets:write --role admin
	apim-publish scope add audit:read --role Internal/auditor
	apim-publish scope add pets:list
	printf 'pw-alice\n' | apim-token user add alice --password-stdin --role admin
	printf 'pw-carol\n' | apim-token user add carol --password-stdin --role reader
	printf 'pw-dave\n' | apim-token user add dave --password-stdin
	printf 'pw-erin\n' | apim-token user add erin --password-stdin --role Internal/auditor
	# one application each for alice (admin), carol (reader) and bob (no user)
	for who in alice carol bob; do
		apim-subscribe --as "$who" app create "app-$who" >/dev/null
		out=$(apim-subscribe --as "$who" --json keys generate "app-$who" \
		    --grant-types client_credentials,password,refresh_token)
		printf '%s:%s' "$(jq -r .consumerKey <<<"$out")" \
		    "$(jq -r .consumerSecret <<<"$out")" >"$BATS_TEST_TMPDIR/cred-$who"
	done
	start_server
}

teardown() {
	if [ -n "${SRV:-}" ]; then
		kill "$SRV" 2>/dev/null || true
		wait "$SRV" 2>/dev/null || true
	fi
}

start_server() {
	apim-token serve --listen 127.0.0.1:0 --workers 1 \
	    2>"$BATS_TEST_TMPDIR/srv.err" 3>&- &
	SRV=$!
	for _ in $(seq 100); do
		PORT=$(sed -n 's/^apim-token: listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
		    "$BATS_TEST_TMPDIR/srv.err")
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ]
	URL=http://127.0.0.1:$PORT
}

# token APP CURL_ARGS...: POST /oauth2/token as APP's client; sets code, body
token() {
	local app=$1
	shift
	code=$(curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    -u "$(cat "$BATS_TEST_TMPDIR/cred-$app")" "$@" "$URL/oauth2/token")
	body=$(cat "$BATS_TEST_TMPDIR/body")
}

# granted: the response's scope and the JWT's scope claim, which must agree
granted() {
	local s c
	[ "$code" = 200 ] || { echo "status $code: $body" >&2; return 1; }
	s=$(jq -r .scope <<<"$body")
	c=$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .scope)
	[ "$s" = "$c" ] || { echo "response '$s', claim '$c'" >&2; return 1; }
	printf '%s\n' "$s"
}

password() {	# password APP USER PASSWORD SCOPE
	token "$1" -d grant_type=password -d username="$2" -d password="$3" \
	    --data-urlencode scope="$4"
}

ALL="pets:read pets:write audit:read pets:list undefined"

@test "password grant: each user gets what their roles allow of the request" {
	password alice alice pw-alice "$ALL"
	run -0 granted
	[ "$output" = "pets:read pets:write pets:list" ]
	password alice carol pw-carol "$ALL"
	run -0 granted
	[ "$output" = "pets:read pets:list" ]
	password alice dave pw-dave "$ALL"
	run -0 granted
	[ "$output" = "pets:list" ]
	password alice erin pw-erin "$ALL"
	run -0 granted
	[ "$output" = "audit:read pets:list" ]
	# the subject is the user, not the application's owner
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .sub)" = erin ]
}

@test "narrowing, not failing: nothing allowed gives 'default'" {
	password alice dave pw-dave "pets:write undefined"
	run -0 granted
	[ "$output" = default ]
	password alice carol pw-carol "pets:write"
	run -0 granted
	[ "$output" = default ]
	# no scope asked and no allow-list: default
	token carol -d grant_type=client_credentials
	run -0 granted
	[ "$output" = default ]
	# a repeated scope is granted once, in the order asked
	password alice alice pw-alice "pets:write pets:read pets:write default"
	run -0 granted
	[ "$output" = "pets:write pets:read default" ]
}

@test "client_credentials: the application owner's roles decide" {
	token alice -d grant_type=client_credentials --data-urlencode scope="$ALL"
	run -0 granted
	[ "$output" = "pets:read pets:write pets:list" ]
	token carol -d grant_type=client_credentials --data-urlencode scope="$ALL"
	run -0 granted
	[ "$output" = "pets:read pets:list" ]
	# bob is no user: only scopes bound to no role
	token bob -d grant_type=client_credentials --data-urlencode scope="$ALL"
	run -0 granted
	[ "$output" = "pets:list" ]
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .application.owner)" = bob ]
}

@test "a client's allow-list restricts further; the refresh token keeps the grant" {
	apim-subscribe --as alice app create narrow >/dev/null
	out=$(apim-subscribe --as alice --json keys generate narrow --scopes pets:read,pets:list \
	    --grant-types client_credentials,password,refresh_token)
	printf '%s:%s' "$(jq -r .consumerKey <<<"$out")" "$(jq -r .consumerSecret <<<"$out")" \
	    >"$BATS_TEST_TMPDIR/cred-narrow"
	token narrow -d grant_type=client_credentials --data-urlencode scope="pets:write pets:read"
	run -0 granted
	[ "$output" = "pets:read" ]
	# no scope asked: the allow-list, narrowed by the roles
	password narrow carol pw-carol "pets:read pets:list pets:write"
	run -0 granted
	[ "$output" = "pets:read pets:list" ]
	rt=$(jq -r .refresh_token <<<"$body")
	token narrow -d grant_type=refresh_token -d refresh_token="$rt" -d scope=pets:list
	run -0 granted
	[ "$output" = "pets:list" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT scope FROM token WHERE kind = 'refresh' ORDER BY issued_ms" | paste -sd,)" = \
	    "pets:read pets:list,pets:list" ]
}

@test "a role binding added later changes what the next token gets" {
	token carol -d grant_type=client_credentials -d scope=pets:write
	run -0 granted
	[ "$output" = default ]
	apim-publish scope add pets:write --role admin --role reader
	token carol -d grant_type=client_credentials -d scope=pets:write
	run -0 granted
	[ "$output" = pets:write ]
}

@test "refusals: malformed scope and bad password change nothing" {
	before=$(db_dump)
	token alice -d grant_type=client_credentials --data-urlencode 'scope=pets:read  pets:write'
	[ "$code" = 400 ]
	[ "$(jq -c . <<<"$body")" = '{"error":"invalid_scope","error_description":"malformed scope"}' ]
	token alice -d grant_type=client_credentials --data-urlencode 'scope=a"b'
	[ "$code" = 400 ]
	[ "$(jq -r .error <<<"$body")" = invalid_scope ]
	password alice carol wrong pets:read
	[ "$code" = 400 ]
	[ "$(jq -r .error <<<"$body")" = invalid_grant ]
	[ "$(db_dump)" = "$before" ]
}
