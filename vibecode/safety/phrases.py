"""The phrase rules for ideas: what a harmful, adult or unkind request sounds like.

Each :class:`Rule` is a pattern over prepared text (see :func:`normalize.prepare`) plus how
story framing may soften it. Patterns name a *verb and its real target* ("steal my sister's
password"), never a scary word alone, so game violence and ordinary projects never match.
The word lists at the top (relations, devices, accounts...) are shared by the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


def _gap(n: int) -> str:
    """Up to n words between two parts of a phrase."""
    return rf"(?:\s+\S+){{0,{n}}}?\s+"


# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------

RELATION = (
    r"(?:little |big |baby |older |younger |step ?|best |twin |annoying )?"
    r"(?:sister|sis|brother|bro|sibling|mom|mum|mommy|mummy|mother|dad|daddy|father|parent|"
    r"grandma|granny|grandpa|grandad|grandmother|grandfather|aunt|auntie|uncle|cousin|friend|"
    r"bff|classmate|teacher|principal|headteacher|neighbou?r|coach|babysitter|boyfriend|"
    r"girlfriend|crush|family|tutor|nanny|bus driver|class ?mates?|best friend)s?"
)
# People who are real: a possessive or a relation.
REAL_PERSON = (
    rf"(?:(?:my|our|his|her|their|your|the|a|that) {RELATION}|someone|somebody|anyone|anybody|"
    r"everyone|everybody|people|other people|other kids|real people|kids at (?:my )?school|"
    r"people at (?:my )?school|the (?:other )?kids|students|him|her|them|myself|yourself|"
    r"the whole class|my class|(?:the )?neighbou?rs)"
)
OWNER = (
    rf"(?:(?:my|our|his|her|their|the) {RELATION}(?:'s?)?|someone's|somebody's|someones|anyone's|"
    r"everyone's|everybody's|people's|other people's|other peoples|peoples|his|her|their|"
    r"other (?:kids|players|students|people|children)'?s?|(?:the )?(?:kids|players|students)'|"
    r"the school's|my school's|the teacher's|the school|my school|the class's|a stranger's|"
    r"strangers'|[a-z]+'s)"
)
REAL_OWNER = (
    rf"(?:(?:my|our|his|her|their|your|the|a) {RELATION}(?:'s?)?|someone's|somebody's|someones|anyone's|"
    r"everyone's|everybody's|people's|other people's|other peoples|the school's|my school's|"
    r"other (?:kids|players|students|people|children)'?s?|"
    r"the teacher's|the class's|a stranger's|strangers')"
)
REAL_DEVICE = (
    r"(?:computers?|laptops?|pcs?|tablets?|phones?|ipads?|chromebooks?|wi-?fi|network|internet|"
    r"hard ?drives?|websites?|web ?sites?|servers?|email|bank)"
)


DEVICE = (
    r"(?:computers?|laptops?|pcs?|macs?|macbooks?|tablets?|phones?|iphones?|ipads?|chromebooks?|"
    r"servers?|websites?|web ?sites?|wi-?fi|network|internet|systems?|desktop|hard ?drives?|"
    r"consoles?|xbox|playstation|ps5|nintendo switch)"
)
ACCOUNT = (
    r"(?:passwords?|pass ?codes?|pins?|pin numbers?|log-?ins?|logins?|accounts?|credit cards?|"
    r"bank cards?|card numbers?|bank details|bank accounts?|emails?|e-mails?|messages|texts|"
    r"chats?|dms|diary|robux|v-?bucks|identity|identities|personal (?:info|information|data|"
    r"details)|private (?:info|information|data|stuff|messages)|data|username and password|"
    r"instagram|snapchat|tiktok|facebook|discord|roblox account|fortnite account|"
    r"minecraft account|steam account|social media)"
)
STORY = (
    r"(?:\b(?:game|story|adventure|quiz|simulation|simulator|comic|movie|play|role ?play|rpg|"
    r"level|mission|puzzle)\b(?:\s+\S+){0,2}?\s+(?:where|in which|about|that has|with|when)\b|"
    r"\bpretend\b|\bfake\b|\bmake-?believe\b|\bin (?:the|my|a) game\b|\bin (?:the|my|a) story\b|"
    r"\bimaginary\b|\bcartoon\b|\bvillain\b|\bevil\b|\bmonsters?\b|\baliens?\b|\brobots?\b|"
    r"\bdragons?\b|\bzombies?\b|\bspace ?ship\b)"
)
PROTECT = (
    r"\b(?:stop|stops|stopping|protect|protects|protecting|defend|defends|defending|block|blocks|"
    r"prevent|prevents|catch|catches|fight|fights|fighting|against|save|saves|guard|guards|"
    r"warn|warns|detect|detects|spot|spots|spotting|find|finds|avoid|avoids|beat|beats|"
    r"escape|escapes|without|anti|antivirus|anti-virus|learn about|teach|teaches|teaching|"
    r"quiz about|quiz on|safe from|safety|before they|so they can't|so nobody can|can't|"
    r"explain|explains|explaining|poster|lesson|facts? about|learn(?:s|ing)? about|what (?:a|is a)|"
    r"how to stay safe|be kind to|stand up to)\b"
)
BIOLOGY = (
    r"\b(?:biology|cells?|bacteria|germs?|immune|flu|colds?|sick|sickness|doctor|doctors|vaccines?|"
    r"disease|diseases|body|blood|science|covid|coronavirus|illness|medicine|nurse|hospital|"
    r"microbes?|pandemic|epidemic|outbreak)\b"
)

FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    """One phrase pattern. ``story_softens`` says whether story framing can soften it:
    "never" (it always counts), "target" (only if the matched target is make-believe),
    "always" (story framing always softens it)."""

    category: str
    pattern: LazyPattern
    story_softens: str = "target"
    protect_softens: bool = True
    unless: LazyPattern | None = None  # if this is found anywhere, the rule doesn't count


class LazyPattern:
    """A pattern compiled on first use: the rule set takes ~0.4 s to compile, and importing
    vibecode (the TUI, ``--help``) should not pay for it. :func:`warm_up` compiles them all."""

    __slots__ = ("source", "_compiled")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, FLAGS)
        return self._compiled

    def compile(self) -> None:
        self._compiled = self.compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        return self.compiled.sub(repl, text)


def _r(p: str) -> LazyPattern:
    return LazyPattern(p)


DEL_VERB = (
    r"\b(?:delete[sd]?|deleting|erase[sd]?|erasing|wipe[sd]?|wiping|remove[sd]?|removing|"
    r"destroy(?:s|ed|ing)?|trash(?:es|ed|ing)?|corrupt(?:s|ed|ing)?|format(?:s|ted|ting)?|"
    r"nuke[sd]?|nuking|get rid of|gets rid of|encrypt(?:s|ed|ing)?|scramble[sd]?|"
    r"overwrite[sd]?|overwriting|shred(?:s|ded|ding)?|mess(?:es|ed|ing)? up|ruin(?:s|ed|ing)?)\b"
)
FILES = r"(?:files|folders|documents|docs|photos|pictures|videos|downloads|programs|apps|data|system files|everything|all)"
LOCATION = rf"(?:on|in|from|off|of|inside)\s+(?:\S+\s+){{0,2}}?{DEVICE}\b(?!')"

HARMFUL_RULES: list[Rule] = [
    # -- deleting / wrecking files ----------------------------------------------------
    Rule("delete", _r(rf"{DEL_VERB}{_gap(4)}(?:\S+\s+){{0,2}}?{FILES}\s+(?:\S+\s+){{0,2}}?{LOCATION}"),
         story_softens="never"),
    Rule("delete", _r(rf"{DEL_VERB}{_gap(3)}(?:all|every|each|any|random|important|(?:all )?(?:the|my|your|their|his|her) (?:own )?)\s*(?:of (?:the|my|your) )?(?:(?!\S*'s?\s)\S+\s+)?(?:files|folders|documents|system files)\b"),
         story_softens="never"),
    Rule("delete", _r(rf"{DEL_VERB}\s+(?:(?!\S*'s?\s)\S+\s+){{0,2}}?files\b"), story_softens="never"),
    Rule("delete", _r(rf"{DEL_VERB}{_gap(3)}(?:the |my |your |a |this |that )?(?:whole |entire )?(?:hard ?drive|hard ?disk|system ?32|operating system|windows|c drive|c:|computer|laptop|pc|chromebook|ipad|tablet|phone|school (?:computer|server|website|network))s?\b(?!'|\s+(?:player|opponent|'s|army|ships?|base|team|side|pieces?|cards?|robots?|character))"),
         story_softens="target"),
    Rule("delete", _r(rf"{DEL_VERB}{_gap(2)}{OWNER}\s+(?:\S+\s+)?(?:homework|work|files|photos|pictures|projects?|game saves?|save files?|saves|essay|drawings?|videos|account|data|stuff|worlds?|progress|levels?|minecraft|roblox|builds?|creations?)\b"),
         story_softens="target"),
    Rule("delete", _r(r"\brm\s+-r?f|\brm\s+-rf|\brmdir\s+/s|\bdel\s+/[sfq]|\bformat\s+c:|\bshutil\.rmtree|\bsudo\s+rm\b|\bdeltree\b"),
         story_softens="never", protect_softens=False),
    # -- someone else's private things --------------------------------------------------
    Rule("password", _r(rf"\b(?:giv(?:e|es|ing) me|tell(?:s)? me|show(?:s)? me|cop(?:y|ies|ying)|types?|typing|open(?:s|ing)?|gets? in ?to|getting in ?to|go(?:es)? through|going through|look(?:s|ing)? (?:at|through|in)|snoop(?:s|ing)?(?: on| in| through)?|read(?:s|ing)?|see(?:s|ing)?|steal(?:s|ing)?|take(?:s)?|taking|grab(?:s|bing)?|send(?:s)? me|unlock(?:s|ing)?|lock(?:s|ing)?|wipe(?:s)?|chang(?:e|es|ing)|control(?:s|ling)?|access(?:es|ing)?|break(?:s)? in ?to|search(?:es)?|find(?:s)?|guess(?:es)?|crack(?:s)?|know|learn|get(?:s)?){_gap(3)}{REAL_OWNER}\s+(?:\S+\s+)?(?:passwords?|pass ?codes?|pins?|log-?ins?|accounts?|files|folders|documents|phones?|computers?|laptops?|tablets?|ipads?|xbox|playstation|consoles?|cameras?|web ?cams?|emails?|messages|texts|diary|diaries|location|bank accounts?|wallet|data|search history|usb)\b"),
         story_softens="target"),
    Rule("password", _r(rf"\b(?:buy(?:s|ing)?|spend(?:s|ing)?|pay(?:s|ing)?|order(?:s|ing)?|shop(?:s|ping)?)\s+(?:\S+\s+){{0,3}}?(?:with|using|on|from)\s+{REAL_OWNER}\s+(?:credit card|card|bank card|debit card|money|paypal|account|apple id|amazon(?: account)?)s?\b"),
         story_softens="never"),
    # -- getting someone banned or in trouble --------------------------------------------
    Rule("ban", _r(rf"\b(?:report(?:s|ing)?|flag(?:s|ging)?)\s+{REAL_OWNER}\s+(?:\S+\s+)?(?:account|profile|channel)s?\b|\b(?:get|gets|getting)\s+{REAL_OWNER}\s+(?:\S+\s+)?(?:account|profile|channel)s?\s+(?:banned|deleted|suspended|kicked)|\buntil (?:it|he|she|they|his account|her account|their account) (?:gets?|is|are) (?:banned|deleted|suspended|kicked)\b"),
         story_softens="never"),
    # -- hacking -------------------------------------------------------------------------
    Rule("hack", _r(r"\bhack(?:s|ed|ing)?\s+(?:in ?to|in)\b(?:\s+\S+){0,4}"), story_softens="target"),
    Rule("hack", _r(rf"\b(?:hack(?:s|ed|ing)?|break(?:s|ing)? in ?to|breaking in ?to|get(?:s|ting)? in ?to|sneak(?:s|ing)? in ?to|take(?:s)? over|taking over){_gap(3)}(?:{OWNER}\s+)?(?:\S+\s+)?(?:{DEVICE}|{ACCOUNT}|school|bank|grades?|webcams?|cameras?|microphones?|routers?|databases?|game servers?)\b(?!')"),
         story_softens="target"),
    Rule("hack", _r(r"\b(?:read|reads|see|sees|sniff|sniffs|watch|watches|capture|captures|intercept|intercepts|spy on|log|logs)\s+(?:\S+\s+){0,3}?(?:wi-?fi |network |internet )?(?:traffic|packets|network data)\b"),
         story_softens="never"),
    Rule("hack", _r(r"\bhack(?:ing|er)?\s+(?:tool|tools|program|programs|software|script|scripts|app|kit|code|bot)s?\b"),
         story_softens="always"),
    Rule("hack", _r(r"\b(?:ddos|dos attack|denial of service|botnet|sql injection|brute[- ]?forc(?:e|ing)|exploit(?:s|ing)? (?:a |the )?(?:bug|website|server|computer|system|vulnerabilit(?:y|ies))|zero[- ]day)\b"),
         story_softens="always"),
    Rule("hack", _r(r"\bhack(?:s|ed|ing)?\s+(?:roblox|fortnite|minecraft|robux|v-?bucks|free)\b"),
         story_softens="never"),
    # -- passwords and accounts ----------------------------------------------------------
    Rule("password", _r(rf"\b(?:steal(?:s|ing)?|stole|stolen|grab(?:s|bing)?|take(?:s)?|taking|get(?:s|ting)?|find(?:s|ing)?(?: out)?|copy|copies|copying|record(?:s|ing)?|collect(?:s|ing)?|log(?:s|ging)?|sniff(?:s|ing)?|crack(?:s|ing)?|guess(?:es|ing)?|see(?:s|ing)?|read(?:s|ing)?|know|learn|figure(?:s)? out|reveal(?:s)?|show(?:s)?|unlock(?:s)?|change(?:s)?|use(?:s)?|send(?:s)? me|save(?:s)?|store(?:s)?|look at|check|peek at|spy on){_gap(3)}{OWNER}\s+(?:\S+\s+)?{ACCOUNT}\b"),
         story_softens="target"),
    Rule("password", _r(rf"\b(?:steal(?:s|ing)?|stole|stolen|grab(?:s|bing)?|phish(?:es|ing)?|sniff(?:s|ing)?|crack(?:s|ing)?|harvest(?:s|ing)?|collect(?:s|ing)? (?:people's|other people's|everyone's)){_gap(2)}(?:\S+\s+)?(?:passwords?|pins?|log-?ins?|logins?|accounts?|credit cards?|card numbers?|bank details|identity|identities|personal (?:info|information|data)|robux|v-?bucks|usernames? and passwords?|data)\b"),
         story_softens="target"),
    Rule("password", _r(r"\bpasswords?\s+(?:stealer|grabber|cracker|sniffer|hacker|logger|thief|harvester|finder|breaker|stealing|cracking|grabbing)s?\b|\bkey ?loggers?\b|\bkey ?logging\b|\blog(?:s|ging)? (?:every|all the|all)? ?key ?(?:presses|strokes)\b|\brecord(?:s|ing)? (?:every|all the|all)? ?key ?(?:presses|strokes)\b|\bkeystrokes?\b"),
         story_softens="never"),
    Rule("password", _r(rf"\brecord(?:s|ing)?\s+(?:what|everything)\s+{REAL_PERSON}\s+(?:types?|typed|writes?|says?)\b"), story_softens="never"),
    Rule("hack", _r(rf"\b(?:steal(?:s|ing)?|stole|copy|copies|copying|take(?:s)?|taking|download(?:s|ing)?|grab(?:s|bing)?|get(?:s|ting)?){_gap(3)}(?:from|off|out of|on)\s+(?:{OWNER}|the|my|a)\s+(?:\S+\s+)?(?:{DEVICE}|email|account|phone)\b(?!')"),
         story_softens="target"),
    # -- viruses -----------------------------------------------------------------------
    Rule("virus", _r(r"\b(?:make|makes|making|create|creates|creating|build|building|write|writing|code|coding|program|programming|design|develop|send|sends|sending|spread|spreads|spreading|install|installs|put|plant|release|upload|give|gives)\s+(?:me\s+)?(?:a |an |some |my own |the |real |own |dangerous |evil |real-life |working )*(?:computer |pc |real |dangerous |little |mini |tiny |small |nasty )?(?:virus|viruses|malware|trojans?|trojan horse|worms?|ransomware|spyware|adware|rootkits?|backdoors?|botnets?)\b(?!\s+(?:game|simulat\w*|quiz|fighters?|hunters?|defen\w*|scanners?|checkers?|detectors?|blasters?|shooters?|invaders?|cleaners?|killers?|removers?|protection|busters?|attack game|zapper|catcher|alert|warning|lesson|story|cartoon|character|monster|villain))"),
         story_softens="target", unless=_r(BIOLOGY)),
    Rule("virus", _r(rf"\b(?:virus|malware|worm|trojan|ransomware|spyware)(?:es|s)?\s+(?:that|which|to|and)\s+(?:\S+\s+){{0,2}}?(?:infects?|spreads?|copies itself|copy itself|deletes?|crash(?:es)?|breaks?|destroys?|steals?|takes? over|locks?|encrypts?){_gap(3)}(?:\S+\s+)?(?:{DEVICE}|files|passwords?|data)\b(?!')"),
         story_softens="target", unless=_r(BIOLOGY)),
    Rule("virus", _r(rf"\b(?:program|code|script|app|bot|thing)s?\s+(?:that|which|to)\s+(?:\S+\s+){{0,2}}?(?:infects?|spreads? (?:itself )?(?:to|through|across|onto)|copies itself|copy itself|takes? over){_gap(3)}(?:\S+\s+)?{DEVICE}\b(?!')"),
         story_softens="target"),
    Rule("virus", _r(r"\b(?:cop(?:y|ies|ying) itself|spread(?:s|ing)? itself|replicat(?:e|es|ing) itself|self[- ]?replicat\w*|install(?:s|ing)? itself)\b"),
         story_softens="target"),
    Rule("virus", _r(r"\b(?:links?|files?|emails?|messages?|downloads?|attachments?|games?|apps?)\s+(?:that|which|to)\s+(?:\S+\s+)?(?:gives?|puts?|installs?|has|contains?|downloads?|sends?|spreads?)\s+(?:\S+\s+){0,2}?(?:a |an )?(?:virus|viruses|malware|trojans?|spyware|ransomware)\b"),
         story_softens="target", unless=_r(BIOLOGY)),
    Rule("virus", _r(rf"\binfect(?:s|ed|ing)?{_gap(3)}(?:{DEVICE}|files|programs)\b(?!')"), story_softens="target"),
    Rule("virus", _r(r"\bcomputer virus(?:es)?\b(?!\s+(?:game|simulat\w*|quiz|fighters?|hunters?|defen\w*|scanners?|checkers?|detectors?|blasters?|shooters?|invaders?|cleaners?|killers?|removers?|protection|busters?|zapper|lesson|story|cartoon))"),
         story_softens="always"),
    # -- crashing / breaking the computer ---------------------------------------------
    Rule("crash", _r(rf"\b(?:crash(?:es|ed|ing)?|freez(?:e|es|ing)|froze|overheat(?:s|ing)?|overload(?:s|ing)?|brick(?:s|ing)?|fry|fries|frying|blow(?:s|ing)? up|explod(?:e|es|ing)|break(?:s|ing)?|broke|destroy(?:s|ing)?|wreck(?:s|ing)?|ruin(?:s|ing)?|slow(?:s|ing)? down|lag(?:s|ging)?|jam(?:s|ming)?|mess(?:es|ing)? up|kill(?:s|ing)?|shut(?:s|ting)? down|turn(?:s|ing)? off|switch(?:es|ing)? off|restart(?:s|ing)?|reboot(?:s|ing)?|take(?:s)? down|taking down){_gap(3)}(?:(?:the|my|his|her|their|your|someone's|everyone's|all the|all|other|other people's|the school's|my school's|school|every|this|a|my \w+'s|the \w+'s|everybody's|whole|entire|real)\s+)+(?:\S+\s+)?{DEVICE}\b(?!'|\s+(?:player|opponent|army|ships?|base|team|side|pieces?|cards?|robots?|character|guess|'s))"),
         story_softens="target"),
    Rule("crash", _r(rf"\b(?:make|makes|making|get|gets)\s+(?:the|my|a|his|her|their|every|all the|someone's|{OWNER})\s+{DEVICE}\s+(?:crash|freeze|explode|blow up|catch fire|overheat|die|break|stop working|go slow|slow down|shut down|turn off)\b"),
         story_softens="target"),
    Rule("crash", _r(rf"\bmak(?:e|es|ing)\s+(?:(?:the|my|a|his|her|their|every|all the|someone's|school|{OWNER})\s+)+(?:\S+\s+)?{DEVICE}\s+(?:really |super |very |so |go |run |get )?(?:slow|slower|laggy|lag|crash|freeze|frozen|stop working|break|broken|explode|overheat|shut down|turn off)\b"),
         story_softens="target"),
    Rule("crash", _r(rf"\b(?:make|makes|making|get|gets)\s+(?:(?:the|my|a|his|her|their|every|all the|someone's|school|{OWNER})\s+)+(?:\S+\s+)?{DEVICE}\s+(?:restart|reboot|beep|shut down|turn off|ring|vibrate|buzz|make (?:a )?noise|pop up|flash|blink)s?\s+(?:forever|over and over|again and again|non-?stop|all (?:day|night)|every (?:second|minute)|so (?:s?he|they|nobody|no one|he|my \S+) (?:can't|cannot|can not|won't)|until it breaks)"),
         story_softens="target"),
    Rule("crash", _r(rf"\b(?:{OWNER}|the school|my school|the teacher's|the class)\s+(?:\S+\s+)?{DEVICE}\s+(?:\S+\s+){{0,5}}?(?:not close|never close|won't close|can't close|cannot close|can't be closed|never stops|won't stop|can't stop|not stop|not turn off|won't turn off)\b"),
         story_softens="target"),
    Rule("crash", _r(r"\b(?:fork ?bomb|zip ?bomb|logic ?bomb|infinite (?:pop-?ups?|windows|tabs)|(?:open|opens|opening)\s+(?:a (?:million|thousand|hundred)|infinite|endless|thousands of|millions of|loads of|tons of)\s+(?:windows|tabs|pop-?ups|programs)|(?:use|uses|using|eat|eats|fill|fills|filling)\s+(?:up\s+)?all\s+(?:of\s+)?the\s+(?:memory|ram|cpu|disk|storage|hard drive|space)|fill(?:s|ing)? up the (?:hard drive|disk|memory|storage))\b"),
         story_softens="never"),
    Rule("spam", _r(rf"\b(?:spam(?:s|ming)?|flood(?:s|ing)?|bomb(?:s|ing)?|fill(?:s|ing)? up)\s+(?:{OWNER}|{REAL_PERSON})?\s*(?:\S+\s+)?(?:phones?|inbox|email|chats?|messages|texts|accounts?|computer|screen|discord|whatsapp)\b|\bsend(?:s|ing)?\s+(?:a )?(?:hundreds?|thousands?|millions?|\d{{3,}}|loads|tons|lots)\s+(?:of\s+)?(?:messages|texts|emails)\b"),
         story_softens="target"),
    # -- spying --------------------------------------------------------------------------
    Rule("spy", _r(rf"\bspy(?:ing|ies)? on\s+{REAL_PERSON}"), story_softens="never"),
    Rule("spy", _r(r"\bspy(?:ing|ies)? on\b"), story_softens="always"),
    Rule("spy", _r(rf"\bsecretly\s+(?:record(?:s|ing)?|watch(?:es|ing)?|film(?:s|ing)?|listen(?:s|ing)?(?: to)?|track(?:s|ing)?|read(?:s|ing)?|follow(?:s|ing)?|take(?:s)? (?:pictures|photos)|spy|turn(?:s)? on|look(?:s)? at|check(?:s)?|copy|copies){_gap(3)}"),
         story_softens="target", unless=_r(r"\b(?:my own|myself)\b")),
    Rule("spy", _r(rf"\b(?:track(?:s|ing)?|find(?:s|ing)? out|know|see(?:s)?|shows?|follow(?:s|ing)?)\s+(?:where|the location of|the address of)\s+{REAL_PERSON}"),
         story_softens="never"),
    Rule("spy", _r(rf"\b(?:track(?:s|ing)?|follow(?:s|ing)?|locate(?:s)?|find(?:s)?){_gap(1)}{OWNER}\s+(?:\S+\s+)?(?:location|phone|whereabouts|every move|address)\b"),
         story_softens="never"),
    Rule("spy", _r(rf"\b(?:read(?:s|ing)?|see(?:s|ing)?|look(?:s|ing)? at|check(?:s|ing)?|open(?:s|ing)?|copy|copies|forward(?:s)?){_gap(2)}{OWNER}\s+(?:\S+\s+)?(?:messages|texts|diary|emails?|e-mails?|chats?|dms|notes|search history|history|photos)\b"),
         story_softens="target",
         unless=_r(r"\b(?:chat ?(?:app|program|room|game|box)|messenger|message board|pen ?pals?|send and (?:get|receive))\b")),
    Rule("spy", _r(rf"\b(?:turn(?:s|ing)? on|switch(?:es|ing)? on|use(?:s)?|open(?:s)?|access(?:es)?|hack(?:s)?|control(?:s)?)\s+(?:the|their|someone's|a|his|her|people's|{OWNER})\s+(?:web ?cam|camera|microphone|mic)s?\b"),
         story_softens="target"),
    Rule("spy", _r(rf"\b(?:watch(?:es|ing)?|see(?:s|ing)?|look(?:s|ing)? at|film(?:s|ing)?|record(?:s|ing)?|listen(?:s|ing)? to|spy on)\s+{REAL_PERSON}\s+(?:through|with|using|on|from)\s+(?:\S+\s+)?(?:web ?cams?|cameras?|microphones?|mics?)\b|\b(?:take(?:s)?|taking|snap(?:s)?)\s+(?:secret\s+)?(?:pictures|photos|videos)\s+of\s+{REAL_PERSON}\s+(?:without|secretly|when they)"),
         story_softens="never"),
    Rule("spy", _r(rf"\b(?:see(?:s)?|look(?:s)? at|watch(?:es)?|know(?:s)?|check(?:s)?|find(?:s)? out|show(?:s)? me|tell(?:s)? me|record(?:s)?)\s+what\s+{REAL_PERSON}\s+(?:is |are |was )?(?:doing|typing|types|writing|writes|saying|says|watching|watches|searching|looking at|texting|chatting)"),
         story_softens="never"),
    Rule("spy", _r(rf"\b(?:track(?:s|ing)?|follow(?:s|ing)?|locate(?:s)?)\s+{REAL_PERSON}\b(?!'s? (?:score|steps|reading|homework|chores|points))"),
         story_softens="target"),
    Rule("spy", _r(rf"\b(?:take(?:s)?|taking|snap(?:s)?|record(?:s)?)\s+(?:\S+\s+)?(?:pictures|photos|videos|a picture|a photo|a video)\s+(?:with|using|from|through)\s+(?:the |a |my |their )?(?:web ?cam|camera|laptop camera)\b(?:\s+\S+){{0,4}}\s+(?:when|while|of|whenever)\s+{REAL_PERSON}"),
         story_softens="never"),
    Rule("spy", _r(r"\b(?:stalk(?:s|ing|er)?|dox(?:x)?(?:es|ing)?|track(?:s|ing)? (?:people|someone|kids|my classmates))\b"), story_softens="never"),
    # -- hurting real people ------------------------------------------------------------
    Rule("self_harm", _r(r"\b(?:kill(?:ing)? myself|hurt(?:ing)? myself|cut(?:ting)? myself|end(?:ing)? my (?:own )?life|(?:want|wanna|going) to die|suicid\w*|self[- ]?harm\w*|don't want to (?:live|be alive)|not want to live|hate my life and)\b"),
         story_softens="never", protect_softens=False),
    Rule("hurt", _r(rf"\b(?:hurt(?:s|ing)?|kill(?:s|ing)?|murder(?:s|ing)?|stab(?:s|bing)?|shoot(?:s|ing)?|poison(?:s|ing)?|punch(?:es|ing)?|beat(?:s|ing)? up|attack(?:s|ing)?|harm(?:s|ing)?|strangle(?:s)?|choke(?:s)?|burn(?:s|ing)?|kidnap(?:s|ping)?|bomb(?:s|ing)?|run over){_gap(1)}(?:{REAL_PERSON}|my (?:dog|cat|pet|hamster|fish|rabbit|bird)|(?:a |the |my |our )?(?:real )?(?:people|person|teacher|principal|school|classmates?|students))\b(?!\s+(?:in the game|in my game|in a game))"),
         story_softens="target"),
    Rule("hurt", _r(r"\b(?:shoot(?:s|ing)? up (?:the|my|a) school|school shoot\w*|bring(?:s|ing)? (?:a |my |some )?(?:gun|knife|weapon|bomb)s? (?:to|into) (?:school|class)|mass shoot\w*)\b"),
         story_softens="never", protect_softens=False),
    Rule("weapon", _r(r"\b(?:make|build|create|get|buy)(?:s)?\s+(?:me\s+)?(?:a |an |some )?(?:bombs?|explosives?|guns?|poisons?|weapons?|knife|knives|grenades?)\s+(?:in real life|for real|irl|that (?:really )?works|that can hurt|that can kill)"),
         story_softens="never"),
    Rule("weapon", _r(r"\b(?:bombs?|explosives?|guns?|grenades?|missiles?|rockets?)\s+(?:that|to|which|and)\s+(?:\S+\s+)?(?:blows? up|destroys?|kills?|shoots?|hurts?|explodes?(?: at| in)?)\s+(?:the |my |a |our |all the )?(?:school|class|classroom|teachers?|house|home|people|kids|students|principal|town hall|real)\b"),
         story_softens="never"),
    Rule("weapon", _r(r"\b(?:how (?:to|do i|can i|do you) (?:make|build|create|get|buy)|(?:make|build|create|get|buy)(?:s)? (?:me )?(?:a |an |some )?(?:real|working|actual|homemade|home-made|dangerous))\s+(?:a |an |some )?(?:real |working |actual |homemade |dangerous )?(?:bombs?|explosives?|guns?|pipe bombs?|poisons?|weapons?|knife|knives|molotovs?|grenades?|napalm|meth|drugs)\b"),
         story_softens="never",
         unless=_r(r"\b(?:bath bomb|seed bomb|water (?:gun|balloon|pistol)|nerf|toy|lego|minecraft|paper|pretend|cardboard)\b")),
    # -- scams -------------------------------------------------------------------------
    Rule("scam", _r(r"\b(?:phishing|phish(?:es)?)\b(?!\s+(?:quiz|test|detector|checker|spotter|game|lesson|trainer|training|awareness|warning|alert))"),
         story_softens="always"),
    Rule("scam", _r(r"\bfake\s+(?:\S+\s+)?(?:log-?in|sign-?in|bank|password|paypal|roblox|google|apple|microsoft|school)\s+(?:page|screen|website|site|form|email|message|popup|pop-up)s?\b(?:\s+\S+){0,3}"),
         story_softens="target"),
    Rule("scam", _r(rf"\btrick(?:s|ing)?\s+(?:{REAL_PERSON}|users|players|them|my \S+)\s+(?:into|to)\s+(?:giving|give|typing|type|telling|tell|sending|send|sharing|share|paying|pay|entering|enter|clicking|click|downloading|download)\b"),
         story_softens="target"),
    Rule("scam", _r(r"\b(?:scam(?:s|ming)?)\s+(?:people|someone|kids|players|my|old|grandma|grandpa|others)\b|\b(?:free )?(?:robux|v-?bucks) generator\b"),
         story_softens="never"),
    Rule("scam", _r(rf"\b(?:pretend(?:s|ing)? to be|impersonat\w*|acting as|posing as)\s+{REAL_PERSON}|\bfake\s+(?:messages|emails|texts|notes|calls|letters)\s+(?:from|as|pretending|that look like they(?:'re| are) from)\s+{REAL_PERSON}"),
         story_softens="never", unless=_r(r"\b(?:play|pretend play|dress ?up|costume|role ?play|act(?:ing)? out)\b")),
    Rule("scam", _r(rf"\bsend(?:s|ing)?\s+{REAL_PERSON}\s+(?:a |an |some |lots of )?fake\s+(?:e-?mails?|messages?|texts?|notes?|letters?)\b|\bfake\s+(?:e-?mails?|messages?|texts?|notes?|letters?)\s+to\s+{REAL_PERSON}"),
         story_softens="target"),
    Rule("password", _r(rf"\b(?:find(?:s|ing)? out|figur(?:e|es|ing) out|crack(?:s|ing)?|guess(?:es|ing)?|steal(?:s|ing)?|hack(?:s|ing)?|get(?:s|ting)?|reveal(?:s)?|show(?:s)? me|tell(?:s)? me)\s+(?:the |a |their |someone's |{OWNER}\s+)?(?:\S+\s+)?wi-?fi\s+(?:password|passcode|code|key)s?\b"),
         story_softens="target"),
    # -- getting around safety ---------------------------------------------------------
    Rule("bypass", _r(r"\b(?:bypass(?:es|ing)?|get(?:s|ting)? (?:around|past)|turn(?:s|ing)? off|disable(?:s|ing)?|switch(?:es|ing)? off|break(?:s|ing)?|hack(?:s|ing)?|beat(?:s)?|dodge(?:s)?|sneak(?:s)? past|remove(?:s)?|uninstall(?:s)?)\s+(?:the |my |our |a )?(?:school(?:'s)? |mom's |dad's |parents' |parent's )?(?:internet |web |content |website )?(?:filters?|firewalls?|parental controls?|screen ?time(?: limit)?s?|anti-?virus|blockers?|sandbox|safety settings?|safety filter|restrictions?|admin password|web filter|proxy|school block)\b"),
         story_softens="never"),
    Rule("bypass", _r(r"\b(?:unblock(?:s|ing)?\s+(?:\S+\s+)?(?:websites?|sites|games|youtube|tiktok|social media|everything)|(?:get|become|gain)s?\s+admin(?:istrator)?(?: rights| access| password)?)\b"),
         story_softens="never"),
    Rule("grades", _r(r"\b(?:find|finds|get|gets|steal|steals|see|sees|copy|copies|look at|download|open)\s+(?:\S+\s+){0,2}?(?:answer ?keys?|test answers|exam answers|answers to (?:the|our|my|tomorrow's) (?:test|exam|quiz))\b(?!.*\bmy (?:own )?quiz)"),
         story_softens="never"),
    Rule("grades", _r(r"\b(?:change(?:s)?|edit(?:s)?|alter(?:s)?|hack(?:s)?|raise(?:s)?|fix(?:es)?|fake(?:s)?|boost(?:s)?)\s+(?:my|our|the|his|her|their|all (?:my|the))\s+(?:grades?|marks|report cards?|test scores)\s+(?:in|on|at)\s+(?:the |my )?(?:school|teacher|class|system|computer|website|portal|database)\b"),
         story_softens="never"),
]

ADULT_RULES: list[Rule] = [
    Rule("adult", _r(r"\b(?:girls?|boys?|women|men|ladies|people)\s+in\s+(?:their\s+)?(?:bikinis?|underwear|swimsuits?|lingerie|bras?|pants)\b"),
         story_softens="never", protect_softens=False),
    Rule("adult", _r(r"(?<![\d.])18\s?\+(?=\s+(?:game|games|only|content|stuff|movies?|videos?|sites?|websites?|apps?|things?|pictures?|chats?|jokes?|stories|story)\b|\s*$|\s*[.!,])|\brated\s+(?:18|r|x)\b|\b18 and over\b"),
         story_softens="never", protect_softens=False),
    Rule("adult", _r(r"\b(?:sex|sexual|sexy|sexting|naked|nude|nudes|nudity|porn\w*|p0rn|xxx|strip ?club|strippers?|stripping|hookers?|prostitut\w*|escorts? service|make ?out|making out|condoms?|erotic\w*|onlyfans|only fans|adults? only|nsfw|x-rated|adult (?:videos?|sites?|content|movies?)|hot (?:girls|boys|babes|chicks)|boobs?|booty call|horny|lingerie|bikini pics|kinky|fetish\w*|orgasm\w*|dating (?:app|site|game|website)s?|hook ?up with|one night stand)\b"),
         story_softens="never", protect_softens=False,
         unless=_r(r"\b(?:sexual reproduction|asexual|sex of (?:the|an|a) (?:animal|plant|baby|chick|fish))\b")),
    Rule("drugs", _r(r"\b(?:drugs?|cocaine|coke line|heroin|meth|crystal meth|crack cocaine|lsd|ecstasy|mdma|marijuana|cannabis|smok(?:e|es|ing) (?:weed|pot|a joint|joints|cigarettes?|cigars?)|weed (?:dealer|shop|store|plant to smoke)|joints?|blunts?|bongs?|vap(?:e|es|ing|er|ers)|juul|cigarettes?|cigars?|cigs|tobacco|nicotine|beers?|wine|vodka|whiske?y|tequila|alcohol\w*|booze|liquor|get(?:ting)? drunk|drunk|hangover|shots of|bar that sells|pub crawl|get(?:ting)? high|stoned|overdose|drinking games?|taking shots|(?:vodka|tequila|whiske?y|beer) shots|(?:buy|buying|sell|selling|smoke|smoking|grow|growing|get|getting)\s+(?:some\s+)?(?:weed|pot|crack|molly|shrooms|acid)|weed online)\b"),
         story_softens="never", protect_softens=False,
         unless=_r(r"\b(?:root beer|ginger beer|butter ?beer|drug ?store|drugstore|drug store|say no to|wine gums?|"
                   r"dangers? of|(?:is|are) (?:bad|harmful|dangerous) for|health (?:class|lesson|quiz)|stay away from|"
                   r"anti-?(?:drugs?|smoking|vaping)|stop smoking|quit smoking|harmful effects)\b")),
    Rule("gambling", _r(r"\b(?:gambl\w*|bet(?:s|ting)? (?:real|actual|my|your) money|real[- ]money (?:bets?|betting|casino|poker|slots?)|online casino|sports betting|betting (?:site|app|website))\b"),
         story_softens="never", protect_softens=True),
    Rule("gore", _r(r"\b(?:gore|gory|gorey|torture[sd]?|torturing|dismember\w*|decapitat\w*|behead\w*|disembowel\w*|blood and guts|guts (?:everywhere|spill\w*|out)|rip(?:s|ping)? (?:out )?(?:their|his|her|your) (?:heart|eyes|guts|head)|cut(?:s|ting)? off (?:their|his|her|your|people's) (?:heads?|arms?|legs?|fingers?))\b"),
         story_softens="never", protect_softens=False),
]

INSULT = (
    r"(?:stupid|dumb|dumbest|stupidest|ugly|ugliest|fat|fattest|an? idiot|idiots?|losers?|smelly|"
    r"stinky|smelliest|morons?|gross|weirdos?|worthless|useless|pathetic|annoying|lame|worst|"
    r"disgusting|freaks?|nerds?|dorks?|babies|baby|crybabies|crybaby|hopeless|brainless|trash|"
    r"garbage|a joke|nobody likes|hated|hates everyone|weird|poor|not invited)"
)
GROUP = (
    r"(?:(?:\w+ )?people|girls|boys|men|women|immigrants|foreigners|refugees|muslims|jews|"
    r"christians|hindus|sikhs|buddhists|atheists|black people|white people|brown people|asians|"
    r"africans|mexicans|chinese|indians|arabs|gays?|lesbians|trans (?:people|kids)|"
    r"disabled (?:people|kids)|autistic (?:people|kids)|fat (?:people|kids)|poor (?:people|kids)|"
    r"old people|(?:\w+ )?kids)"
)

UNKIND_RULES: list[Rule] = [
    Rule("unkind", _r(rf"\b(?:make(?:s)? fun of|making fun of|laugh(?:s|ing)? at|teas(?:e|es|ing)|bully(?:ing)?|bullies|insult(?:s|ing)?|roast(?:s|ing)?|embarrass(?:es|ing)?|humiliat(?:e|es|ing)|pick(?:s|ing)? on|be(?:ing)? mean to|mock(?:s|ing)?|troll(?:s|ing)?|exclud(?:e|es|ing)|leave(?:s)? out|prank(?:s|ing)?|scare(?:s)?|threaten(?:s|ing)?|gossip(?:s|ing)? about|spread(?:s|ing)? rumou?rs about|cyberbull\w*){_gap(1)}(?:{REAL_PERSON}|[a-z]+ in my class|the new kid|fat|ugly)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(rf"\b(?:says?|saying|tells?|telling|calls?|calling|prints?|printing|shows?|writes?|tell everyone|tells everyone)\s+(?:that\s+)?(?:{REAL_PERSON}|[a-z]+ in my class|everyone)\s+(?:(?:that\s+)?(?:he|she|they|you)\s+)?(?:is|are|=|was|a|an|smells|stinks|looks like|'re)?\s*(?:so |really |very |super |totally |the |a |an |such an? )?{INSULT}\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:says?|saying|tells?|telling|tell everyone|tells everyone|prints?|shows?|writes?)\s+(?:everyone\s+)?(?:that\s+)?[a-z]+\s+(?:is|=)\s+(?:a |an |such an? |the biggest |a big |a total )?(?:loser|idiot|moron|freak|weirdo|nerd|dork|crybaby|baby|joke|dummy|dumbo|doofus)\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:tells?|telling|says? to|calls?|calling|texts?|messages?)\s+[a-z]+\s+(?:that\s+)?(?:he|she|they|you)(?:'s|'re| is| are)?\s+(?:so |really |very |a |an |such an? |totally |the )?(?:smells?|stinks?|sucks?|smelly|stinky|stupid|dumb|ugly|fat|an? idiot|idiot|loser|moron|gross|weird|worthless|useless|pathetic|annoying|lame|disgusting|freak|nerd|dork|baby|crybaby|hopeless|brainless|trash|garbage|nobody likes)\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:make(?:s)? fun of|making fun of|laugh(?:s|ing)? at|bully(?:ing)?|bullies|insult(?:s|ing)?|mock(?:s|ing)?|teas(?:e|es|ing)|pick(?:s|ing)? on|exclud(?:e|es|ing))\s+(?:the |all the |some |those |all )?(?:\S+\s+)?(?:kids|people|children|students|girls|boys|classmates|persons?|kid|girl|boy|student|nerds?|geeks?|weirdos?|losers?|dorks?|fatsos?|freaks?)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(r"\b(?:beat(?:s|ing)? up|punch(?:es|ing)?|hit(?:s|ting)?|kick(?:s|ing)?|throw(?:s|ing)? \S+ at|push(?:es|ing)?|trip(?:s|ping)?|laugh(?:s|ing)? at)\s+(?:the |a |all the |some |those |all )?(?:(?:(?:autistic|disabled|deaf|blind|black|white|brown|asian|gay|trans|poor|fat|chubby|skinny|foreign|muslim|jewish|weird|ugly|smelly|nerdy|geeky|stupid|dumb)\s+(?:kids?|people|children|students?|girls?|boys?|classmates?|persons?))|nerds?|geeks?|weirdos?|losers?|dorks?|fatsos?|freaks?|fatty)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(r"\b(?:tells?|telling|shows?|announces?|posts?)\s+(?:the whole class|the class|everyone|everybody|the whole school|the school|all my friends)\s+(?:that\s+)?(?:\S+\s+)?(?:wets? the bed|wet (?:his|her|their) pants|has (?:lice|nits|no friends|fleas)|picks? (?:his|her|their) nose|cried|cries|smells|stinks|is adopted|is poor|is a baby|still sucks)"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\bsend(?:s|ing)?\s+(?:\S+\s+)?(?:mean|rude|nasty|hurtful|horrible|scary|threatening|angry)\s+(?:messages|texts|notes|emails|letters|things|words)\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(rf"\b(?:my|our|the|that|this) {RELATION}(?:\s+[a-z]+)?\s+(?:is|are|being|looks?|smells?|acts?)\s+(?:like\s+)?(?:so |really |very |super |totally |the |a |an |such an? )?{INSULT}\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:ugliest|fattest|dumbest|stupidest|weirdest|smelliest|worst|most annoying|most hated|grossest|biggest loser|most unpopular|least popular|least liked|loneliest|most boring|most disliked|poorest)\s+(?:(?:person|kid|kids|girl|girls|boy|boys|student|students|one|people|teacher)\s+)?(?:in|at|of)\s+(?:(?:my|the|our)\s+)?(?:class|school|grade|team)"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:list|lists|generator|maker|book)\s+(?:of\s+)?(?:mean|rude|bad|nasty|hurtful|horrible|swear)\s+(?:names|words|nicknames|things|insults|jokes|comebacks)|\b(?:mean|rude|nasty|hurtful|horrible)\s+(?:names?|nicknames?|insults?|comebacks?)\s+(?:for|about|to call)\b|\binsult (?:generator|maker|machine|list)\b|\b(?:lists?|print(?:s|ing)?|say(?:s|ing)?|shout(?:s|ing)?|teach(?:es|ing)?|generat(?:e|es|or)|makers?|show(?:s|ing)?|all the|full of|with|of|uses?|writes?|types?)\s+(?:\S+\s+)?(?:swear ?|curse |bad |rude |dirty )words?\b"),
         story_softens="never", protect_softens=True,
         unless=_r(r"\b(?:swear jars?|filters?|blockers?|detectors?|censor\w*|bleeps?|beeps?|catch(?:es)?|spots?)\b")),
    Rule("unkind", _r(rf"\b(?:i |we )?hate\s+(?:my|our|the)\s+{RELATION}\b|\bhate list\b|\b(?:everyone|everybody|people) (?:i|we) hate\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(r"\b(?:the|a|that|this|every|all the)\s+(?:fat|fatty|ugly|weird|smelly|stinky|stupid|dumb|retarded|poor|nerdy|geeky|loser)\s+(?:kids?|girls?|boys?|persons?|people|students?|classmates?|one in my class)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(rf"\b(?:mean|rude|nasty|hurtful|horrible|cruel|embarrassing)\s+(?:songs?|poems?|story|stories|jokes?|raps?|messages?|notes?|letters?|memes?|lists?|videos?|comics?|pictures?|drawings?|names|nicknames|cards?|things)\s+(?:about|for|to|on)\s+{REAL_PERSON}"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(rf"\bcall(?:s|ing)?\s+(?:{REAL_PERSON}|kids|people|children|classmates|[a-z]+)\s+(?:mean |rude |bad |nasty |horrible )?names\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(rf"\bmak(?:e|es|ing)\s+(?:{REAL_PERSON}|kids|people|children|classmates|the new (?:kid|girl|boy|student)|[a-z]+)\s+(?:cry|upset|sad|miserable|scared|angry)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(r"\b(?:rank|ranks|ranked|ranking|rate|rates|rated|rating|sort|sorts|sorted|score|scores|list|lists)\s+(?:\S+\s+){0,5}?(?:from\s+)?(?:the\s+)?(?:prettiest|ugliest|hottest|fattest|skinniest|dumbest|stupidest|weirdest|smelliest|grossest|most popular|least popular|most annoying)\b"),
         story_softens="never", protect_softens=False),
    Rule("unkind", _r(rf"\b(?:nobody|no one|noone|no-one|everyone|everybody)\s+(?:loves|likes|wants|cares about|hates|laughs at|is friends with)\s+(?:{REAL_PERSON}|him|her|them|you)\b"),
         story_softens="never", protect_softens=True),
    Rule("unkind", _r(rf"\bmak(?:e|es|ing)\s+(?:{REAL_PERSON}|the new (?:kid|girl|boy|student)|[a-z]+)\s+(?:feel|look|seem)\s+(?:left out|sad|bad|stupid|dumb|ugly|alone|lonely|unwanted|excluded|embarrassed|scared|small|worthless|like a loser)\b"),
         story_softens="never", protect_softens=False),
    Rule("hate", _r(r"\b(?:girls|boys|women|men|immigrants|foreigners|refugees|muslims|jews|christians|hindus|sikhs|"
                    r"black people|white people|brown people|asians|africans|mexicans|arabs|gay people|gays|lesbians|"
                    r"trans (?:people|kids)|disabled (?:people|kids)|autistic (?:people|kids)|fat (?:people|kids)|"
                    r"poor (?:people|kids))\s+(?:can't|cant|cannot|can not|aren't able to|are not able to|are bad at|"
                    r"are worse at|aren't good at|are not good at|shouldn't|should not|don't deserve|do not deserve|"
                    r"are not allowed|aren't allowed|don't belong|do not belong)\b"),
         story_softens="never", protect_softens=False),
    Rule("hate", _r(rf"\b{GROUP}\s+(?:are|is)\s+(?:all\s+)?(?:so |really |very |the |just )?(?:stupid|dumb|bad|gross|evil|worse|inferior|disgusting|ugly|smelly|dirty|lazy|criminals|animals|trash|garbage|weak|not as good|useless)\b|\b(?:i |we )?hate\s+(?:all\s+)?{GROUP}\b|\b(?:kkk|white power|heil hitler|nazis? (?:are|were) (?:good|right|cool))\b"),
         story_softens="never", protect_softens=False),
]


# ---------------------------------------------------------------------------------------
# Benign phrases (masked before matching)
# ---------------------------------------------------------------------------------------

BENIGN = _r(
    r"\b(?:life ?hacks?|hacks? for|hack(?:s)? to|hackathons?|hacky ?sack|hack and slash|hack-and-slash|"
    r"growth hacks?|math hacks?|study hacks?|homework hacks?|"
    r"steal(?:s|ing)? (?:second|third|home|a|the) base|stolen bases?|"
    r"shoot(?:s|ing)? hoops|shoot(?:s|ing)? (?:a |the )?(?:basketball|ball|goals?|photos?|pictures?|a video|video|stars?)|"
    r"kill(?:s|ing)? time|killer whales?|killer app|kill(?:s)? (?:the )?germs|bug killer|"
    r"crash course|car crash(?:es)?|crash test|crash landing|"
    r"password (?:checker|strength|tester|generator|game|maker|rater|meter|helper|keeper|quiz)|"
    r"strong password|secret password for (?:my|the) game|guess(?:es|ing)? (?:my|the|a) (?:secret )?(?:number|word|animal|card|colou?r|letter)|"
    r"spy (?:game|story|code|codes|messages?|gadgets?|school|kids|agent|mission|decoder|cipher|name)|secret agent|"
    r"bomb(?:-| )?defus\w*|defus\w* (?:the |a )?bombs?|bath bombs?|seed bombs?|photo ?bomb\w*|cherry bomb|"
    r"computer (?:science|club|class|lab)|virus (?:game|quiz|simulation)|(?:fight|stop|beat|zap|catch|squash) (?:the )?(?:viruses|virus|bugs|germs)|"
    r"debug\w*|bug ?fix\w*|fix(?:es|ing)? (?:a |the )?(?:bugs?|computer)|"
    r"clean(?:s|ing)? up (?:my|the) (?:files|desktop|folders?)|"
    r"the computer (?:player|opponent)|against the computer|vs\.? the computer|versus the computer|"
    r"beat(?:s|ing)? the computer|the computer (?:picks|chooses|guesses|wins|loses|plays|says|thinks)|"
    r"hang ?man|wordle|"
    r"my own (?:game|program|account|password|files|computer)|for my own)\b"
)
