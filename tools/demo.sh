#!/bin/sh
# demo.sh: the Publisher tour that `make demo` runs.  A throw-away store; every
# command is printed before it runs; stops at the first failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apim-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export PATH="${APIM_BUILD:-$top/build}/bin:$PATH"
export APIM_DB="$tmp/apim.db" APIM_CONF=/dev/null
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

say "The Publisher tour (store: $APIM_DB)"

say "Create an API: name, context, version, backend, tiers, tags"
run apim-publish create --name PetStore --context /pets --version 1.0.0 \
    --endpoint http://127.0.0.1:8081/v1 --tiers Gold,Silver --tag pets \
    --description "A pet shop" --auth oauth2,api_key

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

say "Done: the tour ran against a temporary store, now removed."
