"""Code extraction from the messy answers small models really give."""

from __future__ import annotations

from vibecode.make import extract_code
from vibecode.make.extract import is_cut_off, split_answer

F = "```"


def test_plain_python_fence_with_prose_around():
    answer = f"Sure! Here is a fun game.\n{F}python\nname = input('Name? ')\nprint('Hi', name)\n{F}\nHave fun!"
    assert extract_code(answer) == "name = input('Name? ')\nprint('Hi', name)\n"


def test_py_fence_and_stray_language_line():
    answer = f"{F}py\npython\nprint('hello')\n{F}"
    assert extract_code(answer) == "print('hello')\n"


def test_no_fence_code_with_prose_around():
    answer = "Here is the program:\n\nx = int(input('Number: '))\nprint(x * 2)\n\nEnjoy"
    assert extract_code(answer) == "x = int(input('Number: '))\nprint(x * 2)\n"


def test_no_code_at_all():
    assert extract_code("I am sorry, I can't help with that.") is None
    assert extract_code("") is None
    assert extract_code("Enjoy") is None


def test_several_fences_takes_the_python_program_not_the_sample_output():
    answer = (
        f"Example run:\n{F}\nHow many? 3\nTotal: 6\n{F}\n"
        f"The code:\n{F}python\nn = int(input('How many? '))\nprint('Total:', n * 2)\n{F}\n"
        f"And a tip:\n{F}python\nprint('bye')\n{F}\n"
    )
    assert extract_code(answer) == "n = int(input('How many? '))\nprint('Total:', n * 2)\n"


def test_first_block_broken_second_good():
    answer = f"{F}python\nprint('oops'\n{F}\nFixed:\n{F}python\nprint('ok')\n{F}"
    assert extract_code(answer) == "print('ok')\n"


def test_unclosed_fence_returns_the_code_and_is_marked_cut_off():
    answer = f"A game!\n{F}python\nfor i in range(3):\n    print(i)\n"
    assert extract_code(answer) == "for i in range(3):\n    print(i)\n"
    assert is_cut_off(answer)
    assert not is_cut_off(answer + F)


def test_indented_fence_inside_a_list():
    answer = f"1. Copy this:\n\n    {F}python\n    total = 0\n    for n in range(3):\n        total += n\n    print(total)\n    {F}\n"
    assert extract_code(answer) == "total = 0\nfor n in range(3):\n    total += n\nprint(total)\n"


def test_tilde_fence_and_crlf():
    answer = "~~~python\r\nprint('a')\r\n~~~\r\n"
    assert extract_code(answer) == "print('a')\n"


def test_split_answer_gives_the_prose_before_the_code():
    prose, code = split_answer(f"This game asks your name.\n{F}python\nprint(input())\n{F}")
    assert prose == "This game asks your name."
    assert code == "print(input())\n"


def test_interactive_session_paste():
    answer = f"{F}python\n>>> x = 2\n>>> print(x)\n{F}"
    assert extract_code(answer) == "x = 2\nprint(x)\n"
