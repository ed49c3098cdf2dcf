#!/bin/sh
# run.sh: every bats suite, the unit tests and the man-page lint; ends with
# one line "N passed, N failed".
cd "$(dirname "$0")/.." || exit 70
out=${APIM_BUILD:-build}/tests/tap.txt
mkdir -p "${APIM_BUILD:-build}/tests"
: > "$out"
for t in tests/*.bats; do
	[ -f "$t" ] || continue
	echo "# $t" >> "$out"
	bats --tap "$t" >> "$out" 2>&1
done
cat "$out" | grep -E '^(not ok|# tests/)' >&2
pass=$(grep -c '^ok ' "$out")
fail=$(grep -c '^not ok ' "$out")
if lint=$(mandoc -Tlint -W warning man/*.[1-9] 2>&1) && [ -z "$lint" ]; then
	pass=$((pass + 1))
else
	echo "not ok mandoc -Tlint:" >&2; echo "$lint" >&2
	fail=$((fail + 1))
fi
grep -A12 '^not ok ' "$out" | head -200 >&2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
