# Sourced by the shims: builds dist/ when it is missing or older than the sources,
# so a fresh checkout, or a pull, works without remembering to build.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stamp="$root/dist/bin/dev-bootstrap.js"
if [ ! -d "$root/node_modules" ]; then
  echo "dev-bootstrap: installing dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund >&2)
fi
if [ ! -f "$stamp" ] || [ -n "$(find "$root/src" "$root/package.json" "$root/scripts/build.mjs" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "dev-bootstrap: building (dist/ is missing or stale)" >&2
  (cd "$root" && npm run --silent build >&2)
fi
