"""Checks on children's programs in the real sandbox: a wrong program fails the right check with
the right message, and a right one passes."""

from __future__ import annotations

import pytest

from vibecode.lessons.loader import builtin_lessons_dir, read_lesson


def lesson(name: str):
    found, problems = read_lesson(builtin_lessons_dir() / name)
    assert found is not None, [str(p) for p in problems]
    return found


def run(lesson_name: str, step: int, program: str):
    from vibecode.lessons.checks import check_step

    return check_step(lesson(lesson_name), step, program)


def test_dollars_instead_of_cents_is_explained():
    report = run("01-lemonade-stand", 0, "def profit(made, sold, price, cost):\n    return (sold * price - made * cost) / 100\n")
    assert not report.passed
    first = report.outcomes[0]
    assert first.title == "Check 1: a good day"
    assert first.expected == "profit(20, 15, 50, 20) gives 350"
    assert "gave 3.5" in first.happened
    assert "dollars" in first.advice and "cents" in first.advice
    assert report.outcomes[2].passed  # the shape check: nothing hard-coded


def test_hard_coded_answer_fails_the_shape_check():
    program = "def profit(made, sold, price, cost):\n    if made == 20:\n        return 350\n    return sold * price - made * cost\n"
    report = run("01-lemonade-stand", 0, program)
    shape = report.outcomes[2]
    assert not shape.passed and "Line 3 writes the answer 350" in shape.happened


def test_program_asking_questions_at_the_top_still_loads_its_functions():
    program = (
        "made = int(input('made? '))\n"
        "def profit(made, sold, price, cost):\n    return sold * price - made * cost\n"
        "print(profit(made, 1, 2, 3))\n"
    )
    assert run("01-lemonade-stand", 0, program).passed


def test_a_function_replaced_by_its_own_answer_is_explained():
    """What the real 1.5B wrote for lesson 01 step 1: def profit(...), then profit = profit(...)."""
    program = (
        "def profit(made, sold, price, cost):\n    return sold * price - made * cost\n"
        "made = 20\nprofit = profit(made, 15, 50, 20)\nprint('Profit:', profit)\n"
    )
    first = run("01-lemonade-stand", 0, program).outcomes[0]
    assert not first.passed
    assert "Line 4 gives the name profit a new value" in first.happened and "result = profit(" in first.advice


def test_missing_function_names_the_contract():
    report = run("01-lemonade-stand", 0, "def profits(a, b, c, d):\n    return 0\n")
    first = report.outcomes[0]
    assert "no function called profit" in first.happened
    assert "def profit(made, sold, price, cost):" in first.advice


def test_run_check_shows_what_was_typed_and_printed():
    program = "a = input()\nb = input()\nc = input()\nd = input()\nprint('Profit: 350 cents')\n"
    report = run("01-lemonade-stand", 1, program)
    first = report.outcomes[0]
    assert not first.passed
    assert first.expected == 'to see "3.50"'
    assert "20, 15, 50, 20" in first.happened and "Profit: 350 cents" in first.happened


def test_stock_going_negative_fails_the_property_check_with_the_inputs():
    program = "def sell(stock, item, count):\n    stock[item] = stock.get(item, 0) - count\n    return True\n"
    report = run("05-shop-inventory", 0, program)
    busy_day = report.outcomes[1]
    assert busy_day.title == "Check 2: a busy day: 200 customers"
    assert not busy_day.passed
    assert "went below zero" in busy_day.happened and "sell({" in busy_day.happened
    assert "enough" in busy_day.advice


def test_lost_cents_fail_adds_up_rule():
    program = "def split_money(amount):\n    return [amount * 50 // 100, amount * 40 // 100, amount * 10 // 100]\n"
    report = run("04-spend-save-share", 0, program)
    no_cent_lost = report.outcomes[1]
    assert not no_cent_lost.passed
    assert "add up to" in no_cent_lost.happened and no_cent_lost.expected.startswith("the parts add up to")


def test_endless_loop_fails_one_call_not_the_whole_step():
    program = (
        "def weeks_to_goal(goal, weekly):\n    weeks = 0\n    saved = 0\n"
        "    while saved < goal:\n        saved += weekly\n        weeks += 1\n    return weeks\n"
    )
    report = run("04-spend-save-share", 1, program)
    football, nothing, loop_shape = report.outcomes
    assert football.passed and loop_shape.passed
    assert not nothing.passed and "took too long" in nothing.happened


def test_typing_mistake_is_reported_before_running():
    report = run("02-weather-and-demand", 0, "def customers(weather)\n    return 1\n")
    assert not report.passed and "typing mistake on line 1" in report.outcomes[0].happened


def test_market_day_story_for_a_program_that_never_changes_with_the_weather():
    program = (
        "def customers(weather):\n    return {'hot': 60, 'sunny': 40, 'cloudy': 20, 'rainy': 5}.get(weather, 0)\n"
        "def cups_sold(weather, price, made):\n    return min(customers(weather), made)\n"
        "def cups_to_make(weather):\n    return 60\n"
    )
    report = run("02-weather-and-demand", 2, program)
    market = report.outcomes[1]
    assert market.story.count("Day ") >= 7
    assert "you made 60 cups and sold 0 — you lost $12.00" in market.story
    assert "Making fewer cups" in market.advice


@pytest.mark.parametrize("bad", ["", "   \n"])
def test_empty_program_gets_a_kind_message(bad):
    report = run("01-lemonade-stand", 0, bad)
    assert not report.passed and "no program yet" in report.outcomes[0].happened


REPORT = "12-weekly-report"
SAVE_STEP = 4


def ledger_program(write_line: str, name: str = "report.csv") -> str:
    """Lesson 12's solution with its saving loop writing ``write_line`` for each entry."""
    source = lesson(REPORT).solution_source()
    good = "        f.write(f\"{entry['day']},{entry['kind']},{entry['amount']}\\n\")"
    assert good in source
    return source.replace(good, "        " + write_line).replace('open("report.csv"', f'open("{name}"')


def test_file_check_passes_with_a_heading_line_and_spaces():
    program = ledger_program("f.write(f\"{entry['day']}, {entry['kind']}, {entry['amount']}\\n\")")
    program = program.replace('with open("report.csv", "w") as f:\n',
                              'with open("report.csv", "w") as f:\n    f.write("day, kind, amount\\n")\n')
    report = run(REPORT, SAVE_STEP, program)
    assert report.passed, [(o.title, o.happened) for o in report.outcomes]
    assert "saved report.csv (4 lines)" in report.outcomes[0].happened


def test_file_check_names_a_file_saved_under_another_name():
    report = run(REPORT, SAVE_STEP, ledger_program("f.write(f\"{entry['day']},{entry['kind']},{entry['amount']}\\n\")",
                                                   name="ledger.txt"))
    first = report.outcomes[0]
    assert not first.passed and first.expected == "a file called report.csv"
    assert "did not save a file called report.csv" in first.happened and "It saved ledger.txt" in first.happened
    assert "(an empty line)" in first.happened  # the empty answer that ends the ledger is shown in words
    assert report.outcomes[2].passed  # the printed report is still fine


def test_file_check_shows_the_first_wrong_line():
    report = run(REPORT, SAVE_STEP, ledger_program("f.write(f\"{entry['day']},{entry['kind']},{entry['amount'] / 100}\\n\")"))
    first = report.outcomes[0]
    assert not first.passed
    assert "Line 1 of the file is Mon,in,5.0, but it should be Mon,in,500." in first.happened
    assert "part by part" in first.advice


def test_file_check_all_on_one_line_asks_for_new_lines():
    report = run(REPORT, SAVE_STEP, ledger_program("f.write(f\"{entry['day']},{entry['kind']},{entry['amount']};\")"))
    first = report.outcomes[0]
    assert not first.passed and "new line" in first.advice


def test_rows_problem_counts_lines():
    from vibecode.lessons.checks import csv_rows, rows_problem

    want = [["Mon", "in", "500"], ["Tue", "in", "300"]]
    assert rows_problem(want, csv_rows("Mon,in,500\n\nTue, in ,300\n")) is None
    assert rows_problem(want, csv_rows("day,kind,amount\nMon,in,500\nTue,in,300\n")) is None
    assert "has 1 line," in rows_problem(want, csv_rows("Mon,in,500\n"))[0]
    assert "has no lines" in rows_problem(want, csv_rows(""))[0]
    assert "1 line too many" in rows_problem(want, csv_rows("Mon,in,500\nTue,in,300\nWed,in,1\n"))[0]
    # a heading is only skipped when it is not itself one of the wanted lines
    assert rows_problem(want, csv_rows("Tue,in,300\nMon,in,500\nTue,in,300\n")) is not None
