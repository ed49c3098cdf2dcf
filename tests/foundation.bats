#!/usr/bin/env bats
# foundation.bats: what every program shares: configuration precedence
# (file < APIM_* environment < flags), the store (migrations, user_version,
# WAL, foreign keys, busy timeout) and the command-line contract (--help,
# --version, exit codes).  Driven through apim-publish, a real program, and
# build/tests/apim-foundation-check for what no program prints.
bats_require_minimum_version 1.5.0
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "the store's path: conf file < APIM_DB < --db" {
	unset APIM_DB
	printf '# a comment\n\n  db =  %s/file.db  \n' "$PWD" > apim.conf
	export APIM_CONF=$PWD/apim.conf
	apim-publish create --name A --context /a --version 1 --endpoint http://127.0.0.1:1/
	[ -f file.db ]
	APIM_DB=$PWD/env.db apim-publish create --name B --context /b --version 1 --endpoint http://127.0.0.1:1/
	[ -f env.db ]
	APIM_DB=$PWD/env.db apim-publish --db "$PWD/flag.db" create --name C --context /c --version 1 --endpoint http://127.0.0.1:1/
	[ -f flag.db ]
	# each store got exactly the API created against it
	[ "$(sqlite3 file.db 'SELECT group_concat(name) FROM api')" = A ]
	[ "$(sqlite3 env.db 'SELECT group_concat(name) FROM api')" = B ]
	[ "$(sqlite3 flag.db 'SELECT group_concat(name) FROM api')" = C ]
	# --db also works after the command, and as --db=PATH
	apim-publish list --db="$PWD/flag.db" --json > out.json
	[ "$(jq -r .name out.json)" = C ]
}

@test "conf keys: last one wins, '=' in values, dots and dashes map to APIM_ names" {
	cat > apim.conf <<-'EOF'
	token.lifetime = 600
	issuer = https://first.example
	issuer = https://id.example/realm?a=b
	  listen-addr=127.0.0.1:8080
	EOF
	export APIM_CONF=$PWD/apim.conf
	[ "$(apim-foundation-check conf issuer)" = "https://id.example/realm?a=b" ]
	[ "$(apim-foundation-check conf token.lifetime)" = 600 ]
	[ "$(APIM_TOKEN_LIFETIME=60 apim-foundation-check conf token.lifetime)" = 60 ]
	[ "$(apim-foundation-check conf listen-addr)" = 127.0.0.1:8080 ]
	[ "$(APIM_LISTEN_ADDR=[::1]:9 apim-foundation-check conf listen-addr)" = "[::1]:9" ]
	# an empty environment value does not override
	[ "$(APIM_ISSUER= apim-foundation-check conf issuer)" = "https://id.example/realm?a=b" ]
	[ "$(apim-foundation-check conf keydir /var/lib/apim/keys)" = /var/lib/apim/keys ]
	run -1 apim-foundation-check conf keydir
}

@test "a malformed or missing config file exits 78 and creates nothing" {
	unset APIM_DB
	printf 'db = %s/x.db\nno equals sign here\n' "$PWD" > bad.conf
	run -78 env APIM_CONF="$PWD/bad.conf" apim-publish list
	[ "$output" = "apim-publish: $PWD/bad.conf:2: expected 'key = value'" ]
	printf ' = value\n' > empty.conf
	run -78 env APIM_CONF="$PWD/empty.conf" apim-publish list
	[ "$output" = "apim-publish: $PWD/empty.conf:1: empty key" ]
	run -78 env APIM_CONF="$PWD/nosuch.conf" apim-publish list
	[ "$output" = "apim-publish: cannot open '$PWD/nosuch.conf': No such file or directory" ]
	[ ! -e x.db ]
}

@test "a new store is migrated to the build's schema, in WAL mode, with foreign keys" {
	run apim-foundation-check store "$APIM_DB"
	[ "$status" -eq 0 ]
	n=${lines[0]#schema=}
	[ "$n" -ge 1 ]
	[ "${lines[1]}" = "user_version=$n" ]
	[ "${lines[2]}" = "journal_mode=wal" ]
	[ "${lines[3]}" = "foreign_keys=1" ]
	[ "${lines[4]}" = "busy_timeout=5000" ]
	# the mode and version are in the file, for every later opener
	[ "$(sqlite3 "$APIM_DB" 'PRAGMA journal_mode')" = wal ]
	[ "$(sqlite3 "$APIM_DB" 'PRAGMA user_version')" = "$n" ]
	for t in api resource doc lifecycle application subscription client token signing_key user; do
		[ "$(sqlite3 "$APIM_DB" "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='$t'")" = 1 ]
	done
	# opening again migrates nothing and changes nothing
	before=$(db_dump)
	apim-publish list > /dev/null
	[ "$(db_dump)" = "$before" ]
}

@test "foreign keys are on in the programs' connections (cascades happen)" {
	id=$(apim-publish create --name A --context /a --version 1 --endpoint http://127.0.0.1:1/ --tag t)
	apim-publish resource add "$id" GET /pets
	apim-publish doc add "$id" --name guide --type HOWTO --inline hello
	[ "$(sqlite3 "$APIM_DB" 'SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM doc) + (SELECT count(*) FROM api_tag)')" = 3 ]
	# apim-publish deletes only the api row; ON DELETE CASCADE does the rest,
	# which SQLite does only when foreign_keys is on for the connection
	apim-publish delete "$id"
	[ "$(sqlite3 "$APIM_DB" 'SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM doc) + (SELECT count(*) FROM api_tag) + (SELECT count(*) FROM api)')" = 0 ]
}

@test "a store newer than the build is refused with 78 and left alone" {
	apim-publish list > /dev/null
	sqlite3 "$APIM_DB" 'PRAGMA user_version = 999'
	before=$(db_dump)
	run -78 apim-publish list
	[[ "$output" == "apim-publish: '$APIM_DB' has schema version 999; this build knows up to "* ]]
	[ "$(db_dump)" = "$before" ]
}

@test "a file that is not a store exits 65; an impossible path exits 73" {
	echo 'not a database' > junk.db
	run -65 apim-publish --db junk.db list
	[ "$output" = "apim-publish: cannot open store 'junk.db': file is not a database" ]
	[ "$(cat junk.db)" = 'not a database' ]
	touch plainfile
	run -73 apim-publish --db plainfile/sub/apim.db list
	[[ "$output" == "apim-publish: cannot create the folder of 'plainfile/sub/apim.db': "* ]]
}

@test "--help and --version exit 0 on stdout" {
	run --separate-stderr apim-publish --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: apim-publish [--db PATH] [--as NAME] [--json] COMMAND [ARGS]" ]
	[ -z "$stderr" ]
	run apim-publish --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^apim-publish\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run apim-publish list --help
	[ "$status" -eq 0 ]
	[ "$output" = "usage: apim-publish list [--state S] [--tag T]" ]
	[ ! -e "$APIM_DB" ]
}

@test "usage errors exit 64 with the program's name and a usage line" {
	run -64 --separate-stderr apim-publish
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "usage: apim-publish [--db PATH] [--as NAME] [--json] COMMAND [ARGS]" ]
	run -64 --separate-stderr apim-publish frobnicate
	[ "${stderr_lines[0]}" = "apim-publish: unknown command 'frobnicate'" ]
	run -64 --separate-stderr apim-publish --frob list
	[ "${stderr_lines[0]}" = "apim-publish: unknown option '--frob'" ]
	run -64 --separate-stderr apim-publish list --frob
	[ "${stderr_lines[0]}" = "apim-publish: unknown option '--frob'" ]
	[ "${stderr_lines[1]}" = "usage: apim-publish list [--state S] [--tag T]" ]
	run -64 --separate-stderr apim-publish list --state
	[ "${stderr_lines[0]}" = "apim-publish: option '--state' needs a value" ]
	run -64 --separate-stderr apim-publish list --state A --state B
	[ "${stderr_lines[0]}" = "apim-publish: option '--state' given twice" ]
	[ ! -e "$APIM_DB" ]
}

@test "the actor is \$USER unless --as" {
	id=$(apim-publish create --name A --context /a --version 1 --endpoint http://127.0.0.1:1/)
	apim-publish --as carol lifecycle "$id" publish
	[ "$(sqlite3 "$APIM_DB" 'SELECT provider FROM api')" = tester ]
	[ "$(sqlite3 "$APIM_DB" "SELECT actor FROM lifecycle WHERE action != 'create' ORDER BY id DESC LIMIT 1")" = carol ]
}

@test "the sample etc/apim.conf parses, and apim.conf(5) documents each of its keys" {
	export APIM_CONF="$top/etc/apim.conf"
	unset APIM_DB
	[ "$(apim-foundation-check conf db)" = /var/lib/apim/apim.db ]
	[ "$(apim-foundation-check conf token.lifetime)" = 3600 ]
	keys=$(sed -n 's/^#\{0,1\}\([a-z][a-z._-]*\) *=.*/\1/p' "$APIM_CONF")
	[ -n "$keys" ]
	for k in $keys; do
		grep -qx "\.It Cm $k.*" "$top/man/apim.conf.5" || { echo "undocumented: $k"; false; }
	done
}

@test "make install puts programs, man pages and samples under DESTDIR/PREFIX" {
	root="$BATS_TEST_TMPDIR/root"
	make -s -C "$top" install DESTDIR="$root" PREFIX=/opt/apim > /dev/null
	for p in "$top"/bin/*.c; do
		p=$(basename "$p" .c)
		[ -x "$root/opt/apim/bin/$p" ]
	done
	"$root/opt/apim/bin/apim-publish" --version
	for m in "$top"/man/*.[1-9]; do
		s=${m##*.}
		cmp "$m" "$root/opt/apim/share/man/man$s/$(basename "$m")"
	done
	cmp "$top/etc/apim.conf" "$root/opt/apim/share/apim/etc/apim.conf"
}

# Hold the store's write lock from another process until release_lock.
hold_lock() {
	mkfifo "$BATS_TEST_TMPDIR/lock.fifo"
	sqlite3 "$APIM_DB" < "$BATS_TEST_TMPDIR/lock.fifo" > "$BATS_TEST_TMPDIR/lock.out" 2>&1 &
	lockpid=$!
	exec 8> "$BATS_TEST_TMPDIR/lock.fifo"
	echo "BEGIN IMMEDIATE; INSERT INTO user VALUES('holder','x',0); SELECT 'locked';" >&8
	local i
	for i in $(seq 100); do
		grep -q locked "$BATS_TEST_TMPDIR/lock.out" && return 0
		sleep 0.05
	done
	echo "the lock holder never said locked: $(cat "$BATS_TEST_TMPDIR/lock.out")"
	return 1
}
release_lock() {
	echo "COMMIT;" >&8
	exec 8>&-
	wait "$lockpid"
}

@test "while another process writes, readers go on and a writer gets 75 after the busy timeout" {
	apim-publish create --name A --context /a --version 1 --endpoint http://127.0.0.1:1/ > /dev/null
	before=$(db_dump)
	hold_lock
	run apim-publish list
	run2_status=$status
	run -75 apim-publish create --name B --context /b --version 1 --endpoint http://127.0.0.1:1/
	release_lock
	[ "$run2_status" -eq 0 ]
	[ "$output" = "apim-publish: cannot start a transaction: database is locked" ]
	# B never got in; the holder's row did
	[ "$(sqlite3 "$APIM_DB" 'SELECT group_concat(name) FROM api')" = A ]
	[ "$(sqlite3 "$APIM_DB" 'SELECT name FROM user')" = holder ]
}

@test "apim.conf(5) documents every key the code reads" {
	keys=$(grep -rhoE '(apim_conf_get|conf_[a-z]+)\("[a-z][a-z0-9._-]*"' "$top/lib" "$top/bin" |
	    sed 's/.*("//; s/"$//' | sort -u)
	[ -n "$keys" ]
	for k in $keys; do
		grep -qx "\.It Cm $k.*" "$top/man/apim.conf.5" || { echo "undocumented: $k"; false; }
	done
}
