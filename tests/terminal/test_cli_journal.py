"""The journal from the command line: one process per journal, read-only start, clean stop, backup, tokens.

Subprocess tests run ``python -m terminal`` the way a user does; they wait on
output and exit codes with generous timeouts, never on durations.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from engine.broker import OrderRequest
from engine.errors import JournalNotUsable
from engine.journal import SqlJournal
from engine.service_journal import JournalState
from engine.values import Side, TradeStatus
from terminal.settings import Settings
from terminal.trading_journal import open_journal
from terminal.wiring import build_runtime
from tests.terminal.cli_helpers import ListFeed, run

ROOT = Path(__file__).resolve().parents[2]
TRADING = "trading-token-for-the-journal-tests-0123"
VIEWER = "viewer-token-for-the-journal-tests-4567"


def terminal(*args: str, home: Path) -> subprocess.Popen:
    env = {**os.environ, "PAPER_TERMINAL_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "terminal", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable for this process: chmod, or for root ``chattr +i``; skip when neither works."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0
    ):
        pytest.skip("root here cannot make a file read-only (no chattr)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def make_journal(path: Path) -> None:
    SqlJournal(f"sqlite:///{path}").close()


# -- one trading process per journal -------------------------------------------------------------


def test_second_runtime_on_the_same_journal_is_refused_and_the_first_keeps_it(tmp_path, capsys):
    settings = Settings.load({"db": str(tmp_path / "paper.db"), "symbols": "EURUSD", "port": "0"})
    first = build_runtime(settings, feed=ListFeed([]))
    try:
        with pytest.raises(JournalNotUsable) as info:
            build_runtime(settings, feed=ListFeed([]))
        assert f"process {os.getpid()}" in str(info.value) and "in use" in str(info.value)
        assert run("serve", "--db", str(tmp_path / "paper.db"), "--port", "0") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("paper-terminal: the journal ") and "in use" in err[0]
    finally:
        first.journal.close()
    build_runtime(settings, feed=ListFeed([])).journal.close()  # free again once the first let go


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_three_terminals_started_at_once_on_a_fresh_folder_never_crash(tmp_path):
    db = tmp_path / "fresh" / "data" / "paper.db"
    children = [
        terminal(
            "serve",
            "--feed",
            "sim",
            "--speed",
            "max",
            "--symbols",
            "EURUSD",
            "--db",
            str(db),
            "--port",
            "0",
            home=tmp_path / f"home{i}",
        )
        for i in range(3)
    ]
    try:
        deadline = time.monotonic() + 150
        while sum(child.poll() is not None for child in children) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        running = [child for child in children if child.poll() is None]
        refused = [child for child in children if child.poll() is not None]
        assert len(running) == 1 and len(refused) == 2, [child.poll() for child in children]
        for child in refused:
            _, err = child.communicate()
            lines = [line for line in err.splitlines() if line.startswith("paper-terminal:")]
            assert child.returncode == 2 and len(lines) == 1 and "is in use by another Paper Terminal" in lines[0], err
            assert "Traceback" not in err and "alembic_version" not in err
        assert running[0].stdout is not None
        assert running[0].stdout.readline().startswith("listening on ")
        running[0].send_signal(signal.SIGTERM)
        _, err = running[0].communicate(timeout=60)
        assert running[0].returncode == 0 and "Traceback" not in err, err
    finally:
        for child in children:  # a failed run leaves no terminal behind
            if child.poll() is None:
                child.kill()
                child.communicate()


@pytest.mark.timeout(120)
def test_three_processes_creating_one_journal_at_once_migrate_it_once(tmp_path):
    db = tmp_path / "fresh" / "paper.db"
    code = (
        "import sys; from engine.journal import SqlJournal; from engine.journal.schema import current_revision; "
        "j = SqlJournal(sys.argv[1]); print(current_revision(j.engine)); j.close()"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, f"sqlite:///{db}"],
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    results = [child.communicate(timeout=90) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], results
    assert len({out for out, _ in results}) == 1 and all("Traceback" not in err for _, err in results)


# -- a journal that cannot be written ------------------------------------------------------------


def test_read_only_journal_refuses_to_start_with_one_line_unless_read_only_is_given(tmp_path, capsys):
    db = tmp_path / "paper.db"
    make_journal(db)
    with read_only_file(db):
        assert run("serve", "--db", str(db), "--port", "0") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "cannot be written" in err[0] and "--read-only" in err[0], err
        settings = Settings.load({"db": str(db), "read_only": True, "symbols": "EURUSD"})
        runtime = build_runtime(settings, feed=ListFeed([]))
        assert runtime.engine.journal_status().state is JournalState.READ_ONLY
        runtime.journal.close()


def test_sqlite_opened_read_only_by_url_is_refused_the_same_way(tmp_path):
    db = tmp_path / "paper.db"
    make_journal(db)
    settings = Settings.load({"db_url": f"sqlite:///file:{db}?mode=ro&uri=true"})
    with pytest.raises(JournalNotUsable) as info:
        open_journal(settings)
    assert "cannot be written (OperationalError: attempt to write a readonly database)" in str(info.value)


# -- a clean stop leaves everything in paper.db --------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigterm_checkpoints_so_paper_db_alone_holds_the_trades_and_tokens_stay_secret(tmp_path):
    db = tmp_path / "paper.db"
    child = terminal(
        "serve",
        "--feed",
        "sim",
        "--speed",
        "60",
        "--seed",
        "5",
        "--symbols",
        "EURUSD",
        "--db",
        str(db),
        "--port",
        "0",
        "--token",
        TRADING,
        "--viewer-token",
        VIEWER,
        "--log-level",
        "DEBUG",
        home=tmp_path / "home",
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    if not first.startswith("listening on "):
        child.kill()
        pytest.fail(f"serve did not start: {child.communicate(timeout=30)}")
    base = first.removeprefix("listening on ").strip()
    wrong = "not-the-token-but-long-enough-0123"
    ids = []
    try:
        with httpx.Client(base_url=f"{base}/api/paper-trading", timeout=30) as client:
            for token in (TRADING, VIEWER, wrong):
                client.get("/account/", headers={"Authorization": f"Bearer {token}"})
                client.get("/account/", params={"token": token})
                response = client.post(
                    "/trades/execute/", params={"token": token}, json={"symbol": "EURUSD", "side": "buy", "lots": 0.1}
                )
                if response.status_code == 201:
                    ids.append(response.json()["id"])
            with contextlib.suppress(httpx.HTTPError):
                client.get(f"{base}/ws/trading/", params={"token": wrong})
    finally:
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert len(ids) == 1
    assert child.returncode == 0, err
    wal = db.with_name("paper.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    alone = tmp_path / "alone" / "paper.db"
    alone.parent.mkdir()
    shutil.copyfile(db, alone)  # the file alone, as a user would copy it
    with contextlib.closing(sqlite3.connect(alone)) as connection:
        assert [row[0] for row in connection.execute("SELECT id FROM paper_trades")] == ids
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("paper.db*"))
    for token in (TRADING, VIEWER, wrong):
        assert token not in out + err and token.encode() not in stored


# -- backup --------------------------------------------------------------------------------------


async def test_backup_while_a_terminal_trades_copies_a_consistent_self_contained_journal(tmp_path, capsys):
    db = tmp_path / "paper.db"
    settings = Settings.load({"db": str(db), "symbols": "EURUSD", "port": "0"})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=())
    await runtime.start()
    try:
        from tests.engine.api.conftest import quote

        await runtime.engine.on_quote(quote("EURUSD", 1.085, 1.0851))
        trades = [
            await runtime.engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1"))) for _ in range(3)
        ]
        assert db.with_name("paper.db-wal").stat().st_size > 0  # the trades are in the log, not yet in the file
        target = tmp_path / "keep" / "copy.db"
        code = await asyncio.to_thread(run, "backup", "--db", str(db), str(target), modules=("backup",))
        assert code == 0, capsys.readouterr().err
        assert "(3 trades)" in capsys.readouterr().out
        await runtime.engine.place_order(OrderRequest("EURUSD", Side.SELL, lots=Decimal("0.1")))  # still trading
    finally:
        await runtime.stop()
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]  # no -wal, no leftovers
    with contextlib.closing(sqlite3.connect(target)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = SqlJournal(f"sqlite:///{target}")
    assert {t.id: t.status for t in copy.all_trades()} == {t.id: TradeStatus.OPEN for t in trades}
    copy.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--db-url", "postgresql+psycopg://user:hunter2@db.example/paper"),
            "use its own tools (for PostgreSQL, pg_dump)",
        ),
        (("--db-url", "sqlite://"), "an in-memory journal has nothing to back up"),
        (("--db", "{tmp}/nothing.db"), "no journal at"),
        (("--db", "{tmp}/paper.db", "--force"), "is the journal itself"),
        (("--db", "{tmp}/garbage.db"), "is not a SQLite database"),
    ],
)
def test_backup_refusals_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    make_journal(tmp_path / "paper.db")
    (tmp_path / "garbage.db").write_bytes(b"not a database at all" * 100)
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
    target = str(tmp_path / "paper.db") if "--force" in args else str(tmp_path / "copy.db")
    assert run("backup", *args, target, modules=("backup",)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert "hunter2" not in err[0]
    assert not (tmp_path / "copy.db").exists() and not list(tmp_path.glob(".copy.db.*"))


def test_backup_into_a_folder_names_the_copy_and_refuses_to_overwrite_without_force(tmp_path, capsys):
    make_journal(tmp_path / "paper.db")
    (tmp_path / "backups").mkdir()
    assert run("backup", "--db", str(tmp_path / "paper.db"), str(tmp_path / "backups"), modules=("backup",)) == 0
    (copy,) = (tmp_path / "backups").iterdir()
    assert copy.name.startswith("paper-") and copy.suffix == ".db"
    assert run("backup", "--db", str(tmp_path / "paper.db"), str(copy), modules=("backup",)) == 2
    assert "--force" in capsys.readouterr().err
    assert run("backup", "--db", str(tmp_path / "paper.db"), "--force", str(copy), modules=("backup",)) == 0


async def test_read_only_terminal_starts_as_a_viewer_and_refuses_every_write(tmp_path):
    from datetime import timedelta

    from engine.values import Signal
    from tests.kit import T0, make_account, make_trade

    db = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{db}")
    (signal,) = journal.commit(
        [],
        make_account(),
        [Signal(None, "EURUSD", Side.BUY, 1.085, 1.08, 1.095, 0.7, "x", None, T0, T0 + timedelta(hours=1))],
    )
    journal.commit([make_trade(1, signal_id=signal.id)], make_account())  # executed, outcome not yet stored
    journal.close()
    before = db.read_bytes()
    settings = Settings.load(
        {"db": str(db), "read_only": True, "symbols": "EURUSD", "port": "0", "token": TRADING, "viewer_token": VIEWER}
    )
    runtime = build_runtime(settings, feed=ListFeed([]))
    await runtime.start()
    try:
        base = runtime.server.url + "/api/paper-trading"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TRADING}"}) as client:
            assert (await client.get("/feeds/")).json()["journal"]["state"] == "read_only"
            assert (await client.get("/trades/", params={"status": "open"})).json()["total"] == 1
            refused = await client.post("/trades/1/close/")
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "journal_read_only"
    finally:
        await runtime.stop()
    assert db.read_bytes() == before
