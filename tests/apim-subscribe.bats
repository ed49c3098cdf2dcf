#!/usr/bin/env bats
# apim-subscribe: discovery, applications, subscriptions, keys, API keys; and
# the publisher's side of subscriptions (apim-publish subscriptions/subscription).
bats_require_minimum_version 1.5.0
load helper

UUID='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# mkapi NAME STATE [create flags]: an API NAME:1.0 at /name, moved to STATE.
mkapi() {
	local name=$1 state=$2
	shift 2
	apim-publish create --name "$name" --context "/${name,,}" --version 1.0 \
	    --endpoint http://127.0.0.1:9/ "$@" >/dev/null
	case $state in
	CREATED) ;;
	PUBLISHED) apim-publish lifecycle "$name:1.0" publish ;;
	PROTOTYPED) apim-publish lifecycle "$name:1.0" prototype ;;
	BLOCKED) apim-publish lifecycle "$name:1.0" publish &&
		apim-publish lifecycle "$name:1.0" block ;;
	DEPRECATED) apim-publish lifecycle "$name:1.0" publish &&
		apim-publish lifecycle "$name:1.0" deprecate ;;
	RETIRED) apim-publish lifecycle "$name:1.0" publish &&
		apim-publish lifecycle "$name:1.0" deprecate &&
		apim-publish lifecycle "$name:1.0" retire ;;
	esac >/dev/null
}

# give_role USER ROLE: the consumer's role, kept by the key manager.
give_role() {
	printf 'pw\n' | apim-token user add "$1" --password-stdin --role "$2" >/dev/null
}

# --- general ---------------------------------------------------------------

@test "--help lists every command; unknown command and flag are usage errors" {
	run -0 apim-subscribe --help
	[[ $output == *"apim-subscribe app create NAME"* ]]
	[[ $output == *"apim-subscribe apikey revoke APP KEY"* ]]
	[[ $output == *"apim-subscribe keys regenerate APP"* ]]
	run -64 apim-subscribe frobnicate
	[ "${lines[0]}" = "apim-subscribe: unknown command 'frobnicate'" ]
	apim-subscribe app create shop >/dev/null
	before=$(db_dump)
	run -64 apim-subscribe app create other --colour blue
	[ "${lines[0]}" = "apim-subscribe: unknown option '--colour'" ]
	[[ ${lines[1]} == "usage: apim-subscribe app create NAME "* ]]
	[ "$(db_dump)" = "$before" ]
}

# --- applications ----------------------------------------------------------

@test "app create prints a new id; show by id or name; --json uses WSO2 names" {
	run -0 apim-subscribe app create shop --tier 20PerMin --token-type OPAQUE \
	    --description "my shop" --attr env=test --attr team=a=b \
	    --callback-url https://shop.example/cb
	[[ $output =~ $UUID ]]
	id=$output
	run -0 apim-subscribe --json app show shop
	[ "$(jq -r .applicationId <<<"$output")" = "$id" ]
	[ "$(jq -c '[.name,.throttlingPolicy,.tokenType,.description,.owner,.callbackUrl,.status,.subscriptionCount]' <<<"$output")" = \
	    '["shop","20PerMin","OAUTH","my shop","tester","https://shop.example/cb","APPROVED",0]' ]
	[ "$(jq -c .attributes <<<"$output")" = '{"env":"test","team":"a=b"}' ]
	run -0 apim-subscribe app show "$id"
	[ "${lines[0]}" = "applicationId     $id" ]
	[ "${lines[1]}" = "name              shop" ]
	[[ $output == *"attribute         env=test"* ]]
	run -0 apim-subscribe --json app create plain
	[ "$(jq -c '[.throttlingPolicy,.tokenType,.description,.attributes]' <<<"$output")" = '["Unlimited","JWT",null,{}]' ]
}

@test "app create: duplicate name, bad tier, token type, attribute, callback; nothing changes" {
	apim-subscribe app create shop >/dev/null
	before=$(db_dump)
	run -65 apim-subscribe app create shop
	[ "$output" = "apim-subscribe: application 'shop' already exists" ]
	run -65 apim-subscribe app create other --tier Gold
	[ "$output" = "apim-subscribe: unknown application tier 'Gold' (use one of 10PerMin, 20PerMin, 50PerMin, Unlimited)" ]
	run -64 apim-subscribe app create other --token-type saml
	[ "${lines[0]}" = "apim-subscribe: token type must be jwt or oauth (opaque), not 'saml'" ]
	run -64 apim-subscribe app create other --attr novalue
	[ "${lines[0]}" = "apim-subscribe: attribute 'novalue' is not KEY=VALUE" ]
	run -65 apim-subscribe app create other --callback-url ftp://x
	[ "$output" = "apim-subscribe: callback URL 'ftp://x' is not an http or https URL" ]
	run -65 apim-subscribe app create ""
	[ "$output" = "apim-subscribe: an application name cannot be empty" ]
	run -64 apim-subscribe app create
	[ "${lines[0]}" = "apim-subscribe: missing argument" ]
	[ "$(db_dump)" = "$before" ]
}

@test "owners: same name for two owners; another owner's app is 'no application'" {
	apim-subscribe app create shop >/dev/null
	run -0 apim-subscribe --as bob app create shop
	bobid=$output
	run -0 apim-subscribe app list
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "ID "*"NAME  OWNER   TIER       TOKEN  SUBSCRIPTIONS" ]]
	[[ ${lines[1]} == *"  shop  tester  Unlimited  jwt    0" ]]
	run -0 apim-subscribe app list --all --json
	[ "$(jq -r .owner <<<"$output" | tr '\n' ' ')" = "bob tester " ]
	before=$(db_dump)
	run -1 apim-subscribe app show "$bobid"
	[ "$output" = "apim-subscribe: no application '$bobid'" ]
	run -1 apim-subscribe app delete "$bobid"
	[ "$output" = "apim-subscribe: no application '$bobid'" ]
	run -1 apim-subscribe app update "$bobid" --tier 10PerMin
	[ "$output" = "apim-subscribe: no application '$bobid'" ]
	run -1 apim-subscribe keys generate "$bobid"
	[ "$output" = "apim-subscribe: no application '$bobid'" ]
	run -1 apim-subscribe app show nosuch
	[ "$output" = "apim-subscribe: no application 'nosuch'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "app update changes fields, sets and removes attributes; bad updates change nothing" {
	apim-subscribe app create shop --attr a=1 --attr b=2 --description old >/dev/null
	apim-subscribe app create taken >/dev/null
	run -0 apim-subscribe app update shop --name store --tier 50PerMin \
	    --token-type opaque --attr a= --attr c=3 --description new
	[ "$output" = "" ]
	run -0 apim-subscribe --json app show store
	[ "$(jq -c '[.name,.throttlingPolicy,.tokenType,.description,.attributes]' <<<"$output")" = \
	    '["store","50PerMin","OAUTH","new",{"b":"2","c":"3"}]' ]
	before=$(db_dump)
	run -65 apim-subscribe app update store --name taken
	[ "$output" = "apim-subscribe: application 'taken' already exists" ]
	run -64 apim-subscribe app update store
	[ "${lines[0]}" = "apim-subscribe: nothing to update" ]
	run -65 apim-subscribe app update store --tier Platinum
	[[ $output == "apim-subscribe: unknown application tier 'Platinum'"* ]]
	run -1 apim-subscribe app update shop --tier 10PerMin
	[ "$output" = "apim-subscribe: no application 'shop'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "app delete removes subscriptions and keys and revokes every token, in one go" {
	mkapi Pets PUBLISHED
	app=$(apim-subscribe app create shop --attr k=v)
	apim-subscribe app create keep >/dev/null
	apim-subscribe subscribe shop Pets:1.0 >/dev/null
	apim-subscribe subscribe keep Pets:1.0 >/dev/null
	apim-subscribe keys generate shop >/dev/null
	apim-subscribe keys generate keep >/dev/null
	ck=$(sqlite3 "$APIM_DB" "SELECT consumer_key FROM client WHERE app_id = '$app'")
	sqlite3 "$APIM_DB" "INSERT INTO token (id, kind, consumer_key, app_id, issued_ms, expires_ms)
	    VALUES ('t1', 'access', '$ck', NULL, 1, 9999999999999),
	           ('t2', 'refresh', NULL, '$app', 1, 9999999999999),
	           ('t3', 'access', 'other', 'other', 1, 9999999999999)"
	run -0 apim-subscribe --json app delete shop
	[ "$output" = "{\"applicationId\":\"$app\",\"revokedTokens\":2}" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT id FROM token WHERE revoked_ms IS NOT NULL ORDER BY id")" = "$(printf 't1\nt2')" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM subscription; SELECT count(*) FROM client;
	    SELECT count(*) FROM app_attr; SELECT count(*) FROM application")" = "$(printf '1\n1\n0\n1')" ]
	run -1 apim-subscribe app delete shop
	[ "$output" = "apim-subscribe: no application 'shop'" ]
}

# --- discovery -------------------------------------------------------------

@test "apis lists PUBLISHED, PROTOTYPED and DEPRECATED APIs, never CREATED, BLOCKED or RETIRED" {
	for s in CREATED PUBLISHED PROTOTYPED BLOCKED DEPRECATED RETIRED; do
		mkapi "A$s" "$s"
	done
	run -0 apim-subscribe apis
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == "ID "*"NAME         VERSION  CONTEXT       STATE       PROVIDER" ]]
	[[ ${lines[1]} == *"  ADEPRECATED  1.0      /adeprecated  DEPRECATED  tester" ]]
	[[ ${lines[2]} == *"  APROTOTYPED  1.0      /aprototyped  PROTOTYPED  tester" ]]
	[[ ${lines[3]} == *"  APUBLISHED   1.0      /apublished   PUBLISHED   tester" ]]
	run -0 apim-subscribe --json apis
	[ "$(jq -c '[.name,.isSubscriptionAvailable]' <<<"$output" | tr '\n' ' ')" = \
	    '["ADEPRECATED",false] ["APROTOTYPED",false] ["APUBLISHED",true] ' ]
	run -1 apim-subscribe api ACREATED:1.0
	[ "$output" = "apim-subscribe: no API 'ACREATED:1.0'" ]
	run -1 apim-subscribe api ARETIRED:1.0
	[ "$output" = "apim-subscribe: no API 'ARETIRED:1.0'" ]
}

@test "apis honours restricted visibility by the consumer's roles, --search and --tag" {
	mkapi Open PUBLISHED --tag pets --description "Find a pet"
	mkapi Secret PUBLISHED --visibility restricted --roles admin,ops
	mkapi Other PUBLISHED --tag shop
	run -0 apim-subscribe --json apis
	[ "$(jq -r .name <<<"$output" | tr '\n' ' ')" = "Open Other " ]
	give_role tester ops
	run -0 apim-subscribe --json apis
	[ "$(jq -r .name <<<"$output" | tr '\n' ' ')" = "Open Other Secret " ]
	run -0 apim-subscribe --as bob --json apis
	[ "$(jq -r .name <<<"$output" | tr '\n' ' ')" = "Open Other " ]
	run -1 apim-subscribe --as bob api Secret:1.0
	[ "$output" = "apim-subscribe: no API 'Secret:1.0'" ]
	run -0 apim-subscribe --json apis --search PET
	[ "$(jq -r .name <<<"$output")" = "Open" ]
	run -0 apim-subscribe --json apis --search /oth
	[ "$(jq -r .name <<<"$output")" = "Other" ]
	run -0 apim-subscribe --json apis --tag shop
	[ "$(jq -r .name <<<"$output")" = "Other" ]
	run -0 apim-subscribe apis --tag nothing
	[ "${#lines[@]}" -eq 1 ]
}

@test "api shows context, versions, resources, tiers and documents" {
	mkapi Pets PUBLISHED --tiers Gold,Silver --tag animals
	apim-publish scope add read
	apim-publish resource add Pets:1.0 GET /pets/{id} --scope read --tier Gold >/dev/null
	apim-publish doc add Pets:1.0 --name Start --type HOWTO --inline "Call GET /pets." >/dev/null
	apim-publish doc add Pets:1.0 --name Wiki --type OTHER --url https://wiki.example/pets >/dev/null
	apim-publish version Pets:1.0 2.0 >/dev/null
	apim-publish lifecycle Pets:2.0 publish >/dev/null
	run -0 apim-subscribe api Pets:1.0
	[[ $output == *$'context     /pets\n'* ]]
	[[ $output == *$'tiers       Gold, Silver\n'* ]]
	[[ $output == *$'versions    1.0, 2.0\n'* ]]
	[[ $output == *$'GET   /pets/{id}  -     Gold  read'* ]]
	[[ $output == *$'document Start (HOWTO)\nCall GET /pets.'* ]]
	[[ $output == *$'document Wiki (OTHER)\nhttps://wiki.example/pets'* ]]
	run -0 apim-subscribe --json api Pets:1.0
	[ "$(jq -c '[.context,.throttlingPolicies,.versions,.operations[0].target,.operations[0].scopes,.documents[0].inlineContent,.documents[1].sourceUrl]' <<<"$output")" = \
	    '["/pets",["Gold","Silver"],["1.0","2.0"],"/pets/{id}",["read"],"Call GET /pets.","https://wiki.example/pets"]' ]
	run -1 apim-subscribe api Nope:1.0
	[ "$output" = "apim-subscribe: no API 'Nope:1.0'" ]
}

# --- subscriptions ---------------------------------------------------------

@test "subscribe takes the first offered tier by default; again with another tier changes it" {
	mkapi Pets PUBLISHED --tiers Gold,Silver
	apim-subscribe app create shop >/dev/null
	run -0 apim-subscribe subscribe shop Pets:1.0
	[[ $output =~ $UUID ]]
	sub=$output
	[ "$(sqlite3 "$APIM_DB" "SELECT tier, status FROM subscription")" = "Gold|UNBLOCKED" ]
	run -0 apim-subscribe subscribe shop Pets:1.0 --tier Silver
	[ "$output" = "$sub" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*), tier FROM subscription")" = "1|Silver" ]
	run -0 apim-subscribe --json subscribe shop Pets:1.0 --tier Silver
	[ "$(jq -c '[.subscriptionId,.throttlingPolicy,.status,.apiInfo.name,.apiInfo.context]' <<<"$output")" = \
	    "[\"$sub\",\"Silver\",\"UNBLOCKED\",\"Pets\",\"/pets\"]" ]
}

@test "subscribe refuses a tier not offered, unknown app or API, and hidden APIs; nothing changes" {
	mkapi Pets PUBLISHED --tiers Gold,Silver
	mkapi Secret PUBLISHED --visibility restricted --roles admin
	apim-subscribe app create shop >/dev/null
	apim-subscribe --as bob app create bobs >/dev/null
	before=$(db_dump)
	run -65 apim-subscribe subscribe shop Pets:1.0 --tier Bronze
	[ "$output" = "apim-subscribe: API 'Pets:1.0' does not offer tier 'Bronze' (it offers Gold, Silver)" ]
	run -1 apim-subscribe subscribe shop Nope:1.0
	[ "$output" = "apim-subscribe: no API 'Nope:1.0'" ]
	run -1 apim-subscribe subscribe nosuch Pets:1.0
	[ "$output" = "apim-subscribe: no application 'nosuch'" ]
	run -1 apim-subscribe subscribe bobs Pets:1.0
	[ "$output" = "apim-subscribe: no application 'bobs'" ]
	run -1 apim-subscribe subscribe shop Secret:1.0
	[ "$output" = "apim-subscribe: no API 'Secret:1.0'" ]
	run -64 apim-subscribe subscribe shop
	[ "${lines[0]}" = "apim-subscribe: missing argument" ]
	[ "$(db_dump)" = "$before" ]
	give_role tester admin
	run -0 apim-subscribe subscribe shop Secret:1.0
}

@test "subscribe refuses CREATED, PROTOTYPED, BLOCKED, DEPRECATED and RETIRED APIs with the reason" {
	apim-subscribe app create shop >/dev/null
	for s in CREATED PROTOTYPED BLOCKED DEPRECATED RETIRED; do
		mkapi "A$s" "$s"
	done
	before=$(db_dump)
	for s in CREATED PROTOTYPED BLOCKED DEPRECATED RETIRED; do
		run -1 apim-subscribe subscribe shop "A$s:1.0"
		[ "$output" = "apim-subscribe: API 'A$s:1.0' is $s: only PUBLISHED APIs take subscriptions" ]
	done
	[ "$(db_dump)" = "$before" ]
}

@test "a deprecated API keeps its subscriptions but refuses a tier change" {
	mkapi Pets PUBLISHED --tiers Gold,Silver
	apim-subscribe app create shop >/dev/null
	apim-subscribe subscribe shop Pets:1.0 >/dev/null
	apim-publish lifecycle Pets:1.0 deprecate >/dev/null
	before=$(db_dump)
	run -1 apim-subscribe subscribe shop Pets:1.0 --tier Silver
	[ "$output" = "apim-subscribe: API 'Pets:1.0' is DEPRECATED: only PUBLISHED APIs take subscriptions" ]
	[ "$(db_dump)" = "$before" ]
	run -0 apim-subscribe subscriptions
	[[ ${lines[1]} == *"  shop         Pets:1.0  Gold  UNBLOCKED" ]]
}

@test "unsubscribe and subscriptions with --app and --api filters" {
	mkapi Pets PUBLISHED
	mkapi Shop PUBLISHED
	apim-subscribe app create a1 >/dev/null
	apim-subscribe app create a2 >/dev/null
	apim-subscribe --as bob app create b1 >/dev/null
	apim-subscribe subscribe a1 Pets:1.0 >/dev/null
	apim-subscribe subscribe a1 Shop:1.0 >/dev/null
	apim-subscribe subscribe a2 Pets:1.0 >/dev/null
	apim-subscribe --as bob subscribe b1 Pets:1.0 >/dev/null
	run -0 apim-subscribe subscriptions
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == "ID "*"APPLICATION  API       TIER       STATUS" ]]
	run -0 apim-subscribe --json subscriptions --app a1
	[ "$(jq -r .apiInfo.name <<<"$output" | tr '\n' ' ')" = "Pets Shop " ]
	run -0 apim-subscribe --json subscriptions --api Pets:1.0
	[ "$(jq -r .applicationInfo.name <<<"$output" | tr '\n' ' ')" = "a1 a2 " ]
	run -1 apim-subscribe subscriptions --app b1
	[ "$output" = "apim-subscribe: no application 'b1'" ]
	run -0 apim-subscribe --json unsubscribe a2 Pets:1.0
	[ "$(jq -c '[.applicationInfo.name,.apiInfo.name,.status]' <<<"$output")" = '["a2","Pets","UNBLOCKED"]' ]
	run -0 apim-subscribe unsubscribe a1 Pets:1.0
	[ "$output" = "" ]
	before=$(db_dump)
	run -1 apim-subscribe unsubscribe a1 Pets:1.0
	[ "$output" = "apim-subscribe: application 'a1' is not subscribed to 'Pets:1.0'" ]
	run -1 apim-subscribe unsubscribe a1 Nope:1.0
	[ "$output" = "apim-subscribe: no API 'Nope:1.0'" ]
	run -1 apim-subscribe unsubscribe b1 Pets:1.0
	[ "$output" = "apim-subscribe: no application 'b1'" ]
	[ "$(db_dump)" = "$before" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM subscription")" = 2 ]
}

@test "apim-publish subscriptions lists an API's subscribers; block, --production-only, unblock" {
	mkapi Pets PUBLISHED
	apim-subscribe app create shop >/dev/null
	apim-subscribe --as bob app create bobs >/dev/null
	sub=$(apim-subscribe subscribe shop Pets:1.0)
	apim-subscribe --as bob subscribe bobs Pets:1.0 >/dev/null
	run -0 apim-publish subscriptions Pets:1.0
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "ID "*"APPLICATION  OWNER   TIER       STATUS" ]]
	[[ ${lines[1]} == *"  bobs         bob     Unlimited  UNBLOCKED" ]]
	[[ ${lines[2]} == "$sub  shop         tester  Unlimited  UNBLOCKED" ]]
	run -0 apim-publish subscription block "$sub"
	[ "$(sqlite3 "$APIM_DB" "SELECT status FROM subscription WHERE id = '$sub'")" = BLOCKED ]
	run -0 apim-publish --json subscription block "$sub" --production-only
	[ "$(jq -r .status <<<"$output")" = PROD_ONLY_BLOCKED ]
	run -0 apim-subscribe --json subscriptions
	[ "$(jq -r .status <<<"$output")" = PROD_ONLY_BLOCKED ]
	run -0 apim-publish subscription unblock "$sub"
	[ "$(sqlite3 "$APIM_DB" "SELECT status FROM subscription WHERE id = '$sub'")" = UNBLOCKED ]
	before=$(db_dump)
	run -1 apim-publish subscription block nosuch
	[ "$output" = "apim-publish: no subscription 'nosuch'" ]
	run -1 apim-publish subscriptions Nope:1.0
	[ "$output" = "apim-publish: no API 'Nope:1.0'" ]
	run -64 apim-publish subscription block "$sub" --forever
	[ "${lines[0]}" = "apim-publish: unknown option '--forever'" ]
	[ "$(db_dump)" = "$before" ]
}

# --- OAuth client keys -----------------------------------------------------

@test "keys generate prints key and secret once; only a hash is stored, nowhere the secret" {
	apim-subscribe app create shop >/dev/null
	run -0 apim-subscribe keys generate shop --scopes read,write --validity 600
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^consumerKey\ +[A-Za-z0-9_-]{27}$ ]]
	[[ ${lines[1]} =~ ^consumerSecret\ +[A-Za-z0-9_-]{43}$ ]]
	key=$(awk '{print $2}' <<<"${lines[0]}")
	secret=$(awk '{print $2}' <<<"${lines[1]}")
	[ "$(sqlite3 "$APIM_DB" "SELECT consumer_key, key_type, grant_types, scopes, validity_s FROM client")" = \
	    "$key|PRODUCTION|client_credentials,password,refresh_token|read write|600" ]
	hash=$(sqlite3 "$APIM_DB" "SELECT secret_hash FROM client")
	[[ $hash == pbkdf2-sha256\$* ]]
	secret-check "$hash" <<<"$secret"
	run -1 secret-check "$hash" <<<"${secret}x"
	# the plain secret is in neither the database nor its write-ahead log
	for f in "$APIM_DB" "$APIM_DB-wal"; do
		[ ! -e "$f" ] || [ "$(grep -c -a -F -- "$secret" "$f")" = 0 ]
	done
	sqlite3 "$APIM_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	[ "$(grep -c -a -F -- "$secret" "$APIM_DB")" = 0 ]
	[ "$(grep -c -a -F -- "$key" "$APIM_DB")" -ge 1 ]	# grep does find what is there
	run -0 apim-subscribe keys show shop
	[[ $output != *"$secret"* ]]
	[ "${lines[1]}" = "PRODUCTION  $key  client_credentials,password,refresh_token  read,write  600" ]
}

@test "keys generate --json, sandbox keys beside production, chosen grant types" {
	apim-subscribe app create shop --callback-url https://cb.example/ >/dev/null
	run -0 apim-subscribe --json keys generate shop --type sandbox --grant-types password,client_credentials,password
	[ "$(jq -c '[.keyType,.supportedGrantTypes,.scopes,.validityTime,.callbackUrl]' <<<"$output")" = \
	    '["SANDBOX",["password","client_credentials"],[],3600,"https://cb.example/"]' ]
	[ "$(jq -r .consumerSecret <<<"$output" | wc -c)" = 44 ]
	run -0 apim-subscribe keys generate shop
	run -0 apim-subscribe --json keys show shop
	[ "$(jq -r .keyType <<<"$output" | tr '\n' ' ')" = "PRODUCTION SANDBOX " ]
	[ "$(jq 'has("consumerSecret")' <<<"$output" | sort -u)" = false ]
}

@test "keys generate refuses duplicates, bad grant types, validity, scopes and type; nothing changes" {
	apim-subscribe app create shop >/dev/null
	apim-subscribe keys generate shop >/dev/null
	before=$(db_dump)
	run -65 apim-subscribe keys generate shop
	[ "$output" = "apim-subscribe: application 'shop' already has PRODUCTION keys; use keys regenerate" ]
	run -65 apim-subscribe keys generate shop --type sandbox --grant-types implicit
	[ "$output" = "apim-subscribe: unknown grant type 'implicit' (use client_credentials, password or refresh_token)" ]
	for v in 0 -5 12x ""; do
		run -65 apim-subscribe keys generate shop --type sandbox --validity "$v"
		[ "$output" = "apim-subscribe: validity '$v' is not a positive number of seconds (at most 100 years)" ]
	done
	run -65 apim-subscribe keys generate shop --type sandbox --scopes 'a"b'
	[ "$output" = "apim-subscribe: scope 'a\"b' has a character OAuth does not allow" ]
	run -64 apim-subscribe keys generate shop --type staging
	[ "${lines[0]}" = "apim-subscribe: key type must be production or sandbox, not 'staging'" ]
	run -1 apim-subscribe keys generate nosuch
	[ "$output" = "apim-subscribe: no application 'nosuch'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "keys regenerate: a new secret works, the old one no longer does" {
	apim-subscribe app create shop >/dev/null
	old=$(apim-subscribe keys generate shop | awk '$1 == "consumerSecret" {print $2}')
	key=$(sqlite3 "$APIM_DB" "SELECT consumer_key FROM client")
	oldhash=$(sqlite3 "$APIM_DB" "SELECT secret_hash FROM client")
	run -0 apim-subscribe keys regenerate shop --type production
	[ "${lines[0]}" = "consumerKey     $key" ]
	new=$(awk '{print $2}' <<<"${lines[1]}")
	[ "$new" != "$old" ]
	hash=$(sqlite3 "$APIM_DB" "SELECT secret_hash FROM client")
	[ "$hash" != "$oldhash" ]
	secret-check "$hash" <<<"$new"
	run -1 secret-check "$hash" <<<"$old"
	[ "$(grep -c -a -F -- "$new" "$APIM_DB" "$APIM_DB-wal" | awk -F: '{s += $2} END {print s}')" = 0 ]
	before=$(db_dump)
	run -1 apim-subscribe keys regenerate shop --type sandbox
	[ "$output" = "apim-subscribe: application 'shop' has no SANDBOX keys" ]
	run -1 apim-subscribe --as bob keys regenerate shop
	[ "$output" = "apim-subscribe: no application 'shop'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "keys revoke deletes the client and revokes its tokens" {
	apim-subscribe app create shop >/dev/null
	apim-subscribe keys generate shop >/dev/null
	apim-subscribe keys generate shop --type sandbox >/dev/null
	ck=$(sqlite3 "$APIM_DB" "SELECT consumer_key FROM client WHERE key_type = 'PRODUCTION'")
	sk=$(sqlite3 "$APIM_DB" "SELECT consumer_key FROM client WHERE key_type = 'SANDBOX'")
	sqlite3 "$APIM_DB" "INSERT INTO token (id, kind, consumer_key, issued_ms, expires_ms)
	    VALUES ('p1', 'access', '$ck', 1, 9999999999999), ('s1', 'access', '$sk', 1, 9999999999999)"
	run -0 apim-subscribe --json keys revoke shop
	[ "$output" = "{\"consumerKey\":\"$ck\",\"keyType\":\"PRODUCTION\",\"revokedTokens\":1}" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT id FROM token WHERE revoked_ms IS NOT NULL")" = p1 ]
	[ "$(sqlite3 "$APIM_DB" "SELECT key_type FROM client")" = SANDBOX ]
	before=$(db_dump)
	run -1 apim-subscribe keys revoke shop
	[ "$output" = "apim-subscribe: application 'shop' has no PRODUCTION keys" ]
	run -64 apim-subscribe keys revoke shop --type test
	[ "${lines[0]}" = "apim-subscribe: key type must be production or sandbox, not 'test'" ]
	[ "$(db_dump)" = "$before" ]
}

@test "keys work with apim-token; regenerate stops the old secret; revoke and app delete end the tokens" {
	apim-subscribe app create shop >/dev/null
	apim-publish scope add read
	out=$(apim-subscribe keys generate shop --scopes read,write --grant-types client_credentials)
	key=$(awk '$1 == "consumerKey" {print $2}' <<<"$out")
	old=$(awk '$1 == "consumerSecret" {print $2}' <<<"$out")
	run -0 apim-token issue --client-id "$key" --client-secret-stdin --scope read <<<"$old"
	at=$(jq -r .access_token <<<"$output")
	[ "$(jq -r .scope <<<"$output")" = read ]
	run -0 apim-token introspect "$at"
	[ "$(jq -c '[.active,.client_id,.application.name]' <<<"$output")" = "[true,\"$key\",\"shop\"]" ]
	new=$(apim-subscribe keys regenerate shop | awk '$1 == "consumerSecret" {print $2}')
	run -1 apim-token issue --client-id "$key" --client-secret-stdin <<<"$old"
	[ "$output" = "apim-token: invalid_client: client authentication failed" ]
	run -0 apim-token issue --client-id "$key" --client-secret-stdin <<<"$new"
	at2=$(jq -r .access_token <<<"$output")
	run -1 apim-token issue --client-id "$key" --client-secret-stdin --grant password \
	    --username tester --password-stdin <<<"$(printf '%s\npw' "$new")"
	[ "$output" = "apim-token: unauthorized_client: the client may not use this grant type" ]
	run -0 apim-subscribe keys revoke shop
	run -1 apim-token introspect "$at2"
	[ "$output" = '{"active":false}' ]
	run -1 apim-token issue --client-id "$key" --client-secret-stdin <<<"$new"
	# app delete ends the tokens of every client of the application
	apim-subscribe app create shop2 >/dev/null
	out=$(apim-subscribe keys generate shop2 --type sandbox)
	key=$(awk '$1 == "consumerKey" {print $2}' <<<"$out")
	sec=$(awk '$1 == "consumerSecret" {print $2}' <<<"$out")
	at3=$(apim-token issue --client-id "$key" --client-secret-stdin <<<"$sec" | jq -r .access_token)
	run -0 apim-token introspect "$at3"
	[ "$(jq -r .active <<<"$output")" = true ]
	run -0 apim-subscribe app delete shop2
	run -1 apim-token introspect "$at3"
	[ "$output" = '{"active":false}' ]
}

# --- API keys ---------------------------------------------------------------

@test "apikey issues a signed JWT with WSO2's claims and records its jti" {
	mkapi Pets PUBLISHED --tiers Gold
	apim-subscribe app create shop --tier 10PerMin >/dev/null
	apim-subscribe subscribe shop Pets:1.0 >/dev/null
	run -0 apim-subscribe apikey shop --validity 300 --type sandbox \
	    --permitted-ip 10.0.0.0/8,192.168.1.7,2001:db8::/32 --permitted-referer 'www.example.com/*'
	[ "${#lines[@]}" -eq 1 ]
	key=$output
	run -0 jwt-tool verify JWT <<<"$key"
	claims=$output
	[ "$(jq -c '[.sub,.keytype,.application.name,.application.owner,.application.tier,.permittedIP,.permittedReferer,.exp - .iat]' <<<"$claims")" = \
	    '["tester","SANDBOX","shop","tester","10PerMin","10.0.0.0/8,192.168.1.7,2001:db8::/32","www.example.com/*",300]' ]
	[ "$(jq -c '.subscribedAPIs' <<<"$claims")" = \
	    '[{"context":"/pets","name":"Pets","publisher":"tester","subscriptionTier":"Gold","version":"1.0"}]' ]
	[ "$(jq -c '.tierInfo | keys' <<<"$claims")" = '["Gold"]' ]
	jti=$(jq -r .jti <<<"$claims")
	[[ $jti =~ $UUID ]]
	iat=$(jq -r .iat <<<"$claims")
	[ "$(sqlite3 "$APIM_DB" "SELECT kind, key_type, username, expires_ms / 1000 - $iat, revoked_ms IS NULL FROM token WHERE id = '$jti'")" = \
	    "apikey|SANDBOX|tester|300|1" ]
	run -0 apim-subscribe --json apikey shop
	[ "$(jq -c '[.keyType,.validityTime]' <<<"$output")" = '["PRODUCTION",-1]' ]
	run -0 jwt-tool verify JWT <<<"$(jq -r .apikey <<<"$output")"
	[ "$(jq 'has("exp")' <<<"$output")" = false ]
}

@test "apikey refuses a bad CIDR or referer and unknown apps; nothing changes" {
	apim-subscribe app create shop >/dev/null
	apim-subscribe apikey shop >/dev/null	# the signing key exists first
	before=$(db_dump)
	for ip in 10.0.0.0/33 2001:db8::/129 10.0.0.300 10.0.0.0/ 10.0.0.0/-1 fe80::zz example.com; do
		run -65 apim-subscribe apikey shop --permitted-ip "127.0.0.1,$ip"
		[ "$output" = "apim-subscribe: '$ip' is not a valid IP address or CIDR" ]
	done
	run -65 apim-subscribe apikey shop --validity 0
	[ "$output" = "apim-subscribe: validity '0' is not a positive number of seconds (at most 100 years)" ]
	run -64 apim-subscribe apikey shop --type live
	[ "${lines[0]}" = "apim-subscribe: key type must be production or sandbox, not 'live'" ]
	run -65 apim-subscribe apikey shop --permitted-referer 'a b'
	[ "$output" = "apim-subscribe: 'a b' is not a valid referer pattern" ]
	run -1 apim-subscribe apikey nosuch
	[ "$output" = "apim-subscribe: no application 'nosuch'" ]
	run -1 apim-subscribe --as bob apikey shop
	[ "$output" = "apim-subscribe: no application 'shop'" ]
	[ "$(db_dump)" = "$before" ]
	run -0 apim-subscribe --json apikey shop --permitted-ip 0.0.0.0/0,::/0,::ffff:10.0.0.1/128,fe80::1
	[ "$(jwt-tool verify JWT <<<"$(jq -r .apikey <<<"$output")" | jq -r .permittedIP)" = \
	    "0.0.0.0/0,::/0,::ffff:10.0.0.1/128,fe80::1" ]
}

@test "apikey revoke by the key itself or its jti" {
	apim-subscribe app create shop >/dev/null
	apim-subscribe app create other >/dev/null
	k1=$(apim-subscribe apikey shop)
	k2=$(apim-subscribe --json apikey shop | jq -r .jti)
	run -0 apim-subscribe apikey revoke shop "$k1"
	run -0 apim-subscribe --json apikey revoke shop "$k2"
	[ "$(jq -c '[.jti,.revoked]' <<<"$output")" = "[\"$k2\",true]" ]
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM token WHERE revoked_ms IS NOT NULL")" = 2 ]
	k3=$(apim-subscribe apikey shop)
	j3=$(jwt-tool verify JWT <<<"$k3" | jq -r .jti)
	before=$(db_dump)
	run -1 apim-subscribe apikey revoke other "$k3"
	[ "$output" = "apim-subscribe: application 'other' has no API key '$j3'" ]
	run -1 apim-subscribe apikey revoke shop nosuch
	[ "$output" = "apim-subscribe: application 'shop' has no API key 'nosuch'" ]
	run -65 apim-subscribe apikey revoke shop a.b
	[ "$output" = "apim-subscribe: cannot read the key's jti" ]
	[ "$(db_dump)" = "$before" ]
}

# --- the manual -------------------------------------------------------------

@test "apim-subscribe(1) is lint-clean and its EXAMPLES run" {
	run -0 mandoc -Tlint -W warning "$top/man/apim-subscribe.1"
	[ "$output" = "" ]
	awk '/^\.Sh /{ex = ($2 == "EXAMPLES")} ex && /^\.Bd -literal/{lit=1; next}
	    /^\.Ed/{lit=0} ex && lit && /^\$ /{sub(/^\$ /, ""); gsub(/\\-/, "-");
	    gsub(/\\e/, "\\"); print}' "$top/man/apim-subscribe.1" > "$BATS_TEST_TMPDIR/ex.sh"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/ex.sh")" -ge 10 ]
	cd "$BATS_TEST_TMPDIR"
	run -0 bash -e ex.sh
	[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM token WHERE kind = 'apikey' AND revoked_ms IS NOT NULL")" = 1 ]
}
