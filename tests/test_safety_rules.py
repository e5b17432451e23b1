"""The teacher's safety file (TOML) and the `vibecode safety` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibecode.cli import main
from vibecode.safety import EXAMPLE, RulesError, check_idea, clean_output, load_rules, parse_rules
from vibecode.safety.rules import default_rules_path

DATA = Path(__file__).resolve().parent / "data"


def test_good_teacher_file_loads() -> None:
    rules = load_rules(DATA / "safety_teacher_good.toml")
    assert rules.class_name == "Class 5C"
    assert rules.blocked_words == ("poopyhead", "dumbo", "total numpty")
    assert rules.allowed_words == ("hell", "crap")
    assert rules.blocked_topics == ("zombies", "horror movie")
    assert rules.allowed_topics == ("phishing",)
    assert rules.log_flagged is True and rules.keep_days == 14
    # and the rules really act
    assert clean_output("what the hell, you dumbo", rules).text == "what the hell, you ****"
    assert check_idea("a horror movies quiz", rules).kind == "blocked"


def test_example_file_is_valid() -> None:
    rules = parse_rules(EXAMPLE, "example.toml")
    assert rules.blocked_words and rules.keep_days == 30 and rules.log_flagged is False


def test_no_file_means_built_in_rules(vibecode_home: Path) -> None:
    rules = load_rules()
    assert rules.blocked_words == () and rules.log_flagged is False


def _problems(name: str) -> list[tuple[int | None, str]]:
    with pytest.raises(RulesError) as caught:
        load_rules(DATA / name)
    return [(p.line, p.message) for p in caught.value.problems]


def test_value_mistakes_are_each_reported_with_their_line() -> None:
    problems = _problems("safety_teacher_broken_values.toml")
    by_line: dict[int | None, list[str]] = {}
    for line, message in problems:
        by_line.setdefault(line, []).append(message)
    assert any("name must be text in quotes" in m for m in by_line[2])
    assert any("must be a list in square brackets" in m and 'blocked = ["poopyhead"]' in m for m in by_line[5])
    assert any("42 is not in quotes" in m for m in by_line[6])
    assert any("empty entry" in m for m in by_line[6])
    assert any('unknown setting "blokced"' in m and 'did you mean "blocked"' in m for m in by_line[7])
    assert any("both blocked and allowed" in m for m in by_line[11])
    assert any("true or false" in m for m in by_line[14])
    assert any("between 1 and" in m for m in by_line[15])
    assert any('"colours"' in m for m in by_line[17])
    assert len(problems) == 9


def test_syntax_mistake_is_explained_in_plain_words() -> None:
    assert _problems("safety_teacher_broken_syntax.toml") == [
        (3, 'a setting needs an "=" sign, like:  blocked = ["word"]')
    ]


def test_unclosed_list_points_at_where_it_was_opened() -> None:
    [(line, message)] = _problems("safety_teacher_broken_unclosed.toml")
    assert line == 2 and "never closed" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[words\nblocked = ["a"]\n', (1, "closing bracket")),
        ('[words]\nblocked = ["a]\n', (2, "closing quote")),
        ("[words]\nblocked = [a]\n", (2, "in quotes")),
        ('[words]\nblocked = ["a"]\nblocked = ["b"]\n', (3, "written twice")),
        ("[log]\nkeep_days = 3O\n", (2, "something extra")),
        ("[log]\nkeep_days = 30.5\n", (2, "whole number")),
        ('words = ["a"]\n', (1, "must be a section")),
    ],
)
def test_common_mistakes(text: str, expected: tuple[int, str]) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "class.toml")
    problem = caught.value.problems[0]
    assert problem.line == expected[0], problem
    assert expected[1] in problem.message, problem
    assert str(problem).startswith(f"class.toml, line {expected[0]}: ")
    assert "Traceback" not in str(caught.value) and "tomllib" not in str(caught.value)


def test_missing_or_binary_file_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no file here"):
        load_rules(tmp_path / "nope.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RulesError, match="plain text"):
        load_rules(binary)


# -- the command ----------------------------------------------------------------------


def test_cli_check_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "check", str(DATA / "safety_teacher_good.toml")]) == 0
    out = capsys.readouterr().out
    assert "looks good for Class 5C" in out and "14 days" in out


def test_cli_check_broken_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "check", str(DATA / "safety_teacher_broken_values.toml")]) == 1
    err = capsys.readouterr().err
    assert "Found 9 things to fix" in err
    assert "safety_teacher_broken_values.toml, line 7: [words] has an unknown setting" in err
    assert "Traceback" not in err


def test_cli_check_default_file_and_where(vibecode_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "check"]) == 1  # no class file yet
    assert "no file here" in capsys.readouterr().err
    assert main(["safety", "example"]) == 0
    default_rules_path().write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["safety", "check"]) == 0
    assert main(["safety", "where"]) == 0
    assert "exists" in capsys.readouterr().out


def test_cli_log_shows_flagged_ideas_for_the_teacher(vibecode_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "log"]) == 0
    out = capsys.readouterr().out
    assert "is off" in out and "No turned-down ideas" in out

    default_rules_path().write_text("[log]\nflagged_ideas = true\nkeep_days = 7\n", encoding="utf-8")
    check_idea("steal my sister's password")
    check_idea("a lemonade stand game")
    assert main(["safety", "log"]) == 0
    out = capsys.readouterr().out
    assert "steal my sister's password" in out and "harmful/password" in out
    assert "lemonade" not in out and "is off" not in out

    assert main(["safety", "log", "--clear"]) == 0
    assert "Deleted 1 entry" in capsys.readouterr().out
    assert main(["safety", "log"]) == 0
    assert "No turned-down ideas" in capsys.readouterr().out


def test_cli_try_shows_what_a_child_sees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "try", "hack", "into", "the", "school", "wifi"]) == 0
    out = capsys.readouterr().out
    assert "kind: harmful (hack)" in out and "How about" in out


def test_windows_notepad_file_with_bom_and_crlf_loads(tmp_path: Path) -> None:
    path = tmp_path / "safety.toml"
    path.write_bytes('\ufeff[words]\r\nblocked = ["dumbo"]\r\n'.encode("utf-8"))
    assert load_rules(path).blocked_words == ("dumbo",)
