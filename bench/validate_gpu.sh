#!/usr/bin/env bash
# Every GPU figure of issue 18 on a 2-GPU node (the device tool's nvidia-h200-x2); results in $OUT.
#   bash bench/validate_gpu.sh ["GPU-0 JOBS" "GPU-1 JOBS" "TWO-GPU JOBS"]
# The first two lists run side by side (one GPU each), the third afterwards on both. Jobs: before, after
# (SFT speed + MFU of the compared checkout and of this one), scale1 / scale2 (validate_scale.py on one and
# two GPUs), plain / compile / long (`safedata validate` as a user runs it: 1 epoch, 1 epoch --compile,
# 5 epochs), trl (validate_trl.py), plain2 (the plain command, 10 epochs, under torchrun on two GPUs).
# Run from a folder holding safedata/ and bench/ (this checkout), base/ (safedata/ and bench/ of the checkout
# to compare with), vbench/ (bench/validate_data.yaml built on CPU), evals/ (JailbreakBench goals, XSTest
# prompts, GSM8K test) and whl/ (pydantic, trl, liger-kernel, datasets wheels: the node has none of them).
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
SPEED=(--sft --steps 8 --warm 3 --json)

e2e() {  # NAME LAUNCHER... -- FLAGS...: `safedata validate` with the settings auto.py picks, plus FLAGS
  local name=$1; shift
  local launch=(); while [ "$1" != "--" ]; do launch+=("$1"); shift; done; shift
  timeout 170 "${launch[@]}" -m safedata.cli validate vbench --base-model scratch:qwen2-0.5b --lr 3e-4 \
    "${EVALS[@]}" "$@" --out "$W/$name" && cp "$W/$name/report.json" "$W/e2e_$name.json"
}

job() {
  case $1 in
    before) PYTHONPATH=$PWD/base:/tmp/site timeout 110 python3 base/bench/validate_speed.py vbench "${SPEED[@]}" \
              "$W/sft_before.json" --only varlen-packed-compile-bf16w-bs160 ;;
    after) timeout 200 python3 bench/validate_speed.py vbench "${SPEED[@]}" "$W/sft_after.json" \
             --only ${AFTER:-varlen-packed-compile-bf16w-bs160 varlen-packed-compile-bf16w-bs288 varlen-packed-compile-bf16w-bs64} \
             --profile varlen-packed-compile-bf16w-bs160 ;;
    scale1) timeout 170 python3 bench/validate_scale.py vbench --configs 160x2 160x1 64x1 --gen-prompts 4096 \
              --json "$W/scale1.json" ;;
    scale2) timeout 150 torchrun --nproc-per-node 2 bench/validate_scale.py vbench --configs 160x1 64x1 \
              --gen-prompts 4096 --json "$W/scale2.json" ;;
    plain) e2e plain python3 -- ;;
    compile) e2e compile python3 -- --compile ;;
    long) e2e long python3 -- --epochs 5 ;;
    plain2) e2e plain2 torchrun --nproc-per-node 2 -- --epochs 10 ;;
    trl) timeout 200 python3 bench/validate_trl.py vbench --steps 20 --warm 4 --json "$W/trl.json" ;;
  esac
}

run_on() {  # GPU JOBS: one after another on one GPU
  export CUDA_VISIBLE_DEVICES=$1
  for j in $2; do echo "== $j"; job "$j"; done
}

run_on 0 "${1-before after scale1}" >"$OUT/gpu0.log" 2>&1 &
run_on 1 "${2-plain compile long trl}" >"$OUT/gpu1.log" 2>&1 &
wait
(for j in ${3-scale2 plain2}; do echo "== $j"; job "$j"; done) >"$OUT/two.log" 2>&1
cp "$W"/profile-*.txt "$OUT"/ 2>/dev/null
# One JSON with every figure (the device returns at most 8 files).
python3 - "$W" "$OUT/results.json" <<'EOF'
import json, sys
from pathlib import Path
out = {p.stem: json.loads(p.read_text()) for p in sorted(Path(sys.argv[1]).glob("*.json"))}
Path(sys.argv[2]).write_text(json.dumps(out, indent=2))
EOF
grep -h -E "^(varlen|[0-9]+x[0-9]|gen |trl-|safedata-|trained |generated |auto: |== )" "$OUT"/*.log
