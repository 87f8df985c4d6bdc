"""`safedata` command line: parses arguments, calls the library, prints. Nothing else lives here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from safedata.errors import SafedataError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build and prove safety SFT datasets for reasoning models.",
)
out = Console()  # results on stdout
err = Console(stderr=True)  # logs and errors on stderr

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(fn: F) -> F:
    """Errors a user can fix become one line on stderr and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SafedataError as e:
            err.print(f"[red]error:[/red] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@user_errors
def build(
    recipe: Path = typer.Argument(..., help="Recipe YAML file."),
    out_dir: str | None = typer.Option(
        None, "--out", help="Output folder (overrides the recipe's output.dir)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan; read sources but send no requests."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the request cache (re-send everything)."),
) -> None:
    """Run a recipe end to end and write the dataset, its card and its report."""
    from safedata import api

    if dry_run:
        for i, (name, text) in enumerate(api.plan(recipe, out_dir), 1):
            out.print(f"{i}. [bold]{name}[/bold]: {escape(text)}", highlight=False, soft_wrap=True)
        return
    result = api.build(recipe, out_dir, quiet=quiet, use_cache=not no_cache)
    from safedata.inspect import summary_table

    out.print(summary_table(result.report))
    out.print(
        f"wrote {result.rows} rows to {result.out_dir} in {result.report['seconds']} s", highlight=False
    )


@app.command()
@user_errors
def inspect(out_dir: Path = typer.Argument(..., help="A build's output folder.")) -> None:
    """Print a build's report as tables."""
    from safedata.inspect import read_report, stage_table, summary_table

    report = read_report(out_dir)
    out.print(stage_table(report))
    out.print(summary_table(report))


@app.command()
@user_errors
def validate(
    out_dir: Path = typer.Argument(..., help="A build's output folder."),
    base_model: str | None = typer.Option(None, help="Hub id, local folder, or scratch:<size>."),
    lr: float | None = typer.Option(None),
    epochs: float | None = typer.Option(None),
    max_length: int | None = typer.Option(None),
    batch_size: int | None = typer.Option(None, help="Examples per micro-batch per device."),
    grad_accum: int | None = typer.Option(None),
    batching: str | None = typer.Option(None, help="packed | padded"),
    lora: bool | None = typer.Option(None, "--lora/--full"),
    grad_ckpt: bool | None = typer.Option(None, "--grad-ckpt/--no-grad-ckpt"),
    max_steps: int | None = typer.Option(None, help="Stop after N optimizer steps."),
    variant: list[str] | None = typer.Option(None, "--variant", help="Train on this variant (repeatable)."),
    eval_: list[str] | None = typer.Option(
        None, "--eval", help="KIND=PATH[?col=value]: an eval set file (repeatable); default: held-out rows."
    ),
    limit: int | None = typer.Option(None, help="Prompts per eval set."),
    samples: int | None = typer.Option(None, help="K samples per prompt (Safe@K, ConsSafe@K)."),
    temperature: float | None = typer.Option(None),
    top_p: float | None = typer.Option(None),
    max_new_tokens: int | None = typer.Option(None),
    seed: int | None = typer.Option(None),
    out_path: Path | None = typer.Option(None, "--out", help="Report folder (default OUT_DIR/validation)."),
) -> None:
    """Fine-tune a model on a build and report safety, over-refusal and math before and after."""
    from safedata.validate.config import resolve
    from safedata.validate.evalsets import parse_spec
    from safedata.validate.report import markdown
    from safedata.validate.run import validate as run_validate

    overrides = {
        "base_model": base_model, "lr": lr, "epochs": epochs, "max_length": max_length,
        "batch_size": batch_size, "grad_accum": grad_accum, "batching": batching, "lora": lora,
        "grad_ckpt": grad_ckpt, "max_steps": max_steps, "variants": variant or None, "limit": limit,
        "samples": samples, "temperature": temperature, "top_p": top_p, "max_new_tokens": max_new_tokens,
        "seed": seed, "evals": [parse_spec(e) for e in eval_] if eval_ else None,
    }  # fmt: skip
    cfg = resolve(out_dir, overrides)
    result = run_validate(out_dir, cfg, out_path, log=lambda msg: err.print(escape(msg), highlight=False))
    if "files" in result:  # rank 0 only
        out.print(markdown(result), highlight=False, soft_wrap=True)
        out.print(f"wrote {', '.join(result['files'])}", highlight=False, soft_wrap=True)


@app.command()
def schema() -> None:
    """Print the recipe's JSON Schema (for editor completion)."""
    from safedata.schemas.recipe import Recipe

    sys.stdout.write(json.dumps(Recipe.model_json_schema(), indent=2) + "\n")


if __name__ == "__main__":
    app()
