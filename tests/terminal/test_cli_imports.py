"""The command line imports only what the chosen command needs.

Each case runs the real entry point in a fresh interpreter and lists the
heavy packages it imported (``sys.modules`` after ``main`` returns); no
timing is asserted (``make bench`` measures start times).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

HEAVY = (
    "sklearn",
    "scipy",
    "PySide6",
    "pyqtgraph",
    "qasync",
    "fastapi",
    "uvicorn",
    "pandas",
    "pyarrow",
    "httpx",
    "zmq",
    "yfinance",
)

PROBE = r"""
import contextlib, io, json, sys
from terminal.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()}))
"""


def _imports(tmp_path, *argv: str) -> dict:
    env = {"PAPER_TERMINAL_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = PROBE.replace("json.loads(HEAVY)", repr(json.dumps(HEAVY)).join(("json.loads(", ")")))
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_cli_help_imports_no_heavy_package(tmp_path):
    result = _imports(tmp_path, "--help")
    assert result["code"] == 0 and "report" in result["out"] and "serve" in result["out"]
    assert result["heavy"] == []


@pytest.mark.parametrize("command", ["report", "export", "serve", "replay", "feeds", "model"])
def test_cli_command_help_imports_no_heavy_package(tmp_path, command):
    result = _imports(tmp_path, command, "--help")
    assert result["code"] == 0 and f"paper-terminal {command}" in result["out"]
    assert result["heavy"] == []


def test_cli_report_on_a_journal_imports_no_ml_qt_or_server(tmp_path):
    from engine.journal import SqlJournal
    from engine.values import AccountSnapshot

    db = tmp_path / "data" / "paper.db"
    db.parent.mkdir(parents=True)
    journal = SqlJournal(f"sqlite:///{db}")
    try:
        money = Decimal("10000")
        journal.commit([], AccountSnapshot(money, money, Decimal(0), money, None, "USD", 100, money))
    finally:
        journal.close()
    result = _imports(tmp_path, "report", "--format", "json")
    assert result["code"] == 0 and json.loads(result["out"])["account"]["balance"] == 10000
    assert result["heavy"] == []


def _journal_with_account(tmp_path) -> None:
    from engine.journal import SqlJournal
    from engine.values import AccountSnapshot
    from tests.kit import make_trade

    db = tmp_path / "data" / "paper.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    journal = SqlJournal(f"sqlite:///{db}")
    try:
        money = Decimal("10000")
        journal.commit([make_trade(1)], AccountSnapshot(money, money, Decimal(0), money, None, "USD", 100, money))
    finally:
        journal.close()


def test_cli_export_imports_no_server_qt_or_ml(tmp_path):
    _journal_with_account(tmp_path)
    result = _imports(tmp_path, "export", "--format", "json", "-")
    assert result["code"] == 0 and [t["id"] for t in json.loads(result["out"])] == [1]
    assert result["heavy"] == []


def test_cli_feeds_plan_imports_only_the_http_client(tmp_path):
    result = _imports(tmp_path, "feeds", "plan", "--symbols", "EURUSD", "--interval", "60")
    assert result["code"] in (0, 2) and "yahoo" in result["out"]
    assert result["heavy"] == ["httpx"]


def test_cli_version_imports_nothing_heavy(tmp_path):
    result = _imports(tmp_path, "--version")
    assert result["code"] == 0 and result["out"].startswith("paper-terminal ")
    assert result["heavy"] == []


def test_cli_placeholder_help_is_each_commands_own_help():
    from terminal.cli import COMMANDS, build_parser

    def listed(parser):
        action = next(a for a in parser._actions if a.dest == "command")
        return {c.dest: c.help for c in action._choices_actions}

    full = listed(build_parser())
    assert full == COMMANDS
    assert listed(build_parser([])) == COMMANDS


def test_cli_replay_intrabar_choices_are_the_engines():
    from engine.replay.runner import Intrabar
    from terminal.commands.replay import INTRABAR_CHOICES

    assert list(INTRABAR_CHOICES) == [m.value for m in Intrabar]
    assert INTRABAR_CHOICES[0] == Intrabar.PESSIMISTIC.value
