"""A small curated set of good kid programs, shown to the model as worked examples.

Each example is a data file ``examples/<name>.py.txt`` in this package: a few ``# key: value``
header lines (``idea``, ``about``, ``words``) and then the program. The examples nearest to the
child's idea (plain word overlap, weighted so rare words count more) go into the prompt; that is a
cheap way to show a small model what a friendly, complete, crash-proof program looks like.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_STOP = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "my", "me", "i", "it", "is",
    "that", "this", "where", "when", "how", "what", "make", "can", "you", "your", "do", "does", "program",
    "game", "some", "from", "up", "if", "by", "be", "are", "its", "let", "lets", "want", "please", "so",
    # the child choosing says nothing about the kind of program: "a car wash where I choose the price" is
    # not the forest adventure's "choose which way to go", "I pick a drink" not the secret number's "picks"
    "choose", "chooses", "chose", "pick", "picks", "picked",
}


@dataclass(frozen=True)
class Example:
    name: str
    idea: str
    about: str
    words: frozenset[str]
    program: str


def words_of(text: str) -> set[str]:
    """Lower-case word stems, without the filler words every idea has."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if w in _STOP or len(w) < 2:
            continue
        for suffix in ("ing", "ies", "es", "s", "ed"):
            if len(w) > len(suffix) + 2 and w.endswith(suffix):
                w = w[: -len(suffix)] + ("y" if suffix == "ies" else "")
                break
        out.add(w)
    return out


def _parse(name: str, text: str) -> Example:
    header: dict[str, str] = {}
    lines = text.splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        m = re.match(r"#\s*(idea|about|words):\s*(.*)", line)
        if not m:
            body_start = i
            break
        header[m.group(1)] = m.group(2).strip()
    program = "\n".join(lines[body_start:]).strip() + "\n"
    idea = header.get("idea", name.replace("_", " "))
    words = words_of(idea + " " + header.get("words", ""))
    return Example(name=name, idea=idea, about=header.get("about", ""), words=frozenset(words), program=program)


@lru_cache(maxsize=1)
def load_examples() -> tuple[Example, ...]:
    """All curated examples shipped in the package, sorted by name."""
    folder = resources.files("vibecode.make").joinpath("examples")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".py.txt"):
            found.append(_parse(entry.name[: -len(".py.txt")], entry.read_text(encoding="utf-8")))
    return tuple(sorted(found, key=lambda e: e.name))


def pick_examples(idea: str, count: int = 1) -> list[Example]:
    """The ``count`` examples whose words best overlap the idea (rare words weigh more).

    When nothing overlaps, the first pick is the money calculator: most classroom ideas are
    about money, and it shows the crash-proof number input the model most often forgets."""
    examples = load_examples()
    if count <= 0 or not examples:
        return []
    wanted = words_of(idea)
    df: dict[str, int] = {}
    for ex in examples:
        for w in ex.words:
            df[w] = df.get(w, 0) + 1
    n = len(examples)

    def score(ex: Example) -> float:
        return sum(math.log(1 + n / df[w]) for w in wanted & ex.words)

    ranked = sorted(examples, key=lambda ex: (-score(ex), ex.name))
    if score(ranked[0]) == 0:
        default = next((ex for ex in examples if ex.name == "candle_profit"), ranked[0])
        ranked.remove(default)
        ranked.insert(0, default)
    return ranked[:count]
