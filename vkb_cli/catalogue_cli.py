"""`vkb catalogue …`: list, show, compare, gaps, validate and export interventions (thin over `catalogue`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

catalogue_app = typer.Typer(
    name="catalogue", help="The intervention catalogue: recruit, retain, return, enable.", no_args_is_help=True
)

FolderOption = Annotated[Path | None, typer.Option("--dir", help="Catalogue folder (env VKB_CATALOGUE).")]
IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder, for references and quotes.")]
Many = list[str] | None


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"vkb: error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _settings(**overrides: Any) -> Any:
    from kb import SettingsError, load_settings

    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise _fail(str(exc)) from None


def _load(folder: Path | None) -> Any:
    from catalogue import Catalogue

    path = folder or _settings().catalogue
    if not Path(path).is_dir():
        raise _fail(f"no catalogue folder at {path}; give one with --dir or VKB_CATALOGUE")
    catalogue = Catalogue.load(Path(path))
    for problem in catalogue.problems:
        if problem.severity == "error":
            typer.secho(f"skipped  {problem}", err=True, fg=typer.colors.YELLOW)
    return catalogue


def _registry(index: Path | None) -> Any:
    """The index's document registry (for reference strings), without loading the embedding model."""
    from kb.registry import Registry

    folder = Path(index or _settings().index).expanduser()
    database = folder / "registry.sqlite3"
    return Registry(database) if database.exists() else None


def _query(
    category: Many, target_group: Many, lever: Many, setting: Many, actor: Many, status: Many,
    max_cost: int | None, min_evidence: str | None, text: str | None,
) -> Any:  # fmt: skip
    from catalogue import FilterError, Query

    query = Query(
        category=tuple(category or ()),
        target_groups=tuple(target_group or ()),
        levers=tuple(lever or ()),
        setting=tuple(setting or ()),
        actors=tuple(actor or ()),
        status=tuple(status or ()),
        max_cost=max_cost,
        min_evidence=min_evidence,
        text=text,
    )
    try:
        query.validate()
    except FilterError as exc:
        raise _fail(str(exc)) from None
    return query


CategoryOpt = Annotated[Many, typer.Option("--category", help="recruit, retain, return, enable (repeatable).")]
TargetOpt = Annotated[Many, typer.Option("--target-group", help="Target group, e.g. sjukskoterska (repeatable).")]
LeverOpt = Annotated[Many, typer.Option("--lever", help="Lever, e.g. arbetsmiljo (repeatable).")]
SettingOpt = Annotated[Many, typer.Option("--setting", help="hela_landet, gles_och_landsbygd, storstad.")]
ActorOpt = Annotated[Many, typer.Option("--actor", help="Who acts, e.g. region (repeatable).")]
StatusOpt = Annotated[Many, typer.Option("--status", help="proposed, decided, implemented, evaluated.")]
MaxCostOpt = Annotated[int | None, typer.Option("--max-cost", help="Highest cost level, 1-5 (unknown drops out).")]
MinEvidenceOpt = Annotated[str | None, typer.Option("--min-evidence", help="hog, mattlig, lag or mycket_lag.")]
TextOpt = Annotated[str | None, typer.Option("--text", help="Words in the id, name, summary or description.")]


@catalogue_app.command("list")
def list_interventions(
    category: CategoryOpt = None,
    target_group: TargetOpt = None,
    lever: LeverOpt = None,
    setting: SettingOpt = None,
    actor: ActorOpt = None,
    status: StatusOpt = None,
    max_cost: MaxCostOpt = None,
    min_evidence: MinEvidenceOpt = None,
    text: TextOpt = None,
    sort: Annotated[str, typer.Option(help="name, cost or evidence.")] = "name",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: the records and the facet counts.")] = False,
    folder: FolderOption = None,
) -> None:
    """Interventions matching the filters, with facet counts."""
    from catalogue import FilterError
    from catalogue.comparison import describe

    catalogue = _load(folder)
    query = _query(category, target_group, lever, setting, actor, status, max_cost, min_evidence, text)
    try:
        result = catalogue.filter(query, sort=sort)  # type: ignore[arg-type]
    except FilterError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        records = [i.model_dump(mode="json") for i in result.interventions]
        typer.echo(json.dumps({"interventions": records, "facets": result.facets}, ensure_ascii=False, indent=2))
        return
    for i in result.interventions:
        typer.echo(
            f"{i.id:45} {describe(i, 'category'):28} evidens: {describe(i, 'evidence'):10} "
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
    from catalogue import UnknownIntervention
    from catalogue.comparison import FIELD_LABELS, describe
    from catalogue.references import source_reference
    from catalogue.schema import KbSource

    catalogue = _load(folder)
    try:
        intervention = catalogue.get(intervention_id)
    except UnknownIntervention as exc:
        raise _fail(str(exc)) from None
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
    from catalogue import CompareError, UnknownIntervention

    catalogue = _load(folder)
    try:
        comparison = catalogue.compare(ids)
    except (CompareError, UnknownIntervention) as exc:
        raise _fail(str(exc)) from None
    width = 34
    typer.echo(" " * 22 + " | ".join(n[:width].ljust(width) for n in comparison.names))
    for row in comparison.rows:
        mark = "≠" if row.differs else " "
        cells = " | ".join(v[:width].ljust(width) for v in row.values)
        typer.echo(f"{mark} {row.label[:19]:19} {cells}")


@catalogue_app.command()
def gaps(
    rows: Annotated[str, typer.Option(help="category or lever.")] = "category",
    category: CategoryOpt = None,
    setting: SettingOpt = None,
    actor: ActorOpt = None,
    status: StatusOpt = None,
    folder: FolderOption = None,
) -> None:
    """The evidence-and-gap map: interventions per cell (rows x target group); '·' is a gap."""
    catalogue = _load(folder)
    query = _query(category, None, None, setting, actor, status, None, None, None)
    if rows not in ("category", "lever"):
        raise _fail(f"--rows must be category or lever, not {rows!r}")
    gap = catalogue.gap_map(rows=rows, query=query)  # type: ignore[arg-type]
    short = {code: code[:5] for code in gap.cols}
    typer.echo(f"{'':28}" + " ".join(f"{short[c]:>5}" for c in gap.cols))
    for row in gap.rows:
        counts = " ".join(f"{gap.cell(row, c).count or '·':>5}" for c in gap.cols)
        typer.echo(f"{gap.row_vocabulary.label(row)[:27]:28}{counts}")
    typer.echo(f"\n{len(gap.gaps())} of {len(gap.cells)} cells are gaps. Columns: " + ", ".join(gap.cols))


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
        raise _fail(f"no catalogue folder at {path}")
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
def export(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx or md (default: from --out).")] = None,
    category: CategoryOpt = None,
    target_group: TargetOpt = None,
    lever: LeverOpt = None,
    setting: SettingOpt = None,
    actor: ActorOpt = None,
    status: StatusOpt = None,
    max_cost: MaxCostOpt = None,
    min_evidence: MinEvidenceOpt = None,
    text: TextOpt = None,
    folder: FolderOption = None,
    index: IndexOption = None,
) -> None:
    """Write the (filtered) interventions as CSV, XLSX or Markdown with a reference list."""
    from catalogue.export import FORMATS
    from catalogue.export import export as write

    chosen = fmt or out.suffix.lstrip(".").lower()
    if chosen not in FORMATS:
        raise _fail(f"unknown format {chosen!r}; choose one of {', '.join(FORMATS)} (--format)")
    catalogue = _load(folder)
    query = _query(category, target_group, lever, setting, actor, status, max_cost, min_evidence, text)
    interventions = catalogue.filter(query).interventions
    write(interventions, chosen, out, _registry(index))
    typer.echo(f"wrote {len(interventions)} interventions to {out}")
