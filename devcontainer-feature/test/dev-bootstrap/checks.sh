#!/bin/bash
# The checks every scenario shares, sourced after dev-container-features-test-lib.
# They run inside the container `devcontainer features test` built, as its remote
# user; DEV_BOOTSTRAP_PREFIX and DEV_BOOTSTRAP_ETC point them at an install outside
# a container (the repository's own tests run them that way).
PREFIX="${DEV_BOOTSTRAP_PREFIX:-/usr/local}"
ETC="${DEV_BOOTSTRAP_ETC:-/etc}"
HOOK="$PREFIX/share/dev-bootstrap/post-start.sh"
# A state directory and a workspace of their own: the container's real ones stay as they were.
export XDG_STATE_HOME="$(mktemp -d)"
STATUS="$XDG_STATE_HOME/dev-bootstrap/post-start.status"
WORKSPACE="$(mktemp -d)"

# The lines a new interactive bash prints about dev-bootstrap (bash reads /etc/bash.bashrc
# on its own; an rc file elsewhere is sourced instead of the machine's own).
banner_lines() {
  if [ "$ETC" = /etc ]; then
    bash -i -c true </dev/null 2>&1 | grep -c '^dev-bootstrap: '
  else
    bash --norc -i -c ". '$ETC/bash.bashrc'" </dev/null 2>&1 | grep -c '^dev-bootstrap: '
  fi
}

node_is_new_enough() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'
}

# A workspace whose install of post-start succeeds: a green start.
green_workspace() {
  local ws
  ws="$(mktemp -d)"
  mkdir -p "$ws/node_modules/.bin"
  printf '#!/bin/sh\necho "stand-in post-start: ok"\n' >"$ws/node_modules/.bin/dev-bootstrap-post-start"
  chmod +x "$ws/node_modules/.bin/dev-bootstrap-post-start"
  echo "$ws"
}
