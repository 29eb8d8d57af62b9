"""Files uploaded in the app: a safe name in the uploads folder, with the metadata the user gave as a sidecar."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from ingest.readers import READERS

_UNSAFE = re.compile(r"[^\w.\- ]+")


class UploadError(ValueError):
    """An upload that cannot be stored as given."""


def safe_name(filename: str) -> str:
    """The file name without folders, `..`, control or unusual characters; the suffix must be supported."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if not name or name.startswith("."):
        raise UploadError(f"not a usable file name: {filename!r}")
    if Path(name).suffix.lower() not in READERS:
        allowed = ", ".join(sorted(READERS))
        raise UploadError(f"{name}: unsupported file type; vkb reads {allowed}")
    return name[:150]


def save_upload(folder: Path, filename: str, data: bytes, metadata: dict[str, Any], max_mb: float) -> Path:
    """Write the file and its `.meta.yaml` sidecar into `folder`; returns the file's path."""
    if len(data) > max_mb * 1_000_000:
        raise UploadError(f"{filename}: larger than the {max_mb:g} MB limit (setting max_file_mb)")
    if not data:
        raise UploadError(f"{filename}: the file is empty")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_name(filename)
    path.write_bytes(data)
    clean = {k: v for k, v in metadata.items() if v not in (None, "")}
    if clean:
        sidecar = path.with_name(path.name + ".meta.yaml")
        sidecar.write_text(yaml.safe_dump(clean, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
