#!/usr/bin/env bats
# apim-throttle: the catalogue (policies, conditional groups, deny conditions,
# rules, check), live state (status, decisions, unblock), and the tier checks
# it brings to apim-publish and apim-subscribe.  Refused commands change nothing.
bats_require_minimum_version 1.5.0
load helper

setup() {
	apim-throttle policy list >/dev/null	# the store exists before any dump
}

# refused EXIT MESSAGE CMD...: CMD exits EXIT with MESSAGE on stderr and the
# store is unchanged.
refused() {
	local code=$1 msg=$2
	shift 2
	before=$(db_dump)
	run -"$code" "$@"
	[ "${lines[0]}" = "$msg" ] || { echo "got: ${lines[0]}"; false; }
	[ "$(db_dump)" = "$before" ]
}

mkapi() {	# mkapi NAME [create flags]: API NAME:1.0 at /name, published
	local name=$1
	shift
	apim-publish create --name "$name" --context "/${name,,}" --version 1.0 \
	    --endpoint http://127.0.0.1:9/ "$@" >/dev/null
	apim-publish lifecycle "$name:1.0" publish >/dev/null
}

# --- policies --------------------------------------------------------------

@test "the catalogue is seeded as WSO2 API Manager 4.x ships it" {
	run -0 apim-throttle policy list --json
	[ "$(jq -sc 'map([.kind, .name, .quota, .unit, .stopOnQuotaReach])' <<<"$output")" = \
	    '[["application","10PerMin",10,"minute",true],["application","20PerMin",20,"minute",true],["application","50PerMin",50,"minute",true],["application","Unlimited",null,null,true],["subscription","Gold",5000,"minute",true],["subscription","Silver",2000,"minute",true],["subscription","Bronze",1000,"minute",true],["subscription","Unauthenticated",500,"minute",true],["subscription","Unlimited",null,null,true],["api","50KPerMin",50000,"minute",true],["api","20KPerMin",20000,"minute",true],["api","10KPerMin",10000,"minute",true],["api","Unlimited",null,null,true]]' ]
	run -0 apim-throttle policy list --kind application
	[ "${lines[0]}" = "NAME       KIND         QUOTA        PER     BURST  STOP  DESCRIPTION" ]
	[ "${lines[1]}" = "10PerMin   application  10 requests  minute  -      yes   Allows 10 requests per minute" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "policy add, show, update and delete; --json prints the policy" {
	run -0 apim-throttle policy add Platinum --kind subscription --requests 100 \
	    --per minute --burst 10/second --no-stop-on-quota --description 'top tier' --json
	[ "$output" = '{"name":"Platinum","kind":"subscription","quotaType":"requests","quota":100,"unit":"minute","burst":10,"burstUnit":"second","stopOnQuotaReach":false,"description":"top tier"}' ]
	run -0 apim-throttle policy show Platinum
	[ "${lines[0]}" = "name              Platinum" ]
	[ "${lines[7]}" = "stopOnQuotaReach  no" ]
	run -0 apim-throttle policy update Platinum --bytes 4096 --per hour --burst none \
	    --stop-on-quota --json
	[ "$(jq -c '[.quotaType, .quota, .unit, .burst, .stopOnQuotaReach]' <<<"$output")" = '["bytes",4096,"hour",null,true]' ]
	run -0 apim-throttle policy add Daily --kind application --requests 1000 --per day
	[ "$output" = Daily ]
	run -0 apim-throttle policy delete Daily
	[ "$output" = "" ]
	run -1 apim-throttle policy show Daily
	[ "$output" = "apim-throttle: no policy 'Daily'" ]
}

@test "policy add refuses bad input and changes nothing" {
	refused 65 "apim-throttle: subscription policy 'Gold' already exists" \
	    apim-throttle policy add Gold --kind subscription --requests 1 --per minute
	refused 65 "apim-throttle: bad --per 'fortnight' (use one of second, minute, hour, day, week, month)" \
	    apim-throttle policy add P --kind api --requests 1 --per fortnight
	refused 65 "apim-throttle: bad --requests '0': a whole number from 1 to 4294967295 expected" \
	    apim-throttle policy add P --kind api --requests 0 --per minute
	refused 65 "apim-throttle: bad --kind 'user' (application, subscription, api)" \
	    apim-throttle policy add P --kind user --requests 1 --per minute
	refused 65 "apim-throttle: bad policy name 'a,b' (letters, digits, '.', '_' and '-')" \
	    apim-throttle policy add a,b --kind api --requests 1 --per minute
	refused 65 "apim-throttle: bad --burst '5/hour' (N/second or N/minute)" \
	    apim-throttle policy add P --kind subscription --requests 1 --per minute --burst 5/hour
	refused 64 "apim-throttle: --burst is for subscription policies" \
	    apim-throttle policy add P --kind api --requests 1 --per minute --burst 5/second
	refused 64 "apim-throttle: give --requests or --bytes, not both" \
	    apim-throttle policy add P --kind api --requests 1 --bytes 1 --per minute
	refused 64 "apim-throttle: --kind application|subscription|api is required" \
	    apim-throttle policy add P --requests 1 --per minute
	refused 64 "apim-throttle: policy 'Unlimited' exists in several kinds: give --kind" \
	    apim-throttle policy delete Unlimited
	refused 1 "apim-throttle: no policy 'Nope'" apim-throttle policy update Nope --requests 5
	refused 65 "apim-throttle: the Unlimited policies have no quota to change" \
	    apim-throttle policy update Unlimited --kind api --requests 5
}

@test "a policy in use cannot be deleted; the message names one user" {
	mkapi Pets --tiers Gold --policy 10KPerMin
	apim-subscribe app create shop --tier 20PerMin >/dev/null
	refused 65 "apim-throttle: subscription policy 'Gold' is in use by API 'Pets:1.0'" \
	    apim-throttle policy delete Gold --kind subscription
	refused 65 "apim-throttle: api policy '10KPerMin' is in use by API 'Pets:1.0'" \
	    apim-throttle policy delete 10KPerMin
	refused 65 "apim-throttle: application policy '20PerMin' is in use by application 'tester:shop'" \
	    apim-throttle policy delete 20PerMin
	run -0 apim-throttle policy delete Bronze
}

@test "conditional groups: add, list, delete; bad IPs, ranges and regexes are refused" {
	run -0 apim-throttle policy condition add 10KPerMin --ip-range 10.0.0.1-10.0.0.9 \
	    --requests 5 --per minute --json
	[ "$output" = '{"id":1,"policy":"10KPerMin","type":"ip-range","name":null,"value":"10.0.0.1","value2":"10.0.0.9","invert":false,"requests":5,"per":"minute"}' ]
	run -0 apim-throttle policy condition add 10KPerMin --header 'User-Agent=^curl/' \
	    --invert --requests 50 --per hour
	[ "$output" = 2 ]
	run -0 apim-throttle policy condition list 10KPerMin --json
	[ "$(jq -sc 'map([.id, .type, .name, .value, .invert])' <<<"$output")" = \
	    '[[1,"ip-range",null,"10.0.0.1",false],[2,"header","User-Agent","^curl/",true]]' ]
	[ "$(apim-throttle policy show 10KPerMin --json | jq -c '.conditions | length')" = 2 ]
	refused 65 "apim-throttle: bad --ip-range '10.0.0.9-10.0.0.1': the first address is above the last" \
	    apim-throttle policy condition add 10KPerMin --ip-range 10.0.0.9-10.0.0.1 --requests 1 --per minute
	refused 65 "apim-throttle: bad --ip-range '10.0.0.1-::1': FIRST-LAST addresses of one family expected" \
	    apim-throttle policy condition add 10KPerMin --ip-range 10.0.0.1-::1 --requests 1 --per minute
	refused 65 "apim-throttle: bad --ip '300.1.1.1': an IPv4 or IPv6 address expected" \
	    apim-throttle policy condition add 10KPerMin --ip 300.1.1.1 --requests 1 --per minute
	refused 65 "apim-throttle: bad --query regular expression '(': Unmatched ( or \\(" \
	    apim-throttle policy condition add 10KPerMin --query 'q=(' --requests 1 --per minute
	refused 65 "apim-throttle: bad --claim 'nope': NAME=REGEX expected" \
	    apim-throttle policy condition add 10KPerMin --claim nope --requests 1 --per minute
	refused 65 "apim-throttle: policy 'Gold' is a subscription policy: conditional groups belong to api policies" \
	    apim-throttle policy condition add Gold --ip 10.0.0.1 --requests 1 --per minute
	refused 1 "apim-throttle: no policy 'Nope'" \
	    apim-throttle policy condition add Nope --ip 10.0.0.1 --requests 1 --per minute
	refused 64 "apim-throttle: give one of --ip, --ip-range, --header, --query, --claim" \
	    apim-throttle policy condition add 10KPerMin --requests 1 --per minute
	run -0 apim-throttle policy condition delete 10KPerMin 1
	refused 1 "apim-throttle: policy '10KPerMin' has no condition 1" \
	    apim-throttle policy condition delete 10KPerMin 1
}

# --- deny conditions -------------------------------------------------------

@test "deny add, list, disable, enable, delete" {
	run -0 apim-throttle deny add --app bob:shop --json
	[ "$output" = '{"id":1,"type":"app","value":"bob:shop","value2":null,"invert":false,"enabled":true}' ]
	run -0 apim-throttle deny add --ip-range 192.0.2.0-192.0.2.255 --invert
	[ "$output" = 2 ]
	apim-throttle deny add --api /pets >/dev/null
	apim-throttle deny add --user mallory >/dev/null
	apim-throttle deny add --ip 2001:db8::1 >/dev/null
	apim-throttle deny add --subscription 7e0b1c2d >/dev/null
	run -0 apim-throttle deny disable 1 --json
	[ "$(jq -c .enabled <<<"$output")" = false ]
	run -0 apim-throttle deny enable 1
	run -0 apim-throttle deny list
	[ "${lines[0]}" = "ID  TYPE          VALUE        TO           INVERT  ENABLED" ]
	[ "${lines[2]}" = "2   ip-range      192.0.2.0    192.0.2.255  yes     yes" ]
	[ "${#lines[@]}" -eq 7 ]
	run -0 apim-throttle deny delete 6
	refused 1 "apim-throttle: no deny condition 6" apim-throttle deny delete 6
}

@test "deny add refuses bad input and duplicates" {
	apim-throttle deny add --user mallory >/dev/null
	refused 65 "apim-throttle: that deny condition already exists" apim-throttle deny add --user mallory
	refused 65 "apim-throttle: bad --app 'shop': OWNER:NAME expected" apim-throttle deny add --app shop
	refused 65 "apim-throttle: bad --api 'pets': an API context (/pets) expected" apim-throttle deny add --api pets
	refused 65 "apim-throttle: bad --ip-range '1.2.3.4': FIRST-LAST addresses of one family expected" \
	    apim-throttle deny add --ip-range 1.2.3.4
	refused 64 "apim-throttle: give one of --api, --app, --user, --ip, --ip-range, --subscription" \
	    apim-throttle deny add --user a --ip 1.2.3.4
	refused 64 "apim-throttle: bad ID 'x': a number expected" apim-throttle deny enable x
	refused 65 "apim-throttle: invalid user 'a\\x09b': contains a control character" apim-throttle deny add --user $'a\tb'
}

# --- rules -----------------------------------------------------------------

@test "rule add, list, show, disable, enable, delete" {
	run -0 apim-throttle rule add errors --key '$userName:$apiContext' --limit 5 \
	    --per minute --block-for 10m --where 'proxyResponseCode >= 400 && apiContext == "/pets"' --json
	[ "$output" = '{"name":"errors","key":"$userName:$apiContext","limit":5,"per":"minute","blockForSeconds":600,"where":"proxyResponseCode >= 400 && apiContext == \"/pets\"","enabled":true,"activeDecisions":0}' ]
	run -0 apim-throttle rule add byip --key '${userIp}' --limit 100 --per second --block-for 30
	[ "$output" = byip ]
	run -0 apim-throttle rule list --json
	[ "$(jq -sc 'map(.name)' <<<"$output")" = '["byip","errors"]' ]
	run -0 apim-throttle rule show errors
	[ "${lines[1]}" = 'key               $userName:$apiContext' ]
	run -0 apim-throttle rule disable errors --json
	[ "$(jq -c .enabled <<<"$output")" = false ]
	run -0 apim-throttle rule enable errors
	run -0 apim-throttle rule delete byip
	refused 1 "apim-throttle: no rule 'byip'" apim-throttle rule show byip
}

@test "rule add refuses a bad expression with its column, a bad key and bad numbers" {
	refused 65 "apim-throttle: bad --where: column 22: number field 'proxyResponseCode' compared with a string" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1m \
	    --where 'proxyResponseCode >= "x"'
	refused 65 "apim-throttle: bad --where: column 1: unknown field 'nosuch'" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1m \
	    --where 'nosuch == 1'
	refused 65 "apim-throttle: bad --where: column 11: bad regular expression: Unmatched ( or \\(" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1m \
	    --where 'userIp =~ "("'
	refused 65 "apim-throttle: bad --key: column 6: unknown field 'nosuch'" \
	    apim-throttle rule add r --key 'user:$nosuch' --limit 1 --per minute --block-for 1m
	refused 65 "apim-throttle: bad --key: column 1: a key template needs at least one \$field" \
	    apim-throttle rule add r --key 'fixed' --limit 1 --per minute --block-for 1m
	refused 65 "apim-throttle: bad --block-for '10y' (N, Ns, Nm, Nh, Nd or Nw)" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 10y
	refused 65 "apim-throttle: bad --limit '-1': a whole number from 1 to 4294967295 expected" \
	    apim-throttle rule add r --key '$userName' --limit -1 --per minute --block-for 1m
	refused 64 "apim-throttle: --key, --limit, --per and --block-for are required" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute
	apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1m >/dev/null
	refused 65 "apim-throttle: rule 'r' already exists" \
	    apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1m
}

# --- the catalogue is the one source of tier names -------------------------

@test "apim-publish refuses tiers and policies that are not in the catalogue" {
	refused 65 "apim-publish: unknown subscription tier 'Platinum' (use one of Gold, Silver, Bronze, Unauthenticated, Unlimited)" \
	    apim-publish create --name Pets --context /pets --version 1.0 \
	    --endpoint http://127.0.0.1:9/ --tiers Gold,Platinum
	refused 65 "apim-publish: unknown API policy '10PerMin' (use one of 50KPerMin, 20KPerMin, 10KPerMin, Unlimited, Gold, Silver, Bronze, Unauthenticated, Unlimited)" \
	    apim-publish create --name Pets --context /pets --version 1.0 \
	    --endpoint http://127.0.0.1:9/ --policy 10PerMin
	mkapi Pets --tiers Gold
	refused 65 "apim-publish: unknown subscription tier 'Nope' (use one of Gold, Silver, Bronze, Unauthenticated, Unlimited)" \
	    apim-publish update Pets:1.0 --tiers Nope
	refused 65 "apim-publish: unknown resource tier 'Nope' (use one of 50KPerMin, 20KPerMin, 10KPerMin, Unlimited, Gold, Silver, Bronze, Unauthenticated, Unlimited)" \
	    apim-publish resource add Pets:1.0 GET /pets --tier Nope
	run -0 apim-publish resource add Pets:1.0 GET /pets --tier 10KPerMin
	# a policy made with apim-throttle is a valid tier at once
	apim-throttle policy add Platinum --kind subscription --requests 9 --per minute >/dev/null
	run -0 apim-publish update Pets:1.0 --tiers Gold,Platinum
}

@test "apim-subscribe refuses application and subscription tiers that are not in the catalogue" {
	refused 65 "apim-subscribe: unknown application tier 'Gold' (use one of 10PerMin, 20PerMin, 50PerMin, Unlimited)" \
	    apim-subscribe app create shop --tier Gold
	apim-subscribe app create shop --tier 10PerMin >/dev/null
	refused 65 "apim-subscribe: unknown application tier 'Big' (use one of 10PerMin, 20PerMin, 50PerMin, Unlimited)" \
	    apim-subscribe app update shop --tier Big
	apim-throttle policy add Big --kind application --requests 9 --per minute >/dev/null
	run -0 apim-subscribe app update shop --tier Big
	mkapi Pets --tiers Gold,Silver
	# a tier that has left the catalogue since the API offered it
	sqlite3 "$APIM_DB" "INSERT INTO api_tier SELECT id, 'Gone', 9 FROM api"
	refused 65 "apim-subscribe: unknown subscription tier 'Gone' (use one of Gold, Silver, Bronze, Unauthenticated, Unlimited)" \
	    apim-subscribe subscribe shop Pets:1.0 --tier Gone
	run -0 apim-subscribe subscribe shop Pets:1.0 --tier Silver
}

@test "check reports rows that name a missing policy (exit 1)" {
	run -0 apim-throttle check
	[ "$output" = "" ]
	mkapi Pets --tiers Gold --policy 10KPerMin
	apim-subscribe app create shop --tier 10PerMin >/dev/null
	sqlite3 "$APIM_DB" "UPDATE application SET tier = 'Old'; UPDATE api SET api_policy = 'Gone';
	    INSERT INTO api_tier SELECT id, 'Lost', 9 FROM api"
	run -1 apim-throttle check
	[ "${lines[0]}" = "ROW                        FIELD   KIND          MISSING POLICY" ]
	[ "${lines[1]}" = "API 'Pets:1.0'             policy  api           Gone" ]
	[ "${lines[2]}" = "API 'Pets:1.0'             tiers   subscription  Lost" ]
	[ "${lines[3]}" = "application 'tester:shop'  tier    application   Old" ]
	[ "${#lines[@]}" -eq 4 ]
	run -1 apim-throttle check --json
	[ "$(jq -sc 'map(.policy)' <<<"$output")" = '["Gone","Lost","Old"]' ]
}

# --- live state ------------------------------------------------------------

@test "status shows counters and decisions; unblock removes a decision; decisions --expire" {
	now=$(($(date +%s) * 1000))
	apim-throttle rule add r --key '$userName' --limit 1 --per minute --block-for 1h >/dev/null
	sqlite3 "$APIM_DB" "INSERT INTO decision VALUES ('r', 'bob', 'test', $((now + 3600000)), $now),
	    ('r', 'old', 'test', $((now - 1000)), $now)"
	throttle-check take "$(dirname "$APIM_DB")/counters" 'sub:s1' 10 60000 3 >/dev/null
	run -0 apim-throttle status --json
	[ "$(jq -sc 'map([.type, .key, .count])' <<<"$output")" = '[["counter","sub:s1",3],["decision","bob",null]]' ]
	run -0 apim-throttle status bob
	[ "${lines[1]%% *}" = decision ]
	run -1 apim-throttle status nobody
	[ "${lines[-1]}" = "apim-throttle: nothing known about key 'nobody'" ]
	run -0 apim-throttle decisions --json
	[ "$(jq -sc 'map(.key)' <<<"$output")" = '["bob"]' ]
	run -0 apim-throttle decisions --expire
	[ "$output" = "1 expired" ]
	run -0 apim-throttle unblock bob
	[ "$output" = "1 decision removed" ]
	refused 1 "apim-throttle: no active decision for key 'bob'" apim-throttle unblock bob
}

@test "--help lists every command" {
	run -0 apim-throttle --help
	[[ $output == *"apim-throttle policy condition add NAME"* ]]
	[[ $output == *"apim-throttle run [FILE...]"* ]]
	run -64 apim-throttle frobnicate
}

@test "a subscription policy used as an API's policy or a resource tier is in use" {
	apim-throttle policy add Spare --kind subscription --requests 5 --per minute >/dev/null
	mkapi Pets --tiers Gold --policy Spare
	refused 65 "apim-throttle: subscription policy 'Spare' is in use by API 'Pets:1.0'" \
	    apim-throttle policy delete Spare
	apim-publish update Pets:1.0 --policy Unlimited >/dev/null
	apim-publish resource add Pets:1.0 GET /pets --tier Spare
	refused 65 "apim-throttle: subscription policy 'Spare' is in use by resource 'GET /pets' of API 'Pets:1.0'" \
	    apim-throttle policy delete Spare
}
