"""The evaluation protocol's threshold choices, on numbers small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.understanding.evaluation import (
    _choose_coverage_threshold,
    _choose_oos_bias,
    _choose_oos_threshold,
    _oos_weight,
)
from claw_adapters.understanding.local_model import IntentModel


def test_coverage_threshold_stops_where_precision_would_drop() -> None:
    confidence = np.array([0.99, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, False, False])
    threshold = _choose_coverage_threshold(correct, confidence, np.ones(5), 0.95)
    assert threshold == 0.8


def test_no_threshold_when_the_most_confident_answer_is_wrong() -> None:
    confidence = np.array([0.99, 0.5])
    correct = np.array([False, True])
    assert _choose_coverage_threshold(correct, confidence, np.ones(2), 0.95) is None


def test_weights_make_an_out_of_scope_mistake_count_more() -> None:
    confidence = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, False, True])
    light = _choose_coverage_threshold(correct, confidence, np.ones(4), 0.7)
    heavy = _choose_coverage_threshold(correct, confidence, np.array([1, 1, 5, 1.0]), 0.7)
    assert light == 0.6
    assert heavy == 0.8


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.booleans()),
        min_size=1,
        max_size=40,
        unique_by=lambda row: row[0],
    )
)
def test_accepted_predictions_meet_the_target(rows: list[tuple[float, bool]]) -> None:
    confidence = np.array([row[0] for row in rows])
    correct = np.array([row[1] for row in rows])
    threshold = _choose_coverage_threshold(correct, confidence, np.ones(len(rows)), 0.95)
    if threshold is None:
        assert not correct[np.argmax(confidence)]
    else:
        assert correct[confidence >= threshold].mean() >= 0.95


def test_oos_threshold_trades_accuracy_for_recall_on_pooled_counts() -> None:
    predicted = np.array(["a", "a", "b", "b"])
    truth = np.array(["a", "a", "b", "a"])
    confidence = np.array([0.9, 0.8, 0.7, 0.3])
    oos_confidence = np.array([0.2, 0.4])
    # Rejecting below 0.7 loses nothing right (the 0.3 answer was wrong) and catches both.
    assert _choose_oos_threshold(predicted, confidence, truth, oos_confidence) == 0.7


def test_without_out_of_scope_examples_nothing_is_rejected() -> None:
    predicted = np.array(["a"])
    assert _choose_oos_threshold(predicted, np.array([0.4]), predicted, np.array([])) == 0.0


def test_oos_weight_matches_the_test_mix() -> None:
    assert _oos_weight(3000, 100, 4500, 1000) == (1000 / 4500) / (100 / 3000)
    assert _oos_weight(3000, 0, 4500, 1000) == 1.0


def test_the_oos_prior_is_the_smallest_that_wins_most_on_val() -> None:
    model = IntentModel.train(
        ["book a table", "table for two", "my bill", "the bill please", "sing a song", "sky"],
        ["a", "a", "b", "b", "oos", "oos"],
    )
    # In-scope texts: right, but unsure between a and b. Out-of-scope ones look like a
    # more than anything, with oos a close second: only a prior of 0.6 on oos (and not
    # a threshold, which would reject the unsure in-scope texts first) gets them all.
    in_scope = np.array([[1.0, 0.99, 0.0]] * 4)
    out_of_scope = np.array([[2.0, 0.0, 1.45]] * 2)
    bias, _ = _choose_oos_bias(model, in_scope, out_of_scope, np.array(["a"] * 4))
    assert bias == pytest.approx(0.6)
    no_oos_val = _choose_oos_bias(model, in_scope, np.zeros((0, 3)), np.array(["a"] * 4))
    assert no_oos_val == (0.0, 0.0)
