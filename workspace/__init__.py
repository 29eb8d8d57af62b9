"""The user's workspace: the working draft of quotes and interventions collected for the plan.

Above the catalogue and ingest (a draft item can be an intervention or a knowledge-base passage),
below the app and the CLI, which show and export it.
"""

from workspace.draft import (
    OCR_MARK,
    Draft,
    DraftItem,
    DraftStore,
    Merged,
    intervention_item,
    quote_item,
    to_docx,
    to_markdown,
    with_current_references,
)

__all__ = [
    "OCR_MARK",
    "Draft",
    "DraftItem",
    "DraftStore",
    "Merged",
    "intervention_item",
    "quote_item",
    "to_docx",
    "to_markdown",
    "with_current_references",
]
