#!/usr/bin/env bash
# Installs dev-bootstrap into a dev container image, the way the core Features
# install their tools: Node.js from the official binaries when it is missing (or
# older than 20.19), then the npm package globally, then the postStartCommand hook.
# Runs again without changing anything when everything is already in place.
#
# Options arrive as environment variables (devcontainer-feature.json):
#   VERSION      "none" (default: use the workspace's own install), or a registry version
#   TARBALL      a .tgz made by `npm pack`, installed instead of the registry package
#                (relative paths resolve against this Feature's folder)
#   POSTSTART    "true"/"false": whether the hook runs post-start
#   FAILONERROR  "true"/"false": whether a failed post-start fails the hook (exit 1),
#                which makes the Dev Container CLI skip every later lifecycle command
#   NODEVERSION  Node.js major version to install when node is missing
# DEV_BOOTSTRAP_PREFIX (default /usr/local) moves everything, and DEV_BOOTSTRAP_ETC
# (default /etc) the shells' rc files, for tests.
set -euo pipefail

VERSION="${VERSION:-none}"
TARBALL="${TARBALL:-}"
POSTSTART="${POSTSTART:-true}"
FAILONERROR="${FAILONERROR:-false}"
NODEVERSION="${NODEVERSION:-22}"
PREFIX="${DEV_BOOTSTRAP_PREFIX:-/usr/local}"
FEATURE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHARE="$PREFIX/share/dev-bootstrap"
ETC="${DEV_BOOTSTRAP_ETC:-/etc}"

say() { echo "dev-bootstrap feature: $*"; }
die() {
  echo "dev-bootstrap feature: error: $1" >&2
  [ -n "${2:-}" ] && echo "  hint: $2" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ] && [ -z "${DEV_BOOTSTRAP_PREFIX:-}" ]; then
  die "install.sh must run as root" "Features are installed as root during the image build"
fi

node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'
}

# apt-get only for what is missing, as the core Features do.
check_packages() {
  if ! dpkg -s "$@" >/dev/null 2>&1; then
    [ -d /var/lib/apt/lists ] && [ -n "$(ls -A /var/lib/apt/lists 2>/dev/null)" ] || apt-get update -y
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  fi
}

install_node() {
  command -v apt-get >/dev/null 2>&1 || die "node >= 20.19 is missing and this image has no apt-get" \
    "add ghcr.io/devcontainers/features/node before this Feature, or use an image with Node"
  check_packages ca-certificates curl xz-utils
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node.js binaries for $(uname -m)" "install Node.js >= 20.19 before this Feature" ;;
  esac
  local base="https://nodejs.org/dist/latest-v${NODEVERSION}.x" sums file tmp
  sums="$(curl -fsSL "$base/SHASUMS256.txt")" || die "cannot reach $base" "check the network, or install Node.js in the image"
  file="$(printf '%s\n' "$sums" | awk -v a="linux-${arch}.tar.xz" '$2 ~ a"$" {print $2; exit}')"
  [ -n "$file" ] || die "no Node.js ${NODEVERSION} build for linux-${arch}" "set the nodeVersion option to a released major"
  tmp="$(mktemp -d)"
  curl -fsSLo "$tmp/$file" "$base/$file"
  (cd "$tmp" && printf '%s\n' "$sums" | grep " $file\$" | sha256sum -c - >/dev/null) ||
    die "checksum mismatch for $file" "retry the build; the download was corrupted"
  tar -xJf "$tmp/$file" -C "$PREFIX" --strip-components=1 --no-same-owner
  rm -rf "$tmp"
  say "installed Node.js $("$PREFIX/bin/node" --version)"
}

if node_ok; then
  say "using Node.js $(node --version)"
else
  install_node
fi

# What to install, and a marker that says whether it is already there.
spec=""
marker=""
offline="--prefer-offline"
if [ -n "$TARBALL" ]; then
  case "$TARBALL" in /*) ;; *) TARBALL="$FEATURE_DIR/$TARBALL" ;; esac
  [ -f "$TARBALL" ] || die "tarball $TARBALL not found" "make one with 'npm pack' and point the tarball option at it"
  spec="$TARBALL"
  # The package bundles everything it runs (no dependencies): a tarball installs
  # without the network, and --offline makes sure it never tries.
  offline="--offline"
  marker="tarball $(sha256sum "$TARBALL" | cut -d' ' -f1)"
elif [ "$VERSION" != "none" ]; then
  spec="@ameide/dev-bootstrap@$VERSION"
  # "latest" is looked up again on every build; an exact version is installed once.
  [ "$VERSION" = "latest" ] || marker="version $VERSION"
fi

mkdir -p "$SHARE"
if [ -z "$spec" ]; then
  say "version none: not installing the package (the workspace's node_modules/.bin is used)"
elif [ -n "$marker" ] && [ -f "$SHARE/installed" ] && [ "$(cat "$SHARE/installed")" = "$marker" ] &&
  [ -x "$PREFIX/bin/dev-bootstrap" ]; then
  say "dev-bootstrap already installed ($marker)"
else
  say "installing $spec"
  npm install --global --prefix "$PREFIX" "$offline" --no-audit --no-fund "$spec" >&2
  # The unscoped registry name dev-bootstrap belongs to another project: make sure what came is ours.
  [ -x "$PREFIX/bin/dev-bootstrap-post-start" ] && [ -x "$PREFIX/bin/ensure-local-secrets" ] ||
    die "$spec has no dev-bootstrap-post-start or ensure-local-secrets command: it is not this dev-bootstrap" \
      "use the tarball option (a .tgz made by 'npm pack'), or version none with the package in the workspace's devDependencies"
  printf '%s\n' "$marker" >"$SHARE/installed"
fi

install -m 0755 "$FEATURE_DIR/post-start.sh" "$SHARE/post-start.sh"
cat >"$SHARE/feature.env" <<ENV
DEV_BOOTSTRAP_POST_START=$POSTSTART
DEV_BOOTSTRAP_FAIL_ON_ERROR=$FAILONERROR
DEV_BOOTSTRAP_BIN_DIR=$PREFIX/bin
ENV

# Every new interactive shell prints one line while the last post-start failed. The
# snippet lives here, not in a file of its own: the Feature stays the three files
# `dev-bootstrap init` copies into a workspace.
cat >"$SHARE/shell-banner.sh" <<'BANNER'
# dev-bootstrap: sourced by every interactive shell (install.sh adds it to the
# system-wide bashrc and zshrc). Prints one line while the last post-start failed,
# read from the status file the Feature's post-start hook writes; a green start
# replaces that file, and the line is gone. Reads one small file, runs nothing.
case "$-" in
*i*)
  __dev_bootstrap_status="${XDG_STATE_HOME:-${HOME:-/nonexistent}/.local/state}/dev-bootstrap/post-start.status"
  if [ -r "$__dev_bootstrap_status" ]; then
    while IFS= read -r __dev_bootstrap_line || [ -n "$__dev_bootstrap_line" ]; do
      case "$__dev_bootstrap_line" in
      message=*) printf '%s\n' "${__dev_bootstrap_line#message=}" >&2 ;;
      esac
    done <"$__dev_bootstrap_status"
  fi
  unset __dev_bootstrap_status __dev_bootstrap_line
  ;;
esac
BANNER
chmod 0644 "$SHARE/shell-banner.sh"
# The system-wide rc files interactive shells read (Debian/Ubuntu, then Fedora/Alpine
# names); bash.bashrc is created when the image has none of bash's.
source_line="[ -r \"$SHARE/shell-banner.sh\" ] && . \"$SHARE/shell-banner.sh\" # dev-bootstrap: post-start banner"
[ -f "$ETC/bash.bashrc" ] || [ -f "$ETC/bashrc" ] || : >>"$ETC/bash.bashrc"
for rc in "$ETC/bash.bashrc" "$ETC/bashrc" "$ETC/zsh/zshrc" "$ETC/zshrc"; do
  [ -f "$rc" ] || continue
  grep -qF "# dev-bootstrap: post-start banner" "$rc" || printf '\n%s\n' "$source_line" >>"$rc"
done
say "done; postStartCommand: $SHARE/post-start.sh"
