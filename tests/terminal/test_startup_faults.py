"""The start-up fault matrix, through the real CLI in a subprocess.

Each case must end with exactly ONE line on stderr naming the cause and the
path or setting, exit code 2, nothing on stdout (no ``listening on``), no
traceback, and the journal involved byte-identical with no file added next to
it (no ``-wal``/``-shm`` left behind).

Read-only folders: as root, ``chmod`` does not stop writes, so the folder is
made immutable with ``chattr +i`` (and made mutable again afterwards); as any
other user it is ``chmod 0555``. Without either, those cases are skipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.journal import SqlJournal
from tests.kit import make_account, make_trade

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "terminal"]
PARALLEL = 3  # subprocesses at once: each one mostly imports modules


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: tuple[str, ...]  # words the one line must contain
    journal: Path | None = None  # must stay byte-identical, nothing added beside it
    needs_read_only: bool = False
    env: dict[str, str] = field(default_factory=dict)
    secret: str | None = None  # must not be printed


@contextmanager
def read_only_folder(folder: Path) -> Iterator[bool]:
    """Make ``folder`` unwritable for this process (see the module docstring); yield False when impossible."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield True
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def _journal(path: Path, trades: int = 60) -> Path:
    journal = SqlJournal(f"sqlite:///{path}", durable=False)
    journal.commit([make_trade(i) for i in range(1, trades + 1)], make_account())
    journal.close()
    return path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _snapshot(journal: Path) -> tuple[str, list[str]]:
    digest = hashlib.sha256(journal.read_bytes()).hexdigest()
    return digest, sorted(os.listdir(journal.parent))


def build_cases(tmp: Path) -> list[Case]:
    good = _journal(tmp / "good.db")
    data = good.read_bytes()

    def copy(name: str, content: bytes | None = None) -> Path:
        folder = tmp / name
        folder.mkdir()
        path = folder / "paper.db"
        path.write_bytes(data if content is None else content)
        return path

    not_db = copy("notdb", b"these are my notes, not a database\n" * 40)
    truncated = copy("truncated", data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[4096 * 3 : 4096 * 3 + 2000] = b"\x55" * 2000
    malformed = copy("malformed", bytes(damaged))
    newer = copy("newer")
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")
        db.execute("UPDATE journal_info SET value = 'paper-terminal 9.1.0'")
    db_close(newer)
    foreign = tmp / "foreign" / "paper.db"
    foreign.parent.mkdir()
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE paper_trades (ticket TEXT PRIMARY KEY, note TEXT)")
        db.execute("INSERT INTO paper_trades VALUES ('42', 'my other app')")
    db_close(foreign)
    a_file = tmp / "plain-file"
    a_file.write_text("x")
    read_only = tmp / "read-only"
    read_only.mkdir()
    in_read_only = _journal(read_only / "paper.db")
    binary = tmp / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    symbols = tmp / "symbols.toml"
    symbols.write_text("symbols = 5\n")
    far = tmp / "far.toml"
    far.write_text('sim_start = "9999-12-31T23:59:59-12:00"\n')
    fresh = str(tmp / "fresh" / "paper.db")
    port = _closed_port()
    return [
        Case("not a database", ["serve", "--db", str(not_db)], ("not a SQLite database", str(not_db)), not_db),
        Case("truncated", ["serve", "--db", str(truncated)], ("truncated", str(truncated)), truncated),
        Case("malformed", ["serve", "--db", str(malformed)], ("damaged", str(malformed)), malformed),
        Case("a directory", ["serve", "--db", str(tmp)], ("is a directory", str(tmp))),
        Case("under a file", ["serve", "--db", str(a_file / "paper.db")], ("lies under", str(a_file), "not a folder")),
        Case(
            "new journal in a read-only folder",
            ["serve", "--db", str(read_only / "new.db")],
            ("read-only", str(read_only)),
            in_read_only,
            needs_read_only=True,
        ),
        Case(
            "journal in a read-only folder",
            ["serve", "--db", str(in_read_only)],
            ("read-only", str(read_only)),
            in_read_only,
            needs_read_only=True,
        ),
        Case(
            "newer schema revision",
            ["serve", "--db", str(newer)],
            ("schema revision '0099'", "written by paper-terminal 9.1.0", str(newer)),
            newer,
        ),
        Case(
            "foreign paper_trades",
            ["serve", "--db", str(foreign)],
            ("another program", "paper_trades", str(foreign)),
            foreign,
        ),
        Case("--db-url not a URL", ["serve", "--db-url", "my journal please"], ("--db-url", "not a database URL")),
        Case(
            "--db-url unknown dialect",
            ["serve", "--db-url", "oracle2000://scott@db/x"],
            ("--db-url", "unknown database dialect", "oracle2000"),
        ),
        Case(
            "--db-url driver not installed",
            ["serve", "--db-url", "mysql://trader@127.0.0.1/paper"],
            ("--db-url", "driver", "MySQLdb", "not installed"),
        ),
        Case(
            "--db-url unreachable",
            ["serve", "--db-url", f"postgresql+psycopg://trader:hunter2@127.0.0.1:{port}/x"],
            ("--db-url", "cannot reach", f"127.0.0.1:{port}"),
            secret="hunter2",
        ),
        Case(
            "PAPER_TERMINAL_DB_URL unreachable",
            ["report"],
            ("--db-url", "cannot reach"),
            env={"PAPER_TERMINAL_DB_URL": f"postgresql+psycopg://trader:hunter2@127.0.0.1:{port}/x"},
            secret="hunter2",
        ),
        Case("binary config", ["serve", "--db", fresh, "--config", str(binary)], ("config", str(binary), "not a text")),
        Case("symbols = 5", ["serve", "--db", fresh, "--config", str(symbols)], ("symbols", "5")),
        Case(
            "config time out of range", ["serve", "--db", fresh, "--config", str(far)], ("sim_start", "supported range")
        ),
        Case(
            "missing --config",
            ["serve", "--db", fresh, "--config", str(tmp / "nowhere.toml")],
            ("config", str(tmp / "nowhere.toml"), "does not exist"),
        ),
        Case("report on a damaged journal", ["report", "--db", str(malformed)], ("damaged",), malformed),
        Case(
            "export on a damaged journal",
            ["export", "--format", "csv", "-", "--db", str(malformed)],
            ("damaged",),
            malformed,
        ),
        Case(
            "replay into a damaged journal",
            [
                "replay",
                "--data",
                str(tmp / "bars.csv"),
                "--signals",
                str(tmp / "signals.csv"),
                "--symbol",
                "EURUSD",
                "--db",
                str(malformed),
            ],
            ("damaged",),
            malformed,
        ),
        Case(
            "replay into a read-only folder",
            [
                "replay",
                "--data",
                str(tmp / "bars.csv"),
                "--signals",
                str(tmp / "signals.csv"),
                "--symbol",
                "EURUSD",
                "--db",
                str(read_only / "replay.db"),
            ],
            ("read-only",),
            in_read_only,
            needs_read_only=True,
        ),
        Case(
            "replay data is a directory",
            ["replay", "--data", str(tmp), "--signals", str(tmp / "signals.csv"), "--symbol", "EURUSD"],
            ("is a directory", str(tmp)),
        ),
        Case("model train on a damaged journal", ["model", "train", "--db", str(malformed)], ("damaged",), malformed),
        Case("the window on a damaged journal", ["--db", str(malformed)], ("damaged",), malformed),
    ]


def db_close(path: Path) -> None:
    """sqlite3's context manager commits but keeps the file open; leave no -wal/-journal behind."""
    sqlite3.connect(path).close()


def _write_replay_files(tmp: Path) -> None:
    (tmp / "bars.csv").write_text(
        "time,open,high,low,close\n2024-03-04T10:00:00Z,1.1,1.2,1.0,1.1\n2024-03-04T10:01:00Z,1.1,1.2,1.0,1.1\n"
    )
    (tmp / "signals.csv").write_text("time,symbol,side,sl,tp\n2024-03-04T10:00:30Z,EURUSD,buy,1.05,1.15\n")


def _run(case: Case, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPER_TERMINAL_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **case.env}
    return subprocess.run([*CLI, *case.argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _problems(case: Case, result: subprocess.CompletedProcess[str], before: tuple[str, list[str]] | None) -> list[str]:
    problems = []
    lines = result.stderr.splitlines()
    if result.returncode != 2:
        problems.append(f"exit {result.returncode}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines: {result.stderr[-300:]!r}")
    line = lines[0] if lines else ""
    if not line.startswith("paper-terminal"):
        problems.append(f"line does not start with the program: {line!r}")
    missing = [word for word in case.expect if word not in line]
    if missing:
        problems.append(f"{missing} not in {line!r}")
    if "Traceback" in result.stderr or "listening on" in result.stdout:
        problems.append("traceback or started")
    if case.secret and case.secret in result.stderr + result.stdout:
        problems.append("the password was printed")
    if case.journal is not None and before is not None and _snapshot(case.journal) != before:
        problems.append("the journal or its folder changed")
    return problems


def test_every_startup_fault_is_one_line_and_exit_2(tmp_path):
    _write_replay_files(tmp_path)
    cases = build_cases(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    read_only = tmp_path / "read-only"
    with read_only_folder(read_only) as possible:
        runnable = [case for case in cases if possible or not case.needs_read_only]
        before = {case.name: _snapshot(case.journal) if case.journal else None for case in runnable}
        with ThreadPoolExecutor(PARALLEL) as pool:
            results = dict(zip([c.name for c in runnable], pool.map(lambda c: _run(c, home), runnable), strict=True))
        table = {case.name: _problems(case, results[case.name], before[case.name]) for case in runnable}
    failed = {name: problems for name, problems in table.items() if problems}
    assert not failed, "\n".join(f"{name}: {'; '.join(p)}" for name, p in failed.items())
    if not possible:
        pytest.skip("read-only folder cases need chattr (root) or a non-root user")


def test_good_journal_still_opens_after_the_checks(tmp_path):
    """The checks refuse only what is broken: a real journal passes them and opens with its trades."""
    from terminal.startup import open_journal

    good = _journal(tmp_path / "paper.db", trades=3)
    journal = open_journal(f"sqlite:///{good}")
    try:
        assert [t.id for t in journal.all_trades()] == [1, 2, 3]
    finally:
        journal.close()
