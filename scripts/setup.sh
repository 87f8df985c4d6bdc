#!/usr/bin/env bash
# Creates .venv with CPU torch (never the CUDA build) and safedata installed editable.
# Usage: bash scripts/setup.sh [extras]   e.g. bash scripts/setup.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q -U pip
if [ -n "$EXTRAS" ]; then
  # Extras pull torch: install the CPU build first, and constrain it so no later resolve can swap in
  # a CUDA build (several GB). The core package needs no torch at all.
  .venv/bin/python -m pip install -q torch==2.13.0
  .venv/bin/python -c "import torch; assert '+cpu' in torch.__version__ or torch.cuda.is_available(), torch.__version__"
fi
PIP_CONSTRAINT="$PWD/constraints.txt" .venv/bin/python -m pip install -q -e ".${EXTRAS:+[$EXTRAS]}"
