"""The dataset card (README.md): Hub YAML header, what was built and how, and a content warning.

Rendered from build_report.json and the recipe alone, so `safedata push` can re-render it with the repo id.
Every generated section sits between `<!-- safedata:begin NAME -->` and `<!-- safedata:end NAME -->`; anything
outside those markers is the user's and survives a re-push (see card_merge.py).
"""

from __future__ import annotations

from typing import Any

import yaml

from safedata.filters.summary import card_section as filters_section
from safedata.publish.columns import COLUMNS, PROMPT_COMPLETION
from safedata.publish.notes import Table, tables
from safedata.publish.student_preference import preference_section, student_section
from safedata.publish.writer import DEFAULT, RESERVED

WARNING = (
    "> **Content warning.** This dataset contains requests for harmful content (violence, self-harm, hate, "
    "sexual content involving minors, crime) paired with refusals. It exists to train models to refuse "
    "them. Do not use the prompts for any other purpose."
)


def block(name: str, text: str) -> str:
    return f"<!-- safedata:begin {name} -->\n{text.strip()}\n<!-- safedata:end {name} -->"


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


def header(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "license": report.get("license", "apache-2.0"),
        "language": report.get("language", ["en"]),
        "task_categories": ["text-generation"],
        "tags": ["safety", "reasoning", "sft", "chain-of-thought", "refusal", "safedata"],
        "size_categories": [_size_category(report["rows"])],
        "pretty_name": report["recipe"],
        "configs": [
            {
                "config_name": config,
                **({"default": True} if config == DEFAULT else {}),
                # Exact shard names (they carry a content hash), not a glob: `load_dataset(folder, config)`
                # keys its cache on this header, so a rebuild must change it or stale rows come back.
                "data_files": [{"split": split, "path": paths} for split, paths in splits.items()],
            }
            for config, splits in report["files"].items()
        ],
    }


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def md_table(t: Table) -> str:
    lines = ["| " + " | ".join(_esc(h) for h in t.head) + " |", "|" + "---|" * len(t.head)]
    lines += ["| " + " | ".join(_esc(c) for c in row) + " |" for row in t.rows]
    if t.more:
        lines.append(f"\n({t.more} more rows in build_report.json)")
    return "\n".join(lines)


def _counts(counts: dict[str, int], label: str) -> str:
    total = sum(counts.values()) or 1
    rows = [[k, str(v), f"{100 * v / total:.1f} %"] for k, v in counts.items()]
    return md_table(Table("", [label, "rows", "share"], rows))


def _notes(report: dict[str, Any]) -> str:
    parts = []
    for s in report["stages"]:
        if s.get("notes"):
            body = "\n\n".join(
                (f"**{t.title}**\n\n" if t.title != s["name"] else "") + md_table(t)
                for t in tables(s["name"], s["notes"])
            )
            parts.append(f"### {s['name']}\n\n{body}")
    return "\n\n".join(parts)


def _stages(report: dict[str, Any]) -> str:
    rows = [
        [
            s["name"],
            str(s["rows_in"]),
            str(s["rows_out"]),
            ", ".join(f"{k}: {v}" for k, v in s["dropped"].items()) or "-",
        ]
        for s in report["stages"]
    ]
    text = md_table(Table("", ["stage", "rows in", "rows out", "dropped"], rows))
    text += f"\n\nRows quarantined (bad input, see `quarantine.jsonl`): {report['quarantined']}."
    notes = _notes(report)
    return f"## Stages\n\n{text}" + (f"\n\nWhat each stage measured:\n\n{notes}" if notes else "")


def _validation(markdown: str) -> str:
    # validate writes its own markdown report; its headings move under this section's.
    body = "\n".join(
        "###" + line[1:] if line.startswith("# ") else line for line in markdown.strip().splitlines()
    )
    intro = "A model fine-tuned on this dataset, against its base model (`safedata validate`)."
    return f"## Validation\n\n{intro}\n\n{body}"


def _usage(report: dict[str, Any], repo: str | None) -> str:
    where = repo or "path/to/this/folder"
    variants = ", ".join(f"`{c}`" for c in report["files"] if c not in RESERVED) or "none"
    test = report.get("test_size") or 0
    split = (
        f"Splits: `train`, and `test` ({100 * test:g} % of the rows, held out by prompt: every sample and "
        "variant of a prompt is on one side)."
        if any("test" in s for s in report["files"].values())
        else "Split: `train` (no rows held out)."
    )
    return f"""## Usage

Configs: `default` (the whole mix: every kind and variant, with `kind` and `variant` columns),
`prompt_completion` (the same rows as TRL's conversational `prompt` and `completion`), and one per
variant: {variants}. {split}

```python
from datasets import load_dataset
ds = load_dataset("{where}", split="train")  # the default config: the mix the recipe asked for
```

Fine-tune with TRL. `messages` trains as-is; the `prompt_completion` config puts the loss on the assistant
turn only, under any chat template (`assistant_only_loss=True` on `messages` needs a template with
`{{% generation %}}` markers):

```python
from trl import SFTConfig, SFTTrainer
ds = load_dataset("{where}", "prompt_completion", split="train")
SFTTrainer(model="your/base-model", train_dataset=ds, args=SFTConfig(output_dir="sft")).train()
```

Check your base model's chat template first: R1-distill templates cut the `<think>` block out of assistant
turns, so training through them loses the thought (`safedata validate` warns about it and tokenizes the
assistant turn itself)."""


def _columns(report: dict[str, Any]) -> str:
    rows = [[f"`{name}`", text] for name, text in COLUMNS.items()]
    body = md_table(Table("", ["column", "what it holds"], rows))
    pc = ", ".join(f"`{c}`" for c in PROMPT_COMPLETION)
    return (
        f"## Columns\n\n{body}\n\nThe `prompt_completion` config has {pc} in place of `messages` and "
        "`user_prompt`. No column is named like one TRL reads for itself (`prompt`, `completion`, `labels`, "
        "`text`): `SFTTrainer` sees only the chat."
    )


def _sources(report: dict[str, Any]) -> str:
    rows = [[f"`{s['id']}`", s["from"], s["license"]] for s in report.get("sources", [])]
    head = ["source", "from", "license"]
    note = "A build inherits its sources' terms: check them before you publish or train on this data."
    return f"## Sources\n\n{md_table(Table('', head, rows))}\n\n{note}"


LIMITATIONS = """## Intended use and limitations

Intended use: supervised fine-tuning of reasoning models so that they refuse harmful requests with a
sound thought, keep answering benign requests that merely sound sensitive, and keep their math reasoning.

Not intended: any use of the harmful prompts other than training refusals or evaluating safety.

Limitations:
- Refusals and thoughts were written by templates or a teacher model and checked by automatic detectors
  and judges, not by people; some flawed rows remain (see the filter figures above).
- Harm categories, attack templates and prompts cover a fixed set of requests, in the card's languages
  only; a model trained on them is not safe against everything.
- Safety fine-tuning trades off against over-refusal and reasoning: measure both on your model
  (`safedata validate`) before you rely on it."""

CITATIONS = {
    "lrm-safety-study": (
        "How Should We Enhance the Safety of Large Reasoning Models: An Empirical Study",
        "2505.15404",
    ),
    "safechain": ("SafeChain: Safety of Language Models with Long Chain-of-Thought Reasoning Capabilities",
                  "2502.12025"),
    "realsafe-r1": ("RealSafe-R1: Safety-Aligned DeepSeek-R1 without Compromising Reasoning Capability",
                    "2504.10081"),
}  # fmt: skip


def _citation(report: dict[str, Any]) -> str:
    entries = []
    for key in report.get("methods", []):
        title, arxiv = CITATIONS[key]
        entries.append(
            f"@misc{{{key.replace('-', '_')},\n  title = {{{title}}},\n  eprint = {{{arxiv}}},\n"
            f"  archivePrefix = {{arXiv}},\n  url = {{https://arxiv.org/abs/{arxiv}}}\n}}"
        )
    body = "\n\n".join(entries)
    return f"## Citation\n\nThis build used methods from these papers:\n\n```bibtex\n{body}\n```"


def _teacher_usage(report: dict[str, Any]) -> str:
    """Tokens and cost per variant, all stages together, and per row kept (empty when no teacher ran)."""
    stage = next((s for s in report["stages"] if s["name"] == "generate"), None)
    notes = (stage or {}).get("notes", {}).get("teacher")
    usage = report.get("teacher_usage")
    if not notes or not usage:
        return ""
    line = (
        f"Guidelines `{notes['guidelines']}`, decoding `{notes['decoding']}`, {notes['samples']} sample(s). "
        "Every paid request counts, also for rows dropped later; thought and answer tokens come from the "
        "API's reasoning-token count where it gives one, else from the split text."
    )
    rows = [
        [
            v,
            str(u.get("requests", 0)),
            str(u["kept_rows"]),
            str(u["input_tokens"]),
            str(u["output_tokens"]),
            str(u["thought_tokens"]),
            str(u["answer_tokens"]),
            str(u.get("output_tokens_per_kept_row", "-")),
            str(u.get("cost_usd", "-")),
            str(u.get("cost_per_kept_row_usd", "-")),
        ]
        for v, u in usage["by_variant"].items()
    ]
    head = [
        "variant",
        "requests",
        "kept rows",
        "prompt tokens",
        "generated tokens",
        "thought",
        "answer",
        "generated per kept row",
        "cost (USD)",
        "cost per kept row",
    ]
    saved = usage.get("requests_saved_before_teacher")
    if saved:
        by = ", ".join(f"{n} by `{stage}`" for stage, n in saved.items())
        line += f" Teacher requests saved by dropping prompts before the teacher: {by}."
    return line + "\n\n" + md_table(Table("", head, rows))


def render_card(
    report: dict[str, Any],
    recipe_yaml: str,
    *,
    repo: str | None = None,
    validation: str | None = None,
) -> str:
    front = yaml.safe_dump(header(report), sort_keys=False, allow_unicode=True)
    final = report["final"]
    axes = {
        "kind": "kind",
        "category": "category",
        "tactic": "attack tactic (wrapped prompts)",
        "source": "source",
    }
    composition = "\n\n".join(_counts(final[axis], label) for axis, label in axes.items() if final.get(axis))
    teacher = report.get("teacher")
    models = (
        f"Teacher: `{teacher}`."
        if teacher
        else "No teacher model: every sample is teacher-free (template, nocot) or imported from its source."
    )
    description = (report.get("description") or "").strip()
    description = description or "A safety SFT dataset for reasoning models, built with safedata."
    sections = [
        block(
            "intro",
            f"""# {report["recipe"]}

{WARNING}

{description}

Every row has a `messages` column (user turn, then an assistant turn `<think>\\n…\\n</think>\\n\\nanswer`)
that TRL's `SFTTrainer` trains on as-is, plus typed metadata columns (see Columns).""",
        ),
        block("variants", "## Variants\n\n" + _counts(final["variant"], "variant (config)")),
        block("composition", f"## Composition\n\n{report['rows']} rows in all.\n\n{composition}"),
        block("stages", _stages(report)),
        *([block("filters", f)] if (f := filters_section(report)) else []),
        *([block("validation", _validation(validation))] if validation else []),
        block("models", f"## Models\n\n{models}\n\n{_teacher_usage(report)}"),
        *([block("student", s)] if (s := student_section(report)) else []),
        *([block("preference", p)] if (p := preference_section(report, repo)) else []),
        block("usage", _usage(report, repo)),
        block("columns", _columns(report)),
        block("sources", _sources(report)),
        block("limitations", LIMITATIONS),
        block("citation", _citation(report)),
        block(
            "recipe",
            f"""## Recipe

Secrets given as `${{ENV}}` are shown unresolved.

```yaml
{recipe_yaml.strip()}
```""",
        ),
    ]
    return f"---\n{front}---\n\n" + "\n\n".join(sections) + "\n"
