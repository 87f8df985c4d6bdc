"""The library API: `safedata.build(recipe)`. The CLI is a thin shell over this."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from safedata.pipeline import BuildContext, Stage
from safedata.progress import Progress
from safedata.publish.card import render_card
from safedata.publish.hub import PushResult
from safedata.publish.report import build_report, composition_of
from safedata.publish.writer import write_variants
from safedata.runners.local import run_local
from safedata.runners.spill import Spill
from safedata.schemas.loader import LoadedRecipe, load_recipe, parse_recipe
from safedata.schemas.record import Record
from safedata.schemas.runner import Runner
from safedata.stages import assemble

WORK_DIR = ".work"  # under the output folder: blocks spilled between stages (removed when the build ends)


@dataclass
class BuildResult:
    out_dir: Path
    report: dict[str, Any]
    final: Spill
    pushed: PushResult | None = None  # set when the recipe has a `publish:` section

    @cached_property
    def records(self) -> list[Record]:
        """The final rows as records (read back from the work area on first use)."""
        return self.final.records()

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
    return [(s.name, s.plan(ctx)) for s in assemble(loaded.recipe)]


def build(
    recipe: str | Path | dict[str, Any] | LoadedRecipe,
    out: str | None = None,
    *,
    quiet: bool = True,
    use_cache: bool = True,
    block_rows: int | None = None,
    runner: str | None = None,
    ray_address: str | None = None,
) -> BuildResult:
    """Build a recipe, `block_rows` rows at a time through the stages (the output does not depend on it).

    `runner` (`local` or `ray`), `ray_address` and `block_rows` override the recipe's `runner:` section."""
    loaded = load(recipe, out)
    spec = loaded.recipe.runner.model_copy(
        update={
            k: v
            for k, v in {"type": runner, "address": ray_address, "block_rows": block_rows}.items()
            if v is not None
        }
    )
    out_dir = Path(loaded.recipe.output_dir())  # created by the first stage that writes, not before:
    existed = out_dir.exists()
    work = out_dir / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    start = time.perf_counter()
    with Progress(not quiet) as progress:
        ctx = BuildContext(loaded=loaded, out_dir=out_dir, progress=progress, use_cache=use_cache)
        try:
            final = run_stages(assemble(loaded.recipe), ctx, spec, work)
        except BaseException:
            # a recipe or input error found mid-run leaves no half-written dataset behind.
            shutil.rmtree(work, ignore_errors=True)
            if not existed and out_dir.is_dir() and not any(out_dir.iterdir()):
                out_dir.rmdir()
            raise
        out_dir.mkdir(parents=True, exist_ok=True)
        files = write_variants(
            (r for block in final.blocks() for r in block),
            out_dir,
            loaded.recipe.output.shard_rows,
            ctx.scrub if loaded.secrets else None,
        )
    # The final rows as records stay readable for `BuildResult.records` from a private temporary folder,
    # not the output folder (they are unscrubbed); it goes when the result does.
    keep = Path(tempfile.mkdtemp(prefix="safedata-rows-"))
    final.move(keep / "final.parquet")
    shutil.rmtree(work, ignore_errors=True)
    report = build_report(ctx, composition_of(final.plain_columns()), files, time.perf_counter() - start)
    _write_text(ctx, out_dir / "build_report.json", json.dumps(report, indent=2, ensure_ascii=False))
    recipe_yaml = yaml.safe_dump(loaded.raw, sort_keys=False, allow_unicode=True)
    _write_text(ctx, out_dir / "recipe.yaml", recipe_yaml)
    _write_text(ctx, out_dir / "README.md", render_card(report, recipe_yaml))
    lines = [json.dumps(q, ensure_ascii=False, default=str) for q in ctx.quarantined]
    _write_text(ctx, out_dir / "quarantine.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    from safedata.publish.html_report import write_html_report

    write_html_report(out_dir)
    result = BuildResult(out_dir=out_dir, report=report, final=final)
    weakref.finalize(result, shutil.rmtree, keep, True)
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


def run_stages(stages: list[Stage], ctx: BuildContext, spec: Runner, work: Path) -> Spill:
    if spec.type == "ray":
        from safedata.runners.ray_runner import run_ray

        return run_ray(stages, ctx, spec.block_rows, work, spec)
    return run_local(stages, ctx, spec.block_rows, work)


def _write_text(ctx: BuildContext, path: Path, text: str) -> None:
    path.write_text(ctx.scrub(text), encoding="utf-8")
