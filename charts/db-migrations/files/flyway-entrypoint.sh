#!/usr/bin/env bash
# Runs Flyway for each database in order (DATABASES, e.g. "platform agents"),
# resolving each connection with exactly the precedence dev-bootstrap uses
# (src/core/flyway-env.ts; both are tested against one table), highest first:
#
#   <NAME>_FLYWAY_URL -> FLYWAY_URL (primary only) -> <NAME>_DATABASE_URL -> DATABASE_URL (primary only)
#
# A postgresql:// URL becomes JDBC with its credentials removed; they are used
# only where no explicit <NAME>_FLYWAY_USER / FLYWAY_USER (primary only) /
# ..._PASSWORD is set. Every database is validated before the first Flyway call.
# Credentials reach Flyway only through its environment, never argv or the log.
set -euo pipefail

ACTION="${FLYWAY_ACTION:-migrate}"
read -r -a DBS <<< "${DATABASES:?DATABASES is not set (space-separated database names, in order)}"
PRIMARY="${PRIMARY_DATABASE:-${DBS[0]}}"
SQL_ROOT="${SQL_ROOT:-/flyway/sql}"
# Set only when demo seed data is enabled: its migrations join Flyway's locations.
SEED_ROOT="${SEED_ROOT:-}"
FLYWAY_BIN="${FLYWAY_BIN:-flyway}"

# Percent-decoding; a '%' not followed by two hex digits stays as it is.
pct_decode() {
  local s="$1" out="" c
  while [[ -n "$s" ]]; do
    if [[ "$s" =~ ^%([0-9A-Fa-f]{2}) ]]; then
      printf -v c "\\x${BASH_REMATCH[1]}"
      out+="$c"
      s="${s:3}"
    else
      out+="${s:0:1}"
      s="${s:1}"
    fi
  done
  printf '%s' "$out"
}

# to_jdbc URL -> sets JDBC, URL_USER, URL_PASSWORD, URL_HAS_USER, URL_HAS_PASSWORD, or returns 1.
to_jdbc() {
  local url="$1" rest pre userinfo host port path db query kept="" pair key
  URL_HAS_USER=0 URL_HAS_PASSWORD=0 URL_USER="" URL_PASSWORD=""
  case "$url" in
    jdbc:postgresql://*) rest="${url#jdbc:postgresql://}" ;;
    postgresql://*) rest="${url#postgresql://}" ;;
    postgres://*) rest="${url#postgres://}" ;;
    *) return 1 ;;
  esac
  pre="${rest%%\?*}"
  if [[ "$pre" == *@* ]]; then
    # The userinfo ends at the last '@' before the query.
    userinfo="${pre%@*}"
    rest="${rest:${#userinfo}+1}"
    if [[ "$userinfo" == *:* ]]; then
      URL_USER="$(pct_decode "${userinfo%%:*}")"
      URL_PASSWORD="$(pct_decode "${userinfo#*:}")"
      URL_HAS_PASSWORD=1
    else
      URL_USER="$(pct_decode "$userinfo")"
    fi
    [[ -n "$URL_USER" ]] && URL_HAS_USER=1
  fi
  if [[ "$rest" == \[* ]]; then
    host="${rest%%]*}]"
    rest="${rest:${#host}}"
  else
    host="${rest%%[:/?]*}"
    rest="${rest:${#host}}"
  fi
  [[ -n "$host" ]] || return 1
  port=5432
  if [[ "$rest" == :* ]]; then
    rest="${rest:1}"
    port="${rest%%[/?]*}"
    rest="${rest:${#port}}"
    [[ "$port" =~ ^[0-9]{1,5}$ ]] || return 1
  fi
  path="${rest%%\?*}"
  [[ "$rest" == *\?* ]] && query="${rest#*\?}" || query=""
  db="${path#/}"
  [[ -n "$db" ]] || return 1
  if [[ -n "$query" ]]; then
    IFS='&' read -r -a pairs <<< "$query"
    for pair in "${pairs[@]}"; do
      [[ -n "$pair" ]] || continue
      key="${pair%%=*}"
      case "$key" in
        user) URL_USER="$(pct_decode "${pair#*=}")"; URL_HAS_USER=1 ;;
        password) URL_PASSWORD="$(pct_decode "${pair#*=}")"; URL_HAS_PASSWORD=1 ;;
        *) kept+="${kept:+&}$pair" ;;
      esac
    done
  fi
  JDBC="jdbc:postgresql://${host}:${port}/${db}${kept:+?$kept}"
}

first_set() { # prints the name of the first non-empty variable among the arguments
  local name
  for name in "$@"; do
    if [[ -n "${!name:-}" ]]; then printf '%s' "$name"; return 0; fi
  done
  return 1
}

declare -A R_URL R_USER R_PASSWORD
errors=()
for db in "${DBS[@]}"; do
  N="$(printf '%s' "$db" | tr '[:lower:]' '[:upper:]')"
  url_keys=("${N}_FLYWAY_URL") user_keys=("${N}_FLYWAY_USER") pw_keys=("${N}_FLYWAY_PASSWORD")
  if [[ "$db" == "$PRIMARY" ]]; then url_keys+=(FLYWAY_URL); user_keys+=(FLYWAY_USER); pw_keys+=(FLYWAY_PASSWORD); fi
  url_keys+=("${N}_DATABASE_URL")
  [[ "$db" == "$PRIMARY" ]] && url_keys+=(DATABASE_URL)
  if ! key="$(first_set "${url_keys[@]}")"; then
    errors+=("$db: FLYWAY_URL not set (none of ${url_keys[*]})")
    continue
  fi
  if ! to_jdbc "${!key}"; then
    errors+=("$db: $key is not a PostgreSQL URL (postgresql://, postgres:// or jdbc:postgresql://)")
    continue
  fi
  user="" password=""
  if k="$(first_set "${user_keys[@]}")"; then user="${!k}"; elif [[ "$URL_HAS_USER" == 1 ]]; then user="$URL_USER"; else errors+=("$db: no user (set ${user_keys[*]} or put one in $key)"); fi
  if k="$(first_set "${pw_keys[@]}")"; then password="${!k}"; elif [[ "$URL_HAS_PASSWORD" == 1 ]]; then password="$URL_PASSWORD"; else errors+=("$db: no password (set ${pw_keys[*]} or put one in $key)"); fi
  R_URL[$db]="$JDBC" R_USER[$db]="$user" R_PASSWORD[$db]="$password"
done
if ((${#errors[@]})); then
  printf 'db-migrations: %s\n' "${errors[@]}" >&2
  echo "db-migrations: nothing was run; fix the secrets named in existingSecrets" >&2
  echo "db-migrations: locally, run: dev-bootstrap why   (it names the first broken link from the fixtures to this secret and the command that fixes it, usually: dev-bootstrap bootstrap-db-migrations-secret)" >&2
  exit 2
fi

for db in "${DBS[@]}"; do
  N="$(printf '%s' "$db" | tr '[:lower:]' '[:upper:]')"
  baseline_var="${N}_BASELINE_VERSION"
  echo "==> ${db}: flyway ${ACTION} (${R_URL[$db]} as ${R_USER[$db]})"
  # export is a builtin: the values never appear in any process's argv.
  (
    export FLYWAY_URL="${R_URL[$db]}" FLYWAY_USER="${R_USER[$db]}" FLYWAY_PASSWORD="${R_PASSWORD[$db]}"
    export FLYWAY_LOCATIONS="filesystem:${SQL_ROOT}/${db}"
    if [[ -n "$SEED_ROOT" && -d "${SEED_ROOT}/${db}" ]]; then
      FLYWAY_LOCATIONS+=",filesystem:${SEED_ROOT}/${db}"
    fi
    if [[ -n "${!baseline_var:-}" ]]; then
      # Only takes effect on a non-empty schema without history; an empty one migrates from scratch.
      export FLYWAY_BASELINE_ON_MIGRATE=true FLYWAY_BASELINE_VERSION="${!baseline_var}"
    else
      unset FLYWAY_BASELINE_ON_MIGRATE FLYWAY_BASELINE_VERSION
    fi
    exec "$FLYWAY_BIN" "$ACTION"
  ) || {
    code=$?
    echo "db-migrations: flyway ${ACTION} failed for ${db} (exit ${code}); later databases were not run" >&2
    exit "$code"
  }
done
echo "db-migrations: ${ACTION} done for ${DBS[*]}"
