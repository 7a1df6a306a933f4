#!/bin/sh
# The Feature's postStartCommand: runs dev-bootstrap post-start in the workspace
# (the container's working directory when lifecycle commands run), preferring the
# workspace's own install, so a repository can pin its version in package.json.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
# Written by install.sh: DEV_BOOTSTRAP_POST_START and DEV_BOOTSTRAP_BIN_DIR.
[ -f "$here/feature.env" ] && . "$here/feature.env"

if [ "${DEV_BOOTSTRAP_POST_START:-true}" != "true" ]; then
  echo "dev-bootstrap: post-start not run (the Feature's postStart option is false)"
  exit 0
fi
if [ -x node_modules/.bin/post-start ]; then
  exec node_modules/.bin/post-start "$@"
fi
# The dev-bootstrap repository itself: its own built bin.
if [ -f dist/bin/post-start.js ] && grep -q '"name": "dev-bootstrap"' package.json 2>/dev/null; then
  exec node dist/bin/post-start.js "$@"
fi
if [ -n "${DEV_BOOTSTRAP_BIN_DIR:-}" ] && [ -x "$DEV_BOOTSTRAP_BIN_DIR/post-start" ]; then
  exec "$DEV_BOOTSTRAP_BIN_DIR/post-start" "$@"
fi
if command -v post-start >/dev/null 2>&1; then
  exec post-start "$@"
fi
echo "dev-bootstrap: error: post-start not found (not in node_modules/.bin, not on PATH)" >&2
echo "  hint: add dev-bootstrap to the workspace (npm pack it, then npm install --save-dev ./dev-bootstrap-<version>.tgz) and install it (postCreateCommand: npm ci), or set the Feature's tarball option" >&2
exit 127
