"""Search signals, fused in hybrid search. A new signal is one module in this package (a class with
`name`, `candidates`, `complete` and `normalise`: see `kb.signals.base.Signal`) and one line in
`SIGNALS`; its weight is `Weights.weight(name)` and its score appears on `Hit.scores`."""

from kb.signals.base import QueryContext, Scores, Signal, SignalFactory
from kb.signals.dense import DenseSignal
from kb.signals.latent import LatentSignal
from kb.signals.lexical import LexicalSignal

SIGNALS: tuple[SignalFactory, ...] = (
    LexicalSignal,
    DenseSignal,
    LatentSignal,
)

__all__ = [
    "SIGNALS",
    "DenseSignal",
    "LatentSignal",
    "LexicalSignal",
    "QueryContext",
    "Scores",
    "Signal",
    "SignalFactory",
]
