"""Recipe model for the optional `validate:` block (defaults for `safedata validate`; CLI flags win)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from safedata.schemas.sources import Strict
from safedata.validate.config import ATTENTIONS, BATCHINGS, DECODERS, DECODINGS


class EvalFile(Strict):
    kind: Literal["harmful", "benign", "math"]
    path: str
    name: str | None = None  # default: the file stem
    limit: int | None = Field(None, ge=1)
    where: dict[str, str] = Field(default_factory=dict, description="keep rows whose column equals the value")


class ValidateSection(Strict):
    base_model: str = Field("scratch:qwen2-60m", description="hub id, local folder, or scratch:<size>")
    lr: float = Field(5e-6, gt=0)
    epochs: float = Field(1.0, gt=0)
    max_length: int = Field(4096, ge=16)
    batch_size: int = Field(64, ge=1, description="examples per micro-batch per device")
    grad_accum: int = Field(1, ge=1)
    micro_tokens: int | None = Field(
        None,
        ge=64,
        description="cut micro-batches over this many tokens into more accumulation passes (unset: sized "
        "to the free GPU memory; 8192 on CPU)",
    )
    batching: Literal[BATCHINGS] = "packed"
    attn: Literal[ATTENTIONS] = Field(
        "varlen", description="varlen: packed rows attend per document with no mask (flash kernel on CUDA)"
    )
    compile: bool | None = Field(
        None, description="torch.compile each decoder layer (unset: on CUDA when it saves more than it costs)"
    )
    bf16_weights: bool | None = Field(
        None, description="bf16 weights with fp32 master copies, else autocast (unset: one CUDA process)"
    )
    lora: bool = False
    grad_ckpt: bool = False
    variants: list[str] = Field(default_factory=list)
    dpo: bool = Field(False, description="train with TRL DPO on the `preference` config instead of SFT")
    beta: float = Field(0.1, gt=0, description="DPO's KL weight")
    evals: list[EvalFile] = Field(default_factory=list, description="empty: the build's held-out prompts")
    limit: int | None = Field(50, ge=1)
    samples: int = Field(1, ge=1)
    temperature: float = Field(0.0, ge=0)
    decoding: Literal[DECODINGS] = "normal"
    top_p: float = Field(1.0, gt=0, le=1)
    max_new_tokens: int = Field(512, ge=1)
    gen_batch_size: int | None = Field(
        None, ge=1, description="rows decoded together (unset: the largest whose KV cache fits; 256 on CPU)"
    )
    decoder: Literal[DECODERS] = Field(
        "auto",
        description="auto: vllm when installed (one process), else fast | vllm | fast: preallocated-cache "
        "decoder (Qwen2/Llama; others use hf) | hf: generate",
    )
