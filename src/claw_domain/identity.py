"""Deterministic identities: natural keys become uuid5 aggregate ids."""

from __future__ import annotations

from uuid import UUID, uuid5

# Fixed forever: changing it would orphan every stored aggregate.
CLAW_NAMESPACE = UUID("6f1c2b8e-3d4a-5e6f-8a9b-0c1d2e3f4a5b")


def conversation_id(venue_line: str, customer_number: str) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"conversation:{venue_line}:{customer_number}")


def pending_action_id(conversation: UUID, decision_number: int) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"pending-action:{conversation}:{decision_number}")


def hourly_budget_id(hour_start_iso: str) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"hourly-budget:{hour_start_iso}")


def set_aside_sender_id(sender: str) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"set-aside-sender:{sender}")


def outbound_text_id(conversation: UUID, cause: str) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"outbound-text:{conversation}:{cause}")


def outbound_alert_id(conversation: UUID, cause: str) -> UUID:
    return uuid5(CLAW_NAMESPACE, f"outbound-alert:{conversation}:{cause}")
