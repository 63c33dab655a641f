#!/usr/bin/env bash
# Create the ydata-profiling virtual environment that benchmarks/bench_evaluate.py compares with.
# Usage: bash benchmarks/peers/setup_ydata.sh [VENV_DIR]
# VENV_DIR defaults to ~/.cache/crowdset-bench/ydata (the bench reads CROWDSET_BENCH_YDATA_VENV when you
# put it elsewhere). Needs PyPI once. Kept out of the project's .venv: ydata-profiling pins its own dependency set.
set -euo pipefail
VENV="${1:-${CROWDSET_BENCH_YDATA_VENV:-$HOME/.cache/crowdset-bench/ydata}}"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import ydata_profiling" 2>/dev/null; then
    echo "ydata-profiling already installed in $VENV: $("$VENV/bin/pip" show ydata-profiling | grep '^Version')"
    exit 0
fi
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --upgrade pip
"$VENV/bin/pip" install ydata-profiling psutil pyarrow
echo "installed: $("$VENV/bin/pip" show ydata-profiling | grep '^Version') in $VENV"
echo "run: .venv/bin/python benchmarks/bench_evaluate.py"
