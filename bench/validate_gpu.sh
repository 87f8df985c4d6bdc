#!/usr/bin/env bash
# Every GPU figure of issue 18 in one call on a 2-GPU node (the device tool's nvidia-h200-x2); results in $OUT.
#   bash bench/validate_gpu.sh [all|scale2|trl|e2e]
# Run from a folder holding safedata/ and bench/ (this checkout), base/ (safedata/ and bench/ of the checkout
# to compare with), vbench/ (bench/validate_data.yaml built on CPU), evals/ (JailbreakBench goals, XSTest
# prompts, GSM8K test) and whl/ (pydantic, trl, liger-kernel, datasets wheels: the node has none of them).
# GPU 0 and GPU 1 work side by side on single-GPU figures, then both run the two-GPU ones.
set -u
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # never NVLink multicast
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
OUT=${OUT:-/tmp/gpu-out}
W=/tmp/gpu-work
mkdir -p "$OUT" "$W"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site whl/*.whl || exit 1
export PYTHONPATH=$PWD:/tmp/site
nvidia-smi -L
python3 -c 'import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.device_count())'
EVALS=(--eval harmful=evals/jbb_harmful.csv --eval "benign=evals/xstest_prompts.csv?label=safe"
       --eval math=evals/gsm8k_test.jsonl --limit 100 --max-new-tokens 256)

e2e() {  # $1 name, then extra flags: the plain command (settings chosen by auto.py) and variations of it
  local name=$1; shift
  timeout 140 python3 -m safedata.cli validate vbench --base-model scratch:qwen2-0.5b --lr 3e-4 "${EVALS[@]}" \
    "$@" --out "$W/$name" && cp "$W/$name/report.json" "$W/e2e_$name.json"
}

gpu0() {  # MFU: the compared checkout's best setting, then this checkout's; then the one-GPU scaling baseline
  CUDA_VISIBLE_DEVICES=0 PYTHONPATH=$PWD/base:/tmp/site timeout 110 python3 base/bench/validate_speed.py vbench \
    --sft --steps 8 --warm 3 --only varlen-packed-compile-bf16w-bs160 --json "$W/sft_before.json"
  CUDA_VISIBLE_DEVICES=0 timeout 200 python3 bench/validate_speed.py vbench --sft --steps 8 --warm 3 \
    --only varlen-packed-compile-bf16w-bs160 varlen-packed-compile-bf16w-bs64 varlen-packed-compile-bf16w-bs288 \
    --profile varlen-packed-compile-bf16w-bs160 --json "$W/sft_after.json"
  CUDA_VISIBLE_DEVICES=0 timeout 150 python3 bench/validate_scale.py vbench --configs 160x2 160x1 64x1 \
    --gen-prompts 4096 --json "$W/scale1.json"
}

gpu1() {  # what the plain command gets, the same with --compile, then TRL side by side
  export CUDA_VISIBLE_DEVICES=1
  e2e plain
  e2e compile --compile
  timeout 200 python3 bench/validate_trl.py vbench --steps 20 --warm 4 --json "$W/trl.json"
}

scale2() {
  timeout 100 torchrun --nproc-per-node 2 bench/validate_scale.py vbench --configs 160x1 64x1 \
    --gen-prompts 4096 --json "$W/scale2.json"
}

case ${1:-all} in
  all)
    gpu0 >"$OUT/gpu0.log" 2>&1 &
    gpu1 >"$OUT/gpu1.log" 2>&1 &
    wait
    scale2 >"$OUT/scale2.log" 2>&1 ;;
  scale2) scale2 >"$OUT/scale2.log" 2>&1 ;;
  trl) CUDA_VISIBLE_DEVICES=0 timeout 300 python3 bench/validate_trl.py vbench --json "$W/trl.json" >"$OUT/trl.log" 2>&1 ;;
  e2e) gpu1 >"$OUT/gpu1.log" 2>&1 ;;
esac
cp "$W"/profile-*.txt "$OUT"/ 2>/dev/null
# One JSON with every figure (the device returns at most 8 files).
python3 - "$W" "$OUT/results.json" <<'EOF'
import json, sys
from pathlib import Path
out = {p.stem: json.loads(p.read_text()) for p in sorted(Path(sys.argv[1]).glob("*.json"))}
for k in [k for k in out if k.startswith("e2e_")]:  # the report minus its per-step curve and samples
    out[k]["train"].pop("curve", None)
Path(sys.argv[2]).write_text(json.dumps(out, indent=2))
print(json.dumps({k: (v.get("train", {}).get("steady_tokens_per_s") if k.startswith("e2e_") else "...") for k, v in out.items()}))
EOF
tail -n 5 "$OUT"/*.log
