"""Plain-text rendering of library results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer

from kb.settings import Settings, settings_table

_ORDER = ("added", "updated", "unchanged", "removed", "skipped", "failed")


def print_ingest_report(report: Any) -> None:
    for outcome in report.outcomes:
        if outcome.status == "failed":
            typer.secho(f"failed   {outcome.path}: {outcome.reason}", fg=typer.colors.RED, err=True)
        elif outcome.status == "skipped":
            typer.echo(f"skipped  {outcome.path}: {outcome.reason}", err=True)
        for warning in outcome.warnings:
            typer.secho(f"warning  {outcome.path}: {warning}", fg=typer.colors.YELLOW, err=True)
    for problem in report.problems:
        typer.secho(f"manifest {problem}", fg=typer.colors.RED, err=True)
    if report.recovered:
        typer.echo(f"repaired {report.recovered} document(s) left half-written by an interrupted run", err=True)
    counts = report.counts()
    summary = " · ".join(f"{counts.get(status, 0)} {status}" for status in _ORDER)
    typer.echo(f"{summary} ({report.chunks} new chunks, {report.seconds_total:.1f} s)")


def print_documents(records: Sequence[Any], failures: Sequence[Any]) -> None:
    if not records:
        typer.echo("The index is empty. Add documents with: vkb ingest FOLDER")
    for r in records:
        m = r.metadata
        typer.echo(f"{m.doc_id}\t{m.doc_type}\t{m.stakeholder}\t{m.date or '-'}\t{r.chunk_count} chunks\t{m.title}")
    if failures:
        typer.echo(f"\n{len(failures)} file(s) failed at their last ingest:")
        for f in failures:
            typer.echo(f"  {f.source_path}: {f.reason}")


def print_settings(current: Settings) -> None:
    for name, env, default, help_text in settings_table():
        typer.echo(f"{name} = {getattr(current, name)!r}\n    {env}; default {default}. {help_text}")
