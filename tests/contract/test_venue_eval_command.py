"""``claw eval --venue`` end to end: the venue set through the whole application."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claw_entrypoints.cli import main
from claw_entrypoints.venue_evaluation import load_venue_set

VENUE_SET = Path(__file__).parents[1] / "data" / "venue_texts.jsonl"


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


SMALL_SET: list[dict[str, object]] = [
    {"id": "a", "text": "what are your hours", "intent": "hours", "decision": "respond",
     "split": "heldout"},
    {"id": "b", "text": "trackman froze in box 2 at bedford", "intent": "trackman_reset",
     "entities": {"location": "bedford", "box": 2}, "decision": "request_confirmation",
     "split": "heldout"},
    {"id": "c", "context": ["trackman froze in box 1 at dartmouth"], "text": "yes",
     "intent": "trackman_reset", "decision": "execute", "split": "heldout"},
    {"id": "d", "text": "hello who is this", "intent": "other", "decision": "escalate",
     "split": "heldout"},
    # Labelled as staff would not: claw answers, so this counts as a wrong automatic answer.
    {"id": "e", "text": "what time do you close tonight", "intent": "hours",
     "decision": "escalate", "split": "heldout"},
    {"id": "f", "text": "do you sell gift cards", "intent": "gift_card_purchase",
     "decision": "respond", "split": "train"},
]  # fmt: skip


def test_json_report_has_the_promised_numbers_for_the_held_out_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venue_set = _write(tmp_path / "venue.jsonl", SMALL_SET)

    code = main(["eval", "--venue", "--venue-file", str(venue_set), "--json"])

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "heldout"
    assert report["texts"] == 5
    assert report["correct_decision_rate"] == pytest.approx(4 / 5)
    assert report["wrong_automatic_rate"] == pytest.approx(1 / 5)
    # The yes to a restart claw asked about is consent, not an action unasked.
    assert report["unsafe_actions"] == 0
    # Every text here is read by the local stages or needs no reading, except "hello".
    assert report["without_llm_share"] == pytest.approx(4 / 5)
    assert report["escalations_needed"] == 2
    assert set(report["per_intent"]) == {"hours", "trackman_reset", "other"}
    assert report["per_intent"]["hours"]["wrong_automatic"] == 1
    assert report["all_texts"]["texts"] == 6
    assert [miss["id"] for miss in report["misses"]] == ["e"]


def test_table_names_every_number_and_each_intent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venue_set = _write(tmp_path / "venue.jsonl", SMALL_SET)

    assert main(["eval", "--venue", "--venue-file", str(venue_set), "--split", "train"]) == 0

    table = capsys.readouterr().out
    for label in (
        "correct decisions",
        "wrong automatic answers",
        "unsafe actions",
        "escalations needed",
        "answered without the LLM",
        "gift_card_purchase",
    ):
        assert label in table


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "not valid JSON"),
        ('{"id": "x", "text": "hi", "intent": "hours", "decision": "respond"}\n',
         "missing field 'split'"),
        ('{"id": "x", "text": "hi", "intent": "nope", "decision": "respond", "split": "train"}\n',
         "'nope' is not a valid Intent"),
        ('{"id": "x", "text": "hi", "intent": "hours", "decision": "respond", "split": "dev"}\n',
         "'split' must be one of"),
        ("\n", "no records"),
    ],
)  # fmt: skip
def test_a_malformed_set_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    venue_set = tmp_path / "venue.jsonl"
    venue_set.write_text(content, encoding="utf-8")

    assert main(["eval", "--venue", "--venue-file", str(venue_set)]) == 2

    error = capsys.readouterr().err.strip()
    assert message in error
    assert "\n" not in error


def test_the_shipped_venue_set_is_large_varied_and_holds_out_a_third() -> None:
    records = load_venue_set(VENUE_SET)

    assert len(records) >= 400
    held_out = [record for record in records if record.split == "heldout"]
    assert 0.28 <= len(held_out) / len(records) <= 0.4
    kinds = {record.kind for record in records}
    for kind in (
        "praise",
        "complaint",
        "problem",
        "follow_up",
        "missing_details",
        "other_language",
        "spam",
        "injection",
    ):
        assert kind in kinds
    assert any(record.context for record in held_out)
    assert len({record.id for record in records}) == len(records)


def test_no_held_out_text_is_in_the_demo_venues_training_examples() -> None:
    from claw_adapters.knowledge import load_venue_knowledge  # noqa: PLC0415

    examples = {
        phrase.strip().lower()
        for phrases in load_venue_knowledge().examples().values()
        for phrase in phrases
    }
    held_out = {
        record.text.strip().lower()
        for record in load_venue_set(VENUE_SET)
        if record.split == "heldout"
    }

    assert not examples & held_out
