"""Swedish-aware text analysis for lexical search: words, stop words, stems, compound parts, thesaurus.

Swedish joins words into compounds that documents and queries split differently
("sjuksköterskebrist" / "brist på sjuksköterskor"). Each word is stemmed (Snowball, Swedish); a
rare long word is also split into its known parts by word frequency (wordfreq's Swedish list),
allowing the linking -s- ("landsbygds|primärvården"), and the parts' stems are indexed beside the
whole word's stem. Queries are further expanded with the domain thesaurus (`kb/data/thesaurus.yaml`).
"""

from __future__ import annotations

import math
import os
import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TypeVar, cast

import Stemmer
import yaml

WORD_CHARACTERS = "0-9A-Za-zÀ-ÖØ-öø-ÿ"  # a regular-expression character range: what a word is made of
_WORD = re.compile(f"[{WORD_CHARACTERS}]+")
MIN_COMPOUND = 8  # shorter words are not split
SPLIT_BELOW_ZIPF = 3.5  # words at least this frequent are common words, kept whole
PART_ZIPF = 2.5  # a part must be at least this frequent (zipf scale: 3 = once per million words)
SHORT_PART_ZIPF = 4.0  # ... and a three-letter part this frequent
PART_WEIGHT = 0.7  # query weight of a compound part relative to a whole word
SYNONYM_WEIGHT = 0.5  # query weight of a thesaurus synonym
T = TypeVar("T")


@dataclass(frozen=True)
class Token:
    """A word of the text: its span, and the index terms it yields."""

    start: int
    end: int
    terms: tuple[str, ...]


def _data(name: str) -> str:
    return resources.files("kb").joinpath("data", name).read_text(encoding="utf-8")


@cache
def _stopwords() -> frozenset[str]:
    words = set()
    for name in ("stopwords_sv.txt", "stopwords_en.txt"):
        words |= {w.strip() for w in _data(name).splitlines() if w.strip() and not w.startswith("#")}
    return frozenset(words)


@cache
def _frequencies() -> dict[str, float]:
    """Swedish word -> zipf frequency, for words frequent enough to be compound parts.

    Read from a small cache file when there is one: building it from wordfreq costs ~0.35 s, which
    every `vkb search` process paid before its first result."""

    def build() -> dict[str, float]:
        from wordfreq import get_frequency_dict

        zipf = {}
        for word, frequency in get_frequency_dict("sv").items():
            value = math.log10(frequency) + 9 if frequency > 0 else 0.0
            if value >= PART_ZIPF and word.isalpha():
                zipf[word] = value
        return zipf

    return _cached(f"zipf-sv-{PART_ZIPF}", build)


@cache
def _known_stems() -> frozenset[str]:
    """Stems of common words (zipf >= 3, 4+ letters): compound parts worth splitting off.
    Cached like the frequencies: stemming them cost another ~0.25 s per process."""

    def build() -> frozenset[str]:
        stemmer = Stemmer.Stemmer("swedish")
        return frozenset(stemmer.stemWord(w) for w, z in _frequencies().items() if z >= 3.0 and len(w) >= 4)

    return _cached("known-stems-sv", build)


def _cached(name: str, build: Callable[[], T]) -> T:
    """`build()`'s value, kept in a pickle in the user's cache folder, keyed by the versions that decide it."""
    from importlib.metadata import version

    from platformdirs import user_cache_dir

    key = f"{version('wordfreq')}-{version('PyStemmer')}"
    cached = Path(user_cache_dir("vkb", appauthor=False)) / f"{name}-{key}.pickle"
    try:
        with cached.open("rb") as handle:
            return cast(T, pickle.load(handle))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    value = build()
    try:  # a read-only home only costs the rebuild
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cached)
    except OSError:
        pass
    return value


class Analyzer:
    """Turns text into index terms and queries into weighted terms."""

    def __init__(self, *, decompound: bool = True) -> None:
        self._stemmer = Stemmer.Stemmer("swedish")
        self._decompound = decompound
        self._stop = _stopwords()
        self._zipf = _frequencies() if decompound else {}
        self._known_stems = _known_stems() if decompound else frozenset()
        self._thesaurus = Thesaurus.load(self)

    @lru_cache(maxsize=200_000)  # noqa: B019 - one analyzer per process; the cache is the point
    def _stem(self, word: str) -> str:
        stem: str = self._stemmer.stemWord(word)  # PyStemmer ships no types
        return stem

    def tokens(self, text: str) -> list[Token]:
        """Every non-stop word of the text with its span and terms (whole-word stem first)."""
        return [Token(start, end, self.word_terms(word)) for start, end, word in self.words(text)]

    def is_stop_word(self, word: str) -> bool:
        return word in self._stop

    def words(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, lower-cased word) of every non-stop word of the text."""
        for match in _WORD.finditer(text):
            word = match.group().lower()
            if word not in self._stop:
                yield match.start(), match.end(), word

    def terms(self, text: str) -> list[str]:
        """Index terms of a text: every word's stem and its compound parts' stems."""
        return [term for token in self.tokens(text) for term in token.terms]

    @lru_cache(maxsize=500_000)  # noqa: B019
    def word_terms(self, word: str) -> tuple[str, ...]:
        stem = self._stem(word)
        parts = self.split_compound(word)
        return (stem, *[p for p in parts if p != stem])

    @lru_cache(maxsize=500_000)  # noqa: B019
    def split_compound(self, word: str) -> tuple[str, ...]:
        """Stems of the known parts of a rare compound word, or () if it is not one."""
        if not self._decompound or len(word) < MIN_COMPOUND or not word.isalpha():
            return ()
        if self._zipf.get(word, 0.0) >= SPLIT_BELOW_ZIPF:
            return ()
        n = len(word)
        # best[i]: (number of parts, -sum of part frequencies, parts) for the prefix word[:i]
        best: list[tuple[int, float, tuple[str, ...]] | None] = [None] * (n + 1)
        best[0] = (0, 0.0, ())
        for i in range(n):
            if best[i] is None:
                continue
            count, score, parts = best[i]  # type: ignore[misc]
            for j in range(i + 3, n + 1):
                if i == 0 and j == n:
                    continue  # the whole word is not a split
                part = self._part(word[i:j], last=j == n)
                if part is None:
                    continue
                stem, zipf = part
                candidate = (count + 1, score - zipf, (*parts, stem))
                if best[j] is None or candidate[:2] < best[j][:2]:  # type: ignore[index]
                    best[j] = candidate
        result = best[n]
        return result[2] if result is not None and result[0] >= 2 else ()

    def _part(self, piece: str, *, last: bool) -> tuple[str, float] | None:
        """(stem, frequency) if `piece` can be a compound part."""
        candidates = [piece]
        if not last and piece.endswith("s") and len(piece) > 3:
            candidates.append(piece[:-1])  # linking -s-: arbets|miljö, landsbygds|region
        for candidate in candidates:
            zipf = self._zipf.get(candidate)
            if zipf is not None and (len(candidate) > 3 or zipf >= SHORT_PART_ZIPF):
                return self._stem(candidate), zipf
        stem = self._stem(piece)
        if len(piece) >= 5 and stem in self._known_stems:  # an inflected or linking form: sjuksköterske|
            return stem, PART_ZIPF
        return None

    def query_terms(self, query: str) -> dict[str, float]:
        """Weighted terms of a query: words 1.0, compound parts and thesaurus synonyms less."""
        weights: dict[str, float] = {}

        def add(term: str, weight: float) -> None:
            weights[term] = max(weights.get(term, 0.0), weight)

        tokens = self.tokens(query)
        for token in tokens:
            add(token.terms[0], 1.0)
            for part in token.terms[1:]:
                add(part, PART_WEIGHT)
        for terms, weight in self._thesaurus.expand(query):
            for term in terms:
                add(term, weight)
        return weights


@dataclass(frozen=True)
class _Entry:
    key: tuple[str, ...]  # stems (Swedish) or lower-cased words (English) to look for in the query
    expansions: tuple[tuple[str, ...], ...]
    weight: float
    english: bool


class Thesaurus:
    """Synonym groups and an English glossary, matched as phrases in the query."""

    def __init__(self, entries: list[_Entry], analyzer: Analyzer) -> None:
        self._entries = entries
        self._analyzer = analyzer

    @classmethod
    def load(cls, analyzer: Analyzer) -> Thesaurus:
        data = yaml.safe_load(_data("thesaurus.yaml")) or {}

        def stems(phrase: str) -> tuple[str, ...]:
            return tuple(t.terms[0] for t in analyzer.tokens(phrase))

        entries: list[_Entry] = []
        for group in data.get("synonyms", []):
            forms = [stems(term) for term in group]
            for i, form in enumerate(forms):
                others = tuple(f for k, f in enumerate(forms) if k != i and f)
                if form:
                    entries.append(_Entry(form, others, SYNONYM_WEIGHT, english=False))
        generated = yaml.safe_load(_data("glossary_vocabularies.yaml")) or {}
        glossary: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for english, swedish in [*(data.get("english") or {}).items(), *(generated.get("english") or {}).items()]:
            key = english_stems(english)
            for term in swedish:
                if stems(term) not in glossary.setdefault(key, []):
                    glossary[key].append(stems(term))
        entries.extend(_Entry(key, tuple(found), 1.0, english=True) for key, found in glossary.items() if key)
        return cls(entries, analyzer)

    def expand(self, query: str) -> list[tuple[tuple[str, ...], float]]:
        """(terms, weight) for every thesaurus entry whose key occurs in the query."""
        words = english_stems(query)
        stems = [t.terms[0] for t in self._analyzer.tokens(query)]
        found: list[tuple[tuple[str, ...], float]] = []
        for entry in self._entries:
            if _contains(list(words) if entry.english else stems, entry.key):
                found.extend((terms, entry.weight) for terms in entry.expansions)
        return found


_ENGLISH = Stemmer.Stemmer("english")


def english_stems(text: str) -> tuple[str, ...]:
    """English words of a text by Snowball stem ("nurses" and "nurse" alike), for the glossary's keys."""
    return tuple(_ENGLISH.stemWords([m.group().lower() for m in _WORD.finditer(text)]))


def _contains(sequence: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(sequence[i : i + n]) == phrase for i in range(len(sequence) - n + 1))
