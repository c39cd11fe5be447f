"""A card, a balance, a booking or a login in a state the customer did not expect.

Customers rarely say "there is a problem with my gift card"; they say what they see
("it shows $0", "the code says invalid", "my booking is gone") or what happened to
their money ("charged twice", "paid but no booking"), often with the reason it
should not be so ("but I never used it"). Each is a report that something went
wrong, whatever the topic, and the topic's how-to answer would not listen. The
kinds below are read from the phrasing, not from any topic's words, so a new card,
app or booking system needs no new rule:

- **a state shown**: a display verb ("shows", "says", "comes up as", "keeps telling
  me") followed closely by an unexpected state (zero, empty, expired, invalid,
  already used, cancelled, not found);
- **a state stated**: the same states after "is", "was", "it's", "has" ("my booking
  is gone", "the card has nothing on it"), unless the text opens as a yes/no or wh-
  question ("is my gift card expired?" asks what the how-to answers);
- **money taken**: charged twice or too much, paid or charged "but ...", the money
  taken;
- **a contradiction**: "but", "though", "yet", "and" followed by a denial of having
  done what the state implies ("but I never used it", "and I haven't spent any of
  it", "but it wasn't me");
- **gone**: disappeared, vanished, wiped, went missing;
- **a mistake in who it goes to**: the wrong or one's own email or address, typed
  "instead of" the right one, sent "by mistake": only staff can send it again;
- **less than it should be**: an amount left or on it, then what it was or should
  be ("it says $25 left but it was a $100 card");
- **fewer than ordered**: only some of what was bought came ("only 2 codes came",
  "only got 1 of the 3", "one is missing"), or none did ("the email never arrived",
  "the code didn't come through");
- **another amount than expected**: a discount or a charge other than the one
  agreed ("it only took $20 off", "charged $80 but it was $60", "took $50 instead of
  $35");
- **partly through**: it "goes through but" then fails or falls short.

``reports_problem`` in ``sentiment.py`` adds this reading to its negated outcomes
("did not apply", "won't let me log in") and failure words ("declined", "failed").
"""

from __future__ import annotations

import re

_DISPLAY = (
    r"(?:shows?|showing|showed|says|saying|said|reads|reading|displays?|displaying|"
    r"(?:comes?|came|coming|pops?|popped) up|keeps? (?:telling|saying|showing)|"
    r"tells? me|telling me|lists? (?:it|me|my \w+) as|registers? as)"
)
# What a card, a balance, a code, a booking or an account should not be.
_STATE = (
    r"(?:\$ ?0+(?:\.0+)?(?![\d:])|\b0+(?:\.0+)? ?(?:dollars?|bucks|balance|left|remaining)\b|"
    r"\bzero\b|\bnil\b|\bempty\b|\bnothing\b|\bno (?:balance|money|funds|credit)\b|"
    r"\bexpired\b|\binvalid\b|\bnot (?:valid|found|recogni[sz]ed|active)\b|"
    r"\balready (?:been )?(?:used|redeemed|claimed|spent)\b|\bused up\b|"
    r"\b(?:cancell?ed|deactivated|disabled|inactive|locked|blocked|declined|missing|gone)\b|"
    r"\b(?:doesnt|does not|dont|do not) exist\b|\bwrong\b|\berror\b)"
)
# A display verb, then at most four words, then the state: "comes up as expired",
# "says my code was already used".
_STATE_SHOWN = re.compile(rf"\b{_DISPLAY}\b(?:\W+\w+){{0,4}}?\W*{_STATE}")
_COPULA = r"(?:is|was|its|it s|are|were|now|been|has|have|had|went to|gone to|down to)"
# After "is" and friends only the states that cannot be a wish: "is empty", "has nothing".
_STATE_STATED = re.compile(
    rf"\b{_COPULA}\b(?:\W+\w+){{0,2}}?\W*"
    r"(?:\$ ?0+(?:\.0+)?(?![\d:])|\bzero\b|\bempty\b|\bnothing on it\b|\bno (?:balance|money|funds)"
    r"\b|\bexpired\b|\binvalid\b|\bcancell?ed\b|\bmissing\b|\bgone\b|\bdeactivated\b|\bdisabled\b|"
    r"\blocked\b|\balready (?:been )?(?:used|redeemed|claimed)\b)"
)
_MONEY_TAKEN = re.compile(
    r"\bcharged (?:me )?(?:twice|two times|2 times|double|again|extra|more than once|too much)\b|"
    r"\b(?:double|over|twice)[- ]?charged\b|"
    r"\b(?:paid|charged|payment went through|took (?:the|my) money)\b.{0,30}\bbut\b|"
    r"\btook (?:the|my|our) money\b|"
    r"\bmoney (?:was |got |has been )?(?:taken|deducted|gone|came out)\b"
)
_DENIAL = (
    r"(?:never|not|didnt|did not|havent|have not|hasnt|has not|wasnt|was not|nobody|no one|"
    r"noone|havnt|hadnt)"
)
_DONE = (
    r"(?:use|used|using|redeem|redeemed|spend|spent|touch|touched|cancel|cancell?ed|change|"
    r"changed|authori[sz]e|authori[sz]ed|ask|asked|request|requested|me|us)"
)
_CONTRADICTION = re.compile(
    rf"\b(?:but|though|although|yet|and|even)\b(?:\W+\w+){{0,3}}?\W+{_DENIAL}\b"
    rf"(?:\W+\w+){{0,2}}?\W+{_DONE}\b"
)
_GONE = re.compile(r"\b(?:disappeared|vanished|wiped|gone missing|went missing|got lost)\b")
_MISTAKE = re.compile(
    r"\b(?:wrong|incorrect|my own|an old|the old|a typo in (?:the|my)) "
    r"(?:email|e-mail|email address|e-mail address|address|recipient|phone number)\b|"
    r"\b(?:typed|entered|put|used|sent (?:it )?to)\b.{0,30}\binstead of\b|"
    r"\b(?:by mistake|by accident|accidentally|mistakenly)\b.{0,40}"
    r"\b(?:email|e-mail|sent|send|address|recipient)\b|"
    r"\b(?:email|e-mail|sent|send|address|recipient)\b.{0,40}"
    r"\b(?:by mistake|by accident|accidentally|mistakenly)\b"
)
_LESS_THAN_IT_SHOULD_BE = re.compile(
    r"\$ ?\d+(?:\.\d\d)? (?:left|remaining|on it|balance)\b.{0,30}"
    r"\b(?:but|though|when|yet)\b.{0,30}\b(?:was|is|should|supposed|had|loaded|bought)\b"
    r".{0,20}\$ ?\d"
)
_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|half|some|a couple|a few)"
# "only 2 codes came", "only got 1 of the 3", "one of them is missing", "never arrived".
_FEWER_THAN_ORDERED = re.compile(
    r"\bonly (?:ever )?(?:got|received|recieved|been sent)\b|"
    rf"\bonly {_NUMBER}\b.{{0,40}}\b(?:came|arrived|showed|through|thru|delivered|sent|"
    r"received|recieved|worked|work|works)\b|"
    rf"\b(?:{_NUMBER}|the other|the second|the third|the last)\b(?:\W+\w+){{0,2}}?\W+"
    r"(?:is|are|was|were|still|went) (?:still )?missing\b|"
    r"\b(?:never|not yet|still (?:hasnt|havent|not|never)) "
    r"(?:arrived|came|come|showed up|got (?:it|them|sent|emailed|delivered)|received|recieved|"
    r"delivered|been (?:sent|delivered|received))\b|"
    r"\b(?:didnt|did not|hasnt|has not|havent|have not|never) "
    r"(?:come|came|gone|went) (?:through|thru)\b"
)
_AMOUNT = r"(?:\$ ?\d+(?:\.\d\d)?|\d+(?:\.\d\d)? ?(?:dollars|bucks|%|percent))"
# "only took $20 off", "charged $80 but it was $60", "took $50 instead of $35".
_OTHER_AMOUNT = re.compile(
    r"\bonly\b(?:\W+\w+){0,3}?\W+(?:took|knocked|gave|applied|deducted|came off|covered|"
    rf"worked for|discounted)\b.{{0,15}}{_AMOUNT}|"
    rf"\b(?:charged|took|paid|billed|deducted|cost me|applied|came off)\b.{{0,25}}{_AMOUNT}"
    r".{0,40}\b(?:but|instead of|when|not|though|supposed|should|rather than)\b"
    rf".{{0,40}}{_AMOUNT}"
)
# "the code goes through but then the booking fails": it starts and stops halfway.
_PARTLY_THROUGH = re.compile(
    r"\b(?:goes|went|gone) (?:through|thru)\b(?:\W+\w+){0,4}?\W+(?:but|then|and then)\b"
)
# One booking listed or confirmed twice: "the app shows my booking twice", "got 2
# confirmation emails". "can we make 2 bookings" is a wish, so a booking must be shown
# or confirmed, not merely counted.
_DUPLICATED = re.compile(
    r"\b(?:booking|reservation|session)s?\b(?:\W+\w+){0,3}?\W+(?:twice|two times|2 times|"
    r"duplicated)\b|"
    rf"\b{_DISPLAY}\b(?:\W+\w+){{0,3}}?\W+(?:twice|two times|2 times|duplicated?)\b|"
    r"\b(?:got|received|recieved|getting|came|sent (?:me|us)) (?:two|2|double|duplicate)\b"
    r"(?:\W+\w+){0,2}?\W+(?:confirmations?|e-?mails?|texts?|receipts?)\b|"
    r"\b(?:duplicate|duplicated|double)[- ](?:booking|reservation|confirmation|charge)s?\b"
)
# A balance that fell by more than it should: "went from $80 to $20", "lower than it
# should be", "says $10 but it should be $50".
_DROPPED = re.compile(
    r"\b(?:went|gone|dropped|fell|down|jumped|changed) (?:down )?from \$ ?\d+(?:\.\d\d)? "
    r"(?:to|down to) \$ ?\d|"
    r"\b(?:lower|less|smaller|fewer)\b(?:\W+\w+){0,2}? than (?:it should|expected|it was "
    r"supposed|i expected|i thought|what it should|it ought|it used to)\b|"
    r"\b(?:balance|card|account|credit)\b.{0,40}\bbut (?:it )?(?:should|was supposed to|"
    r"is supposed to|ought to) (?:be|have|have been)\b.{0,15}\$ ?\d"
)
# A question that asks about a state rather than reporting one: "is my card expired?".
_ASKS = re.compile(r"^\W*(?:is|are|do|does|can|could|will|would|what|when|how|which)\b")


def _normalised(text: str) -> str:
    """Lower case, apostrophes dropped ("it's" -> "its"), spaces collapsed."""
    lowered = text.lower().replace("\u2019", "").replace("'", "")
    return " ".join(lowered.split())


def tells_of_unexpected_state(text: str) -> bool:
    """Whether the text says a card, balance, booking or login is not as it should be.

    "my voucher shows $0", "the app says my account doesn't exist", "charged twice",
    "it's empty but I never used it" do; "how do I check my balance" and "is my gift
    card expired?" do not.
    """
    said = _normalised(text)
    if _STATE_SHOWN.search(said) or _MONEY_TAKEN.search(said) or _GONE.search(said):
        return True
    if _CONTRADICTION.search(said) or _MISTAKE.search(said):
        return True
    if _LESS_THAN_IT_SHOULD_BE.search(said) or _OTHER_AMOUNT.search(said):
        return True
    if _FEWER_THAN_ORDERED.search(said) or _PARTLY_THROUGH.search(said):
        return True
    if _DUPLICATED.search(said) or _DROPPED.search(said):
        return True
    return _STATE_STATED.search(said) is not None and _ASKS.match(said) is None
