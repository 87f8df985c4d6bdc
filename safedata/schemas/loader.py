"""Load a recipe from YAML: line numbers for every key, `${ENV}` secrets, one-line errors."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from safedata.errors import RecipeError
from safedata.schemas.recipe import RecipeBase, recipe_model
from safedata.secrets import MIN_CHARS, Secrets, is_secret, scrub

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

YamlPath = tuple[str | int, ...]


@dataclass
class LoadedRecipe:
    recipe: RecipeBase
    raw: dict[str, Any]  # as written, `${VAR}` left in place: safe to publish
    lines: dict[YamlPath, int] = field(default_factory=dict)
    path: Path | None = None
    secrets: Secrets = field(default_factory=Secrets)  # resolved values, scrubbed from anything we write

    def line_of(self, loc: YamlPath) -> int | None:
        return nearest_line(self.lines, loc)


def format_path(loc: YamlPath) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def nearest_line(lines: dict[YamlPath, int], loc: YamlPath) -> int | None:
    # A missing key has no line of its own: point at the closest parent that exists.
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _line_map(node: yaml.Node, prefix: YamlPath, out: dict[YamlPath, int]) -> None:
    out[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            if path in out and key.value != "<<":  # YAML readers keep the last silently; a recipe says so
                raise RecipeError(
                    f"duplicate key `{key.value}` (first at line {out[path]}): the second would replace it",
                    format_path(path),
                    key.start_mark.line + 1,
                )
            _line_map(value, path, out)
            out[path] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*prefix, i), out)


def _interpolate(value: Any, loc: YamlPath, secrets: set[str], lines: dict[YamlPath, int]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, (*loc, k), secrets, lines) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*loc, i), secrets, lines) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    key_field = bool(loc) and loc[-1] == "api_key"

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise RecipeError(f"environment variable {name} is not set", format_path(loc), lines.get(loc))
        if not os.environ[name]:  # an empty key or URL would only fail later, far from its cause
            raise RecipeError(f"environment variable {name} is empty", format_path(loc), lines.get(loc))
        if is_secret(os.environ[name]):
            secrets.add(os.environ[name])
        elif key_field:
            _weak_key(f"${{{name}}}", loc, lines)
        return os.environ[name]

    resolved = _ENV.sub(sub, value)
    if key_field and resolved == value:  # a key written into the recipe itself
        if not is_secret(value):
            _weak_key("the value", loc, lines)
        secrets.add(value)
    return resolved


def _weak_key(what: str, loc: YamlPath, lines: dict[YamlPath, int]) -> None:
    # Too short or a placeholder: not a key, and too common to scrub from the data without corrupting it.
    raise RecipeError(
        f"{what} is too short or too common to be an API key (at least {MIN_CHARS} characters):"
        " pass a real key, or leave api_key out for a server that needs none",
        format_path(loc),
        lines.get(loc),
    )


def _clean_loc(loc: tuple[Any, ...], data: Any) -> YamlPath:
    """The location as the user wrote it: without the union tags pydantic adds (`sources.0.file.path`: the
    item's own `type: file`; `function-after[...]`: a validator), found by walking the data itself."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(part, str) and ("[" in part or _is_tag(node, part)):
            continue
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else _item(node, part)
    return tuple(out)


def _is_tag(node: Any, part: str) -> bool:
    # A tag is the value of the item's discriminator (or the bare name the item is written as), not a key.
    if isinstance(node, str):
        return node == part
    return (
        isinstance(node, dict)
        and part not in node
        and part in [v for v in node.values() if isinstance(v, str)]
    )


def _item(node: Any, part: Any) -> Any:
    return node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None


MAX_ERRORS = 10


def _known_keys() -> list[str]:
    """Every key any recipe section takes (for "did you mean")."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(recipe_model().model_json_schema())
    return sorted(keys)


def _one_error(err: Any, lines: dict[YamlPath, int], data: Any) -> RecipeError:
    loc = _clean_loc(err["loc"], data)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        # An item's `type:` / `name:` / `engine:` picks its model: name what it may be, at that key.
        key = err["ctx"]["discriminator"].strip("'")
        what = _singular(loc) if key == "name" else f"{_singular(loc)} {key}".strip()
        loc = (*loc, key)
        if err["type"] == "union_tag_not_found":
            msg = "required key is missing"
        else:
            choices = ", ".join(t.strip("'") for t in err["ctx"]["expected_tags"].split(", "))
            msg = f"unknown {what} {err['ctx']['tag']!r}; choose from {choices}"
    elif err["type"] == "extra_forbidden":
        others = [k for k in _known_keys() if k != loc[-1]]  # a key of another item is still wrong here
        close = difflib.get_close_matches(str(loc[-1]), others, n=1, cutoff=0.75)
        msg = f"unknown key `{loc[-1]}`" + (f" (did you mean `{close[0]}`?)" if close else "")
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] in ("literal_error", "enum") and "input" in err:
        msg = f"{msg} (got {err['input']!r})"
    # A message may quote the value it rejects: a resolved secret among them.
    return RecipeError(scrub(msg), format_path(loc), nearest_line(lines, loc))


def _singular(loc: YamlPath) -> str:
    """`sources[0]` -> "source", `filter.judges[1]` -> "judge", `teacher` -> "teacher"."""
    named = [p for p in loc if isinstance(p, str)]
    return named[-1].removesuffix("s").replace("_", " ") if named else ""


def _recipe_errors(e: ValidationError, lines: dict[YamlPath, int], data: Any) -> RecipeError:
    """Every problem at once (up to MAX_ERRORS), one per line, in file order."""
    found = [_one_error(err, lines, data) for err in e.errors()]
    found = sorted({str(x): x for x in found}.values(), key=lambda x: x.line or 0)
    if len(found) == 1:
        return found[0]
    text = "\n".join(str(x) for x in found[:MAX_ERRORS])
    if len(found) > MAX_ERRORS:
        text += f"\n... and {len(found) - MAX_ERRORS} more"
    first = found[0]
    error = RecipeError(first.message, first.path, first.line)
    error.args = (f"{len(found)} problems in the recipe:\n{text}",)
    return error


def parse_recipe(text: str, path: Path | None = None, out_dir: str | None = None) -> LoadedRecipe:
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise RecipeError(f"YAML syntax error: {problem}", "", mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise RecipeError("a recipe must be a YAML mapping of sections", "", 1)
    lines: dict[YamlPath, int] = {}
    _line_map(node, (), lines)
    resolved: set[str] = set()
    data = _interpolate(raw, (), resolved, lines)
    secrets = Secrets(resolved)
    if out_dir is not None:
        data.setdefault("output", {})
        data["output"] = {**(data["output"] or {}), "dir": out_dir}
    try:
        recipe = recipe_model().model_validate(data)
    except ValidationError as e:
        raise _recipe_errors(e, lines, data) from None
    return LoadedRecipe(recipe=recipe, raw=raw, lines=lines, path=path, secrets=secrets)


def load_recipe(path: str | Path, out_dir: str | None = None) -> LoadedRecipe:
    p = Path(path)
    if not p.is_file():
        raise RecipeError(f"recipe file not found: {p}", "", None)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RecipeError(f"cannot read recipe: {e}", "", None) from None
    return parse_recipe(text, p, out_dir)
