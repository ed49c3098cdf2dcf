#!/usr/bin/env bats
# loop-timer.bats: lib/loop's caller-owned timers (re-armed, stopped at any
# time, from their own callbacks, freed pending) under ASan and UBSan.
bats_require_minimum_version 1.5.0
load helper

# Build tests/unit/loop-timer.c with lib/loop.c and what it needs, sanitized.
build_sanitized() {
	local cflags
	cflags="-D_GNU_SOURCE -I$top/lib -O1 -g -fsanitize=address,undefined \
-fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	# shellcheck disable=SC2086
	cc $cflags -o "$BATS_TEST_TMPDIR/loop-timer" "$top/tests/unit/loop-timer.c" \
	    "$top/lib/loop.c" "$top/lib/buf.c" "$top/lib/err.c"
}

@test "timers under ASan: re-armed 100k times, stopped after firing, from callbacks, freed pending" {
	run -0 build_sanitized
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    run -0 "$BATS_TEST_TMPDIR/loop-timer"
	[ "$output" = ok ]
}

@test "timers in the normal build" {
	run -0 loop-timer
	[ "$output" = ok ]
}
