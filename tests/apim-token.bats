#!/usr/bin/env bats
# apim-token: signing keys, JWTs checked by openssl, grants, introspection,
# revocation and users, from the command line.  HTTP tests: apim-token-http.bats.
bats_require_minimum_version 1.5.0
load helper
load token-helper

cc_token() {	# cc_token KEY SECRET [SCOPE]: prints the response JSON
	printf '%s\n' "$2" | apim-token issue --client-id "$1" --client-secret-stdin \
	    ${3:+--scope "$3"}
}

@test "keys generate: private PEM mode 0600 in keys/ beside the store, never printed" {
	run -0 apim-token keys generate
	kid=$output
	[[ $kid =~ ^[A-Za-z0-9_-]{43}$ ]]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/keys/$kid.pem")" = 600 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/keys")" = 700 ]
	head -1 "$BATS_TEST_TMPDIR/keys/$kid.pem" | grep -q 'BEGIN PRIVATE KEY'
	run -0 apim-token keys list
	[[ ${lines[1]} =~ ^$kid\ +RS256\ +active ]]
	out="$(apim-token keys list; apim-token keys list --json; apim-token jwks;
	    apim-token keys export-public "$kid")"
	[[ $out != *PRIVATE* ]]
	[[ $(sqlite3 "$APIM_DB" .dump) != *PRIVATE* ]]
	# the kid is the RFC 7638 thumbprint, computed here with openssl
	jwk=$(apim-token jwks | jq -c '.keys[0]')
	canon=$(jq -cS '{e, kty, n}' <<<"$jwk")
	want=$(printf %s "$canon" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
	[ "$want" = "$kid" ]
}

@test "keys generate --alg: ES256 and EdDSA; bad alg is a usage error that changes nothing" {
	run -0 apim-token keys generate --alg ES256
	run -0 apim-token jwks
	[ "$(jq -r '.keys[0] | .kty + " " + .crv + " " + .alg' <<<"$output")" = "EC P-256 ES256" ]
	run -0 apim-token keys generate --alg EdDSA
	[ "$(apim-token jwks | jq -r '.keys[0] | .kty + " " + .crv')" = "OKP Ed25519" ]
	before=$(db_dump)
	run -64 apim-token keys generate --alg HS256
	[[ $output == *"unknown algorithm 'HS256'"* ]]
	[ "$(db_dump)" = "$before" ]
	[ "$(ls "$BATS_TEST_TMPDIR/keys" | wc -l)" = 2 ]
}

@test "RS256 access token: RFC 9068 claims and WSO2 claims; openssl verifies it from the JWKS" {
	mkclient ck1 s3cret client_credentials "read write"
	run -0 cc_token ck1 s3cret read
	[ "$(jq -r '.token_type + " " + (.expires_in|tostring) + " " + .scope' <<<"$output")" = "Bearer 3600 read" ]
	[ "$(jq -r 'has("refresh_token")' <<<"$output")" = false ]
	at=$(jq -r .access_token <<<"$output")
	hdr=$(jwt_part "$at" 1)
	[ "$(jq -r '.alg + " " + .typ' <<<"$hdr")" = "RS256 at+jwt" ]
	cl=$(jwt_part "$at" 2)
	[ "$(jq -r '[.iss, .sub, .aud, .client_id, .scope, .consumerKey, .keytype] | join(",")' <<<"$cl")" = \
	    "http://localhost:8243,ck1,ck1,ck1,read,ck1,PRODUCTION" ]
	[ "$(jq -c .application <<<"$cl")" = '{"id":"app-ck1","name":"app ck1","owner":"alice","tier":"Gold"}' ]
	[ $(( $(jq .exp <<<"$cl") - $(jq .iat <<<"$cl") )) = 3600 ]
	[[ $(jq -r .jti <<<"$cl") =~ ^[0-9a-f-]{36}$ ]]
	jwk_pem "$(jwks_key_for "$at")" "$BATS_TEST_TMPDIR/pub.pem"
	run -0 jwt_openssl_verify "$at" "$BATS_TEST_TMPDIR/pub.pem"
	# the same modulus as the key file's, and a tampered token fails
	kid=$(jq -r .kid <<<"$hdr")
	[ "$(openssl rsa -pubin -in "$BATS_TEST_TMPDIR/pub.pem" -modulus -noout)" = \
	    "$(openssl rsa -in "$BATS_TEST_TMPDIR/keys/$kid.pem" -modulus -noout)" ]
	bad="${at%%.*}.$(printf %s "$cl" | jq -c '.scope="admin"' | base64 -w0 | tr '+/' '-_' | tr -d =).${at##*.}"
	run -1 jwt_openssl_verify "$bad" "$BATS_TEST_TMPDIR/pub.pem"
	run -1 apim-token introspect "$bad"
	[ "$output" = '{"active":false}' ]
}

@test "ES256 and EdDSA access tokens verify with openssl" {
	mkclient ck1 s3cret
	for alg in ES256 EdDSA; do
		apim-token keys rotate --alg $alg
		at=$(cc_token ck1 s3cret | jq -r .access_token)
		[ "$(jwt_part "$at" 1 | jq -r .alg)" = $alg ]
		jwk_pem "$(jwks_key_for "$at")" "$BATS_TEST_TMPDIR/$alg.pem"
		run -0 jwt_openssl_verify "$at" "$BATS_TEST_TMPDIR/$alg.pem"
		run -0 apim-token introspect "$at"
	done
}

@test "opaque tokens: 256-bit random, stored only as SHA-256" {
	mkclient ck2 pw2 client_credentials "" opaque 120
	run -0 cc_token ck2 pw2
	at=$(jq -r .access_token <<<"$output")
	[ "$(jq -r .expires_in <<<"$output")" = 120 ]
	[[ $at =~ ^[A-Za-z0-9_-]{43}$ ]]
	[ "$(b64u_dec "$at" | wc -c)" = 32 ]
	run -1 grep -qF -- "$at" $(ls "$APIM_DB"*)
	[ "$(sqlite3 "$APIM_DB" 'select id from token')" = "$(printf %s "$at" | sha256sum | cut -c1-64)" ]
	run -0 apim-token introspect "$at"
	[ "$(jq -r '.active, .client_id, .token_type' <<<"$output" | paste -sd,)" = "true,ck2,Bearer" ]
	run -0 apim-token revoke "$at"
	run -1 apim-token introspect "$at"
	[ "$output" = '{"active":false}' ]
	run -1 apim-token revoke "$at"
}

@test "issue: client errors as RFC 6749 section 5.2, exit 1, store unchanged" {
	mkclient ck1 s3cret client_credentials "read"
	before=$(db_dump)
	run -1 --separate-stderr cc_token ck1 wrong
	[ "$stderr" = "apim-token: invalid_client: client authentication failed" ]
	run -1 --separate-stderr cc_token nobody s3cret
	[ "$stderr" = "apim-token: invalid_client: client authentication failed" ]
	run -1 --separate-stderr cc_token ck1 s3cret "read  write"
	[ "$stderr" = "apim-token: invalid_scope: malformed scope" ]
	run -1 --separate-stderr sh -c 'echo s3cret | apim-token issue --client-id ck1 --client-secret-stdin --grant implicit'
	[ "$stderr" = "apim-token: unsupported_grant_type: supported: client_credentials, password, refresh_token" ]
	run -1 --separate-stderr sh -c 'printf "s3cret\npw\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin'
	[ "$stderr" = "apim-token: unauthorized_client: the client may not use this grant type" ]
	run -64 apim-token issue --client-id ck1
	run -66 apim-token issue --client-id ck1 --client-secret-stdin </dev/null
	[ "$(db_dump)" = "$before" ]
}

@test "password grant: user's sub, refresh token; wrong password is invalid_grant" {
	mkclient ck1 s3cret
	printf 'hunter2\n' | apim-token user add bob --password-stdin --role dev
	run -0 sh -c 'printf "s3cret\nhunter2\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin --scope read'
	at=$(jq -r .access_token <<<"$output")
	rt=$(jq -r .refresh_token <<<"$output")
	[ "$(jwt_part "$at" 2 | jq -r .sub)" = bob ]
	[[ $rt =~ ^[A-Za-z0-9_-]{43}$ ]]
	run -0 apim-token introspect "$at"
	[ "$(jq -r .username <<<"$output")" = bob ]
	before=$(db_dump)
	run -1 --separate-stderr sh -c 'printf "s3cret\nwrong\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin'
	[ "$stderr" = "apim-token: invalid_grant: bad user name or password" ]
	run -1 sh -c 'printf "s3cret\nhunter2\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username nobody --password-stdin'
	[ "$(db_dump)" = "$before" ]
}

@test "refresh_token grant rotates; reuse of a rotated token revokes the family" {
	mkclient ck1 s3cret
	printf 'pw\n' | apim-token user add bob --password-stdin
	r1=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	rt1=$(jq -r .refresh_token <<<"$r1")
	r2=$(printf 's3cret\n%s\n' "$rt1" | apim-token issue --client-id ck1 --client-secret-stdin --grant refresh_token --refresh-token-stdin --scope read)
	[ "$(jq -r .scope <<<"$r2")" = read ]
	rt2=$(jq -r .refresh_token <<<"$r2")
	at2=$(jq -r .access_token <<<"$r2")
	[ "$rt2" != "$rt1" ]
	run -0 apim-token introspect "$at2"
	[ "$(jq -r .username <<<"$output")" = bob ]
	run -1 apim-token introspect "$rt1"
	run -0 apim-token introspect "$rt2"
	# widening the scope on refresh is refused
	run -1 --separate-stderr sh -c "printf 's3cret\n%s\n' '$rt2' | apim-token issue --client-id ck1 --client-secret-stdin --grant refresh_token --refresh-token-stdin --scope 'read write'"
	[ "$stderr" = "apim-token: invalid_scope: requested scope exceeds the granted scope" ]
	# replay of the first refresh token: the whole family goes
	run -1 --separate-stderr sh -c "printf 's3cret\n%s\n' '$rt1' | apim-token issue --client-id ck1 --client-secret-stdin --grant refresh_token --refresh-token-stdin"
	[ "$stderr" = "apim-token: invalid_grant: refresh token was already used; its token family is revoked" ]
	run -1 apim-token introspect "$at2"
	run -1 apim-token introspect "$rt2"
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from token where revoked_ms is null')" = 0 ]
	# another client cannot use the token
	mkclient ck9 other
	r3=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	run -1 --separate-stderr sh -c "printf 'other\n%s\n' '$(jq -r .refresh_token <<<"$r3")' | apim-token issue --client-id ck9 --client-secret-stdin --grant refresh_token --refresh-token-stdin"
	[ "$stderr" = "apim-token: invalid_grant: unknown refresh token" ]
}

@test "revoke a refresh token: its access tokens go with it; a JWT by jti" {
	mkclient ck1 s3cret
	printf 'pw\n' | apim-token user add bob --password-stdin
	r=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	run -0 apim-token revoke "$(jq -r .refresh_token <<<"$r")" --hint refresh_token
	run -1 apim-token introspect "$(jq -r .access_token <<<"$r")"
	at=$(cc_token ck1 s3cret | jq -r .access_token)
	run -0 sh -c "printf '%s\n' '$at' | apim-token revoke -"
	run -1 apim-token introspect "$at"
	[ "$(sqlite3 "$APIM_DB" "select revoked_ms is not null from token where id = '$(jwt_part "$at" 2 | jq -r .jti)'")" = 1 ]
}

@test "a JWT access token leaves no row; revoke adds one for its jti, expiring with it" {
	mkclient ck1 s3cret
	before=$(db_dump)
	at=$(cc_token ck1 s3cret read | jq -r .access_token)
	[ "$(db_dump | grep -v signing_key)" = "$(grep -v signing_key <<<"$before")" ]
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from token')" = 0 ]
	cl=$(jwt_part "$at" 2)
	[ "$(jq 'has("family")' <<<"$cl")" = false ]
	run -0 apim-token introspect "$at"
	[ "$(jq -c '[.active,.jti,.scope,.sub,.client_id,.exp - .iat,has("username")]' <<<"$output")" = \
	    "[true,$(jq .jti <<<"$cl"),\"read\",\"ck1\",\"ck1\",3600,false]" ]
	run -0 apim-token revoke "$at"
	[ "$(sqlite3 "$APIM_DB" "select id, kind, consumer_key, app_id, key_type, scope, username is null,
	    issued_ms / 1000, expires_ms / 1000, revoked_ms is not null from token")" = \
	    "$(jq -r '[.jti, "access", .client_id, .application.id, .keytype, .scope, 1, .iat, .exp, 1] | map(tostring) | join("|")' <<<"$cl")" ]
	run -1 apim-token introspect "$at"
	[ "$output" = '{"active":false}' ]
	before=$(db_dump)
	run -1 --separate-stderr apim-token revoke "$at"
	[ "$stderr" = "apim-token: no active token" ]
	[ "$(db_dump)" = "$before" ]
	# a row from before JWTs went unstored (unrevoked) keeps its token active
	at2=$(cc_token ck1 s3cret | jq -r .access_token)
	sqlite3 "$APIM_DB" "INSERT INTO token (id, kind, consumer_key, issued_ms, expires_ms)
	    VALUES ('$(jwt_part "$at2" 2 | jq -r .jti)', 'access', 'ck1', 0, 9999999999999)"
	run -0 apim-token introspect "$at2"
	run -0 apim-token revoke "$at2"
	run -1 apim-token introspect "$at2"
}

@test "access JWTs end with their client: keys revoke and app delete; regenerate keeps them" {
	apim-subscribe app create shop >/dev/null
	out=$(apim-subscribe --json keys generate shop --grant-types client_credentials)
	k1=$(jq -r .consumerKey <<<"$out")
	s1=$(jq -r .consumerSecret <<<"$out")
	out=$(apim-subscribe --json keys generate shop --type sandbox --grant-types client_credentials)
	k2=$(jq -r .consumerKey <<<"$out")
	s2=$(jq -r .consumerSecret <<<"$out")
	a1=$(cc_token "$k1" "$s1" | jq -r .access_token)
	a2=$(cc_token "$k2" "$s2" | jq -r .access_token)
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from token')" = 0 ]
	apim-subscribe keys regenerate shop >/dev/null
	run -0 apim-token introspect "$a1"
	run -0 apim-subscribe keys revoke shop
	run -1 apim-token introspect "$a1"
	[ "$output" = '{"active":false}' ]
	run -1 apim-token revoke "$a1"
	run -0 apim-token introspect "$a2"
	run -0 apim-subscribe app delete shop
	run -1 apim-token introspect "$a2"
	[ "$output" = '{"active":false}' ]
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from token')" = 0 ]
}

@test "refresh tokens: the family is a claim of the access JWT; reuse ends every JWT of the family" {
	mkclient ck1 s3cret
	printf 'pw\n' | apim-token user add bob --password-stdin
	r1=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	at1=$(jq -r .access_token <<<"$r1")
	rt1=$(jq -r .refresh_token <<<"$r1")
	fam=$(jwt_part "$at1" 2 | jq -r .family)
	[[ $fam =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ "$fam" != "$(jwt_part "$at1" 2 | jq -r .jti)" ]
	[ "$(sqlite3 "$APIM_DB" 'select kind, family, username from token')" = "refresh|$fam|bob" ]
	r2=$(printf 's3cret\n%s\n' "$rt1" | apim-token issue --client-id ck1 --client-secret-stdin --grant refresh_token --refresh-token-stdin)
	at2=$(jq -r .access_token <<<"$r2")
	[ "$(jwt_part "$at2" 2 | jq -r .family)" = "$fam" ]
	[ "$(sqlite3 "$APIM_DB" "select kind, family, revoked_ms is null from token order by issued_ms, revoked_ms is null")" = \
	    "$(printf 'refresh|%s|0\nrefresh|%s|1' "$fam" "$fam")" ]
	# rotation leaves the earlier access token alive
	run -0 apim-token introspect "$at1"
	[ "$(jq -r .username <<<"$output")" = bob ]
	run -0 apim-token introspect "$at2"
	# a second family of the same user and client is not touched
	r3=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	at3=$(jq -r .access_token <<<"$r3")
	run -1 sh -c "printf 's3cret\n%s\n' '$rt1' | apim-token issue --client-id ck1 --client-secret-stdin --grant refresh_token --refresh-token-stdin"
	run -1 apim-token introspect "$at1"
	run -1 apim-token introspect "$at2"
	run -0 apim-token introspect "$at3"
	[ "$(sqlite3 "$APIM_DB" "select count(*) from token where kind = 'access'")" = 0 ]
	# revoking an access JWT of a family leaves the family alone
	run -0 apim-token revoke "$at3"
	run -0 apim-token introspect "$(jq -r .refresh_token <<<"$r3")"
}

@test "a refresh token lives at least as long as the access token issued with it" {
	mkclient ck1 s3cret client_credentials,password,refresh_token "read" jwt 7200
	printf 'pw\n' | apim-token user add bob --password-stdin
	export APIM_TOKEN_REFRESH_LIFETIME=600
	r=$(printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin)
	[ "$(jq -r .expires_in <<<"$r")" = 7200 ]
	[ "$(sqlite3 "$APIM_DB" "select (expires_ms - issued_ms) / 1000 from token where kind = 'refresh'")" = 7200 ]
}

@test "keys rotate: the old key stays in the JWKS while its tokens live; retire removes it" {
	mkclient ck1 s3cret
	at1=$(cc_token ck1 s3cret | jq -r .access_token)
	k1=$(jwt_part "$at1" 1 | jq -r .kid)
	run -0 apim-token keys rotate
	k2=$output
	[ "$k1" != "$k2" ]
	at2=$(cc_token ck1 s3cret | jq -r .access_token)
	[ "$(jwt_part "$at2" 1 | jq -r .kid)" = "$k2" ]
	[ "$(apim-token jwks | jq -r '.keys[].kid' | paste -sd,)" = "$k2,$k1" ]
	run -0 apim-token introspect "$at1"
	run -0 apim-token keys list --json
	[ "$(jq -r 'select(.kid == "'"$k1"'") | .state + " " + (.in_jwks|tostring)' <<<"$output")" = "previous true" ]
	before=$(db_dump)
	run -65 apim-token keys retire "$k2"
	[ "$output" = "apim-token: '$k2' is the active key; rotate first" ]
	run -1 apim-token keys retire nosuchkid
	[ "$output" = "apim-token: no signing key 'nosuchkid'" ]
	[ "$(db_dump)" = "$before" ]
	# last_exp_ms covers the token's exp, rounded up to a minute
	exp=$(jwt_part "$at1" 2 | jq .exp)
	le=$(sqlite3 "$APIM_DB" "select last_exp_ms from signing_key where kid = '$k1'")
	[ "$le" -ge $((exp * 1000)) ]
	[ "$le" -le $((exp * 1000 + 60000)) ]
	[ $((le % 60000)) = 0 ]
	# once that time has passed the key leaves the JWKS by itself
	sqlite3 "$APIM_DB" "update signing_key set last_exp_ms = 1000 where kid = '$k1'"
	[ "$(apim-token jwks | jq -r '.keys[].kid' | paste -sd,)" = "$k2" ]
	sqlite3 "$APIM_DB" "update signing_key set last_exp_ms = $le where kid = '$k1'"
	run -0 apim-token keys retire "$k1"
	[ "$(apim-token jwks | jq -r '.keys[].kid' | paste -sd,)" = "$k2" ]
	run -1 apim-token introspect "$at1"
	run -0 apim-token introspect "$at2"
}

@test "a rotated key with no live tokens leaves the JWKS at once" {
	run -0 apim-token keys generate
	k1=$output
	apim-token keys rotate >/dev/null
	[ "$(apim-token jwks | jq -r '.keys[].kid')" = "$(apim-token keys list --json | jq -r 'select(.state == "active") | .kid')" ]
	[ "$(apim-token jwks | jq '.keys | length')" = 1 ]
	run -0 apim-token keys list --json
	[ "$(jq -r 'select(.kid == "'"$k1"'") | .in_jwks' <<<"$output")" = false ]
}

@test "user add/passwd/del/list; bad input changes nothing; no plain passwords" {
	run -0 sh -c 'printf "Secr3t-pass\n" | apim-token user add alice --password-stdin --role admin --role dev'
	run -0 apim-token user list --json
	[ "$(jq -c '[.name, .roles]' <<<"$output")" = '["alice",["admin","dev"]]' ]
	run -1 grep -qF Secr3t-pass $(ls "$APIM_DB"*)
	before=$(db_dump)
	run -65 sh -c 'printf "x\n" | apim-token user add alice --password-stdin'
	[ "$output" = "apim-token: user 'alice' exists" ]
	run -64 sh -c 'printf "x\n" | apim-token user add "bad name" --password-stdin'
	run -64 apim-token user add bob
	run -64 sh -c 'printf "\n" | apim-token user add bob --password-stdin'
	run -66 apim-token user add bob --password-stdin </dev/null
	run -1 sh -c 'printf "x\n" | apim-token user passwd nobody --password-stdin'
	run -1 apim-token user del nobody
	[ "$(db_dump)" = "$before" ]
	mkclient ck1 s3cret
	printf 'newpass\n' | apim-token user passwd alice --password-stdin
	run -1 sh -c 'printf "s3cret\nSecr3t-pass\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username alice --password-stdin'
	run -0 sh -c 'printf "s3cret\nnewpass\n" | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username alice --password-stdin'
	run -0 apim-token user del alice
	run -0 apim-token user list
	[ "$output" = "NAME  ROLES  CREATED" ]
	[ "$(sqlite3 "$APIM_DB" 'select count(*) from user_role')" = 0 ]
}

@test "introspect: garbage and unknown tokens are inactive (exit 1)" {
	mkclient ck1 s3cret
	for t in garbage a.b.c "$(printf 'x%.0s' {1..300})" eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.; do
		run -1 apim-token introspect "$t"
		[ "$output" = '{"active":false}' ]
	done
}

@test "jwt: alg none, a wrong typ and an unknown kid are refused" {
	mkclient ck1 s3cret
	at=$(cc_token ck1 s3cret | jq -r .access_token)
	run -0 jwt-tool verify at+jwt <<<"$at"
	run -1 jwt-tool verify JWT <<<"$at"
	[ "$output" = "jwt-tool: invalid token: wrong typ" ]
	none="$(printf '{"alg":"none","kid":"%s"}' "$(jwt_part "$at" 1 | jq -r .kid)" | base64 -w0 | tr '+/' '-_' | tr -d =).$(echo "$at" | cut -d. -f2)."
	run -1 jwt-tool verify <<<"$none"
	[ "$output" = "jwt-tool: invalid token: unsupported alg" ]
	nokid="$(printf '{"alg":"RS256","typ":"at+jwt","kid":"nosuchkey"}' | base64 -w0 | tr '+/' '-_' | tr -d =).${at#*.}"
	run -1 jwt-tool verify <<<"$nokid"
	[ "$output" = "jwt-tool: invalid token: unknown key" ]
	run -0 jwt-tool sign JWT <<<'{"sub":"x","exp":1000}'
	run -1 jwt-tool verify <<<"$output"
	[ "$output" = "jwt-tool: invalid token: expired" ]
}

@test "jwt: RS256 checked without EVP refuses a flipped bit, a changed claim, a short signature and another key's alg; ES256 and EdDSA verify" {
	mkclient ck1 s3cret
	at=$(cc_token ck1 s3cret | jq -r .access_token)
	run -0 jwt-tool verify at+jwt <<<"$at"
	flip() { python3 -c 'import base64, sys
t, i = sys.argv[1], int(sys.argv[2]); h, p, s = t.split(".")
d = lambda x: bytearray(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
e = lambda b: base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")
b = d(p if i < 0 else s); b[abs(i) % len(b)] ^= 1
print(".".join((h, e(b), s) if i < 0 else (h, p, e(b))))' "$@"; }
	for i in 0 1 100 255 -7; do
		run -1 jwt-tool verify at+jwt <<<"$(flip "$at" "$i")"
		[ "$output" = "jwt-tool: invalid token: bad signature" ]
	done
	run -1 jwt-tool verify at+jwt <<<"${at%????}"
	[ "$output" = "jwt-tool: invalid token: bad signature" ]
	es="$(printf '{"alg":"ES256","typ":"at+jwt","kid":"%s"}' "$(jwt_part "$at" 1 | jq -r .kid)" | base64 -w0 | tr '+/' '-_' | tr -d =).${at#*.}"
	run -1 jwt-tool verify at+jwt <<<"$es"
	[ "$output" = "jwt-tool: invalid token: alg does not match the key" ]
	for alg in ES256 EdDSA; do
		apim-token keys rotate --alg "$alg" >/dev/null
		t=$(cc_token ck1 s3cret | jq -r .access_token)
		[ "$(jwt_part "$t" 1 | jq -r .alg)" = "$alg" ]
		run -0 jwt-tool verify at+jwt <<<"$t"
		run -1 jwt-tool verify at+jwt <<<"$(flip "$t" 3)"
		[ "$output" = "jwt-tool: invalid token: bad signature" ]
	done
	run -0 jwt-tool verify at+jwt <<<"$at"
}

@test "purge: expired refresh rows and revoked-JWT rows go; live ones and API keys stay" {
	mkclient ck1 s3cret
	printf 'pw\n' | apim-token user add bob --password-stdin
	printf 's3cret\npw\n' | apim-token issue --client-id ck1 --client-secret-stdin --grant password --username bob --password-stdin >/dev/null
	live=$(cc_token ck1 s3cret | jq -r .access_token)
	gone=$(cc_token ck1 s3cret | jq -r .access_token)
	kept=$(cc_token ck1 s3cret | jq -r .access_token)
	apim-token revoke "$gone"
	apim-token revoke "$kept"
	sqlite3 "$APIM_DB" "UPDATE token SET expires_ms = 1000 WHERE username = 'bob'
	    OR id = '$(jwt_part "$gone" 2 | jq -r .jti)';
	    INSERT INTO token (id, kind, issued_ms, expires_ms) VALUES ('k1', 'apikey', 0, 1000)"
	run -64 apim-token purge --grace -5
	run -0 apim-token purge
	[ "$output" = 2 ]
	[ "$(sqlite3 "$APIM_DB" 'select kind, id from token order by kind')" = \
	    "$(printf 'access|%s\napikey|k1' "$(jwt_part "$kept" 2 | jq -r .jti)")" ]
	run -0 apim-token introspect "$live"
	run -1 apim-token introspect "$kept"
	run -0 apim-token purge
	[ "$output" = 0 ]
}

@test "configuration: issuer, audience, lifetimes and the key folder from the environment" {
	mkclient ck0 s3cret client_credentials,password,refresh_token "" jwt 0
	printf 'pw\n' | apim-token user add bob --password-stdin
	export APIM_ISSUER=https://idp.example.com APIM_TOKEN_AUDIENCE=api://shop
	export APIM_TOKEN_LIFETIME=90 APIM_TOKEN_REFRESH_LIFETIME=600
	export APIM_KEYDIR=$BATS_TEST_TMPDIR/kd
	run -0 sh -c 'printf "s3cret\npw\n" | apim-token issue --client-id ck0 --client-secret-stdin --grant password --username bob --password-stdin'
	[ "$(jq -r .expires_in <<<"$output")" = 90 ]
	[ "$(jq -r .scope <<<"$output")" = default ]
	cl=$(jwt_part "$(jq -r .access_token <<<"$output")" 2)
	[ "$(jq -r '.iss + " " + .aud + " " + (.exp - .iat | tostring)' <<<"$cl")" = "https://idp.example.com api://shop 90" ]
	[ "$(sqlite3 "$APIM_DB" "select (expires_ms - issued_ms) / 1000 from token where kind = 'refresh'")" = 600 ]
	kid=$(jwt_part "$(jq -r .access_token <<<"$output")" 1 | jq -r .kid)
	[ "$(stat -c %a "$APIM_KEYDIR/$kid.pem")" = 600 ]
	[ ! -e "$BATS_TEST_TMPDIR/keys" ]
}

@test "a store file that cannot be opened, and a missing key file, are reported" {
	mkclient ck1 s3cret
	run -0 apim-token keys generate
	rm "$BATS_TEST_TMPDIR/keys/$output.pem"
	run -70 --separate-stderr sh -c 'echo s3cret | apim-token issue --client-id ck1 --client-secret-stdin'
	[[ $stderr == "apim-token: server_error: cannot open '$BATS_TEST_TMPDIR/keys/"*".pem': No such file or directory" ]]
	run -73 apim-token --db /proc/nonexistent/x.db keys list
}

@test "a client scope list that is not RFC 6749 syntax still gives valid JSON" {
	mkclient ckq s3cret client_credentials 'a"b c\d'
	run -0 cc_token ckq s3cret
	[ "$(jq -r .scope <<<"$output")" = 'a"b c\d' ]
	[ "$(jwt_part "$(jq -r .access_token <<<"$output")" 2 | jq -r .scope)" = 'a"b c\d' ]
}

@test "claims from the store are escaped as JSON; text that is not UTF-8 is refused" {
	mkclient cku s3cret
	sqlite3 "$APIM_DB" "UPDATE application SET name = 'caf'||char(233)||' \"q\" \\ '||char(10)||char(1)||' '||char(128512),
	    owner = 'o' WHERE id = 'app-cku'"
	run -0 cc_token cku s3cret
	at=$(jq -r .access_token <<<"$output")
	[ "$(jwt_part "$at" 2 | jq -c .application.name)" = '"café \"q\" \\ \n\u0001 😀"' ]
	jwk_pem "$(jwks_key_for "$at")" "$BATS_TEST_TMPDIR/pub.pem"
	run -0 jwt_openssl_verify "$at" "$BATS_TEST_TMPDIR/pub.pem"
	run -0 apim-token introspect "$at"
	# a name longer than the claim's 255 bytes is cut between characters
	sqlite3 "$APIM_DB" "UPDATE application SET name = replace(printf('%.200c', 'x'), 'x', char(233)) WHERE id = 'app-cku'"
	run -0 cc_token cku s3cret
	[ "$(jwt_part "$(jq -r .access_token <<<"$output")" 2 | jq -r '.application.name | length')" = 127 ]
	sqlite3 "$APIM_DB" "UPDATE application SET name = CAST(X'6361669f' AS TEXT) WHERE id = 'app-cku'"
	before=$(db_dump)
	run -70 --separate-stderr cc_token cku s3cret
	[ "$stderr" = "apim-token: server_error: client 'cku' has text that is not UTF-8" ]
	[ "$(db_dump)" = "$before" ]
}
