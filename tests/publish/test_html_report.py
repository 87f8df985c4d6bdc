"""report.html: written by every build and by `safedata report`, self-contained, every section present."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import safedata
from safedata.publish.html_report import write_html_report

SECTIONS = (
    "summary",
    "funnel",
    "mix",
    "lengths",
    "patterns",
    "dedup",
    "validation",
    "teacher",
    "stage-notes",
    "examples",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "rep"
    safedata.build(
        {
            "name": "rep",
            "sources": [{"type": "seeds", "set": "harmful", "limit": 12}, {"type": "seeds", "set": "math"}],
            "variants": ["template", "nocot"],
            "output": {"dir": str(out)},
        }
    )
    return out


def sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([\w-]+)">(.*?)</section>', html, re.DOTALL))


def test_every_build_writes_a_self_contained_report(built: Path) -> None:
    html = (built / "report.html").read_text()
    found = sections(html)
    assert tuple(found) == SECTIONS
    # plots are embedded PNGs, and nothing is fetched from elsewhere
    for sid in ("funnel", "mix", "lengths"):
        assert 'src="data:image/png;base64,' in found[sid], sid
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "Content warning" in html
    # sections this build has no data for say so
    assert "ran no filter stage" in found["patterns"] and "ran no dedup stage" in found["dedup"]
    assert "Not validated yet" in found["validation"]
    assert "No teacher requests" in found["teacher"]
    # examples: one table per variant, the thought collapsed
    examples = found["examples"]
    assert [v for v in ("imported", "nocot", "template") if f"<h3>{v}</h3>" in examples] == [
        "imported",
        "nocot",
        "template",
    ]
    assert examples.count("<details><summary>thought (") == 3 + 3 + 3


def test_report_command_shows_notes_patterns_clusters_and_validation(
    built: Path, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    out = Path(shutil.copytree(built, tmp_path / "rep"))
    report = json.loads((out / "build_report.json").read_text())
    # what the filter, dedup and validate stages leave behind (their own shapes; rendered generically)
    report["stages"].append(
        {
            "name": "filters",
            "rows_in": 10,
            "rows_out": 8,
            "dropped": {"weak_refusal": 2},
            "out_by": {},
            "notes": {
                "backend": "heuristic",
                "patterns": {"weak_refusal": {"detected": 3, "repaired": 1, "dropped": 2}},
                "safe_at_k": [{"source": "seeds/harmful", "safe@1": 0.9, "safe@k": 0.8}],
            },
        }
    )
    report["stages"].append(
        {
            "name": "dedup",
            "rows_in": 8,
            "rows_out": 6,
            "dropped": {},
            "out_by": {},
            "notes": {"removed": {"duplicate (exact)": 2}, "clusters_file": "dedup_clusters.jsonl"},
        }
    )
    (out / "build_report.json").write_text(json.dumps(report))
    clusters = [{"variant": "template", "kept": {"id": "a"}, "removed": [{"id": "b"}, {"id": "c"}]}]
    (out / "dedup_clusters.jsonl").write_text("".join(json.dumps(c) + "\n" for c in clusters))
    shard = next(out.glob("data/default/train-*.parquet"))
    import polars as pl

    df = pl.read_parquet(shard)
    df.with_columns(
        pattern_labels=pl.Series([{"weak_refusal": i % 2 == 0} for i in range(df.height)])
    ).write_parquet(shard)
    (out / "validation").mkdir()
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(out / "validation" / "loss.png")
    (out / "validation" / "report.md").write_text(
        "# Validation of rep\n\n| eval | safe@1 |\n|---|---|\n| x | 0.5 |\n"
    )

    r = run_cli("report", str(out))
    assert r.returncode == 0, r.stderr
    found = sections((out / "report.html").read_text())
    assert found["patterns"].count("data:image/png") == 2  # counts per pattern + share of final rows
    assert "1 clusters of duplicates" in found["dedup"] and "data:image/png" in found["dedup"]
    assert "<h3>Validation of rep</h3>" in found["validation"]
    assert "<th>eval</th><th>safe@1</th></tr><tr><td>x</td><td>0.5</td>" in found["validation"]
    assert found["validation"].count("data:image/png") == 1  # validate's loss.png, embedded
    notes = found["stage-notes"]
    assert "heuristic" in notes and "weak_refusal" in notes and "safe@k" in notes and "0.8" in notes

    r = run_cli("report", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "has no build_report.json" in r.stderr


def test_card_renders_stage_notes_and_validation(built: Path) -> None:
    from safedata.publish.folder import BuildFolder

    folder = BuildFolder.read(built)
    folder.report["stages"][0]["notes"] = {"per_source": {"seeds/harmful": {"rows": 12, "quarantined": 0}}}
    folder.validation_md = "# Validation of rep\n\n| eval | safe@1 |\n|---|---|\n| x | 0.5 |\n"
    card = folder.card("me/rep")
    assert "### sources" in card and "| seeds/harmful | 12 | 0 |" in card
    assert "## Validation" in card and "### Validation of rep" in card
    assert 'load_dataset("me/rep", split="train")' in card
    assert "SFTTrainer" in card and "Content warning" in card


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(built: Path, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    png = tmp_path / "shot.png"
    html = write_html_report(built)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={png}",
        "--window-size=1100,1600",
    ]
    subprocess.run([str(CHROMIUM), *flags, html.as_uri()], capture_output=True, timeout=120, check=False)
    assert png.is_file(), "chromium wrote no screenshot"
    img = np.asarray(Image.open(png).convert("RGB"), dtype=np.int32)
    assert img.shape == (1600, 1100, 3)
    not_white = float((img.sum(axis=2) < 720).mean())
    assert not_white > 0.05, f"the page looks blank ({not_white:.1%} non-white)"
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # text, plots and colours, not a flat fill
