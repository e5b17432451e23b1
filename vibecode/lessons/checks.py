"""Run a step's checks on the child's program and word what happened, kindly and specifically.

Shape checks look at the program's text here (no running needed). Run checks each start the
program in the sandbox with scripted answers; file checks do the same, then read the file the
program saved in its own folder. Call, property and market checks are batched into
ONE sandbox run per step: the harness (``harness.py``) loads the program and makes every call.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from pathlib import Path
from typing import Any, Callable

from vibecode.lessons.market import describe as describe_market
from vibecode.lessons.market import money
from vibecode.lessons.model import SHAPE_WORDS, Check, CheckOutcome, Lesson, Step, StepReport
from vibecode.make.check import function_replaced, replaced_words

log = logging.getLogger(__name__)

RESULT_MARKER = "@@VIBECODE-RESULTS@@"
HARNESS_KINDS = ("call", "property", "market")
MAX_HARNESS_SECONDS = 40.0
_HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------
# the public entry point
# ---------------------------------------------------------------------------------------
def check_step(lesson: Lesson, step_index: int, program: str, *, solution_source: str | None = None) -> StepReport:
    """Run every check of one step on ``program``. Never raises: problems become outcomes."""
    step = lesson.steps[step_index]
    if solution_source is None:
        solution_source = lesson.solution_source()
    try:
        return StepReport(step_index, _check_step(lesson, step, program, solution_source))
    except Exception:
        log.exception("checking step %s of %s failed", step_index + 1, lesson.id)
        outcome = CheckOutcome(
            check=step.checks[0] if step.checks else Check(kind="shape", name="check"),
            passed=False,
            title="The checks could not run",
            happened="Something went wrong inside vibecode, not in your program.",
            advice="Try again. If it happens again, ask your teacher (the details are in the log).",
        )
        return StepReport(step_index, [outcome])


def _check_step(lesson: Lesson, step: Step, program: str, solution_source: str | None) -> list[CheckOutcome]:
    if not program or not program.strip():
        return [_fail(step.checks[0] if step.checks else Check(kind="shape", name="check"), 1,
                      "There is no program yet.", "Describe your idea in the chat, or start from the suggested idea.")]
    try:
        ast.parse(program)
    except SyntaxError as exc:
        return [_fail(step.checks[0], 1, f"Your program has a typing mistake on line {exc.lineno}, so it cannot run yet.",
                      "Press Run to see where, or ask for help fixing it. Then check again.")]
    outcomes: dict[int, CheckOutcome] = {}
    harness_items: list[tuple[int, Check]] = []
    for index, check in enumerate(step.checks):
        if check.kind == "shape":
            outcomes[index] = shape_check(check, index + 1, program)
        elif check.kind == "run":
            outcomes[index] = run_check(check, index + 1, program)
        elif check.kind == "file":
            outcomes[index] = file_check(check, index + 1, program)
        else:
            harness_items.append((index, check))
    if harness_items:
        for (index, check), outcome in zip(harness_items, _harness_checks(lesson, harness_items, program, solution_source)):
            outcomes[index] = outcome
    return [outcomes[i] for i in range(len(step.checks))]


def _title(check: Check, number: int) -> str:
    name = check.name if not re.fullmatch(r"check \d+", check.name) else ""
    return f"Check {number}: {name}" if name else f"Check {number}"


def _pass(check: Check, number: int, happened: str = "", story: str = "") -> CheckOutcome:
    return CheckOutcome(check, True, _title(check, number), happened=happened, story=story)


def _fail(check: Check, number: int, happened: str, advice: str = "", expected: str = "", story: str = "") -> CheckOutcome:
    return CheckOutcome(
        check, False, _title(check, number), expected=expected, happened=happened,
        advice=check.feedback or advice, story=story,
    )


def show(value: Any) -> str:
    """A value the way a child would write it."""
    if isinstance(value, dict) and "$repr" in value:
        return str(value["$repr"])
    if value is None:
        return "None (nothing)"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {show(v)}' for k, v in value.items()) + "}"
    return str(value)


def same(expected: Any, got: Any) -> bool:
    """Equal for lesson purposes: 350 == 350.0, text ignores case and outer spaces, lists/tables deep."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got or (isinstance(expected, bool) and isinstance(got, bool) and expected == got)
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return expected == got
    if isinstance(expected, str) and isinstance(got, str):
        return expected.strip().lower() == got.strip().lower()
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(same(a, b) for a, b in zip(expected, got))
    if isinstance(expected, dict) and isinstance(got, dict):
        return set(map(str, expected)) == set(got) and all(same(v, got[str(k)]) for k, v in expected.items())
    return False


# ---------------------------------------------------------------------------------------
# shape checks: read the program, don't run it
# ---------------------------------------------------------------------------------------
def _shape_has(tree: ast.AST, word: str) -> bool:
    nodes = list(ast.walk(tree))

    def called(name: str) -> bool:
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in nodes)

    tests = {
        "loop": lambda: any(isinstance(n, (ast.For, ast.While, ast.comprehension)) for n in nodes),
        "for": lambda: any(isinstance(n, (ast.For, ast.comprehension)) for n in nodes),
        "while": lambda: any(isinstance(n, ast.While) for n in nodes),
        "if": lambda: any(isinstance(n, (ast.If, ast.IfExp)) for n in nodes),
        "function": lambda: any(isinstance(n, ast.FunctionDef) for n in nodes),
        "return": lambda: any(isinstance(n, ast.Return) for n in nodes),
        "input": lambda: called("input"),
        "print": lambda: called("print"),
        "list": lambda: any(isinstance(n, (ast.List, ast.ListComp)) for n in nodes) or called("list"),
        "dict": lambda: any(isinstance(n, (ast.Dict, ast.DictComp)) for n in nodes) or called("dict"),
        "fstring": lambda: any(isinstance(n, ast.JoinedStr) for n in nodes),
        "random": lambda: any(isinstance(n, (ast.Import, ast.ImportFrom)) and "random" in ast.unparse(n) for n in nodes),
        "division": lambda: any(isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, (ast.Div, ast.FloorDiv)) for n in nodes) or called("divmod"),
        "remainder": lambda: any(isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, ast.Mod) for n in nodes) or called("divmod"),
        "file": lambda: called("open"),
    }
    return tests[word]()


def shape_check(check: Check, number: int, program: str) -> CheckOutcome:
    tree = ast.parse(program)
    for word in check.uses:
        if not _shape_has(tree, word):
            return _fail(check, number, f"Your program does not use {SHAPE_WORDS[word]} yet.",
                         f"This step wants {SHAPE_WORDS[word]}. Ask for it in the chat, or add it yourself.",
                         expected=f"uses {SHAPE_WORDS[word]}")
    for word in check.avoids:
        if _shape_has(tree, word):
            return _fail(check, number, f"Your program uses {SHAPE_WORDS[word]}.",
                         f"This step works without {SHAPE_WORDS[word]}. Try taking it out.",
                         expected=f"no {SHAPE_WORDS[word]}")
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for name in check.defines:
        if name not in defined:
            return _fail(check, number, f"Your program has no function called {name}.",
                         f"Make a function with: def {name}(...):  — the names must match exactly.",
                         expected=f"a function called {name}")
    for literal in check.not_literals:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and _literal_match(literal, node.value):
                return _fail(check, number,
                             f"Line {node.lineno} writes the answer {show(node.value)} straight into the program.",
                             "Work the answer out with a sum instead, so it is right for every day, not just this one.",
                             expected="the answer is worked out, not typed in")
    return _pass(check, number)


def _literal_match(literal: Any, value: Any) -> bool:
    if isinstance(literal, str) and isinstance(value, str):
        return literal.strip() != "" and literal in value
    if isinstance(literal, (int, float)) and isinstance(value, (int, float)):
        return literal == value
    return False


# ---------------------------------------------------------------------------------------
# run checks: the program with scripted answers
# ---------------------------------------------------------------------------------------
def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _found(pattern: str, output: str) -> bool:
    if pattern.startswith("re:"):
        try:
            return re.search(pattern[3:], output, re.IGNORECASE | re.MULTILINE) is not None
        except re.error:
            return False
    return _normal(pattern) in _normal(output)


def _limits(seconds: float):
    from sandbox import Limits

    return Limits(wall_seconds=seconds, cpu_seconds=max(1.0, seconds))


def _answers(check: Check) -> str:
    """What the check types, as a child reads it: 20, 15, (an empty line)."""
    if not check.input:
        return "no answers"
    return ", ".join(answer if answer.strip() else "(an empty line)" for answer in check.input)


def _run_for_check(check: Check, number: int, program: str, *, looked_for: Callable[[Any], bool]):
    """Run the program with the check's answers. Returns (result, None) or (None, a failed outcome)
    for a run that took too long, stopped with a mistake, or wanted more answers than the check
    gives (unless it already showed what the check looks for: ``looked_for``)."""
    from sandbox import Verdict, run_program

    answers = _answers(check)
    result = run_program(program, list(check.input), limits=_limits(check.time_limit))
    verdict = result.verdict
    if verdict in (Verdict.TOO_LONG, Verdict.TOO_MUCH_THINKING):
        return None, _fail(check, number, f"Your program took longer than {check.time_limit:g} seconds.",
                           "Maybe a loop never stops? Look at your while loops.")
    if result.ran_out_of_input or verdict == Verdict.NEEDED_INPUT:
        if not looked_for(result):
            return None, _fail(check, number,
                               f"Your program asked more questions than this check answers. The check typed: {answers}.",
                               "Ask only the questions this step needs, in the order the step says.",
                               expected=_expect_text(check))
    elif not result.ok:
        where = f" on line {result.error_line}" if result.error_line else ""
        kind = f" ({result.error_type})" if result.error_type else ""
        return None, _fail(check, number,
                           f"When the check typed {answers}, your program stopped with a mistake{where}{kind}.",
                           "Run it yourself with those answers to see what happens, or ask for help fixing it.",
                           expected=_expect_text(check))
    return result, None


def run_check(check: Check, number: int, program: str) -> CheckOutcome:
    answers = _answers(check)

    def showed_it(result) -> bool:
        out = result.stdout or result.output or ""
        return any(_found(p, out) for p in check.expect) and not check.expect_not

    result, failed = _run_for_check(check, number, program, looked_for=showed_it)
    if failed:
        return failed
    output = result.stdout or result.output or ""
    missing = [p for p in check.expect if not _found(p, output)]
    unwanted = [p for p in check.expect_not if _found(p, output)]
    if missing or unwanted:
        shown = _last_lines(output)
        happened = f"The check typed {answers}. Your program printed: {shown}" if shown else f"The check typed {answers}. Your program printed nothing."
        if missing:
            advice = ("Look closely at how your program shows the answer." if shown
                      else "Your program needs to ask its questions with input() and show the answer with print().")
            return _fail(check, number, happened, advice,
                         expected="to see " + ", ".join(_pattern_text(p) for p in missing))
        return _fail(check, number, happened, "Your program printed something this step should not show.",
                     expected="not to see " + ", ".join(_pattern_text(p) for p in unwanted))
    return _pass(check, number, f"With the answers {answers}, your program showed what was needed.")


def _pattern_text(pattern: str) -> str:
    return "a line matching " + pattern[3:] if pattern.startswith("re:") else f'"{pattern}"'


def _expect_text(check: Check) -> str:
    if check.kind == "file":
        return f"a file called {check.file}"
    return "to see " + ", ".join(_pattern_text(p) for p in check.expect) if check.expect else ""


def _last_lines(output: str, count: int = 4) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    shown = lines[-count:]
    prefix = "… " if len(lines) > count else ""
    return prefix + " / ".join(shown)


# ---------------------------------------------------------------------------------------
# file checks: run the program, then read the file it saved in its own folder
# ---------------------------------------------------------------------------------------
def _saved_file(result, name: str) -> str | None:
    data = (getattr(result, "files", None) or {}).get(name)
    return None if data is None else data.decode("utf-8", errors="replace")


def csv_rows(text: str) -> list[list[str]]:
    """The file read as CSV: cells without outer spaces, empty lines left out."""
    import csv
    import io

    rows = []
    for row in csv.reader(io.StringIO(text)):
        cells = [cell.strip() for cell in row]
        if any(cells):
            rows.append(cells)
    return rows


def _row_text(row: list[str]) -> str:
    return ",".join(row)


def _same_row(expected: list[str], got: list[str]) -> bool:
    return len(expected) == len(got) and all(e.strip().lower() == g.lower() for e, g in zip(expected, got))


_NEW_LINES = "Write one line per entry, with a new line (\\n) at the end of each."


def rows_problem(expected: list[list[str]], got: list[list[str]]) -> tuple[str, str] | None:
    """None when the file holds exactly the expected rows in order (one heading line on top is
    fine, like day,kind,amount); else (what is wrong, what to try), in plain words."""
    if len(got) == len(expected) + 1 and not any(_same_row(row, got[0]) for row in expected):
        got = got[1:]  # a heading line
    for index, row in enumerate(expected):
        if index >= len(got):
            count = f"{len(got)} line{'s' if len(got) != 1 else ''}" if got else "no lines"
            return f"The file has {count}, but line {index + 1} should be {_row_text(row)}.", _NEW_LINES
        if not _same_row(row, got[index]):
            advice = ("Compare the two lines part by part: the same parts, in the same order, "
                      "with commas between them.")
            if len(got[index]) > len(row) and len(got) < len(expected):
                advice = _NEW_LINES
            return f"Line {index + 1} of the file is {_row_text(got[index])}, but it should be {_row_text(row)}.", advice
    if len(got) > len(expected):
        extra = len(got) - len(expected)
        return (f"The file has {extra} line{'s' if extra != 1 else ''} too many, starting with "
                f"{_row_text(got[len(expected)])}.", "Write each entry once, and nothing else.")
    return None


def file_check(check: Check, number: int, program: str) -> CheckOutcome:
    answers = _answers(check)
    name = check.file
    result, failed = _run_for_check(check, number, program,
                                    looked_for=lambda r: _saved_file(r, name) is not None)
    if failed:
        return failed
    text = _saved_file(result, name)
    if text is None:
        others = sorted(n for n in (getattr(result, "files", None) or {}) if n != "main.py")
        happened = f"The check typed {answers}, but your program did not save a file called {name}."
        if others:
            happened += f" It saved {', '.join(others[:3])}."
        return _fail(check, number, happened,
                     f'Save it with: with open("{name}", "w") as f:  — and check the name is exactly {name}.',
                     expected=f"a file called {name}")
    missing = [p for p in check.expect if not _found(p, text)]
    unwanted = [p for p in check.expect_not if _found(p, text)]
    shown = _last_lines(text) or "nothing (it is empty)"
    if missing:
        return _fail(check, number, f"The check typed {answers}. {name} has: {shown}",
                     f"Look closely at what your program writes into {name}.",
                     expected=f"{name} to have " + ", ".join(_pattern_text(p) for p in missing))
    if unwanted:
        return _fail(check, number, f"The check typed {answers}. {name} has: {shown}",
                     f"Your program writes something into {name} that this step should not have.",
                     expected=f"{name} not to have " + ", ".join(_pattern_text(p) for p in unwanted))
    if check.rows:
        problem = rows_problem(check.rows, csv_rows(text))
        if problem:
            return _fail(check, number, f"The check typed {answers}. {problem[0]}", problem[1],
                         expected=f"{name} with the lines " + " / ".join(_row_text(r) for r in check.rows))
    lines = len(csv_rows(text))
    return _pass(check, number, f"With the answers {answers}, your program saved {name} ({lines} line{'s' if lines != 1 else ''}) with what was needed.")


# ---------------------------------------------------------------------------------------
# call, property and market checks: one batched sandbox run
# ---------------------------------------------------------------------------------------
def harness_program(plan: dict, program: str, solution_source: str | None) -> str:
    """The sandbox program: the market simulator, the harness, and one call of ``vc_main``."""
    simulator = (_HERE / "market_sim.py").read_text(encoding="utf-8").replace("from __future__ import annotations\n", "")
    harness = (_HERE / "harness.py").read_text(encoding="utf-8")
    call = f"\nvc_main(json.loads({json.dumps(plan)!r}), {program!r}, {solution_source!r})\n"
    return simulator + "\n" + harness + call


def build_plan(lesson: Lesson, checks: list[Check]) -> dict:
    functions = lesson.contract.functions if lesson.contract else {}
    items = []
    for check in checks:
        item: dict[str, Any] = {"kind": check.kind, "limit": check.time_limit}
        if check.kind == "call":
            item.update(function=check.function, cases=[case.args for case in check.cases])
        elif check.kind == "property":
            params = functions[check.function].params if check.function in functions else list(check.inputs)
            item.update(function=check.function, params=params, inputs=check.inputs, keep=check.keep,
                        trials=check.trials, seed=check.seed, rules=check.rules)
        else:
            item.update(market=check.market)
        items.append(item)
    return {"items": items, "load_limit": 2.0}


def _budget(checks: list[Check]) -> float:
    """Wall seconds for the batched run: loading, plus one time-out per check at most (a function
    that timed out once is not called again), plus room for the normal calls."""
    seconds = 6.0 + sum(check.time_limit for check in checks)
    return min(seconds, MAX_HARNESS_SECONDS)


def run_harness(lesson: Lesson, checks: list[Check], program: str, solution_source: str | None):
    """Run the batched checks; returns (parsed results or None, the sandbox RunResult)."""
    from sandbox import run_program

    source = harness_program(build_plan(lesson, checks), program, solution_source)
    seconds = _budget(checks)
    result = run_program(source, [], limits=_limits(seconds))
    for line in reversed((result.stdout or "").splitlines()):
        if line.startswith(RESULT_MARKER):
            try:
                return json.loads(line[len(RESULT_MARKER):]), result
            except json.JSONDecodeError:
                break
    log.warning("harness gave no results: verdict=%s message=%s traceback=%s", result.verdict, result.message, result.traceback)
    return None, result


def _harness_checks(lesson: Lesson, items: list[tuple[int, Check]], program: str, solution_source: str | None) -> list[CheckOutcome]:
    checks = [check for _, check in items]
    results, run = run_harness(lesson, checks, program, solution_source)
    if results is None:
        from sandbox import Verdict

        if run.verdict in (Verdict.TOO_LONG, Verdict.TOO_MUCH_THINKING):
            happened = "Your program took too long while the checks were using it."
            advice = "Maybe a loop never stops? Look at your while loops."
        elif run.verdict == Verdict.TOO_MUCH_MEMORY:
            happened = "Your program used too much memory while the checks were using it."
            advice = "Maybe a list grows forever? Look at your loops."
        else:
            happened = "The checks could not use your program: " + (run.message or "it stopped early.")
            advice = "Press Run to see if your program works on its own, then check again."
        return [_fail(check, index + 1, happened, advice) for index, check in items]
    notes = results.get("load_notes", [])
    outcomes = []
    for (index, check), item in zip(items, results["items"]):
        number = index + 1
        if "harness_error" in item:
            log.error("harness error in %s: %s", lesson.id, item["harness_error"])
            outcomes.append(_fail(check, number, "This check could not run (a problem inside vibecode).",
                                  "Ask your teacher; the details are in the log."))
        elif "missing" in item:
            outcomes.append(_missing(check, number, item["missing"], lesson, notes, program))
        elif check.kind == "call":
            outcomes.append(_call_outcome(check, number, item, lesson))
        elif check.kind == "property":
            outcomes.append(_property_outcome(check, number, item, lesson))
        else:
            outcomes.append(_market_outcome(check, number, item))
    return outcomes


def _signature(lesson: Lesson, name: str) -> str:
    if lesson.contract and name in lesson.contract.functions:
        return lesson.contract.functions[name].signature
    return f"{name}(...)"


def _missing(check: Check, number: int, name: str, lesson: Lesson, notes: list[dict], program: str) -> CheckOutcome:
    replaced = function_replaced(program, name)
    if replaced is not None:
        happened, advice = replaced_words(name, replaced)
        return _fail(check, number, happened, advice, expected=f"a function {_signature(lesson, name)}")
    broken = [n for n in notes if n.get("what") not in (None, "timeout")]
    extra = ""
    if broken:
        extra = f" (Line {broken[0]['line']} stopped with a {broken[0]['what']} before it.)"
    return _fail(check, number, f"Your program has no function called {name}.{extra}",
                 f"This step needs a function written exactly like: def {_signature(lesson, name)}:",
                 expected=f"a function {_signature(lesson, name)}")


def _call_text(name: str, args: list) -> str:
    return f"{name}({', '.join(show(a) for a in args)})"


def _status_problem(status: dict, call: str) -> tuple[str, str] | None:
    kind = status.get("status")
    if kind == "timeout":
        return f"{call} took too long.", "Maybe a loop never stops? Make sure every loop has a way to end."
    if kind == "asked":
        return (f"{call} asked a question with input().",
                "The function gets its numbers as arguments. Move input() outside the function.")
    if kind == "error":
        where = f" on line {status['line']}" if status.get("line") else ""
        text = f": {status['text']}" if status.get("text") else ""
        return (f"{call} stopped with a {status.get('type')}{where}{text}.",
                "Try that call yourself, or ask for help fixing it.")
    return None


def _call_outcome(check: Check, number: int, item: dict, lesson: Lesson) -> CheckOutcome:
    for case, status in zip(check.cases, item["cases"]):
        call = _call_text(check.function, case.args)
        why = f" ({case.why})" if case.why else ""
        problem = _status_problem(status, call)
        if problem:
            return _fail(check, number, problem[0] + why, problem[1], expected=_case_expect(case, call))
        got = status.get("value")
        if case.expect_none and got is not None:
            return _fail(check, number, f"{call} gave {show(got)}{why}.",
                         "In this case the function should give back None (nothing), for example with: return None",
                         expected=f"{call} gives None")
        if case.has_expect and not same(case.expect, got):
            return _fail(check, number, f"{call} gave {show(got)}{why}.", _value_advice(case.expect, got),
                         expected=f"{call} gives {show(case.expect)}")
        printed = status.get("printed", "")
        for pattern in case.prints:
            if not _found(pattern, printed):
                shown = _last_lines(printed) or "nothing"
                return _fail(check, number, f"{call} printed: {shown}{why}.",
                             "Look at what the function prints.", expected=f"{call} prints {_pattern_text(pattern)}")
    count = len(check.cases)
    return _pass(check, number, f"{count} call{'s' if count != 1 else ''} of {check.function} gave the right answers.")


def _case_expect(case, call: str) -> str:
    if case.expect_none:
        return f"{call} gives None"
    if case.has_expect:
        return f"{call} gives {show(case.expect)}"
    return ""


def _value_advice(expected: Any, got: Any) -> str:
    if isinstance(expected, int) and isinstance(got, float) and not isinstance(expected, bool):
        if got * 100 == expected or round(got * 100) == expected:
            return (f"It looks like you gave dollars ({got}). This lesson counts money in cents, "
                    f"so {money(expected)} is {expected}.")
        return "Money is counted in whole cents here. Try // instead of /, or round() the answer."
    if isinstance(expected, int) and isinstance(got, str):
        return "The function should give back a number (return it), not text."
    if got is None:
        return "The function gave back nothing. Did it forget to return the answer?"
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and expected == -got:
        return "The answer has the wrong sign. Is something taken away the wrong way round?"
    return "Work this one out on paper and compare with your program's sum."


_RULE_WORDS = {
    "never_negative": "never below zero",
    "adds_up_to": "adding up exactly",
    "at_most": "never too big",
    "at_least": "never too small",
    "whole_number": "a whole number",
    "one_of": "one of the allowed answers",
    "same_as_solution": "the right answer",
    "rule": "following the lesson's rule",
}


def _property_outcome(check: Check, number: int, item: dict, lesson: Lesson) -> CheckOutcome:
    if item.get("passed"):
        words = [_RULE_WORDS[r] for r in check.rules]
        rules = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
        return _pass(check, number, f"Tried {item['trials']} different inputs, and every answer was {rules}.")
    if item.get("no_solution"):
        return _fail(check, number, "This check compares with the lesson's solution, but the lesson has none.",
                     "Ask your teacher: the lesson needs a solution.py.")
    args = item.get("args", {})
    call = _call_text(check.function, list(args.values()) if isinstance(args, dict) else args)
    trial = item.get("trial", 1)
    if "call" in item:
        problem = _status_problem(item["call"], call) or (f"{call} did not work.", "")
        return _fail(check, number, f"On try {trial}: {problem[0]}", problem[1])
    result = item.get("result")
    rule = item.get("rule", "")
    detail = item.get("detail") or {}
    value = check.rules.get(rule)
    got = f"On try {trial}, {call} gave {show(result)}"
    if rule == "never_negative":
        target = detail.get("target", "result")
        what = "the answer" if target == "result" else f"{target}"
        return _fail(check, number, f"{got}, and {what} went below zero ({detail.get('found')}).",
                     "Before taking away, check there is enough. If not, don't take it.",
                     expected=f"{what} is never below zero")
    if rule == "adds_up_to":
        return _fail(check, number, f"{got}. Those add up to {detail.get('total')}, not {detail.get('goal')}.",
                     "Every cent must go somewhere. Try: give the last part whatever is left over.",
                     expected=f"the parts add up to {detail.get('goal')}")
    if rule in ("at_most", "at_least"):
        if detail.get("not_number"):
            return _fail(check, number, f"{got}, which is not a number.", "Make the function return a number.")
        word = "more than" if rule == "at_most" else "less than"
        bound_name = value if isinstance(value, str) else str(value)
        return _fail(check, number, f"{got}, which is {word} {bound_name} ({detail.get('bound')}).",
                     "Think about the biggest and smallest answers that make sense.",
                     expected=f"never {word} {bound_name}")
    if rule == "whole_number":
        return _fail(check, number, f"{got}, which is not a whole number.",
                     "Use // to divide into whole numbers, or round() the answer.", expected="a whole number")
    if rule == "one_of":
        return _fail(check, number, f"{got}.", "", expected="one of " + ", ".join(show(v) for v in value))
    if rule == "same_as_solution":
        wanted = detail.get("wanted")
        state = detail.get("state")
        if state and same(wanted, result):
            name, (kid, right) = next(iter(state.items()))
            return _fail(check, number, f"On try {trial}, after {call}, {name} became {show(kid)}.",
                         "Look at how your function changes it.", expected=f"{name} to become {show(right)}")
        return _fail(check, number, f"{got}.", _value_advice(wanted, result), expected=f"{call} gives {show(wanted)}")
    return _fail(check, number, f"{got}.", "The lesson's rule was not kept for these inputs.",
                 expected=f"the rule: {value}")


def _market_outcome(check: Check, number: int, item: dict) -> CheckOutcome:
    report = describe_market(item, check.market)
    advice = " ".join(report.advice)
    if report.passed:
        outcome = _pass(check, number, story=report.story)
        outcome.advice = advice
        return outcome
    happened = report.problem or "Market day did not go to plan."
    return _fail(check, number, happened, advice or "Read the story of your week above.", story=report.story)
