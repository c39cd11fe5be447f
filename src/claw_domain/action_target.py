"""Which action a text's intent asks for, on what, and whether this customer may have it.

One reading, for the decision claw makes and for the what-if that replays it against
another version of the knowledge, so the two cannot drift apart.
"""

from __future__ import annotations

import attrs

from claw_domain.actions import action_spec
from claw_domain.ports import Venue
from claw_domain.values import ACTION_FOR_INTENT, ActionKind, ActionParameters, Entities, Intent


@attrs.frozen
class ActionTarget:
    kind: ActionKind | None  # None: the intent asks for no action
    target: ActionParameters | None  # complete enough for the action's runner, or None
    named: bool  # the venue found a target, even an incomplete one
    authorised: bool  # the action needs an authorised customer, and this one is


def action_target(
    venue: Venue, intent: Intent | None, entities: Entities | None, customer_number: str
) -> ActionTarget:
    kind = ACTION_FOR_INTENT.get(intent) if intent is not None else None
    found = (
        venue.action_parameters(kind, entities)
        if kind is not None and entities is not None
        else None
    )
    # A target missing what the action's runner needs is no target: claw asks.
    target = (
        found
        if kind is not None and found is not None and action_spec(kind).has_target(found)
        else None
    )
    authorised = (
        kind is not None
        and action_spec(kind).needs_authorisation
        and target is not None
        and venue.may_open_door(customer_number, target.location)
    )
    return ActionTarget(kind, target, named=found is not None, authorised=authorised)
