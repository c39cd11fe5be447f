"""What a forgotten customer's personal data reads as once its key is gone."""

from __future__ import annotations

# Every personal text field of a forgotten customer decodes to this: aggregates,
# replays, projections and the audit keep working and show that it was forgotten.
FORGOTTEN = "[forgotten]"
