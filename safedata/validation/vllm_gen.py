"""Eval generation through vLLM, when it is installed: the same prompts, sampling and scoring as generate.py.

The model goes to vLLM as a saved bf16 folder; prompts go as token ids built by `generate.prompt_ids` and
outputs come back as token ids decoded by our tokenizer, so vLLM never loads a tokenizer
(`skip_tokenizer_init`): a scratch BPE would not survive a save and reload (scratch.py), and prompts stay
byte-identical to the other decoders'.
"""

from __future__ import annotations

import copy
import importlib.util
import tempfile
import time
from typing import Any

from safedata.errors import SafedataError
from safedata.validation.generate import GenStats, completion_text, prompt_ids

# Share of the memory left free by training that vLLM's weights, activations and KV cache may take.
MEMORY_SHARE = 0.8


def available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def requests(
    tokenizer: Any,
    prompts: list[str],
    *,
    samples: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    seed: int,
    prefill: str,
) -> tuple[list[dict[str, list[int]]], dict[str, Any]]:
    """(prompts as vLLM token prompts, keyword arguments of vllm.SamplingParams) for one generate call.

    Greedy at temperature 0 (vLLM's greedy is temperature 0), else temperature + top-p with no top-k, as the
    fast decoder; K samples per prompt through `n`; decoding stops at the tokenizer's EOS, which vLLM
    cannot know without a tokenizer.
    """
    params: dict[str, Any] = {
        "n": samples,
        "max_tokens": max_new_tokens,
        "temperature": max(temperature, 0.0),
        "top_p": top_p,
        "top_k": -1,
        "seed": seed,
        "stop_token_ids": [tokenizer.eos_token_id],
        "detokenize": False,
    }
    return [{"prompt_token_ids": ids} for ids in prompt_ids(tokenizer, prompts, prefill)], params


def generate_vllm(
    model: Any, tokenizer: Any, prompts: list[str], options: dict[str, Any], free_bytes: int, total_bytes: int
) -> tuple[list[list[str]], GenStats]:
    """Completions as generate.generate gives them; `options` are `requests`' keyword arguments."""
    if not available():
        raise SafedataError("--decoder vllm needs the vllm package: pip install 'safedata[vllm]' (GPU node)")
    import torch
    from vllm import LLM, SamplingParams

    batch, params = requests(tokenizer, prompts, **options)
    prefill = options["prefill"]
    if hasattr(model, "merge_and_unload"):  # LoRA: vLLM loads one plain folder, adapters merged in
        model = copy.deepcopy(model).merge_and_unload()
    with tempfile.TemporaryDirectory(prefix="safedata-vllm-") as folder:
        model.save_pretrained(folder, safe_serialization=True)  # bf16 already (run.evaluate)
        llm = LLM(
            model=folder,
            skip_tokenizer_init=True,
            dtype="bfloat16",
            seed=params["seed"],
            gpu_memory_utilization=MEMORY_SHARE * free_bytes / total_bytes,
            max_model_len=max(len(p["prompt_token_ids"]) for p in batch) + params["max_tokens"],
        )
        start = time.perf_counter()
        outputs = llm.generate(batch, SamplingParams(**params), use_tqdm=False)
        seconds = time.perf_counter() - start
    completions = [
        [completion_text(prefill, tokenizer.decode(o.token_ids), tokenizer) for o in r.outputs]
        for r in outputs
    ]
    new_tokens = sum(len(o.token_ids) for r in outputs for o in r.outputs)
    del llm
    torch.cuda.empty_cache()
    return completions, GenStats(new_tokens, seconds, "vllm", len(batch) * params["n"])
