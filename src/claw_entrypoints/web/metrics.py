"""Prometheus metrics, in a registry of claw's own (nothing global, nothing at import)."""

from __future__ import annotations

import attrs
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from claw_domain.decisions import Decision


@attrs.define
class Metrics:
    registry: CollectorRegistry
    received: Counter
    duplicates: Counter
    rejected_webhooks: Counter
    decisions: Counter
    effects: Counter
    webhook_seconds: Histogram
    processing_seconds: Histogram
    projection_failures: Counter
    set_aside: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            received=Counter(
                "claw_texts_received", "Inbound customer texts accepted", registry=registry
            ),
            duplicates=Counter(
                "claw_texts_duplicate", "Inbound texts dropped as duplicates", registry=registry
            ),
            rejected_webhooks=Counter(
                "claw_webhooks_rejected",
                "Webhooks refused (bad signature, malformed, too large)",
                ["reason"],
                registry=registry,
            ),
            decisions=Counter(
                "claw_decisions",
                "Decisions by kind and reason",
                ["kind", "reason"],
                registry=registry,
            ),
            effects=Counter(
                "claw_effects",
                "Effects by kind and outcome",
                ["effect", "outcome"],
                registry=registry,
            ),
            webhook_seconds=Histogram(
                "claw_webhook_ack_seconds",
                "Time to acknowledge a webhook",
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
                registry=registry,
            ),
            processing_seconds=Histogram(
                "claw_processing_seconds",
                "Time to understand and decide one conversation's new texts",
                buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
                registry=registry,
            ),
            projection_failures=Counter(
                "claw_projection_failures",
                "Events a projection could not fold, recorded and skipped",
                ["projection"],
                registry=registry,
            ),
            set_aside=Counter(
                "claw_texts_set_aside",
                "Inbound texts recorded and not answered (not a customer, not the venue's line)",
                ["reason"],
                registry=registry,
            ),
        )

    def record_projection_failure(self, projection: str) -> None:
        self.projection_failures.labels(projection=projection).inc()

    def record_decision(self, decision: Decision) -> None:
        self.decisions.labels(kind=decision.kind.value, reason=decision.reason.value).inc()

    def record_effect(self, effect: str, outcome: str) -> None:
        self.effects.labels(effect=effect, outcome=outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
