#!/bin/sh
# Runs the extension in a real Tilt, as tilt-dev/tilt-extensions' tests do:
# `tilt ci` loads ./Tiltfile, starts every resource in dependency order and exits
# non-zero when one fails (or the Tiltfile does not load); `tilt down` cleans up.
# Then the recorded calls must show each command, with its arguments, after what
# it depends on.

set -ex

cd "$(dirname "$0")"
rm -f ci-commands.log

tilt ci
tilt down

cat ci-commands.log

# before AFTER FIRST: the first line starting with FIRST comes before the one starting with AFTER.
before() {
  first=$(grep -n -m1 "^$2" ci-commands.log | cut -d: -f1)
  after=$(grep -n -m1 "^$1" ci-commands.log | cut -d: -f1)
  test -n "$first" && test -n "$after" && test "$first" -lt "$after"
}

before "run-helm-layer 15 fixtures=deploy/fixtures" "vault"
before "bootstrap-db-migrations-secret fixtures=deploy/fixtures" "run-helm-layer 15"
before "run-helm-layer 42 fixtures=deploy/fixtures" "bootstrap-db-migrations-secret"
before "run-helm-layer 42" "postgres"
before "wait --timeout 600 fixtures=deploy/fixtures" "bootstrap-db-migrations-secret"
# flyway:status is manual (auto_init = False): tilt ci does not start it.
if grep -q "^flyway-status" ci-commands.log; then
  echo "flyway-status ran, but it is manual" >&2
  exit 1
fi
rm -f ci-commands.log
