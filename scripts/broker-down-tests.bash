# shellcheck shell=bash
# Sourced by scripts/test, scripts/sanitize and scripts/coverage: the tests of
# scripts/broker-down-tests.txt (why they run in a serial pass of their own is written there).

# The listed test function names, one per line.
broker_down_names() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$(dirname "${BASH_SOURCE[0]}")/broker-down-tests.txt"
}

# broker_down_regex NAME...: a `swift test --filter`/`--skip` regex that matches exactly these
# test functions. Test IDs read `Module.Suite/name()`, so each name is anchored on the `/` before
# it and the `(` after it: a test whose name only contains a listed one is not matched.
broker_down_regex() {
    local IFS='|'
    echo "/($*)\\("
}
