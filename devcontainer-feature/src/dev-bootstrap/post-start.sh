#!/bin/sh
# The Feature's postStartCommand: runs dev-bootstrap post-start in the workspace
# (the container's working directory when lifecycle commands run), preferring the
# workspace's own install, so a repository can pin its version in package.json.
#
# A failed post-start is loud but does not block the container: the Dev Container
# CLI skips every later lifecycle command (the team's own postStart/postAttach)
# when this one exits non-zero, so the hook exits 0 unless the Feature's
# failOnError option is true. The result goes to a status file, and every new
# interactive shell prints one line while the last run failed (shell-banner.sh).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
# Written by install.sh: DEV_BOOTSTRAP_POST_START, DEV_BOOTSTRAP_FAIL_ON_ERROR and
# DEV_BOOTSTRAP_BIN_DIR.
[ -f "$here/feature.env" ] && . "$here/feature.env"

if [ "${DEV_BOOTSTRAP_POST_START:-true}" != "true" ]; then
  echo "dev-bootstrap: post-start not run (the Feature's postStart option is false)"
  exit 0
fi

# Per user, not per image: the hook runs as the remote user, who opens the shells.
status_dir="${XDG_STATE_HOME:-${HOME:-/nonexistent}/.local/state}/dev-bootstrap"
status_file="$status_dir/post-start.status"

# One line of printable text: a status file value and a shell banner must not carry
# terminal control characters, whatever a step name or a path contains.
oneline() { printf '%s' "$1" | tr -d '\000-\037\177'; }

# write_status RESULT EXIT STEP EXPLAIN MESSAGE: atomically, so a shell opening
# meanwhile reads the old file or the new one. A status that cannot be written
# costs the banner, not the container start.
write_status() {
  if ! mkdir -p "$status_dir" 2>/dev/null; then
    echo "dev-bootstrap: warning: cannot write $status_file; new shells will not show the result" >&2
    return 0
  fi
  tmp="$status_file.$$"
  if {
    echo "result=$1"
    echo "exit=$2"
    echo "step=$(oneline "$3")"
    echo "at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "workspace=$(oneline "$(pwd)")"
    echo "explain=$(oneline "$4")"
    [ -z "$5" ] || echo "message=$(oneline "$5")"
  } >"$tmp" 2>/dev/null && mv -f "$tmp" "$status_file" 2>/dev/null; then
    return 0
  fi
  rm -f "$tmp" 2>/dev/null || true
  echo "dev-bootstrap: warning: cannot write $status_file; new shells will not show the result" >&2
}

# The end of a failed start: the banner line, then exit 0 unless failOnError.
failed() { # EXIT STEP EXPLAIN
  where="at $2"
  [ -n "$2" ] || where="(exit $1)"
  write_status failed "$1" "$2" "$3" \
    "dev-bootstrap: the last post-start failed $where; run '$3' in $(pwd) to see why"
  if [ "${DEV_BOOTSTRAP_FAIL_ON_ERROR:-false}" = "true" ]; then
    exit "$1"
  fi
  echo "dev-bootstrap: post-start failed (exit $1); container start-up goes on (the Feature's failOnError option is false) and new terminals say so until a start succeeds" >&2
  exit 0
}

# Which install: post-start's bin, the umbrella next to it, and how a user runs `why`.
if [ -x node_modules/.bin/dev-bootstrap-post-start ]; then
  set -- node_modules/.bin/dev-bootstrap-post-start "$@"
  umbrella="node_modules/.bin/dev-bootstrap"
  explain="npx dev-bootstrap why"
# The dev-bootstrap repository itself: its own built bin.
elif [ -f dist/bin/post-start.js ] && grep -q '"name": "@ameide/dev-bootstrap"' package.json 2>/dev/null; then
  set -- node dist/bin/post-start.js "$@"
  umbrella="node dist/bin/dev-bootstrap.js"
  explain="node dist/bin/dev-bootstrap.js why"
elif [ -n "${DEV_BOOTSTRAP_BIN_DIR:-}" ] && [ -x "$DEV_BOOTSTRAP_BIN_DIR/dev-bootstrap-post-start" ]; then
  set -- "$DEV_BOOTSTRAP_BIN_DIR/dev-bootstrap-post-start" "$@"
  umbrella="$DEV_BOOTSTRAP_BIN_DIR/dev-bootstrap"
  explain="dev-bootstrap why"
elif command -v dev-bootstrap-post-start >/dev/null 2>&1; then
  set -- dev-bootstrap-post-start "$@"
  umbrella="dev-bootstrap"
  explain="dev-bootstrap why"
else
  echo "dev-bootstrap: error: dev-bootstrap-post-start not found (not in node_modules/.bin, not on PATH)" >&2
  echo "  hint: add @ameide/dev-bootstrap to the workspace (npm pack it, then npm install --save-dev ./ameide-dev-bootstrap-<version>.tgz) and install it (postCreateCommand: npm ci), or set the Feature's tarball option" >&2
  failed 127 "install (dev-bootstrap-post-start not found)" "npm ls @ameide/dev-bootstrap"
fi

# Run post-start as a child (not exec: its exit code decides what the hook does
# next), passing on the signals that would have reached it directly. The traps are
# in place before the child starts: a signal that came between the two would
# otherwise end the hook and leave post-start running on its own.
signalled=""
child=""
forward() {
  signalled=$1
  if [ -n "$child" ]; then kill "-$1" "$child" 2>/dev/null || true; fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
"$@" &
child=$!
# A signal that came before the child's pid was known: pass it on now.
if [ -n "$signalled" ]; then kill "-$signalled" "$child" 2>/dev/null || true; fi
code=0
wait "$child" || code=$?
# A trapped signal ends a wait early while post-start is still there (running, or
# exited and not yet collected): wait again for its own exit code. When the signal
# came before the wait, the wait already collected it, and there is nothing to wait for.
while [ -n "$signalled" ] && kill -0 "$child" 2>/dev/null; do
  code=0
  wait "$child" || code=$?
done
trap - TERM INT HUP

if [ "$code" -eq 0 ]; then
  write_status ok 0 "" "$explain" ""
  exit 0
fi

# Which step failed, from the journal post-start just wrote (nothing when it failed
# before its first step, e.g. on its configuration).
step="$($umbrella summary --json 2>/dev/null | node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
  try { process.stdout.write(String(JSON.parse(s).run.failedStep || "")); } catch {}
});' 2>/dev/null || true)"
failed "$code" "$step" "$explain"
