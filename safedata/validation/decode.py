"""A small batched decoder for Llama-family models (Qwen2, Llama): preallocated KV cache, no HF `generate`.

For a 0.5B model HF's per-step work (growing the cache with torch.cat, rebuilding 4D masks, logits
processors over the full vocabulary) costs more than the model itself. Here the cache is allocated once, the
step attends over a slice of it, and only the last position goes through the lm_head. The model's own
modules run the maths (projections with their biases, norms, MLP, rotary embedding with its scaling), so
outputs match `generate`; `supports` says which models this holds for, the rest use `generate`.
"""

from __future__ import annotations

from typing import Any

ARCHITECTURES = ("Qwen2ForCausalLM", "LlamaForCausalLM")


def _unwrap(model: Any) -> Any:
    # A peft (LoRA) model keeps its adapters inside the wrapped model's Linear modules: calling them suffices
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def supports(model: Any) -> bool:
    """True for Qwen2/Llama causal LMs with full attention in every layer (no sliding window)."""
    base = _unwrap(model)
    layer_types = getattr(base.config, "layer_types", None) or ["full_attention"]
    return type(base).__name__ in ARCHITECTURES and set(layer_types) == {"full_attention"}


def decode(
    model: Any,
    ids: Any,
    mask: Any,
    *,
    max_new_tokens: int,
    eos_id: int,
    pad_id: int,
    temperature: float,
    top_p: float,
    generator: Any,
) -> Any:
    """New tokens (B, <= max_new_tokens) for left-padded `ids` (B, W) with `mask` 1 on real tokens.

    A row that emitted `eos_id` emits `pad_id` from then on; the loop stops once every row has finished.
    """
    import torch

    base = _unwrap(model)
    m = base.model
    batch, width = ids.shape
    real = mask.bool()
    # Valid keys per cache slot: prompt pads never, generated slots always (a step reads slots <= its own)
    valid = torch.ones(batch, width + max_new_tokens, dtype=torch.bool, device=ids.device)
    valid[:, :width] = real
    w = m.embed_tokens.weight
    shape = (batch, base.config.num_key_value_heads, width + max_new_tokens, m.layers[0].self_attn.head_dim)
    caches = [(w.new_empty(shape), w.new_empty(shape)) for _ in m.layers]
    # Prefill: causal + padding mask; a pad query also sees itself, so no softmax row is empty (some sdpa
    # kernels give NaN there, which would reach the cache through the pad positions' values).
    causal = torch.ones(width, width, dtype=torch.bool, device=ids.device).tril()
    attn = (causal & real[:, None, None, :]) | torch.eye(width, dtype=torch.bool, device=ids.device)
    positions = (real.long().cumsum(-1) - 1).clamp(min=0)  # as `generate`: pads don't count
    with torch.inference_mode():
        logits = _forward(base, ids, positions, attn, caches, 0)
        out = torch.full((batch, max_new_tokens), pad_id, dtype=torch.long, device=ids.device)
        done = torch.zeros(batch, dtype=torch.bool, device=ids.device)
        next_pos = real.sum(-1, keepdim=True)
        for step in range(max_new_tokens):
            tok = torch.where(done, pad_id, _pick(logits, temperature, top_p, generator))
            out[:, step] = tok
            done |= tok == eos_id
            # Checking `done` syncs with the GPU; every 16 steps keeps the launch queue ahead of the kernels.
            if step == max_new_tokens - 1 or (step % 16 == 15 and bool(done.all())):
                break
            slot = width + step
            logits = _forward(
                base, tok[:, None], next_pos + step, valid[:, None, None, : slot + 1], caches, slot
            )
    return out[:, : step + 1]


def _forward(base: Any, ids: Any, positions: Any, attn_mask: Any, caches: list[Any], slot: int) -> Any:
    """Logits of the last position; k/v of `ids` are written to cache slots [slot, slot + len)."""
    import torch.nn.functional as F
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    m = base.model
    x = m.embed_tokens(ids)
    cos, sin = m.rotary_emb(x, positions)
    batch, length, _ = x.shape
    heads, kv_heads = base.config.num_attention_heads, base.config.num_key_value_heads
    group = heads // kv_heads
    # Grouped-query attention without copying the cache: the query heads that share a kv head become extra
    # query rows of that head (sdpa's enable_gqa falls back to its slow kernel when given a mask).
    attn_mask = attn_mask.repeat(1, 1, group, 1)
    for layer, (k_cache, v_cache) in zip(m.layers, caches, strict=True):
        a = layer.self_attn
        h = layer.input_layernorm(x)
        q, k, v = (
            p(h).view(batch, length, -1, a.head_dim).transpose(1, 2) for p in (a.q_proj, a.k_proj, a.v_proj)
        )
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        k_cache[:, :, slot : slot + length] = k
        v_cache[:, :, slot : slot + length] = v
        o = F.scaled_dot_product_attention(
            q.reshape(batch, kv_heads, group * length, a.head_dim),
            k_cache[:, :, : slot + length],
            v_cache[:, :, : slot + length],
            attn_mask=attn_mask,
            scale=a.scaling,
        )
        # reshape, not view: the efficient-attention kernel's output is not contiguous in this layout.
        o = o.reshape(batch, heads, length, a.head_dim).transpose(1, 2).reshape(batch, length, -1)
        x = x + a.o_proj(o)
        x = x + layer.mlp(layer.post_attention_layernorm(x))
    return base.lm_head(m.norm(x[:, -1])).float()


def _pick(logits: Any, temperature: float, top_p: float, generator: Any) -> Any:
    """Greedy at temperature 0, else a sample from the smallest top set holding `top_p` of the mass."""
    import torch

    if temperature == 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1:
        probs, order = probs.sort(dim=-1, descending=True)
        # Drop a token when the mass before it already reaches top_p (so the top token always stays).
        probs[probs.cumsum(-1) - probs >= top_p] = 0
        return order.gather(-1, torch.multinomial(probs, 1, generator=generator)).squeeze(-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)
