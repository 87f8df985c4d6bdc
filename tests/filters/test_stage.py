"""The filters stage in real builds: judge, repair (to_template / drop), select, and what the report shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safedata import api
from safedata.errors import RecipeError
from safedata.filters import calibration
from safedata.filters.heuristic import HeuristicDetector
from tests.filters import cases
from tests.fixtures.openai_server import FakeOpenAIServer

ROWS = [
    cases.CLEAN_REFUSAL,
    cases.UNAWARE,
    cases.REFUSE_THEN_HELP,
    cases.WEAK_VACILLATION,
    cases.KILL_PROCESS,
    cases.KILL_PROCESS_REFUSED,
]


def write_rows(tmp_path: Path) -> Path:
    path = tmp_path / "traces.jsonl"
    lines = [
        {
            "prompt": s.prompt,
            "reasoning": s.reasoning,
            "answer": s.answer,
            "kind": s.kind,
            "category": "illicit/violent",
        }
        for s in ROWS
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def recipe(path: Path, out: Path, **sections: Any) -> dict[str, Any]:
    src = {
        "type": "file",
        "path": str(path),
        "kind": "harmful",
        "fields": {"reasoning": "reasoning", "answer": "answer"},
    }
    return {"name": "f", "sources": [src], "output": {"dir": str(out)}, **sections}


def split_kinds(path: Path) -> Path:
    """Benign rows in their own file (file sources have one kind)."""
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["kind"] == "harmful"))
    benign = path.with_name("benign.jsonl")
    benign.write_text("".join(json.dumps(r) + "\n" for r in rows if r["kind"] == "benign"))
    return benign


def build(tmp_path: Path, **sections: Any) -> api.BuildResult:
    harmful = write_rows(tmp_path)
    benign = split_kinds(harmful)
    r = recipe(harmful, tmp_path / "out", **sections)
    r["sources"].append({**r["sources"][0], "path": str(benign), "kind": "benign"})
    return api.build(r)


def filters_stage(result: api.BuildResult) -> dict[str, Any]:
    return next(s for s in result.report["stages"] if s["name"] == "filters")


def test_keep_all_with_labels_keeps_every_row_and_records_labels(tmp_path: Path) -> None:
    result = build(tmp_path, filter={"backend": "heuristic"})
    assert result.rows == len(ROWS)
    by_prompt = {(r.prompt, r.answer): r for r in result.records}
    unaware = by_prompt[(cases.UNAWARE.prompt, cases.UNAWARE.answer)]
    assert unaware.labels["lack_of_safety_awareness"]
    assert unaware.provenance[-1].action == "judged"
    stage = filters_stage(result)
    assert stage["notes"]["patterns"]["over_refusal"]["detected"] == 1
    assert stage["notes"]["safe_at_k"]["overall"]["prompts"] == 3  # two rows share the bomb prompt
    card = (tmp_path / "out" / "README.md").read_text()
    assert "## Filters" in card


def test_the_report_and_card_say_how_far_each_detector_agrees_with_humans(
    tmp_path: Path, openai_server: FakeOpenAIServer
) -> None:
    judge = {"engine": "openai", "model": "guard", "base_url": openai_server.base_url, "backoff_s": 0.01}
    openai_server.config.responder = lambda b: "Safety: Safe\nCategories: None\nRefusal: Yes"
    result = build(
        tmp_path, filter={"backend": "heuristic", "judges": [{"name": "qwen3guard", "teacher": judge}]}
    )
    notes = filters_stage(result)["notes"]
    shipped = calibration.load()["heuristic"]
    heur = notes["calibration"]["heuristic"]
    # An entry measured on other cue files than the ones that ran says so (rerun bench/calibrate.py --write).
    assert heur["version"] == HeuristicDetector.version
    stale = f"stale: measured on version {shipped['version']}"
    assert heur["note"] == ("" if shipped["version"] == HeuristicDetector.version else stale)
    assert heur["xstest_refusal_acc"] == shipped["xstest_refusal"]["accuracy"]
    assert (
        notes["calibration_dev_f1"]["heuristic"]["weak_refusal"]
        == shipped["patterns_dev"]["per_pattern"]["weak_refusal"]["f1"]
    )
    assert notes["calibration"]["qwen3guard"]["note"].startswith("not measured here")
    card = (tmp_path / "out" / "README.md").read_text()
    row = f"| heuristic | {heur['version']} | {heur['xstest_refusal_acc']} | {heur['star1_flag_rate']} |"
    assert row in card and "| qwen3guard | - | - | - | - | - | not measured here" in card
    html = (tmp_path / "out" / "report.html").read_text()
    assert "calibration" in html and str(heur["dev_macro_f1"]) in html


def test_a_calibration_measured_on_other_code_is_marked_stale(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    calibration.record_entry("heuristic", {"version": "old", "xstest_refusal": {"accuracy": 0.5}}, path)
    (row,) = calibration.for_detectors([HeuristicDetector()], path).values()
    assert row["note"] == "stale: measured on version old" and row["xstest_refusal_acc"] == 0.5


def test_repair_templates_harmful_failures_and_drops_over_refusals(tmp_path: Path) -> None:
    result = build(tmp_path, filter={"backend": "heuristic"}, repair={})
    assert result.rows == len(ROWS) - 1  # the over-refusal is dropped
    repaired = [r for r in result.records if any(p.action == "repair:to_template" for p in r.provenance)]
    assert len(repaired) == 3  # unaware, refuse-then-help, weak vacillation
    assert all(not any(r.labels.values()) for r in result.records)  # re-judged clean after repair
    stage = filters_stage(result)
    notes = stage["notes"]
    assert notes["patterns"]["lack_of_safety_awareness"] == {"detected": 1, "repaired": 1, "dropped": 0}
    assert notes["patterns"]["over_refusal"] == {"detected": 1, "repaired": 0, "dropped": 1}
    assert notes["rounds"][1]["templated"]["weak_vacillation"] == 1
    assert stage["dropped"] == {"repair: over_refusal": 1}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "| over_refusal | 1 | 0 | 1 |" in card
    assert "| 1 | weak_vacillation | 0 | 0 | 1 | 0 |" in card  # round 1: templated, clean when re-judged


def test_drop_action_and_keep_safe_selection(tmp_path: Path) -> None:
    result = build(
        tmp_path,
        filter={"backend": "heuristic", "selection": "keep_safe", "patterns": ["weak_refusal"]},
        repair={"actions": {"weak_refusal": "drop"}},
    )
    prompts = [r.prompt for r in result.records]
    assert cases.REFUSE_THEN_HELP.prompt not in prompts
    assert cases.UNAWARE.answer in [r.answer for r in result.records]  # its pattern is not counted
    assert filters_stage(result)["dropped"] == {"repair: weak_refusal": 1}


def test_all_safe_then_pick_one_keeps_one_sample_of_fully_safe_prompts(tmp_path: Path) -> None:
    path = tmp_path / "k.jsonl"
    safe, unsafe = cases.CLEAN_REFUSAL, cases.REFUSE_THEN_HELP
    rows = [safe, safe, unsafe, safe]  # prompt A: 2 safe samples; prompt B: 1 unsafe + 1 safe
    rows[3] = type(safe)(unsafe.prompt, safe.reasoning, safe.answer)
    path.write_text(
        "".join(
            json.dumps({"prompt": s.prompt, "response": f"<think>{s.reasoning}</think>{s.answer}"}) + "\n"
            for s in rows
        )
    )
    src = {"type": "file", "path": str(path), "kind": "harmful", "fields": {"response": "response"}}
    r = {"name": "k", "sources": [src], "output": {"dir": str(tmp_path / "o")}}
    r["filter"] = {"selection": "all_safe_then_pick_one"}
    result = api.build(r)
    assert [x.prompt for x in result.records] == [safe.prompt]
    assert result.records[0].provenance[-1].detail == "1 of 2 safe samples"
    notes = filters_stage(result)["notes"]["safe_at_k"]["overall"]
    assert notes["prompts"] == 2 and notes["safe@k"] == 0.5


def test_llm_backend_without_a_teacher_is_a_recipe_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="filter: the llm backend"):
        build(tmp_path, filter={"backend": "llm"})


def test_to_template_for_over_refusal_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="repair.*over_refusal cannot"):
        build(tmp_path, filter={}, repair={"actions": {"over_refusal": "to_template"}})


def test_an_unknown_judge_names_the_registered_ones(tmp_path: Path) -> None:
    with pytest.raises(
        RecipeError, match=r"filter\.judges\[0\]\.name: unknown judge 'guard'; choose from rs_match"
    ):
        build(tmp_path, filter={"judges": ["guard"]})
