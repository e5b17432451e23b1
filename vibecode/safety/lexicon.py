"""Our own list of words a child should never be shown: profanity, slurs, sexual words.

Why our own list rather than a package's: we measured `better-profanity` 0.7.0 (the usual
choice). Its 916-word list censors ordinary words a kids' coding app prints all the time —
"len" (Python's len()!), "kill" (the dragon), "pawn" (chess), "fat", "pee", "organ",
"stupid", "sniper", "god", and identity words like "gay" — while missing "fuuuck", "sh!t",
"f.u.c.k", "fck" and "shiiit". So we keep a short, reviewed list of roots with their endings,
and our normaliser (:mod:`normalize`) handles the tricks. Teachers add or allow words per
class in their TOML file.

Each entry: the root, the endings it takes, and how it may appear:
``"whole"`` — only as a whole word (so "ass" never hits "class", "assistant" or "pass");
``"inside"`` — anywhere inside a word (only for roots no English word contains).
"""

from __future__ import annotations

from dataclasses import dataclass

VERB = ("s", "es", "ed", "er", "ers", "ing", "in", "y", "ty", "tier", "ies")


@dataclass(frozen=True)
class Entry:
    root: str
    endings: tuple[str, ...] = ()
    where: str = "whole"  # "whole" | "inside"
    tier: str = "strong"  # "strong" | "slur" | "sexual" | "mild"


ENTRIES: tuple[Entry, ...] = (
    # strong profanity
    Entry("fuck", where="inside"),
    Entry("fuk", VERB), Entry("fck", VERB), Entry("fcuk", VERB), Entry("fvck", VERB),
    Entry("phuck", VERB), Entry("phuk", VERB), Entry("fuq", VERB), Entry("feck", VERB),
    Entry("shit", ("s", "ty", "tty", "tting", "ting", "tted", "ted", "ter", "ters", "e", "ey",
                   "head", "heads", "hole", "holes", "face", "load", "show", "bag", "storm",
                   "post", "ass")),
    Entry("bullshit", ("s", "ting", "ter")), Entry("horseshit"), Entry("dipshit", ("s",)),
    Entry("batshit"), Entry("apeshit"), Entry("shiz"),
    Entry("cunt", ("s", "y")),
    Entry("ass", ("es", "hole", "holes", "hat", "hats", "wipe", "wipes", "clown", "face",
                  "kisser", "hats", "wad")),
    Entry("arse", ("hole", "holes", "s")), Entry("jackass", ("es",)), Entry("dumbass", ("es",)),
    Entry("smartass", ("es",)), Entry("fatass", ("es",)), Entry("asshat", ("s",)),
    Entry("bitch", ("es", "y", "ing", "ed", "ass", "in")), Entry("biatch"),
    Entry("bastard", ("s",)),
    Entry("dickhead", ("s",)), Entry("dickface"), Entry("dickwad", ("s",)),  # not bare "dick": Moby Dick
    Entry("cocksucker", ("s",)), Entry("cocksucking"),
    Entry("pussy", ()), Entry("pussies"),
    Entry("twat", ("s",)), Entry("wank", ("er", "ers", "ing", "s", "y", "ed")),
    Entry("bollocks"), Entry("motherfucker", ("s",)), Entry("mofo", ("s",)),
    Entry("douche", ("bag", "bags", "s")),
    Entry("wtf"), Entry("stfu"), Entry("gtfo"),
    # slurs
    Entry("nigger", ("s",), tier="slur"), Entry("nigga", ("s", "z", "h"), tier="slur"),
    Entry("niglet", ("s",), tier="slur"),
    Entry("faggot", ("s",), tier="slur"), Entry("fag", ("s", "got", "gots"), tier="slur"),
    Entry("retard", ("s", "ed"), tier="slur"), Entry("tard", ("s",), tier="slur"),
    Entry("spic", ("s",), tier="slur"), Entry("chink", ("s",), tier="slur"),
    Entry("kike", ("s",), tier="slur"), Entry("wetback", ("s",), tier="slur"),
    Entry("tranny", (), tier="slur"), Entry("trannies", (), tier="slur"),
    Entry("dyke", ("s",), tier="slur"), Entry("gook", ("s",), tier="slur"),
    Entry("paki", ("s",), tier="slur"), Entry("spaz", (), tier="slur"),
    Entry("beaner", ("s",), tier="slur"), Entry("towelhead", ("s",), tier="slur"),
    Entry("raghead", ("s",), tier="slur"), Entry("coon", ("s",), tier="slur"),
    # sexual words
    Entry("porn", ("o", "s", "y", "ography", "hub"), tier="sexual"),
    Entry("dildo", ("s",), tier="sexual"), Entry("boob", ("s", "ies"), tier="sexual"),
    Entry("titties", tier="sexual"), Entry("titty", tier="sexual"),
    Entry("jizz", tier="sexual"), Entry("cum", ("s", "ming", "shot"), tier="sexual"),
    Entry("slut", ("s", "ty"), tier="sexual"), Entry("whore", ("s",), tier="sexual"),
    Entry("skank", ("y", "s"), tier="sexual"), Entry("blowjob", ("s",), tier="sexual"),
    Entry("handjob", ("s",), tier="sexual"), Entry("horny", tier="sexual"),
    Entry("sexy", tier="sexual"), Entry("milf", tier="sexual"), Entry("hentai", tier="sexual"),
    Entry("rape", ("d", "s", "ist", "ists"), tier="sexual"), Entry("raping", tier="sexual"),
    # mild (on by default; a teacher may allow them for their class)
    Entry("damn", ("ed", "it", "s"), tier="mild"), Entry("dammit", tier="mild"),
    Entry("goddamn", ("ed", "it"), tier="mild"), Entry("goddammit", tier="mild"),
    Entry("crap", ("py", "s"), tier="mild"), Entry("piss", ("ed", "ing", "es", "er"), tier="mild"),
    Entry("hell", tier="mild"),
)

# Words for which "fu ck" / "sh it" (a word split in two) is also caught.
SPLIT_WORDS = ("fuck", "shit", "cunt", "bitch", "slut", "whore", "twat", "nigger", "faggot")
