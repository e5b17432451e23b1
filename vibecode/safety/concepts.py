"""A second net under the phrase rules: a harmful *action* near a *real target*.

Phrase rules know particular wordings; children find others ("fills the school printer with
1000 pages", "make the laptop battery explode", "steals peoples photos"). This layer looks for
an action word and a real-world target within a few words of each other, in either order:

- wrecking actions (delete, crash, lock, flood...) near the real computer or its parts;
- taking, watching or breaking-in actions near other people's private things or the
  school's systems.

The same softening as the phrase rules applies: protective or teaching framing ("stop hackers
from...", "explain what malware is") and story framing with a make-believe target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WINDOW = 7  # words between an action and its target

WRECK = (
    r"delete[sd]?|deleting|erase[sd]?|erasing|wipe[sd]?|wiping|corrupt(?:s|ed|ing)?|format(?:s|ted|ting)?|"
    r"lock(?:s|ed|ing)?|encrypt(?:s|ed|ing)?|crash(?:es|ed|ing)?|freez(?:e|es|ing)|froze|break(?:s|ing)?|"
    r"broke|brick(?:s|ed|ing)?|fry|fries|explod(?:e|es|ing)|blow(?:s|ing)? up|overheat(?:s|ing)?|"
    r"overload(?:s|ing)?|fill(?:s|ing)?(?: up)?|flood(?:s|ing)?|spam(?:s|ming)?|slow(?:s|ing)? down|"
    r"jam(?:s|ming)?|destroy(?:s|ing)?|wreck(?:s|ing)?|ruin(?:s|ing)?|mess(?:es|ing)? up|"
    r"drain(?:s|ing)?|infect(?:s|ed|ing)?|hijack(?:s|ed|ing)?|disable[sd]?|disabling"
)
TAKE_OR_WATCH = (
    r"steal(?:s|ing)?|stole|cop(?:y|ies|ying)|grab(?:s|bing)?|download(?:s|ing)?|collect(?:s|ing)?|"
    r"harvest(?:s|ing)?|send(?:s|ing)?|upload(?:s|ing)?|post(?:s|ing)?|e-?mail(?:s|ing)?|forward(?:s|ing)?|"
    r"spy(?:ing)?|watch(?:es|ing)?|track(?:s|ing)?|record(?:s|ing)?|read(?:s|ing)?|see(?:s|ing)?|"
    r"find(?:s|ing)? out|look(?:s|ing)? (?:at|through|up)|listen(?:s|ing)?(?: to)?|follow(?:s|ing)?|"
    r"hack(?:s|ed|ing)?|crack(?:s|ed|ing)?|break(?:s|ing)? in ?to|get(?:s|ting)? in ?to|"
    r"get(?:s|ting)?|guess(?:es|ing)?|unlock(?:s|ed|ing)?|bypass(?:es|ing)?|open(?:s|ing)?|"
    r"access(?:es|ing)?|control(?:s|ling)?|take(?:s)? over|turn(?:s|ing)? on|take(?:s)?|taking"
)
# Taking pictures is only a problem with these verbs ("send my mum's photos to grandma" is fine).
TAKE_MEDIA = (
    r"steal(?:s|ing)?|stole|cop(?:y|ies|ying)|grab(?:s|bing)?|download(?:s|ing)?|collect(?:s|ing)?|"
    r"harvest(?:s|ing)?|spy(?:ing)?|hack(?:s|ed|ing)?|secretly \S+"
)
# Breaking into a system (not "open the game on my laptop").
INTRUDE = (
    r"hack(?:s|ed|ing)?|crack(?:s|ed|ing)?|break(?:s|ing)? in ?to|get(?:s|ting)? in ?to|sneak(?:s|ing)? in ?to|"
    r"bypass(?:es|ing)?|take(?:s)? over|hijack(?:s|ed|ing)?|control(?:s|ling)? (?:other|someone's|people's|the school's)|"
    r"spy(?:ing)? on|log(?:s|ging)? in ?to (?:the school|someone|other|my \w+'?s)|access(?:es|ing)? (?:the school|someone|other)"
)
# The real machine and the school's systems.
SYSTEM = (
    r"system ?32|registry|bios|operating system|hard ?drives?|hard ?disks?|c drive|batter(?:y|ies)|"
    r"printers?|routers?|firewalls?|anti-?virus|servers?|network|wi-?fi|consoles?|xbox|playstation|"
    r"ps[45]|nintendo|chromebooks?|laptops?|tablets?|ipads?|phones?|computers?|pcs?|macbooks?|"
    r"files on (?:a|the|my|this|his|her|their)|all (?:the |my |your )?files|everyone's files|"
    r"school (?:computers?|laptops?|network|system|website|server|printer|wi-?fi|tablets?|ipads?)"
)
# Other people's private things.
_OTHERS = (
    r"(?:(?:my|our|his|her|their|your|the|a) (?:little |big |best |older |younger )?"
    r"(?:sister|brother|mom|mum|dad|parent|friend|classmate|teacher|cousin|neighbou?r|"
    r"girlfriend|boyfriend|crush|grandma|grandpa|principal|coach|aunt|uncle)s?'?s?|"
    r"people's|peoples|other people's|other peoples|someone's|someones|somebody's|everyone's|"
    r"everybodys|everybody's|other kids'?|strangers'?|the school's|the teacher's)\s+(?:\S+\s+)?"
)
PRIVATE = (
    rf"{_OTHERS}(?:passwords?|pins?|logins?|log-?ins?|accounts?|messages|texts|"
    r"chats?|emails?|location|address|home address|diary|files|phones?|iphones?|ipads?|tablets?|laptops?|"
    r"computers?|xbox|switch|webcams?|cameras?|bank|money|"
    r"snapchat|instagram|tiktok|roblox|fortnite|minecraft|discord|whatsapp|data|secrets|search history)"
    r"|(?:the )?(?:tests?|exam|answers|grades|marks) (?:on|from|in) the (?:school|teacher)"
)
PRIVATE_MEDIA = rf"{_OTHERS}(?:photos?|pictures?|videos?|selfies?)"


@dataclass(frozen=True)
class Near:
    category: str
    action: str
    target: str
    action_start: int  # character offset in the text


_NOT_A_REAL_DEVICE = (
    r"(?!'|\s+(?:player|opponent|army|ships?|base|team|side|character|in the game|in my game|game|games|"
    r"screen|voice|pieces?|cards?))"
)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], re.Pattern[str], str]]:
    """(actions, targets, category) pairs to look for."""
    return [
        (re.compile(rf"\b(?:{WRECK})\b"), re.compile(rf"\b(?:{SYSTEM})\b{_NOT_A_REAL_DEVICE}"), "crash"),
        (re.compile(rf"\b(?:{INTRUDE})\b"), re.compile(rf"\b(?:{SYSTEM})\b{_NOT_A_REAL_DEVICE}"), "hack"),
        (re.compile(rf"\b(?:{TAKE_OR_WATCH})\b"), re.compile(rf"\b(?:{PRIVATE})\b"), "private"),
        (re.compile(rf"\b(?:{TAKE_MEDIA})\b"), re.compile(rf"\b(?:{PRIVATE_MEDIA})\b"), "private"),
    ]


_MAKE_BEFORE = re.compile(r"\b(?:make|makes|making|get|gets|let|lets|have|has)\s+(?:\S+\s+){0,3}$")


def _word_index(text: str) -> list[int]:
    """For each character, the index of the word it belongs to."""
    index, word = [], 0
    previous_space = True
    for char in text:
        if char == " ":
            if not previous_space:
                word += 1
            previous_space = True
        else:
            previous_space = False
        index.append(word)
    return index


def find_near(text: str) -> list[Near]:
    """Every action shortly before its target ("crash ... the laptop"), nearest first.

    A target before its action counts only after "make"/"get" ("make the laptop explode").
    """
    words = _word_index(text)
    if not words:
        return []
    found: list[tuple[int, Near]] = []
    for actions, targets, category in _patterns():
        action_hits = list(actions.finditer(text))
        if not action_hits:
            continue
        for target in targets.finditer(text):
            t_word = words[target.start()]
            for action in action_hits:
                if action.start() == target.start():
                    continue
                a_word = words[action.start()]
                if a_word < t_word:
                    distance = t_word - a_word
                elif a_word > t_word and _MAKE_BEFORE.search(text[: target.start()]):
                    distance = a_word - words[target.end() - 1]
                else:
                    continue
                if distance <= WINDOW:
                    found.append((distance, Near(category, action.group(0), target.group(0), action.start())))
    found.sort(key=lambda pair: pair[0])
    return [near for _, near in found]
