#!/usr/bin/env bash
# Create the virtual environment with $1 (python) at $2, installing Debian's
# venv module first when it is missing and we may (root + apt-get).
set -euo pipefail
python="$1"; venv="$2"
[ -x "$venv/bin/python" ] && exit 0
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${ver}-venv" python3-venv
    else
        echo "Python's venv module is missing. Install it with: sudo apt-get install python3-venv" >&2
        exit 1
    fi
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
