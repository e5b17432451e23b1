"""What a child reads when an idea is turned down or needs a second look.

Every message is short, kind, at a 9-year-old's reading level, and offers something to build
instead — a turned-down idea should feel like a new door, not a telling-off.
"""

from __future__ import annotations

# category -> (what we can't do, what we could build instead)
REFUSALS: dict[str, tuple[str, str]] = {
    "delete": (
        "I can't make programs that delete files or wreck computers.",
        "How about a game where you tidy a messy robot's room, one thing at a time?",
    ),
    "hack": (
        "I can't make programs that break into computers, websites or accounts.",
        "How about a game where you defend a castle from sneaky hackers?",
    ),
    "password": (
        "I can't help get someone else's password or account. Passwords belong to their owner.",
        "How about a password-strength checker for made-up passwords?",
    ),
    "virus": (
        "I can't make computer viruses or other programs that harm computers.",
        "How about a game where you are an antivirus hero zapping bugs before they spread?",
    ),
    "crash": (
        "I can't make programs that crash or freeze computers.",
        "How about a 'computer doctor' game where you fix a sick pretend computer?",
    ),
    "spam": (
        "I can't make programs that flood people with messages.",
        "How about a message-in-a-bottle game where you send one kind note at a time?",
    ),
    "ban": (
        "I can't make programs that get someone banned or in trouble.",
        "How about a team game where you and your friend help each other win?",
    ),
    "spy": (
        "I can't make programs that spy on real people. Everyone deserves privacy.",
        "How about a secret code maker, so you and a friend can send spy messages?",
    ),
    "hurt": (
        "I can't help with hurting real people or animals. If someone is making you feel unsafe, "
        "please tell a grown-up you trust.",
        "How about a game where a brave knight saves the village?",
    ),
    "weapon": (
        "I can't help make real weapons or dangerous things.",
        "How about a bomb-defusing puzzle game with a countdown timer?",
    ),
    "scam": (
        "I can't make programs that trick people.",
        "How about a quiz that teaches how to spot a scam?",
    ),
    "bypass": (
        "I can't help get around the safety settings on this computer or at school.",
        "How about a maze game with secret passages you can find?",
    ),
    "grades": (
        "I can't change real grades or school records.",
        "How about a program that works out the average of your test scores?",
    ),
    "self_harm": (
        "It sounds like you might be having a really hard time. Please talk to a grown-up you "
        "trust, like your teacher or a parent, today. You matter.",
        "When you're ready, we could make a kind-words machine together.",
    ),
    # adult
    "adult": (
        "That's a grown-up topic, so let's pick something else.",
        "How about a pet shop game, a space adventure, or a joke machine?",
    ),
    "drugs": (
        "That's a grown-up topic, so let's pick something else.",
        "How about a smoothie stand where you mix fruits and set the prices?",
    ),
    "gambling": (
        "Betting real money is a grown-up thing, so let's pick something else.",
        "How about a piggy bank program that shows your savings growing?",
    ),
    "gore": (
        "That's too gory for here, so let's pick something else.",
        "How about a spooky-but-fun ghost story where you choose what happens?",
    ),
    # unkind
    "unkind": (
        "Let's keep our programs kind to everyone.",
        "How about a compliment machine that says nice things to your friends?",
    ),
    "bad_words": (
        "That idea has a word we don't use here.",
        "Can you say it another way? For example: 'a game about a silly dog'.",
    ),
    "hate": (
        "Let's keep our programs kind to every kind of person.",
        "How about a quiz about amazing people from around the world?",
    ),
    # teacher
    "teacher_topic": (
        "Your teacher asked us to skip that topic in this class.",
        "How about a different idea, like a quiz, a shop game or a story?",
    ),
}

PERSONAL: dict[str, str] = {
    "phone": "a real phone number",
    "email": "a real email address",
    "address": "a real home address",
    "full_name": "someone's full name",
    "password": "a real password",
    "school": "the name of a real school",
    "card": "a card number",
}

PERSONAL_TEMPLATE = (
    "It looks like you typed {what}. Programs don't need real ones, and it's safer to keep them "
    "private. You could use a pretend one instead. Do you want to go on anyway?"
)


def refusal(category: str) -> str:
    """The message for a turned-down idea: what we can't do, then what we could build."""
    cant, instead = REFUSALS.get(category, REFUSALS["unkind"])
    return f"{cant} {instead}"


def suggestion(category: str) -> str:
    return REFUSALS.get(category, REFUSALS["unkind"])[1]


def personal_warning(kinds: list[str]) -> str:
    """A gentle warning naming what looks private ("a real phone number and someone's full name")."""
    names = [PERSONAL[k] for k in kinds if k in PERSONAL] or ["something private"]
    what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return PERSONAL_TEMPLATE.format(what=what)
