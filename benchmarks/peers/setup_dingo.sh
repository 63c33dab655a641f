#!/usr/bin/env bash
# Create the dingo-python virtual environment that benchmarks/bench_evaluate.py compares with.
# Usage: bash benchmarks/peers/setup_dingo.sh [VENV_DIR]
# VENV_DIR defaults to ~/.cache/crowdset-bench/dingo (the bench reads CROWDSET_BENCH_DINGO_VENV when you
# put it elsewhere). Needs PyPI once. Kept out of the project's .venv: dingo pins its own dependency set.
set -euo pipefail
VENV="${1:-${CROWDSET_BENCH_DINGO_VENV:-$HOME/.cache/crowdset-bench/dingo}}"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import dingo" 2>/dev/null; then
    echo "dingo-python already installed in $VENV: $("$VENV/bin/pip" show dingo-python | grep '^Version')"
    exit 0
fi
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --upgrade pip
"$VENV/bin/pip" install dingo-python psutil
echo "installed: $("$VENV/bin/pip" show dingo-python | grep '^Version') in $VENV"
echo "run: .venv/bin/python benchmarks/bench_evaluate.py"
