"""The library API: `safedata.build(recipe)`. The CLI is a thin shell over this."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from safedata.pipeline import BuildContext, Stage, empty_result
from safedata.preference.writer import write_preference
from safedata.progress import Progress
from safedata.publish.card import render_card
from safedata.publish.card_merge import merge_card
from safedata.publish.hub import PushResult
from safedata.publish.outdir import WORK, OutputFolder
from safedata.publish.report import build_report
from safedata.publish.writer import ConfigWriter
from safedata.runners.local import run_local, stream_local
from safedata.runners.spill import Spill
from safedata.schemas.loader import LoadedRecipe, load_recipe, parse_recipe
from safedata.schemas.record import Record, make_ids_unique
from safedata.schemas.runner import Runner
from safedata.stages import assemble, count_saved_requests
from safedata.target import plan_line, run_to_target


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


def plan(recipe: str | Path | dict[str, Any] | LoadedRecipe, out: str | None = None) -> list[tuple[str, str]]:
    """What a build would do, stage by stage, without doing it (no teacher requests are sent)."""
    loaded = load(recipe, out)
    ctx = BuildContext(loaded=loaded, out_dir=Path(loaded.recipe.output_dir()), progress=Progress(False))
    count_saved_requests(ctx)
    lines = [(s.name, s.plan(ctx)) for s in assemble(loaded.recipe)]
    if loaded.recipe.target is not None:
        lines.append(("target", plan_line(loaded.recipe.target)))
    return lines


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
        try:
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
            for block in final_blocks(stages, ctx, spec, work):
                final.write(block)
                writer.add(block)
            if not len(final):
                raise empty_result(stages, ctx)
            files, counts = writer.finish()
            final = final.moved()
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
        from safedata.errors import SafedataError
        from safedata.publish.hub import push

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


def final_blocks(stages: list[Stage], ctx: BuildContext, spec: Runner, work: Path) -> Iterable[list[Record]]:
    """The build's final rows, a block at a time, from the recipe's runner (or the target driver)."""
    if ctx.recipe.target is not None:
        return [run_to_target(stages, ctx, lambda run, c: run_stages(run, c, spec, work).records())]
    if spec.type == "ray":
        return run_stages(stages, ctx, spec, work).blocks()
    return stream_local(stages, ctx, spec.block_rows, work, workers=spec.workers)


def run_stages(stages: list[Stage], ctx: BuildContext, spec: Runner, work: Path) -> Spill:
    if spec.type == "ray":
        from safedata.runners.ray_runner import run_ray

        return run_ray(stages, ctx, spec.block_rows, work, spec)
    return run_local(stages, ctx, spec.block_rows, work, workers=spec.workers)


def _write_text(ctx: BuildContext, path: Path, text: str) -> None:
    path.write_text(ctx.scrub(text), encoding="utf-8")
