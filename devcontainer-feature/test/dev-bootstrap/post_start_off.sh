#!/bin/bash
# Scenario post_start_off: postStart false. The hook runs nothing and says so; no
# status is written, and shells print nothing.
set -e
source dev-container-features-test-lib
source "$(dirname "$0")/checks.sh"

check "the hook says post-start was not run" bash -c "cd '$WORKSPACE' && '$HOOK' | grep -q \"post-start not run (the Feature's postStart option is false)\""
check "no status file" test ! -e "$STATUS"
check "a new interactive shell prints nothing" test "$(banner_lines)" = 0

reportResults
