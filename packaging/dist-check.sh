#!/usr/bin/env bash
# make dist-check: install what make dist built and smoke-test the INSTALLED app.
#
# As root: check the .deb (files, Depends against what the bundle loads), install it with
# `dpkg --root` into a scratch root, and run packaging/smoke.py against that root's
# /usr/bin/paper-terminal inside packaging/linux/no-python-run (no Python anywhere), comparing
# outputs with the dev venv's; then remove the package and check nothing is left.
# Not root: the same smoke run against dist/paper-terminal in place, with no Python on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REFERENCE=${REFERENCE:-.venv/bin/paper-terminal}
version=$(cat dist/VERSION)
deb=dist/paper-terminal_${version}_$(dpkg --print-architecture).deb
start=$(date +%s)

if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
    "$PY" packaging/linux/check_deb.py "$deb"
    scratch=$(mktemp -d /tmp/paper-terminal-root.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/var/lib/dpkg/info" "$scratch/var/lib/dpkg/updates"
    touch "$scratch/var/lib/dpkg/status"
    # --force-depends: the scratch root has no other packages; check_deb.py checked Depends.
    if ! out=$(dpkg --root="$scratch" --force-depends --log=/dev/null -i "$deb" 2>&1); then
        echo "$out" >&2; exit 1
    fi
    dpkg --root="$scratch" -s paper-terminal | grep -q '^Status: install ok installed'
    echo "installed $deb into scratch root $scratch"
    wrap="env NO_PYTHON_ROOT=$scratch NO_PYTHON_HIDE='$PWD/.venv $PWD/build/venv' packaging/linux/no-python-run"
    "$PY" packaging/smoke.py --window --reference "$REFERENCE" --wrap "$wrap" \
        --guide "$scratch/opt/paper-terminal/_internal/resources/guide/index.html" "$scratch/usr/bin/paper-terminal"
    dpkg --root="$scratch" --log=/dev/null -r paper-terminal >/dev/null
    left=$(find "$scratch" -mindepth 1 -not -path "$scratch/var*" -not -type d | head -n 5)
    [ -z "$left" ] || { echo "files left after dpkg -r: $left" >&2; exit 1; }
    echo "removed cleanly (dpkg -r left no file)"
else
    nopy=$(mktemp -d)
    trap 'rm -rf "$nopy"' EXIT
    echo "not root: smoke-testing dist/paper-terminal in place with no Python on PATH"
    "$PY" packaging/smoke.py --window --reference "$REFERENCE" --wrap "env PATH=$nopy" \
        dist/paper-terminal/paper-terminal
fi
echo "dist-check took $(( $(date +%s) - start )) s"
