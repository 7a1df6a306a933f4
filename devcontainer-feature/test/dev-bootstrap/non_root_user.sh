#!/bin/bash
# Scenario non_root_user: the image's non-root remote user runs the hook and opens
# the shells; the status lives in that user's home, which it can write.
set -e
source dev-container-features-test-lib
source "$(dirname "$0")/checks.sh"

check "the test runs as a non-root user" test "$(id -u)" != 0
check "a failed start exits 0" bash -c "cd '$WORKSPACE' && '$HOOK'"
check "the status file records the failure" grep -qx "result=failed" "$STATUS"
check "the line names the command that explains it" grep -q "^message=dev-bootstrap: the last post-start failed .*run 'npm ls @ameide/dev-bootstrap'" "$STATUS"
check "a new interactive shell prints one line" test "$(banner_lines)" = 1

reportResults
