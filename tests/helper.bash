# helper.bash: every test gets its own store and config; programs from build/
# (or $APIM_BUILD, e.g. the sanitizer build).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export APIM_BUILD="${APIM_BUILD:-$top/build}"
export PATH="$APIM_BUILD/bin:$APIM_BUILD/tests:$PATH"
export APIM_DB="$BATS_TEST_TMPDIR/apim.db"
export APIM_CONF=/dev/null
export USER=tester
FIXTURES="$top/tests/fixtures"

# The whole store as SQL text, to show a failed command changed nothing.
db_dump() { sqlite3 "$APIM_DB" .dump; }
