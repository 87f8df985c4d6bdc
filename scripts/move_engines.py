"""Rewrite imports after the teacher engines moved from `safedata/builders/teachers/` to `safedata/engines/`
(issue 15). Re-run it over files written against the old layout:

    .venv/bin/python scripts/move_engines.py safedata tests bench scripts docs README.md

It rewrites module paths only (in imports, strings and prose), longest first, and prints the files it
changed. Names that moved between modules (the generation service) are listed in `NAMES`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# old module path -> new module path (dotted; the slash forms are derived)
MODULES = {
    "safedata.builders.teachers": "safedata.engines",
    "safedata.builders.decoding": "safedata.engines.decoding",
    "safedata.builders.teacher_prompts": "safedata.engines.prompts",
    "tests.builders.teachers": "tests.engines",
    "builders.teachers": "engines",  # short paths in prose: builders/teachers/parse.py
    "builders.decoding": "engines.decoding",
}
# `from OLD import name` whose name now lives elsewhere: (old module, name) -> new module
NAMES = {
    ("safedata.builders.teacher_cot", "teacher_request"): "safedata.engines.generation",
    ("safedata.builders.teacher_cot", "take_reply"): "safedata.engines.generation",
    ("safedata.builders.teacher_cot", "add_usage"): "safedata.engines.generation",
    ("safedata.builders.teacher_cot", "usage_rows"): "safedata.engines.generation",
    ("safedata.builders.teacher_cot", "ask"): "safedata.engines.generation",
}


def rewrite(text: str) -> str:
    for old, new in sorted(MODULES.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        text = re.sub(rf"\b{re.escape(old.replace('.', '/'))}(?=[/.\s`'\"):]|$)", new.replace(".", "/"), text)
    for (module, name), new in NAMES.items():
        text = _move_name(text, module, name, new)
    return text


def _move_name(text: str, module: str, name: str, new: str) -> str:
    """`from module import a, name, b` -> `from module import a, b` + `from new import name`."""
    pattern = re.compile(rf"^([ \t]*)from {re.escape(module)} import (\([^)]*\)|[^\n]+)$", re.M)

    def fix(m: re.Match[str]) -> str:
        indent, names = m.group(1), [n.strip() for n in m.group(2).strip("()").split(",") if n.strip()]
        if name not in names:
            return m.group(0)
        rest = [n for n in names if n != name]
        lines = [f"{indent}from {new} import {name}"]
        if rest:
            lines.insert(0, f"{indent}from {module} import {', '.join(rest)}")
        return "\n".join(lines)

    return pattern.sub(fix, text)


def main(paths: list[str]) -> None:
    files = [p for arg in paths for p in ([Path(arg)] if Path(arg).is_file() else Path(arg).rglob("*"))]
    for path in files:
        if path.suffix not in {".py", ".md", ".toml", ".yaml", ".yml", ".txt"} or ".venv" in path.parts:
            continue
        if path.resolve() == Path(__file__).resolve():
            continue  # its own tables name the old paths
        old = path.read_text(encoding="utf-8")
        new = rewrite(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(path)


if __name__ == "__main__":
    main(sys.argv[1:] or ["safedata", "tests", "bench", "scripts", "docs", "README.md"])
