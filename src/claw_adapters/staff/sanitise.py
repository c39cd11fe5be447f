"""What a staff alert may carry: no full customer number, no control codes, no live links.

Alerts leave claw for phones and Slack channels that keep them for ever and show them
to everyone on duty; a customer's text inside one is untrusted. So numbers are masked
as the logs mask them, control and invisible format characters (terminal escapes,
bidirectional overrides, zero-width joiners) are dropped, links are replaced so
nobody taps a customer's link from a trusted alert, and the text is trimmed.
"""

from __future__ import annotations

import re
import unicodedata

from claw_domain.masking import mask_phone_numbers

_LINK = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+")
# A terminal escape sequence, so "\x1b[31m" goes whole rather than leaving "[31m".
_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")
LINK_REMOVED = "[link removed]"
# Long enough for any question a customer asks by text; alerts point to the console.
MAX_ALERT_TEXT = 600


def _visible(char: str) -> bool:
    if char == "\n":
        return True
    # Cc: control codes (escapes, bells); Cf: invisible format characters (bidi
    # overrides, zero-width spaces) that can make an alert read differently.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def sanitised(text: str, limit: int = MAX_ALERT_TEXT) -> str:
    """``text`` as a staff alert may show it."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\t", " "))
    text = _ESCAPE.sub("", text)
    text = "".join(char for char in text if _visible(char))
    text = _LINK.sub(LINK_REMOVED, text)
    text = mask_phone_numbers(text)
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
