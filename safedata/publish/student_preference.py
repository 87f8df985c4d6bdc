"""Card sections for the student's rows and the `preference` config, from build_report.json alone."""

from __future__ import annotations

from typing import Any

from safedata.publish.notes import Table

PAIR_MEANING = {
    "repair": "repaired sample chosen over its original failing sample",
    "samples": "a safe sample of a harmful prompt chosen over an unsafe one",
    "over_refusal": "a helpful answer to a benign prompt chosen over a refusal",
}


def _notes(report: dict[str, Any], stage: str, key: str) -> dict[str, Any]:
    found = next((s for s in report["stages"] if s["name"] == stage), None)
    return (found or {}).get("notes", {}).get(key) or {}


def student_section(report: dict[str, Any]) -> str:
    from safedata.publish.card import md_table

    notes = _notes(report, "generate", "student")
    if not notes:
        return ""
    rows = [[v, str(u["samples"]), str(u["truncated"])] for v, u in notes["usage_by_variant"].items()]
    flips = notes.get("rewrite_flipped") or {}
    flipped = ", ".join(f"{n} {k}" for k, n in flips.items()) or "none"
    return f"""## Student

Rows of the `student` and `student_rewrite` configs were written by the model being trained,
`{notes["engine"]} / {notes["model"]}` (their `teacher` column says `"role": "student"`). `student`: its own
answers, {notes["samples"]} sample(s) per prompt, with a short safety primer pre-filled at the start of the
thought of harmful prompts ({notes["steered_samples"]} samples); `student_rewrite`: its rewrites of another
variant's rows in its own words. Rewrites that flipped the refusal decision were dropped: {flipped}.

{md_table(Table("", ["variant", "samples", "truncated"], rows))}"""


def preference_section(report: dict[str, Any], repo: str | None = None) -> str:
    from safedata.publish.card import md_table

    notes = _notes(report, "filters", "preference")
    if not notes:
        return ""
    rows = [[s, str(n), PAIR_MEANING[s]] for s, n in notes["pairs"].items()]
    gone = notes.get("dropped_contaminated")
    dropped = f"\n\nPairs dropped because their prompt overlaps an eval set: {gone}." if gone else ""
    where = repo or "path/to/this/folder"
    return f"""## Preference pairs

The `preference` config holds DPO pairs in TRL's conversational format (`prompt`, `chosen`, `rejected`,
plus `pair_source`, `reason`: the patterns that failed the rejected sample, and who wrote each side).

{md_table(Table("", ["pair source", "pairs", "what"], rows))}{dropped}

```python
from datasets import load_dataset
from trl import DPOConfig, DPOTrainer
pairs = load_dataset("{where}", "preference", split="train")
trainer = DPOTrainer(model="your/sft-model", train_dataset=pairs, args=DPOConfig(output_dir="dpo", beta=0.1))
trainer.train()
```"""
