#!/bin/sh
# deps.sh: make sure the Debian packages apim builds and tests with are present.
# As root, install what is missing; otherwise print the exact apt-get line and fail.
set -u
pkgs="gcc make pkg-config libssl-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev
libyaml-dev bats mandoc sqlite3 jq curl openssl wrk time systemd iproute2 nginx"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 && exit 0
	echo "deps: apt-get failed" >&2
	exit 69
fi
echo "deps: missing packages; run as root:" >&2
echo "  apt-get install -y$missing" >&2
exit 69
