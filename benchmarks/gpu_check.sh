#!/usr/bin/env bash
# One-command GPU check (never in CI): LoRA / QLoRA steps on random-initialised Qwen2.5-Coder 1.5B and 7B,
# peak memory vs `asm65816 plan-vram`, tokens/s. Writes gpu_check.json and gpu_check.md under
# ${OUT:-benchmarks/gpu_check_out}. Run from anywhere; extra arguments go to gpu_check.py (e.g. --dry-run).
# QLoRA needs bitsandbytes: where python3 lacks it (the lent H200 image does), put a wheel under .whl/
# (pip download --no-deps --only-binary=:all: bitsandbytes) and this installs it into /tmp/site first;
# without it QLoRA is skipped, with the reason recorded. `timeout` caps the whole check at 8 minutes;
# the results are rewritten after every run, so a cut-short check keeps what it measured.
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" >/dev/null && ! python3 -c "import bitsandbytes" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONUNBUFFERED=1
exec timeout 480 python3 benchmarks/gpu_check.py --out "${OUT:-benchmarks/gpu_check_out}" "$@"
