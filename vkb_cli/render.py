"""Plain-text rendering of library results for the terminal.

Every string that comes from a file or the index (paths, reasons that quote them, titles, snippets) goes
through `printable`: a control character is shown escaped (`\\n`, `\\x1b`), so a file named
`a\\nfailed   b.txt` or holding `ESC[31m` cannot fake a line of the report or colour the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer

from ingest.cleanup import printable
from kb.settings import Settings, settings_table

_ORDER = ("added", "updated", "unchanged", "removed", "skipped", "failed")


def print_ingest_report(report: Any) -> None:
    for outcome in report.outcomes:
        path, reason = printable(outcome.path), printable(outcome.reason or "")
        if outcome.status == "failed":
            typer.secho(f"failed   {path}: {reason}", fg=typer.colors.RED, err=True)
        elif outcome.status == "skipped":
            typer.echo(f"skipped  {path}: {reason}", err=True)
        for warning in outcome.warnings:
            typer.secho(f"warning  {path}: {printable(warning)}", fg=typer.colors.YELLOW, err=True)
    for problem in report.problems:
        typer.secho(f"manifest {printable(problem)}", fg=typer.colors.RED, err=True)
    if report.recovered:
        typer.echo(f"repaired {report.recovered} document(s) left half-written by an interrupted run", err=True)
    if report.repaired:
        typer.echo(f"vector store {report.repaired}", err=True)
    counts = report.counts()
    summary = " · ".join(f"{counts.get(status, 0)} {status}" for status in _ORDER)
    typer.echo(f"{summary} ({report.chunks} new chunks, {report.seconds_total:.1f} s)")


def print_documents(records: Sequence[Any], failures: Sequence[Any]) -> None:
    if not records:
        typer.echo("The index is empty. Add documents with: vkb ingest FOLDER")
    for r in records:
        m = r.metadata
        ocr = f" (OCR: {len(r.ocr_pages)} pages)" if r.ocr_pages else ""
        typer.echo(
            f"{m.doc_id}\t{m.doc_type}\t{m.stakeholder}\t{m.date or '-'}\t{r.chunk_count} chunks{ocr}\t"
            + printable(m.title)
        )
    if failures:
        typer.echo(f"\n{len(failures)} file(s) failed at their last ingest:")
        for f in failures:
            typer.echo(f"  {printable(f.source_path)}: {printable(f.reason)}")


def print_settings(current: Settings) -> None:
    for name, env, default, help_text in settings_table():
        typer.echo(f"{name} = {getattr(current, name)!r}\n    {env}; default {default}. {help_text}")


# What to try when a search finds nothing, per mode: never the mode already chosen.
NO_HITS = {
    "hybrid": "No passages found. Try other words or fewer filters.",
    "lexical": "No passages found. Try other words, fewer filters, or --mode hybrid (it also searches by meaning).",
    "dense": "No passages found. Try other words, fewer filters, or --mode hybrid.",
}


def print_hits(
    hits: Sequence[Any], citations: Sequence[Any], *, group: str | None = None, mode: str = "hybrid"
) -> None:
    from kb.hits import group_by_document, group_by_stakeholder

    if not hits:
        typer.echo(NO_HITS.get(mode, NO_HITS["hybrid"]))
        return
    by_id = {h.chunk_id: c for h, c in zip(hits, citations, strict=True)}
    if group in ("document", "stakeholder"):
        groups = group_by_document(hits) if group == "document" else group_by_stakeholder(hits)
        for g in groups:
            typer.secho(f"\n== {printable(g.label)} ({len(g.hits)})", bold=True)
            for hit in g.hits:
                _print_hit(hit, by_id[hit.chunk_id])
        return
    for hit in hits:
        _print_hit(hit, by_id[hit.chunk_id])


def _print_hit(hit: Any, citation: Any) -> None:
    where = f"s. {hit.page}{' (OCR)' if hit.ocr else ''}, " if hit.page is not None else ""
    typer.secho(f"\n{hit.rank}. {printable(hit.title)}", bold=True)
    typer.echo(
        f"   {printable(hit.organisation or '-')} · {hit.doc_type} · {hit.date or '-'} · {where}tecken "
        f"{hit.char_start}–{hit.char_end} · poäng {hit.score:.3f}"
    )
    typer.echo("   " + printable(" ".join(hit.snippet.render("[", "]").split())))
    typer.echo(f"   Källa: {printable(citation.reference)}{' (OCR)' if citation.ocr else ''}")


def print_evaluation(report: Any) -> None:
    header = f"{'mode':11} {'kind':11} {'n':>3}  {'R@1':>5} {'R@5':>5} {'R@10':>5} {'MRR@10':>7} {'nDCG@10':>8}"
    typer.echo(header)
    for row in report.table():
        typer.echo(
            f"{row['mode']:11} {row['kind']:11} {row['n']:>3}  {row['R@1']:5.2f} {row['R@5']:5.2f} "
            f"{row['R@10']:5.2f} {row['MRR@10']:7.2f} {row['nDCG@10']:8.2f}"
        )
    for mode, missed in report.misses.items():
        if missed:
            typer.echo(f"no answer in the top 10 ({mode}): {', '.join(missed)}")


def print_page_evaluation(rows: Sequence[Any]) -> None:
    """Hybrid search on the queries whose document has a PDF version: text-only, then per PDF layout."""
    typer.echo("\nqueries with a PDF version (hybrid; a PDF hit counts only on the page holding the answer):")
    typer.echo(
        f"{'corpus':10} {'n':>3}  {'R@1':>5} {'R@5':>5} {'R@10':>5} {'MRR@10':>7}  {'page acc':>8}  {'quote fid':>9}"
    )
    for scores in rows:
        row = scores.row()
        page = "-" if row["page_accuracy"] is None else f"{row['page_accuracy']:.3f}"
        quote = "-" if row["quote_fidelity"] is None else f"{row['quote_fidelity']:.3f}"
        typer.echo(
            f"{row['corpus']:10} {row['n']:>3}  {row['R@1']:5.2f} {row['R@5']:5.2f} {row['R@10']:5.2f} "
            f"{row['MRR@10']:7.2f}  {page:>8}  {quote:>9}"
        )
        if scores.misses:
            typer.echo(f"  no answer on the right page in the top 10: {', '.join(scores.misses)}")
