#!/usr/bin/env bats
# man-examples.bats: tools/man-examples.sh on fixture pages, then the EXAMPLES
# of every page in man/ (one run; failures are named by page and line).
bats_require_minimum_version 1.5.0
load helper

run_examples() { "$top/tools/man-examples.sh" "$@"; }

@test "the runner runs every \$ line of EXAMPLES, unescaped, in a fresh store" {
	export PIDFILE="$BATS_TEST_TMPDIR/bg.pid"
	run run_examples "$FIXTURES/man/good.7"
	[ "$status" -eq 0 ]
	[ "$output" = "good.7: 11 commands ran" ]
	# the background child was killed at the end (gone, or a zombie)
	[ -s "$PIDFILE" ]
	for _ in $(seq 100); do
		st=$(ps -o stat= -p "$(cat "$PIDFILE")" || true)
		[ -z "$st" ] && break
		[[ "$st" == Z* ]] && break
		sleep 0.05
	done
	[ -z "$st" ] || [[ "$st" == Z* ]]
}

@test "the runner stops at the first failing command and names it" {
	run -1 run_examples "$FIXTURES/man/bad.7"
	[[ "$output" == *"bad.7:10: exit 1: test -e nosuch.txt"* ]]
	[[ "$output" != *never* ]]
	[[ "$output" == *"man-examples: failed: bad.7"* ]]
}

@test "the runner goes on to the next page and fails overall" {
	run -1 run_examples "$FIXTURES/man/bad.7" "$FIXTURES/man/good.7"
	[[ "$output" == *"good.7: 11 commands ran"* ]]
	[[ "$output" == *"man-examples: failed: bad.7"* ]]
}

@test "the runner refuses a missing page and no page" {
	run -66 run_examples "$BATS_TEST_TMPDIR/nosuch.1"
	run -64 run_examples
}

@test "the EXAMPLES of every page in man/ run" {
	pages=("$top"/man/*.[1-9])
	[ -e "${pages[0]}" ]
	run run_examples "${pages[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the README's tour runs" {
	sed -n '/^```sh$/,/^```$/p' "$top/README.md" | sed '1d;$d' > "$BATS_TEST_TMPDIR/tour.sh"
	[ -s "$BATS_TEST_TMPDIR/tour.sh" ]
	cd "$BATS_TEST_TMPDIR"
	run bash -e tour.sh
	echo "$output"
	[ "$status" -eq 0 ]
	# the last line is the token response; its JWT header says at+jwt
	h=$(jq -r .access_token <<< "${lines[-1]}" | cut -d. -f1 | tr '_-' '/+')
	while [ $(( ${#h} % 4 )) -ne 0 ]; do h="$h="; done
	[ "$(base64 -d <<< "$h" | jq -r .typ)" = at+jwt ]
}
