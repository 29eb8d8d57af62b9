"""`vkb catalogue …`: list, show, compare, gaps, validate and export interventions (thin over `catalogue`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from catalogue import Query
from catalogue.vocabularies import EVIDENCE
from vkb_cli.errors import VkbGroup, fail
from vkb_cli.filter_options import with_filters

if TYPE_CHECKING:
    from catalogue import Catalogue
    from kb import DocumentLookup, Settings

catalogue_app = typer.Typer(
    cls=VkbGroup,
    name="catalogue",
    help="The intervention catalogue: recruit, retain, return, enable.",
    no_args_is_help=True,
)

FolderOption = Annotated[Path | None, typer.Option("--dir", help="Catalogue folder (env VKB_CATALOGUE).")]
IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder, for references and quotes.")]
Many = list[str] | None


def _settings(**overrides: Any) -> Settings:
    from kb import load_settings

    return load_settings(**overrides)


def _load(folder: Path | None) -> Catalogue:
    from catalogue import Catalogue

    path = folder or _settings().catalogue
    if not Path(path).is_dir():
        raise fail(f"no catalogue folder at {path}; give one with --dir or VKB_CATALOGUE")
    catalogue = Catalogue.load(Path(path))
    for problem in catalogue.problems:
        if problem.severity == "error":
            typer.secho(f"skipped  {problem}", err=True, fg=typer.colors.YELLOW)
    return catalogue


def _registry(index: Path | None) -> DocumentLookup | None:
    """The index's documents (for reference strings and quotes), without loading the embedding model."""
    from kb import open_documents

    return open_documents(Path(index or _settings().index))


@catalogue_app.command("list")
@with_filters
def list_interventions(
    query: Query,
    sort: Annotated[str, typer.Option(help="name, cost or evidence (strongest first, then cheapest).")] = "name",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: the records and the facet counts.")] = False,
    folder: FolderOption = None,
) -> None:
    """Interventions matching the filters, with facet counts."""
    from catalogue.comparison import describe
    from catalogue.filtering import sort_key

    catalogue = _load(folder)
    result = catalogue.filter(query, sort=sort_key(sort))
    if as_json:
        records = [i.model_dump(mode="json") for i in result.interventions]
        typer.echo(json.dumps({"interventions": records, "facets": result.facets}, ensure_ascii=False, indent=2))
        return
    for i in result.interventions:
        typer.echo(
            f"{i.id:45} {describe(i, 'category'):28} evidens: {EVIDENCE.label(i.evidence.certainty):12} "
            f"kostnad: {describe(i, 'cost')}"
        )
    typer.echo(f"\n{len(result.interventions)} av {len(catalogue)} insatser")


@catalogue_app.command()
def show(
    intervention_id: Annotated[str, typer.Argument(help="The intervention's id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    folder: FolderOption = None,
    index: IndexOption = None,
) -> None:
    """One intervention, every field, with its sources as references."""
    from catalogue.comparison import FIELD_LABELS, describe
    from catalogue.references import source_reference
    from catalogue.schema import KbSource

    catalogue = _load(folder)
    intervention = catalogue.get(intervention_id)
    if as_json:
        typer.echo(json.dumps(intervention.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    registry = _registry(index)
    typer.secho(intervention.name, bold=True)
    typer.echo(f"id: {intervention.id}\n")
    for field, label in FIELD_LABELS[:-1]:
        typer.echo(f"{label}: {describe(intervention, field)}")
    if intervention.description:
        typer.echo(f"\n{intervention.description}")
    typer.echo("\nKällor:")
    for number, source in enumerate(intervention.sources, start=1):
        typer.echo(f"  [{number}] {source_reference(source, registry)}")
        if isinstance(source, KbSource):
            typer.echo(f"      ”{source.quote}”")


@catalogue_app.command("compare")
def compare_interventions(
    ids: Annotated[list[str], typer.Argument(help="2-4 intervention ids.")],
    folder: FolderOption = None,
) -> None:
    """Interventions side by side; rows where they differ are marked with ≠."""

    catalogue = _load(folder)
    comparison = catalogue.compare(ids)
    width = 34
    typer.echo(" " * 22 + " | ".join(n[:width].ljust(width) for n in comparison.names))
    for row in comparison.rows:
        mark = "≠" if row.differs else " "
        cells = " | ".join(v[:width].ljust(width) for v in row.values)
        typer.echo(f"{mark} {row.label[:19]:19} {cells}")


@catalogue_app.command()
@with_filters
def gaps(
    query: Query,
    rows: Annotated[str, typer.Option(help="category or lever.")] = "category",
    folder: FolderOption = None,
) -> None:
    """The evidence-and-gap map: interventions per cell (rows x target group); '·' is a gap."""
    from catalogue.gaps import is_rows

    catalogue = _load(folder)
    if not is_rows(rows):
        raise fail(f"--rows must be category or lever, not {rows!r}")
    gap = catalogue.gap_map(rows=rows, query=query)
    # Column headings are numbers with a legend below: names cut to five letters ("speci" twice) were ambiguous.
    typer.echo(f"{'':28}" + " ".join(f"{n:>3}" for n in range(1, len(gap.cols) + 1)))
    for row in gap.rows:
        counts = " ".join(f"{gap.cell(row, c).count or '·':>3}" for c in gap.cols)
        typer.echo(f"{gap.row_vocabulary.label(row)[:27]:28}{counts}")
    typer.echo(f"\n{len(gap.gaps())} of {len(gap.cells)} cells are gaps. Columns:")
    for number, code in enumerate(gap.cols, start=1):
        typer.echo(f"  {number:>2} {gap.col_vocabulary.label(code)} ({code})")


@catalogue_app.command()
def validate(
    folder: Annotated[Path | None, typer.Argument(help="Catalogue folder (default: VKB_CATALOGUE).")] = None,
    index: IndexOption = None,
    quotes: Annotated[bool, typer.Option(help="Check knowledge-base quotes against the index.")] = True,
) -> None:
    """Every problem in the catalogue, with file and line; exit code 1 when there are errors."""
    from catalogue import Catalogue

    path = folder or _settings().catalogue
    if not Path(path).is_dir():
        raise fail(f"no catalogue folder at {path}")
    catalogue = Catalogue.load(Path(path))
    kb = None
    if quotes:
        registry = _registry(index)
        if registry is None or not registry.documents():
            typer.secho("warning: the index is empty, so quotes were not checked (vkb ingest first)", err=True)
        else:
            kb = registry
    problems = catalogue.validate(kb)
    for problem in problems:
        colour = typer.colors.RED if problem.severity == "error" else typer.colors.YELLOW
        typer.secho(str(problem), fg=colour)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    typer.echo(f"{len(catalogue)} valid records · {errors} errors · {warnings} warnings")
    if errors:
        raise typer.Exit(1)


@catalogue_app.command()
@with_filters
def export(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    query: Query,
    fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx or md (default: from --out).")] = None,
    folder: FolderOption = None,
    index: IndexOption = None,
) -> None:
    """Write the (filtered) interventions as CSV, XLSX or Markdown with a reference list."""
    from catalogue.export import FORMATS
    from catalogue.export import export as write

    chosen = fmt or out.suffix.lstrip(".").lower()
    if chosen not in FORMATS:
        raise fail(f"unknown format {chosen!r}; choose one of {', '.join(FORMATS)} (--format)")
    catalogue = _load(folder)
    interventions = catalogue.filter(query).interventions
    write(interventions, chosen, out, _registry(index))
    typer.echo(f"wrote {len(interventions)} interventions to {out}")


@catalogue_app.command()
@with_filters
def stats(
    query: Query,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    folder: FolderOption = None,
) -> None:
    """Counts: records, per category, certainty, grader and outcome, with unit cost."""
    from catalogue.stats import catalogue_stats

    found = catalogue_stats(_load(folder).filter(query).interventions)
    if as_json:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{found.records} records · {found.graded} graded (hog–mycket_lag) · {found.with_unit_cost} with unit cost"
    )
    for title, counts in (("category", found.per_category), ("certainty", found.per_certainty),
                          ("grader", found.per_grader), ("outcome", found.per_outcome)):  # fmt: skip
        typer.echo(f"{title:10} " + " · ".join(f"{code} {n}" for code, n in counts.items()))


@catalogue_app.command()
@with_filters
def review(
    query: Query,
    out: Annotated[Path, typer.Option("--out", help="File to write: .md or .xlsx.")],
    folder: FolderOption = None,
    index: IndexOption = None,
) -> None:
    """A review sheet: every claim with its source and quote, and a column for a human to tick."""
    from catalogue.review import REVIEW_FORMATS, review_rows, write_review

    fmt = out.suffix.lstrip(".").lower()
    if fmt not in REVIEW_FORMATS:
        raise fail(f"unknown format {fmt!r}; the review sheet is written as {' or '.join(REVIEW_FORMATS)}")
    rows = review_rows(_load(folder).filter(query).interventions, _registry(index))
    try:
        write_review(rows, fmt, out)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror or exc}", 1) from None
    typer.echo(f"wrote {len(rows)} claims to {out}")
