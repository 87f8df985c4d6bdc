"""OpenAI moderation judge: the `/moderations` endpoint (SafeChain's `omni-moderation` evaluator).

A part is unsafe when the endpoint flags it. The thought and the answer are sent as separate inputs of one
batched request per chunk. Works with any server that implements the endpoint (`base_url`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field, SecretStr

from safedata.errors import SafedataError
from safedata.filters.base import Sample, Verdict
from safedata.filters.parts import PART_PATTERN, judged_parts, part_text
from safedata.schemas.sources import Strict
from safedata.secrets import reveal

CHUNK = 32  # inputs per request


class Options(Strict):
    model: str = Field("omni-moderation-latest", description="Moderation model name.")
    base_url: str | None = Field(None, description="Endpoint (default: OpenAI).")
    api_key: SecretStr | None = Field(None, description="Key, e.g. ${OPENAI_API_KEY}.")


class OpenAIModerationJudge:
    name = "openai_moderation"
    patterns = tuple(PART_PATTERN.values())

    def __init__(
        self,
        model: str = "omni-moderation-latest",
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        parts: Sequence[str] = ("thought", "answer"),
        max_retries: int = 2,
    ) -> None:
        import openai

        self.model, self.parts = model, tuple(parts)
        key = reveal(api_key) or "none"
        self.client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=max_retries)

    def close(self) -> None:
        self.client.close()  # its connection pool

    def _flag(self, texts: list[str]) -> list[Any]:
        import openai

        out: list[Any] = []
        for start in range(0, len(texts), CHUNK):
            try:
                res = self.client.moderations.create(model=self.model, input=texts[start : start + CHUNK])
            except openai.OpenAIError as e:
                raise SafedataError(f"openai_moderation: {type(e).__name__}: {str(e)[:200]}") from None
            out.extend(res.results)
        return out

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        jobs = [(i, p) for i, s in enumerate(samples) for p in judged_parts(s, self.parts)]
        results = self._flag([part_text(samples[i], p) for i, p in jobs])
        verdicts = [Verdict({}) for _ in samples]
        for (i, part), r in zip(jobs, results, strict=True):
            cats = (
                r.categories.model_dump() if hasattr(r.categories, "model_dump") else dict(r.categories or {})
            )
            verdicts[i].labels[PART_PATTERN[part]] = bool(r.flagged)
            verdicts[i].detail[part] = {
                "flagged": bool(r.flagged),
                "categories": [k for k, v in cats.items() if v],
            }
        return verdicts
