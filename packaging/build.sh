#!/usr/bin/env bash
# Build the one-folder bundle dist/paper-terminal/ (make dist, and the release workflow).
#
# The app is installed with `pip install .` (never editable: PyInstaller cannot see an
# editable install) into its own venv, build/venv, without the test extra: a build fails
# if a test tool is importable there. PAPER_TERMINAL_EXTRAS adds extras ("mt5" on Windows).
# The guide (docs/, MkDocs) is built first into build/docs, in a venv of its own so MkDocs and
# its dependencies never reach the bundle; the spec bundles it as resources/guide.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${BUILD_VENV:-build/venv}
EXTRAS=${PAPER_TERMINAL_EXTRAS:-}
start=$(date +%s)

scripts/ensure-venv.sh "$PYTHON" "$VENV"
bin="$VENV/bin"; [ -d "$bin" ] || bin="$VENV/Scripts"   # Windows venvs keep scripts in Scripts/
pip=("$bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install "pyinstaller>=6.10,<7"
spec="."; [ -n "$EXTRAS" ] && spec=".[$EXTRAS]"
"${pip[@]}" install "$spec"
"${pip[@]}" install --force-reinstall --no-deps .   # this checkout's code, not a cached wheel
if "$bin/python" -c 'import importlib.util as u, sys; sys.exit(not any(u.find_spec(m) for m in ("pytest", "hypothesis", "backtesting", "selenium")))'; then
    echo "build venv $VENV holds test packages: remove it (rm -rf $VENV) and build again" >&2
    exit 1
fi
bin=$(cd "$bin" && pwd)
if (cd / && "$bin/python" -c 'import terminal, sys; sys.exit("site-packages" in terminal.__file__)'); then
    echo "build venv $VENV imports terminal from the checkout, not from an installed copy" >&2
    exit 1
fi
docs_venv=${DOCS_VENV:-build/docs-venv}
scripts/ensure-venv.sh "$PYTHON" "$docs_venv"
docs_bin="$docs_venv/bin"; [ -d "$docs_bin" ] || docs_bin="$docs_venv/Scripts"
"$docs_bin/python" -m pip --disable-pip-version-check -q install "mkdocs>=1.6,<2"
rm -rf build/docs
"$docs_bin/python" -m mkdocs build --strict --quiet --site-dir build/docs
version=$("$bin/python" -c 'from importlib.metadata import version; print(version("paper-terminal"))')
rm -rf dist/paper-terminal "dist/Paper Terminal.app"
# The pyinstaller script (not python -m) keeps this checkout off sys.path: it bundles the installed copy.
PAPER_TERMINAL_VERSION="$version" "$bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/paper-terminal.spec
"$bin/python" packaging/bundle_report.py dist/paper-terminal > dist/bundle-sizes.txt
echo "$version" > dist/VERSION
echo "bundle dist/paper-terminal ($version) built in $(( $(date +%s) - start )) s; sizes in dist/bundle-sizes.txt"
