#!/usr/bin/env bash
# Lint and the test suite, in .venv (made by scripts/setup.sh dev).
# pytest exit code 5 (no tests collected) fails like any other non-zero code.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
"$PY" -m ruff check safedata tests bench
"$PY" -m ruff format --check safedata tests bench
"$PY" -m pytest -q --durations=15 "$@"
