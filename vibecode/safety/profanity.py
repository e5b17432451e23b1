"""Find rude words in text, however they are disguised, without hitting innocent words.

How it stays hard to fool: text is folded (accents, look-alike letters, invisible characters),
each word is tried with leetspeak undone ("sh1t", "a$$"), stretched letters match ("fuuuck"),
letters spelled out with gaps are joined ("f u c k", "f.u.c.k"), a word split in two is
joined ("fu ck"), and "*" inside a word stands for any letter ("f*ck").
How it stays fair: a word must match a whole entry (plus its usual endings), so "Scunthorpe",
"class", "assistant", "cocktail", "grape", "hello", "pass" and "shiitake" are never hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vibecode.safety.lexicon import ENTRIES, SPLIT_WORDS, Entry
from vibecode.safety.normalize import (
    LEET,
    LEET_AT_EDGES,
    WILDCARD,
    fold,
    fold_text,
    is_letter,
    unleet_word,
)

SPELLED_GAP = re.compile(r"[ \t.\-_*,/]{1,3}")
SPLIT_GAP = re.compile(r"[ .\-_*]")


@dataclass(frozen=True)
class Hit:
    """One rude word found: where it is in the original text, and what it was taken for."""

    start: int
    end: int
    found: str  # the original characters
    word: str  # the plain word it stands for


VOWELS = set("aeiouy")


def _stretchy(root: str) -> str:
    """A pattern where the root's letters may be stretched ("fuuuck", "shiiit", "fuckkk").

    A vowel may repeat any number of times; a single consonant only three or more times, so
    "rapped" and "rapping" never read as a rude word that has one "p".
    """
    parts = []
    for letter, run in ((m.group(0)[0], len(m.group(0))) for m in re.finditer(r"(.)\1*", root)):
        c = re.escape(letter)
        if run >= 2:
            parts.append(f"{c}{{{run},}}")
        elif letter in VOWELS:
            parts.append(f"{c}+")
        else:
            parts.append(f"{c}(?:{c}{{2,}})?")
    return "".join(parts)


def _entry_pattern(entry: Entry) -> str:
    endings = "|".join(re.escape(e) for e in sorted(entry.endings, key=len, reverse=True))
    tail = f"(?:{endings})?" if endings else ""
    return _stretchy(entry.root) + tail


def _forms(entry: Entry) -> list[str]:
    return [entry.root] + [entry.root + e for e in entry.endings]


@dataclass(frozen=True)
class _Token:
    start: int  # index into the folded text
    end: int
    text: str


class Detector:
    """A compiled word list. Build one per set of teacher rules (they are cached)."""

    def __init__(
        self,
        extra_words: tuple[str, ...] = (),
        allowed_words: tuple[str, ...] = (),
    ) -> None:
        self.allowed = {fold_text(w).strip() for w in allowed_words if w.strip()}
        entries = [e for e in ENTRIES if e.root not in self.allowed]
        phrases: list[str] = []
        for word in extra_words:
            folded = fold_text(word).strip()
            if not folded or folded in self.allowed:
                continue
            if re.fullmatch(r"[a-z]+", folded):
                entries.append(Entry(folded, ("s", "es")))
            else:
                phrases.append(folded)
        whole = [_entry_pattern(e) for e in entries if e.where == "whole"]
        inside = [_entry_pattern(e) for e in entries if e.where == "inside"]
        split = [_entry_pattern(e) for e in entries if e.root in SPLIT_WORDS or e.where == "inside"]
        self._whole = re.compile("(?:" + "|".join(whole) + ")") if whole else None
        self._inside = re.compile("(?:" + "|".join(inside) + ")") if inside else None
        self._split = re.compile("(?:" + "|".join(split) + ")") if split else None
        self._forms = sorted({f for e in entries for f in _forms(e) if len(f) >= 4})
        self._entry_patterns = [
            (re.compile(_entry_pattern(e)), e.where == "inside", e.tier) for e in entries
        ]
        self._phrases = [
            re.compile(r"(?<![a-z])" + r"[^a-z]+".join(re.escape(p) for p in re.findall(r"[a-z]+", ph))
                       + r"(?![a-z])")
            for ph in phrases
            if re.findall(r"[a-z]+", ph)
        ]

    # -- matching one candidate string -------------------------------------------------

    def _matches(self, candidate: str) -> bool:
        if candidate in self.allowed:
            return False
        if self._whole is not None and self._whole.fullmatch(candidate):
            return True
        return bool(self._inside is not None and self._inside.search(candidate))

    def _wildcard_match(self, candidate: str) -> str | None:
        """'f*ck' -> 'fuck': a star inside a word stands for one letter."""
        letters = sum(1 for c in candidate if c != WILDCARD)
        if letters < 2 or letters * 2 < len(candidate) or len(candidate) < 4:
            return None
        pattern = re.compile("".join("[a-z]" if c == WILDCARD else re.escape(c) for c in candidate))
        for form in self._forms:
            if len(form) == len(candidate) and pattern.fullmatch(form):
                return form
        return None

    def word_for(self, raw: str) -> str | None:
        """The rude word a single token stands for, or None."""
        for variant in unleet_word(raw):
            if WILDCARD in variant:
                found = self._wildcard_match(variant)
                if found:
                    return found
                continue
            if self._matches(variant):
                return variant
        return None

    def tier_of(self, word: str) -> str:
        """Which kind of word a hit is: "strong", "slur", "sexual" or "mild" (teacher words: strong)."""
        for pattern, inside, tier in self._entry_patterns:
            if (pattern.search(word) if inside else pattern.fullmatch(word)):
                return tier
        return "strong"

    # -- scanning text ------------------------------------------------------------------

    @staticmethod
    def _tokens(folded: str) -> list[_Token]:
        tokens: list[_Token] = []
        i, n = 0, len(folded)
        while i < n:
            c = folded[i]
            if is_letter(c) or c in LEET or c == WILDCARD:
                j = i
                while j < n and (is_letter(folded[j]) or folded[j] in LEET or folded[j] == WILDCARD):
                    j += 1
                start, end = i, j
                # Trim symbols that are punctuation at a word's edge ("hello!", "**bold**").
                while start < end and not is_letter(folded[start]) and folded[start] not in LEET_AT_EDGES:
                    start += 1
                while end > start and not is_letter(folded[end - 1]) and folded[end - 1] not in LEET_AT_EDGES:
                    end -= 1
                if start < end:
                    tokens.append(_Token(start, end, folded[start:end]))
                i = j
            else:
                i += 1
        return tokens

    def find(self, text: str) -> list[Hit]:
        """Every rude word in ``text``, as spans of the original text (no overlaps)."""
        if not text:
            return []
        folded = fold(text)
        tokens = self._tokens(folded.text)
        spans: list[tuple[int, int, str]] = []  # folded start, end, word
        used: set[int] = set()

        for index, token in enumerate(tokens):
            word = self.word_for(token.text)
            if word:
                spans.append((token.start, token.end, word))
                used.add(index)

        # Letters spelled out one at a time: "f u c k", "s.h.i.t".
        i = 0
        while i < len(tokens):
            j = i
            while (
                j + 1 < len(tokens)
                and len(tokens[j].text) == 1
                and len(tokens[j + 1].text) == 1
                and SPELLED_GAP.fullmatch(folded.text[tokens[j].end:tokens[j + 1].start])
            ):
                j += 1
            if j - i + 1 >= 3:
                joined = "".join(t.text for t in tokens[i:j + 1])
                word = self.word_for(joined)
                first = i
                if not word and joined[0] in "ai" and j - i >= 3:
                    word = self.word_for(joined[1:])  # "a p o r n": the "a" is a word
                    first = i + 1
                if word and not any(k in used for k in range(first, j + 1)):
                    spans.append((tokens[first].start, tokens[j].end, word))
                    used.update(range(first, j + 1))
                i = j + 1
            else:
                i += 1

        # A rude word split in two: "fu ck", "sh it".
        for i in range(len(tokens) - 1):
            a, b = tokens[i], tokens[i + 1]
            if i in used or i + 1 in used or len(a.text) > 3 or len(b.text) > 3:
                continue
            if not SPLIT_GAP.fullmatch(folded.text[a.end:b.start]):
                continue
            for variant in unleet_word(a.text + b.text):
                if self._split is not None and self._split.fullmatch(variant) and variant not in self.allowed:
                    spans.append((a.start, b.end, variant))
                    used.update((i, i + 1))
                    break

        # Teacher phrases of several words.
        for pattern in self._phrases:
            for m in pattern.finditer(folded.text):
                spans.append((m.start(), m.end(), m.group(0)))

        hits: list[Hit] = []
        last_end = -1
        for start, end, word in sorted(spans):
            o_start = folded.origin[start]
            o_end = folded.origin[end - 1] + 1
            if o_start < last_end:
                continue
            hits.append(Hit(o_start, o_end, text[o_start:o_end], word))
            last_end = o_end
        return hits


@lru_cache(maxsize=16)
def detector(extra_words: tuple[str, ...] = (), allowed_words: tuple[str, ...] = ()) -> Detector:
    """A cached detector for one set of teacher words."""
    return Detector(extra_words, allowed_words)
