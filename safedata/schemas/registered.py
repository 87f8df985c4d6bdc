"""Recipe unions derived from the registries (safedata/registry.py): one member per entry, so registering a
source type or a judge is all it takes for recipes to accept it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, Field, create_model

from safedata.registry import Entry, Registry


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
    return create_model(name, __base__=bases, __module__=bases[0].__module__, **{key: (tag, ...)}, **fields)  # type: ignore[call-overload]


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
