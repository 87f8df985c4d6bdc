"""Read a build's output folder back: what the card, the HTML report and `push` are made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safedata.inspect import read_report


@dataclass
class BuildFolder:
    path: Path
    report: dict[str, Any]
    recipe_yaml: str
    validation_md: str | None = None  # validation/report.md, written by `safedata validate`
    validation_plots: list[Path] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> BuildFolder:
        report = read_report(path)  # raises a one-line SafedataError when this is no build folder
        recipe = path / "recipe.yaml"
        val = path / "validation"
        return cls(
            path=path,
            report=report,
            recipe_yaml=recipe.read_text(encoding="utf-8") if recipe.is_file() else "",
            validation_md=(val / "report.md").read_text(encoding="utf-8")
            if (val / "report.md").is_file()
            else None,
            validation_plots=sorted(val.glob("*.png")) if val.is_dir() else [],
        )

    def card(self, repo: str | None = None) -> str:
        from safedata.publish.card import render_card

        return render_card(self.report, self.recipe_yaml, repo=repo, validation=self.validation_md)
