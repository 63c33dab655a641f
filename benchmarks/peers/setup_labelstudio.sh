#!/usr/bin/env bash
# Create the Label Studio 1.23 virtual environment that benchmarks/bench_annotation.py compares with.
# Usage: bash benchmarks/peers/setup_labelstudio.sh [VENV_DIR]
# VENV_DIR defaults to ~/.cache/crowdset-bench/labelstudio (the bench reads CROWDSET_BENCH_LS_VENV
# when you put it elsewhere). Needs network access to PyPI once; nothing is started here.
set -euo pipefail
VENV="${1:-${CROWDSET_BENCH_LS_VENV:-$HOME/.cache/crowdset-bench/labelstudio}}"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/label-studio" ]; then
    echo "Label Studio already installed in $VENV: $("$VENV/bin/pip" show label-studio | grep '^Version')"
    exit 0
fi
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --upgrade pip
"$VENV/bin/pip" install "label-studio==1.23.*"
echo "installed: $("$VENV/bin/pip" show label-studio | grep '^Version') in $VENV"
echo "run: .venv/bin/python benchmarks/bench_annotation.py"
