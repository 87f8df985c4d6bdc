"""Resolve the settings of one validation run: defaults, the build recipe's `validate:` block, then flags.

The settings themselves are defined once, in schemas/validate.py (the recipe block, schemas/validate_block.py,
is derived from them).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from safedata.errors import SafedataError
from safedata.schemas.validate import EvalSet, ValidateConfig
from safedata.schemas.validate_block import ValidateSection

__all__ = ["EvalSet", "ValidateConfig", "resolve"]  # where validate's modules import them from


def resolve(out_dir: Path, overrides: dict[str, Any]) -> ValidateConfig:
    """Defaults, then the build recipe's `validate:` block (if any), then command-line flags."""
    import yaml

    cfg = ValidateConfig()
    recipe = out_dir / "recipe.yaml"
    block = (
        (yaml.safe_load(recipe.read_text(encoding="utf-8")) or {}).get("validate")
        if recipe.is_file()
        else None
    )
    if block:
        from pydantic import ValidationError

        try:
            section = ValidateSection.model_validate(block)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in ("validate", *err["loc"]))
            raise SafedataError(f"{recipe}, {where}: {err['msg']}") from None
        # Only what the block sets: ValidateConfig's defaults are the ones that apply.
        values = section.model_dump(exclude_unset=True)
        if "evals" in values:
            values["evals"] = [
                EvalSet(name=f.pop("name", None) or Path(f["path"]).stem, **f) for f in values["evals"]
            ]
        cfg = replace(cfg, **values)
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    cfg.check_choices()
    return cfg
