# helper.bash: every test gets its own store and config; programs from build/.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$top/build/bin:$top/build/tests:$PATH"
export APIM_DB="$BATS_TEST_TMPDIR/apim.db"
export APIM_CONF=/dev/null
export USER=tester
FIXTURES="$top/tests/fixtures"

# The whole store as SQL text, to show a failed command changed nothing.
db_dump() { sqlite3 "$APIM_DB" .dump; }
