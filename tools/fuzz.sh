#!/bin/sh
# fuzz.sh DIR SECONDS HARNESS...: run each libFuzzer harness for SECONDS over
# its seeds (tests/fuzz/NAME/, read only; every file there is also a
# regression input, run first) and a working corpus DIR/corpus/NAME.  A crash
# leaves DIR/crash-NAME-* and the log DIR/NAME.log; exit 1 if any harness
# failed.  Run by `make fuzz` (FUZZ_SECONDS) and .ci/run.
[ $# -ge 3 ] || { echo "usage: fuzz.sh DIR SECONDS HARNESS..." >&2; exit 64; }
dir=$1 secs=$2
shift 2
failed=
for h in "$@"; do
	n=$(basename "$h" _fuzz)
	mkdir -p "$dir/corpus/$n"
	seeds=
	[ -d "tests/fuzz/$n" ] && seeds="tests/fuzz/$n"
	printf 'fuzz: %s for %s s ... ' "$n" "$secs"
	if "$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$dir/crash-$n-" -print_final_stats=1 \
	    "$dir/corpus/$n" $seeds >"$dir/$n.log" 2>&1; then
		echo "ok, $(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$n.log") runs"
	else
		echo "FAILED (log: $dir/$n.log)"
		grep -E '^(==[0-9]+==|SUMMARY|.*runtime error|check failed|artifact_prefix|Test unit written)' \
		    "$dir/$n.log" | head -20
		failed="$failed $n"
	fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
