"""The dataset card (README.md): Hub YAML header, what was built and how, and a content warning."""

from __future__ import annotations

from typing import Any

import yaml

from safedata.filters.summary import card_section
from safedata.pipeline import BuildContext
from safedata.publish.sections import stage_sections

WARNING = (
    "> **Content warning.** This dataset contains requests for harmful content (violence, self-harm, hate, "
    "sexual content involving minors, crime) paired with refusals. It exists to train models to refuse "
    "them. Do not use the prompts for any other purpose."
)


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "1M<n<10M"


def header(ctx: BuildContext, report: dict[str, Any]) -> dict[str, Any]:
    out = ctx.recipe.output
    return {
        "license": out.license,
        "language": out.language,
        "task_categories": ["text-generation"],
        "tags": ["safety", "reasoning", "sft", "chain-of-thought", "refusal", "safedata"],
        "size_categories": [_size_category(report["rows"])],
        "pretty_name": ctx.recipe.name,
        "configs": [
            {
                "config_name": variant,
                # Exact shard names (they carry a content hash), not a glob: `load_dataset(folder, config)`
                # keys its cache on this header, so a rebuild must change it or stale rows come back.
                "data_files": [{"split": "train", "path": files}],
            }
            for variant, files in report["files"].items()
        ],
    }


def _table(rows: list[list[Any]], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _teachers(ctx: BuildContext) -> str:
    teacher = getattr(ctx.recipe, "teacher", None)
    if teacher is None:
        return "No teacher model: every sample is teacher-free (template, nocot) or imported from its source."
    line = f"Teacher: `{teacher.engine}` / `{teacher.model}`."
    notes = ctx.stage_stats("generate").notes.get("teacher")
    if not notes:
        return line
    line += (
        f" Guidelines `{notes['guidelines']}`, decoding `{notes['decoding']}`, {notes['samples']} sample(s)."
    )
    rows = [
        [v, u["samples"], u["truncated"], u["input_tokens"], u["output_tokens"], u.get("cost_usd", "-")]
        for v, u in notes["usage_by_variant"].items()
    ]
    head = ["variant", "samples", "truncated", "prompt tokens", "generated tokens", "cost (USD)"]
    return line + "\n\n" + _table(rows, head)


def render_card(ctx: BuildContext, report: dict[str, Any], recipe_yaml: str) -> str:
    front = yaml.safe_dump(header(ctx, report), sort_keys=False, allow_unicode=True)
    stages = _table(
        [
            [
                s["name"],
                s["rows_in"],
                s["rows_out"],
                ", ".join(f"{k}: {v}" for k, v in s["dropped"].items()) or "-",
            ]
            for s in report["stages"]
        ],
        ["stage", "rows in", "rows out", "dropped"],
    )
    final = report["final"]
    mix = _table([[k, v] for k, v in final["variant"].items()], ["variant (config)", "rows"])
    kinds = _table([[k, v] for k, v in final["kind"].items()], ["kind", "rows"])
    cats = _table([[k, v] for k, v in final["category"].items()], ["category", "rows"])
    wrapped = final.get("tactic", {})
    tactics = (
        "\n\n" + _table([[k, v] for k, v in wrapped.items()], ["attack tactic (wrapped prompts)", "rows"])
        if wrapped
        else ""
    )
    first = next(iter(report["files"]), "template")
    body = f"""---
{front}---

# {ctx.recipe.name}

{WARNING}

{ctx.recipe.description or "A safety SFT dataset for reasoning models, built with safedata."}

Every row has a `messages` column (user turn, then an assistant turn `<think>\\n…\\n</think>\\n\\nanswer`)
that TRL's `SFTTrainer` trains on as-is, plus the prompt, reasoning and answer as separate columns,
the row's kind, category, source, variant, and its provenance (which stage did what).

## Variants

{mix}

## Composition

{kinds}

{cats}{tactics}

## Stages

{stages}

Rows quarantined (bad input, see `quarantine.jsonl`): {report["quarantined"]}.

{card_section(report)}
{stage_sections(report)}

## Models

{_teachers(ctx)}

## Usage

```python
from datasets import load_dataset
ds = load_dataset("path/or/repo", "{first}", split="train")
# TRL: SFTTrainer(model=..., train_dataset=ds)  # trains on the `messages` column
```

## Recipe

Secrets given as `${{ENV}}` are shown unresolved.

```yaml
{recipe_yaml.strip()}
```
"""
    return body
