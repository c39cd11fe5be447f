"""A reply that describes the lost item and where it was left, after a lost-item answer.

claw answers "I left my sunglasses there last night" by asking what the item looks
like and which box it was in. The reply names both and nothing else: "box 2
dartmouth, black oakleys", "grey nike hoodie, bay 3", "the blue one with the
white logo". Read alone it is about nothing (a model reads it as OTHER, or as club
rental when a putter is the lost thing); read after that answer it gives the
details asked for (``slots.read_in_context`` applies it).

What the item is cannot be listed (brands and nicknames are endless), so the
reply must hold at least one word that describes a thing (a colour, a material, a
kind of item), few other words, and nothing that asks or reports a fault.
"""

from __future__ import annotations

from claw_domain.replies import tokens

# A description with its place fits in this many words.
_MAX_WORDS = 16
# Brand names, nicknames and a location's own words that no list here can hold.
_UNLISTED_WORDS = 4

_COLOURS = frozenset(
    {
        "black",
        "white",
        "grey",
        "gray",
        "blue",
        "navy",
        "red",
        "maroon",
        "green",
        "olive",
        "yellow",
        "pink",
        "purple",
        "orange",
        "brown",
        "tan",
        "beige",
        "cream",
        "silver",
        "gold",
        "dark",
        "light",
        "camo",
        "plaid",
        "striped",
        "leather",
        "wool",
        "denim",
        "metal",
        "plastic",
    }
)
_ITEMS = frozenset(
    {
        "sunglasses",
        "glasses",
        "shades",
        "sunnies",
        "jacket",
        "coat",
        "hoodie",
        "sweater",
        "sweatshirt",
        "vest",
        "pullover",
        "quarter",
        "zip",
        "hat",
        "cap",
        "toque",
        "beanie",
        "visor",
        "glove",
        "gloves",
        "mitts",
        "scarf",
        "wallet",
        "purse",
        "keys",
        "key",
        "keychain",
        "fob",
        "phone",
        "iphone",
        "case",
        "airpods",
        "earbuds",
        "headphones",
        "charger",
        "cable",
        "watch",
        "ring",
        "bracelet",
        "necklace",
        "earring",
        "bag",
        "backpack",
        "tote",
        "umbrella",
        "bottle",
        "tumbler",
        "mug",
        "card",
        "id",
        "licence",
        "license",
        "putter",
        "driver",
        "wedge",
        "iron",
        "irons",
        "hybrid",
        "club",
        "clubs",
        "headcover",
        "headcovers",
        "rangefinder",
        "balls",
        "tees",
        "shoes",
        "sneakers",
        "shirt",
        "sweats",
        "lanyard",
        "logo",
        "brand",
        "pair",
        "size",
        "small",
        "large",
        "big",
        "little",
    }
)
# Words around a description and a place that say nothing else.
_FILLER = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "his",
        "her",
        "our",
        "their",
        "of",
        "with",
        "and",
        "on",
        "in",
        "at",
        "it",
        "its",
        "was",
        "were",
        "is",
        "are",
        "they",
        "them",
        "one",
        "ones",
        "box",
        "bay",
        "sim",
        "room",
        "number",
        "we",
        "i",
        "im",
        "think",
        "pretty",
        "sure",
        "probably",
        "maybe",
        "left",
        "forgot",
        "last",
        "night",
        "yesterday",
        "today",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "location",
        "like",
        "kind",
        "sort",
        "some",
        "ok",
        "okay",
        "thanks",
        "thx",
        "ty",
        "sorry",
        "oh",
        "yeah",
        "yes",
        "yep",
        "lol",
        "s",
        "under",
        "by",
        "near",
        "beside",
        "behind",
        "chair",
        "couch",
        "table",
        "bench",
        "floor",
    }
)
# A question or a fault is no description of a lost thing.
_NOT_A_DESCRIPTION = frozenset(
    {
        "where",
        "what",
        "whats",
        "when",
        "how",
        "why",
        "who",
        "which",
        "can",
        "could",
        "do",
        "does",
        "did",
        "not",
        "no",
        "isnt",
        "wont",
        "cant",
        "doesnt",
        "froze",
        "frozen",
        "stuck",
        "broken",
        "broke",
        "working",
        "work",
        "works",
        "locked",
        "door",
        "open",
        "help",
        "refund",
        "book",
        "booking",
        "price",
        "cost",
        "screen",
        "trackman",
    }
)


def describes_lost_item(text: str) -> bool:
    """A short text describing a thing, and perhaps where it was: "box 2, black oakleys"."""
    if "?" in text:
        return False
    words = [word for word in tokens(text) if word.isalnum()]
    if not words or len(words) > _MAX_WORDS:
        return False
    if any(word in _NOT_A_DESCRIPTION for word in words):
        return False
    described = any(word in _COLOURS or word in _ITEMS for word in words)
    unlisted = [
        word for word in words if word not in _COLOURS | _ITEMS | _FILLER and not word.isdigit()
    ]
    return described and len(unlisted) <= _UNLISTED_WORDS
