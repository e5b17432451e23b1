"""The Maker pipeline with the real sandbox and real safety filter. The model side is the engine's
ScriptedBackend, a FAKE that replays canned answers (so a bad-then-good answer can be scripted);
one test at the end drives the REAL tiny model end to end (plumbing, not quality)."""

from __future__ import annotations

import threading

import pytest

from sandbox import run_program
from vibecode.lm.scripted import ScriptedBackend
from vibecode.make import Maker, MakeEvent, MakeRequest
from vibecode.make.fewshot import load_examples
from vibecode.make.prompts import GENERIC_TRIAL_INPUTS

F = "```"
GOOD = f"This program says hello to you.\n{F}python\nname = input('What is your name? ')\nprint('Hello', name)\n{F}"
CRASH = f"A greeting.\n{F}python\nname = input('Name? ')\nprint('Hello', nmae)\n{F}"
BROKEN = f"{F}python\nprint('Hello'\n{F}"
PROSE = "I like turtles. Programs are fun!"


def fake(*answers: str, delay: float = 0.0) -> ScriptedBackend:
    """FAKE model: replays these answers in order (the last one repeats)."""
    return ScriptedBackend(list(answers), delay=delay)


def test_good_first_answer():
    backend = fake(GOOD)
    events: list[MakeEvent] = []
    result = Maker(backend).make(MakeRequest(idea="a program that says hello"), on_event=events.append)
    assert result.ok and result.attempts == 1
    assert result.program == "name = input('What is your name? ')\nprint('Hello', name)\n"
    assert result.explanation == "This program says hello to you."
    assert result.trial is not None and "Hello" in result.trial.output
    assert result.completion_tokens > 0 and result.prompt_tokens > 0
    kinds = [e.kind for e in events]
    for kind in ("attempt", "chunk", "checking", "trial", "done"):
        assert kind in kinds
    assert events[-1].kind == "done" and events[-1].data is result


def test_contract_step_accepts_a_program_that_only_defines_the_functions():
    """Scripted FAKE model answers with just the lesson's function; without output it is still a good program."""
    answer = "```python\ndef profit(made, sold, price, cost):\n    return sold * price - made * cost\n```\nIt works out your profit."
    request = MakeRequest(idea="make a profit function", contract="def profit(made, sold, price, cost) -> int")
    result = Maker(fake(answer)).make(request)
    assert result.ok and result.attempts == 1
    assert result.program is not None and "def profit(made, sold, price, cost)" in result.program


def test_crash_then_good_with_a_repair_turn_sends_the_error_back():
    backend = fake(CRASH, GOOD)
    result = Maker(backend, retry="repair").make(MakeRequest(idea="a program that says hello"))
    assert result.ok and result.attempts == 2
    assert [a.kind for a in result.attempt_log] == ["first", "repair"]
    assert result.attempt_log[0].trial_ok is False
    repair_turn = backend.calls[1][-1].content
    assert "NameError" in repair_turn and "nmae" in repair_turn
    assert backend.calls[1][-2].role == "assistant"  # the broken program went back to the model


def test_syntax_error_then_good_with_a_fresh_sample():
    backend = fake(BROKEN, GOOD)
    result = Maker(backend, retry="fresh").make(MakeRequest(idea="a program that says hello"))
    assert result.ok and result.attempts == 2
    assert result.attempt_log[0].problems and result.attempt_log[0].problems[0].startswith("syntax")
    assert backend.calls[1] == backend.calls[0]  # the same prompt again, sampled


def test_always_failing_returns_the_best_program_and_a_kind_message():
    backend = fake(BROKEN, CRASH, CRASH)
    result = Maker(backend).make(MakeRequest(idea="a program that says hello"))
    assert not result.ok and result.attempts == 3
    assert result.program is not None and "nmae" in result.program  # it ran; the syntax error did not
    assert "Help me fix it" in result.message
    assert "Traceback" not in result.message


def test_no_code_at_all():
    result = Maker(fake(PROSE)).make(MakeRequest(idea="a program that says hello"))
    assert not result.ok and result.program is None and result.attempts == 3
    assert "program" in result.message and "Traceback" not in result.message


@pytest.mark.parametrize("idea", ["", "   ", "x" * 10_000, "qwrtzp sdfghjkl xcvbnm"])
def test_bad_ideas_never_reach_the_model(idea):
    backend = fake(GOOD)
    result = Maker(backend).make(MakeRequest(idea=idea))
    assert not result.ok and result.program is None and result.message
    assert backend.calls == []


def test_harmful_idea_is_refused_kindly():
    backend = fake(GOOD)
    result = Maker(backend).make(MakeRequest(idea="a program that steals my friend's passwords and deletes their files"))
    assert result.refused and not result.ok and result.message
    assert backend.calls == []


def test_int_input_is_hardened_so_a_typed_word_does_not_crash():
    answer = f"{F}python\ncups = int(input('How many cups? '))\nprint('You sold', cups, 'cups')\n{F}"
    result = Maker(fake(answer)).make(MakeRequest(idea="lemonade cups", trial_inputs=["yes", "4"]))
    assert result.ok and result.attempts == 1
    assert "ask_number(" in result.program
    assert "You sold 4 cups" in result.trial.output


def test_change_keeps_the_old_program_and_shows_it_to_the_model():
    old = "name = input('Name? ')\nprint('Hello', name)\n"
    new = f"{F}python\nname = input('Name? ')\nprint('Hello', name)\nprint('Bye', name)\n{F}"
    backend = fake(new)
    result = Maker(backend).make(MakeRequest(idea="make it also say bye", current_program=old))
    assert result.ok and result.program.startswith(old)
    assert "print('Hello', name)" in backend.calls[0][-1].content
    assert "I changed your program" in result.message


def test_answers_that_copy_a_program_have_no_repetition_penalty_and_draft_from_it():
    """The penalty counts the prompt's tokens too, so with it the real 1.5B described the program instead of
    sending it back changed. A change and a fix: no penalty, drafts after a single matching word. A new
    program keeps the penalty, and drafts only after two matching words."""
    old = "name = input('Name? ')\nprint('Hello', name)\n"
    bye = f"{F}python\n{old}print('Bye', name)\n{F}"
    backend = fake(GOOD, bye, bye)
    maker = Maker(backend)
    maker.make(MakeRequest(idea="say hello to me"))
    maker.make(MakeRequest(idea="make it also say bye", current_program=old))
    maker.repair(old, run_program(old, []))
    new, change, fix = backend.options
    assert new.repetition_penalty > 1.0 and new.prompt_lookup > 0 and new.prompt_lookup_words == 2
    for copy in (change, fix):
        assert copy.repetition_penalty == 1.0 and copy.prompt_lookup > 0 and copy.prompt_lookup_words == 1


def test_a_change_continues_the_conversation_that_made_the_program():
    """The model remembers its last prompt and answer (its prompt cache), so a change to the program it just
    wrote is sent as the next turn of that conversation; an edited program starts a new conversation."""
    bye = f"Now it says bye too.\n{F}python\nname = input('What is your name? ')\nprint('Hello', name)\nprint('Bye')\n{F}"
    backend = fake(GOOD, bye, GOOD)
    maker = Maker(backend)
    first = maker.make(MakeRequest(idea="say hello to me"))
    second = maker.make(MakeRequest(idea="make it also say bye", current_program=first.program))
    assert second.ok and "print('Bye')" in second.program
    continued = backend.calls[1]
    first = backend.calls[0]
    assert len(first) == 4  # system, the few-shot example (idea and program), the idea
    # the first prompt without its example program (copied into lesson 01 step 2 by the real 1.5B)
    assert continued[:2] == [first[0], first[3]]
    assert continued[-2].role == "assistant" and continued[-2].content == GOOD  # the answer as the model wrote it
    assert continued[-1].role == "user" and continued[-1].content.endswith("Change it: make it also say bye")

    edited = second.program + "print('my own line')\n"
    maker.make(MakeRequest(idea="make it say hi", current_program=edited))
    fresh = backend.calls[2]
    assert len(fresh) < len(continued) and "my own line" in fresh[-1].content  # the child's edit is what it sees


@pytest.mark.parametrize("idea, location, words_read", [
    ("a lemonade stand where I pick the price", "local", True),
    ("make it also count rainy days", "local", True),
    ("a lemonade stand where I pick the price", "server", False),  # unsent words never leave the computer
    ("hack into the school website", "local", False),  # refused: not read at all
    ("my phone number is 555-123-4567, put it on my poster", "local", False),  # waits for the child's Enter
    ("", "local", False),
])
def test_reading_ahead_reads_the_childs_words_only_on_this_computer_and_only_ones_make_would_send(
        idea, location, words_read):
    """FAKE model (it records what it is given to read ahead). The read-ahead prompt is make's own prompt
    when the words may be read (so after Enter only the chat template's last tokens are left), else only
    what comes before the words."""
    from vibecode.lm.base import LOCATION_LOCAL, LOCATION_SERVER
    from vibecode.make import prompts

    backend = fake(GOOD)
    backend.location = LOCATION_LOCAL if location == "local" else LOCATION_SERVER
    maker = Maker(backend)
    program = "coins = 20\nprint('You have', coins, 'coins')\n" if idea.startswith("make it") else None
    request = MakeRequest(idea=idea, current_program=program)
    maker.read_ahead(request)
    [ahead], [tentative] = backend.prefills, backend.tentative_prefills
    full = maker._messages(request)
    assert tentative == words_read
    assert ahead == (full if words_read else prompts.before_idea(full))
    [answer_ahead] = backend.answers_ahead  # the options make's first answer will have, to write it ahead
    assert (answer_ahead is not None) == words_read
    if words_read:
        maker.make(request)
        assert backend.calls[0] == ahead and backend.options[0] == answer_ahead
    if idea:
        assert (idea in ahead[-1].content) == words_read


def test_change_that_forgets_the_old_program_is_retried():
    old = "name = input('Name? ')\nprint('Hello', name)\nage = input('Age? ')\nprint('Age', age)\n"
    forgot = f"{F}python\nprint('Bye')\n{F}"
    kept = f"{F}python\n{old}print('Bye')\n{F}"
    result = Maker(fake(forgot, kept)).make(MakeRequest(idea="also say bye", current_program=old))
    assert result.ok and result.attempts == 2 and result.program.startswith(old)


def test_cancel_from_another_thread_stops_promptly():
    slow = fake(GOOD * 20, delay=0.05)
    maker = Maker(slow)
    timer = threading.Timer(0.3, maker.cancel)
    timer.start()
    result = maker.make(MakeRequest(idea="a program that says hello"))
    timer.join()
    assert not result.ok and "Stopped" in result.message


def test_explain_gives_short_plain_sentences():
    backend = fake("**This program** asks your name. Then it says hello to you! It is friendly. It is short. It is fun.")
    text = Maker(backend).explain("name = input('Name? ')\nprint('Hello', name)\n")
    assert text.startswith("This program asks your name.")
    assert "*" not in text and text.count(".") + text.count("!") <= 4
    assert "What does this program do" in backend.calls[0][-1].content


def test_explain_without_a_program_needs_no_model():
    backend = fake("x")
    assert "no program" in Maker(backend).explain("").lower()
    assert backend.calls == []


def test_help_me_fix_it_uses_the_real_run_error():
    program = "n = 10\nprint('Half is', n / 0)\n"
    run = run_program(program, [])
    assert not run.ok
    fixed = f"{F}python\nn = 10\nprint('Half is', n / 2)\n{F}"
    backend = fake(fixed)
    result = Maker(backend).repair(program, run)
    assert result.ok and "n / 2" in result.program
    assert "ZeroDivisionError" in backend.calls[0][-1].content


def test_curated_examples_all_run_in_the_sandbox():
    for ex in load_examples():
        run = run_program(ex.program, list(GENERIC_TRIAL_INPUTS))
        assert run.ok or run.ran_out_of_input, (ex.name, run.verdict, run.message)
        assert run.output.strip(), ex.name


@pytest.mark.model
def test_real_tiny_model_end_to_end(tiny_backend):
    """The REAL tiny model through the whole pipeline: it answers, we extract and check and try it.
    Its programs are usually poor, so only the plumbing is asserted."""
    events: list[MakeEvent] = []
    maker = Maker(tiny_backend, max_attempts=1, max_new_tokens=96)
    result = maker.make(MakeRequest(idea="print hello three times"), on_event=events.append)
    assert result.attempts == 1
    assert result.completion_tokens > 0 and result.prompt_tokens > 0
    assert any(e.kind == "chunk" for e in events)
    assert result.message and "Traceback" not in result.message
    if result.program is not None:
        compile(result.program, "<tiny>", "exec")


def test_change_answered_with_words_only_gets_a_follow_up_turn_asking_for_the_program():
    """The real 1.5B often describes a lesson change and stops; asking for the code then works."""
    old = "name = input('Name? ')\nprint('Hello', name)\n"
    words = "This program says hello and then goodbye to you."
    new = f"{F}python\nname = input('Name? ')\nprint('Hello', name)\nprint('Bye', name)\n{F}"
    backend = fake(words, new)
    result = Maker(backend).make(MakeRequest(idea="make it also say bye", current_program=old))
    assert result.ok and result.attempts == 2
    assert [a.kind for a in result.attempt_log] == ["first", "repair"]
    follow_up = backend.calls[1]
    assert follow_up[-2].role == "assistant" and follow_up[-2].content == words
    assert "```python block" in follow_up[-1].content


POSTER = f"Here's a simple poster:\n{F}\nLemonade Stand\nName: [Your Name]\nPrice: $[Your Price]\n{F}"


@pytest.mark.parametrize("words", [PROSE, POSTER], ids=["words", "words in a fence"])
def test_new_program_answered_with_words_only_gets_a_fresh_sample_that_says_it_is_a_program_idea(words):
    """The real 1.5B answered "rate my day from 1 to 5" by rating its own day, and "make a poster for my
    lemonade stand with my name and price" with the poster's text in a ``` block; the retry says it is an
    idea for a program (bench ideas: the poster then ran on the second try, the 39 other programs as before)."""
    backend = fake(words, words, GOOD)
    result = Maker(backend).make(MakeRequest(idea="rate my day from 1 to 5"))
    assert result.ok and [a.kind for a in result.attempt_log] == ["first", "fresh", "fresh"]
    first, second, third = backend.calls
    assert second[:-1] == first[:-1] and third == second
    assert first[-1].content == "rate my day from 1 to 5"
    assert second[-1].content == "Write a Python program for this idea: rate my day from 1 to 5"
    assert backend.options[1].temperature > 0  # still a fresh sample


CONTRACT = '''
def profit(made, sold, price, cost):
    """Money taken minus money spent, in cents."""

def best_price(prices):
    """The price that earns most."""
'''


def test_lesson_step_without_the_function_it_names_gets_a_repair_turn_with_the_signature():
    """The real 1.5B once wrote lesson 01 step 1 without def profit; the check names the function and the
    repair turn asks for exactly that signature. Functions of later steps (best_price) are not asked for."""
    without = f"{F}python\nmade = 20\nsold = 15\nprint('Profit:', sold * 50 - made * 20)\n{F}"
    with_it = f"{F}python\ndef profit(made, sold, price, cost):\n    return sold * price - made * cost\n{F}"
    backend = fake(without, with_it)
    idea = "Make a function profit(made, sold, price, cost) that returns the profit in cents."
    result = Maker(backend).make(MakeRequest(idea=idea, contract=CONTRACT))
    assert result.ok and result.attempts == 2
    assert [a.kind for a in result.attempt_log] == ["first", "repair"]
    repair_turn = backend.calls[1][-1].content
    assert "def profit(made, sold, price, cost):" in repair_turn and "best_price" not in repair_turn


def test_a_change_must_keep_the_lesson_functions_the_program_already_has():
    old = "def profit(made, sold, price, cost):\n    return sold * price - made * cost\n"
    dropped = f"{F}python\nmade = int(input('Made? '))\nprint(made)\n{F}"
    kept = f"{F}python\n{old}made = int(input('Made? '))\nprint(profit(made, made, 50, 20))\n{F}"
    backend = fake(dropped, kept)
    result = Maker(backend).make(MakeRequest(idea="ask how many cups I made", current_program=old, contract=CONTRACT))
    assert result.ok and result.attempts == 2 and "def profit(made, sold, price, cost)" in result.program
