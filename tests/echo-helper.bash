# echo-helper.bash: tests/unit/http-echo as a background server, for the
# suites of the HTTP core (load helper first, then this).

# Start http-echo in the background with "$@"; sets PORT and SRV (its pid).
# Its stderr goes to $ECHO_ERR (default echo.err in the test's directory).
start_echo() {
	local out="$BATS_TEST_TMPDIR/echo.out" i
	http-echo --workers 1 "$@" >"$out" 2>>"${ECHO_ERR:-$BATS_TEST_TMPDIR/echo.err}" 3>&- &
	SRV=$!
	echo "$SRV" >>"$BATS_TEST_TMPDIR/pids"
	for i in $(seq 200); do
		grep -q '^listening on' "$out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$PORT" ]
}

# Stop every server the test started.
teardown() {
	local p
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	for p in $(cat "$BATS_TEST_TMPDIR/pids"); do
		kill "$p" 2>/dev/null || true
	done
}
