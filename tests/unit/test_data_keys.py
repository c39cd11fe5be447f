"""Per-customer data keys in one process: a shredded key opens nothing, cached or not."""

from __future__ import annotations

from uuid import uuid4

from claw_adapters.persistence.data_keys import DataKeys
from claw_adapters.persistence.key_tables import MemoryKeyTable

ANN = "+19025551111"


def test_a_key_this_process_only_opened_is_gone_once_shredded() -> None:
    table = MemoryKeyTable()
    writer, reader = DataKeys(table), DataKeys(table)
    subject = writer.subject_of(ANN)
    key_id, key = writer.sealing_key(subject)
    # The reader (a server) opened the customer's texts another process wrote...
    assert reader.opening_key(key_id) == key

    # ...and then forgets the customer itself (retention): its cache must not keep the key.
    assert reader.shred(subject) == 1
    assert reader.opening_key(key_id) is None


def test_a_key_this_process_sealed_with_is_gone_once_shredded() -> None:
    keys = DataKeys(MemoryKeyTable())
    subject = keys.subject_of(ANN)
    key_id, _key = keys.sealing_key(subject)

    keys.shred(subject)

    assert keys.opening_key(key_id) is None


def test_a_write_finds_its_streams_registered_and_its_keys_made_in_one_go() -> None:
    table = MemoryKeyTable()
    keys = DataKeys(table)
    subject = keys.subject_of(ANN)
    started, text = uuid4(), uuid4()

    with keys.ready_for([(started, ANN), (text, None)]):
        key_id, key = keys.sealing_key(subject)

    assert sorted(table.streams_of(subject)) == sorted([str(started)])
    stored = table.key_of_subject(subject, None)
    assert stored is not None
    assert stored.key_id == key_id
    assert keys.opening_key(key_id) == key


def test_a_key_another_process_shredded_is_never_used_for_a_new_write() -> None:
    table = MemoryKeyTable()
    server, forgetter = DataKeys(table), DataKeys(table)
    subject = server.subject_of(ANN)
    conversation = uuid4()
    with server.ready_for([(conversation, ANN)]):
        old_key_id, _key = server.sealing_key(subject)

    forgetter.shred(subject)  # `claw forget`, while the server still has the key cached
    with server.ready_for([(conversation, None), (uuid4(), ANN)]):
        new_key_id, _key = server.sealing_key(subject)

    assert new_key_id != old_key_id
    assert table.key_by_id(old_key_id) is None
