"""Run every benchmark module (``bench_*.py``) in this folder, each in its own process.

Each benchmark prints ``name: value unit`` lines. ``python -m tests.benchmarks
NAME...`` runs only the named modules (``bench_broker`` or ``broker``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
    failed = 0
    for name in modules:
        if wanted and name not in wanted:
            continue
        print(f"# {name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"tests.benchmarks.{name}"], check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
