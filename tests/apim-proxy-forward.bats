#!/usr/bin/env bats
# apim-proxy-forward.bats: what reaches the backend and comes back through
# apim-proxy: headers, paths, versions, sandbox keys, API keys, bodies both
# ways, keep-alive and pipelining, the HTTP core's refusals, backend failures,
# throttling, and the events of all of it.
bats_require_minimum_version 1.5.0
load apim-proxy-helper

teardown() { proxy_teardown; }

st() { printf '%s\n' "$output" | head -1; }
body() { printf '%s\n' "$output" | tail -n +2; }

@test "forward: path after the context, query kept, credentials gone, X-Forwarded-* and X-Correlation-ID" {
	standard
	start_proxy
	run -0 curl -sS -D "$BATS_TEST_TMPDIR/h" -H "Authorization: Bearer $AT" \
	    -H 'X-Forwarded-For: 192.0.2.9' -H 'Connection: keep-alive, X-Secret' -H 'X-Secret: 1' \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/42?x=1&y=2"
	b=$output
	[ "$(jq -r .path <<<"$b")" = "/items/42?x=1&y=2" ]
	[ "$(jq -r '.headers | has("authorization")' <<<"$b")" = false ]
	[ "$(jq -r '.headers | has("x-secret")' <<<"$b")" = false ]
	[ "$(jq -r '.headers["x-forwarded-for"]' <<<"$b")" = "192.0.2.9, 127.0.0.1" ]
	[ "$(jq -r '.headers["x-forwarded-proto"]' <<<"$b")" = http ]
	[ "$(jq -r '.headers["x-forwarded-host"]' <<<"$b")" = "127.0.0.1:$PPORT" ]
	corr=$(jq -r '.headers["x-correlation-id"]' <<<"$b")
	grep -qi "^X-Correlation-ID: $corr" "$BATS_TEST_TMPDIR/h"
	wait_lines "$EV" 1
	run -0 jq -r '[.eventType, .correlationId, .apiName, .apiVersion, .apiContext,
	    .apiResourceTemplate, .applicationName, .keyType, .subscriptionTier,
	    .proxyResponseCode, .targetResponseCode, .destination, has("errorType")] | @tsv' "$EV"
	[ "$output" = "response	$corr	Pets	1.0.0	/pets/1.0.0	/items/{id}	mobile	PRODUCTION	Unlimited	200	200	http://127.0.0.1:$BPORT	false" ]
	run -0 apim-event-check <"$EV"
}

@test "default version: /CONTEXT/... goes to the default version, /CONTEXT/VERSION/... to that one" {
	standard
	apim-publish version Pets:1.0.0 2.0.0 --default >/dev/null
	apim-publish lifecycle Pets:2.0.0 publish >/dev/null
	apim-subscribe subscribe mobile Pets:2.0.0 >/dev/null
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/items/1"
	[ "$(st)" = 200 ]
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	wait_lines "$EV" 2
	run -0 jq -r .apiVersion "$EV"
	[ "$output" = "2.0.0
1.0.0" ]
}

@test "PROTOTYPED is served without credentials; an open resource too (Unauthenticated)" {
	standard
	apim-publish create --name Proto --context /proto --version 0.1 \
	    --endpoint "http://127.0.0.1:$BPORT/p" >/dev/null
	apim-publish resource add Proto:0.1 GET /x >/dev/null
	apim-publish lifecycle Proto:0.1 prototype >/dev/null
	start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/proto/0.1/x"
	[ "$(st)" = 200 ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = /p/x ]
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/open"
	[ "$(st)" = 200 ]
	wait_lines "$EV" 2
	run -0 jq -r '[.subscriptionTier, has("applicationId")] | @tsv' "$EV"
	[ "$output" = "Unauthenticated	false
Unauthenticated	false" ]
}

@test "sandbox keys go to the sandbox endpoint; an API without one refuses them" {
	start_counter sandbox
	sport=$BPORT
	standard
	apim-publish create --name Box --context /box --version 1 --endpoint "http://127.0.0.1:$BPORT/prod" \
	    --sandbox-endpoint "http://127.0.0.1:$sport/sand" >/dev/null
	apim-publish resource add Box:1 GET /x >/dev/null
	apim-publish lifecycle Box:1 publish >/dev/null
	apim-subscribe subscribe mobile Box:1 >/dev/null
	apim-subscribe --json keys generate mobile --type sandbox --grant-types client_credentials \
	    >"$BATS_TEST_TMPDIR/sk.json"
	CK=$(jq -r .consumerKey "$BATS_TEST_TMPDIR/sk.json")
	CS=$(jq -r .consumerSecret "$BATS_TEST_TMPDIR/sk.json")
	sat=$(token)
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $sat" "http://127.0.0.1:$PPORT/box/1/x"
	[ "$(st)" = 200 ]
	[ "$(jq -r .backend "$BATS_TEST_TMPDIR/body")" = sandbox ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = /sand/x ]
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/box/1/x"
	[ "$(jq -r .backend "$BATS_TEST_TMPDIR/body")" = b1 ]
	# Pets has no sandbox endpoint
	run -0 pcurl -H "Authorization: Bearer $sat" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 401 ]
	[ "$(code_of)" = 900901 ]
	# PROD_ONLY_BLOCKED lets the sandbox key through
	sqlite3 "$APIM_DB" "UPDATE subscription SET status = 'PROD_ONLY_BLOCKED'"
	poll_code 900907 -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/box/1/x"
	run -0 pcurl -H "Authorization: Bearer $sat" "http://127.0.0.1:$PPORT/box/1/x"
	[ "$(st)" = 200 ]
}

@test "API key in the query: forwarded without it; in the header: header removed" {
	standard
	start_proxy
	key=$(apim-subscribe apikey mobile)
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/items/1?a=1&apikey=$key&b=2"
	[ "$(st)" = 200 ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = "/items/1?a=1&b=2" ]
	run -0 pcurl -H "apikey: $key" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	[ "$(jq -r '.headers | has("apikey")' "$BATS_TEST_TMPDIR/body")" = false ]
}

@test "bodies: a chunked 8 MiB upload and a large download stream through" {
	standard
	apim-publish resource add Pets:1.0.0 POST /upload --auth none >/dev/null
	start_backend	# http-echo for /stream
	apim-publish create --name Big --context /big --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Big:1 GET /stream --auth none >/dev/null
	apim-publish lifecycle Big:1 publish >/dev/null
	start_proxy
	head -c 8388608 /dev/zero >"$BATS_TEST_TMPDIR/up"
	run -0 curl -sS -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/up" \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/upload"
	[ "$(jq -r .bytes <<<"$output")" = 8388608 ]
	run -0 bash -c "curl -sS 'http://127.0.0.1:$PPORT/big/1/stream?bytes=33554432' | wc -c"
	[ "$output" = 33554432 ]
	wait_lines "$EV" 2
	run -0 jq -r '[.requestBytes, .responseBytes] | @tsv' "$EV"
	[ "$output" = "8388608	$(jq -r .responseBytes "$EV" | head -1)
0	33554432" ]
}

@test "keep-alive and pipelining: three requests on one connection, answered in order" {
	standard
	start_proxy
	r1="GET /pets/1.0.0/items/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $AT\r\n\r\n"
	r2="GET /pets/1.0.0/items/2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $AT\r\n\r\n"
	r3="GET /pets/1.0.0/items/3 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $AT\r\nConnection: close\r\n\r\n"
	printf "$r1$r2$r3" >"$BATS_TEST_TMPDIR/pipe.req"
	run -0 timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&5; cat <&5' _ "$PPORT" "$BATS_TEST_TMPDIR/pipe.req"
	run -0 bash -c "grep -ao '\"path\": \"/items/[0-9]\"' <<<'$output'"
	[ "$output" = '"path": "/items/1"
"path": "/items/2"
"path": "/items/3"' ]
	[ "$(wc -l <"$BLOG")" -eq 3 ]
}

# A bad chunk or trailer is found after the head, when the request is already
# on its way: no reply has started, so the HTTP core answers it (400, 431)
# and closes, and the backend never sees a complete request.
@test "the HTTP core's malformed and smuggling requests get their 4xx and never reach the backend" {
	start_counter b1
	mkapi Pets /pets 1.0.0
	apim-publish resource add Pets:1.0.0 POST /echo --auth none >/dev/null
	sqlite3 "$APIM_DB" "UPDATE resource SET auth = 'none' WHERE template = '/echo'"
	start_proxy
	n=0
	for f in "$FIXTURES"/http/*.[0-9][0-9][0-9].req; do
		want=${f%.req}; want=${want##*.}
		sed 's#^\([A-Z]* \)/echo#\1/pets/1.0.0/echo#' "$f" >"$BATS_TEST_TMPDIR/r.req"
		got=$(timeout 5 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&5; cat <&5' _ "$PPORT" "$BATS_TEST_TMPDIR/r.req" |
		    head -1 | cut -d' ' -f2)
		[ "$got" = "$want" ] || { echo "$f: got '$got', want $want"; false; }
		n=$((n + 1))
	done
	[ "$n" -gt 40 ]
	[ "$(wc -l <"$BLOG")" -eq 0 ]
	# and the same path does reach it when the request is sound
	run -0 pcurl "http://127.0.0.1:$PPORT/pets/1.0.0/echo"
	[ "$(st)" = 200 ]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
}

@test "backend down: 503 101503 TARGET_CONNECTIVITY; slow: 504 101504" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	BPORT=$port mkapi Gone /gone 1
	start_backend
	apim-publish create --name Slow --context /slow --version 1 \
	    --endpoint "http://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Slow:1 GET /slow --auth none >/dev/null
	apim-publish lifecycle Slow:1 publish >/dev/null
	APIM_BACKEND_READ_TIMEOUT_MS=300 start_proxy
	run -0 pcurl "http://127.0.0.1:$PPORT/gone/1/open"
	[ "$(st)" = 503 ]
	[ "$(code_of)" = 101503 ]
	run -0 pcurl "http://127.0.0.1:$PPORT/slow/1/slow?ms=3000"
	[ "$(st)" = 504 ]
	[ "$(code_of)" = 101504 ]
	wait_lines "$EV" 2
	run -0 jq -r '[.eventType, .errorType, .errorCode, .proxyResponseCode] | @tsv' "$EV"
	[ "$output" = "fault	TARGET_CONNECTIVITY	101503	503
fault	TARGET_CONNECTIVITY	101504	504" ]
}

@test "throttling is exact: 32 clients against a 100-per-minute subscription get 100 successes" {
	start_counter b1
	apim-token keys list >/dev/null
	sqlite3 "$APIM_DB" "INSERT INTO policy (kind, name, quota_type, quota, unit, created_ms,
	    updated_ms) VALUES ('subscription', 'Hundred', 'requests', 100, 'minute', 0, 0)"
	mkapi Pets /pets 1.0.0 --tiers Hundred,Unlimited
	mkapp mobile Pets:1.0.0 Hundred
	AT=$(token read)
	WORKERS=2 start_proxy
	# the tier's window is a calendar minute: start early in one, so the 256
	# calls (slow under the sanitizers) cannot straddle two windows
	for _ in $(seq 70); do
		[ $(( $(date +%s) % 60 )) -le 25 ] && break
		sleep 0.5
	done
	seq 32 | xargs -P 32 -I{} sh -c 'for i in 1 2 3 4 5 6 7 8; do
	    curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $1" "$2"; done' _ "$AT" \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/1" >"$BATS_TEST_TMPDIR/codes"
	run -0 bash -c "sort '$BATS_TEST_TMPDIR/codes' | uniq -c | awk '{print \$2, \$1}'"
	[ "$output" = "200 100
429 156" ]
	[ "$(wc -l <"$BLOG")" -eq 100 ]
	run -0 curl -sS -D - -o "$BATS_TEST_TMPDIR/body" -H "Authorization: Bearer $AT" \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 429 "* ]]
	[[ "$output" == *$'\r\nRetry-After: '[0-9]* ]]
	[[ "$output" == *$'\r\nRateLimit-Policy: '* ]]
	[ "$(code_of)" = 900804 ]
	wait_lines "$EV" 257
	run -0 jq -r 'select(.proxyResponseCode == 429) | .errorType' "$EV"
	[ "$(sort -u <<<"$output")" = THROTTLED ]
}

@test "resources: the most specific template wins (literal, then fewer parameters, /* last)" {
	standard
	apim-publish resource add Pets:1.0.0 GET '/items/special' >/dev/null
	apim-publish resource add Pets:1.0.0 GET '/items/{id}/{part}' >/dev/null
	apim-publish resource add Pets:1.0.0 GET '/items/*' >/dev/null
	apim-publish resource add Pets:1.0.0 GET '/*' >/dev/null
	start_proxy
	for p in items/special items/7 items/7/a items/7/a/b other/x ""; do
		run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/$p"
		[ "$(st)" = 200 ]
	done
	wait_lines "$EV" 6
	run -0 jq -r .apiResourceTemplate "$EV"
	[ "$output" = "/items/special
/items/{id}
/items/{id}/{part}
/items/*
/*
/*" ]
}

@test "--backend-jwt: the backend gets X-JWT-Assertion with WSO2's claims, signed by the store's key" {
	load token-helper
	standard
	start_proxy --backend-jwt
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(st)" = 200 ]
	jwt=$(jq -r '.headers["x-jwt-assertion"]' "$BATS_TEST_TMPDIR/body")
	run -0 bash -c "$(declare -f b64u_dec jwt_part); jwt_part '$jwt' 2 | jq -r '[.iss, .[\"http://wso2.org/claims/applicationname\"], .[\"http://wso2.org/claims/apicontext\"], .[\"http://wso2.org/claims/keytype\"], .[\"http://wso2.org/claims/usertype\"]] | @tsv'"
	[ "$output" = "wso2.org/products/am	mobile	/pets/1.0.0	PRODUCTION	APPLICATION" ]
	jwks_key_for "$jwt" >"$BATS_TEST_TMPDIR/jwk.json"
	jwk_pem "$(cat "$BATS_TEST_TMPDIR/jwk.json")" "$BATS_TEST_TMPDIR/pub.pem"
	run -0 jwt_openssl_verify "$jwt" "$BATS_TEST_TMPDIR/pub.pem"
	# a client's own assertion never reaches the backend; the same one is reused
	run -0 pcurl -H "Authorization: Bearer $AT" -H "X-JWT-Assertion: forged" \
	    "http://127.0.0.1:$PPORT/pets/1.0.0/items/2"
	[ "$(jq -r '.headers["x-jwt-assertion"]' "$BATS_TEST_TMPDIR/body")" = "$jwt" ]
	# none without the flag
	kill "$PROXY"
	start_proxy
	run -0 pcurl -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[ "$(jq -r '.headers | has("x-jwt-assertion")' "$BATS_TEST_TMPDIR/body")" = false ]
}

@test "CORS and RateLimit headers are added to a forwarded response" {
	start_counter b1
	mkapi Pets /pets 1.0.0 --tiers Gold
	mkapp mobile Pets:1.0.0 Gold
	AT=$(token read)
	start_proxy
	run -0 curl -sS -D - -o /dev/null -H 'Origin: https://app.example' \
	    -H "Authorization: Bearer $AT" "http://127.0.0.1:$PPORT/pets/1.0.0/items/1"
	[[ "$output" == "HTTP/1.1 200 "* ]]
	[[ "$output" == *$'\r\nAccess-Control-Allow-Origin: *\r\n'* ]]
	[[ "$output" == *$'\r\nRateLimit-Policy: "Gold";q=5000;w=60\r\n'* ]]
	[[ "$output" == *$'\r\nRateLimit: "Gold";r=4999;t='* ]]
}

@test "load_balance: calls alternate between the endpoints (round robin)" {
	start_counter b2
	p2=$BPORT
	start_counter b1
	apim-token keys list >/dev/null
	apim-publish create --name Lb --context /lb --version 1 --endpoint-type load_balance \
	    --endpoint "http://127.0.0.1:$BPORT/one" --endpoint "http://127.0.0.1:$p2/two" >/dev/null
	apim-publish resource add Lb:1 GET /x --auth none >/dev/null
	apim-publish lifecycle Lb:1 publish >/dev/null
	start_proxy
	for i in 1 2 3 4; do
		run -0 pcurl "http://127.0.0.1:$PPORT/lb/1/x"
		[ "$(st)" = 200 ]
	done
	[ "$(cat "$BATS_TEST_TMPDIR/backend-b1.log")" = "GET /one/x
GET /one/x" ]
	[ "$(cat "$BATS_TEST_TMPDIR/backend-b2.log")" = "GET /two/x
GET /two/x" ]
	wait_lines "$EV" 4
	run -0 jq -r .destination "$EV"
	[ "$(sort -u <<<"$output" | wc -l)" -eq 2 ]
}

@test "failover: a dead primary is skipped and suspended, and used again once it is back" {
	start_counter primary
	dead=$BPORT
	kill "$BPID"
	wait "$BPID" 2>/dev/null || true
	start_counter secondary
	apim-token keys list >/dev/null
	apim-publish create --name Fo --context /fo --version 1 --endpoint-type failover \
	    --endpoint "http://127.0.0.1:$dead/p" --endpoint "http://127.0.0.1:$BPORT/s" >/dev/null
	apim-publish resource add Fo:1 GET /x --auth none >/dev/null
	apim-publish lifecycle Fo:1 publish >/dev/null
	start_proxy
	for i in 1 2 3; do
		run -0 pcurl "http://127.0.0.1:$PPORT/fo/1/x"
		[ "$(st)" = 200 ]
		[ "$(jq -r .backend "$BATS_TEST_TMPDIR/body")" = secondary ]
	done
	# the primary comes back on its port: after its suspension it is tried
	# again and serves (polled for up to 5 s)
	start_counter primary "$dead"
	for i in $(seq 100); do
		run -0 pcurl "http://127.0.0.1:$PPORT/fo/1/x"
		[ "$(jq -r .backend "$BATS_TEST_TMPDIR/body")" = primary ] && break
		sleep 0.05
	done
	[ "$(st)" = 200 ]
	[ "$(jq -r .backend "$BATS_TEST_TMPDIR/body")" = primary ]
	[ "$(jq -r .path "$BATS_TEST_TMPDIR/body")" = /p/x ]
}

@test "inetd: an https:// backend goes through libcurl, opened for it; its certificate is checked (backend_ca_file)" {
	d=$BATS_TEST_TMPDIR
	run -0 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "$d/b.key" -out "$d/b.crt"
	BACKEND_TLS_CERT=$d/b.crt BACKEND_TLS_KEY=$d/b.key start_counter tls
	apim-publish create --name Sec --context /sec --version 1 \
	    --endpoint "https://127.0.0.1:$BPORT/base" >/dev/null
	apim-publish resource add Sec:1 GET /open --auth none >/dev/null
	apim-publish lifecycle Sec:1 publish >/dev/null
	printf 'backend_ca_file = %s\n' "$d/b.crt" >"$d/apim.conf"
	printf 'GET /sec/1/open?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$d/req"
	APIM_CONF=$d/apim.conf LD_DEBUG=files apim-proxy --inetd --events "$EV" \
	    <"$d/req" >"$d/out" 2>"$d/err"
	run -0 head -1 "$d/out"
	[ "$output" = $'HTTP/1.1 200 OK\r' ]
	run -0 tail -1 "$d/out"
	[ "$(jq -r '.backend + " " + .path' <<<"$output")" = "tls /base/open?q=1" ]
	run -0 grep -c 'file=libcurl.so.4 \[0\];  dynamically loaded' "$d/err"
	[ "$output" = 1 ]
	# the system's CAs do not know the backend's: refused, never reached
	apim-proxy --inetd --events "$EV" <"$d/req" >"$d/out2" 2>/dev/null
	run -0 head -1 "$d/out2"
	[ "$output" = $'HTTP/1.1 502 Bad Gateway\r' ]
	run -0 jq -r '[.proxyResponseCode, .targetResponseCode // 0, .destination] | @tsv' "$EV"
	[ "$output" = "200	200	https://127.0.0.1:$BPORT/base
502	0	https://127.0.0.1:$BPORT/base" ]
	[ "$(wc -l <"$BLOG")" -eq 1 ]
}

@test "TLS on the front (libssl opened for it) and an https:// backend (libcurl, on the same OpenSSL) in one process" {
	d=$BATS_TEST_TMPDIR
	run -0 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "$d/b.key" -out "$d/b.crt"
	BACKEND_TLS_CERT=$d/b.crt BACKEND_TLS_KEY=$d/b.key start_counter tls
	apim-publish create --name Sec --context /sec --version 1 \
	    --endpoint "https://127.0.0.1:$BPORT" >/dev/null
	apim-publish resource add Sec:1 GET /open --auth none >/dev/null
	apim-publish lifecycle Sec:1 publish >/dev/null
	PROXY_ENV=LD_DEBUG=files APIM_BACKEND_CA_FILE=$d/b.crt \
	    start_proxy --tls-cert "$d/b.crt" --tls-key "$d/b.key"
	for i in 1 2; do
		run -0 curl -sS --cacert "$d/b.crt" "https://127.0.0.1:$PPORT/sec/1/open"
		[ "$(jq -r .backend <<<"$output")" = tls ]
	done
	[ "$(wc -l <"$BLOG")" -eq 2 ]
	# the loader's log (the proxy's stderr): libcrypto and libssl opened by
	# apim-proxy for the front (not loaded at exec), then libcurl, which
	# finds them loaded: one OpenSSL in the process
	err=$(echo "$BATS_TEST_TMPDIR"/proxy.err.*)
	run -0 grep -E 'file=(libssl|libcrypto|libcurl)[^ ]* \[0\];  (dynamically|needed)' "$err"
	[[ ${lines[0]} == *'file=libcrypto.so.3 [0];  dynamically loaded by apim-proxy '* ]]
	[[ ${lines[1]} == *'file=libssl.so.3 [0];  dynamically loaded by apim-proxy '* ]]
	[[ ${lines[2]} == *'file=libcurl.so.4 [0];  dynamically loaded by apim-proxy '* ]]
	[ "${#lines[@]}" -eq 3 ]
}
