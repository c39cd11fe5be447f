"""Per-customer data keys in one process: a shredded key opens nothing, cached or not."""

from __future__ import annotations

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
