"""Recipe unions derived from the registries (safedata/registry.py): one member per entry, so registering a
source type or a judge is all it takes for recipes to accept it.

The derived models are built once per registry state (`per_generation`) and published in this module under a
name of their own (`published`), so that a recipe pickles by reference (worker processes, Ray) like any model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import BaseModel, BeforeValidator, Field, create_model

from safedata.registry import Entry, Registry

F = TypeVar("F", bound=Callable[[], Any])


def per_generation(build: F) -> F:
    """Build once per registry state: the same class for every caller until a registry changes."""
    built: dict[int, Any] = {}

    @functools.wraps(build)
    def cached() -> Any:
        if Registry.generation not in built:
            built.clear()
            built[Registry.generation] = build()
        return built[Registry.generation]

    return cached  # type: ignore[return-value]


def published(model: Any, ident: str) -> Any:
    """`model`, findable as `safedata.schemas.registered.<ident>` (where pickle looks for it)."""
    model.__module__, model.__qualname__ = __name__, ident
    globals()[ident] = model
    return model


def member(entry: Entry, key: str, base: type[BaseModel], **fields: Any) -> type[BaseModel]:
    """The entry's model: `base` plus its options model, tagged `key: <name>`."""
    options = entry.options_model()
    if options is None or issubclass(base, options):
        bases: tuple[type[BaseModel], ...] = (base,)
    elif issubclass(options, base):
        bases = (options,)
    else:
        bases = (base, options)
    name = options.__name__ if options is not None and issubclass(options, base) else _camel(entry.name)
    tag = Literal[entry.name]  # type: ignore[valid-type]
    model = create_model(name, __base__=bases, **{key: (tag, ...)}, **fields)  # type: ignore[call-overload]
    return published(model, f"{base.__name__}_{entry.name}")


def tagged_union(
    registry: Registry,
    key: str,
    base: type[BaseModel],
    role: str | None = None,
    fields: Callable[[Entry], dict[str, Any]] = lambda e: {},
    bare: bool = False,
) -> Any:
    """A discriminated union over the registry's entries (of `role`), each with `fields(entry)` added;
    with `bare`, a list item written as a bare name means `{key: name}`."""
    members = tuple(member(e, key, base, **fields(e)) for e in registry.entries(role))
    if len(members) == 1:
        union: Any = members[0]
    else:
        union = Annotated[Union[members], Field(discriminator=key)]  # noqa: UP007 - built at run time
    return Annotated[union, BeforeValidator(lambda v: _bare(v, key))] if bare else union


def names_literal(registry: Registry, role: str | None = None) -> Any:
    return Literal[registry.names(role)]  # type: ignore[valid-type]


def _bare(value: object, key: str) -> object:
    return {key: value} if isinstance(value, str) else value


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
