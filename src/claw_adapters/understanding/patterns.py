"""The deterministic stage: intent patterns, entities, blacklisted topics and sentiment.

Sentiment is the domain's reading (``claw_domain.sentiment``), one lexicon shared with
the feedback verdict.

Patterns decide only when exactly one intent's rule matches and none of that rule's
exclusions do; anything ambiguous goes to the statistical model. Each rule carries
negative patterns because the costly mistakes are near misses: "trackman is working
great" is no reset request, and "how do I use my gift card" is no purchase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from claw_adapters.understanding.safety import with_safety_topics
from claw_adapters.understanding.unwanted import looks_like_injection, looks_like_spam
from claw_domain.cleanliness import complains_of_mess
from claw_domain.device_faults import device_fault_flow
from claw_domain.replies import tokens
from claw_domain.sentiment import detect_sentiment, reads_as_praise
from claw_domain.slots import NUMBER_WORDS
from claw_domain.topics import QUESTION_INTENTS
from claw_domain.values import Classification, ClassificationSource, Entities, Intent


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


@attrs.frozen
class IntentRule:
    """One intent's evidence: any pattern may match, no exclusion may."""

    intent: Intent
    patterns: tuple[re.Pattern[str], ...]
    exclusions: tuple[re.Pattern[str], ...] = ()
    confidence: float = attrs.field(default=0.95, validator=[attrs.validators.gt(0.0)])

    @confidence.validator
    def _at_most_one(self, _attribute: attrs.Attribute[float], value: float) -> None:
        if value > 1.0:
            msg = f"confidence must be at most 1, got {value}"
            raise ValueError(msg)

    def matches(self, text: str) -> bool:
        if not any(pattern.search(text) for pattern in self.patterns):
            return False
        return not any(exclusion.search(text) for exclusion in self.exclusions)


# Phrases meaning "something is wrong with it", shared by the hardware rules.
_BROKEN = (
    r"(froze|frozen|freez\w*|stuck|crash\w*|glitch\w*|lag\w*|black|blank|dead|"
    r"(?:is|went|gone|s) down|"
    r"not (?:\w+ )?(?:work\w*|respond\w*|load\w*|track\w*|read\w*|register\w*|pick\w* up|on)|"
    r"(?:isn'?t|is not|won'?t|wont|doesn'?t|does not|didn'?t|stopped|quit|"
    r"can'?t get (?:it|the \w+) to) "
    r"(?:\w+ )?(?:work\w*|respond\w*|load\w*|track\w*|read\w*|register\w*|pick\w* up|"
    r"turn\w* on|start\w*)|"
    r"error|broken|reset|restart|reboot)"
)
_SIMULATOR = (
    r"(trackman|track man|simulator|sim\b|screen|projector|software|ball tracking|tracking|"
    r"game|course|computer|\bpc\b|system)"
)
_DOOR = r"(door|lock|keypad|entry|entrance)"
# Where a gift card is good: "does it work at both locations", "good at the other one too".
_GIFT_CARD_WHERE = (
    r"\b(gift ?(card|certificate|voucher)s?|vouchers?)\b.{0,40}"
    r"\b(work|good|valid|accepted|usable|used|use|redeemable|count)\b.{0,30}"
    r"(\b(both|either|all|other|any|every|each|another|different)\b.{0,15}"
    r"\b(locations?|one|ones|spots?|clubs?|places?|branch\w*|sites?)\b|"
    r"\bat \w+( \w+)? (too|as well)\b|\bor only\b|\bjust the one\b)"
)
# A box free to take: "got a box free at 8?", "is there a bay open tonight".
_AVAILABILITY = r"\b(a|any|one|two|\d) (box|bay|sim)(e?s)? (free|available|open)\b"
# "anything open tonight around 9 for 2 of us": free for a time or a party.
_ANYTHING_FREE = (
    r"\b(anything|something|any ?thing) (open|free|available)\b.{0,40}"
    r"\b(for (\d|two|three|four|five|six|me|us|the)|at \d|around \d|\d ?(am|pm))"
)
_LEFTY = r"\b(left[- ]?hand\w*|lefty|lefties|left hander)\b"
_SIM_SETTING = r"\b(settings?|mode|option|view|trackman|sim|simulator|software|system|screen)\b"
# "a left handed setting on the trackman", "set the sim to lefty": no club named.
_LEFTY_SETTING = (
    r"^(?!.*\bclubs?\b)(.*" + _LEFTY + r".{0,40}" + _SIM_SETTING + r"|.*"
    r"\b(set|setting|settings|mode|option|switch|change|trackman|sim|simulator)\b.{0,40}"
    + _LEFTY
    + r")"
)
_PARTY_SIZE = r"(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_WHEN = (
    r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|days)?|today|tonight|tomorrow|tmrw|"
    r"this (morning|afternoon|evening|weekend)|next week|\d{1,2}(:\d\d)? ?(am|pm)|noon|"
    r"(morning|afternoon|evening|night)"
)
# Asking whether a stated plan can be had: "is that doable", "does that work", "that ok?".
_CAN_WE = (
    r"(doable|possible|available|free|open|work|works|ok|okay|alright|fine|"
    r"can (we|i|you)|could (we|i|you)|do you have|any (room|space|chance))"
)
# The booking already exists: "we booked for 4", "our booking", "the reservation was".
_ALREADY_BOOKED = (
    r"\b((i|we|i'?ve|we'?ve|i have|we have|already) (already )?(booked|reserved)|"
    r"(our|my|the) (booking|reservation|rez)|(booking|reservation) (was|is|says)|"
    r"(i|we) (have|got|made) a (booking|reservation)|"
    r"^\W*booked|booked (a|the|box|bay|for))\b"
)
# A lower price, or a time with one: what a question about the cheapest time asks.
_CHEAPER = (
    r"\b(cheap(er|est)?|less expensive|least expensive|lower (price|rate)s?|"
    r"(best|better|lowest|cheaper) (price|rate|deal)s?|happy hours?|off[- ]?peak|"
    r"discount(s|ed)?|deals|specials)\b"
)

DEFAULT_RULES: tuple[IntentRule, ...] = (
    IntentRule(
        Intent.GIFT_CARD_PURCHASE,
        _rx(
            r"\b(buy|purchase|order|get|send|give)\b.{0,25}\bgift ?(card|certificate|voucher)s?\b",
            r"\b(sell|offer|have|do)\b.{0,15}\bgift ?(card|certificate|voucher)s\b",
            r"\bgift ?(card|certificate|voucher)s?\b.{0,20}"
            r"\b(for sale|available|to buy|as a (gift|present))\b",
            # A voucher or a present is how many customers say gift card.
            r"\b(sell|do|have|offer|buy|get|purchase|order)\b.{0,20}\b(gift )?vouchers?\b",
            r"\bvouchers?\b.{0,30}\b(birthday|christmas|present|gift|for (my|a|his|her))\b",
            r"\b(present|gift)\b.{0,40}\b(golfer|golf|sim time|session|hour)\b",
            r"\b(golf|sim time|session|hours?|round)\b.{0,30}\bas a (present|gift)\b",
            r"\bgift (a|an|some|them|him|her)\b.{0,20}\b(session|hour|time|round|golf)\b",
            r"\b(put|load)\b.{0,10}\bon a gift ?card\b",
            # What goes on one: "can i pick the amount", "any dollar amount".
            r"\b(pick|choose|set|select|decide|customi[sz]e|name)\b.{0,15}"
            r"\b(the|any|a|my own|your own|our own|how much|whatever)\b.{0,10}"
            r"\b(amount|value|dollar)s?\b",
            r"\b(choose|pick|decide) how much\b.{0,15}\b(on it|goes on|to put|loaded)\b",
            r"\b(custom|any|whatever|set|fixed) (dollar )?(amounts?|values?|denominations?)\b",
        ),
        _rx(
            r"\b(use|using|redeem\w*|apply|applied|balance|activate|code|number|expire\w*)\b",
            r"\b(i|we) (have|got|received|was given|were given)\b.{0,10}\bgift",
            r"\b(my|this|the) gift ?card\b",
            r"\brefund",
            r"\bamount of (time|hours|people|players|balls)\b",
            r"\b(charged|paid|owe|left|remaining)\b",
            _GIFT_CARD_WHERE,
        ),
        confidence=0.95,
    ),
    IntentRule(
        Intent.GIFT_CARD_REDEEM,
        _rx(
            r"\b(use|using|redeem\w*|apply|applied|activate|spend)\b.{0,25}"
            r"\bgift ?(card|certificate|voucher)",
            r"\bgift ?(card|certificate|voucher)s?\b.{0,25}"
            r"\b(balance|code|number|expire\w*|redeem\w*|not (work|accepted)\w*|declined)\b",
            r"\b(i|we) (have|got|received|was given|were given)\b.{0,10}"
            r"\bgift ?(card|certificate|voucher)",
            r"\b(balance|code|number)\b.{0,15}\bgift ?(card|certificate|voucher)",
            r"\b(use|using|redeem\w*|apply|applied|spend)\b.{0,25}\bvouchers?\b",
            r"\bvouchers?\b.{0,25}\b(code|balance|redeem\w*|expire\w*)\b",
            _GIFT_CARD_WHERE,
        ),
        _rx(r"\b(buy|purchase|order)\b.{0,25}\bgift ?(card|certificate|voucher)"),
        confidence=0.95,
    ),
    IntentRule(
        Intent.SIDE_SCREEN,
        _rx(
            r"\b(side|second|other|small|extra) (screen|monitor|tv|display)\b",
            r"\b(tv|monitor)\b.{0,20}\b(off|black|blank|not (on|working)|won'?t turn on)\b",
        ),
        _rx(r"\b(working|works) (great|fine|well|perfectly|now)\b", r"\bthank"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.TRACKMAN_RESET,
        _rx(
            _SIMULATOR + r".{0,40}\b" + _BROKEN,
            r"\b" + _BROKEN + r"\b.{0,30}" + _SIMULATOR,
            r"\b(reset|restart|reboot)\b.{0,20}\b(box|bay|sim|room|trackman|simulator|it)\b",
            r"\b(ball|shots?)\b.{0,25}\b(not|isn'?t|aren'?t|won'?t|doesn'?t)\b.{0,15}"
            r"\b(register\w*|track\w*|read\w*|show\w*|pick\w* up)\b",
        ),
        _rx(
            r"\b(working|works|worked) (great|fine|well|perfectly|again|now)\b",
            r"\b(is|was|got) (fixed|sorted|resolved)\b",
            r"\bsides? (screen|monitor)\b",
            r"\b(door|gift|refund|wifi|wi-fi|password)\b",
            r"\bhow (do|does|can) (i|we|you)\b.{0,20}"
            r"\b(change|switch|pick|choose|select|play|use)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.DOOR_ACCESS,
        _rx(
            r"\b"
            + _DOOR
            + r"s?\b.{0,30}\b(locked|won'?t open|not open\w*|doesn'?t open|didn'?t open|"
            r"stuck|not working|isn'?t working|won'?t unlock|not unlock\w*|code)\b",
            r"\b(locked out|let (me|us) in|can'?t get in|cannot get in|can'?t get inside|"
            r"can'?t open the door|unlock the door|open the door|door code|access code|"
            r"entry code)\b",
            # "can you open bedford for me": the place opened for whoever waits at it.
            r"\b(open|unlock)( up)? (\w+ ){0,2}for (me|us)\b",
        ),
        _rx(
            r"\bwhat time\b",
            r"\bhours\b",
            r"\block ?screen\b",
            r"\b(tab|account|booking|app|website|file|link|email|ticket|case)\b",
        ),
        confidence=0.92,
    ),
    IntentRule(
        Intent.HOURS,
        _rx(
            r"\b(what are|what're|what is|whats|what's) (your|the) (opening |business )?hours\b",
            r"\bhours of operation\b",
            r"\bwhat time (do|does|are|will) (you|it|the \w+|y'?all) "
            r"(open|close|closing|opening)\b",
            r"\b(are|is) (you|it|the (club|place|venue)) open\b",
            r"\bopen (24|late|early|on (sunday|saturday|holidays?|christmas|thanksgiving)|"
            r"today|tonight|tomorrow|this (morning|afternoon|evening|weekend)|right now)\b",
            # "the earliest I can come in", "how late can we stay": the hours, asked
            # from the customer's side.
            r"\b(how early|how late|earliest|latest)\b.{0,40}"
            r"\b(open\w*|come|get in|play|arrive|stay|show up|start|be there)\b",
            r"\bwhen (do|does) (you|it) (open|close)\b",
            # "is it too late to come in tonight", "still open or am i too late": whether
            # the venue is open yet.
            r"\btoo late (to|for) (come|coming|play|playing|get in|drop in|show up|stop by|"
            r"swing by|pop in)\b",
            r"\b(or (is it|am i|are we)|is it) too late\b\W*$",
            # "is bedford open at 6am?", "is the dartmouth one open by 7": a place and a time.
            r"\b(is|are) (\w+ ){1,3}?(still )?open (at|by|before|after|until|till|around|past|"
            r"on) ",
            r"^\W*(your |the )?hours\b\W*((for|at|in|of) (the )?[a-z]+( one| location)?)?\W*$",
            # "do you ever close for cleaning", "are you closed overnight": when it is shut.
            r"\b(close|closes|closed|closing|shut|shuts)\b.{0,25}"
            r"\b(for (cleaning|maintenance)|overnight|over night|at night)\b",
        ),
        _rx(
            r"\b(door|gift|lock|unlock)\b",
            r"\b(cancel\w*|reschedul\w*|change|refund\w*|book\w*|reserv\w*)\b",
            _CHEAPER,
            # A box open at a time is a box free to book, not the venue's hours.
            _AVAILABILITY,
            _ANYTHING_FREE,
        ),
        confidence=0.93,
    ),
    IntentRule(
        Intent.PRICING,
        _rx(
            r"\bhow much (is|does|do|for|to|per|are)\b",
            r"\b(price|prices|pricing|rates?|cost)\b.{0,30}\b(hour|hr|session|box|bay|sim)\b",
            r"\bper hour\b",
            r"\bwhat (are|is) (your|the) (price|prices|pricing|rates?)\b",
            # A rate for who books or how often: "corporate rates", "volume pricing".
            r"\b(corporate|company|business|office|work|group|team|volume|bulk|monthly|"
            r"weekly|league|multi[- ]?visit|repeat)\b (rates?|pricing|prices|discounts?|deals?)\b",
            r"\b(rates?|pricing|discounts?|deals?)\b.{0,30}\b(for|if) (our|my|a|the|we|an?) "
            r"(office|company|business|team|group|league|staff|book\w*|come)\b",
            # A price by time: "the cheapest time to come", "are weekdays cheaper",
            # "any happy hour pricing". When it is cheaper is a price, not the hours.
            _CHEAPER,
            # Tax on a price: "is that before tax?", "does the $60 include tax".
            r"\b(before|after|plus|include|includes|including|incl|excluding|with|without)\b"
            r"\W{0,2}(the )?(tax|taxes|hst|gst)\b",
            r"\b(tax|taxes|hst|gst) (included|extra|on top|in)\b",
            # Hours bought ahead: "a deal if we buy 10 hours upfront", "prepay 20 hours".
            r"\b(buy|buying|prepay|prepaying|pre-pay|purchase|purchasing)\b.{0,20}"
            r"\b(hours|hrs|sessions|blocks?)\b.{0,15}"
            r"\b(up ?front|in advance|ahead|at once|in bulk|together)\b",
            r"\b(deal|discount|package|bundle|break)s?\b.{0,25}\b(buy|prepay|purchase)\w*\b"
            r".{0,20}\b(hours|hrs|sessions)\b",
            # "whats the monthly cost": after a membership answer it is the membership's.
            r"\b(monthly|per month|a month) (cost|price|fee|rate)s?\b",
            r"\b(cost|price|fee|rate)s? (per|a|each) month\b",
        ),
        # A receipt or invoice "with HST" asks for a document, not a price.
        _rx(
            r"\bgift\b",
            r"\bmember",
            r"\brefund",
            r"\bcharged\b",
            r"\bclubs?\b",
            r"\b(receipts?|invoices?)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.MEMBERSHIP,
        _rx(
            r"\bmembership",
            r"\b(become|becoming) a member\b",
            r"\bmember (price|pricing|rate|benefits|perks)\b",
        ),
        _rx(r"\bgift\b", r"\brefund", r"\bdoor\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.BOOKING_CHANGE,
        _rx(
            r"\b(change|move|reschedule|cancel|modify|extend|shift|push back)\b.{0,20}"
            r"\b(booking|reservation|session|tee time|time slot|slot)\b",
            r"\b(booking|reservation)\b.{0,20}\b(change|move|reschedule|cancel|modify|extend)\w*\b",
            # What cancelling costs is asked before cancelling, not complained about after.
            r"\bif (i|we) (cancel|reschedule|change|move|can'?t make it|don'?t show)\b",
            r"\b(cancellation|cancelation|no[- ]show) (policy|rules)\b",
        ),
        _rx(r"\bmembership\b", r"\brefund"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.BOOKING_NEW,
        _rx(
            r"\b(book|reserve)\b.{0,20}\b(box|bay|sim|simulator|session|time|slot|room|tee time)\b",
            r"\b(make|want|need) a (booking|reservation)\b",
            r"\b(any|have) (boxes|bays|sims|availability|openings)\b",
            # "any chance there's a box free right now", "is a bay available at 7".
            _AVAILABILITY,
            _ANYTHING_FREE,
            r"\b(room|space|availability) for\b.{0,30}"
            r"\b(party|group|event|league|\d+ (people|of us))\b",
            r"\bhow (do|can) (i|we) (book|reserve)\b",
            r"\b(get|grab|want|need)\b.{0,10}\b(a |an )?(box|bay|sim|simulator)\b.{0,25}"
            r"\b(tonight|today|tomorrow|this (morning|afternoon|evening|weekend)|at \d)",
        ),
        _rx(
            r"\b(app|account|log ?in|sign ?in|website)\b",
            r"\b(change|move|reschedule|cancel|modify|extend)\b",
            r"\bgift\b",
            r"\bmembership\b",
            # "we booked for 4, now 6: do we need a second box" changes that booking.
            _ALREADY_BOOKED + r".{0,80}\bnow\b",
            # How long a beginner should book is how long playing takes (gameplay).
            r"\bhow long (should|do|would) (we|i)\b.{0,10}\bbook\w*\b.{0,60}"
            r"\b(first time|beginners?|never played)\b",
            r"\b(first time|beginners?|never (really )?(played|golfed))\b.{0,80}"
            r"\bhow long (should|do|would)\b.{0,15}\bbook",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.BOOKING_APP,
        _rx(
            r"\b(booking|reservation)s? (app|site|website|page|system|account|portal)\b",
            r"\b(the|your|an|a) app\b",
            r"\b(log|sign) ?(in|into|on)\b",
            r"\b(create|make|set up|need|have)\b.{0,10}\baccount\b",
            r"\bdownload\b.{0,20}\bapp\b",
            r"\b(forgot|reset|change|lost)\b.{0,15}\bpassword\b",
            r"\b(website|web site|booking page|calendar)\b.{0,30}\b(load|work|open)\w*\b",
            # Someone else put on a booking: "add my buddy's email", "share the confirmation".
            r"\b(add|put|share|send|forward|invite)\b.{0,25}\b(friends?|buddy|buddies|someone|"
            r"wife|husband|partner|other|another|his|her|their)\W{0,2}s?\b.{0,10}\b(e-?mails?)\b",
            r"\b(share|forward|send)\b.{0,25}\b(booking |reservation )?(confirmation|"
            r"confirmation e-?mail)s?\b",
        ),
        _rx(r"\b(wi-?fi|door|gift|refund|charged|membership)\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.KIDS,
        _rx(
            r"\b(kids?|children|child|toddlers?|teen(ager)?s?|juniors?|bab(y|ies)|minors?|"
            r"newborns?|infants?)\b.{0,40}"
            r"\b(allowed|play|welcome|come|bring|ok|okay|age|supervis\w*|adult|parents?|friendly)\b",
            r"\b(allowed|play|welcome|come|bring|ok|okay)\b.{0,25}"
            r"\b(kids?|children|child|toddlers?|teen(ager)?s?|bab(y|ies)|newborns?|infants?)\b",
            # A baby brought along in its seat: "ok to bring the stroller in?".
            r"\b(stroller|pram|car ?seat|baby carrier|carrier|bassinet)\b",
            r"\b(age limit|minimum age|age requirement|how old)\b",
            r"\b\d{1,2}[- ]?(year|yr)s?[- ]?olds?\b",
        ),
        _rx(
            r"\bclubs?\b",
            r"\b(left|lost|forgot\w*)\b",
            r"\b(gift|voucher|present)\b",
            r"\b(book|reserve|reservation)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.DRESS_CODE,
        _rx(
            r"\b(wear|wearing|dress code|dress up|attire|clothing|clothes|outfit)\b",
            r"\b(golf shoes|spikes|sneakers|running shoes|shoes)\b.{0,20}"
            r"\b(allowed|ok|okay|required|need\w*|fine)\b",
            r"\b(need|bring|required|have to)\b.{0,20}\b(golf shoes|spikes|special shoes|shoes)\b",
        ),
        _rx(r"\b(left|lost|forgot\w*)\b", r"\bgloves?\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.GAMEPLAY,
        _rx(
            r"(?<!of )\bcourses\b",
            r"\b(which|what|any|change|switch|pick|choose|select)\b.{0,15}\bcourse\b",
            r"\bdriving range\b",
            r"\bclosest to (the )?pin\b",
            r"\blong drive\b",
            r"\b(swing|shot|ball) (data|stats|speed)\b",
            r"\b(club (speed|path)|spin rate|launch angle|carry distance)\b",
            r"\b(change|switch|pick|choose|select|set)\b.{0,20}\btees?\b",
            r"\b(red|forward|back|blue|white|ladies) tees\b",
            r"\bhandicap\b",
            r"\bpractic\w*\b.{0,20}\b(chipping|putting|short game|driving|swing|irons)\b",
            r"\b(\d+|nine|eighteen) holes\b",
            r"\bputt(ing|s)?\b.{0,30}\b(screen|simulator|sim|automatic|auto)\b",
            r"\b(how accurate|track(s)? the ball)\b",
            r"\b(games|game modes?|skills challenge|scramble)\b",
            r"\b(what|which) (kind|type|model|version|brand) of "
            r"(simulator|sim|trackman|software|launch monitor|system)\b",
            r"\b(same|different) (trackman|simulators?|sims?|software|setup|system)\b",
            # A course asked for by name: golf courses are named for a place and its
            # landscape ("X Beach", "X Links"); "a beach" names no course.
            r"\b(do (you|u|ya) (guys )?have|have you got|got|is there|can (we|i|you|u) play|is)\b"
            r".{0,25}?"
            r"\b(?!(?:a|an|the|any|some|nice|good|near|nearby)\b)[a-z]+ "
            r"(links|national|dunes|pines|beach|hills|straits|cliffs|valley|creek|ridge|"
            r"springs|oaks|island|harbou?r|highlands|heath|woods|lakes|country club)\b",
            r"\b(sawgrass|augusta|st\.? andrews|old course)\b",
            r"\bpar[- ]?(3|three)s?\b",
            # The simulator set for a left-handed player; left-handed clubs are rentals.
            _LEFTY_SETTING,
        ),
        _rx(
            "\\b" + _BROKEN + "\\b",
            r"\b(book|reserve|reservation|price|cost|how much)\b",
        ),
        confidence=0.9,
    ),
    # What playing a round involves, asked before booking it: saving a round for later,
    # the weather in the simulator, how long a round takes, how many play in one.
    # "Book" may be named ("before we book, is 2 hours enough for 18?"); a price not.
    IntentRule(
        Intent.GAMEPLAY,
        _rx(
            r"\b(save|pause|store)\b.{0,25}\b(round|game|scorecard|scores?|progress)\b",
            r"\b(finish|resume|continue|pick (it|up))\b.{0,40}"
            r"\b(later|next time|another (day|time)|next visit|next week|when we come back)\b",
            r"\b(turn on|turn off|add|change|adjust|set|play (in|with)|have)\b.{0,15}"
            r"\b(the )?(wind|rain|weather|windy|rainy)\b",
            r"\b(wind|rain|weather)\b.{0,30}\b(on the (sim|simulator|trackman|screen|course)|"
            r"settings?|conditions|in the (sim|simulator|game))\b",
            r"\bhow long\b.{0,30}\b(a round|rounds?|\d+ holes|nine|eighteen|18|9)\b",
            r"\b(enough|long enough|rushing|rushed)\b.{0,40}"
            r"\b(holes|rounds?|18|nine|eighteen)\b",
            r"\b(holes|rounds?)\b.{0,40}\b(enough time|long enough|how long|take)\b",
            # A beginner's question: "is it easy enough for beginners", "how long should
            # we book for our first time".
            r"\b(easy|hard|ok|okay|good|suitable|fine|friendly|fun)\b.{0,25}"
            r"\b(beginners?|first[- ]timers?|newbies?|novices?|non[- ]?golfers?)\b",
            r"\bhow long\b.{0,25}\bbook\w*\b.{0,40}\b(first time|beginners?|never played)\b",
            r"\b(first time|beginners?|never (really )?(played|golfed))\b.{0,80}"
            r"\bhow long (should|do|would)\b.{0,15}\bbook",
            r"\b(\d|one|two|three|an?) (hours?|hrs?) (enough|long enough)\b",
            r"\bhow many (people|players|golfers|of us|can play)\b.{0,30}"
            r"\b(round|game|match|scorecard)\b",
            r"\b(max|maximum|most)\b.{0,15}\b(players|golfers|people)\b.{0,15}"
            r"\b(per|in a|in one|in the same) (round|game)\b",
        ),
        _rx(
            "\\b" + _BROKEN + "\\b",
            r"\b(price|cost|how much|gift|refund|membership)\b",
            r"\b(wind|rain|weather)\b.{0,40}\b(parking|outside|drive|roads?|close\w*|open)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.WIFI,
        _rx(r"\b(wi-?fi|wireless|internet)\b"),
        confidence=0.95,
    ),
    IntentRule(
        Intent.CLUB_RENTAL,
        _rx(
            r"\b(rent|rental|borrow|hire)\b.{0,15}\bclubs?\b",
            r"\bclubs?\b.{0,15}\b(rent|rental|available|provided|to borrow)\b",
            r"\b(do|will) (you|they) (have|provide|supply) (golf )?clubs\b",
            # Their own equipment: "can I use my own balls", "ok to bring our driver?".
            r"\b(bring|brings|use|using|play with)\b (my|our|his|her|their|your|own)\b.{0,12}"
            r"\b(clubs?|golf balls|balls|driver|putter|irons?|wedges?|golf bag|bag|equipment|"
            r"gear)\b",
            r"\b(left[- ]?hand\w*|lefty|lefties)\b",
        ),
        # "left" as in left behind, not left-handed.
        _rx(
            _LEFTY_SETTING,
            r"\bleft\b(?![- ]?hand)",
            r"\b(lost|forgot|forgotten)\b",
            r"\bbroken\b",
            r"\bgift ?(card|certificate|voucher)",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.LOST_ITEM,
        _rx(
            r"\blost (and|&|n) found\b",
            r"\b(left|lost|forgot|forgotten|dropped)\b.{0,25}\b(phone|wallet|keys?|glove|jacket|coat|clubs?|"
            r"bag|card|sunglasses|glasses|hat|cap|watch|airpods|headphones|driver|putter|purse|charger)\b",
        ),
        # Left-handed clubs, and money left on a card, are nothing left behind.
        _rx(
            r"\bleft[- ]?hand\w*",
            r"\blefty\b",
            r"\bleft on (my|the|your|a|it)\b",
            r"\$ ?\d+(\.\d\d)? left\b",
            r"\b(balance|money|credit|dollars|bucks|funds)\b.{0,10}\bleft\b",
            # A phone forgotten at home by someone at the door: the door is the problem.
            r"\b(let (me|us) in|locked out|can'?t get in|open the door|unlock)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.REFUND_COMPLAINT,
        _rx(
            r"\brefund",
            r"\b(charged|billed) (twice|double|two times|wrong|too much)\b",
            r"\b(double|over)[- ]?charged\b",
            r"\bmoney back\b",
            r"\bchargeback\b",
            r"\bcompensat\w*",
            r"\b(credit|discount)\b.{0,15}\b(for|on)\b.{0,20}\b(time|hour|session)\b.{0,10}\blost\b",
        ),
        confidence=0.92,
    ),
    IntentRule(
        Intent.FOOD_DRINK,
        _rx(
            r"\b(bring|have|sell|serve|allowed)\b.{0,20}\b(food|drinks?|beers?|alcohol|snacks|wine|booze|pizza)\b",
            r"\bbyob\b",
            r"\b(food|drinks?|beers?|alcohol|snacks)\b.{0,15}\b(allowed|ok|okay|available)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.FACILITY,
        _rx(
            r"\bpark(ing)?\b",
            r"\bhow many (people|players|golfers|of us|guys|persons)\b.{0,30}"
            r"\b(box|bay|sim|room|at once|per|fit|share)\b",
            r"\b(\d+|six|seven|eight|nine|ten) (of us|people|players|golfers)\b.{0,20}"
            r"\b(in|per|share) (a|one|each|the same|1) (box|bay|sim|room)\b",
            r"\b(fit|play) in (a|one|each|the same) (box|bay|sim)\b",
            r"\b(address|located|location address|directions|wheelchair|accessible|washrooms?|"
            r"bathrooms?|lockers?|coat|showers?|change ?rooms?|changing ?rooms?|"
            r"change room|place to change)\b",
            # Finding the way: "maps keeps sending me to the gas station", "where's the
            # entrance", "can't find the building".
            r"\b(gps|google maps|apple maps|my maps|maps|waze|navigation|sat ?nav)\b",
            r"\bwhere('?s| is| are)\b.{0,15}\b(the )?(entrance|way in|front entrance|building)\b",
            r"\b(cant|can'?t|cannot|couldn'?t|couldnt|can not) find\b.{0,15}\b(the |your )?"
            r"(entrance|place|building|location|way in|you|spot)\b",
            r"\b(music|bluetooth|speakers?|aux cable|spotify)\b",
        ),
        _rx(
            r"\b(loud|noisy|too)\b",
            r"\b(book|reserve|reservation|tonight|tomorrow)\b",
            r"\b(left|lost|forgot\w*)\b",
            r"\b(gross|dirty|filthy|smell\w*)\b",
            # Players in a round are gameplay, not the room's size.
            r"\b(same|one|a|per|each|the) (round|game)\b",
        ),
        confidence=0.9,
    ),
    # Everyday questions an attendant answers without thinking, asked in words the
    # examples alone did not carry: running late, a receipt, step-free access, food
    # delivered to the box, and praise told as a joke.
    IntentRule(
        Intent.BOOKING_CHANGE,
        _rx(
            r"\b(running|gonna be|going to be|will be|we'?ll be|i'?ll be|be like|be about)\b"
            r".{0,25}\b(late|behind)\b",
            r"\b(stuck|caught|sitting|held up) in traffic\b",
            r"\b(show up|arrive|get there|be there|get in)\b.{0,30}\b(after|later than|past)\b"
            r".{0,15}\b(start|booking|tee time|our time|reservation)\b",
            r"\b(be there|get there|arrive)\b.{0,20}\b(by|at|around) \d.{0,15}\binstead\b",
            # Late by an amount ("might be 10 late", "15 min behind"), or there in one.
            r"\b(\d{1,2}|few|couple|ten|fifteen|twenty|half an hour|an hour)"
            r"( ?(min|mins|minutes|m))? (late|behind)\b",
            r"\b(be|get|arrive|make it) (there|in) (in )?(about |like |around )?"
            r"(\d{1,2}|a few|ten|fifteen|twenty|half an hour)\b",
            r"\b(omw|on (my|our) way|en route)\b.{0,60}\blate\b",
        ),
        _rx(r"\bopen\b", r"\bhow late\b", r"\blate ?night\b", r"\bclos\w*", r"\bstay\b"),
        confidence=0.9,
    ),
    # A booking moved, or made shorter or longer, told by its time rather than by
    # the word "booking": "can we move our sat 2pm to sunday", "push it an hour",
    # "drop to 1 hr instead of 2".
    IntentRule(
        Intent.BOOKING_CHANGE,
        _rx(
            r"\b(move|shift|switch|bump|push|change|swap)\b.{0,30}"
            r"\b(\d{1,2} ?(am|pm)|\d{1,2}:\d\d|mon|tue|tues|wed|thu|thurs|fri|sat|sun)\w*\b"
            r".{0,25}\b(to|till|until)\b",
            r"\b(push|bump|move|shift)\b (it|us|that|this|ours?|our (time|slot|box|bay)) "
            r"(back |forward |up |later |earlier )?(by )?(an|one|half an|\d) (hour|hr)s?\b",
            r"\b(to|for) (\d|one|two|three|an?) (hours?|hrs?) instead of (\d|one|two|three)\b",
            r"\bfrom (\d|one|two|three) (hours?|hrs?) (down |up )?to (\d|one|two|three)\b",
            r"\b(add|tack on)\b (an?|one|another|an extra|\d) (extra )?(hour|hr)\b.{0,20}"
            r"\b(booking|reservation|session|tonight|today|our|to it)\b",
            r"\b(extend|shorten|cut)\b.{0,20}\b(to|by) (\d|one|two|three|an?) (hours?|hrs?)\b",
        ),
        _rx(r"\bhow much\b", r"\b(price|cost|gift|refund|membership)\b", r"\bopen\b"),
        confidence=0.9,
    ),
    # A group or company event, or more than one box at once: a booking to arrange.
    IntentRule(
        Intent.BOOKING_NEW,
        _rx(
            r"\b(team[- ]building|corporate (event|outing|party|group)|"
            r"(company|office|work|staff|holiday|christmas|xmas) (event|outing|party|social|"
            r"get[- ]together)|private (event|party)|bachelor(ette)? party|stag)\b",
            r"\b(take over|rent out|buy out|book out|book|reserve|rent)\b.{0,10}"
            r"\b(the )?(whole|entire|all the|all)\b.{0,10}"
            r"\b(location|place|venue|boxes|bays|space|building|club)\b",
            r"\b(several|multiple|a few|a couple|two|three|four|\d) (boxes|bays|sims)\b.{0,30}"
            r"\b(at once|same time|together|side by side|for (a|our) group)\b",
            r"\b(book|reserve)\b (several|multiple|a few|a couple of) (boxes|bays|sims)\b",
        ),
        _rx(
            r"\b(cancel\w*|refund\w*|move|reschedul\w*|change)\b",
            r"\b(gift|voucher|membership)\b",
            r"\b(left|lost|forgot\w*)\b",
            # What a party costs is a price question.
            r"\b(how much|price|prices|pricing|cost|rates?)\b",
        ),
        confidence=0.9,
    ),
    # A booking stated, then asked about: "box for 2 at bedford sunday 8am, doable?",
    # "3 of us friday at 7, does that work".
    IntentRule(
        Intent.BOOKING_NEW,
        _rx(
            r"^(?=.*\b(" + _WHEN + r")\b)(?=.*\b" + _CAN_WE + r"\b).*"
            r"\b((booking|table|box|bay|sim|spot|reservation|room|space|time) for|"
            r"party of|group of|with) (me and )?" + _PARTY_SIZE + r"\b",
            r"^(?=.*\b("
            + _WHEN
            + r")\b)(?=.*\b"
            + _CAN_WE
            + r"\b).*\b"
            + _PARTY_SIZE
            + r" (of us|people|ppl|players|guys|girls|friends|adults|golfers|person)\b",
        ),
        _rx(
            _ALREADY_BOOKED,
            r"\b(cancel\w*|refund\w*|move|reschedul\w*|change|late|behind)\b",
            r"\b(gift|voucher|membership|member|app|account|website)\b",
            r"\b(how much|price|prices|pricing|cost|rates?)\b",
            r"\b(open|close|hours)\b\W*$",
        ),
        confidence=0.9,
    ),
    # A booking whose group grew or shrank: "booked for four but now we're six".
    IntentRule(
        Intent.BOOKING_CHANGE,
        _rx(
            _ALREADY_BOOKED + r".{0,80}\b(now (we have|we'?re|we are|there'?s|theres|there are|"
            r"there will be|its|it'?s|only|more like)|" + _PARTY_SIZE + r" instead of|"
            r"(we have|we'?re|we are|there'?s|there are|its|it'?s) " + _PARTY_SIZE + r" now|"
            r"(\d+|two|three|a couple|a few|few) (more|extra) (people|friends|players|guests|ppl|"
            r"coming|joining)|(more|extra) (people|friends|players|guests) (are )?(coming|joining)|"
            r"dropp?(ed|ing) out|can'?t (come|make it) any ?more|bail(ed)?)\b",
        ),
        _rx(r"\b(gift|voucher|membership|refund\w*)\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.BOOKING_APP,
        _rx(r"\b(receipts?|invoices?)\b"),
        _rx(r"\b(gift|refund|charged|membership|door)\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.FACILITY,
        _rx(
            r"\b(stairs|steps|staircase|elevator|ramp|step[- ]free|walker|cane|mobility|"
            r"wheel ?chairs?|accessib\w*|handicap\w*)\b",
        ),
        _rx(r"\b(reset|restart|reboot|trackman|sim|simulator|screen|app|swing)\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.FOOD_DRINK,
        _rx(
            r"\b(uber ?eats|door ?dash|skip ?the ?dishes|grubhub|foodora)\b",
            r"\b(order|get|have)\b.{0,30}\b(delivered|delivery)\b",
            r"\bdeliver\w*\b.{0,30}\b(food|pizza|wings|subs|to the (box|bay)|to (box|bay))\b",
            r"\border (food|pizza|wings|in|takeout|take-out)\b",
            r"\bdelivery (driver|guy|person)\b",
        ),
        _rx(r"\b(gift|card|clubs?|package|parcel|refund)\b"),
        confidence=0.9,
    ),
    # Wear and supplies in the box, for staff to replace: "the grip on the 7 iron is
    # coming off", "out of balls in box 2", "no more tees".
    IntentRule(
        Intent.EQUIPMENT,
        _rx(
            r"\b(grips?|shaft|club ?head|head|ferrule|tees?|tee holder|mat|net|hitting mat)\b"
            r".{0,30}\b(coming off|came off|come off|falling (off|apart)|fell off|peeling|"
            r"loose|ripped|torn|worn( out| down)?|cracked|bent|snapped|split|frayed|fraying|"
            r"wobbly|hole in it)\b",
            r"\b(out of|ran out of|run out of|running (out of|low on)|no more|need more|"
            r"need some more|any more|more)\b (golf )?(balls|tees)\b",
        ),
        _rx(
            r"\b(gift|price|cost|how much|buy|sell|refund|membership)\b",
            r"\b(bring|own|left|lost|forgot\w*)\b",
            # "which tees are the ladies' tees": where to play from, not a supply.
            r"\b(red|forward|back|blue|white|ladies|change|switch|pick|choose|select)\b",
        ),
        confidence=0.9,
    ),
    IntentRule(
        Intent.FEEDBACK_POSITIVE,
        _rx(
            r"\b(10|11|12)/10\b",
            r"\b(5|five) stars?\b",
            r"\bwould (\w+ ){0,4}again\b",
            r"\bbest\b.{0,30}\bof (my|our|his|her) (life|lives)\b",
            r"\b(had|having) a blast\b",
            r"\bloved every (minute|second)\b",
        ),
        _rx(r"\b(but|however|except|though)\b", r"\?", r"\b" + _BROKEN + r"\b"),
        confidence=0.9,
    ),
    IntentRule(
        Intent.FEEDBACK_POSITIVE,
        _rx(
            r"\b(had|have) (a|an|the) (great|amazing|awesome|fantastic|wonderful|fun|blast)\b",
            r"\b(love|loved) (this|the|your) (place|club|venue|setup|spot)\b",
        ),
        # Praise beside a fault ("love this place, sadly the sim crashed") is the fault.
        _rx(r"\b(but|however|except|though)\b", r"\?", r"\b" + _BROKEN + r"\b"),
        confidence=0.9,
    ),
)


# Intents that report a fault with the venue's equipment or doors: praise that names
# the equipment ("trackman is spot on tonight") is none of them.
# "anyone there??", "hello?? is anybody reading this": someone asks for a person and
# says nothing else, so no topic can be guessed from it; staff answer.
_ANYONE_THERE = re.compile(
    r"^\W*((hello+|hi+|hey+|yo)\W+)*((is|are) )?(there )?"
    r"(any ?one|any ?body|some ?one|some ?body|anybody|a (real )?(person|human))"
    r"( (there|here|home|around|awake|working|available|reading (this|these)|on))*\W*$"
    r"|^\W*(hello+|hi+|hey+)\W*\?+\W*$"
)
FAULT_INTENTS = frozenset(
    {Intent.TRACKMAN_RESET, Intent.SIDE_SCREEN, Intent.EQUIPMENT, Intent.DOOR_ACCESS}
)
PRAISE_CONFIDENCE = 0.9
# As sure as the simulator's own rule: a restart is still offered, never done unasked.
DEVICE_FAULT_CONFIDENCE = 0.9
MESS_CONFIDENCE = 0.9


def _normalise_phrase(text: str) -> str:
    return " ".join(tokens(text.replace("_", " ").replace("-", " ")))


def _edit_distance(left: str, right: str) -> int:
    """Optimal-string-alignment distance: typos, and swapped neighbours ("bedfrod") as one."""
    previous_previous: list[int] = []
    previous = list(range(len(right) + 1))
    for i, left_char in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, right_char in enumerate(right, start=1):
            cost = 0 if left_char == right_char else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and left_char == right[j - 2]
                and left[i - 2] == right_char
                and previous_previous
            ):
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[-1]


def _allowed_typos(phrase: str) -> int:
    # Short names collide with ordinary words under any edit ("main" vs "mail"),
    # so only names long enough to be distinctive tolerate typos.
    if len(phrase) < 5:
        return 0
    if len(phrase) < 9:
        return 1
    return 2


_BOX = re.compile(
    r"\b(?:box|bay|sim|simulator|room|b)\s*(?:#|no\.?|num(?:ber)?\.?)?\s*"
    r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
_ORDINAL_BOX = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:box|bay|sim|simulator)\b", re.IGNORECASE
)


@attrs.frozen
class EntityExtractor:
    """Finds the location and box a text names, from the venue's own vocabulary.

    ``locations`` maps each canonical location key to its aliases; the key itself
    also counts as a name ("north_end" matches "north end").
    """

    locations: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    _names: tuple[tuple[str, str], ...] = attrs.field(init=False)

    @_names.default
    def _build_names(self) -> tuple[tuple[str, str], ...]:
        names: list[tuple[str, str]] = []
        for key, aliases in self.locations.items():
            for name in (key, *aliases):
                phrase = _normalise_phrase(name)
                if phrase:
                    names.append((phrase, key))
        # Longest first, so "north bedford" wins over "bedford" for the same text.
        return tuple(sorted(names, key=lambda item: -len(item[0])))

    def location(self, text: str) -> str | None:
        """The canonical key of the one location the text names, or None if none or several."""
        words = tokens(text)
        padded = f" {' '.join(words)} "
        exact = {key for phrase, key in self._names if f" {phrase} " in padded}
        if exact:
            return exact.pop() if len(exact) == 1 else None
        fuzzy: set[str] = set()
        for phrase, key in self._names:
            allowed = _allowed_typos(phrase)
            if not allowed:
                continue
            width = phrase.count(" ") + 1
            for start in range(len(words) - width + 1):
                candidate = " ".join(words[start : start + width])
                if abs(len(candidate) - len(phrase)) > allowed:
                    continue
                if _edit_distance(candidate, phrase) <= allowed:
                    fuzzy.add(key)
        return fuzzy.pop() if len(fuzzy) == 1 else None

    @staticmethod
    def box(text: str) -> int | None:
        """The one box (bay, sim, room) number the text names, or None if none or several."""
        found: set[int] = set()
        for match in _BOX.finditer(text):
            raw = match.group(1).lower()
            found.add(NUMBER_WORDS[raw] if raw in NUMBER_WORDS else int(raw))
        for match in _ORDINAL_BOX.finditer(text):
            found.add(int(match.group(1)))
        found.discard(0)
        return found.pop() if len(found) == 1 else None

    def extract(self, text: str) -> Entities:
        return Entities(location=self.location(text), box=self.box(text))


def _keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    phrases = [_normalise_phrase(keyword) for keyword in keywords]
    alternatives = [re.escape(phrase) for phrase in phrases if phrase]
    if not alternatives:
        return None
    return re.compile(r"(?:^| )(?:" + "|".join(alternatives) + r")(?: |$)")


@attrs.frozen
class PatternClassifier:
    """The ``TextClassifier`` for deterministic patterns, configured from venue data.

    ``blacklist`` maps a topic claw must never answer (legal threats, injuries...)
    to keywords; the built-in safety topics (``safety``) are always added. A
    blacklisted text with no intent rule still gets a PATTERN classification (OTHER,
    flagged) so it is escalated without being sent to an LLM.
    """

    locations: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    blacklist: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    rules: Sequence[IntentRule] = DEFAULT_RULES
    _extractor: EntityExtractor = attrs.field(init=False)
    _blacklist_patterns: tuple[tuple[str, re.Pattern[str]], ...] = attrs.field(init=False)

    @_extractor.default
    def _build_extractor(self) -> EntityExtractor:
        return EntityExtractor(self.locations)

    @_blacklist_patterns.default
    def _build_blacklist(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for topic, keywords in with_safety_topics(self.blacklist).items():
            pattern = _keyword_pattern(keywords)
            if pattern is not None:
                compiled.append((topic, pattern))
        return tuple(compiled)

    def entities(self, text: str) -> Entities:
        return self._extractor.extract(text)

    def blacklisted_topic(self, text: str) -> str | None:
        """The first configured topic any of whose keywords the text contains."""
        padded = " ".join(tokens(text.replace("-", " ")))
        for topic, pattern in self._blacklist_patterns:
            if pattern.search(padded):
                return topic
        return None

    def matching_intents(self, text: str) -> set[Intent]:
        return {rule.intent for rule in self.rules if rule.matches(text)}

    def classify(self, text: str) -> Classification | None:
        """A PATTERN classification when exactly one intent's rule fires, else None.

        Injection attempts and spam are OTHER whatever they name; praise with no fault
        and no question is FEEDBACK_POSITIVE even when it names equipment; a fault on a
        device of the bay is that device's flow (``device_fault_flow``).
        """
        topic = self.blacklisted_topic(text)
        matched = [rule for rule in self.rules if rule.matches(text)]
        intents = {rule.intent for rule in matched}
        if looks_like_injection(text) or looks_like_spam(text) or _ANYONE_THERE.match(text.lower()):
            intent, confidence = Intent.OTHER, 1.0
        elif complains_of_mess(text):
            # "no toilet paper and the bathroom is gross": a complaint for staff, not a
            # facility question, whatever place it names.
            intent, confidence = Intent.FEEDBACK_NEGATIVE, MESS_CONFIDENCE
        elif intents <= FAULT_INTENTS and reads_as_praise(text):
            # "The simulator works great today": a mention of equipment, not a fault.
            intent, confidence = Intent.FEEDBACK_POSITIVE, PRAISE_CONFIDENCE
        elif (flow := device_fault_flow(text)) is not None and not (
            intents - FAULT_INTENTS - QUESTION_INTENTS
        ):
            # "The projector keeps flickering", "the speaker has no sound": a fault on a
            # device goes to that device's flow, whatever topic its name suggests. A
            # refund or lost item named beside it is left to the rules and the model.
            intent, confidence = flow, DEVICE_FAULT_CONFIDENCE
        elif len(intents) == 1:
            intent = intents.pop()
            confidence = max(rule.confidence for rule in matched)
        elif topic is not None:
            intent, confidence = Intent.OTHER, 1.0
        else:
            return None
        return Classification(
            intent=intent,
            confidence=confidence,
            source=ClassificationSource.PATTERN,
            entities=self.entities(text),
            sentiment=detect_sentiment(text),
            blacklisted_topic=topic,
        )
