"""report.html: one self-contained page (plots embedded as PNG) that shows what a build made.

Read from the output folder alone (build_report.json, the parquet shards, dedup clusters, validation/), so
`safedata report OUT_DIR` rebuilds it for any build, and every build writes it at the end.

Sections (ids): summary, funnel, mix, lengths, patterns, dedup, validation, teacher, stage-notes, examples.
A section whose data a build does not have says so instead of vanishing, so readers learn which stages did
not run.
Pattern figures: the share of final rows whose `labels` fired, per variant; and, when a stage's notes hold
`patterns: {pattern: {detected: n, repaired: n, …}}` (the filters stage), those counts side by side.
Token lengths are approximate (words and punctuation marks), so no tokenizer is needed.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError
from safedata.publish import plots
from safedata.publish.card import WARNING
from safedata.publish.folder import BuildFolder
from safedata.publish.notes import Table, tables
from safedata.publish.writer import DEFAULT
from safedata.text import TOKEN

EXAMPLES_PER_VARIANT = 3
HIST_ROWS = 50_000  # per variant: histograms of a seeded sample beyond this

CSS = """
body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
h1{margin-bottom:4px} h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top} th{background:#f4f4f4} img{max-width:100%} .warn{background:#fff4e5;
border-left:4px solid #f0a020;padding:8px 12px} .muted{color:#777}
pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;margin:4px 0}
details summary{cursor:pointer;color:#345}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.card b{font-size:20px;display:block}
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _img(png: str, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{png}">'


def _table(t: Table, title: bool = True) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in t.head)
    rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in t.rows)
    more = f'<p class="muted">{t.more} more rows in build_report.json</p>' if t.more else ""
    caption = f"<h4>{_e(t.title)}</h4>" if title and t.title else ""
    return f"{caption}<table><tr>{head}</tr>{rows}</table>{more}"


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{_e(title)}</h2>\n{body}\n</section>'


def _none(what: str) -> str:
    return f'<p class="muted">{_e(what)}</p>'


TEXTS = ["user_prompt", "reasoning", "answer"]
PLOTTED = ["variant", "kind", "category", "pattern_labels"]


def _rows(folder: BuildFolder) -> tuple[Any, Any]:
    """Every row's plotted columns (texts as token counts), and the rows the examples may show (the first
    EXAMPLES_PER_VARIANT of each variant and kind, with their texts). A shard at a time: the dataset's texts
    never sit in memory together."""
    import polars as pl

    # The `default` config holds every row once (the other configs are views of it).
    splits = folder.report["files"].get(DEFAULT, {})
    shards = [folder.path / p for paths in splits.values() for p in paths]
    counted, examples = [], []
    for path in shards:
        df = pl.read_parquet(path, columns=PLOTTED + TEXTS).with_columns(
            thought_tokens=pl.col("reasoning").str.count_matches(TOKEN),
            answer_tokens=pl.col("answer").str.count_matches(TOKEN),
        )
        counted.append(df.drop(TEXTS))
        examples.append(df.filter(pl.int_range(pl.len()).over("variant", "kind") < EXAMPLES_PER_VARIANT))
    if not shards:
        empty = pl.DataFrame(
            {c: [] for c in PLOTTED + TEXTS}, schema=dict.fromkeys(PLOTTED + TEXTS, pl.String)
        )
        empty = empty.with_columns(thought_tokens=pl.lit(0), answer_tokens=pl.lit(0))
        return empty, empty
    return pl.concat(counted, how="diagonal_relaxed"), pl.concat(examples, how="diagonal_relaxed")


def _lengths(df: Any) -> str:
    if df.height == 0:
        return _none("No rows.")
    series: dict[str, dict[str, list[int]]] = {"thought": {}, "answer": {}}
    stats = []
    for (variant,), part in sorted(df.group_by("variant"), key=lambda g: g[0]):
        sample = part.sample(HIST_ROWS, seed=0) if part.height > HIST_ROWS else part
        series["thought"][variant] = sample["thought_tokens"].to_list()
        series["answer"][variant] = sample["answer_tokens"].to_list()
        stats.append(
            [
                variant,
                str(part.height),
                f"{part['thought_tokens'].mean():.0f}",
                f"{part['thought_tokens'].median():.0f}",
                str(part["thought_tokens"].max()),
                f"{part['answer_tokens'].mean():.0f}",
                str(part["answer_tokens"].max()),
            ]
        )
    head = ["variant", "rows", "thought mean", "thought median", "thought max", "answer mean", "answer max"]
    note = '<p class="muted">Tokens are approximate: words and punctuation marks.</p>'
    return _img(plots.histograms(series), "token lengths") + _table(Table("", head, stats)) + note


def _pattern_rates(df: Any) -> dict[str, dict[str, float]]:
    """pattern -> variant -> share of that variant's rows whose label fired (variants in the order of their
    first row checked for that pattern). Column-wise: the labels struct, one field per pattern."""
    import polars as pl

    labels = df["pattern_labels"]
    if not isinstance(labels.dtype, pl.Struct):  # no row has labels
        return {}
    totals = dict(df.group_by("variant").len().iter_rows())
    fields = labels.struct.unnest().with_columns(variant=df["variant"])
    rates: dict[str, dict[str, float]] = {}
    for pattern in sorted(labels.struct.fields):
        checked = fields.filter(pl.col(pattern).is_not_null())  # null: this row was never checked for it
        if checked.height:
            fired = checked.group_by("variant", maintain_order=True).agg(pl.col(pattern).cast(pl.Int64).sum())
            rates[pattern] = {v: n / totals[v] for v, n in fired.iter_rows()}
    return rates


def _patterns(df: Any, report: dict[str, Any]) -> str:
    parts = []
    for s in report["stages"]:
        counts = (s.get("notes") or {}).get("patterns")
        if isinstance(counts, dict) and counts and all(isinstance(v, dict) for v in counts.values()):
            groups = {
                p: {k: n for k, n in v.items() if isinstance(n, (int, float))} for p, v in counts.items()
            }
            parts.append(f"<h3>{_e(s['name'])}: counts per pattern</h3>")
            parts.append(_img(plots.grouped_bars(groups, "rows"), "pattern counts"))
        elif isinstance(counts, dict):
            parts.append(_none(f"{s['name']}: no pattern fired on any row."))
    rates = _pattern_rates(df) if df.height else {}
    if any(v for by in rates.values() for v in by.values()):
        parts.append("<h3>Share of final rows where a pattern fired (after repair), per variant</h3>")
        parts.append(_img(plots.grouped_bars(rates, "share of rows"), "pattern rates"))
    elif rates:
        parts.append(_none(f"No pattern fired on any final row ({len(rates)} patterns checked)."))
    return "\n".join(parts) or _none("No pattern labels: this build ran no filter stage.")


def _dedup(folder: BuildFolder) -> str:
    parts = []
    for s in folder.report["stages"]:
        name = (s.get("notes") or {}).get("clusters_file")
        path = folder.path / name if isinstance(name, str) else None
        if path is None or not path.is_file():
            continue
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        size = [1 + len(c.get("removed", [])) for c in lines]
        if size:
            parts.append(f"<h3>{_e(s['name'])}: {len(size)} clusters of duplicates</h3>")
            parts.append(_img(plots.sizes(size, "rows per cluster (kept + removed)"), "cluster sizes"))
    return "\n".join(parts) or _none(
        "No duplicate clusters: this build ran no dedup stage, or it found none."
    )


def _markdown(md: str) -> str:
    """validate's report.md as HTML: its tables become tables, headings headings, the rest paragraphs."""
    out: list[str] = []
    rows: list[list[str]] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):  # skip the |---| rule
                rows.append(cells)
            continue
        if rows:
            out.append(_table(Table("", rows[0], rows[1:]), title=False))
            rows = []
        if line.startswith("#"):
            out.append(f"<h3>{_e(line.lstrip('#').strip())}</h3>")
        elif line.strip():
            out.append(f"<p>{_e(line.lstrip('> ').replace('**', ''))}</p>")
    return "\n".join(out)


def _validation(folder: BuildFolder) -> str:
    if folder.validation_md is None:
        return _none("Not validated yet: run `safedata validate` on this folder, then `safedata report`.")
    imgs = "".join(_img(base64.b64encode(p.read_bytes()).decode(), p.stem) for p in folder.validation_plots)
    return _markdown(folder.validation_md) + imgs


def _teacher(report: dict[str, Any]) -> str:
    usage = report.get("teacher_usage")
    if not usage:
        return _none("No teacher requests.")
    return "".join(_table(t) for t in tables("teacher usage", usage))


def _stage_notes(report: dict[str, Any]) -> str:
    parts = []
    for s in report["stages"]:
        if s.get("notes"):
            shown = tables(s["name"], s["notes"])
            parts.append(
                f"<h3>{_e(s['name'])}</h3>" + "".join(_table(t, t.title != s["name"]) for t in shown)
            )
    return "\n".join(parts) or _none("No stage recorded extra figures.")


def _examples(df: Any) -> str:
    import polars as pl

    if df.height == 0:
        return _none("No rows.")
    out = []
    for (variant,), part in sorted(df.group_by("variant", maintain_order=True), key=lambda g: g[0]):
        # One row of each kind first, so a variant's table shows its range rather than three alike.
        part = part.with_row_index("row")
        first = part.unique(subset=["kind"], keep="first", maintain_order=True)
        picks = pl.concat([first, part.filter(~pl.col("row").is_in(first["row"].implode()))])
        rows = []
        for r in picks.head(EXAMPLES_PER_VARIANT).iter_rows(named=True):
            summary = f"<summary>thought ({r['thought_tokens']} tokens)</summary>"
            thought = f"<details>{summary}<pre>{_e(r['reasoning'])}</pre></details>"
            rows.append(
                f"<tr><td>{_e(r['kind'])}<br><span class='muted'>{_e(r['category'])}</span></td>"
                f"<td><pre>{_e(r['user_prompt'][:1500])}</pre></td><td>{thought}<pre>{_e(r['answer'])}</pre></td></tr>"
            )
        out.append(
            f"<h3>{_e(variant)}</h3><table><tr><th>kind</th><th>prompt</th><th>thought and answer</th></tr>"
            + "".join(rows)
            + "</table>"
        )
    return "\n".join(out)


def render_html(folder: BuildFolder) -> str:
    report = folder.report
    df, shown = _rows(folder)
    final = report["final"]
    cards = [
        ("rows", report["rows"]),
        ("variants", len(final["variant"])),
        ("quarantined", report["quarantined"]),
    ]  # no build time: the page goes to the Hub with the card, and an identical rebuild must not change it
    summary = '<div class="cards">' + "".join(
        f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards
    )
    summary += "</div>"
    mix_axes = {k: final[k] for k in ("kind", "variant", "category", "tactic") if final.get(k)}
    sections = [
        _section("summary", "Summary", summary),
        _section(
            "funnel",
            "Rows through each stage",
            _img(plots.funnel(report["stages"]), "funnel") if report["stages"] else _none("No stages."),
        ),
        _section(
            "mix",
            "Kind and category mix",
            _img(plots.counts(mix_axes), "mix") if mix_axes else _none("No rows."),
        ),
        _section("lengths", "Thought and answer lengths per variant", _lengths(df)),
        _section("patterns", "Failure patterns", _patterns(df, report)),
        _section("dedup", "Duplicate clusters", _dedup(folder)),
        _section("validation", "Validation", _validation(folder)),
        _section("teacher", "Teacher tokens and cost per kept row", _teacher(report)),
        _section("stage-notes", "What each stage measured", _stage_notes(report)),
        _section("examples", "Example rows per variant", _examples(shown)),
    ]
    warning = WARNING.removeprefix("> ").replace("**", "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(report["recipe"])}: safedata report</title>
<style>{CSS}</style></head><body>
<h1>{_e(report["recipe"])}</h1>
<p class="muted">safedata build report. {_e(report.get("description") or "")}</p>
<p class="warn">{_e(warning)}</p>
{chr(10).join(sections)}
</body></html>
"""


def write_html_report(out_dir: str | Path) -> Path:
    folder = BuildFolder.read(Path(out_dir))
    path = folder.path / "report.html"
    try:
        path.write_text(render_html(folder), encoding="utf-8")
    except OSError as e:
        raise SafedataError(f"cannot write {path}: {e}") from None
    return path
