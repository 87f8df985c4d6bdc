"""Recipe models for `teacher:` — which model writes the chains of thought, and how it is asked.

`TeacherBase` holds the keys every engine takes; each engine's options model adds its own (here, or in a light
module of its own named by its registry line); `teacher_union()` is their union, derived from the registry.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from safedata.registry import DETECTORS, ENGINES
from safedata.schemas.registered import per_generation, tagged_union
from safedata.schemas.sources import Strict

GUIDELINES = ("default", "realsafe", "improved")
DECODINGS = ("normal", "zerothink", "lessthink", "morethink")


class Sampling(Strict):
    """Sent with every request; part of the cache key."""

    temperature: float | None = Field(0.6, ge=0)
    top_p: float | None = Field(0.95, gt=0, le=1)
    max_tokens: int | None = Field(8192, ge=1, description="Cap on generated tokens (thought + answer).")
    seed: int | None = Field(None, description="Sampling seed, where the engine honours one.")

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class MoreThink(Strict):
    """MoreThink: each time the model closes its thought, reopen it with a cue and let it go on."""

    rounds: int = Field(2, ge=1, description="How many times a closed thought is reopened.")
    cues: list[str] = Field(
        default_factory=lambda: ["Wait,", "Hmm, let me double-check.", "But"], min_length=1
    )
    thought_tokens: int = Field(
        4096, ge=1, description="Stop reopening once the thought is this long (words)."
    )


class Price(Strict):
    input_per_million: float = Field(0.0, ge=0, description="Price per million prompt tokens.")
    output_per_million: float = Field(0.0, ge=0, description="Price per million generated tokens.")

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6


class ModerateStream(Strict):
    """Watch the thought while it streams; cancel the request at the first unsafe segment."""

    backend: str = Field(
        "heuristic",
        description="The thought detector run on each new sentence: a filter backend that needs no teacher.",
    )
    action: Literal["abort", "abort_and_regenerate"] = Field(
        "abort",
        description="`abort`: drop the row as `aborted_unsafe_thought`; `abort_and_regenerate`: ask again "
        "with the next guideline level (default -> realsafe -> improved) until it is used up.",
    )

    @field_validator("backend")
    @classmethod
    def _local_backend(cls, name: str) -> str:
        # Any backend in the filters' registry that judges on this machine (a teacher-backed one would send a
        # request per sentence of every streamed thought).
        local = [n for n in DETECTORS.names("backend") if not DETECTORS[n].needs_teacher]
        if name not in local:
            raise ValueError(f"moderate_stream.backend must be one of {', '.join(local)}, not {name!r}")
        return name


class TeacherBase(Strict):
    model: str = Field(description="Model name (API), or a local path / hub id (in-process engines).")
    sampling: Sampling = Field(default_factory=Sampling)
    guidelines: Literal["default", "realsafe", "improved"] = Field(
        "default", description="Safety guidelines added to harmful prompts."
    )
    decoding: Literal["normal", "zerothink", "lessthink", "morethink"] = "normal"
    morethink: MoreThink = Field(default_factory=MoreThink)
    samples: int = Field(1, ge=1, le=64, description="Samples per prompt and variant (Safe@K).")
    short_thought_words: int | None = Field(
        None,
        ge=1,
        description="`short` variant: ask for a thought of at most this many words; longer ones are dropped.",
    )
    price: Price | None = None
    on_truncated: Literal["keep", "drop", "retry", "close"] = Field(
        "keep",
        description="A thought cut by max_tokens: keep it (`truncated: true`), drop the row, retry once with "
        "`retry_max_tokens`, or close the thought (`</think>` pre-filled) and ask for the answer.",
    )
    retry_max_tokens: int | None = Field(
        None, ge=1, description="`on_truncated: retry`: max_tokens of the retry (default: twice max_tokens)."
    )
    close_max_tokens: int = Field(
        1024, ge=1, description="`on_truncated: close`: max_tokens of the answer after the closed thought."
    )
    moderate_stream: ModerateStream | None = Field(
        None,
        description="Stream replies and cancel a harmful prompt's request when its thought turns unsafe "
        "(openai engine streams; other engines' and cached replies are checked when read).",
    )
    # How many prompts one engine call receives; bigger keeps more in flight and saves progress less often.
    batch_size: int = Field(512, ge=1)


class OpenAITeacher(TeacherBase):
    engine: Literal["openai"]
    base_url: str = Field(description="OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1.")
    api_key: SecretStr | None = Field(None, description="Use `${ENV_VAR}`; never stored in the output.")
    max_concurrency: int = Field(64, ge=1, le=4096, description="Requests kept in flight.")
    requests_per_minute: int | None = Field(None, ge=1)
    tokens_per_minute: int | None = Field(None, ge=1, description="Estimated from max_tokens per request.")
    timeout_s: float = Field(600.0, gt=0, description="Per request.")
    max_retries: int = Field(5, ge=0)
    backoff_s: float = Field(1.0, ge=0, description="First retry wait; doubles each time (capped at 60 s).")
    prefill: Literal["continue_final_message", "completions"] = Field(
        "continue_final_message",
        description="How decoding strategies pre-fill the assistant turn: vLLM/SGLang's "
        "`continue_final_message`, or `/v1/completions` with the chat template applied locally (needs "
        "`tokenizer`).",
    )
    tokenizer: str | None = Field(None, description="Local tokenizer path for `prefill: completions`.")

    @model_validator(mode="after")
    def _tokenizer_for_completions(self) -> OpenAITeacher:
        if self.prefill == "completions" and not self.tokenizer:
            raise ValueError("`prefill: completions` applies the chat template locally: set `tokenizer`")
        return self


class VLLMTeacher(TeacherBase):
    engine: Literal["vllm"]
    tensor_parallel_size: int = Field(1, ge=1)
    max_model_len: int | None = Field(None, ge=1)
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)
    dtype: str = "auto"


class TransformersTeacher(TeacherBase):
    engine: Literal["transformers"]
    device: str = Field("cpu", description="cpu, cuda, cuda:1, mps, ...")
    dtype: str = Field("float32", description="float32 | bfloat16 | float16")
    generation_batch_size: int = Field(8, ge=1, description="Prompts per `generate` call.")


class DistilabelTeacher(TeacherBase):
    """Any distilabel LLM class (its many providers) as the teacher, with the `safedata[distilabel]` extra."""

    model_config = ConfigDict(populate_by_name=True)

    engine: Literal["distilabel"]
    llm_class: str = Field(
        alias="class",
        pattern=r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$",
        description='Dotted path of the LLM class, e.g. "distilabel.models.llms.OpenAILLM".',
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments of the class (its `model` is the teacher's `model` unless given here); "
        "secrets as `${ENV_VAR}`.",
    )
    generation_batch_size: int = Field(32, ge=1, description="Prompts per call of the LLM's `generate`.")

    @model_validator(mode="after")
    def _no_prefill(self) -> DistilabelTeacher:
        # A distilabel LLM takes chats: there is no portable way to make it continue an assistant turn.
        if self.decoding != "normal" or self.on_truncated == "close":
            raise ValueError(
                "engine `distilabel` cannot pre-fill the assistant turn: use `decoding: normal` and an "
                "`on_truncated` other than `close` (or engine `openai` / `vllm` / `transformers`)"
            )
        return self


@per_generation
def teacher_union() -> Any:
    """One `teacher:` section: a member per engine in the registry (safedata/registry.py), by `engine`."""
    return tagged_union(ENGINES, "engine", TeacherBase)
