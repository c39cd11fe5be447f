"""Who runs a command, and the words they type: cleaned like any text claw records.

``--actor``, ``--by`` and ``--reason`` reach events (and from there the console and
``claw audit``). A shell hands over whatever bytes it was given: terminal escapes,
bidi overrides that make a name read differently on screen, and (for bytes that are
not UTF-8) lone surrogates, which made the event unencodable and the command end in
a traceback. They are cleaned as customer texts are (``claw_domain.text``).
"""

from __future__ import annotations

import getpass

from claw_domain.text import clean


def operator_name(given: str | None) -> str:
    """The name given, cleaned; the login name when none is given or nothing is left."""
    return clean(given or "").strip() or clean(getpass.getuser()).strip()


def typed_text(raw: str) -> str:
    """An argparse ``type=`` for free text from the shell."""
    return clean(raw).strip()
