"""The mood of a text and the verdict on an automatic answer read one lexicon.

Before, the understanding stage and the feedback reader each kept their own word
lists, and they disagreed. Each case below is one where they did; the two columns are
what each reading now says, and the comment says why they answer alike or not.
"""

from __future__ import annotations

import pytest

from claw_domain.sentiment import detect_sentiment, recognise_feedback
from claw_domain.values import Sentiment

NEG, NEU, POS = Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE


@pytest.mark.parametrize(
    ("text", "mood", "verdict"),
    [
        # Only "thanks" used to count for the mood; a negated outcome now cancels it.
        # Not NEGATIVE: "not working" is how customers ask for a reset.
        ("thanks but it's not working", NEU, NEG),
        # The mood's negation reached 3 words back, the verdict's 4: now 4 for both.
        ("it doesn't seem to be great", NEU, NEG),
        # "can't" negated thanks: a complaint for the verdict before. Thanks negated is
        # no complaint and no praise (also "no thanks", declining an offer).
        ("can't thank you enough", NEU, None),
        ("no thanks", NEU, None),
        # Words the verdict knew and the mood did not (and the other way round).
        ("\U0001f44d", POS, POS),
        ("thx", POS, POS),
        ("cheers mate", POS, POS),
        ("nice one", POS, POS),
        ("love this place", POS, POS),
        # A problem word beside praise: the verdict said POSITIVE ("good morning" counted
        # as thanks for the answer). A new problem is no verdict; understanding reads it.
        ("good morning, bay 3 is frozen", NEU, None),
        ("great, but the screen is black", NEU, None),
        # A question is no verdict ("working" made this POSITIVE).
        ("is bay 2 working?", NEU, None),
        # ... with or without its question mark ("good" made these POSITIVE); an
        # exclamation that opens like one is still a verdict.
        ("how long is it good for", POS, None),
        ("where would that be good to use", POS, None),
        ("what a great fix, thanks", POS, POS),
        # Said it worked: a verdict, no mood.
        ("works now", NEU, POS),
        # A failure said plainly: a failed fix for the verdict; as a mood only a request.
        ("not great", NEU, NEG),
        ("same problem", NEU, NEG),
        ("didn't help", NEU, NEG),
        ("nothing happened", NEU, NEG),
        # Frustration with no outcome is a mood, not a verdict: it escalates as a mood.
        ("this is ridiculous", NEG, None),
        ("wtf", NEG, None),
        ("useless", NEG, None),
        # Emphasis stays frustration for the mood, even around thanks: a wrong NEGATIVE
        # costs a staff look. As a verdict, thanks is thanks.
        ("THANK YOU SO MUCH", NEG, POS),
        ("Thanks!!!", NEG, POS),
        # Where they always agreed.
        ("thanks but it's still frozen", NEG, NEG),
        ("frozen again", NEG, NEG),
        ("fixed, thanks", POS, POS),
    ],
)
def test_each_case_they_disagreed_on_is_decided(
    text: str, mood: Sentiment, verdict: Sentiment | None
) -> None:
    assert (detect_sentiment(text), recognise_feedback(text)) == (mood, verdict)


def test_a_reset_request_is_never_an_angry_mood() -> None:
    # NEGATIVE would hand every plain reset request to staff instead of resetting.
    for text in ("trackman not working bay 3", "screen is frozen in box 2", "doesn't load"):
        assert detect_sentiment(text) is NEU
