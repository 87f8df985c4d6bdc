"""The package's layers, checked on the source (ast over safedata/, function-level imports included):
the schema layer and the engines import no stage package, the registries import no code at all, and no
stage package imports one that comes later in the build."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "safedata"

# Stage packages in the order their code may depend on each other: each may import the ones before it. The
# probe runs early in a build but is the student's generate-and-judge loop, so it sits after filters; the
# preference pairs are written with the dataset (publish's writer).
STAGE_ORDER = [
    "sources",
    "augment",
    "builders",
    "filters",
    "probe",
    "dedup",
    "mixing",
    "publish",
    "preference",
]
# Modules of stage packages that are shared services, importable from any stage: detection primitives that
# generation uses to watch a thought, the embedding service, and the preference pairs the filters collect.
SERVICES = {
    "safedata.filters",
    "safedata.filters.refusal",
    "safedata.filters.stream_monitor",
    "safedata.dedup.embed",
    "safedata.preference.pairs",
}
# What the schema layer may import of safedata: itself, and the light modules below every layer.
SCHEMA_MAY_IMPORT = ("schemas", "errors", "registry", "secrets")


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every `safedata.*` import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [(node.lineno, n) for n in names if n.startswith("safedata.")]
    return out


def package_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_schemas_import_no_feature_package() -> None:
    bad = [
        f"{p.relative_to(REPO)}:{line} imports {module}"
        for p in (PACKAGE / "schemas").rglob("*.py")
        for line, module in imports(p)
        if module.split(".")[1] not in SCHEMA_MAY_IMPORT
    ]
    assert not bad, "\n".join(bad)


def test_registries_name_code_without_importing_it() -> None:
    assert {m.split(".")[1] for _, m in imports(PACKAGE / "registry.py")} <= {"errors"}


def test_no_stage_package_imports_a_later_one() -> None:
    bad = []
    for p in PACKAGE.rglob("*.py"):
        here = package_of(p)
        if here not in STAGE_ORDER:
            continue
        for line, module in imports(p):
            there = module.split(".")[1]
            if there not in STAGE_ORDER or module in SERVICES:
                continue
            if STAGE_ORDER.index(there) > STAGE_ORDER.index(here):
                bad.append(f"{p.relative_to(REPO)}:{line} ({here}) imports {module} ({there}, a later stage)")
    assert not bad, "\n".join(bad)


def test_engines_import_no_stage_package() -> None:
    """Engines are a service under every stage: a stage hands an engine what it needs (a stream monitor)."""
    bad = [
        f"{p.relative_to(REPO)}:{line} imports {module}"
        for p in (PACKAGE / "engines").rglob("*.py")
        for line, module in imports(p)
        if module.split(".")[1] in STAGE_ORDER
    ]
    assert not bad, "\n".join(bad)


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    # The walk reads imports inside functions too (where lazy imports hide).
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from safedata.mixing.stage import MixStage\n")
    assert imports(f) == [(2, "safedata.mixing.stage")]


def test_loading_a_recipe_loads_no_stage_code_and_no_heavy_library() -> None:
    code = (
        "import sys; from safedata.schemas.loader import load_recipe\n"
        "load_recipe('recipes/quickstart.yaml')\n"
        "heavy = ('torch', 'transformers', 'datasets', 'ray', 'sentence_transformers', 'numpy')\n"
        "print(','.join(m for m in sys.modules if m in heavy or m.endswith(('.stage', '.stages'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"loaded by a recipe load: {out.stdout.strip()}"
