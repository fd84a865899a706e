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

.PHONY: run test bench serve screenshots syslibs-qt syslibs-window syslibs-browser clean

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

test: $(STAMP) syslibs-qt syslibs-browser
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 \
		scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP) syslibs-qt
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 $(BIN)/python -m tests.benchmarks

screenshots: $(STAMP) syslibs-qt
	QT_QPA_PLATFORM=offscreen PYQTGRAPH_QT_LIB=PySide6 QT_API=pyside6 $(BIN)/python scripts/screenshots.py resources/screenshots

clean:
	rm -rf $(VENV) build *.egg-info
