#!/bin/sh
# run.sh: every bats suite (several at once), the bats lint and the man-page
# lint, then sanitizer logs if APIM_SAN_LOGS names their directory.  Each suite
# counts only if bats exited 0 and its TAP plan (1..N) matches its ok/not ok
# lines.  Prints failing tests' output; the last line is "N passed, N failed".
#   APIM_TEST_JOBS  suites run at once (default: cores + 1, at most 4)
#   APIM_TEST_TIMEOUT  seconds one suite may take (default 1200)
#   sh tests/run.sh [SUITE.bats...]   only those suites (the bats lint on
#                                     them; the man-page lint still runs)
case $0 in */*) cd "${0%/*}/.." || exit 70 ;; *) cd .. || exit 70 ;; esac
B=${APIM_BUILD:-build}
res=${APIM_TEST_RESULTS:-$B/tests/results}

# --suite FILE: one suite, run by xargs below; writes NAME.tap, .err, .rc, .time
if [ "${1:-}" = --suite ]; then
	suite=$2
	n=$(basename "$suite" .bats)
	# a bats run inside a bats test (tests/build.bats) must not inherit its
	# state: its BATS_* variables, exported functions and PATH entry
	case ${BATS_LIBEXEC:-} in
	/*) PATH=$(printf '%s' "$PATH" | sed "s|^$BATS_LIBEXEC:||; s|:$BATS_LIBEXEC:|:|g") ;;
	esac
	set --
	for v in $(env | sed -n 's/^\(BATS_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(BASH_FUNC_[^=]*\)=.*/\1/p'); do
		set -- "$@" -u "$v"
	done
	t0=$(date +%s)
	env "$@" timeout -k 10 "${APIM_TEST_TIMEOUT:-1200}" bats --tap "$suite" \
	    >"$res/$n.tap" 2>"$res/$n.err" </dev/null
	echo $? >"$res/$n.rc"
	echo $(($(date +%s) - t0)) >"$res/$n.time"
	exit 0
fi

if ! command -v bats >/dev/null 2>&1; then
	echo "run.sh: bats is not installed; as root: apt-get install -y bats" >&2
	echo "0 passed, 1 failed"
	exit 69
fi

if [ $# -gt 0 ]; then
	suites=$*
else
	# biggest first, so the long suites do not start last
	suites=$(ls -S tests/*.bats 2>/dev/null)
fi
if [ -z "$suites" ]; then
	echo "run.sh: no tests/*.bats" >&2
	echo "0 passed, 1 failed"
	exit 66
fi
jobs=${APIM_TEST_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
[ "$jobs" -le 4 ] || jobs=4
rm -rf "$res"
mkdir -p "$res" || exit 73
if [ -n "${APIM_SAN_LOGS:-}" ]; then
	rm -rf "$APIM_SAN_LOGS"
	mkdir -p "$APIM_SAN_LOGS" || exit 73
fi

t0=$(date +%s)
printf '%s\n' $suites | xargs -P "$jobs" -I{} sh tests/run.sh --suite {}

pass=0
fail=0
for t in $suites; do
	n=$(basename "$t" .bats)
	f=$res/$n
	[ -f "$f.tap" ] || : >"$f.tap"
	rc=$(cat "$f.rc" 2>/dev/null || echo none)
	plan=$(sed -n '1s/^1\.\.\([0-9][0-9]*\)$/\1/p' "$f.tap" 2>/dev/null)
	ok=$(grep -c '^ok ' "$f.tap" 2>/dev/null)
	nok=$(grep -c '^not ok ' "$f.tap" 2>/dev/null)
	why=
	if [ "$rc" != 0 ] && [ "$nok" -eq 0 ]; then
		case $rc in
		124 | 137) why="timed out after ${APIM_TEST_TIMEOUT:-1200} s" ;;
		*) why="bats exited $rc" ;;
		esac
	elif [ "$rc" = 0 ] && [ "$nok" -ne 0 ]; then
		why="bats exited 0 despite $nok failures"
	fi
	if [ -z "$plan" ]; then
		why="${why:+$why; }no TAP plan"
	elif [ "$plan" -ne $((ok + nok)) ]; then
		why="${why:+$why; }plan 1..$plan but $((ok + nok)) results"
	fi
	echo "# $t: $ok ok, $nok not ok, $(cat "$f.time" 2>/dev/null)s${why:+ ($why)}" >&2
	pass=$((pass + ok))
	fail=$((fail + nok))
	if [ -n "$why" ]; then
		fail=$((fail + 1))
		echo "not ok $t: $why" >&2
		tail -20 "$f.tap" >&2
		tail -20 "$f.err" >&2
	fi
	# each failing test with the diagnostics bats printed after it
	awk '/^not ok / { p = 1; n = 0 } /^ok / { p = 0 }
	    p && n++ < 60' "$f.tap" >&2
done

# tools/bats-lint: checks that cannot fail (see the script)
# (the suites named, or every suite and helper)
if [ $# -gt 0 ]; then
	lintfiles=$suites
else
	lintfiles=$(ls tests/*.bats tests/*.bash)
fi
# shellcheck disable=SC2086 # a list of paths without spaces
if lint=$(python3 tools/bats-lint $lintfiles 2>&1); then
	pass=$((pass + 1))
else
	echo "not ok tools/bats-lint:" >&2
	echo "$lint" >&2
	fail=$((fail + 1))
fi
if lint=$(mandoc -Tlint -W warning man/*.[1-9] 2>&1) && [ -z "$lint" ]; then
	pass=$((pass + 1))
else
	echo "not ok mandoc -Tlint:" >&2
	echo "$lint" >&2
	fail=$((fail + 1))
fi
# sanitizer reports written to log files (background servers' included)
if [ -n "${APIM_SAN_LOGS:-}" ]; then
	if rep=$(sh tools/san-scan "$APIM_SAN_LOGS" 2>&1); then
		pass=$((pass + 1))
	else
		echo "not ok sanitizer reports in $APIM_SAN_LOGS:" >&2
		echo "$rep" | head -300 >&2
		fail=$((fail + 1))
	fi
fi
echo "# $(($(date +%s) - t0)) s with $jobs suites at a time" >&2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
