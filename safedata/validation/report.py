"""The validation report: base vs trained side by side (markdown, JSON, PNG plots)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# (metric key, label, higher is better?) per eval kind, in table order.
HEADLINE: dict[str, list[tuple[str, str, bool]]] = {
    "harmful": [("safe@1", "Safe@1", True), ("safe@k", "Safe@K", True), ("conssafe@k", "ConsSafe@K", True)],
    "benign": [("over_refusal", "over-refusal", False)],
    "math": [("accuracy", "accuracy", True)],
}
COMMON = [("closed_think", "closed </think>", True), ("thought_words", "thought length (words)", False)]

SCRATCH_NOTE = (
    "Scratch model: random weights and a tokenizer trained on this dataset. This run proves the loop and "
    "measures speed and learnability; it does **not** measure safety."
)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return "–" if v is None else str(v)


def markdown(result: dict[str, Any]) -> str:
    lines = [f"# Validation of {result['dataset']}", ""]
    if result["base_model"].startswith("scratch:"):
        lines += [f"> {SCRATCH_NOTE}", ""]
    t = result["train"]
    what = f"{result['train_examples']} examples (variants: {', '.join(result['variants'])})"
    if "dpo_pairs" in result:
        what = f"{result['dpo_pairs']} preference pairs with DPO (beta {result['config']['beta']})"
    lines += [
        f"Base model `{result['base_model']}`; trained on {what}, {t['steps']} steps, "
        f"loss {_fmt(t['first_loss'])} → {_fmt(t['final_loss'])}, "
        f"{t['tokens_per_s']} tokens/s over the whole loop"
        + (
            f", {t['steady_tokens_per_s']} steady (MFU {t.get('steady_mfu')})."
            if t.get("steady_tokens_per_s")
            else "."
        ),
        "",
        "| eval set | metric | base | trained |",
        "|---|---|---|---|",
    ]
    base, trained = result.get("base") or {}, result["trained"]
    for name, m in trained.items():
        b = base.get(name, {})
        for key, label, _ in HEADLINE.get(m["kind"], []) + COMMON:
            lines.append(f"| {name} | {label} | {_fmt(b.get(key))} | {_fmt(m.get(key))} |")
        for tactic, asr in m.get("attack_success", {}).items():
            lines.append(
                f"| {name} | attack success ({tactic}) | {_fmt(b.get('attack_success', {}).get(tactic))} "
                f"| {_fmt(asr)} |"
            )
    hl = result.get("heldout_loss")
    if hl:
        lines.append(f"| held-out rows | loss | {_fmt(hl.get('base'))} | {_fmt(hl.get('trained'))} |")
    gen = result.get("generation", {})
    if gen:
        lines += [
            "",
            f"Generation: {gen.get('new_tokens')} new tokens at {gen.get('tokens_per_s')} tokens/s.",
        ]
    return "\n".join(lines) + "\n"


def plots(result: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    steps = result["train"].get("curve", [])
    if steps:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([s["step"] for s in steps], [s["loss"] for s in steps])
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("loss (assistant tokens)")
        ax.set_title("training loss")
        fig.tight_layout()
        fig.savefig(out / "loss.png", dpi=110)
        plt.close(fig)
        written.append("loss.png")
    bars = []
    base, trained = result.get("base") or {}, result["trained"]
    for name, m in trained.items():
        for key, label, _ in HEADLINE.get(m["kind"], []) + COMMON[:1]:
            bars.append((f"{name}\n{label}", base.get(name, {}).get(key), m.get(key)))
    if bars:
        fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(bars)), 4))
        xs = range(len(bars))
        ax.bar([x - 0.2 for x in xs], [b[1] or 0 for b in bars], 0.4, label="base")
        ax.bar([x + 0.2 for x in xs], [b[2] or 0 for b in bars], 0.4, label="trained")
        ax.set_xticks(list(xs), [b[0] for b in bars], fontsize=7)
        ax.set_ylim(0, 1)
        ax.legend()
        ax.set_title("base vs trained")
        fig.tight_layout()
        fig.savefig(out / "metrics.png", dpi=110)
        plt.close(fig)
        written.append("metrics.png")
    return written


def write(result: dict[str, Any], out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(markdown(result), encoding="utf-8")
    return ["report.json", "report.md", *plots(result, out)]
