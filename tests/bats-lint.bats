#!/usr/bin/env bats
# bats-lint.bats: tools/bats-lint finds checks that cannot fail a test, and
# accepts the shapes that can (fixtures in tests/fixtures/bats-lint).
bats_require_minimum_version 1.5.0
load helper

FX="$FIXTURES/bats-lint"

@test "every marked line of bad.bats is named, and no other" {
	run -1 "$top/tools/bats-lint" "$FX/bad.bats"
	got=$(printf '%s\n' "${lines[@]}" | cut -d: -f2 | paste -sd' ')
	want=$(grep -n '# flagged$' "$FX/bad.bats" | cut -d: -f1 | paste -sd' ')
	[ -n "$want" ]
	[ "$got" = "$want" ]
	[ "${lines[0]}" = "$FX/bad.bats:6: a \`!\` command before the end of a test never fails it; use \`run ! cmd\` or \`run cmd\` and check \$status" ]
}

@test "good.bats: control flow, conditions, quoting, here-documents and last commands pass" {
	run -0 "$top/tools/bats-lint" "$FX/good.bats"
	[ "$output" = "" ]
}

@test "usage, unreadable and unparsable files" {
	run -64 "$top/tools/bats-lint"
	[ "$output" = "usage: bats-lint FILE.bats..." ]
	run -66 "$top/tools/bats-lint" "$BATS_TEST_TMPDIR/nosuch.bats"
	[ "$output" = "bats-lint: cannot read '$BATS_TEST_TMPDIR/nosuch.bats': No such file or directory" ]
	printf '@test "x" {\n\techo "unclosed\n}\n' >"$BATS_TEST_TMPDIR/broken.bats"
	run -1 "$top/tools/bats-lint" "$BATS_TEST_TMPDIR/broken.bats"
	[[ "$output" == "$BATS_TEST_TMPDIR/broken.bats:0: cannot parse: "* ]]
}
