"""The venue's knowledge as recorded history: its invariants, drafts, versions, and the
live venue that takes a published change up for the next text."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from claw_adapters.knowledge.document import (
    demo_document,
    document_of_yaml,
    venue_of_document,
    yaml_of,
)
from claw_adapters.knowledge.errors import KnowledgeFileError
from claw_domain.errors import InvariantError
from claw_domain.knowledge import Knowledge, KnowledgeInvariantError, invariant_problems
from claw_domain.values import Entities, Intent
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.knowledge import KnowledgeBook, LiveVenue
from claw_service.learning import learn_answers

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _demo() -> dict[str, Any]:
    return demo_document()


def _started() -> Knowledge:
    knowledge = Knowledge(at=AT)
    knowledge.publish(_demo(), "owner", AT, source="import")
    return knowledge


# --- the aggregate's invariants -------------------------------------------------------


def test_a_door_without_a_location_is_refused() -> None:
    knowledge = _started()
    door = {"id": "door-9", "name": "Back door"}
    with pytest.raises(KnowledgeInvariantError, match="no location 'halifax'"):
        knowledge.edit_draft(("locations", "halifax", "door"), door, "admin", AT)
    assert knowledge.draft is None


def test_a_member_at_a_location_without_a_door_is_refused() -> None:
    knowledge = _started()
    with pytest.raises(KnowledgeInvariantError, match="has no door"):
        knowledge.edit_draft(("locations", "bedford", "door"), None, "admin", AT)
    member = {"phone": "+19025550199", "kind": "member", "locations": ["nowhere"]}
    with pytest.raises(KnowledgeInvariantError, match="not a location"):
        knowledge.edit_draft(("customers", 3), member, "admin", AT)
    assert knowledge.draft is None


def test_one_device_id_behind_two_boxes_is_refused() -> None:
    knowledge = _started()
    first = knowledge.published["locations"]["bedford"]["boxes"][0]["device_id"]
    with pytest.raises(KnowledgeInvariantError, match=f"device '{first}' is already bedford"):
        knowledge.edit_draft(
            ("locations", "dartmouth", "boxes", 0, "device_id"), first, "admin", AT
        )


def test_publishing_a_whole_document_checks_the_same_invariants() -> None:
    document = _demo()
    document["locations"]["dartmouth"]["boxes"][0]["device_id"] = document["locations"]["bedford"][
        "boxes"
    ][0]["device_id"]
    assert [str(p) for p in invariant_problems(document)] == [
        "locations.dartmouth.boxes[0].device_id: device "
        f"'{document['locations']['bedford']['boxes'][0]['device_id']}' is already bedford box 1"
    ]
    with pytest.raises(KnowledgeInvariantError):
        Knowledge(at=AT).publish(document, "owner", AT, source="import")


def test_every_change_names_who_made_it() -> None:
    with pytest.raises(InvariantError, match="author"):
        _started().edit_draft(("answers", "hours"), "Open 24/7", " ", AT)


# --- drafts and versions ----------------------------------------------------------------


def test_a_draft_is_edited_then_published_as_the_next_version_with_its_history() -> None:
    knowledge = _started()
    knowledge.edit_draft(("answers", "hours"), "Open 24/7.", "ana", AT, note="new hours")
    assert knowledge.published_version == 1
    assert knowledge.draft is not None
    assert knowledge.draft["answers"]["hours"] == "Open 24/7."
    assert knowledge.published["answers"]["hours"] != "Open 24/7."
    version = knowledge.publish_draft("ana", AT, note="summer")
    assert version == 2
    assert knowledge.published["answers"]["hours"] == "Open 24/7."
    assert knowledge.draft is None
    assert [(h.version, h.by, h.parts) for h in knowledge.history] == [
        (1, "owner", tuple(knowledge.history[0].parts)),
        (2, "ana", ("answers.hours",)),
    ]


def test_a_discarded_draft_leaves_the_published_knowledge() -> None:
    knowledge = _started()
    before = copy.deepcopy(knowledge.published)
    knowledge.edit_draft(("answers", "hours"), "Closed.", "ana", AT)
    knowledge.discard_draft("ana", AT)
    assert knowledge.draft is None
    assert knowledge.published == before
    with pytest.raises(InvariantError, match="no draft"):
        knowledge.publish_draft("ana", AT)


# --- the use cases, on the application's store ---------------------------------------------


def _book() -> tuple[KnowledgeBook[Any], Any]:
    app = construct_application(MEMORY_DATABASE_URL, venue_of_document(_demo()))
    book = KnowledgeBook(app, venue_of_document)
    book.start(_demo(), "claw-bootstrap", AT)
    return book, app


def test_an_edit_that_breaks_the_file_rules_gives_the_loaders_located_error() -> None:
    book, _ = _book()
    with pytest.raises(KnowledgeFileError) as raised:
        book.edit(("customers", 0, "phone"), "902 555 0101", "ana", AT)
    assert "customers[0].phone" in str(raised.value)
    assert "E.164" in str(raised.value)
    assert book.draft() == (None, 0)


def test_every_published_version_can_be_read_back_as_it_was() -> None:
    book, _ = _book()
    first = book.version(1)
    book.edit(("answers", "hours"), "Open 24/7.", "ana", AT)
    outcome = book.publish_draft("ana", AT, note="new hours")
    assert outcome.version == 2
    assert outcome.parts == ("answers.hours",)
    assert book.version(1) == first
    assert book.version(2)["answers"]["hours"] == "Open 24/7."
    assert [row["change"] for row in book.edits()] == ["published", "edited", "published"]


def test_importing_the_published_document_again_changes_nothing() -> None:
    book, _ = _book()
    outcome = book.publish(_demo(), "ana", AT)
    assert not outcome.changed
    assert [h.version for h in book.history()] == [1]


def test_the_live_venue_takes_a_published_answer_up_for_the_next_read() -> None:
    book, app = _book()
    clock = [0.0]
    live = LiveVenue(app, venue_of_document, venue_of_document(_demo()), monotonic=lambda: clock[0])
    assert live.follow() == 1
    book.edit(("answers", "hours"), "Open 24/7, all year.", "ana", AT)
    assert live.follow(now=True) == 1  # a draft is not published knowledge
    book.publish_draft("ana", AT)
    assert live.follow() == 1  # asked again within the moment: no read of the log
    clock[0] += 1.0
    assert live.follow() == 2
    assert live.answer(Intent.HOURS, Entities()) == "Open 24/7, all year."


# --- answers learned from staff -----------------------------------------------------------


def test_an_accepted_proposal_goes_to_the_draft_with_where_it_came_from() -> None:
    knowledge = _started()
    number = knowledge.propose_answer("other", "Ask us anything.", "reply by ana", 10, AT)
    assert number == 1
    knowledge.accept_proposal(1, "Ask us anything, any time.", "admin", AT)
    assert knowledge.draft is not None
    assert knowledge.draft["answers"]["other"] == {
        "text": "Ask us anything, any time.",
        "learned_from": "reply by ana",
    }
    with pytest.raises(InvariantError, match="no open proposal 1"):
        knowledge.dismiss_proposal(1, "admin", AT)


def test_a_stretch_of_the_log_already_read_proposes_nothing_again() -> None:
    knowledge = _started()
    assert knowledge.propose_answer("other", "Ask us.", "reply by ana", 10, AT) == 1
    assert knowledge.propose_answer("other", "Ask us.", "reply by ana", 10, AT) is None
    assert knowledge.propose_answer("other", "Ask us.", "reply by bo", 12, AT) is None
    assert knowledge.learned_through == 12
    assert list(knowledge.proposals) == [1]


def test_a_look_for_answers_to_learn_with_no_staff_replies_records_nothing() -> None:
    # The console looks every few seconds; recording each look would change the log,
    # which makes the console redraw and look again, for ever.
    book, app = _book()
    head = app.recorder.max_notification_id()
    assert learn_answers(book, AT) == []
    assert learn_answers(book, AT) == []
    assert app.recorder.max_notification_id() == head


# --- per-topic holding replies ---------------------------------------------------------


def test_a_holding_reply_with_a_mistake_is_refused_where_it_is_written() -> None:
    book, _ = _book()
    cases = {
        ("holding_replies", "refund_complaint"): ("   ", "must not be empty"),
        ("holding_replies", "billing"): ("Thanks!", "expected one of:"),
        ("holding_replies", "door_access"): ("Staff at {location_name} will reply", "venue-wide"),
        ("holding_replies", "other"): ("Thanks {name}", "unknown placeholder {name}"),
    }
    for path, (text, words) in cases.items():
        with pytest.raises(KnowledgeFileError) as raised:
            book.edit(path, text, "ana", AT)
        assert [(p.path, words in p.message) for p in raised.value.problems] == [(path, True)]
    assert book.draft() == (None, 0)


def test_holding_replies_round_trip_through_the_venue_file_unchanged() -> None:
    book, _ = _book()
    words = "Thanks! {venue_name} staff will reply."
    book.edit(("holding_replies", "refund_complaint"), words, "ana", AT)
    outcome = book.publish_draft("ana", AT)
    assert outcome.parts == ("holding_replies",)

    _, published = book.current()
    exported = yaml_of(published)
    assert f"holding_replies:\n  refund_complaint: {words}" in exported
    again = book.publish(document_of_yaml(exported), "ana", AT)
    assert not again.changed
    assert [h.version for h in book.history()] == [1, 2]
