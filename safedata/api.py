"""The library API: `safedata.build(recipe)`, `safedata.plan`, `safedata.audit`, `safedata.push`,
`safedata.report`, `safedata.validate`, ... The CLI is a thin shell over this: parsing and printing only."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from safedata.errors import SafedataError
from safedata.pipeline import BuildContext, Stage, Upstream, empty_result
from safedata.preference.writer import write_preference
from safedata.progress import Progress
from safedata.publish.card import render_card
from safedata.publish.card_merge import merge_card
from safedata.publish.hub import PushResult
from safedata.publish.outdir import WORK, OutputFolder
from safedata.publish.report import build_report
from safedata.publish.writer import ConfigWriter
from safedata.runners.local import collect, run_local, stream_local
from safedata.runners.spill import Encoded, Spill
from safedata.schemas.loader import LoadedRecipe, load_recipe, parse_recipe
from safedata.schemas.record import Record, make_ids_unique
from safedata.schemas.runner import Runner
from safedata.stages import assemble, count_saved_requests
from safedata.target import plan_line, run_to_target

if TYPE_CHECKING:
    from pydantic import SecretStr

    from safedata.filters.audit import AuditResult
    from safedata.filters.learned.distill import DistillResult


@dataclass
class BuildResult:
    out_dir: Path
    report: dict[str, Any]
    final: Spill  # the final rows, spilled outside the output folder; read only when `records` is asked for
    pushed: PushResult | None = None  # set when the recipe has a `publish:` section

    @cached_property
    def records(self) -> list[Record]:
        """The final rows as records (in memory: a library call that wants them; the CLI never asks)."""
        records = self.final.records()
        make_ids_unique(records)
        return records

    @property
    def rows(self) -> int:
        return len(self.final)


def load(recipe: str | Path | dict[str, Any] | LoadedRecipe, out: str | None = None) -> LoadedRecipe:
    if isinstance(recipe, LoadedRecipe):
        return recipe
    if isinstance(recipe, dict):
        return parse_recipe(yaml.safe_dump(recipe, sort_keys=False), None, out)
    return load_recipe(recipe, out)


def plan(
    recipe: str | Path | dict[str, Any] | LoadedRecipe, out: str | None = None, *, use_cache: bool = True
) -> list[tuple[str, str]]:
    """What a build would do, stage by stage, without doing it (no teacher requests are sent). Requests the
    output folder's cache answers are not counted as sent, unless `use_cache` is off (as `--no-cache`)."""
    loaded = load(recipe, out)
    out_dir = Path(loaded.recipe.output_dir())
    ctx = BuildContext(loaded=loaded, out_dir=out_dir, progress=Progress(False), use_cache=use_cache)
    count_saved_requests(ctx)
    stages = assemble(loaded.recipe)
    lines = []
    with ctx.engines:  # the plan reads the request cache (what is cached is not sent): closed after
        for i, stage in enumerate(stages):
            if getattr(stage, "plan_reads_rows", False):
                line = stage.plan(ctx, lambda before=stages[:i]: upstream(before, ctx))  # type: ignore[call-arg]
            else:
                line = stage.plan(ctx)
            lines.append((stage.name, line))
    if loaded.recipe.target is not None:
        lines.append(("target", plan_line(loaded.recipe.target)))
    return lines


def upstream(stages: list[Stage], ctx: BuildContext) -> Upstream:
    """Run `stages` dry, in memory, for a later stage's plan (stages that would pay for requests, such as
    the probe, are skipped: `plan_skips`)."""
    run = [s for s in stages if not getattr(s, "plan_skips", False)]
    dry = ctx.for_block()  # its report holds what they noted (the requests the prompt-level stages saved)
    rows = collect(run, dry)
    return Upstream(rows, {s.name: dict(dry.stats[s.name].notes) for s in run if s.name in dry.stats})


def build(
    recipe: str | Path | dict[str, Any] | LoadedRecipe,
    out: str | None = None,
    *,
    quiet: bool = True,
    use_cache: bool = True,
    force: bool = False,
    block_rows: int | None = None,
    runner: str | None = None,
    ray_address: str | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Run the recipe and write the dataset. The output folder is locked for the whole build; its files
    are replaced only at the end, together (publish/outdir.py): a failed build leaves the last one whole.

    The stages run `block_rows` rows at a time (the output does not depend on it). `runner` (`local` or
    `ray`), `ray_address`, `block_rows` and `workers` override the recipe's `runner:` section."""
    loaded = load(recipe, out)
    spec = loaded.recipe.runner.model_copy(
        update={
            k: v
            for k, v in {
                "type": runner,
                "address": ray_address,
                "block_rows": block_rows,
                "workers": workers,
            }.items()
            if v is not None
        }
    )
    out_dir = Path(loaded.recipe.output_dir())
    start = time.perf_counter()
    with OutputFolder(out_dir, force) as folder, Progress(not quiet) as progress:
        ctx = BuildContext(loaded=loaded, out_dir=out_dir, progress=progress, use_cache=use_cache)
        count_saved_requests(ctx)
        stages = assemble(loaded.recipe)
        work = out_dir / WORK  # blocks spilled between stages; removed when the build ends, however it ends
        shutil.rmtree(work, ignore_errors=True)
        try:  # every engine (connections, cache writer) is closed when the stages end, however they end
            stage = folder.staging()
            output = loaded.recipe.output
            # The writer takes the final rows a block at a time; they are also spilled (outside the output)
            # for `BuildResult.records`.
            writer = ConfigWriter(
                stage,
                output.shard_rows,
                work / "write",
                test_size=output.test_size,
                seed=loaded.recipe.seed,
                scrub=ctx.scrub if loaded.secrets else None,
            )
            final = Spill(work / "result.parquet")
            for block in final_blocks(stages, ctx, spec, work, writer):
                if isinstance(block, Encoded):  # from worker processes, with the writer's chunk
                    final.write_texts(block.texts, block.orders)
                    writer.add_chunk(block.view)
                else:
                    final.write(block)
                    writer.add(block)
            if not len(final):
                raise empty_result(stages, ctx)
            files, counts = writer.finish()
            final = final.moved()
        finally:
            try:
                ctx.engines.close()
            finally:
                shutil.rmtree(work, ignore_errors=True)
        files.update(write_preference(ctx, stage))
        report = build_report(ctx, counts, files, time.perf_counter() - start)
        _write_text(ctx, stage / "build_report.json", json.dumps(report, indent=2, ensure_ascii=False))
        recipe_yaml = yaml.safe_dump(loaded.raw, sort_keys=False, allow_unicode=True)
        _write_text(ctx, stage / "recipe.yaml", recipe_yaml)
        # The user's sections of the local card survive a rebuild, as they do on the Hub.
        card = merge_card(folder.existing("README.md"), render_card(report, recipe_yaml))
        _write_text(ctx, stage / "README.md", card)
        for name, rows in (("quarantine.jsonl", ctx.quarantined), ("failed.jsonl", ctx.failed)):
            lines = [json.dumps(row, ensure_ascii=False, default=str) for row in rows]
            _write_text(ctx, stage / name, "\n".join(lines) + ("\n" if lines else ""))
        from safedata.publish.html_report import write_html_report

        write_html_report(stage)
        folder.commit(stage)
    result = BuildResult(out_dir=out_dir, report=report, final=final)
    publish = loaded.recipe.publish
    if publish is not None:
        try:
            result.pushed = push(
                out_dir,
                publish.repo,
                private=publish.private,
                revision=publish.revision,
                commit_files=publish.commit_files,
                log=progress.log,
            )
        except SafedataError as e:  # the build itself is done: say how to push without rebuilding
            raise SafedataError(
                f"built {out_dir}, but {e} (push again with `safedata push {out_dir} --repo {publish.repo}`)"
            ) from None
    return result


def final_blocks(
    stages: list[Stage], ctx: BuildContext, spec: Runner, work: Path, writer: ConfigWriter
) -> Iterable[list[Record] | Encoded]:
    """The build's final rows, a block at a time, from the recipe's runner (or the target driver); local
    workers also make the `writer`'s chunks (the blocks then come `Encoded`)."""
    if ctx.recipe.target is not None:
        return [run_to_target(stages, ctx, lambda run, c: run_stages(run, c, spec, work).records())]
    if spec.type == "ray":
        return run_stages(stages, ctx, spec, work).blocks()
    return stream_local(stages, ctx, spec.block_rows, work, workers=spec.workers, sink=writer)


def run_stages(stages: list[Stage], ctx: BuildContext, spec: Runner, work: Path) -> Spill:
    if spec.type == "ray":
        from safedata.runners.ray_runner import run_ray

        return run_ray(stages, ctx, spec.block_rows, work, spec)
    return run_local(stages, ctx, spec.block_rows, work, workers=spec.workers)


def _write_text(ctx: BuildContext, path: Path, text: str) -> None:
    path.write_text(ctx.scrub(text), encoding="utf-8")


# --- the other commands: each CLI command is a thin shell over one of these ---


def judge_engine(model: str | None, base_url: str | None, api_key: str | SecretStr | None = None) -> Any:
    """An openai engine for a judge's OpenAI-compatible endpoint, or None when no endpoint was given."""
    if not (model and base_url):
        return None
    from safedata.engines import make_teacher
    from safedata.schemas.teacher import OpenAITeacher

    spec = {"engine": "openai", "model": model, "base_url": base_url, "api_key": api_key}
    return make_teacher(OpenAITeacher.model_validate(spec), None)


def audit(
    input_spec: str,
    out: str | Path,
    backend: str = "heuristic",
    judges: Sequence[str] = (),
    *,
    judge_path: str | Path | None = None,
    judge_model: str | None = None,
    judge_base_url: str | None = None,
    judge_api_key: str | SecretStr | None = None,
    columns: dict[str, str] | None = None,
    on_skip: Callable[[int, str], None] | None = None,
) -> AuditResult:
    """Label an existing dataset (a file or an HF dataset `path[:config][@split]`) with the failure patterns;
    write the labelled rows to `out` and the rates beside it. Model judges and the llm backend are served by
    `judge_model` at `judge_base_url`; the moderation judge uses the same endpoint and key."""
    from safedata.filters.audit import audit as run_audit

    options: dict[str, Any] = {"base_url": judge_base_url, "api_key": judge_api_key}
    options["judge_path"] = str(judge_path) if judge_path else None
    engine = judge_engine(judge_model, judge_base_url, judge_api_key)
    return run_audit(
        input_spec, out, backend, judges, teacher=engine, options=options, columns=columns, on_skip=on_skip
    )


def augment_eval(
    input_file: str | Path,
    out: str | Path,
    *,
    tactics: list[str] | None = None,
    per_seed: int = 1,
    seed: int = 0,
    templates: list[str] | None = None,
    exclude_templates: list[str] | None = None,
    user_templates: str | Path | None = None,
    keep_plain: bool = False,
    kind: str = "harmful",
    prompt_field: str = "prompt",
) -> AugmentResult:
    """Wrap prompts in attack templates and write an eval file (one JSON line per prompt, with its tactic)."""
    from safedata.augment.heldout import eval_spec, read_prompts, write_eval

    if kind not in ("harmful", "benign"):
        raise SafedataError(f"--kind: must be harmful or benign (got {kind!r})")
    spec = eval_spec(
        only=templates,
        tactics=tactics,
        per_seed=per_seed,
        keep_plain=keep_plain,
        wrap_benign=kind == "benign",
        exclude_templates=exclude_templates or [],
        templates=[{"type": "file", "path": str(user_templates)}] if user_templates else [],
    )
    records, skipped = read_prompts(Path(input_file), prompt_field, kind)  # type: ignore[arg-type]
    return AugmentResult(Path(out), dict(write_eval(records, spec, seed, Path(out))), skipped)


@dataclass
class AugmentResult:
    out: Path
    counts: dict[str, int]  # rows written per tactic ("" for the plain prompts)
    skipped: int  # input rows without a text prompt

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def push(out_dir: str | Path, repo: str, **options: Any) -> PushResult:
    """Upload a build to the Hugging Face Hub (resumable); `options`: private, revision, commit_files, log,
    token, endpoint (see `publish.hub.push`)."""
    from safedata.publish.hub import push as push_build

    return push_build(out_dir, repo, **options)


def report(out_dir: str | Path) -> Path:
    """Write OUT_DIR/report.html (plots and examples in one self-contained page); returns its path."""
    from safedata.publish.html_report import write_html_report

    return write_html_report(out_dir)


def validate(
    out_dir: str | Path,
    out: str | Path | None = None,
    *,
    log: Callable[[str], None] = print,
    **settings: Any,
) -> dict[str, Any]:
    """Fine-tune a model on a build and report safety, over-refusal and math before and after. `settings`
    override the recipe's `validate:` block and the defaults (`schemas.validate.ValidateConfig`); `evals` may
    be given as `KIND=PATH[?col=value]` strings."""
    from safedata.validation.config import resolve
    from safedata.validation.evalsets import parse_spec
    from safedata.validation.run import validate as run_validate

    if settings.get("evals"):
        settings["evals"] = [parse_spec(e) if isinstance(e, str) else e for e in settings["evals"]]
    return run_validate(out_dir, resolve(Path(out_dir), settings), out, log=log)


def distill_judge(
    input_spec: str,
    out: str | Path,
    *,
    judge_model: str,
    judge_base_url: str,
    judge_api_key: str | SecretStr | None = None,
    sample: int = 500,
    seed: int = 0,
    columns: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DistillResult:
    """Label a sample with the llm judge, train the learned heads on it, and write a judge folder."""
    from safedata.filters.learned.distill import distill

    engine = judge_engine(judge_model, judge_base_url, judge_api_key)
    return distill(input_spec, out, engine, n=sample, seed=seed, columns=columns, progress=progress)


def recipe_schema() -> dict[str, Any]:
    """The recipe's JSON Schema (for editor completion), with every registered source type and judge."""
    from safedata.schemas.recipe import recipe_model

    return recipe_model().model_json_schema()
