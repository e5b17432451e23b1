"""Turn tricky text into plain lowercase letters, remembering where each letter came from.

Children (and small models) hide words with accents ("fück"), look-alike letters from other
alphabets (Cyrillic "а"), invisible characters, and leetspeak ("sh1t", "a$$"). Folding undoes
the first three for every character; leetspeak is undone per word in :mod:`profanity`, because
a digit is only a letter when it sits inside a word ("sh1t", but never "10").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that draw nothing: removed before anything else.
INVISIBLE = {
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
    "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",
    "\ufeff",
}

# Letters from other alphabets that look like Latin ones (the common confusables).
HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ӏ": "l", "ց": "g", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    # Latin oddities NFKD leaves alone
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i",
}

# Symbols and digits that stand for letters when they sit inside a word.
LEET = {
    "@": "a", "4": "a", "^": "a",
    "8": "b",
    "(": "c", "¢": "c",
    "3": "e", "€": "e",
    "6": "g", "9": "g",
    "#": "h",
    "!": "i", "1": "i", "|": "i",
    "0": "o",
    "$": "s", "5": "s", "§": "s",
    "7": "t", "+": "t",
    "2": "z",
}
# Leet characters that could be more than one letter ("1" is "i" in "b1tch", "l" in "he11").
LEET_ALTERNATIVES = {"1": ("i", "l"), "|": ("i", "l"), "!": ("i", "l")}
# Leet characters that may stand at the start or end of a word ("$hit", "a$$").
LEET_AT_EDGES = set("@$5034718")
WILDCARD = "*"


@dataclass(frozen=True)
class Folded:
    """Folded text plus, for each folded character, the index of the original character."""

    text: str
    origin: list[int]


def fold_char(char: str) -> str:
    """One original character as zero or more plain lowercase characters."""
    if char in INVISIBLE:
        return ""
    lowered = char.casefold()
    out = []
    for piece in lowered:
        if piece in HOMOGLYPHS:
            out.append(HOMOGLYPHS[piece])
            continue
        decomposed = unicodedata.normalize("NFKD", piece)
        for sub in decomposed:
            if unicodedata.combining(sub):
                continue
            sub = sub.casefold()
            out.append(HOMOGLYPHS.get(sub, sub))
    return "".join(out)


def fold(text: str) -> Folded:
    """Fold every character, keeping a map back to the original text."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in fold_char(char):
            chars.append(piece)
            origin.append(index)
    return Folded("".join(chars), origin)


def fold_text(text: str) -> str:
    """Just the folded string (for phrase matching, where positions don't matter)."""
    return fold(text).text


def is_letter(char: str) -> bool:
    return char.isalpha()


def unleet_word(word: str) -> list[str]:
    """The letter spellings a leetspeak word may stand for ("sh1t" -> ["shit", "shlt"]).

    Words with no real letter at all ("1000", "$5") are numbers or prices, never words.
    """
    if not any(is_letter(c) for c in word):
        return []
    variants = [""]
    ambiguous = 0
    for char in word:
        if is_letter(char) or char == WILDCARD:
            options: tuple[str, ...] = (char,)
        elif char in LEET_ALTERNATIVES and ambiguous < 3:
            ambiguous += 1
            options = LEET_ALTERNATIVES[char]
        elif char in LEET:
            options = (LEET[char],)
        else:
            options = (char,)
        variants = [v + o for v in variants for o in options]
    return variants


# -- ideas: plain words for phrase matching ----------------------------------------------

_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|s|am|pm|cm|mm|km|kg|g|m|x|k|d|p|lbs?)$")


def prepare(text: str) -> str:
    """Lowercase plain words: folded, leetspeak undone inside words, spelled-out letters joined."""
    folded = fold_text(text).replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    words = []
    for word in folded.split():
        core = word.strip(".,!?;:\"()[]{}")
        if (
            core
            and any(c in LEET for c in core)
            and sum(c.isalpha() for c in core) >= 2
            and not _ORDINAL.match(core)
            and not re.fullmatch(r"[\d$.,:/%-]+", core)
            and not re.fullmatch(r"[a-z]+\d+", core)  # system32, mp3, level2: a name with a number
        ):
            variants = unleet_word(core)
            if variants:
                word = word.replace(core, variants[0])
        words.append(word)
    joined = " ".join(words)
    # "h a c k" / "h.a.c.k" -> "hack"
    joined = re.sub(r"\b(?:[a-z][ .\-_]){2,}[a-z]\b", _join_spelled, joined)
    joined = re.sub(r"[^a-z0-9'$:\\/.+\- ]+", " ", joined)
    joined = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", joined)
    return re.sub(r"\s+", " ", joined).strip()


def _join_spelled(m: re.Match[str]) -> str:
    """'h a c k' -> 'hack'; 'a p o r n' -> 'a porn' (a leading "a"/"i" is usually a word)."""
    letters = re.sub(r"[ .\-_]", "", m.group(0))
    if len(letters) < 3:
        return m.group(0)
    if letters[0] in "ai" and len(letters) >= 4:
        return letters[0] + " " + letters[1:]
    return letters
