"""Cleaning what the model says: disguised rude words are caught, innocent words are not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vibecode.safety import SafetyRules, clean_output, clean_program

BUILT_IN = SafetyRules()

DISGUISED = [
    "f u c k", "F.U.C.K", "f-u-c-k", "f_u_c_k", "fuuuuck", "FuCk", "f*ck", "f**k", "phuck", "fck",
    "sh1t", "sh!t", "$hit", "5h1t", "shiiit", "s h i t", "sh it", "bullsh1t",
    "a$$", "@ss", "a55hole", "a s s h o l e", "b1tch", "b!tch", "bi+ch", "b-i-t-c-h",
    "fück", "ѕhit",  # accent; Cyrillic "ѕ"
    "f\u200buck",  # zero-width space inside
    "motherfuckers", "he11", "n1gger", "f4ggot",
]
INNOCENT = [
    "Scunthorpe", "class", "assistant", "cocktail", "grape", "hello", "pass", "passed", "shitake",
    "shiitake", "assassin", "bass", "glasses", "massive", "assess", "cockpit", "peacock", "shell",
    "therapist", "raccoon", "cocoon", "spice", "retardant", "Dickens", "Moby Dick", "document",
    "analysis", "title", "buttons", "len(items)", "kill the dragon", "the pawn moves", "my fat cat",
    "stupid robot", "sniper", "organ", "gay", "costs $5.00", "1000 points", "**bold**", "c l a s s",
    "Sh! It's a secret", "hancock", "cumulative", "scrapbook", "damnation", "classic", "compass",
    "Essex", "Sussex", "Middlesex", "grasshopper", "ambassador", "Shitzu",
]


@pytest.mark.parametrize("text", DISGUISED)
def test_disguised_rude_words_are_replaced(text: str) -> None:
    result = clean_output(f"Well, {text} that was hard.", BUILT_IN)
    assert result.flagged, text
    assert "****" in result.text
    assert result.text.startswith("Well, ") and result.text.endswith(" that was hard.")


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_words_are_left_alone(text: str) -> None:
    sentence = f"Here is {text} in a sentence."
    result = clean_output(sentence, BUILT_IN)
    assert result.flagged == [] and result.text == sentence, result


def test_clean_text_is_returned_unchanged() -> None:
    answer = "This program asks for a price, then prints how many cups you sold. Try changing 5 to 7!"
    result = clean_output(answer, BUILT_IN)
    assert result.text == answer and not result.changed


def test_clean_program_changes_strings_and_comments_and_still_runs(tmp_path) -> None:
    source = (
        "# what a sh1t game\n"
        "score = 3\n"
        "print(\"You lost, f u c k!\")\n"
        "print(f'Score: {score}')\n"
    )
    result = clean_program(source, BUILT_IN)
    assert result.changed and not result.needs_new_answer
    assert "sh1t" not in result.text and "f u c k" not in result.text
    compile(result.text, "<kid>", "exec")
    program = tmp_path / "kid.py"
    program.write_text(result.text, encoding="utf-8")
    out = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert out.stdout == "You lost, ****!\nScore: 3\n"


def test_rude_name_in_code_asks_for_a_new_answer() -> None:
    result = clean_program("shit_count = 1\nprint(shit_count)\n", BUILT_IN)
    assert result.needs_new_answer
    assert result.text == "shit_count = 1\nprint(shit_count)\n"  # never breaks the code


def test_clean_program_leaves_good_code_byte_for_byte() -> None:
    source = "class Shop:\n    def pass_item(self, items):\n        return len(items)  # assistant\n"
    assert clean_program(source, BUILT_IN).text == source


def test_unparseable_program_is_cleaned_like_text() -> None:
    result = clean_program('print("sh1t"\n', BUILT_IN)
    assert result.changed and "sh1t" not in result.text


def test_teacher_words_are_added_and_allowed() -> None:
    rules = SafetyRules(blocked_words=("poopyhead", "total numpty"), allowed_words=("hell",))
    result = clean_output("You poopyheads are a total  numpty. What the hell.", rules)
    assert result.flagged == ["poopyheads", "total  numpty"]
    assert result.text == "You **** are a ****. What the hell."
    assert clean_output("What the hell.", BUILT_IN).flagged == ["hell"]


def test_long_output_is_handled() -> None:
    text = ("A fine line of kid program output with numbers 12345 and words. " * 2000) + " sh1t"
    result = clean_output(text, BUILT_IN)
    assert result.flagged == ["sh1t"]
