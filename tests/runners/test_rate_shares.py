"""Rate limits kept global on a Ray cluster: each endpoint's tightest limit split over every actor, in every
chain, that may send to it (the Ray test measures the rate; these check the counting)."""

from __future__ import annotations

from typing import Any

from safedata.runners.rate_shares import RateShares


def spec(model: str = "r1", url: str = "http://a/v1", **kw: Any) -> dict[str, Any]:
    return {"engine": "openai", "model": model, "base_url": url, **kw}


def test_one_endpoint_shared_by_generation_repair_and_a_judge() -> None:
    raw = {
        "teacher": spec(requests_per_minute=1200, tokens_per_minute=90_000),
        # The same endpoint judging with other sampling: another engine in each filters actor, pacing with
        # the teacher's (one pacer per endpoint in an actor), and the tighter request limit holds for both.
        "filter": {
            "judges": [{"name": "llm", "teacher": spec(sampling={"temperature": 0}, requests_per_minute=600)}]
        },
        "student": spec("small", requests_per_minute=100),
    }
    shares = RateShares(raw, [(["augment"], 8), (["generate"], 4), (["filters"], 2)])
    # The teacher's endpoint: generate's 4 actors and filters' 2 (judge and repair in each) take a share each.
    out = shares.shared(raw)
    assert out["teacher"]["requests_per_minute"] == 600 // 6
    assert out["filter"]["judges"][0]["teacher"]["requests_per_minute"] == 600 // 6
    assert out["teacher"]["tokens_per_minute"] == out["filter"]["judges"][0]["teacher"]["tokens_per_minute"]
    assert out["teacher"]["tokens_per_minute"] == 90_000 // 6
    assert out["student"]["requests_per_minute"] == 100 // 4  # generation's actors only; no probe here
    assert raw["teacher"]["requests_per_minute"] == 1200, "the driver's recipe was changed"


def test_endpoints_apart_and_unresolved_limits_untouched() -> None:
    raw = {
        "teacher": spec(requests_per_minute=60),
        "filter": {"teacher": spec(url="http://b/v1", requests_per_minute="${RPM}")},
        "student": spec(requests_per_minute=5),  # the teacher's endpoint too (same model and URL)
    }
    out = RateShares(raw, [(["probe"], 3), (["generate", "filters"], 2)]).shared(raw)
    # One share per actor on the endpoint: probe's 3, generate+filters' 2 (teacher and student pace as one).
    assert out["teacher"]["requests_per_minute"] == out["student"]["requests_per_minute"] == 1  # 5 // 5
    assert out["filter"]["teacher"]["requests_per_minute"] == "${RPM}"
