"""Run every benchmark under benchmarks/ in turn (``make bench``). Benchmarks are not tests:
they print figures and ratios against the peer each one names; nothing here passes or fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("bench_*.py"))
    only = set(sys.argv[1:])
    for script in scripts:
        if only and script.stem not in only:
            continue
        print(f"\n=== {script.name} ===", flush=True)
        subprocess.run([sys.executable, str(script)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
