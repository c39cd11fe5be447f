"""Text hygiene: what claw keeps of a text someone else wrote.

Customer texts (and anything typed into the console) are cleaned once, where
they enter claw, before any event records them. Removed:

- C0 controls except tab and newline (NUL among them: PostgreSQL cannot store
  it in text or JSONB, and one NUL in an event froze every projection after it);
  a carriage return becomes a newline, so "\\r\\n" line ends survive as lines;
- DEL and the C1 controls (U+007F-U+009F);
- the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069), which make a text read differently on screen than it is
  stored (a console reader could be shown a different instruction);
- lone surrogates (U+D800-U+DFFF: not text; UTF-8 refuses them) and the
  noncharacters U+FFFE and U+FFFF.

The original is not kept: the characters removed carry nothing a reply or an
auditor needs, and a stored copy would carry the hazard to every reader. What
was removed is reported as code points (``CleanedText.removed``), which are
safe to log and count.

Everything else stays, including the format characters emoji and scripts rely
on (zero-width joiner, variation selectors, left-to-right and right-to-left
marks).
"""

from __future__ import annotations

import re
from collections import Counter

import attrs

_CARRIAGE_RETURNS = re.compile("\r\n?")
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


@attrs.frozen
class CleanedText:
    text: str
    # Code point -> how many times it was removed (a carriage return is not counted).
    removed: dict[int, int] = attrs.field(factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.removed)

    def describe_removed(self) -> str:
        """e.g. ``"U+0000x1 U+202Ex2"``: safe to log, holds none of the text."""
        return " ".join(f"U+{point:04X}x{count}" for point, count in sorted(self.removed.items()))


def clean_text(raw: str) -> CleanedText:
    """``raw`` without the characters claw never stores (see the module's docstring)."""
    if _UNSAFE.search(raw) is None:  # the common case: nothing to do
        return CleanedText(raw)
    lines = _CARRIAGE_RETURNS.sub("\n", raw)
    removed = Counter(ord(found) for found in _UNSAFE.findall(lines))
    return CleanedText(_UNSAFE.sub("", lines), dict(removed))


def clean(raw: str) -> str:
    """Just the cleaned text."""
    return clean_text(raw).text
