#!/usr/bin/env bash
# Kept at the path the migration plan names so existing hooks, docs and habits keep working.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/dev-bootstrap" run-flyway-cli "$@"
