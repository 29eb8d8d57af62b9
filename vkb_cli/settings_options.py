"""The options that name the index, the model and the Chroma server, shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder (env VKB_INDEX).")]
ModelOption = Annotated[str | None, typer.Option("--model", help="Embedding model (env VKB_MODEL).")]
ChromaOption = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (env VKB_CHROMA_URL).")]
