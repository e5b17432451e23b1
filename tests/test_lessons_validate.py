"""The lesson validator on good and broken lessons: one test per kind of mistake, each checking
that the message names the right file, line and field in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibecode.lessons.loader import load_library, read_lesson
from vibecode.lessons.validate import check_folder

GOOD = '''title = "Test stand"
ages = "9-10"
concept = "Profit"
python_ideas = ["functions"]
extension = "Make it also say hello."
contract = """
def profit(made, sold, price, cost):
    \\"\\"\\"Profit in cents.\\"\\"\\"
"""

[[steps]]
title = "One"
text = "Make profit."
idea = "Make profit."
hints = ["Multiply.", "Subtract."]

[[steps.checks]]
kind = "call"
name = "good day"
function = "profit"
cases = [
  { args = [20, 15, 50, 20], expect = 350 },
  { args = [20, 5, 50, 20], expect = -150 },
]

[[steps]]
title = "Two"
text = "Use a function."
idea = "Keep it."
hints = ["Nothing new."]

[[steps.checks]]
kind = "property"
function = "profit"
inputs = { made = { from = 0, to = 50 }, sold = { from = 0, to = 50 }, price = { from = 10, to = 90 }, cost = 20 }
trials = 30
same_as_solution = true

[[steps.checks]]
kind = "shape"
uses = ["function"]
'''

SOLUTION = "def profit(made, sold, price, cost):\n    return sold * price - made * cost\n"


def make_lesson(tmp_path: Path, text: str = GOOD, solution: str | None = SOLUTION, name: str = "test-stand") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(text, encoding="utf-8")
    if solution is not None:
        (folder / "solution.py").write_text(solution, encoding="utf-8")
    return folder


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in lesson text")


def only_error(folder: Path):
    lesson, problems = read_lesson(folder)
    errors = [p for p in problems if p.severity == "error"]
    assert lesson is None, "a lesson with an error must not be usable"
    assert len(errors) == 1, [str(p) for p in errors]
    return errors[0]


def test_good_lesson_passes_including_its_solution(tmp_path):
    result = check_folder(make_lesson(tmp_path))
    assert result.ok, [str(p) for p in result.problems]
    assert result.lesson.contract.functions["profit"].params == ["made", "sold", "price", "cost"]
    assert [len(s.checks) for s in result.lesson.steps] == [1, 2]


def test_missing_field_names_its_step_line(tmp_path):
    text = GOOD.replace('text = "Use a function."\n', "")
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, "[[steps]]", 2)
    assert "'text' is missing" in problem.message
    assert problem.field == "step 2"
    assert "lesson.toml" in str(problem) and f"line {problem.line}" in str(problem)


def test_missing_top_level_field(tmp_path):
    text = GOOD.replace('concept = "Profit"\n', "")
    problem = only_error(make_lesson(tmp_path, text))
    assert "'concept' is missing" in problem.message
    assert problem.line == 1


def test_wrong_type_names_the_line(tmp_path):
    text = GOOD.replace('hints = ["Nothing new."]', 'hints = "Nothing new."')
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, 'hints = "Nothing new."')
    assert "'hints' should be a list" in problem.message and "it is text" in problem.message
    assert problem.field == "step 2, field 'hints'"


def test_unknown_function_in_a_check(tmp_path):
    text = GOOD.replace('function = "profit"\ninputs', 'function = "proft"\ninputs')
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, 'function = "proft"')
    assert "calls 'proft'" in problem.message and "profit(made, sold, price, cost)" in problem.message
    assert "Did you mean 'profit'?" in problem.message
    assert problem.field == "step 2, check 1, field 'function'"


def test_call_case_with_wrong_number_of_values_names_the_case_line(tmp_path):
    text = GOOD.replace("{ args = [20, 5, 50, 20], expect = -150 }", "{ args = [20, 5, 50], expect = -150 }")
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, "{ args = [20, 5, 50]")
    assert "case 2 gives 3 values" in problem.message and "takes 4" in problem.message


def test_unknown_check_kind(tmp_path):
    text = GOOD.replace('kind = "shape"', 'kind = "shpae"')
    lesson, problems = read_lesson(make_lesson(tmp_path, text))
    errors = [p for p in problems if p.severity == "error"]
    assert lesson is None
    assert errors[0].line == line_of(text, 'kind = "shpae"')
    assert "Did you mean 'shape'?" in errors[0].message


def test_unknown_field_is_a_typo_hint(tmp_path):
    text = GOOD.replace('hints = ["Multiply.", "Subtract."]', 'hint = ["Multiply.", "Subtract."]')
    lesson, problems = read_lesson(make_lesson(tmp_path, text))
    typo = [p for p in problems if "'hint'" in p.message]
    assert lesson is None and typo
    assert typo[0].line == line_of(text, "hint = [")
    assert "Did you mean 'hints'?" in typo[0].message


def test_property_inputs_must_cover_every_argument(tmp_path):
    text = GOOD.replace(", cost = 20 }", " }")
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, "inputs = {")
    assert "cost" in problem.message


def test_market_role_must_be_a_contract_function(tmp_path):
    text = GOOD + '\n[[steps.checks]]\nkind = "market"\nmarket = { days = 3, make = "cups_to_make" }\n'
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, 'kind = "market"') - 1 or problem.line == line_of(text, "market = {")
    assert "cups_to_make" in problem.message


def test_toml_syntax_error_names_its_line(tmp_path):
    text = GOOD.replace('title = "One"', 'title = "One')
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, 'title = "One')
    assert "not valid TOML" in problem.message


def test_contract_that_is_not_python(tmp_path):
    text = GOOD.replace("def profit(made, sold, price, cost):", "def profit(made, sold, price, cost)")
    lesson, problems = read_lesson(make_lesson(tmp_path, text))
    contract_problem = [p for p in problems if "contract is not valid Python" in p.message]
    assert lesson is None and contract_problem
    assert contract_problem[0].line == line_of(text, "def profit(")


def test_reference_solution_that_fails_its_own_checks(tmp_path):
    wrong = "def profit(made, sold, price, cost):\n    return sold * price - sold * cost\n"
    folder = make_lesson(tmp_path, solution=wrong)
    result = check_folder(folder)
    assert not result.ok
    errors = result.errors
    assert errors, [str(p) for p in result.problems]
    first = errors[0]
    assert first.line == line_of(GOOD, "[[steps.checks]]", 1)
    assert first.field == "step 1, check 1"
    assert "reference solution fails this check" in first.message
    assert "profit(20, 15, 50, 20) gave 450" in first.message and "gives 350" in first.message


def test_missing_solution_is_a_note_not_an_error(tmp_path):
    result = check_folder(make_lesson(tmp_path, solution=None))
    assert result.ok
    assert any("no reference solution" in p.message and p.severity == "warning" for p in result.problems)


def test_broken_lesson_is_listed_and_skipped_never_raised(tmp_path):
    make_lesson(tmp_path, name="good-one")
    make_lesson(tmp_path, GOOD.replace('title = "Test stand"', "title = "), name="broken-one")
    (tmp_path / "not-even-utf8").mkdir()
    (tmp_path / "not-even-utf8" / "lesson.toml").write_bytes(b"\xff\xfe\x00garbage")
    library = load_library([tmp_path], include_builtin=False)
    assert [lesson.id for lesson in library.lessons] == ["good-one"]
    assert sorted(b.name for b in library.broken) == ["broken-one", "not-even-utf8"]
    assert all(b.problems for b in library.broken)


def test_scaffolded_lesson_passes_the_validator(tmp_path):
    from vibecode.lessons.scaffold import create_lesson

    folder = create_lesson(tmp_path, "Cake stall")
    assert folder.name == "cake-stall"
    text = (folder / "lesson.toml").read_text()
    assert text.count("#") > 15, "every field should be explained by a comment"
    result = check_folder(folder)
    assert result.ok, [str(p) for p in result.problems]
    with pytest.raises(FileExistsError):
        create_lesson(tmp_path, "Cake stall")


def test_cli_check_reports_file_line_and_exit_code(tmp_path, capsys):
    from vibecode.cli import main

    text = GOOD.replace('hints = ["Nothing new."]', 'hints = "Nothing new."')
    folder = make_lesson(tmp_path, text)
    assert main(["lessons", "check", "--quick", str(folder)]) == 1
    out = capsys.readouterr().out
    hint_line = line_of(text, 'hints = "Nothing')
    assert f"lesson.toml, line {hint_line}, step 2, field 'hints'" in out
    assert main(["lessons", "check", "--quick", str(make_lesson(tmp_path / "ok"))]) == 0


def test_cli_new_and_list(tmp_path, capsys):
    from vibecode.cli import main

    assert main(["lessons", "new", "Juice bar", "--dir", str(tmp_path)]) == 0
    make_lesson(tmp_path, GOOD.replace('concept = "Profit"\n', ""), name="broken")
    assert main(["lessons", "list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "juice-bar" in out and "01-lemonade-stand" in out
    assert "BROKEN (skipped)" in out and "'concept' is missing" in out


FILE_CHECK = '''
[[steps.checks]]
kind = "file"
name = "saved"
input = ["20", "15"]
file = "day.csv"
rows = [["sold", 15]]
'''


def test_file_check_needs_allow_files(tmp_path):
    text = GOOD + FILE_CHECK
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, "[[steps.checks]]", 4)
    assert problem.field == "step 2, check 3"
    assert "allow_files = true" in problem.message


def test_file_check_name_must_be_a_plain_file_name(tmp_path):
    text = "allow_files = true\n" + GOOD + FILE_CHECK.replace('"day.csv"', '"../day.csv"')
    problem = only_error(make_lesson(tmp_path, text))
    assert problem.line == line_of(text, 'file = "../day.csv"')
    assert "plain file name" in problem.message


def test_file_check_with_nothing_to_look_for(tmp_path):
    text = "allow_files = true\n" + GOOD + FILE_CHECK.replace('rows = [["sold", 15]]\n', "")
    problem = only_error(make_lesson(tmp_path, text))
    assert "nothing to look for" in problem.message


def test_file_check_runs_the_solution_and_reads_its_file(tmp_path):
    text = "allow_files = true\n" + GOOD + FILE_CHECK
    saves = SOLUTION + "made = int(input())\nsold = int(input())\nopen('day.csv', 'w').write(f'sold,{sold}\\n')\n"
    result = check_folder(make_lesson(tmp_path, text, solution=saves))
    assert result.ok, [str(p) for p in result.problems]
    assert result.lesson.allow_files
    forgets = SOLUTION + "made = int(input())\nsold = int(input())\n"
    result = check_folder(make_lesson(tmp_path, text, solution=forgets, name="forgets"))
    assert not result.ok
    assert "did not save a file called day.csv" in result.errors[0].message
