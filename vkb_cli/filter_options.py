"""The catalogue's filter options, generated from `catalogue.FACETS`: one facet row is one CLI option.

`with_filters` adds every filter option to a Typer command's signature and hands the command one
validated `Query` instead, so `list`, `export` and `gaps` cannot drift apart.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typer

from catalogue import FACETS, FilterError, Query
from catalogue.vocabularies import GRADED

_MULTI = [f for f in FACETS if f.flag]
_SCALARS: dict[str, tuple[Any, Any]] = {
    "max_cost": (int | None, typer.Option("--max-cost", help="Highest cost level, 1-5 (unknown drops out).")),
    "min_evidence": (
        str | None,
        typer.Option("--min-evidence", help=f"Lowest certainty: {', '.join(GRADED)} (the rest drops out)."),
    ),
    "unit_cost": (bool, typer.Option("--unit-cost", help="Only records with a sourced unit cost.")),
    "text": (str | None, typer.Option("--text", help="Words in the id, name, summary or description.")),
}


def _parameters() -> list[inspect.Parameter]:
    params = []
    for facet in _MULTI:
        option = typer.Option(
            facet.flag, help=f"{facet.vocabulary.en} (repeatable): {', '.join(facet.vocabulary.codes)}."
        )
        params.append(
            inspect.Parameter(
                facet.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[list[str] | None, option]
            )
        )
    for name, (kind, option) in _SCALARS.items():
        default = False if kind is bool else None
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option])
        )
    return params


def with_filters(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command(query: Query, …)` every filter option; the options become one validated Query."""
    signature = inspect.signature(command)
    hints = typing.get_type_hints(command, include_extras=True)  # resolved in the command's own module
    own = [p.replace(annotation=hints[p.name]) for p in signature.parameters.values() if p.name != "query"]
    names = {f.name for f in _MULTI} | set(_SCALARS)

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        values = {name: kwargs.pop(name) for name in names}
        fields: dict[str, Any] = {f.name: tuple(values[f.name] or ()) for f in _MULTI}  # Typer's values: checked below
        fields |= {name: values[name] for name in _SCALARS}
        query = Query(**fields)
        try:
            query.validate()
        except FilterError as exc:
            typer.secho(f"vkb: error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(2) from None
        command(query=query, **kwargs)

    parameters = own + _parameters()
    wrapper.__signature__ = signature.replace(parameters=parameters, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    del wrapper.__wrapped__  # Typer must read the new signature, not the command's
    return wrapper
