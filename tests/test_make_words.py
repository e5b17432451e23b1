"""Plain-words helpers of the pipeline: bad ideas, explanations, change checks, loops."""

from __future__ import annotations

from vibecode.make import keeps_old
from vibecode.make.extract import repeating
from vibecode.make.fewshot import load_examples, pick_examples
from vibecode.make.words import child_explanation, idea_problem


def test_bad_ideas_get_a_friendly_answer():
    assert "idea" in idea_problem("")
    assert "idea" in idea_problem("   \n ")
    assert "sentences" in idea_problem("lemonade " * 2000)
    assert "couldn't understand" in idea_problem("sdfghjkl qwrtzp xkcdvbnm")
    assert "couldn't understand" in idea_problem("!!!???###")


def test_real_ideas_in_any_language_pass():
    assert idea_problem("a piggy bank that adds coins") is None
    assert idea_problem("un juego de adivinar números") is None
    assert idea_problem("ein Quiz über Tiere mit drei Fragen") is None
    assert idea_problem("猜数字游戏") is None
    assert idea_problem("7 times table") is None


def test_explanation_is_short_and_child_level():
    prose = "Sure! Here's a simple Python program that lets you add coins to a piggy bank. It shows your savings. It uses a loop."
    text = child_explanation(prose, "piggy bank")
    assert text.startswith("This program lets you add coins")
    assert text.count(".") <= 2
    assert "Python" not in text


def test_explanation_falls_back_to_the_idea():
    assert child_explanation("", "a quiz about animals") == "Here is a program for your idea: a quiz about animals."
    assert child_explanation("", "make it also say thank you", change=True) == "I changed your program: make it also say thank you."


def test_keeps_old_program():
    old = "name = input('Name? ')\nprint('Hi', name)\nage = input('Age? ')\nprint('You are', age)\n"
    grown = old + "print('Bye', name)\n"
    assert keeps_old(old, grown)
    assert not keeps_old(old, "print('Something else entirely')\n")


def test_repetition_loop_is_spotted():
    assert repeating("x = 1\n" + "print('ha')\n" * 8)
    assert not repeating("for i in range(8):\n    print(i)\n")


def test_examples_are_good_programs_and_picked_by_similarity():
    examples = load_examples()
    assert 10 <= len(examples) <= 20
    for ex in examples:
        compile(ex.program, ex.name, "exec")
        assert ex.idea and ex.about
    assert pick_examples("a shop that sells toys and shows the total price")[0].name == "ice_cream_shop"
    assert pick_examples("zzz", 2)[0].name == "candle_profit"
    assert pick_examples("anything", 0) == []


def test_a_lemonade_stand_where_the_child_picks_gets_an_example_that_asks():
    """The classroom's favourite idea: shown the random cookie-stall simulation, the real 1.5B made "a
    lemonade stand where I pick the price" a program that picked a random price itself. A stand whose
    numbers the child types gets the profit calculator (input() with a kind retry); a stand simulated over
    random days still gets the simulation."""
    for idea in ("a lemonade stand where I pick the price", "a lemonade stand that asks how many cups",
                 "make a lemonade stand game where I pick the price and see how many cups I sell"):
        example = pick_examples(idea)[0]
        assert example.name == "candle_profit" and "input(" in example.program, idea
    for idea in ("simulate my lemonade stand for 7 days with random weather",
                 "a lemonade stand for a week with random weather"):
        assert pick_examples(idea)[0].name == "cookie_stall_week", idea


def test_the_child_choosing_does_not_pick_the_example():
    """"Choose" and "pick" say who decides, not what the program is: a car wash where the child chooses the
    price got the forest adventure ("choose which way to go"), a vending machine where they pick a drink the
    secret-number game ("the computer picks"). The adventure and the guessing game still get theirs."""
    assert pick_examples("a car wash where I choose the price")[0].name == "candle_profit"
    assert pick_examples("a vending machine where I pick a drink")[0].name == "ice_cream_shop"
    assert pick_examples("an adventure in a forest where I choose which way to go")[0].name == "forest_adventure"
    assert pick_examples("a game where the computer picks a secret number and I guess it")[0].name == "secret_number"
