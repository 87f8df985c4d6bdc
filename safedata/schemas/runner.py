"""Recipe model for `runner:`: where the stages run (this process, or a Ray cluster)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from safedata.schemas.sources import Strict

DEFAULT_BLOCK_ROWS = 8192


class ActorPool(Strict):
    actors: int | None = Field(
        None, ge=1, description="Actors for this stage (default: one per CPU the cluster has, at most 8)."
    )


class GenerateActors(ActorPool):
    concurrency: int | None = Field(
        None,
        ge=1,
        description="Requests in flight per actor (default: the teacher's `max_concurrency`). "
        "`requests_per_minute` and `tokens_per_minute` stay global: split evenly over every actor of every "
        "stage that sends to the same endpoint.",
    )
    num_gpus: float = Field(
        0, ge=0, description="GPUs per generation actor (a local vLLM/transformers teacher on a GPU node)."
    )


class Runner(Strict):
    type: Literal["local", "ray"] = Field("local", description="`local`: this process; `ray`: a Ray cluster.")
    address: str = Field(
        "local",
        description="Ray: `local` starts a private cluster for this build; `HOST:PORT` or `ray://HOST:PORT` "
        "joins one. Never an address Ray finds by itself (a killed cluster leaves a stale one behind).",
    )
    block_rows: int = Field(
        DEFAULT_BLOCK_ROWS, ge=1, description="Rows per block (the output does not depend on it)."
    )
    workers: int = Field(
        1,
        ge=1,
        description="`local`: processes for the row stages of a teacher-free build (forked; e.g. 2 on two "
        "cores). Builds with a teacher or torch models run their row stages in this process.",
    )
    dedup_shuffle: Literal["auto", "driver", "cluster"] = Field(
        "auto",
        description="Ray: where exact and MinHash dedup bucket their keys. `cluster`: as hash shuffles on "
        "Ray tasks, only duplicate pairs coming back; `driver`: on the driver; `auto`: on the cluster for "
        "dedup groups of `dedup_shuffle_rows` rows or more. The output is the same either way.",
    )
    dedup_shuffle_rows: int = Field(
        2_000_000,
        ge=1,
        description="Ray, `dedup_shuffle: auto`: rows of a dedup group from which it shuffles.",
    )
    generate: GenerateActors = Field(default_factory=GenerateActors)
    judges: ActorPool = Field(default_factory=ActorPool, description="Actors for the filters stage.")
    rows: ActorPool = Field(
        default_factory=ActorPool, description="Actors for every other row stage (augment, decontaminate)."
    )
