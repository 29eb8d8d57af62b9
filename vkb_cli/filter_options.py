"""Filter options generated from the filter tables: one row is one CLI option.

`with_filters` adds every catalogue filter (`catalogue.FACETS`) to a Typer command's signature and
hands the command one validated `Query` instead, so `list`, `export` and `gaps` cannot drift apart;
`with_document_filters` does the same for the search's document filters (`kb.document_filters`).
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
from kb.document_filters import VALUE_FILTERS, YEARS, filters_from

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


def _catalogue_parameters() -> list[inspect.Parameter]:
    params = []
    for facet in _MULTI:
        option = typer.Option(
            facet.flag, help=f"{facet.vocabulary.en} (repeatable): {', '.join(facet.vocabulary.codes)}."
        )
        params.append(_keyword(facet.name, None, Annotated[list[str] | None, option]))
    for name, (kind, option) in _SCALARS.items():
        params.append(_keyword(name, False if kind is bool else None, Annotated[kind, option]))
    return params


def _document_parameters() -> list[inspect.Parameter]:
    params = [
        _keyword(row.attribute, None, Annotated[list[str] | None, typer.Option(row.flag, help=row.help)])
        for row in VALUE_FILTERS
    ]
    for bound, word in ((YEARS.low, "Earliest"), (YEARS.high, "Latest")):
        option = typer.Option("--" + bound.replace("_", "-"), help=f"{word} {YEARS.key} (inclusive).")
        params.append(_keyword(bound, None, Annotated[int | None, option]))
    return params


def _keyword(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _with_options(
    command: Callable[..., None], target: str, options: list[inspect.Parameter], build: Callable[[dict[str, Any]], Any]
) -> Callable[..., None]:
    """Replace the command's parameter `target` by the options; their values become one object (`build`)."""
    signature = inspect.signature(command)
    hints = typing.get_type_hints(command, include_extras=True)  # resolved in the command's own module
    own = [p.replace(annotation=hints[p.name]) for p in signature.parameters.values() if p.name != target]
    names = {p.name for p in options}

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        built = build({name: kwargs.pop(name) for name in names})
        command(**{target: built}, **kwargs)

    parameters = own + options
    wrapper.__signature__ = signature.replace(parameters=parameters, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    del wrapper.__wrapped__  # Typer must read the new signature, not the command's
    return wrapper


def _catalogue_query(values: dict[str, Any]) -> Query:
    fields: dict[str, Any] = {f.name: tuple(values[f.name] or ()) for f in _MULTI}  # Typer's values: checked below
    fields |= {name: values[name] for name in _SCALARS}
    query = Query(**fields)
    try:
        query.validate()
    except FilterError as exc:
        typer.secho(f"vkb: error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    return query


def with_filters(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command(query: Query, …)` every catalogue filter option; they become one validated Query."""
    return _with_options(command, "query", _catalogue_parameters(), _catalogue_query)


def with_document_filters(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command(filters: Filters, …)` an option per document filter (`kb.document_filters`); the
    index checks their values when the search runs."""
    return _with_options(command, "filters", _document_parameters(), filters_from)
