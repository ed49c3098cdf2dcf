#!/usr/bin/env bats
# apim-token serve: the endpoints over real TCP with curl, through a pipe
# (inetd mode) and over TLS; every RFC 6749/7009/7662 error case.
bats_require_minimum_version 1.5.0
load helper
load token-helper

# ck2's secret 'p@ss:w%rd é', form-encoded inside Basic as RFC 6749 2.3.1 says
AUTH2="Authorization: Basic $(printf 'ck2:p%%40ss%%3Aw%%25rd+%%C3%%A9' | base64 -w0)"

setup() {
	mkclient ck1 s3cret client_credentials,password,refresh_token "read write"
	mkclient ck2 'p@ss:w%rd é' client_credentials "read" opaque
	mkclient ckp only-password password ""
	printf 'hunter2\n' | apim-token user add bob --password-stdin
}

teardown() {
	if [ -n "${SRV:-}" ]; then
		kill "$SRV" 2>/dev/null || true
		wait "$SRV" 2>/dev/null || true
	fi
}

start_server() {	# start_server [ARGS]: sets URL
	apim-token serve --listen 127.0.0.1:0 --workers 1 "$@" \
	    2>"$BATS_TEST_TMPDIR/srv.err" 3>&- &
	SRV=$!
	# the file appears when the background shell has opened it: until then,
	# and until the line is there, wait (at most 10 s)
	for _ in $(seq 200); do
		PORT=$(sed -n 's/^apim-token: listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
		    "$BATS_TEST_TMPDIR/srv.err" 2>/dev/null || true)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ]
	URL=${URL_SCHEME:-http}://127.0.0.1:$PORT
}

# req PATH CURL_ARGS...: sets $code, $body, $hdrs (headers, lower-cased names)
req() {
	local path=$1
	shift
	code=$(curl -s -o "$BATS_TEST_TMPDIR/body" -D "$BATS_TEST_TMPDIR/hdrs" \
	    -w '%{http_code}' "$@" "$URL$path")
	body=$(cat "$BATS_TEST_TMPDIR/body")
	hdrs=$(tr -d '\r' <"$BATS_TEST_TMPDIR/hdrs" | sed 's/^\([^:]*\):/\L\1:/')
}
token() { req /oauth2/token "$@"; }
hdr() { sed -n "s/^$1: //p" <<<"$hdrs"; }
err_is() {	# err_is CODE ERROR
	[ "$code" = "$1" ] || { echo "status $code, want $1: $body"; return 1; }
	[ "$(jq -r .error <<<"$body")" = "$2" ] || { echo "body $body"; return 1; }
	[ "$(jq -r '.error_description | type' <<<"$body")" = string ]
	[ "$(jq -r 'keys | join(",")' <<<"$body")" = "error,error_description" ]
	[ "$(hdr cache-control)" = no-store ]
	[ "$(hdr pragma)" = no-cache ]
	[ "$(hdr content-type)" = application/json ]
}

@test "client_credentials over TCP with Basic; the JWT verifies with openssl against the served JWKS" {
	start_server
	token -u ck1:s3cret -d grant_type=client_credentials -d scope=read
	[ "$code" = 200 ]
	[ "$(hdr cache-control)" = no-store ]
	[ "$(hdr pragma)" = no-cache ]
	[ "$(hdr content-type)" = application/json ]
	[ "$(jq -r '.token_type, .expires_in, .scope' <<<"$body" | paste -sd,)" = "Bearer,3600,read" ]
	at=$(jq -r .access_token <<<"$body")
	kid=$(jwt_part "$at" 1 | jq -r .kid)
	req /oauth2/jwks
	[ "$code" = 200 ]
	jwk_pem "$(jq -c --arg k "$kid" '.keys[] | select(.kid == $k)' <<<"$body")" "$BATS_TEST_TMPDIR/pub.pem"
	run -0 jwt_openssl_verify "$at" "$BATS_TEST_TMPDIR/pub.pem"
	[ "$(sqlite3 "$APIM_DB" "select count(*) from token")" = 0 ]	# JWTs are not stored
}

@test "client_secret_post; Basic credentials are form-encoded (RFC 6749 2.3.1); opaque token" {
	start_server
	token -d grant_type=client_credentials -d client_id=ck1 -d client_secret=s3cret
	[ "$code" = 200 ]
	# the secret 'p@ss:w%rd é' form-encoded inside Basic
	token -H "$AUTH2" -d grant_type=client_credentials
	[ "$code" = 200 ]
	[[ $(jq -r .access_token <<<"$body") =~ ^[A-Za-z0-9_-]{43}$ ]]
	token --data-urlencode 'client_secret=p@ss:w%rd é' -d client_id=ck2 -d grant_type=client_credentials
	[ "$code" = 200 ]
}

@test "invalid_client: 401 with WWW-Authenticate; two methods at once is invalid_request" {
	start_server
	before=$(db_dump)
	token -u ck1:wrong -d grant_type=client_credentials
	err_is 401 invalid_client
	[ "$(hdr www-authenticate)" = 'Basic realm="apim"' ]
	token -u nosuch:s3cret -d grant_type=client_credentials
	err_is 401 invalid_client
	token -d grant_type=client_credentials -d client_id=ck1 -d client_secret=bad
	err_is 401 invalid_client
	token -d grant_type=client_credentials -d client_id=ck1
	err_is 401 invalid_client
	token -d grant_type=client_credentials
	err_is 401 invalid_client
	token -H 'Authorization: Basic !!notbase64' -d grant_type=client_credentials
	err_is 401 invalid_client
	token -H "Authorization: Basic $(printf nocolon | base64)" -d grant_type=client_credentials
	err_is 401 invalid_client
	token -H 'Authorization: Bearer abc' -d grant_type=client_credentials
	err_is 401 invalid_client
	token -u ck1:s3cret -d grant_type=client_credentials -d client_secret=s3cret
	err_is 400 invalid_request
	token -u ck1:s3cret -d grant_type=client_credentials -d client_id=ck2
	err_is 400 invalid_request
	[ "$(db_dump)" = "$before" ]
}

@test "grant errors: invalid_request, unsupported_grant_type, unauthorized_client, invalid_scope, invalid_grant" {
	start_server
	before=$(db_dump)
	token -u ck1:s3cret -d scope=read
	err_is 400 invalid_request
	token -u ck1:s3cret -d grant_type=authorization_code -d code=x
	err_is 400 unsupported_grant_type
	token -u ckp:only-password -d grant_type=client_credentials
	err_is 400 unauthorized_client
	token -u ck1:s3cret -d grant_type=client_credentials --data-urlencode 'scope=read  write'
	err_is 400 invalid_scope
	token -u ck1:s3cret -d grant_type=password -d username=bob
	err_is 400 invalid_request
	token -u ck1:s3cret -d grant_type=password -d username=bob -d password=wrong
	err_is 400 invalid_grant
	token -u ck1:s3cret -d grant_type=password -d username=nobody -d password=hunter2
	err_is 400 invalid_grant
	token -u ck1:s3cret -d grant_type=refresh_token
	err_is 400 invalid_request
	token -u ck1:s3cret -d grant_type=refresh_token -d refresh_token=nosuch
	err_is 400 invalid_grant
	[ "$(db_dump)" = "$before" ]
}

@test "malformed requests: content type, repeated or broken parameters, methods, paths" {
	start_server
	before=$(db_dump)
	token -u ck1:s3cret -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials"}'
	err_is 400 invalid_request
	[ "$(jq -r .error_description <<<"$body")" = "Content-Type must be application/x-www-form-urlencoded" ]
	token -u ck1:s3cret -H 'Content-Type:' -d grant_type=client_credentials
	err_is 400 invalid_request
	token -u ck1:s3cret -d grant_type=client_credentials -d grant_type=client_credentials
	err_is 400 invalid_request
	[ "$(jq -r .error_description <<<"$body")" = "repeated parameter" ]
	token -u ck1:s3cret -d grant_type=client_credentials -d scope=read -d scope=write
	err_is 400 invalid_request
	token -u ck1:s3cret -d 'grant_type=client%zzcredentials'
	err_is 400 invalid_request
	[ "$(jq -r .error_description <<<"$body")" = "malformed form body" ]
	token -u ck1:s3cret -d 'grant_type=client_credentials%00'
	err_is 400 invalid_request
	token -u ck1:s3cret -d 'grant_type=client_credentials&scope=read%'
	err_is 400 invalid_request
	token -u ck1:s3cret -d 'grant_type=client_credentials&=x'
	err_is 400 invalid_request
	token -u ck1:s3cret -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'Content-Type: text/plain' -d grant_type=client_credentials
	err_is 400 invalid_request
	token -u ck1:s3cret -X GET
	[ "$code" = 405 ]
	[ "$(hdr allow)" = POST ]
	token -u ck1:s3cret -X PUT -d grant_type=client_credentials
	[ "$code" = 405 ]
	req /oauth2/jwks -X POST -d x=1
	[ "$code" = 405 ]
	[ "$(hdr allow)" = "GET, HEAD" ]
	req /oauth2/nothing
	[ "$code" = 404 ]
	[ "$(db_dump)" = "$before" ]
}

@test "oversized body: 413 and no change; request smuggling shapes: 400 and no change" {
	start_server
	before=$(db_dump)
	head -c 100000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	token -u ck1:s3cret -d grant_type=client_credentials --data-binary "@$BATS_TEST_TMPDIR/big"
	[ "$code" = 413 ]
	auth=$(printf ck1:s3cret | base64)
	body='grant_type=client_credentials'
	raw() {		# raw REQUEST: the first status line the server answers
		exec 5<>/dev/tcp/127.0.0.1/$PORT
		printf "$1" >&5
		timeout 30 head -1 <&5 | tr -d '\r'
		exec 5<&-
	}
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nTransfer-Encoding: chunked\r\n\r\n1d\r\n$body\r\n0\r\n\r\n")" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nContent-Length: 30\r\n\r\n$body")" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: gzip\r\n\r\n$body")" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\n Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n$body")" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length : 29\r\n\r\n$body")" = "HTTP/1.1 400 Bad Request" ]
	# two Authorization headers: refused before any client is looked at
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nAuthorization: Basic eA==\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n$body")" = "HTTP/1.1 400 Bad Request" ]
	[ "$(db_dump)" = "$before" ]
	# a chunked body is fine
	[ "$(raw "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n1d\r\n$body\r\n0\r\n\r\n")" = "HTTP/1.1 200 OK" ]
}

@test "password and refresh_token grants over HTTP; reuse revokes the family" {
	start_server
	token -u ck1:s3cret -d grant_type=password -d username=bob -d password=hunter2 -d scope=read
	[ "$code" = 200 ]
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .sub)" = bob ]
	rt1=$(jq -r .refresh_token <<<"$body")
	token -u ck1:s3cret -d grant_type=refresh_token -d refresh_token="$rt1"
	[ "$code" = 200 ]
	[ "$(jq -r .scope <<<"$body")" = read ]
	at2=$(jq -r .access_token <<<"$body")
	rt2=$(jq -r .refresh_token <<<"$body")
	token -u ck1:s3cret -d grant_type=refresh_token -d refresh_token="$rt1"
	err_is 400 invalid_grant
	req /oauth2/introspect -u ck1:s3cret -d token="$at2"
	[ "$body" = '{"active":false}' ]
	token -u ck1:s3cret -d grant_type=refresh_token -d refresh_token="$rt2"
	err_is 400 invalid_grant
}

@test "revoke (RFC 7009): 200 for unknown tokens, hints, another client's token, errors" {
	start_server
	token -u ck1:s3cret -d grant_type=password -d username=bob -d password=hunter2
	at=$(jq -r .access_token <<<"$body")
	rt=$(jq -r .refresh_token <<<"$body")
	req /oauth2/revoke -u ck1:s3cret -d token=unknown-token
	[ "$code" = 200 ]
	[ "$(hdr cache-control)" = no-store ]
	before=$(db_dump)
	req /oauth2/revoke -u ck1:s3cret -d token_type_hint=access_token
	err_is 400 invalid_request
	req /oauth2/revoke -u ck1:s3cret -d token="$rt" -d token_type_hint=id_token
	err_is 400 unsupported_token_type
	req /oauth2/revoke -d token="$rt"
	err_is 401 invalid_client
	req /oauth2/revoke -u ck1:wrong -d token="$rt"
	err_is 401 invalid_client
	[ "$(hdr www-authenticate)" = 'Basic realm="apim"' ]
	req /oauth2/revoke -H "$AUTH2" -d token="$rt"
	err_is 400 invalid_request
	req /oauth2/revoke -u ck1:s3cret -H 'Content-Type: text/plain' -d token="$rt"
	err_is 400 invalid_request
	[ "$(db_dump)" = "$before" ]
	# a refresh token, hinted wrongly as an access token, is still found
	req /oauth2/revoke -u ck1:s3cret -d token="$rt" -d token_type_hint=access_token
	[ "$code" = 200 ]
	req /oauth2/introspect -u ck1:s3cret -d token="$at"
	[ "$body" = '{"active":false}' ]
	token -u ck1:s3cret -d grant_type=refresh_token -d refresh_token="$rt"
	err_is 400 invalid_grant
	# revoking again is fine
	req /oauth2/revoke -u ck1:s3cret -d token="$rt" -d token_type_hint=refresh_token
	[ "$code" = 200 ]
}

@test "revoke a JWT over HTTP: a row for its jti only then; introspect says inactive; not by another client" {
	start_server
	token -u ck1:s3cret -d grant_type=client_credentials
	at=$(jq -r .access_token <<<"$body")
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from token')" = 0 ]
	before=$(db_dump)
	req /oauth2/revoke -H "$AUTH2" -d token="$at"
	err_is 400 invalid_request
	[ "$(db_dump)" = "$before" ]
	req /oauth2/revoke -u ck1:s3cret -d token="$at" -d token_type_hint=access_token
	[ "$code" = 200 ]
	[ "$(sqlite3 "$APIM_DB" "select id, kind, consumer_key, revoked_ms is not null from token")" = \
	    "$(jwt_part "$at" 2 | jq -r .jti)|access|ck1|1" ]
	req /oauth2/introspect -H "$AUTH2" -d token="$at"
	[ "$body" = '{"active":false}' ]
	before=$(db_dump)
	req /oauth2/revoke -u ck1:s3cret -d token="$at"
	[ "$code" = 200 ]
	[ "$(db_dump)" = "$before" ]
}

@test "introspect (RFC 7662): active metadata, inactive is only {\"active\":false}, caller must authenticate" {
	start_server
	token -u ck1:s3cret -d grant_type=client_credentials -d scope=write
	at=$(jq -r .access_token <<<"$body")
	req /oauth2/introspect -H "$AUTH2" -d token="$at" -d token_type_hint=access_token
	[ "$code" = 200 ]
	[ "$(hdr cache-control)" = no-store ]
	[ "$(jq -r '[.active, .scope, .client_id, .token_type, .sub, .iss] | map(tostring) | join(",")' <<<"$body")" = \
	    "true,write,ck1,Bearer,ck1,http://localhost:8243" ]
	[ $(( $(jq .exp <<<"$body") - $(jq .iat <<<"$body") )) = 3600 ]
	for t in nosuch "$at.x" "x$at"; do
		req /oauth2/introspect -u ck1:s3cret -d token="$t"
		[ "$code" = 200 ]
		[ "$body" = '{"active":false}' ]
	done
	req /oauth2/introspect -d token="$at"
	err_is 401 invalid_client
	req /oauth2/introspect -u ck1:s3cret -d token_type_hint=access_token
	err_is 400 invalid_request
	req /oauth2/introspect -u ck1:s3cret -H 'Content-Type: application/json' -d "{\"token\":\"$at\"}"
	err_is 400 invalid_request
}

@test "metadata (RFC 8414) from --issuer; JWKS over GET and HEAD" {
	start_server --issuer https://auth.example.com/
	req /.well-known/oauth-authorization-server
	[ "$code" = 200 ]
	[ "$(jq -r '.issuer, .token_endpoint, .jwks_uri, .revocation_endpoint, .introspection_endpoint' <<<"$body" | paste -sd' ')" = \
	    "https://auth.example.com https://auth.example.com/oauth2/token https://auth.example.com/oauth2/jwks https://auth.example.com/oauth2/revoke https://auth.example.com/oauth2/introspect" ]
	[ "$(jq -c .grant_types_supported <<<"$body")" = '["client_credentials","password","refresh_token"]' ]
	[ "$(jq -c .token_endpoint_auth_methods_supported <<<"$body")" = '["client_secret_basic","client_secret_post"]' ]
	token -u ck1:s3cret -d grant_type=client_credentials
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .iss)" = https://auth.example.com ]
	req /oauth2/jwks -I
	[ "$code" = 200 ]
	[ "$(hdr content-length)" -gt 100 ]
	[[ $body != *'{'* ]]
}

@test "inetd mode: a request on stdin, the answer on stdout; a smuggling shape gets 400" {
	auth=$(printf ck1:s3cret | base64)
	b='grant_type=client_credentials&scope=read'
	run -0 sh -c "printf 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${#b}\r\n\r\n$b' | apim-token serve --inetd"
	[ "$(head -1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 200 OK" ]
	grep -qi '^Cache-Control: no-store' <<<"$output"
	at=$(tail -1 <<<"$output" | jq -r .access_token)
	run -0 apim-token introspect "$at"
	before=$(db_dump)
	run sh -c "printf 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${#b}\r\nTransfer-Encoding: chunked\r\n\r\n$b' | apim-token serve --inetd"
	[ "$(head -1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 400 Bad Request" ]
	[ "$(db_dump)" = "$before" ]
	# two pipelined requests on one connection
	run -0 sh -c "printf 'GET /oauth2/jwks HTTP/1.1\r\nHost: x\r\n\r\nPOST /oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic $auth\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${#b}\r\n\r\n$b' | apim-token serve --inetd"
	[ "$(grep -o 'HTTP/1.1 200 OK' <<<"$output" | wc -l)" = 2 ]
}

@test "TLS: --tls-cert/--tls-key serve the token endpoint over HTTPS" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	    -keyout "$BATS_TEST_TMPDIR/tls.key" -out "$BATS_TEST_TMPDIR/tls.crt" 2>/dev/null
	URL_SCHEME=https start_server --tls-cert "$BATS_TEST_TMPDIR/tls.crt" --tls-key "$BATS_TEST_TMPDIR/tls.key"
	token --cacert "$BATS_TEST_TMPDIR/tls.crt" -u ck1:s3cret -d grant_type=client_credentials
	[ "$code" = 200 ]
	run -64 apim-token serve --tls-cert "$BATS_TEST_TMPDIR/tls.crt" --listen 127.0.0.1:0
	run -64 apim-token serve --inetd --listen 127.0.0.1:0
}

@test "a regenerated secret stops working at once, despite the verification cache" {
	start_server
	token -u ck1:s3cret -d grant_type=client_credentials
	[ "$code" = 200 ]
	sqlite3 "$APIM_DB" "UPDATE client SET secret_hash = '$(printf 'n3w\n' | secret-hash)' WHERE consumer_key = 'ck1'"
	token -u ck1:s3cret -d grant_type=client_credentials
	err_is 401 invalid_client
	token -u ck1:n3w -d grant_type=client_credentials
	[ "$code" = 200 ]
}

@test "keys rotate while serving: the server signs with the new key within a second" {
	start_server
	token -u ck1:s3cret -d grant_type=client_credentials
	k1=$(jwt_part "$(jq -r .access_token <<<"$body")" 1 | jq -r .kid)
	k2=$(apim-token keys rotate --alg ES256)
	# the server notices within a second: poll (up to 5 s) for a token under k2
	for _ in $(seq 50); do
		token -u ck1:s3cret -d grant_type=client_credentials
		at=$(jq -r .access_token <<<"$body")
		[ "$(jwt_part "$at" 1 | jq -r .kid)" = "$k2" ] && break
		sleep 0.1
	done
	[ "$(jwt_part "$at" 1 | jq -r '.kid + " " + .alg')" = "$k2 ES256" ]
	req /oauth2/jwks
	[ "$(jq -r '.keys[].kid' <<<"$body" | paste -sd,)" = "$k2,$k1" ]
	jwk_pem "$(jq -c --arg k "$k2" '.keys[] | select(.kid == $k)' <<<"$body")" "$BATS_TEST_TMPDIR/ec.pem"
	run -0 jwt_openssl_verify "$at" "$BATS_TEST_TMPDIR/ec.pem"
}

@test "systemd socket activation (LISTEN_FDS): the passed socket is served" {
	# tests/unit/socket-activate binds port 0 and passes the socket as fd 3
	# with LISTEN_FDS/LISTEN_PID, as systemd does (systemd-socket-activate
	# cannot pick a port itself, and a port picked by the test can be taken)
	socket-activate 127.0.0.1:0 apim-token serve --workers 1 \
	    >"$BATS_TEST_TMPDIR/sd.out" 2>"$BATS_TEST_TMPDIR/sd.err" 3>&- &
	SRV=$!
	for _ in $(seq 100); do grep -q 'apim-token: listening' "$BATS_TEST_TMPDIR/sd.err" && break; sleep 0.05; done
	port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/sd.out")
	[ -n "$port" ]
	URL=http://127.0.0.1:$port
	token -u ck1:s3cret -d grant_type=client_credentials
	[ "$code" = 200 ]
	grep -q "listening on 127.0.0.1:$port" "$BATS_TEST_TMPDIR/sd.err"
}

@test "an internal error is 500 server_error without details; the log has them" {
	kid=$(apim-token keys generate)
	rm "$BATS_TEST_TMPDIR/keys/$kid.pem"
	start_server
	before=$(db_dump)
	token -u ck1:s3cret -d grant_type=client_credentials
	err_is 500 server_error
	[ "$(jq -r .error_description <<<"$body")" = "internal error" ]
	grep -q "^apim-token: POST /oauth2/token: cannot open '.*/keys/$kid.pem'" "$BATS_TEST_TMPDIR/srv.err"
	[ "$(db_dump)" = "$before" ]
}

@test "slow credential checks are rationed; verified clients keep getting tokens" {
	# one slow check every 1000 s, bursts of 2: the first three requests
	# fall in one window however slow or loaded the machine is
	APIM_TOKEN_VERIFY_RATE=0.001 start_server
	token -u ck1:s3cret -d grant_type=client_credentials
	[ "$code" = 200 ]
	token -u ck1:bad1 -d grant_type=client_credentials
	err_is 401 invalid_client
	token -u ck1:bad2 -d grant_type=client_credentials
	err_is 503 temporarily_unavailable
	ra=$(hdr retry-after)
	[[ $ra =~ ^[0-9]+$ ]]
	[ "$ra" -ge 900 ]
	[ "$ra" -le 1000 ]
	token -u ck1:s3cret -d grant_type=client_credentials
	[ "$code" = 200 ]
	run -1 grep -q POST "$BATS_TEST_TMPDIR/srv.err"
}

@test "a rationed source gets slow checks again once its bucket refills" {
	# one slow check every 5 s: drain the bucket with wrong secrets (each
	# check takes far less than 5 s, sanitizers included), then wait
	APIM_TOKEN_VERIFY_RATE=0.2 start_server
	for _ in $(seq 20); do
		token -u ck1:bad1 -d grant_type=client_credentials
		[ "$code" = 503 ] && break
	done
	err_is 503 temporarily_unavailable
	ra=$(hdr retry-after)
	[[ $ra =~ ^[1-5]$ ]]
	# once the window refills (in $ra s, at most 5 s) a slow check is allowed
	for _ in $(seq 300); do
		token -u ck1:bad3 -d grant_type=client_credentials
		[ "$code" != 503 ] && break
		sleep 0.1
	done
	err_is 401 invalid_client
}

@test "serve without --listen or LISTEN_FDS answers on stdin/stdout (the inetd.conf line)" {
	b='grant_type=client_credentials'
	run -0 sh -c "printf 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic $(printf ck1:s3cret | base64)\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${#b}\r\n\r\n$b' | apim-token serve"
	[ "$(head -1 <<<"$output" | tr -d '\r')" = "HTTP/1.1 200 OK" ]
}
