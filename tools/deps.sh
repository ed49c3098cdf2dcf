#!/bin/sh
# deps.sh: the Debian packages apim builds, tests, benchmarks and fuzzes with.
#   sh tools/deps.sh [GROUP...]           install what is missing (root only;
#                                          otherwise print the apt-get line, 69)
#   sh tools/deps.sh --check [GROUP...]   never install: name what is missing
#                                          and the command that installs it, 69
#   sh tools/deps.sh --ensure [GROUP...]  --check; if something is missing and
#                                          we are root with apt-get, install it
# GROUP: build, test, bench, clang (clang with its sanitizer and libFuzzer
# runtimes: make check-sanitize, make fuzz); default build test bench.  A package counts
# as present when what it provides is found (a command, a pkg-config module,
# libFuzzer), so this works outside Debian too.  `make` uses --check build,
# `make check`/`make demo`/`make check-sanitize` --ensure, `make deps` and
# .ci/run install.
set -u
mode=install
case ${1:-} in
--check | --ensure) mode=${1#--}; shift ;;
-*) echo "usage: deps.sh [--check|--ensure] [build|test|bench|clang...]" >&2; exit 64 ;;
esac
[ $# -gt 0 ] || set -- build test bench

# PACKAGE PROBE, by group; a probe is cmd:NAME, pc:MODULE or fuzzer
build="gcc cmd:cc
make cmd:make
pkg-config cmd:pkg-config
libssl-dev pc:openssl
libsqlite3-dev pc:sqlite3
libjansson-dev pc:jansson
libcurl4-openssl-dev pc:libcurl
libyaml-dev pc:yaml-0.1"
test="bats cmd:bats
mandoc cmd:mandoc
sqlite3 cmd:sqlite3
jq cmd:jq
curl cmd:curl
openssl cmd:openssl
iproute2 cmd:ss
procps cmd:pgrep
python3 cmd:python3
systemd cmd:systemd-socket-activate
chromium cmd:chromium"
bench="wrk cmd:wrk
time cmd:/usr/bin/time
nginx cmd:nginx"
clang="clang cmd:clang
libclang-rt-14-dev fuzzer"

present() {
	case $1 in
	cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
	pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
	fuzzer) command -v clang >/dev/null 2>&1 &&
		[ -f "$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a")" ] ;;
	esac
}

missing=
for g in "$@"; do
	case $g in
	build) list=$build ;;
	test) list=$test ;;
	bench) list=$bench ;;
	clang) list=$clang ;;
	*) echo "deps: unknown group '$g' (build, test, bench, clang)" >&2; exit 64 ;;
	esac
	missing=$missing$(printf '%s\n' "$list" | while read -r pkg probe; do
		present "$probe" || printf ' %s' "$pkg"
	done)
done
[ -z "$missing" ] && exit 0

if [ "$mode" != check ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 && exit 0
	echo "deps: apt-get failed" >&2
	exit 69
fi
echo "deps: missing packages ($*); as root, run:" >&2
echo "  apt-get install -y$missing" >&2
exit 69
