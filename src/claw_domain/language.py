"""Whether a customer wrote in a language other than the venue's (English).

claw's answers, questions and confirmations are written in English; a customer who
writes "Merci beaucoup, super soirée!" or "La puerta no abre" is better served by a
person, even when the local stages understood the topic (the intent is kept, so
staff see what it is about). The reading is deliberately plain: a text mostly in
another script, or one whose function words are those of another common language
and not of English, or whose words carry letters English does not use ("soirée",
"mañana"). A borrowed word ("merci", "ciao") inside an English sentence
keeps the text English.
"""

from __future__ import annotations

from claw_domain.replies import tokens

# Short, frequent words of languages customers of a Canadian venue write in, that
# are not English words or text-speak (so "la", "de", "no", "me", "y", "et" are not here).
_FOREIGN_WORDS = frozenset(
    {
        # French
        "merci",
        "bonjour",
        "bonsoir",
        "salut",
        "oui",
        "vous",
        "nous",
        "etes",
        "sommes",
        "sont",
        "avec",
        "pour",
        "une",
        "les",
        "je",
        "jai",
        "cest",
        "ouvert",
        "ouverts",
        "ferme",
        "combien",
        "soir",
        "demain",
        "aujourdhui",
        "porte",
        "nest",
        "tres",
        "bien",
        "gelee",
        "gele",
        "boite",
        "simulateur",
        "quelle",
        "heure",
        "heures",
        "svp",
        # Spanish
        "gracias",
        "hola",
        "por",
        "favor",
        "cuanto",
        "cuesta",
        "estan",
        "estamos",
        "esta",
        "puerta",
        "abre",
        "abierto",
        "abiertos",
        "hay",
        "que",
        "una",
        "los",
        "las",
        "muchas",
        "buenas",
        "noches",
        "hora",
        "hoy",
        "manana",
        "estacionamiento",
        "tienen",
        "puedo",
        "muy",
        "afuera",
        # German
        "danke",
        "bitte",
        "hallo",
        "guten",
        "ist",
        "wir",
        "sind",
        "nicht",
        "und",
        "haben",
        "heute",
        "sehr",
        "schon",
        "wie",
        "viel",
        # Portuguese and Italian
        "obrigado",
        "obrigada",
        "voce",
        "voces",
        "grazie",
        "ciao",
        "buongiorno",
        "quanto",
        "aperto",
        "aperti",
        "chiuso",
        "apre",
        "nel",
        "della",
        "questo",
        "sono",
        "siamo",
        "abbiamo",
        "vorrei",
        "possiamo",
        "funziona",
        "simulatore",
        "buona",
        "sera",
        "oggi",
        "domani",
        "perche",
        "quando",
        "anche",
        "molto",
        "tutto",
        "prenotare",
        "prenotazione",
        "adorei",
        "gostei",
        "voltaremos",
        "voltamos",
        "certeza",
        "muito",
        "boa",
        "noite",
        "hoje",
        "amanha",
        "nao",
        "estao",
        "otimo",
        "custa",
        "podemos",
        "queremos",
        "reserva",
        # German
        "ich",
        "mein",
        "meine",
        "habe",
        "kann",
        "konnen",
        "wann",
        "geht",
        "funktioniert",
        "kaputt",
        "geoffnet",
        "offen",
        "morgen",
        "abend",
        "tur",
        "auch",
        "gibt",
        "vielen",
        "ein",
        "eine",
        # Vietnamese written without its marks (with them, the letters say it)
        "xin",
        "chao",
        "khong",
        "duoc",
        "nhieu",
        # Hindi and Punjabi written in Latin letters
        "kya",
        "nahi",
        "nahin",
        "aap",
        "bahut",
        "accha",
        "theek",
        "kripya",
        "dhanyavad",
        "shukriya",
        "tusi",
        "kithe",
    }
)
# Words of other languages that are also English names, abbreviations or loans
# ("Le Mans", "Des Moines", "7pm est", "non members", "gmail.com", "Para golf"): they
# count only beside a word no English text has.
_AMBIGUOUS_WORDS = frozenset(
    {
        "est",
        "des",
        "le",
        "du",
        "ce",
        "pas",
        "non",
        "com",
        "es",
        "der",
        "das",
        "mit",
        "ola",
        "todo",
        "para",
        "porta",
        "tem",
        "hai",
        "ji",
        "il",
        "dove",
        "dank",
        "si",
    }
)
# English function words: their presence says the text is English after all.
_ENGLISH_WORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "is",
        "are",
        "was",
        "you",
        "we",
        "i",
        "it",
        "to",
        "for",
        "of",
        "and",
        "my",
        "your",
        "in",
        "on",
        "at",
        "do",
        "can",
        "what",
        "how",
        "thanks",
        "thank",
        "please",
        "open",
        "this",
        "that",
        "with",
        "have",
        "box",
        "bay",
    }
)
# A text at least this share of whose letters are of another script (CJK, Cyrillic,
# Arabic...) is in another language.
_OTHER_SCRIPT_SHARE = 0.5


def _other_script_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for ch in letters if not ("a" <= ch.lower() <= "z") and ord(ch) > 0x24F)
    return foreign / len(letters)


def _accented_words(text: str) -> int:
    """Words with a Latin letter English does not use ("soirée", "mañana", "für")."""
    return sum(
        1
        for word in text.split()
        if any(
            ch.isalpha() and ("\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff")
            for ch in word
        )
    )


def written_in_another_language(text: str) -> bool:
    """Whether the text is in a language other than English.

    "Hola, están abiertos?" and "你们几点关门" are; "merci, see you tomorrow",
    "thanks!" and "open at 9pm est?" are not.
    """
    if _other_script_share(text) >= _OTHER_SCRIPT_SHARE:
        return True
    words = [word for word in tokens(text) if word.isalnum()]
    foreign = sum(1 for word in words if word in _FOREIGN_WORDS) + _accented_words(text)
    if foreign:
        foreign += sum(1 for word in words if word in _AMBIGUOUS_WORDS)
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    return foreign >= 1 and foreign > english
