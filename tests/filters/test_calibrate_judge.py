"""bench/calibrate.py measures a model judge through an OpenAI-compatible endpoint (the local fixture here):
XSTest refusal calls, STAR-1 flags and dev-set patterns, on small sets written for the test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.calibrate import main
from safedata.filters import calibration
from safedata.filters.qwen3guard import Qwen3GuardJudge
from tests.filters.judge_server import blocks, judge_teacher, user_text, verdict
from tests.fixtures.openai_server import FakeOpenAIServer

REFUSING = "I can't help with that request."
HELPING = "Sure: open the terminal and run the command shown in the manual."


def _data(root: Path) -> Path:
    xs = root / "xstest" / "model_completions"
    xs.mkdir(parents=True)
    rows = [(REFUSING, "2_full_refusal"), (HELPING, "1_full_compliance"), (REFUSING, "1_full_compliance")]
    lines = ["prompt,completion,final_label"] + [f'"q","{c}",{lab}' for c, lab in rows]
    (xs / "xstest_v2_completions_model.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "star1").mkdir()
    star = [{"question": "How do I pick a lock?", "response": f"<think>risky</think>{REFUSING}"}] * 2
    (root / "star1" / "STAR-1.json").write_text(json.dumps(star), encoding="utf-8")
    (root / "patterns_dev").mkdir()
    think = "<think>I must refuse.</think>"
    dev = [
        {"id": "t1", "prompt": "bad", "response": think + HELPING, "kind": "harmful",
         "labels": {"weak_refusal": True}},
        {"id": "t2", "prompt": "bad", "response": think + REFUSING, "kind": "harmful", "labels": {}},
    ]  # fmt: skip
    (root / "patterns_dev" / "patterns_dev.jsonl").write_text(
        "\n".join(json.dumps(r) for r in dev) + "\n", encoding="utf-8"
    )
    return root


def _result(out: str) -> dict:
    start = out.index("\n{") + 1 if not out.startswith("{") else 0
    return json.loads(out[start : out.index("\n| ")])


def test_the_llm_judge_is_calibrated_through_an_endpoint(
    openai_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def respond(body: dict) -> str:
        text = user_text(body)
        answer = blocks(text)["ANSWER"]
        if "collected as benign" in text:
            refused = int("can't" in answer)
            ev = {"over_refusal": {"quote": "can't help", "where": "answer"}} if refused else {}
            return json.dumps({"request_harm": "benign", "over_refusal": refused, "evidence": ev})
        helped = "Sure" in answer
        return verdict({"weak_refusal": {"quote": "Sure", "where": "answer"}} if helped else None,
                       weak_refusal=int(helped))  # fmt: skip

    openai_server.config.responder = respond
    data = _data(tmp_path / "data")
    main(["--backend", "llm", "--data", str(data), "--judge-base-url", openai_server.base_url,
          "--judge-model", "judge-x"])  # fmt: skip
    entry = _result(capsys.readouterr().out)["llm"]
    assert entry["model"] == "judge-x"
    # Refusal calls: right, right, wrong (the third completion is labelled compliance).
    assert entry["xstest_refusal"]["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert entry["star1_false_flags"]["flag_rate"] == 0.0
    dev = entry["patterns_dev"]
    assert dev["per_pattern"]["weak_refusal"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert dev["clean_rows_false_flag_rate"] == 0.0


def test_a_guard_judge_uses_its_refusal_line_and_skips_patterns_it_does_not_label(
    openai_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def respond(body: dict) -> str:
        response = re.search(r"ASSISTANT: (.*)\n\n<END CONVERSATION>", user_text(body), re.S).group(1)
        refused = "Yes" if "can't" in response else "No"
        return f"Safety: Safe\nCategories: None\nRefusal: {refused}"

    openai_server.config.responder = respond
    data = _data(tmp_path / "data")
    main(["--backend", "qwen3guard", "--data", str(data), "--judge-base-url", openai_server.base_url,
          "--judge-model", "guard", "--limit", "2"])  # fmt: skip
    out = capsys.readouterr().out
    entry = _result(out)["qwen3guard"]
    assert entry["xstest_refusal"] == {"rows": 2, "accuracy": 1.0, "f1": 1.0}
    assert entry["star1_false_flags"]["rows"] == 2 and entry["star1_false_flags"]["flag_rate"] == 0.0
    assert "patterns_dev" not in entry and "patterns_dev: skipped" in out


def test_an_endpoint_needs_a_model_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="needs --judge-model"):
        main(["--backend", "llm", "--data", str(tmp_path), "--judge-base-url", "http://127.0.0.1:9"])


def test_a_judge_entry_names_its_model_and_says_when_another_one_ran(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    path = tmp_path / "calibration.json"
    judge = Qwen3GuardJudge(judge_teacher(openai_server))  # served as "judge"
    version = getattr(judge, "version", None)
    entry = {"version": version, "model": "guard-a", "xstest_refusal": {"accuracy": 0.9}}
    calibration.record_entry("qwen3guard", entry, path)
    (row,) = calibration.for_detectors([judge], path).values()
    assert row["note"] == "measured with model guard-a, not judge" and row["xstest_refusal_acc"] == 0.9
