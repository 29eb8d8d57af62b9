"""The `vkb` command line: thin commands over the kb / ingest / catalogue libraries.

Exit codes: 0 success; 1 some input failed (the rest was processed); 2 usage or configuration error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kb.document_filters import Filters
from vkb_cli.app_command import run_app
from vkb_cli.catalogue_cli import catalogue_app
from vkb_cli.errors import VkbGroup, fail
from vkb_cli.filter_options import with_document_filters
from vkb_cli.render import (
    print_documents,
    print_evaluation,
    print_hits,
    print_ingest_report,
    print_page_evaluation,
    print_settings,
)
from vkb_cli.settings_options import ChromaOption, IndexOption, ModelOption

app = typer.Typer(
    cls=VkbGroup,
    name="vkb",
    help="vårdkompetensbasen: search the evidence base on Swedish healthcare workforce supply.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(catalogue_app, name="catalogue")


def utf8_text(value: str, what: str) -> str:
    """The argument, or a usage error when the terminal passed bytes that are not UTF-8.

    Python turns such bytes into lone surrogates (PEP 383), which the embedding model cannot encode:
    a traceback in hybrid and dense search. Guessing another encoding could search for the wrong
    word, so the user is told which byte and how to fix the terminal.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = ord(value[exc.start])
        what_char = f"byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF else f"character U+{char:04X}"
        raise fail(
            f"the {what} is not valid UTF-8 text ({what_char} after {value[: exc.start]!r}); "
            "set the terminal's character encoding to UTF-8"
        ) from None
    return value


def open_kb(**overrides: Any) -> Any:
    from kb import KnowledgeBase, load_settings

    return KnowledgeBase.open(load_settings(**overrides))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
    prune: Annotated[
        bool, typer.Option(help="Remove indexed documents whose files are gone from these folders.")
    ] = False,
    chunk_tokens: Annotated[int | None, typer.Option(help="Chunk size in model tokens (env VKB_CHUNK_TOKENS).")] = None,
    max_file_mb: Annotated[float | None, typer.Option(help="Largest file accepted, MB (env VKB_MAX_FILE_MB).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Add or update documents (PDF, DOCX, HTML, Markdown, text) in the knowledge base."""
    from ingest import ingest_paths

    kb = open_kb(index=index, model=model, chroma_url=chroma_url, chunk_tokens=chunk_tokens, max_file_mb=max_file_mb)
    report = ingest_paths(paths, kb, prune=prune, progress=progress and sys.stderr.isatty())
    print_ingest_report(report)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def docs(
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List indexed documents with their metadata and chunk counts (and files that failed)."""
    kb = open_kb(index=index, model=model, chroma_url=chroma_url)
    records, failures = kb.documents(), kb.failures()
    if as_json:
        typer.echo(json.dumps([_document_json(r) for r in records], ensure_ascii=False, indent=2))
        return
    print_documents(records, failures)
    lacking = kb.passages_without_latent_terms()
    if lacking:
        typer.echo(
            f"\n{lacking} passage(s) were indexed before latent terms (a ranking signal of {kb.embedder.name}); "
            "run `vkb reindex` to add them"
        )


def _document_json(record: Any) -> dict[str, Any]:
    return {
        **record.metadata.model_dump(),
        "chunk_count": record.chunk_count,
        "page_count": record.page_count,
        "ocr_pages": list(record.ocr_pages),
        "warnings": list(record.warnings),
        "ingested_at": record.ingested_at,
        "abs_path": record.abs_path,
    }


@app.command()
@with_document_filters
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Swedish or English.")],
    filters: Filters,
    k: Annotated[int, typer.Option("--k", help="Number of passages.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    group: Annotated[str | None, typer.Option(help="Group results: document or stakeholder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of hits.")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Search the knowledge base; every hit with document, page and citation."""
    query = utf8_text(query, "query")
    if group not in (None, "document", "stakeholder"):
        raise fail(f"unknown --group {group!r}; choose document or stakeholder")
    kb = open_kb(index=index, model=model, chroma_url=chroma_url)
    if not kb.documents():
        raise fail(f"the index at {kb.settings.index} is empty; add documents with: vkb ingest FOLDER", 1)
    hits = kb.search(query, k=k, filters=filters, mode=mode)
    citations = [kb.cite(hit) for hit in hits]
    if as_json:
        typer.echo(
            json.dumps(
                [{**h.to_json(), "citation": c.reference} for h, c in zip(hits, citations, strict=True)],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print_hits(hits, citations, group=group, mode=mode)


@app.command("eval")
def evaluate(
    queries: Annotated[Path, typer.Argument(help="Queries with gold spans (JSON lines).")],
    corpus: Annotated[Path, typer.Option(help="The corpus the queries refer to; ingested first.")],
    index: Annotated[Path | None, typer.Option(help="Index folder (default: a temporary one).")] = None,
    pdf_set: Annotated[
        Path | None,
        typer.Option(help="A PDF test set (benchmarks/make_pdf_set.py): also score page accuracy on its PDFs."),
    ] = None,
    layout: Annotated[
        list[str] | None, typer.Option(help="Layouts of the PDF set to score (repeatable; default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Measure retrieval quality (Recall@1/5/10, MRR@10, nDCG@10) per mode and query kind."""
    import tempfile

    from ingest import ingest_paths
    from kb.evaluation import evaluate as run_evaluation
    from kb.evaluation import load_queries
    from kb.page_truth import load_truth

    with tempfile.TemporaryDirectory(prefix="vkb-eval-") as scratch:
        loaded = load_queries(queries)
        truths = load_truth(pdf_set) if pdf_set else []
        kb = open_kb(index=index or Path(scratch) / "text")
        report = ingest_paths([corpus], kb)
        if not report.ok:
            typer.secho(f"vkb: warning: {report.counts().get('failed', 0)} corpus file(s) failed to ingest", err=True)
        result = run_evaluation(kb.searcher, loaded)
        pages = _evaluate_pdfs(kb, loaded, corpus, pdf_set, truths, layout, Path(scratch)) if pdf_set else []
        kb.close()
    if as_json:
        payload: dict[str, Any] = {"metrics": result.table(), "misses": result.misses}
        if pdf_set:
            payload["pdf"] = [{**p.row(), "misses": p.misses} for p in pages]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    print_evaluation(result)
    if pages:
        print_page_evaluation(pages)


def _evaluate_pdfs(
    text_kb: Any,
    queries: list[Any],
    corpus: Path,
    pdf_set: Path,
    truths: list[Any],
    layouts: list[str] | None,
    scratch: Path,
) -> list[Any]:
    """The text-only row and one row per layout of the PDF set, each layout in its own temporary index."""
    from ingest import ingest_paths
    from kb.page_evaluation import evaluate_pages, evaluate_text, mixed_corpus, queries_with_pdf

    chosen = queries_with_pdf(queries, truths)
    if not chosen:
        raise fail(f"no query's document is in the PDF set at {pdf_set}")
    rows = [evaluate_text(text_kb.searcher, chosen)]
    for name in layouts or sorted({t.layout for t in truths}, key=["digital", "twocolumn", "scanned"].index):
        folder = scratch / name
        kb = open_kb(index=folder / "index")
        report = ingest_paths(mixed_corpus(corpus, pdf_set, name, folder), kb)
        for outcome in report.outcomes:
            if outcome.status == "failed":
                typer.secho(f"vkb: warning: {name}: {Path(outcome.path).name}: {outcome.reason}", err=True)
        rows.append(evaluate_pages(kb.searcher, chosen, [t for t in truths if t.layout == name], corpus, label=name))
        kb.close()
    return rows


@app.command()
def reindex(
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Re-embed an existing index for the configured model, from its stored chunk texts (atomic)."""
    from kb import load_settings
    from kb.reindex import reindex as run_reindex

    settings = load_settings(index=index, model=model, chroma_url=chroma_url)
    bar: Any = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="chunk", desc="re-embedding", file=sys.stderr)

    def advance(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        report = run_reindex(settings, progress=advance)
    finally:
        if bar is not None:
            bar.close()
    if report.previous_model == report.model:
        typer.echo(f"re-embedded {report.chunks} chunks with {report.model}, now with latent terms")
    else:
        typer.echo(f"re-embedded {report.chunks} chunks: {report.previous_model} -> {report.model}")
    if report.too_long:
        typer.secho(
            f"warning: {report.too_long} chunks are longer than {report.model} reads; "
            "run `vkb ingest` on their folders to re-chunk them",
            err=True,
        )


@app.command()
def settings(
    index: IndexOption = None,
    model: ModelOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Show every setting, its environment variable and its current value."""
    from kb import load_settings

    current = load_settings(index=index, model=model, chroma_url=chroma_url)
    print_settings(current)


app.command("app")(run_app)


if __name__ == "__main__":  # pragma: no cover
    app()
