"""Rows of earlier outputs (`dedup.against`): a safedata output folder, or parquet / jsonl files."""

from __future__ import annotations

from pathlib import Path

from safedata.pipeline import BuildContext
from safedata.schemas.preference import PREFERENCE_CONFIG
from safedata.schemas.record import AttackInfo, Record

_COLUMNS = ("prompt", "answer", "reasoning", "variant", "original_request", "tactic")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        # A safedata output (its `default` config holds every row once; the other configs are views of it)
        # or a folder of parquet shards; its quarantine.jsonl and clusters file are not published rows.
        if (path / "data" / "default").is_dir():
            return sorted((path / "data" / "default").glob("*.parquet"))
        rows = [p for p in path.glob("data/**/*.parquet") if PREFERENCE_CONFIG not in p.parts]
        return sorted([*rows, *path.glob("*.parquet")])
    return [path]


def load_published(paths: list[str], ctx: BuildContext) -> list[Record]:
    """Earlier rows as records; `variant` is None when the file has no variant column (matches any)."""
    import polars as pl

    out: list[Record] = []
    for i, raw in enumerate(paths):
        loc = ("dedup", "against", i)
        files = _files(Path(raw))
        if not files or not all(f.is_file() for f in files):
            raise ctx.recipe_error(
                loc, f"no earlier output at {raw} (a folder with data/*/*.parquet, or a file)"
            )
        for f in files:
            try:
                df = pl.read_parquet(f) if f.suffix == ".parquet" else pl.read_ndjson(f)
            except Exception as e:  # polars raises several types for unreadable files
                raise ctx.recipe_error(loc, f"cannot read {f}: {str(e).splitlines()[0]}") from None
            if "user_prompt" in df.columns:  # safedata's own layout: TRL-safe names, attack as a struct
                df = df.rename({"user_prompt": "prompt"})
                if isinstance(df.schema.get("attack"), pl.Struct):
                    attack = pl.col("attack").struct
                    df = df.with_columns(attack.field("original_request"), attack.field("tactic"))
            if "prompt" not in df.columns:
                raise ctx.recipe_error(loc, f"{f} has no `prompt` column")
            df = df.select([c for c in _COLUMNS if c in df.columns])
            for row in df.iter_rows(named=True):
                attack = None
                if row.get("original_request"):
                    attack = AttackInfo(
                        original_request=row["original_request"],
                        template_id="",
                        tactic=row.get("tactic") or "",
                    )
                out.append(
                    Record(
                        prompt=row["prompt"] or "",
                        kind="benign",  # unused: dedup never looks at kind
                        source=f"published:{raw}",
                        variant=row.get("variant") or None,
                        reasoning=row.get("reasoning"),
                        answer=row.get("answer"),
                        attack=attack,
                    )
                )
    return out
