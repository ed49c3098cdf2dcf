#!/bin/sh
# demo.sh: the tour that `make demo` runs: the Publisher, then a consumer in the
# Developer Portal, then the Key Manager over real HTTP.  A throw-away store;
# every command is printed before it runs; stops at the first failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apim-demo.XXXXXX")
srv=
trap '[ -z "$srv" ] || kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export PATH="${APIM_BUILD:-$top/build}/bin:$PATH"
export APIM_DB="$tmp/apim.db" APIM_CONF=/dev/null APIM_KEYDIR="$tmp/keys"
export USER="${USER:-demo}"

say() { printf '\n# %s\n' "$*"; }
# Print the command as one could type it (quoting words with spaces or braces).
run() {
	printf '$'
	for w in "$@"; do
		case $w in
		*[\ {}*]*) printf " '%s'" "$w" ;;
		*) printf ' %s' "$w" ;;
		esac
	done
	printf '\n'
	"$@"
}

# runto FILE CMD...: the same, with the command's output kept in FILE.
runto() {
	f=$1
	shift
	printf '$'
	for w in "$@"; do
		case $w in
		*[\ {}*]*) printf " '%s'" "$w" ;;
		*) printf ' %s' "$w" ;;
		esac
	done
	printf ' > %s\n' "${f##*/}"
	"$@" > "$f"
}

# shown 'TEXT' CMD...: print TEXT (the command with $variables unexpanded), run CMD.
shown() {
	printf '$ %s\n' "$1"
	shift
	"$@"
}

say "The Publisher tour (store: $APIM_DB)"

say "Create an API: name, context, version, backend, tiers, tags"
run apim-publish create --name PetStore --context /pets --version 1.0.0 \
    --endpoint http://127.0.0.1:8081/v1 --tiers Gold,Silver --tag pets \
    --description "A pet shop" --auth oauth2,api_key

say "Define scopes bound to roles (apim-token grants each to users in those roles)"
run apim-publish scope add write:pets --role admin --description "Change pets"
run apim-publish scope add order_write --role customer

say "Add resources: a list, an item, a write that needs a scope"
run apim-publish resource add PetStore:1.0.0 GET /pets
run apim-publish resource add PetStore:1.0.0 GET '/pets/{petId}'
run apim-publish resource add PetStore:1.0.0 POST /pets --scope write:pets --tier Gold
run apim-publish resource list PetStore:1.0.0

say "Document it"
printf '# PetStore\n\nGET /pets lists the pets; POST /pets adds one.\n' > "$tmp/guide.md"
run apim-publish doc add PetStore:1.0.0 --name Guide --type HOWTO --file "$tmp/guide.md"
run apim-publish doc add PetStore:1.0.0 --name Forum --type PUBLIC_FORUM \
    --url https://forum.example/petstore
run apim-publish doc list PetStore:1.0.0

say "Publish it"
run apim-publish lifecycle PetStore:1.0.0 publish

say "Import a second API from an OpenAPI document with WSO2 extensions (flags win over it)"
cat > "$tmp/pizza.yaml" <<'EOF'
openapi: 3.0.3
info: { title: PizzaShack, version: 1.0.0 }
x-wso2-basePath: /pizza
x-wso2-production-endpoints: { urls: [ "http://127.0.0.1:8082/pizza" ] }
paths:
  /menu:
    get: { x-auth-type: None, x-throttling-tier: Gold, responses: { '200': { description: OK } } }
  /order:
    post: { x-scope: order_write, responses: { '201': { description: Created } } }
EOF
printf '$ cat pizza.yaml\n'
cat "$tmp/pizza.yaml"
run apim-publish import "$tmp/pizza.yaml" --tag food
run apim-publish resource list PizzaShack:1.0.0

say "An illegal transition is refused with the allowed actions (exit 1)"
printf '$ apim-publish lifecycle PetStore:1.0.0 retire\n'
if apim-publish lifecycle PetStore:1.0.0 retire 2>&1; then
	echo "demo: retire should have been refused" >&2
	exit 70
else
	echo "(exit $?)"
fi

say "Make version 2.0.0 (resources, documents and tiers come along) and make it the default"
run apim-publish version PetStore:1.0.0 2.0.0 --default
run apim-publish resource add PetStore:2.0.0 DELETE '/pets/{petId}' --scope write:pets

say "Publish 2.0.0 and deprecate the old version on the way"
run apim-publish --as release-bot lifecycle PetStore:2.0.0 publish --deprecate-old-versions
run apim-publish list

say "The new version as WSO2 Publisher REST JSON"
run apim-publish show --json PetStore:2.0.0

say "History of the old version"
run apim-publish history PetStore:1.0.0

say "A consumer, bob, finds the published APIs (CREATED and deprecated ones are marked or hidden)"
run apim-subscribe --as bob apis

say "bob creates an application and subscribes it to PetStore 2.0.0 at the Gold tier"
run apim-subscribe --as bob app create mobile --tier 50PerMin --description 'Pet app'
run apim-subscribe --as bob subscribe mobile PetStore:2.0.0 --tier Gold
run apim-subscribe --as bob subscriptions

say "A tier the API does not offer is refused (exit 65), and nothing changes"
printf '$ apim-subscribe --as bob subscribe mobile PetStore:2.0.0 --tier Platinum\n'
if apim-subscribe --as bob subscribe mobile PetStore:2.0.0 --tier Platinum 2>&1; then
	echo "demo: the subscription should have been refused" >&2
	exit 70
else
	echo "(exit $?)"
fi

say "bob generates OAuth 2.0 client credentials; the secret is shown this once"
runto "$tmp/keys.json" apim-subscribe --as bob --json keys generate mobile \
    --grant-types client_credentials,refresh_token
jq . "$tmp/keys.json"
ck=$(jq -r .consumerKey "$tmp/keys.json")
cs=$(jq -r .consumerSecret "$tmp/keys.json")
echo "(ck and cs below are these two)"
say "The store holds only a slow salted hash of it"
run sqlite3 "$APIM_DB" 'SELECT consumer_key, substr(secret_hash, 1, 30) || '"'"'...'"'"' FROM client'

say "The Key Manager: a signing key, then the OAuth 2.0 server on a loopback port"
run apim-token keys generate --alg ES256
printf '$ apim-token serve --listen 127.0.0.1:0 &\n'
apim-token serve --listen 127.0.0.1:0 --workers 1 2> "$tmp/serve.err" &
srv=$!
i=0
until addr=$(grep -o 'listening on [0-9.:]*' "$tmp/serve.err" | cut -d' ' -f3) && [ -n "$addr" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { cat "$tmp/serve.err" >&2; exit 69; }
	sleep 0.05
done
echo "listening on $addr"

say "bob's application gets an access token (client_credentials, HTTP Basic)"
printf '$ %s\n' 'curl -sS -u "$ck:$cs" -d grant_type=client_credentials http://$addr/oauth2/token > token.json'
curl -sS -u "$ck:$cs" -d grant_type=client_credentials "http://$addr/oauth2/token" \
    > "$tmp/token.json"
jq . "$tmp/token.json"
at=$(jq -r .access_token "$tmp/token.json")
echo "(at below is the access_token)"
say "It is a JWT (RFC 9068) carrying WSO2's claims"
printf '%s' "$at" | cut -d. -f2 | tr '_-' '/+' | { b=$(cat); while [ $(( ${#b} % 4 )) -ne 0 ]; do b="$b="; done; printf '%s' "$b"; } |
    base64 -d | jq .

say "A wrong secret is refused as RFC 6749 says (401 invalid_client)"
shown 'curl -sS -u "$ck:wrong" -d grant_type=client_credentials http://$addr/oauth2/token' \
    curl -sS -u "$ck:wrong" -d grant_type=client_credentials "http://$addr/oauth2/token"
echo

say "Introspection (RFC 7662), revocation (RFC 7009), introspection again"
introspect() {
	shown 'curl -sS -u "$ck:$cs" --data-urlencode "token=$at" http://$addr/oauth2/introspect' \
	    curl -sS -u "$ck:$cs" --data-urlencode "token=$at" "http://$addr/oauth2/introspect"
	echo
}
introspect
shown 'curl -sS -o /dev/null -w "%{http_code}\n" -u "$ck:$cs" --data-urlencode "token=$at" http://$addr/oauth2/revoke' \
    curl -sS -o /dev/null -w '%{http_code}\n' -u "$ck:$cs" --data-urlencode "token=$at" "http://$addr/oauth2/revoke"
introspect
echo

say "The public keys for gateways and resource servers"
run curl -sS "http://$addr/oauth2/jwks"
echo
kill "$srv"
wait "$srv" 2>/dev/null || true
srv=

say "An API key for the same application, limited to the loopback network"
runto "$tmp/apikey" apim-subscribe --as bob apikey mobile --validity 3600 \
    --permitted-ip 127.0.0.0/8
cut -c1-60 "$tmp/apikey" | sed 's/$/.../'

say "The gateway: a backend on a loopback port, PetStore 2.0.0 pointed at it"
mkdir -p "$tmp/www/v1"
printf '[{"id":1,"name":"Rex"},{"id":2,"name":"Tom"}]\n' > "$tmp/www/v1/pets"
printf '$ python3 -m http.server --bind 127.0.0.1 0 &   # serves v1/pets\n'
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" 0 > "$tmp/backend.out" 2>&1 &
backend=$!
gw=
trap '[ -z "$srv" ] || kill "$srv" 2>/dev/null; kill $gw "$backend" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
i=0
until bport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/backend.out") && [ -n "$bport" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { cat "$tmp/backend.out" >&2; exit 69; }
	sleep 0.05
done
run apim-publish update PetStore:2.0.0 --endpoint "http://127.0.0.1:$bport/v1"

say "apim-proxy on a loopback port, writing one event per request"
printf '$ apim-proxy --listen 127.0.0.1:0 --workers 1 --events events.ndjson &\n'
apim-proxy --listen 127.0.0.1:0 --workers 1 --events "$tmp/events.ndjson" 2> "$tmp/proxy.err" &
gw=$!
i=0
until gaddr=$(grep -o 'listening on [0-9.:]*' "$tmp/proxy.err" | cut -d' ' -f3) && [ -n "$gaddr" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { cat "$tmp/proxy.err" >&2; exit 69; }
	sleep 0.05
done
echo "listening on $gaddr"

say "The token above was revoked, so the gateway refuses it (401, WSO2's code 900901)"
shown 'curl -sS -H "Authorization: Bearer $at" http://$gaddr/pets/2.0.0/pets' \
    curl -sS -H "Authorization: Bearer $at" "http://$gaddr/pets/2.0.0/pets"
echo

say "A fresh token for bob's application; the call reaches the backend"
at=$(printf '%s\n' "$cs" | apim-token issue --client-id "$ck" --client-secret-stdin | jq -r .access_token)
echo '(at is now the new access_token, from apim-token issue)'
shown 'curl -sS -H "Authorization: Bearer $at" http://$gaddr/pets/pets   # the default version' \
    curl -sS -H "Authorization: Bearer $at" "http://$gaddr/pets/pets"

say "bob's application moves to the 10PerMin tier: its calls are refused once it has made 10 in a minute"
run apim-subscribe --as bob app update mobile --tier 10PerMin
printf '$ %s\n' 'for i in $(seq 20); do curl -sS -i -H "Authorization: Bearer $at" http://$gaddr/pets/2.0.0/pets > last.txt; head -1 last.txt | grep -q " 429 " && break; done'
i=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	curl -sS -i -H "Authorization: Bearer $at" "http://$gaddr/pets/2.0.0/pets" > "$tmp/last.txt"
	head -1 "$tmp/last.txt" | grep -q ' 429 ' && break
done
echo "(call $i was refused)"
shown 'cat last.txt' sh -c "tr -d '\r' < '$tmp/last.txt' | grep -v '^Date:'"
echo

say "The events it wrote: one line per request, the last one the throttled call"
shown 'jq -c "[.eventType, .proxyResponseCode, .errorType, .errorCode]" events.ndjson' \
    jq -c '[.eventType, .proxyResponseCode, .errorType, .errorCode]' "$tmp/events.ndjson"
shown 'tail -1 events.ndjson | jq .' sh -c "tail -1 '$tmp/events.ndjson' | jq ."
kill "$gw" "$backend"
wait "$gw" "$backend" 2>/dev/null || true
gw= backend=

# ---- analytics: apim-stats on the gateway's events, then on an hour of
# generated ones (gen-events writes them as apim-events(5) describes) ----
say "Analytics: the gateway's own events above, by API and status"
run apim-stats --by apiName,proxyResponseCode "$tmp/events.ndjson"
events="$tmp/hour.ndjson"
say "A busier hour: 20,000 events generated as apim-events(5) describes"
runto "$events" "${APIM_BUILD:-$top/build}/tests/gen-events" --count 20000 \
    --span 1h --error-rate 0.03 --throttle-rate 0.02
say "The report: requests, status classes (429 apart), error rate, latency percentiles, bytes"
run apim-stats "$events"
say "Per API, the three busiest, per quarter hour"
run apim-stats --by apiName --every 15m --top 3 "$events"
say "An HTML page of charts, for a browser"
run apim-stats --html -o "$tmp/report.html" "$events"
grep -c '<svg' "$tmp/report.html"
say "Alerts (exit 1 when one fires)"
run apim-stats alert --throttled-per-hour 25 --error-rate 0.04 "$events" ||
    echo "(exit $?)"

say "Done: the tour ran against a temporary store, now removed."
