"""Stage notes of any shape become titled tables (the card and report.html render them generically)."""

from __future__ import annotations

from safedata.publish.notes import MAX_ROWS, tables


def test_shapes_become_tables() -> None:
    notes = {
        "backend": "heuristic",
        "seconds": 1.23456,
        "fields": ["prompt", "answer"],
        "patterns": {
            "weak_refusal": {"detected": 3, "repaired": 1},
            "over_refusal": {"detected": 1, "dropped": 1},
        },
        "rows_by_template": {f"template-{i}": i for i in range(9)},
        "examples": [{"eval_set": "gsm8k", "prompt": "x" * 500}],
        "deep": {"per_source": {"a": {"round": [1, 2]}}, "flag": True},
    }
    got = {t.title: t for t in tables("filters", notes)}
    assert got["filters"].rows == [
        ["backend", "heuristic"],
        ["seconds", "1.235"],
        ["fields", '["prompt", "answer"]'],
    ]
    wide = got["filters › patterns"]
    assert wide.head == ["", "detected", "repaired", "dropped"]
    assert wide.rows == [["weak_refusal", "3", "1", ""], ["over_refusal", "1", "", "1"]]
    # many distinct keys: a long key/value table, not a 9-column one
    assert (
        got["filters › rows_by_template"].head == ["", "value"]
        and len(got["filters › rows_by_template"].rows) == 9
    )
    long_cell = got["filters › examples"].rows[0][1]
    assert len(long_cell) <= 160 and long_cell.endswith("…")
    assert got["filters › deep"].rows == [["flag", "True"]]
    assert got["filters › deep › per_source"].rows == [["a", "[1, 2]"]]


def test_empty_containers_show_as_a_dash() -> None:
    [t] = tables("filters", {"rounds": [{"round": 0, "detected": {}}]})
    assert t.title == "filters › rounds" and t.head == ["round", "detected"] and t.rows == [["0", "-"]]


def test_long_lists_are_cut_and_counted() -> None:
    [t] = tables("dedup", [{"cluster": i} for i in range(MAX_ROWS + 5)])
    assert len(t.rows) == MAX_ROWS and t.more == 5
