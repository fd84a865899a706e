"""``terminal.cli.run``, the process entry point: the exit code of ``main``, output flushed, the journal intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPER_TERMINAL_HOME": str(home), "PYTHONPATH": str(ROOT)}
    code = "from terminal.cli import run; run()"
    return subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_run_exits_with_the_commands_code_and_its_whole_output(tmp_path):
    missing = _run("report", "--db", str(tmp_path / "none.db"), home=tmp_path)
    assert missing.returncode == 1 and "no journal at" in missing.stderr
    help_text = _run("--help", home=tmp_path)
    assert help_text.returncode == 0 and "serve" in help_text.stdout
    wrong = _run("report", "--format", "yaml", home=tmp_path)
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_run_leaves_a_backup_whole_although_exit_skips_the_last_collection(tmp_path):
    from decimal import Decimal

    from engine.journal import SqlJournal
    from engine.values import AccountSnapshot
    from tests.kit import make_trade

    db = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{db}")
    money = Decimal("10000")
    journal.commit(
        [make_trade(i) for i in range(1, 4)], AccountSnapshot(money, money, Decimal(0), money, None, "USD", 100, money)
    )
    journal.close()
    copy = tmp_path / "copy.db"
    done = _run("backup", str(copy), "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [t.id for t in SqlJournal(f"sqlite:///{copy}").load().active] == [1, 2, 3]
    report = _run("report", "--format", "json", "--db", str(copy), home=tmp_path)
    assert report.returncode == 0 and report.stdout.rstrip().endswith("}")
