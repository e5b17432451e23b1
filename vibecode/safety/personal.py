"""Personal information in an idea: phone numbers, emails, home addresses, full names,
passwords, school names and card numbers — found so the child can be warned, and replaced
by pretend details so the idea can be kept without them.
"""

from __future__ import annotations

import re

_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|way|court|ct|boulevard|blvd|place|pl|"
    r"close|crescent|cres|terrace|circle|cir|highway|hwy|parkway|pkwy|square|sq|gardens|grove|"
    r"row|mews|walk|hill|park)"
)
_NOT_STREET_WORD = (
    r"(?!(?:the|a|an|on|in|to|of|down|up|along|across|and|or|for|with|my|your|cars?|dogs?|cats?|"
    r"kids?|people|times?|days?|weeks?|cups?|dollars?|cents?|coins?|miles?|km|steps?|laps?|"
    r"houses?|blocks?|trees?|minutes?|hours?|at|from|by|into|around|is|are|was)\b)"
)
PERSONAL_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "friend@example.com"),
    ("card", re.compile(r"\b(?:\d[ -]?){13,19}\b"), "0000 0000 0000 0000"),
    ("phone", re.compile(
        r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{3,4}[ .-]?\d{3,4}(?![\w.])"
        r"|(?<![\w.])\+\d{9,14}(?![\w.])|(?<![\w.])0\d{9,10}(?![\w.])|(?<![\w.])\d{3}-\d{4}(?![\w.])"), "555-0100"),
    ("address", re.compile(
        rf"\b\d{{1,5}}[a-z]?\s+{_NOT_STREET_WORD}(?:[a-z'][\w'-]*\s+){{1,3}}{_STREET}\b\.?", re.IGNORECASE),
     "1 Pretend Street"),
    ("address", re.compile(r"\b(?:i live (?:at|on)|my (?:home )?address is|our address is|we live at|my house is at)\s+[^.!?\n]{3,60}", re.IGNORECASE),
     "I live on Pretend Street"),
    ("address", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"), "AB1 2CD"),  # UK postcode
    ("password", re.compile(
        r"\bmy (?:real |actual )?(?:password|passcode|pin|pin number|login)(?: for \S+)? is[: ]+"
        r"(?!(?:strong|weak|good|bad|safe|unsafe|secure|long|short|secret|hard|easy|too|not|very|really|"
        r"the|a|an|my|ok|okay|fine|correct|right|wrong|private|hidden|missing|lost|forgotten|changed|"
        r"new|old|same|different|simple|complicated|great|terrible|funny|silly|boring|safe enough|"
        r"strong enough|it|this|that)\b)[\"']?\S{3,}", re.IGNORECASE), "my password is ********"),
    ("school", re.compile(
        r"\b(?i:i go to|i'm at|i am at|we go to|my school is|i attend|in year \d+ at|in grade \d+ at)\s+"
        r"(?:the\s+)?(?:[A-Z][\w'-]+\s+){1,4}(?:Elementary|Primary|Middle|High|Junior|Academy|School|College|Prep)\b"),
     "a pretend school"),
]

_NAME_STOP = {
    "and", "or", "is", "was", "who", "likes", "like", "loves", "has", "to", "from", "in", "at",
    "the", "a", "an", "with", "for", "because", "but", "said", "says", "plays", "wants", "can",
    "will", "does", "did", "gets", "got", "made", "makes", "game", "games", "quiz", "story",
    "about", "me", "my", "i", "it", "that", "so", "too", "are", "were", "of", "on", "very",
    "really", "not", "happy", "sad", "good", "bad", "years", "old", "here", "new", "back",
}
_RELATION_WORD = (
    r"(?i:(?:my|our) (?:best |little |big |older |younger |step)?(?:friend|friends|sister|brother|"
    r"cousin|classmate|teacher|neighbou?r|mom|mum|dad|boyfriend|girlfriend|crush|aunt|uncle|grandma|"
    r"grandpa|stepmom|stepdad))"
)
_NAME_PATTERNS = [
    # "my friend Emma Johnson" (capitalised, so "my friend likes cats" is not a name)
    re.compile(rf"\b{_RELATION_WORD}(?i:'s (?:full )?name is| is called| called| named| is)?\s+"
               r"([A-Z][a-z]+)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b"),
    # "my friend named emma johnson" (said outright, any case)
    re.compile(rf"\b{_RELATION_WORD}(?i:'s (?:full )?name is| is called| called| named)\s+"
               r"(?i:([a-z]+)\s+([a-z]+(?:-[a-z]+)?))\b"),
    # "my name is Sam Lee", "my full name is sam lee", "I'm Sam Lee"
    re.compile(r"\b(?i:my (?:full |real )?name is)\s+(?i:([a-z]+)\s+([a-z]+(?:-[a-z]+)?))\b"),
    re.compile(r"\b(?:I am|I'm|i am|i'm)\s+([A-Z][a-z]+)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b"),
]


def find_personal(text: str) -> tuple[list[str], str]:
    """Kinds of private information in the text, and the text with pretend details instead."""
    kinds: list[str] = []
    redacted = text
    for kind, pattern, placeholder in PERSONAL_PATTERNS:
        new = pattern.sub(placeholder, redacted)
        if new != redacted:
            if kind not in kinds:
                kinds.append(kind)
            redacted = new

    def name_hit(m: re.Match[str]) -> str:
        first, last = m.group(1), m.group(2)
        if first.casefold() in _NAME_STOP or last.casefold() in _NAME_STOP:
            return m.group(0)
        if "full_name" not in kinds:
            kinds.append("full_name")
        head = m.group(0)[: m.start(1) - m.start(0)]
        return head + "Alex Sample"

    for pattern in _NAME_PATTERNS:
        redacted = pattern.sub(name_hit, redacted)
    return kinds, redacted
