"""Who is asking, and where: what a staff member needs on an action card at night.

The projections keep customers' numbers masked; the member's name comes from the
venue file, looked up with the number the pending action itself holds.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from claw_adapters.projections.store import Document
from claw_entrypoints.runtime import Runtime


def with_who_and_where(runtime: Runtime, card: Document) -> Document:
    """The card plus ``asked_by`` (the member's name, or None) and ``where`` (the location)."""
    try:
        action = runtime.app.pending_action(UUID(card["action_id"]))
    except AggregateNotFoundError:
        return {**card, "asked_by": None, "where": None}  # removed meanwhile (forgotten)
    names = {customer.phone: customer.name for customer in runtime.venue.file.customers}
    location = action.parameters.location
    return {
        **card,
        "asked_by": names.get(action.customer_number) or None,
        "where": runtime.venue.location_name(location) if location else None,
    }
