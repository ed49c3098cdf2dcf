#!/usr/bin/env bash
# man-examples.sh: run the EXAMPLES of mdoc pages.  In each ".Bd -literal"
# block of the EXAMPLES section, a line starting with "$ " is a shell command.
#
# usage: tools/man-examples.sh [-v] PAGE...
#
# Each page runs in a fresh temporary folder (its cwd) with APIM_DB, APIM_KEYDIR
# and APIM_EVENTS inside it, APIM_CONF=/dev/null, and build/bin and build/tests
# first in PATH, as one "bash -e" script: the first failing command stops the
# page and is named with its line.  A command may end with " &" to run in the
# background; children left at the end are killed.  A line ending in "\e"
# (a backslash) continues on the next, and a here-document ("<<'EOF'") takes
# the lines up to its delimiter.  -v shows the commands and their output.
# Exit 0 if every page ran, 1 if a page failed, 64 usage, 66 missing page.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
if [ $# -eq 0 ]; then
	echo "usage: man-examples.sh [-v] PAGE..." >&2
	exit 64
fi
timeout_s=${MAN_EXAMPLES_TIMEOUT:-120}

# Print the commands of page $1 as "LINE<TAB>COMMAND", roff escapes undone.
extract() {
	awk '
	function unescape(s) {
		gsub(/\\&/, "", s)
		gsub(/\\\(aq|\\\[aq\]/, "\047", s)
		gsub(/\\\(dq|\\\[dq\]/, "\"", s)
		gsub(/\\\(ga|\\\[ga\]/, "`", s)
		gsub(/\\\(ti|\\\[ti\]/, "~", s)
		gsub(/\\\(ha|\\\[ha\]/, "^", s)
		gsub(/\\\(rs|\\\[rs\]/, "\001", s)
		gsub(/\\e/, "\001", s)
		gsub(/\\-/, "-", s)
		gsub(/\001/, "\\", s)
		return s
	}
	/^\.Sh / { inex = ($2 == "EXAMPLES"); lit = 0; next }
	!inex { next }
	/^\.Bd[ \t]/ && / -literal/ { lit = 1; next }
	/^\.Ed/ { lit = 0; next }
	!lit { next }
	/^\.\\"/ { next }
	{
		line = unescape($0)
		if (here != "") {		# inside a here-document
			cmd = cmd "\n" line
			if (line != here)
				next
			here = ""
		} else if (cont != "") {
			cmd = cmd "\n" line
		} else if (line ~ /^\$ /) {
			cmd = substr(line, 3); start = NR
		} else
			next
		if (cmd ~ /\\$/) { cont = 1; next }
		cont = ""
		if (match(line, /<<-?[ \t]*[\047"]?[A-Za-z_][A-Za-z_0-9]*/)) {
			here = substr(line, RSTART, RLENGTH)
			sub(/^<<-?[ \t]*[\047"]?/, "", here)
			next
		}
		gsub(/\n/, "\002", cmd)
		printf "%d\t%s\n", start, cmd
	}' "$1"
}

run_page() {
	local page=$1 name dir script n=0 line cmd pid rc
	name=$(basename "$page")
	if [ ! -r "$page" ]; then
		echo "man-examples: cannot read '$page'" >&2
		return 66
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/man-examples.XXXXXX")
	script=$dir/.examples.sh
	{
		echo 'trap '\''rc=$?; [ $rc -eq 0 ] || printf "%s:%s: exit %d: %s\n" "$__page" "$__line" $rc "$__cmd" > "$__fail"'\'' EXIT'
		printf '__page=%q; __fail=%q\n' "$name" "$dir/.failed"
		while IFS=$'\t' read -r line cmd; do
			cmd=${cmd//$'\002'/$'\n'}
			printf '__line=%s; __cmd=%q\n' "$line" "$cmd"
			[ "$verbose" = 1 ] && echo 'printf "$ %s\n" "$__cmd"'
			printf '%s\n' "$cmd"
			n=$((n + 1))
		done < <(extract "$page")
	} > "$script"
	if [ "$n" -eq 0 ]; then
		echo "$name: no example commands"
		rm -rf "$dir"
		return 0
	fi
	# setsid: the page runs in its own session and process group (its
	# id is $!), so whatever it leaves behind can be killed at once.
	(
		cd "$dir" &&
		export APIM_DB="$dir/apim.db" APIM_KEYDIR="$dir/keys" \
		    APIM_EVENTS="$dir/events.ndjson" APIM_CONF=/dev/null \
		    PATH="${APIM_BUILD:-$top/build}/bin:${APIM_BUILD:-$top/build}/tests:$PATH" &&
		exec setsid timeout -k 5 "$timeout_s" bash -e "$script" < /dev/null
	) > "$dir/.log" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	# what the page left running gets SIGTERM, then SIGKILL if it is
	# still there after 5 s (a process that ignores TERM must not hang
	# the suite)
	if kill -TERM -- "-$pid" 2>/dev/null; then
		for _ in $(seq 50); do
			pgrep -g "$pid" >/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$pid" 2>/dev/null
	fi
	if [ "$verbose" = 1 ] || [ "$rc" -ne 0 ]; then
		sed 's/^/  | /' "$dir/.log"
	fi
	if [ "$rc" -ne 0 ]; then
		if [ -s "$dir/.failed" ]; then
			cat "$dir/.failed"
		else
			echo "$name: failed with exit $rc (timeout ${timeout_s}s?)"
		fi
		rm -rf "$dir"
		return 1
	fi
	echo "$name: $n commands ran"
	rm -rf "$dir"
	return 0
}

status=0
failed=
for p in "$@"; do
	run_page "$p"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		failed="$failed $(basename "$p")"
		[ "$status" -eq 0 ] && status=$rc
		[ "$rc" -eq 1 ] && status=1
	fi
done
[ -n "$failed" ] && echo "man-examples: failed:$failed" >&2
exit "$status"
