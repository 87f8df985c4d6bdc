"""`safedata` command line: parses arguments, calls the library, prints. Nothing else lives here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.text import Text

from safedata.errors import SafedataError, first_line
from safedata.secrets import quiet_tracebacks, scrub_output

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build and prove safety SFT datasets for reasoning models.",
    pretty_exceptions_enable=False,  # typer's pretty tracebacks print locals, API keys among them
    rich_markup_mode=None,  # help text is plain: `[...]` in it is shown, not read as markup
)
# markup=False: nothing we print is read as rich markup, so `pip install 'safedata[vllm]'` or a path like
# `data/[draft]/x.jsonl` in a message comes out as written. Styles go through Text.
out = Console(markup=False)  # results on stdout
err = Console(stderr=True, markup=False)  # logs and errors on stderr

F = TypeVar("F", bound=Callable[..., Any])


def _version(value: bool) -> None:
    if value:
        from safedata import __version__

        out.print(f"safedata {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Build and prove safety SFT datasets for reasoning models."""
    # Secrets stay out of every line this process prints; uncaught errors print one line, no locals.
    scrub_output()
    quiet_tracebacks()


def user_errors(fn: F) -> F:
    """Errors a user can fix become one line on stderr and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SafedataError as e:
            err.print(Text.assemble(("error:", "red"), f" {e}"), highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as e:  # noqa: BLE001 - a bug: still one line, and never a frame's locals
            name = type(e).__name__
            err.print(
                Text.assemble(("error:", "red"), f" unexpected {name}: {first_line(e)}"), highlight=False
            )
            raise typer.Exit(1) from None

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
    runner: str | None = typer.Option(
        None, "--runner", help="`local` or `ray` (overrides the recipe's runner.type; default local)."
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="Ray cluster to join: HOST:PORT, ray://HOST:PORT, or `local` (a private one).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Build into a folder safedata did not create (its other files are kept)."
    ),
) -> None:
    """Run a recipe end to end and write the dataset, its card and its report."""
    from safedata import api

    if dry_run:
        for i, (name, text) in enumerate(api.plan(recipe, out_dir, use_cache=not no_cache), 1):
            out.print(Text.assemble(f"{i}. ", (name, "bold"), f": {text}"), highlight=False, soft_wrap=True)
        return
    if runner not in (None, "local", "ray"):
        raise typer.BadParameter(f"--runner must be `local` or `ray` (got {runner!r})")
    result = api.build(
        recipe,
        out_dir,
        quiet=quiet,
        use_cache=not no_cache,
        force=force,
        runner=runner,
        ray_address=ray_address,
    )
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


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@app.command()
@user_errors
def augment(
    input_file: Path = typer.Argument(..., help="Prompts: jsonl, json, csv or parquet with a prompt column."),
    out_file: Path = typer.Option(..., "--out", help="Eval file to write (JSONL)."),
    tactics: str | None = typer.Option(None, help="Comma-separated tactics (default: all)."),
    per_seed: int = typer.Option(1, help="Wrapped variants per prompt."),
    seed: int = typer.Option(0, help="Sampling seed."),
    templates: str | None = typer.Option(
        None, help="Use only these template ids (e.g. held out of training)."
    ),
    exclude_templates: str | None = typer.Option(None, help="Never use these template ids."),
    user_templates: Path | None = typer.Option(
        None, help="Extra templates: a file with a `template` column."
    ),
    keep_plain: bool = typer.Option(False, help="Also write each unwrapped prompt (tactic empty)."),
    kind: str = typer.Option("harmful", help="harmful, or benign (over-refusal under attack)."),
    prompt_field: str = typer.Option("prompt", help="Column holding the prompt."),
) -> None:
    """Wrap prompts in attack templates and write an eval file (one JSON line per prompt, with its tactic)."""
    from safedata import api

    result = api.augment_eval(
        input_file, out_file, tactics=_names(tactics), per_seed=per_seed, seed=seed,
        templates=_names(templates), exclude_templates=_names(exclude_templates),
        user_templates=user_templates, keep_plain=keep_plain, kind=kind, prompt_field=prompt_field,
    )  # fmt: skip
    shown = ", ".join(f"{t or 'plain'}: {n}" for t, n in sorted(result.counts.items()))
    note = f"; skipped {result.skipped} rows without a text prompt" if result.skipped else ""
    out.print(f"wrote {result.rows} rows to {out_file} ({shown}){note}", highlight=False, soft_wrap=True)


def _api_key(env: str | None) -> SecretStr | None:
    """The judge's key from `env`, masked, and registered so that nothing printed shows it."""
    import os

    from pydantic import SecretStr

    from safedata.secrets import register

    if env and env not in os.environ:
        raise SafedataError(f"--judge-api-key-env: environment variable {env} is not set")
    if not env:
        return None
    register([os.environ[env]])
    return SecretStr(os.environ[env])


def _columns(field_map: list[str]) -> dict[str, str]:
    columns = dict(m.split("=", 1) for m in field_map if "=" in m)
    if len(columns) != len(field_map):
        raise SafedataError("--map takes FIELD=COLUMN, e.g. --map prompt=question")
    return columns


@app.command()
@user_errors
def audit(
    input_spec: str = typer.Argument(
        ..., help="jsonl, json, csv or parquet file, or an HF dataset path[:config][@split]."
    ),
    out_path: Path = typer.Option(..., "--out", help="Output jsonl (rows + patterns, refusal, safe)."),
    backend: str = typer.Option("heuristic", "--backend", help="heuristic or learned (offline), or llm."),
    judge_path: Path | None = typer.Option(
        None, "--judge-path", help="learned: a judge folder from `safedata judge distill`."
    ),
    judge: list[str] = typer.Option([], "--judge", help="Safety judge to add (repeatable): rs_match, ..."),
    field_map: list[str] = typer.Option(
        [],
        "--map",
        help="FIELD=COLUMN, e.g. --map prompt=question (fields: prompt, response, reasoning, answer, kind).",
    ),
    judge_model: str | None = typer.Option(
        None, "--judge-model", help="Model for the llm backend and model judges (OpenAI-compatible endpoint)."
    ),
    judge_base_url: str | None = typer.Option(None, "--judge-base-url", help="Endpoint for model judges."),
    judge_api_key_env: str | None = typer.Option(
        None, "--judge-api-key-env", help="Name of the environment variable holding the endpoint's key."
    ),
) -> None:
    """Label an existing dataset with the failure patterns; print and save the rates."""
    from safedata import api
    from safedata.filters.summary import rates_table

    shown = 20

    def skip(line: int, why: str) -> None:
        nonlocal shown
        if shown > 0:
            err.print(f"skipped row {line}: {why}", highlight=False, soft_wrap=True)
        shown -= 1

    result = api.audit(
        input_spec, out_path, backend, judge, judge_path=judge_path, judge_model=judge_model,
        judge_base_url=judge_base_url, judge_api_key=_api_key(judge_api_key_env), columns=_columns(field_map),
        on_skip=skip,
    )  # fmt: skip
    if shown < 0:
        err.print(f"... and {-shown} more skipped rows", highlight=False)
    out.print(rates_table(result.summary))
    out.print(f"audited {result.rows} rows ({len(result.skipped)} skipped)", highlight=False)
    out.print(f"wrote {result.out} and {result.summary_path}", highlight=False, soft_wrap=True)


@app.command()
@user_errors
def push(
    out_dir: Path = typer.Argument(..., help="A build's output folder."),
    repo: str = typer.Option(..., "--repo", help="Hub dataset repo, `user/name` (created if missing)."),
    private: bool = typer.Option(False, "--private", help="Create the repo private."),
    revision: str | None = typer.Option(None, "--revision", help="Branch to push to (default main)."),
    commit_files: int = typer.Option(100, "--commit-files", min=1, help="Files per commit."),
) -> None:
    """Upload a build to the Hugging Face Hub (token: HF_TOKEN or `hf auth login`); re-run to resume."""
    from safedata import api

    r = api.push(out_dir, repo, private=private, revision=revision, commit_files=commit_files, log=err.print)
    what = f"{len(r.uploaded)} files uploaded, {len(r.deleted)} deleted, {r.unchanged} unchanged"
    out.print(f"{r.repo}@{r.revision}: {len(r.commits)} commits; {what}", highlight=False)


@app.command()
@user_errors
def report(out_dir: Path = typer.Argument(..., help="A build's output folder.")) -> None:
    """Write OUT_DIR/report.html: plots and examples in one self-contained page."""
    from safedata import api

    out.print(f"wrote {api.report(out_dir)}", highlight=False)


def _dflt(text: str, name: str, auto: str = "") -> str:
    """Help text with the setting's default (the recipe's `validate:` block, then a flag, override it);
    `auto` says what an unset setting becomes when validate picks it on the device."""
    from safedata.schemas.validate import ValidateConfig

    value = getattr(ValidateConfig(), name)
    return f"{text} (default: {auto if value is None and auto else value})"


@app.command()
@user_errors
def validate(
    out_dir: Path = typer.Argument(..., help="A build's output folder."),
    base_model: str | None = typer.Option(
        None, help=_dflt("Hub id, local folder, or scratch:<size>.", "base_model")
    ),
    lr: float | None = typer.Option(
        None, help=_dflt("Peak learning rate (linear warmup, then cosine).", "lr")
    ),
    epochs: float | None = typer.Option(
        None, help=_dflt("Passes over the training rows (fractions allowed).", "epochs")
    ),
    max_length: int | None = typer.Option(
        None, help=_dflt("Tokens per example; longer ones are cut.", "max_length")
    ),
    batch_size: int | None = typer.Option(
        None, help=_dflt("Examples per micro-batch per device.", "batch_size")
    ),
    grad_accum: int | None = typer.Option(
        None, help=_dflt("Micro-batches per optimizer step.", "grad_accum")
    ),
    micro_tokens: int | None = typer.Option(
        None,
        min=64,
        help=_dflt(
            "Tokens per micro-batch at most; more go to further accumulation passes.",
            "micro_tokens",
            "what fits",
        ),
    ),
    batching: str | None = typer.Option(None, help=_dflt("packed | padded", "batching")),
    attn: str | None = typer.Option(None, help=_dflt("varlen | sdpa | flex_attention | eager", "attn")),
    compile_: bool | None = typer.Option(
        None,
        "--compile/--no-compile",
        help=_dflt("torch.compile each layer.", "compile", "when it pays off on CUDA"),
    ),
    bf16_weights: bool | None = typer.Option(
        None,
        "--bf16-weights/--autocast",
        help=_dflt(
            "bf16 weights with fp32 master copies, or fp32 + autocast.",
            "bf16_weights",
            "bf16 in one CUDA process",
        ),
    ),
    lora: bool | None = typer.Option(
        None, "--lora/--full", help=_dflt("LoRA adapters, or full fine-tuning.", "lora")
    ),
    grad_ckpt: bool | None = typer.Option(
        None,
        "--grad-ckpt/--no-grad-ckpt",
        help=_dflt("Gradient checkpointing (less memory, more compute).", "grad_ckpt"),
    ),
    max_steps: int | None = typer.Option(
        None, help="Stop after N optimizer steps (default: all of --epochs)."
    ),
    variant: list[str] | None = typer.Option(
        None, "--variant", help="Train on this variant (repeatable; default: every variant in the build)."
    ),
    dpo: bool | None = typer.Option(
        None,
        "--dpo/--sft",
        help=_dflt("Train with TRL DPO on the `preference` config instead of SFT.", "dpo"),
    ),
    beta: float | None = typer.Option(None, help=_dflt("DPO's KL weight (with --dpo).", "beta")),
    eval_: list[str] | None = typer.Option(
        None, "--eval", help="KIND=PATH[?col=value]: an eval set file (repeatable); default: held-out rows."
    ),
    limit: int | None = typer.Option(None, help=_dflt("Prompts per eval set.", "limit")),
    samples: int | None = typer.Option(
        None, help=_dflt("K samples per prompt (Safe@K, ConsSafe@K).", "samples")
    ),
    temperature: float | None = typer.Option(
        None, help=_dflt("Sampling temperature (0: greedy).", "temperature")
    ),
    decoding: str | None = typer.Option(
        None, help=_dflt("normal | zerothink | lessthink (pre-filled thought).", "decoding")
    ),
    top_p: float | None = typer.Option(None, help=_dflt("Nucleus sampling mass.", "top_p")),
    max_new_tokens: int | None = typer.Option(
        None, help=_dflt("Tokens generated per answer at most.", "max_new_tokens")
    ),
    gen_batch_size: int | None = typer.Option(
        None, min=1, help=_dflt("Rows decoded together.", "gen_batch_size", "the most whose KV cache fits")
    ),
    decoder: str | None = typer.Option(
        None,
        help=_dflt(
            "auto (vllm if installed, one process; else fast) | vllm | fast (Qwen2/Llama) | hf.", "decoder"
        ),
    ),
    seed: int | None = typer.Option(None, help=_dflt("Seed for data order, init and sampling.", "seed")),
    out_path: Path | None = typer.Option(None, "--out", help="Report folder (default OUT_DIR/validation)."),
) -> None:
    """Fine-tune a model on a build and report safety, over-refusal and math before and after."""
    from safedata import api
    from safedata.validation.report import markdown

    overrides = {
        "base_model": base_model, "lr": lr, "epochs": epochs, "max_length": max_length,
        "batch_size": batch_size, "grad_accum": grad_accum, "micro_tokens": micro_tokens,
        "batching": batching, "attn": attn,
        "compile": compile_, "bf16_weights": bf16_weights, "lora": lora,
        "grad_ckpt": grad_ckpt, "max_steps": max_steps, "variants": variant or None, "limit": limit,
        "dpo": dpo, "beta": beta,
        "samples": samples, "temperature": temperature, "decoding": decoding, "top_p": top_p,
        "max_new_tokens": max_new_tokens, "gen_batch_size": gen_batch_size, "decoder": decoder,
        "seed": seed, "evals": eval_ or None,
    }  # fmt: skip
    result = api.validate(out_dir, out_path, log=lambda msg: err.print(msg, highlight=False), **overrides)
    if "files" in result:  # rank 0 only
        out.print(markdown(result), highlight=False, soft_wrap=True)
        out.print(f"wrote {', '.join(result['files'])}", highlight=False, soft_wrap=True)


judge_app = typer.Typer(
    no_args_is_help=True, help="Judges: distill an API judge into the offline learned one."
)
app.add_typer(judge_app, name="judge")


@judge_app.command()
@user_errors
def distill(
    input_spec: str = typer.Argument(
        ..., help="Traces to sample: a jsonl/json/csv/parquet file or an HF dataset."
    ),
    out_dir: Path = typer.Option(..., "--out", help="Judge folder to write (load it with --judge-path)."),
    judge_model: str = typer.Option(..., "--judge-model", help="The llm judge's model."),
    judge_base_url: str = typer.Option(..., "--judge-base-url", help="Its OpenAI-compatible endpoint."),
    judge_api_key_env: str | None = typer.Option(
        None, "--judge-api-key-env", help="Name of the environment variable holding the endpoint's key."
    ),
    sample: int = typer.Option(500, "--sample", min=1, help="How many rows the llm judge labels."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample."),
    field_map: list[str] = typer.Option([], "--map", help="FIELD=COLUMN, as for audit."),
) -> None:
    """Label a sample with the llm judge, train the learned heads on it, write a judge folder."""
    from safedata import api

    result = api.distill_judge(
        input_spec, out_dir, judge_model=judge_model, judge_base_url=judge_base_url,
        judge_api_key=_api_key(judge_api_key_env), sample=sample, seed=seed, columns=_columns(field_map),
        progress=lambda msg: err.print(msg, highlight=False),
    )  # fmt: skip
    out.print(
        f"labelled {result.labelled} rows ({result.failed} without a usable verdict); trained heads for "
        f"{', '.join(result.trained) or 'no pattern (too few labels: rules kept)'}",
        highlight=False,
        soft_wrap=True,
    )
    for p, a in result.agreement.items():
        out.print(f"  {p}: agrees with the judge on {a:.1%} of labelled rows", highlight=False)
    out.print(f"wrote {result.out}; use it with --backend learned --judge-path {result.out}", highlight=False)


@app.command()
def schema() -> None:
    """Print the recipe's JSON Schema (for editor completion)."""
    from safedata import api

    sys.stdout.write(json.dumps(api.recipe_schema(), indent=2) + "\n")


if __name__ == "__main__":
    app()
