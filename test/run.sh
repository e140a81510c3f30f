#!/usr/bin/env bash
# The whole test suite, from a fresh clone after `npm install`: build the binary, install the real
# components the integration tests drive, type-check, lint, run every test, and end with one
# "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "build ./lakehouse"
npm run --silent build || exit 1

step "install test dependencies (cached after the first run)"
bash test/setup/install.sh || { echo "test setup failed; see above"; exit 1; }

step "type-check"
tsc -p test || exit 1

step "lint (biome: formatting and lint rules; 'npm run format' fixes what it can)"
npm run --silent lint || exit 1

step "bun test"
log=$(mktemp)
# Ink (the TUI) stops redrawing when it sees CI set, and it decides once per process; the TUI tests
# drive it as the interactive terminal program it is, so the suite runs without that variable.
# bun 1.4 leaves bunfig.toml's [test] timeout unapplied (each test gets 5 s unless it says otherwise),
# which a loaded machine exceeds: the flag says it for every test.
env -u CI -u CONTINUOUS_INTEGRATION bun test --timeout 120000 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+')
fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+')
skip=$(grep -Eo '^ *[0-9]+ skip$' "$log" | tail -1 | grep -Eo '[0-9]+')
rm -f "$log"
echo
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit "$status"
