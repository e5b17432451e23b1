"""The static check that runs before any trial run."""

from __future__ import annotations

from vibecode.make import static_check
from vibecode.make.check import add_missing_call


def kinds(source: str, **kw) -> list[str]:
    return [p.kind for p in static_check(source, **kw)]


def test_good_program_has_no_problems():
    src = "import random\nimport math\nn = random.randint(1, 6)\nprint('You rolled', n, math.sqrt(n))\n"
    assert static_check(src) == []


def test_syntax_error_names_the_line():
    problems = static_check("print('hi')\nif x\n    print(2)\n")
    assert [p.kind for p in problems] == ["syntax"]
    assert problems[0].line == 2
    assert "SyntaxError" in problems[0].detail


def test_non_stdlib_import():
    problems = static_check("import numpy as np\nprint(np.zeros(3))\n")
    assert [p.kind for p in problems] == ["import"]
    assert "numpy" in problems[0].message


def test_network_and_window_modules():
    assert kinds("import urllib.request\nprint(urllib.request.urlopen('x'))\n") == ["network"]
    assert kinds("from socket import socket\nprint(socket())\n") == ["network"]
    assert kinds("import tkinter\nprint(tkinter.Tk())\n") == ["window"]


def test_file_use_is_refused_unless_the_lesson_allows_it():
    src = "with open('scores.txt', 'w') as f:\n    f.write('1')\nprint('saved')\n"
    assert kinds(src) == ["files"]
    assert kinds(src, allow_files=True) == []
    assert kinds("from pathlib import Path\nPath('a.txt').write_text('x')\nprint(1)\n") == ["files", "files"]


def test_other_programs_and_hidden_code():
    assert kinds("import subprocess\nsubprocess.run(['ls'])\n") == ["programs"]
    assert kinds("import os\nos.system('rm -rf /')\nprint(1)\n") == ["programs"]
    assert kinds("import os\nos.system('cls')\nprint(1)\n") == []
    assert kinds("print(eval(input()))\n") == ["danger"]


def test_program_that_never_does_anything():
    assert kinds("def helper(x):\n    return x\n") == ["nothing"]
    assert kinds("") == ["empty"]


def test_functions_only_are_complete_for_a_lesson_contract():
    """A lesson step that asks only for profit(...) is done once the function exists: the checks call it."""
    source = "def profit(made, sold, price, cost):\n    return sold * price - made * cost\n"
    assert static_check(source, needs_output=False) == []
    assert [p.kind for p in static_check(source)] == ["nothing"]


def test_missing_main_call_is_added():
    src = "def main():\n    print('hi')\n"
    fixed = add_missing_call(src)
    assert fixed.endswith("main()\n")
    assert static_check(fixed) == []
    already = "def main():\n    print('hi')\n\nmain()\n"
    assert add_missing_call(already) == already


def test_contract_problems_only_for_the_functions_the_request_is_about():
    from vibecode.make.check import contract_problems

    contract = "def profit(made, sold, price, cost):\n    pass\n\ndef best_price(prices):\n    pass\n"
    has_profit = "def profit(m, s, p, c):\n    return s * p - m * c\n"
    assert contract_problems(has_profit, contract, "make profit(made, sold, price, cost)") == []  # input names may differ
    assert contract_problems("print(1)\n", contract, "a lemonade stand") == []  # the idea names no lesson function
    [missing] = contract_problems("print(1)\n", contract, "make best_price(prices) please")
    assert missing.kind == "contract" and "def best_price(prices):" in missing.detail and "best_price" in missing.message
    [wrong] = contract_problems("def profit(made):\n    return 0\n", contract, "make profit")
    assert "4 inputs" in wrong.message
    # a change keeps what the child's program already has, named in the idea or not
    [dropped] = contract_problems("print(2)\n", contract, "also ask for the weather", current_program=has_profit)
    assert "profit" in dropped.message
    assert contract_problems("print(1)\n", "The lesson asks for a loop.", "make profit") == []  # a contract in words


def test_a_lesson_function_replaced_by_its_answer_is_a_contract_problem():
    from vibecode.make.check import contract_problems, function_replaced

    program = "def profit(made, sold, price, cost):\n    return 1\n\nprofit = profit(1, 2, 3, 4)\nprint(profit)\n"
    assert function_replaced(program, "profit") == 4
    assert function_replaced("profit = 3\ndef profit(a):\n    return a\n", "profit") is None  # defined after: fine
    assert function_replaced("def f(x):\n    total = f(x)\n    return total\n", "f") is None  # inside a function
    [problem] = contract_problems(program, "def profit(made, sold, price, cost):\n    pass\n", "make profit")
    assert problem.kind == "contract" and problem.line == 4 and "result = profit(...)" in problem.detail
