"""Dokument: the library of indexed documents with ingest status; upload new files with metadata.

The page reads the form, calls `ingest.uploads` and shows what happened; the checks, the storing and
the undo of a failed upload live there. A batch with a name already in the uploads folder waits in the
session until the user chooses, per file, to replace the existing document or keep both.

While a batch is ingested, a progress bar moves after every batch of passages, and *Avbryt* stops it:
clicking any widget makes Streamlit stop the running script at its next call (here: the next progress
update, between two passage batches), `ingest.uploads` undoes the file being ingested, the pipeline
releases the write lock, and the button's callback leaves a note for the next run. Files finished
before the click stay indexed and are reported.
"""

from __future__ import annotations

import math
import re
from typing import Any

import streamlit as st

from app.state import Status, knowledge_base_or_stop, knowledge_base_status, start_page
from ingest.pipeline import IngestProgress
from ingest.upload_messages import explain_failure
from ingest.uploads import (
    UPLOAD_TYPES,
    Choice,
    Plan,
    Upload,
    UploadError,
    UploadResult,
    add_upload,
    check_metadata,
    free_name,
    ingest_strays,
    plan_uploads,
    stray_uploads,
    uploads_folder,
)
from kb import KnowledgeBase
from kb.vocabulary import DOC_TYPE_LABELS, DOC_TYPES, STAKEHOLDER_LABELS, STAKEHOLDERS

PENDING = "upload_pending"  # a Plan waiting for the user's choice about names already taken
RESULTS = "upload_results"  # what the last batch did, shown once after the page reloads
NOTE = "upload_note"
STOPPED = (
    "Inläsningen avbröts. Filen som lästes in när du klickade på Avbryt sparades inte och kunskapsbasen är som "
    "förut för den; filer som redan var klara finns kvar och visas ovan."
)
ASKED = "upload_asked"  # a counter in the choice widgets' keys: a new batch never inherits an old answer
FORM = "upload_form"  # a counter in the form's widget keys: a new value empties the form
CHOICES: tuple[Choice, ...] = ("keep_both", "replace")  # the safe choice first: it is the default
# An upload waits this long for another upload or `vkb ingest` writing to the index, then is undone
# with "Kunskapsbasen uppdateras just nu" (uploads queue rather than fail).
WAIT_SECONDS = 600.0
_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~|#])")


def plain(text: str) -> str:
    """`text` shown as written, not as Markdown (file names may hold `_` and the like)."""
    return _MARKDOWN.sub(r"\\\1", text)


def mb(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def upload_limit_mb(kb: KnowledgeBase) -> float:
    """The real per-file limit: the setting max_file_mb, and never more than the server accepts."""
    return min(kb.settings.max_file_mb, float(st.get_option("server.maxUploadSize")))


def show_overview(status: Status) -> None:
    one, two, three = st.columns(3)
    one.metric("Dokument", status.documents)
    two.metric("Textavsnitt", status.chunks)
    three.metric("Misslyckade filer", status.failures)
    if status.documents:
        st.dataframe(status.table, hide_index=True, width="stretch")
    else:
        st.warning("Kunskapsbasen är tom. Ladda upp dokument nedan eller kör `vkb ingest MAPP`.")


def show_failures(kb: KnowledgeBase) -> None:
    failures = kb.failures()
    if failures:
        st.subheader("Filer som inte kunde läsas in")
        rows = [{"Fil": f.source_path, "Orsak": explain_failure(f.reason)} for f in failures]
        st.dataframe(rows, hide_index=True, width="stretch")


def show_strays(kb: KnowledgeBase) -> None:
    """Uploaded files that are not in the index: an upload stopped in the middle (or one running now)."""
    strays = stray_uploads(kb)
    if not strays:
        return
    names = ", ".join(f"”{plain(name)}”" for name in strays)
    st.warning(
        f"Uppladdade filer som inte är inlästa: {names}. En uppladdning avbröts innan filen lästes in, eller så "
        "pågår den just nu."
    )
    if st.button("Läs in dem nu", icon=":material/upload:", key="strays_ingest"):
        progress = st.progress(0.0, text="Läser in …")

        def waiting() -> None:
            progress.progress(0.0, text="Väntar på en annan inläsning …")

        st.session_state[RESULTS] = ingest_strays(kb, strays, wait=WAIT_SECONDS, on_wait=waiting)
        st.rerun()


def show_results() -> None:
    """What the last batch did (kept over the reload that updates the counts above)."""
    for result in st.session_state.pop(RESULTS, []):
        if result.ok:
            st.success(plain(result.message), icon=":material/check_circle:")
        else:
            st.error(plain(result.message), icon=":material/error:")
        for warning in result.warnings:
            st.warning(plain(warning))
    if NOTE in st.session_state:
        st.info(st.session_state.pop(NOTE))


def read_form(limit_mb: float) -> tuple[list[Any], dict[str, str]] | None:
    """The chosen files and the metadata when the form was sent, else None."""
    generation = st.session_state.setdefault(FORM, 0)
    with st.form(f"upload-{generation}"):
        files = st.file_uploader(
            f"Filer att läsa in: PDF, DOCX, HTML, Markdown eller text, högst {mb(limit_mb)} MB per fil",
            type=list(UPLOAD_TYPES),
            accept_multiple_files=True,
            max_upload_size=max(1, math.floor(limit_mb)),
            key=f"up_files_{generation}",
            help=(
                "Dra filerna hit eller klicka på **Browse files** och välj dem (flera går bra). "
                f"Högst {mb(limit_mb)} MB per fil. Uppgifterna nedan gäller alla filer du väljer nu. "
                "Klicka sedan på **Läs in**. Finns en fil med samma namn redan får du välja om den nya ska "
                "ersätta den eller sparas bredvid under ett nytt namn; ingenting skrivs över utan att du valt det."
            ),
        )
        title = st.text_input("Titel (lämna tomt för att läsa den ur filen)", key=f"up_title_{generation}")
        organisation = st.text_input("Organisation", key=f"up_org_{generation}")
        left, middle, right = st.columns(3)
        date = left.text_input("Datum (ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD)", key=f"up_date_{generation}")
        doc_type = middle.selectbox(
            "Dokumenttyp", DOC_TYPES, index=DOC_TYPES.index("remissvar"), format_func=DOC_TYPE_LABELS.__getitem__,
            key=f"up_type_{generation}",
        )  # fmt: skip
        stakeholder = right.selectbox(
            "Aktörskategori", STAKEHOLDERS, format_func=STAKEHOLDER_LABELS.__getitem__, key=f"up_actor_{generation}"
        )
        url = st.text_input("Webbadress (valfri, börjar med https:// eller http://)", key=f"up_url_{generation}")
        submitted = st.form_submit_button("Läs in", icon=":material/upload:")
    if not submitted:
        return None
    metadata = {"title": title, "organisation": organisation, "date": date, "doc_type": doc_type,
                "stakeholder": stakeholder, "url": url}  # fmt: skip
    return list(files or []), metadata


def submit(kb: KnowledgeBase, files: list[Any], metadata: dict[str, str], limit_mb: float) -> None:
    """Check the form; ingest the batch at once, or keep it for the user's choice when a name is taken."""
    st.session_state.pop(PENDING, None)
    problems = check_metadata(metadata) + ([] if files else ["Välj minst en fil att läsa in."])
    if problems:
        for problem in problems:
            st.warning(plain(problem), icon=":material/edit:")
        return
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    try:
        plan = plan_uploads(uploads_folder(kb.settings), uploads, metadata, limit_mb)
    except UploadError as exc:
        st.warning(plain(str(exc)), icon=":material/edit:")
        return
    if plan.clashes:
        st.session_state[PENDING] = plan
        st.session_state[ASKED] = st.session_state.get(ASKED, 0) + 1
    else:
        run(kb, plan, {}, limit_mb)


def ask_about_clashes(kb: KnowledgeBase, limit_mb: float) -> None:
    """Per file whose name is taken: replace the existing document, or keep both under a new name."""
    plan: Plan = st.session_state[PENDING]
    folder = uploads_folder(kb.settings)
    choices: dict[int, Choice] = {}
    with st.container(border=True):
        st.markdown("**Det finns redan filer med samma namn.** Välj vad som ska hända med varje fil.")
        for index, item in enumerate(plan.files):
            if not item.clash:
                continue
            new_name = free_name(folder, item.name, taken=[other.name for other in plan.files])
            labels: dict[Choice, str] = {"keep_both": plain(f"Behåll båda: den nya sparas som ”{new_name}”"),
                                         "replace": plain("Ersätt den befintliga filen och dess dokument")}  # fmt: skip
            choices[index] = st.radio(
                plain(f"”{item.name}” finns redan"),
                options=CHOICES,
                format_func=labels.__getitem__,
                key=f"upload_choice_{st.session_state.get(ASKED, 0)}_{index}",
            )
        others = len(plan.files) - len(plan.clashes)
        if others:
            st.caption(
                "Den andra filen läses in samtidigt."
                if others == 1
                else f"De andra {others} filerna läses in samtidigt."
            )
        go, stop = st.columns(2)
        if go.button("Läs in", type="primary", icon=":material/upload:", key="upload_confirm"):
            run(kb, plan, choices, limit_mb)
        if stop.button("Avbryt", key="upload_cancel"):
            st.session_state.pop(PENDING, None)
            st.session_state[NOTE] = "Inget lästes in; filerna som redan fanns är orörda."
            st.rerun()


def run(kb: KnowledgeBase, plan: Plan, choices: dict[int, Choice], limit_mb: float) -> None:
    """Store and ingest every file of the batch, then reload the page so counts and table are current."""
    folder = uploads_folder(kb.settings)
    results: list[UploadResult] = list(plan.refused)
    st.session_state[RESULTS] = results  # what finished is reported even if the batch is stopped
    bar = st.progress(0.0, text="Läser in …")
    st.button(
        "Avbryt",
        key="upload_stop",
        icon=":material/cancel:",
        on_click=_stopped,
        help="Stoppar inläsningen mellan två omgångar textavsnitt. Filen som läses in just då sparas inte.",
    )
    files = len(plan.files)
    for number, item in enumerate(plan.files, start=1):

        def show(progress: IngestProgress, number: int = number, name: str = item.name) -> None:
            done = (number - 1 + progress.fraction) / files  # progress.fraction: within this one-file ingest
            step = f"{progress.embedded} av {progress.chunks} textavsnitt" if progress.chunks else "läser filen"
            bar.progress(min(done, 1.0), text=plain(f"Fil {number} av {files}: ”{name}”, {step}"))

        def waiting(number: int = number) -> None:
            bar.progress((number - 1) / files, text="Väntar på en annan inläsning …")

        choice = choices.get(number - 1)
        results.append(
            add_upload(
                kb, folder, item.upload, plan.metadata, limit_mb, choice, show, wait=WAIT_SECONDS, on_wait=waiting
            )
        )
        bar.progress(number / files, text=f"{number} av {files} filer")
    st.session_state.pop(PENDING, None)
    if plan.files:  # the files were handled: an empty form for the next ones
        st.session_state[FORM] = st.session_state.get(FORM, 0) + 1
    st.rerun()


def _stopped() -> None:
    """Avbryt's callback: runs before the next run, after Streamlit stopped the ingest at a progress update."""
    st.session_state.pop(PENDING, None)
    st.session_state[NOTE] = STOPPED


start_page("Dokument")
kb = knowledge_base_or_stop()
show_overview(knowledge_base_status(kb))
show_failures(kb)
show_strays(kb)
st.subheader("Lägg till dokument")
limit = upload_limit_mb(kb)
show_results()
sent = read_form(limit)
if sent is not None:
    submit(kb, *sent, limit)
if PENDING in st.session_state:
    ask_about_clashes(kb, limit)
