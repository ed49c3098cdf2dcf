# apim-proxy-helper.bash: shared by tests/apim-proxy*.bats: a backend on
# loopback, an API published in front of it, an application subscribed with
# keys and a token, and apim-proxy started on a port of its own choosing.
load helper
export APIM_KEYDIR="$BATS_TEST_TMPDIR/keys"
EV="$BATS_TEST_TMPDIR/events.ndjson"

# Remember a background pid for teardown.
track() { echo "$1" >>"$BATS_TEST_TMPDIR/pids"; }

proxy_teardown() {
	local p
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	for p in $(cat "$BATS_TEST_TMPDIR/pids"); do
		kill "$p" 2>/dev/null || true
	done
}

# wait_line FILE REGEX: up to 5 s for FILE to have a line matching REGEX.
wait_line() {
	local i
	for i in $(seq 100); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_lines FILE N: up to 5 s for FILE to have at least N lines.
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# start_backend [http-echo flags]: sets BPORT.
start_backend() {
	local out="$BATS_TEST_TMPDIR/backend.$RANDOM"
	http-echo --listen 127.0.0.1:0 --workers 1 --stream "$@" >"$out" 2>&1 3>&- &
	track $!
	wait_line "$out" '^listening on'
	BPORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$BPORT" ]
}

# start_proxy [apim-proxy flags]: sets PPORT and PROXY (pid); one worker
# unless $WORKERS says otherwise.
start_proxy() {
	local err="$BATS_TEST_TMPDIR/proxy.err.$RANDOM"
	env ${PROXY_ENV:-} apim-proxy --listen 127.0.0.1:0 --workers "${WORKERS:-1}" \
	    --events "$EV" "$@" 2>"$err" 3>&- &
	PROXY=$!
	track $PROXY
	wait_line "$err" "listening on" || { cat "$err" >&2; false; }
	PPORT=$(sed -n 's/^apim-proxy: listening on .*:\([0-9]*\)$/\1/p' "$err" | head -1)
	[ -n "$PPORT" ]
}

# mkapi NAME CONTEXT VERSION [apim-publish create flags]: an API with resources
# GET /echo, GET /items/{id}, POST /items (scope write), GET /open (no auth),
# published.  Its endpoint is the backend.
mkapi() {
	local name=$1 ctx=$2 ver=$3
	shift 3
	apim-publish create --name "$name" --context "$ctx" --version "$ver" \
	    --endpoint "http://127.0.0.1:${BPORT:-9}" --auth oauth2,api_key "$@" >/dev/null
	apim-publish scope add read >/dev/null
	apim-publish scope add write >/dev/null
	apim-publish resource add "$name:$ver" GET /echo >/dev/null
	apim-publish resource add "$name:$ver" GET '/items/{id}' >/dev/null
	apim-publish resource add "$name:$ver" POST /items --scope write >/dev/null
	apim-publish resource add "$name:$ver" GET /open --auth none >/dev/null
	apim-publish lifecycle "$name:$ver" publish >/dev/null
}

# mkapp APP API [tier]: an application subscribed to API with production keys
# (scopes read, write); sets CK, CS.
mkapp() {
	apim-subscribe app create "$1" >/dev/null
	apim-subscribe subscribe "$1" "$2" ${3:+--tier "$3"} >/dev/null
	apim-subscribe --json keys generate "$1" --grant-types client_credentials \
	    --scopes read,write ${KEYTYPE:+--type "$KEYTYPE"} >"$BATS_TEST_TMPDIR/keys-$1.json"
	CK=$(jq -r .consumerKey "$BATS_TEST_TMPDIR/keys-$1.json")
	CS=$(jq -r .consumerSecret "$BATS_TEST_TMPDIR/keys-$1.json")
}

# token [scope]: an access token for CK/CS.
token() {
	printf '%s\n' "$CS" | apim-token issue --client-id "$CK" --client-secret-stdin \
	    ${1:+--scope "$1"} | jq -r .access_token
}

# A standard setup: backend, API Pets 1.0.0 at /pets,
# application mobile with a token in AT.
standard() {
	start_counter b1
	mkapi Pets /pets 1.0.0
	mkapp mobile Pets:1.0.0
	AT=$(token "read write")
}

# pcurl ARGS...: curl to the proxy; prints "STATUS\nBODY".
pcurl() {
	curl -sS -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' "$@" &&
	    printf '\n%s' "$(cat "$BATS_TEST_TMPDIR/body")"
}
# The JSON "code" of the last pcurl body.
code_of() { jq -r .code "$BATS_TEST_TMPDIR/body"; }

# start_counter NAME [PORT]: the counting backend; sets BPORT, BLOG (one line
# per complete request it received) and BPID.
start_counter() {
	local out="$BATS_TEST_TMPDIR/counter.$1.$RANDOM"
	BLOG="$BATS_TEST_TMPDIR/backend-$1.log"
	touch "$BLOG"
	python3 "$top/tests/apim-proxy-backend.py" "$BLOG" "$1" ${2:-} >"$out" 2>&1 3>&- &
	BPID=$!
	track $BPID
	wait_line "$out" '^listening on'
	BPORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$BPORT" ]
}

# poll_code WANT CURL-ARGS...: repeat pcurl (up to 2 s) until the body's code
# is WANT; leaves $output as the last pcurl's.  For store changes, which a
# running proxy must see within a second.
poll_code() {
	local want=$1 i
	shift
	for i in $(seq 40); do
		output=$(pcurl "$@") || return 1
		[ "$(code_of)" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}
