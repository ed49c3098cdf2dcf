#!/usr/bin/env bats
# demo.bats: `make demo`'s tour runs end to end and shows what it claims.
bats_require_minimum_version 1.5.0
load helper

@test "the demo tour runs: publish, subscribe, keys, tokens over HTTP, revoke" {
	# in a session of its own, to find anything it leaves running (a pgrep
	# by command line would also see other suites' servers)
	run -0 setsid -w sh -c 'echo $$ >"$1"; exec sh "$2"' _ "$BATS_TEST_TMPDIR/sid" "$top/tools/demo.sh"
	# the refused transition and the refused tier are shown with their codes
	[[ $output == *"cannot retire API 'PetStore:1.0.0': it is PUBLISHED"*"(exit 1)"* ]]
	[[ $output == *"does not offer tier 'Platinum'"*"(exit 65)"* ]]
	# a token was issued, a wrong secret refused, and the token revoked
	[[ $output == *'"token_type": "Bearer"'* ]]
	[[ $output == *'{"error":"invalid_client"'* ]]
	[[ $output == *'{"active":true,'*'{"active":false}'* ]]
	# apim-stats reported the gateway's own calls: PetStore's throttled one
	re=$'\nPetStore +429 +1 '
	[[ $output =~ $re ]]
	# the store showed a PBKDF2 hash, never the secret itself
	[[ $output == *'|pbkdf2-sha256$100000$'* ]]
	# nothing is left lying about or running
	re='store: ([^)]*)/apim\.db'
	[[ $output =~ $re ]]
	[ ! -e "${BASH_REMATCH[1]}" ]
	sid=$(cat "$BATS_TEST_TMPDIR/sid")
	[ -n "$sid" ]
	run -1 pgrep -s "$sid"
	[ "$output" = "" ]
}
