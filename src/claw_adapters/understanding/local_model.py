"""The local statistical stage: TF-IDF word and character n-grams into a linear SVM.

Optionally (the ``embeddings`` extra) a sentence embedding is appended to the
TF-IDF features: it knows that "voucher" and "gift card" mean the same, which no
n-gram can learn from a few examples. TF-IDF alone stays the default.

Chosen over sentence embeddings because it trains in seconds from a few example
phrases per intent, needs no model download, and answers a message in about a
millisecond on one core (``claw eval`` measures it). Character n-grams carry
typos and word forms ("resett", "restarting"); word n-grams carry phrasing.

An SVM's scores are not probabilities, so the model learns one temperature for
a softmax over them from out-of-fold scores on its own training data. The
resulting confidence is what the rejection threshold (out of scope, defer to
the next stage) and the policy's per-intent thresholds compare against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from claw_adapters.understanding.embeddings import SentenceEmbedder, block_widths
from claw_adapters.understanding.patterns import EntityExtractor
from claw_domain.sentiment import detect_sentiment
from claw_domain.values import Classification, ClassificationSource, Intent

FloatArray = npt.NDArray[np.float64]

_WORD = re.compile(r"[a-z0-9]+")
# A crude suffix stripper: enough to let "restarting", "restarted" and "restarts"
# share a feature, without a stemming dependency. Short words are left alone so
# "bus" and "yes" survive.
_SUFFIX = re.compile(r"(?:ingly|edly|ing|ies|ied|ed|es|ly|s)$")
_MIN_STEM_LENGTH = 5
# Candidate temperatures for calibration, log-spaced around the SVM's usual score scale.
_TEMPERATURES = tuple(10 ** (exponent / 20) for exponent in range(-50, 21))


def _stem(word: str) -> str:
    return _SUFFIX.sub("", word) if len(word) >= _MIN_STEM_LENGTH else word


def stemmed_words(text: str) -> str:
    """The text as lower-case, apostrophe-free, suffix-stripped words joined by spaces."""
    folded = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(_stem(word) for word in _WORD.findall(folded))


@attrs.frozen
class ModelSettings:
    """How the local model is built and when it trusts itself."""

    c: float = attrs.field(default=1.0, validator=attrs.validators.gt(0.0))
    word_ngrams: tuple[int, int] = (1, 3)
    char_ngrams: tuple[int, int] = (1, 5)
    calibration_folds: int = attrs.field(default=3, validator=attrs.validators.ge(2))
    # How much the sentence embeddings weigh against the TF-IDF block (whose rows
    # have norm sqrt(2): one unit vector each for words and characters), shared
    # equally by the embedders' blocks: one embedder gets 2, two get 1 each. On
    # CLINC150's validation split these beat the alternatives (docs/understanding.md).
    embedding_weight: float = attrs.field(default=2.0, validator=attrs.validators.gt(0.0))
    # With embeddings, each label's score also gets this times the cosine similarity
    # of the text to that label's nearest training example: a nearest-neighbour vote
    # that catches paraphrases the linear model's one hyperplane per label misses.
    neighbour_weight: float = attrs.field(default=1.0, validator=attrs.validators.ge(0.0))
    # Added to a label's score before the softmax: a prior. Evaluation chooses one
    # for the out-of-scope label on val (few oos examples make the SVM shy of it).
    label_bias: tuple[tuple[str, float], ...] = ()
    # Below this calibrated confidence the model defers (or, in evaluation, says out of scope).
    accept_threshold: float = attrs.field(
        default=0.5, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)]
    )


@attrs.frozen
class Prediction:
    label: str
    confidence: float


def _softmax(scores: FloatArray, temperature: float) -> FloatArray:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def _fit_temperature(scores: FloatArray, truth: npt.NDArray[np.intp]) -> float:
    """The temperature minimising the negative log-likelihood of the true labels."""
    best, best_loss = 1.0, math.inf
    rows = np.arange(len(truth))
    for temperature in _TEMPERATURES:
        probabilities = _softmax(scores, temperature)
        loss = float(-np.log(np.clip(probabilities[rows, truth], 1e-12, None)).mean())
        if loss < best_loss:
            best, best_loss = temperature, loss
    return best


# Sparse matrices from scikit-learn; scipy ships no type information.
SparseMatrix = Any


def _features(settings: ModelSettings, example_count: int) -> FeatureUnion:
    """Word and character TF-IDF, side by side in one sparse matrix."""
    words = TfidfVectorizer(
        preprocessor=stemmed_words,
        token_pattern=r"\S+",  # noqa: S106 - a regex for tokens, not a password
        ngram_range=settings.word_ngrams,
        sublinear_tf=True,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=settings.char_ngrams,
        sublinear_tf=True,
        # A character n-gram seen once is mostly one example's typo; but with a
        # handful of examples that rule could leave no features at all.
        min_df=2 if example_count >= 20 else 1,
    )
    return FeatureUnion([("words", words), ("chars", chars)])


@attrs.define
class _Design:
    """Turns texts into the SVM's input: TF-IDF, then the embedding when there is one.

    The embedding is centred on the training examples' mean before it is scaled:
    sentence vectors share a large common direction (any two texts have a cosine
    of about 0.8), which carries no information about the intent and would
    otherwise swamp the differences a linear model needs.
    """

    tfidf: FeatureUnion
    embedder: SentenceEmbedder | None
    weight: float
    centre: FloatArray | None = None
    blocks: tuple[int, ...] = ()

    @classmethod
    def fit(
        cls,
        settings: ModelSettings,
        texts: Sequence[str],
        embedder: SentenceEmbedder | None,
        vectors: FloatArray | None,
    ) -> tuple[_Design, SparseMatrix]:
        design = cls(_features(settings, len(texts)), embedder, settings.embedding_weight)
        matrix = design.tfidf.fit_transform(texts)
        if vectors is None:
            return design, matrix
        design.centre = vectors.mean(axis=0)
        design.blocks = block_widths(embedder, vectors.shape[1]) if embedder else ()
        return design, sparse.hstack([matrix, design.dense(vectors)], format="csr")

    def dense(self, vectors: FloatArray) -> FloatArray:
        """Each embedder's block centred, unit length, times its share of the weight."""
        centre = np.zeros(vectors.shape[1]) if self.centre is None else self.centre
        centred = vectors - centre
        blocks = self.blocks or (vectors.shape[1],)
        share = self.weight / len(blocks)
        start = 0
        for width in blocks:
            block = centred[:, start : start + width]
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            centred[:, start : start + width] = share * block / np.maximum(norms, 1e-12)
            start += width
        return centred

    def transform(
        self, texts: Sequence[str], vectors: FloatArray | None = None
    ) -> tuple[SparseMatrix, FloatArray | None]:
        """The SVM's input, and the scaled embedding block (None without an embedder)."""
        matrix = self.tfidf.transform(texts)
        if self.embedder is None:
            return matrix, None
        if vectors is None:
            vectors = self.embedder.embed(texts)
        dense = self.dense(vectors)
        return sparse.hstack([matrix, sparse.csr_matrix(dense)], format="csr"), dense


@attrs.frozen
class _Neighbours:
    """The training examples' embeddings, grouped by label, for a nearest-neighbour vote."""

    unit_vectors: npt.NDArray[np.float32]
    group_starts: npt.NDArray[np.intp]
    group_labels: npt.NDArray[np.intp]
    label_count: int

    @classmethod
    def of(cls, dense: FloatArray, truth: npt.NDArray[np.intp], label_count: int) -> _Neighbours:
        order = np.argsort(truth, kind="stable")
        sorted_truth = truth[order]
        starts = np.flatnonzero(np.r_[True, sorted_truth[1:] != sorted_truth[:-1]])
        return cls(
            _unit(dense[order]).astype(np.float32), starts, sorted_truth[starts], label_count
        )

    def similarities(self, dense: FloatArray) -> FloatArray:
        """Per text and label, the cosine to that label's nearest example (-1 if none)."""
        result = np.full((len(dense), self.label_count), -1.0)
        queries = _unit(dense).astype(np.float32)
        # A thousand texts at a time keeps the similarity matrix to about 60 MB.
        for start in range(0, len(queries), 1000):
            cosines = queries[start : start + 1000] @ self.unit_vectors.T
            nearest = np.maximum.reduceat(cosines, self.group_starts, axis=1)
            result[start : start + 1000, self.group_labels] = nearest
        return result


def _unit(rows: FloatArray) -> FloatArray:
    result: FloatArray = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return result


def _train_svm(features: SparseMatrix, labels: npt.NDArray[np.intp], c: float) -> LinearSVC:
    # dual="auto" lets scikit-learn pick the faster solver for the shape; the fixed
    # random_state keeps training reproducible, which replay and evaluation rely on.
    model = LinearSVC(C=c, dual="auto", random_state=0)
    model.fit(features, labels)
    return model


@attrs.frozen
class _Scorer:
    """Features, SVM and (with embeddings) the nearest-neighbour vote, fitted together."""

    design: _Design
    svm: LinearSVC
    neighbours: _Neighbours | None
    neighbour_weight: float

    @classmethod
    def fit(
        cls,
        settings: ModelSettings,
        texts: Sequence[str],
        truth: npt.NDArray[np.intp],
        label_count: int,
        embedder: SentenceEmbedder | None,
        vectors: FloatArray | None,
    ) -> _Scorer:
        design, matrix = _Design.fit(settings, texts, embedder, vectors)
        svm = _train_svm(matrix, truth, settings.c)
        neighbours = (
            None
            if vectors is None or settings.neighbour_weight == 0.0
            else _Neighbours.of(design.dense(vectors), truth, label_count)
        )
        return cls(design, svm, neighbours, settings.neighbour_weight)

    def scores(
        self, texts: Sequence[str], label_count: int, vectors: FloatArray | None = None
    ) -> FloatArray:
        """One row per text, one column per label; a label never trained on gets the floor."""
        features, dense = self.design.transform(texts, vectors)
        svm_scores = _decision_scores(self.svm, features)
        result = np.full(
            (len(texts), label_count), svm_scores.min() - 1.0 if svm_scores.size else 0.0
        )
        result[:, self.svm.classes_] = svm_scores
        if self.neighbours is not None and dense is not None:
            result += self.neighbour_weight * self.neighbours.similarities(dense)
        return result


@attrs.define
class IntentModel:
    """A trained text classifier over string labels, with calibrated confidence."""

    labels: tuple[str, ...]
    settings: ModelSettings
    temperature: float
    _scorer: _Scorer

    @property
    def embedder_name(self) -> str | None:
        """The sentence embedding model in use, or None for TF-IDF alone."""
        embedder = self._scorer.design.embedder
        return None if embedder is None else embedder.name

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        settings: ModelSettings | None = None,
        *,
        embedder: SentenceEmbedder | None = None,
    ) -> IntentModel:
        """Fit features and SVM on all examples, and the temperature on out-of-fold scores.

        With an ``embedder`` each text is embedded once, here, and the vectors are
        shared by the calibration folds and the final fit.

        Raises ``ValueError`` when there are fewer than two labels or the lengths differ.
        """
        settings = settings or ModelSettings()
        if len(texts) != len(labels):
            msg = f"got {len(texts)} texts but {len(labels)} labels; give one label per text"
            raise ValueError(msg)
        names = tuple(sorted(set(labels)))
        if len(names) < 2:
            msg = f"need examples for at least two labels to train, got {list(names)}"
            raise ValueError(msg)
        index = {name: position for position, name in enumerate(names)}
        truth = np.array([index[label] for label in labels], dtype=np.intp)
        vectors = None if embedder is None else embedder.embed(texts)
        temperature = cls._calibrate(texts, truth, len(names), settings, embedder, vectors)
        scorer = _Scorer.fit(settings, texts, truth, len(names), embedder, vectors)
        return cls(names, settings, temperature, scorer)

    @staticmethod
    def _calibrate(
        texts: Sequence[str],
        truth: npt.NDArray[np.intp],
        label_count: int,
        settings: ModelSettings,
        embedder: SentenceEmbedder | None,
        vectors: FloatArray | None,
    ) -> float:
        smallest_class = int(np.bincount(truth).min())
        folds = min(settings.calibration_folds, smallest_class)
        if folds < 2:
            # One example of some label: no honest held-out score exists, so keep
            # the SVM's own scale (temperature 1), which tends to under-claim.
            return 1.0
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        scores = np.zeros((len(texts), label_count))
        for train_rows, held_rows in splitter.split(np.zeros(len(truth)), truth):
            scorer = _Scorer.fit(
                settings,
                [texts[row] for row in train_rows],
                truth[train_rows],
                label_count,
                embedder,
                None if vectors is None else vectors[train_rows],
            )
            scores[held_rows] = scorer.scores(
                [texts[row] for row in held_rows],
                label_count,
                None if vectors is None else vectors[held_rows],
            )
        return _fit_temperature(scores, truth)

    def scores(self, texts: Sequence[str]) -> FloatArray:
        """Uncalibrated scores (SVM plus neighbour vote), columns in ``labels`` order."""
        return self._scorer.scores(texts, len(self.labels))

    def probabilities_from_scores(
        self, scores: FloatArray, label_bias: Mapping[str, float] | None = None
    ) -> FloatArray:
        """The softmax of ``scores`` plus each label's bias (the settings' by default)."""
        bias = dict(self.settings.label_bias) if label_bias is None else label_bias
        shift = np.array([bias.get(label, 0.0) for label in self.labels])
        return _softmax(scores + shift, self.temperature)

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Calibrated probabilities, one row per text, columns in ``labels`` order."""
        return self.probabilities_from_scores(self.scores(texts))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return predictions_from(self.labels, self.probabilities(texts))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]


def predictions_from(labels: Sequence[str], probabilities: FloatArray) -> list[Prediction]:
    """The most probable label of each row, with its probability as the confidence."""
    best = probabilities.argmax(axis=1)
    return [
        Prediction(labels[column], float(probabilities[row, column]))
        for row, column in enumerate(best)
    ]


def _decision_scores(svm: LinearSVC, features: SparseMatrix) -> FloatArray:
    scores: Any = svm.decision_function(features)
    array = np.asarray(scores, dtype=np.float64)
    # With exactly two classes scikit-learn returns one column: the second class's margin.
    if array.ndim == 1:
        array = np.column_stack([-array, array])
    return array


@attrs.define
class LocalModelClassifier:
    """The ``TextClassifier`` for the local model, trained from the venue's examples.

    A confident OTHER is still a deferral: OTHER means "none of the answers we
    have", and the next stage may know better.
    """

    model: IntentModel
    entities: EntityExtractor = attrs.Factory(EntityExtractor)

    @classmethod
    def train(
        cls,
        examples: Mapping[Intent, Sequence[str]],
        *,
        settings: ModelSettings | None = None,
        entities: EntityExtractor | None = None,
        embedder: SentenceEmbedder | None = None,
    ) -> LocalModelClassifier:
        texts: list[str] = []
        labels: list[str] = []
        for intent, phrases in examples.items():
            texts.extend(phrases)
            labels.extend([intent.value] * len(phrases))
        model = IntentModel.train(texts, labels, settings, embedder=embedder)
        return cls(model, entities or EntityExtractor())

    @property
    def accept_threshold(self) -> float:
        return self.model.settings.accept_threshold

    def classify(self, text: str) -> Classification | None:
        prediction = self.model.predict(text)
        intent = Intent(prediction.label)
        if intent is Intent.OTHER or prediction.confidence < self.accept_threshold:
            return None
        return Classification(
            intent=intent,
            confidence=min(1.0, prediction.confidence),
            source=ClassificationSource.LOCAL_MODEL,
            entities=self.entities.extract(text),
            sentiment=detect_sentiment(text),
        )
