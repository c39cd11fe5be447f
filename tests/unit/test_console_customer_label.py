"""How the console names a customer in its lists: never blank, so the row can be opened."""

from __future__ import annotations

from claw_adapters.projections.events import mask_number
from claw_domain.privacy import FORGOTTEN
from claw_entrypoints.web.queries import UNKNOWN_CUSTOMER, short_customer


def test_a_number_shows_its_last_four_digits() -> None:
    assert short_customer(mask_number("+19025550123")) == "\u20260123"


def test_a_forgotten_customer_reads_as_forgotten() -> None:
    assert short_customer(mask_number(FORGOTTEN)) == FORGOTTEN


def test_a_missing_number_still_reads_as_something() -> None:
    assert short_customer(None) == UNKNOWN_CUSTOMER
    assert short_customer("") == UNKNOWN_CUSTOMER
