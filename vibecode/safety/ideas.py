"""Decide whether a child's idea is fine to build, before the model ever sees it.

This is a rule layer that works with no model at all. It looks for *what the program would
do to whom* (a verb plus a real target: "delete all files on the computer", "steal my
sister's password", "hack into the school website"), not for scary single words, so ordinary
kid projects — "kill the dragon", "shoot hoops", "steal second base", "a life hack list",
"a quiz about viruses and bacteria", "a password checker for my own game" — are never refused.

Two things soften a match: *protective framing* ("stop hackers from deleting files", "defend
against viruses") and *story framing* ("a game where you hack the evil robot's base") — but
story framing only helps when the target is make-believe, never when it is a real person
("my sister's password") or the real computer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vibecode.safety.concepts import Near, find_near
from vibecode.safety.messages import personal_warning, refusal, suggestion
from vibecode.safety.normalize import prepare
from vibecode.safety.personal import find_personal
from vibecode.safety.phrases import (
    ADULT_RULES,
    BENIGN,
    FLAGS,
    HARMFUL_RULES,
    PROTECT,
    REAL_DEVICE,
    REAL_OWNER,
    REAL_PERSON,
    STORY,
    UNKIND_RULES,
    LazyPattern,
    Rule,
)
from vibecode.safety.profanity import detector
from vibecode.safety.rules import SafetyRules, active_rules

KINDS = ("ok", "harmful", "adult", "unkind", "blocked", "personal")
MAX_IDEA_CHARS = 5000  # an idea is a sentence or two; this bounds the time a check can take


@dataclass(frozen=True)
class IdeaCheck:
    """The verdict on one idea.

    kind: "ok" | "harmful" | "adult" | "unkind" | "blocked" (a teacher's topic) | "personal".
    allowed: False for harmful/adult/unkind/blocked. "personal" is allowed, but ``message`` is a
    gentle warning and the caller should ask the child before storing the text (``redacted``
    is the same idea with pretend details, to offer instead).
    """

    kind: str
    allowed: bool
    message: str | None
    category: str | None = None  # finer reason, e.g. "hack", "password", "phone"
    suggestion: str | None = None  # a safe project to offer instead
    matched: tuple[str, ...] = ()  # the words that triggered it (for the teacher's log)
    redacted: str | None = None  # for "personal": the idea with pretend details
    personal: tuple[str, ...] = field(default_factory=tuple)  # kinds of private info found


OK = IdeaCheck("ok", True, None)

def _mask(text: str, pattern: re.Pattern[str] | LazyPattern) -> str:
    return pattern.sub(lambda m: " " + "~" * max(1, len(m.group(0).split())) + " ", text)


def _word_forms(word: str) -> str:
    """A word and its plural/singular: "zombies" matches "zombie" too, "puppy" matches "puppies"."""
    if word.endswith("ies") and len(word) > 4:
        return re.escape(word[:-3]) + "(?:y|ies|ie)"
    if word.endswith("y") and len(word) > 2:
        return re.escape(word[:-1]) + "(?:y|ies)"
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return re.escape(word[:-1]) + "(?:s|es)?"
    return re.escape(word) + "(?:s|es)?"


def topic_pattern(phrase: str) -> re.Pattern[str] | None:
    """A teacher's topic phrase as a whole-word pattern over prepared text."""
    words = prepare(phrase).split()
    if not words:
        return None
    return re.compile(r"\b" + r"\s+".join(_word_forms(w) for w in words) + r"\b")


def _mask_phrases(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        pattern = topic_pattern(phrase)
        if pattern is not None:
            text = _mask(text, pattern)
    return text


def _real_target(matched: str) -> bool:
    """Does the matched phrase point at a real person, account or the real computer?

    "my sister's password", "the school website", "this computer" are real;
    "the evil robot's base" or "the villain's computer" in a story are not.
    """
    return bool(
        re.search(rf"\b(?:{REAL_OWNER}|{REAL_PERSON})(?:\b|$)", matched, FLAGS)
        or re.search(rf"\b(?:my|our|this|every|all the|everyone's|people's|real|the|(?:the |my )?school(?:'s)?|"
                     rf"(?:the |my )?class(?:'s)?|the whole|the entire|whole|entire)\s+{REAL_DEVICE}\b(?!')",
                     matched, FLAGS)
        or re.search(r"\b(?:school|teacher|instagram|snapchat|tiktok|facebook|discord|google|youtube|"
                     r"roblox|fortnite|minecraft|wi-?fi|bank account|credit card)\b", matched, FLAGS)
    )


def _protected(text: str, start: int) -> bool:
    """Is the match inside a protective phrase ("stop hackers from deleting files")?"""
    before = text[max(0, start - 60):start]
    before = re.split(r"[.!?;]", before)[-1]
    return bool(re.search(PROTECT, before, FLAGS) or re.search(r"\bfrom\s*$", before))


def _storyish(text: str) -> bool:
    return bool(re.search(STORY, text, FLAGS))


def _run_rules(rules: list[Rule], text: str) -> tuple[str, str] | None:
    """The first rule that really counts: (category, matched words)."""
    story = _storyish(text)
    for rule in rules:
        if rule.unless is not None and rule.unless.search(text):
            continue
        for m in rule.pattern.finditer(text):
            matched = m.group(0)
            if rule.protect_softens and _protected(text, m.start()):
                continue
            if story and rule.story_softens == "always":
                continue
            if story and rule.story_softens == "target" and not _real_target(matched):
                continue
            return rule.category, matched
    return None


def _concept_category(near: Near) -> str:
    action, target = near.action, near.target
    if near.category == "crash":
        if re.match(r"infect|hijack", action):
            return "virus"
        if re.match(r"flood|spam|fill", action):
            return "spam"
        if re.match(r"delet|eras|wip|format|lock|encrypt|corrupt", action):
            return "delete"
        return "crash"
    if near.category == "hack":
        return "bypass" if re.search(r"firewall|anti-?virus", target) else "hack"
    if re.search(r"password|pin|login|log-?in|account|bank|money|snapchat|instagram|tiktok|roblox|"
                 r"fortnite|minecraft|discord|whatsapp", target):
        return "password"
    if re.search(r"tests?|exam|answers|grades|marks", target):
        return "grades"
    return "spy"


def _run_concepts(text: str) -> tuple[str, str] | None:
    """The action-near-target net (see :mod:`concepts`), with the same softening as the rules."""
    story = _storyish(text)
    for near in find_near(text):
        if _protected(text, near.action_start):
            continue
        if story:
            at = text.find(near.target)
            context = text[max(0, at - 30):at + len(near.target)] if at >= 0 else near.target
            if not _real_target(context.split(" ", 1)[-1] if at > 30 else context):
                continue
        return _concept_category(near), f"{near.action} ... {near.target}"
    return None


_NOT_NAMES = {
    "monday", "mondays", "tuesday", "tuesdays", "wednesday", "wednesdays", "thursday", "thursdays",
    "friday", "fridays", "saturday", "saturdays", "sunday", "sundays", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "math", "maths", "english", "science", "french", "spanish", "german", "history",
    "geography", "art", "music", "pe", "homework", "school", "christmas", "halloween", "easter",
    "it", "that", "this", "when", "how", "being", "losing", "the", "my", "i", "you", "broccoli",
}


def _hate_named_person(text: str) -> str | None:
    """'how much I hate Chloe': hating a named person (a capitalised name, not Mondays or Maths)."""
    for m in re.finditer(r"\b(?:[Ii]|[Ww]e|[Ee]veryone|[Ee]verybody)\s+(?:really\s+|totally\s+|just\s+)?"
                         r"(?:hate|hates|can't stand|cant stand|despise)\s+([A-Z][a-z]+)\b", text):
        if m.group(1).casefold() not in _NOT_NAMES:
            return m.group(0)
    return None


# ---------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------


def _refuse(kind: str, category: str, matched: str) -> IdeaCheck:
    return IdeaCheck(
        kind=kind,
        allowed=False,
        message=refusal(category),
        category=category,
        suggestion=suggestion(category),
        matched=(matched.strip(),),
    )


def classify(text: str, rules: SafetyRules) -> IdeaCheck:
    """The rule layer alone (no logging)."""
    if not text or not text.strip():
        return OK
    text = text[:MAX_IDEA_CHARS]
    prepared = prepare(text)
    masked = _mask_phrases(prepared, rules.allowed_topics)
    masked = _mask(masked, BENIGN)

    found = _run_rules(HARMFUL_RULES, masked) or _run_concepts(masked)
    if found:
        return _refuse("harmful", *found)
    for kind, table in (("adult", ADULT_RULES), ("unkind", UNKIND_RULES)):
        found = _run_rules(table, masked)
        if found:
            return _refuse(kind, *found)
    found = _hate_named_person(text)
    if found:
        return _refuse("unkind", "unkind", found)

    # Rude words and slurs, however disguised.
    words = detector(rules.blocked_words, rules.allowed_words)
    for hit in words.find(text):
        entry_tier = words.tier_of(hit.word)
        if entry_tier == "mild":
            continue
        if entry_tier == "sexual":
            return _refuse("adult", "adult", hit.found)
        if entry_tier == "slur":
            return _refuse("unkind", "hate", hit.found)
        return _refuse("unkind", "bad_words", hit.found)

    for topic in rules.blocked_topics:
        pattern = topic_pattern(topic)
        if pattern is not None and pattern.search(masked):
            return _refuse("blocked", "teacher_topic", topic)

    kinds, redacted = find_personal(text)
    if kinds:
        return IdeaCheck(
            kind="personal",
            allowed=True,
            message=personal_warning(kinds),
            category=kinds[0],
            suggestion=None,
            matched=(),
            redacted=redacted,
            personal=tuple(kinds),
        )
    return OK


def warm_up() -> None:
    """Compile every pattern now (call from a background thread at app start, if you like)."""
    lazies = [BENIGN]
    for table in (HARMFUL_RULES, ADULT_RULES, UNKIND_RULES):
        for rule in table:
            lazies.append(rule.pattern)
            if rule.unless is not None:
                lazies.append(rule.unless)
    for lazy in lazies:
        lazy.compile()
    detector()


def check_idea(text: str, rules: SafetyRules | None = None) -> IdeaCheck:
    """Classify a child's idea before generation. Never raises; never shows a traceback.

    ``rules`` defaults to the class's teacher file (if any). When the teacher turned the log on,
    turned-down ideas (not personal ones, and never anything else the child typed) are kept
    for the teacher, for ``keep_days`` days, with any private details swapped for pretend ones.
    """
    active = rules if rules is not None else active_rules()
    result = classify(text, active)
    if not result.allowed and active.log_flagged:
        from vibecode.safety.log import record_flag

        _, without_private_details = find_personal(text)  # the log never keeps phone numbers etc.
        record_flag(without_private_details, result, keep_days=active.keep_days)
    return result
