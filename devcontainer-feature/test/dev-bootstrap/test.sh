#!/bin/bash
# `devcontainer features test`'s default test: the Feature with its default options
# (version none: the workspace's own install). The test workspace has none, so
# post-start cannot run: the hook must still exit 0, record the failure, and make
# every new shell say so until a start succeeds.
set -e
source dev-container-features-test-lib
source "$(dirname "$0")/checks.sh"

check "node >= 20.19 is installed" node_is_new_enough
check "the postStartCommand hook is installed" test -x "$HOOK"
check "the system bashrc sources the banner" grep -q "# dev-bootstrap: post-start banner" "$ETC/bash.bashrc"
check "a failed start exits 0 (failOnError is off)" bash -c "cd '$WORKSPACE' && '$HOOK'"
check "the status file records the failure" grep -qx "result=failed" "$STATUS"
check "a new interactive shell prints one line" test "$(banner_lines)" = 1
ws="$(green_workspace)"
check "a green start exits 0" bash -c "cd '$ws' && '$HOOK'"
check "the status file records the success" grep -qx "result=ok" "$STATUS"
check "a new interactive shell prints nothing" test "$(banner_lines)" = 0

reportResults
