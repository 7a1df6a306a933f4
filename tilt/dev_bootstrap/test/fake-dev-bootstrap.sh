#!/bin/sh
# Stands in for `dev-bootstrap` under `tilt ci`: records the subcommand, its
# arguments and the fixtures directory the extension passed, and succeeds.
echo "$* fixtures=${DEV_BOOTSTRAP_FIXTURES_DIR:-}" >> ci-commands.log
