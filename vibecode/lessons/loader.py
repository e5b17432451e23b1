"""Read lesson folders into :class:`Lesson` objects, collecting every problem in plain words.

A broken lesson never crashes the app: :func:`load_library` lists it with its problems and
skips it. Each problem names the file, the line and the field, so a teacher can fix it.
"""

from __future__ import annotations

import ast
import logging
import re
import tomllib
from pathlib import Path
from typing import Any

from vibecode.lessons.locate import LineFinder
from vibecode.lessons.model import (
    CHECK_KINDS,
    PROPERTY_RULES,
    SHAPE_WORDS,
    BrokenLesson,
    CallCase,
    Check,
    Contract,
    ContractFunction,
    Lesson,
    LessonLibrary,
    Problem,
    Step,
)

log = logging.getLogger(__name__)

LESSON_FILE = "lesson.toml"
DEFAULT_SOLUTION = "solution.py"

LESSON_KEYS = {
    "title", "ages", "concept", "python_ideas", "summary", "extension", "contract", "solution",
    "steps", "order", "time_limit", "allow_files",
}
STEP_KEYS = {"title", "text", "idea", "hints", "checks"}
COMMON_CHECK_KEYS = {"kind", "name", "feedback", "time_limit"}
CHECK_KEYS = {
    "run": COMMON_CHECK_KEYS | {"input", "expect", "expect_not"},
    "call": COMMON_CHECK_KEYS | {"function", "cases"},
    "property": COMMON_CHECK_KEYS | {"function", "inputs", "keep", "trials", "seed"} | set(PROPERTY_RULES),
    "shape": COMMON_CHECK_KEYS | {"uses", "avoids", "not_literals", "defines"},
    "market": COMMON_CHECK_KEYS | {"market"},
    "file": COMMON_CHECK_KEYS | {"input", "file", "expect", "expect_not", "rows"},
}
CASE_KEYS = {"args", "expect", "expect_none", "prints", "why"}
MARKET_KEYS = {
    "days", "seed", "cost", "make", "price", "signs", "sold", "profit", "sign_cost", "goal",
}
INPUT_SPEC_KEYS = {"from", "to", "one_of", "list_of", "length", "value", "dict_of"}
MAX_TIME_LIMIT = 20.0


def builtin_lessons_dir() -> Path:
    """The lessons that ship with vibecode: the ``lessons`` package's folder (works installed too)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("lessons")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location)
        if path.is_dir():
            return path
    return Path(__file__).resolve().parents[2] / "lessons"


def _type_name(value: Any) -> str:
    return {
        str: "text", int: "a whole number", float: "a number with a dot", bool: "true/false",
        list: "a list [ ]", dict: "a table { }",
    }.get(type(value), type(value).__name__)


class _Reader:
    """Turns the parsed TOML of one lesson into dataclasses, noting problems as it goes."""

    def __init__(self, file: Path, text: str) -> None:
        self.file = file
        self.finder = LineFinder(text)
        self.problems: list[Problem] = []

    # -- problem helpers ---------------------------------------------------------------
    def problem(self, path: tuple, message: str, severity: str = "error", line: int | None = None) -> None:
        self.problems.append(
            Problem(self.file, line or self.finder.line_of(path), _field_name(path), message, severity)
        )

    def get(self, table: dict, path: tuple, key: str, kind: type | tuple, *, required: bool = False,
            default: Any = None, describe: str = "") -> Any:
        if key not in table:
            if required:
                self.problem(path, f"the field '{key}' is missing. Add a line like: {key} = {describe}")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(_type_name(k()) if k is not bool else "true/false" for k in kinds)
            self.problem(path + (key,), f"'{key}' should be {wanted}, but it is {_type_name(value)}.")
            return default
        return value

    def unknown_keys(self, table: dict, allowed: set[str], path: tuple, what: str) -> None:
        for key in table:
            if key not in allowed:
                close = _closest(key, allowed)
                hint = f" Did you mean '{close}'?" if close else ""
                self.problem(path + (key,), f"{what} has a field '{key}' that vibecode does not know.{hint}")

    def text_list(self, table: dict, path: tuple, key: str) -> list[str]:
        value = self.get(table, path, key, list, default=[])
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                self.problem(path + (key,), f"every item of '{key}' should be text in quotes, but one is {_type_name(item)}.")
                continue
            out.append(item)
        return out

    # -- the lesson --------------------------------------------------------------------
    def lesson(self, data: dict, folder: Path) -> Lesson:
        root: tuple = ()
        self.unknown_keys(data, LESSON_KEYS, root, "The lesson")
        title = self.get(data, root, "title", str, required=True, default=folder.name, describe='"My lemonade stand"')
        ages = self.ages(data)
        concept = self.get(data, root, "concept", str, required=True, default="", describe='"Cost, price and profit"')
        ideas = self.text_list(data, root, "python_ideas")
        if "python_ideas" not in data:
            self.problem(root, 'the field \'python_ideas\' is missing. Add a line like: python_ideas = ["variables", "if"]')
        summary = self.get(data, root, "summary", str, default="")
        extension = self.get(data, root, "extension", str, default="")
        order = self.get(data, root, "order", int, default=0)
        allow_files = self.get(data, root, "allow_files", bool, default=False)
        default_limit = float(self.get(data, root, "time_limit", (int, float), default=3.0))
        contract = self.contract(data)
        solution_file = self.solution(data, folder)
        steps_raw = self.get(data, root, "steps", list, required=True, default=[], describe="(add [[steps]] tables)")
        if "steps" in data and not steps_raw:
            self.problem(("steps",), "the lesson has no steps. Add at least one [[steps]] table.")
        steps = [
            self.step(raw, index, contract, default_limit)
            for index, raw in enumerate(steps_raw)
            if self._is_table(raw, ("steps", index), "step")
        ]
        if not allow_files:
            for index, step in enumerate(steps):
                for ci, check in enumerate(step.checks):
                    if check.kind == "file":
                        self.problem(("steps", index, "checks", ci),
                                     "this file check needs the program to save a file, so the lesson must allow it: "
                                     "add the line  allow_files = true  at the top of lesson.toml.")
        return Lesson(
            id=folder.name, title=title, ages=ages, concept=concept, python_ideas=ideas, steps=steps,
            folder=folder, file=self.file, summary=summary, extension=extension, contract=contract,
            solution_file=solution_file, order=order, allow_files=allow_files,
        )

    def _is_table(self, raw: Any, path: tuple, what: str) -> bool:
        if isinstance(raw, dict):
            return True
        self.problem(path, f"each {what} should be a table, but this one is {_type_name(raw)}.")
        return False

    def ages(self, data: dict) -> tuple[int, int]:
        if "ages" not in data:
            self.problem((), 'the field \'ages\' is missing. Add a line like: ages = "9-11"')
            return (9, 14)
        value = data["ages"]
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*(?:[-–to]+\s*(\d+))?\s*", value)
            if match:
                low = int(match.group(1))
                high = int(match.group(2) or low)
                if low <= high:
                    return (low, high)
        elif isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
            if value[0] <= value[1]:
                return (value[0], value[1])
        self.problem(("ages",), 'ages should look like "9-11" (youngest to oldest).')
        return (9, 14)

    def contract(self, data: dict) -> Contract | None:
        text = self.get(data, (), "contract", str, default=None)
        if text is None:
            return None
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            line = self.finder.line_of(("contract",))
            if line and self.finder.lines[line - 1].rstrip().endswith(('"""', "'''")):
                line += 1  # TOML drops the newline right after an opening triple quote
            self.problem(
                ("contract",),
                f"the contract is not valid Python (line {exc.lineno} of the contract: {exc.msg}). "
                "Write each function as: def name(a, b): followed by an indented \"\"\"what it does\"\"\"",
                line=(line + (exc.lineno or 1) - 1) if line else None,
            )
            return Contract(text=text)
        functions: dict[str, ContractFunction] = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                params = [a.arg for a in node.args.posonlyargs + node.args.args]
                functions[node.name] = ContractFunction(node.name, params, ast.get_docstring(node) or "")
        if not functions:
            self.problem(("contract",), "the contract has no functions. Write them like: def profit(made, sold, price, cost):")
        return Contract(text=text, functions=functions)

    def solution(self, data: dict, folder: Path) -> Path | None:
        name = self.get(data, (), "solution", str, default=None)
        if name is None:
            candidate = folder / DEFAULT_SOLUTION
            return candidate if candidate.is_file() else None
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            self.problem(("solution",), f"the solution file '{name}' must be inside the lesson's folder.")
            return None
        if not path.is_file():
            self.problem(("solution",), f"the solution file '{name}' was not found next to lesson.toml.")
            return None
        return path

    # -- steps -------------------------------------------------------------------------
    def step(self, raw: dict, index: int, contract: Contract | None, default_limit: float) -> Step:
        path = ("steps", index)
        self.unknown_keys(raw, STEP_KEYS, path, f"Step {index + 1}")
        title = self.get(raw, path, "title", str, required=True, default=f"Step {index + 1}", describe='"Add up the money"')
        text = self.get(raw, path, "text", str, required=True, default="", describe='"""What the child reads"""')
        idea = self.get(raw, path, "idea", str, default="")
        hints = self.text_list(raw, path, "hints")
        checks_raw = self.get(raw, path, "checks", list, default=[])
        if not checks_raw:
            self.problem(path, f"step {index + 1} has no checks. Add a [[steps.checks]] table after it.")
        checks = [
            self.check(c, path + ("checks", ci), contract, default_limit)
            for ci, c in enumerate(checks_raw)
            if self._is_table(c, path + ("checks", ci), "check")
        ]
        return Step(title=title, text=text, idea=idea, hints=hints, checks=checks, line=self.finder.line_of(path))

    def check(self, raw: dict, path: tuple, contract: Contract | None, default_limit: float) -> Check:
        kind = self.get(raw, path, "kind", str, required=True, default="shape", describe='"call"')
        if kind not in CHECK_KINDS:
            close = _closest(kind, set(CHECK_KINDS))
            hint = f" Did you mean '{close}'?" if close else ""
            self.problem(path + ("kind",), f"the check kind '{kind}' is unknown; use one of: {', '.join(CHECK_KINDS)}.{hint}")
            kind = "shape"
            allowed = set(raw)
        else:
            allowed = CHECK_KEYS[kind]
        self.unknown_keys(raw, allowed, path, f"This {kind} check")
        number = path[-1] + 1
        check = Check(
            kind=kind,
            name=self.get(raw, path, "name", str, default="") or f"check {number}",
            line=self.finder.line_of(path),
            feedback=self.get(raw, path, "feedback", str, default=""),
            time_limit=float(self.get(raw, path, "time_limit", (int, float), default=default_limit)),
        )
        if not 0 < check.time_limit <= MAX_TIME_LIMIT:
            self.problem(path + ("time_limit",), f"time_limit should be between 0 and {MAX_TIME_LIMIT:g} seconds.")
            check.time_limit = min(max(check.time_limit, 0.5), MAX_TIME_LIMIT)
        getattr(self, f"_check_{kind}")(raw, path, check, contract)
        return check

    def _function(self, raw: dict, path: tuple, check: Check, contract: Contract | None, key: str = "function") -> ContractFunction | None:
        name = self.get(raw, path, key, str, required=True, default="", describe='"profit"')
        if not name:
            return None
        check.function = name
        return self.contract_function(name, path + (key,), contract)

    def contract_function(self, name: str, path: tuple, contract: Contract | None) -> ContractFunction | None:
        if contract is None:
            self.problem(path, f"this check calls '{name}', but the lesson has no contract. Add contract = '''def {name}(...): ...''' at the top.")
            return None
        if name not in contract.functions:
            known = ", ".join(f.signature for f in contract.functions.values()) or "no functions"
            close = _closest(name, set(contract.functions))
            hint = f" Did you mean '{close}'?" if close else ""
            self.problem(path, f"this check calls '{name}', but the contract only has {known}.{hint}")
            return None
        return contract.functions[name]

    def _check_run(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        check.input = [str(v) for v in self.get(raw, path, "input", list, default=[])]
        check.expect = self.text_list(raw, path, "expect")
        check.expect_not = self.text_list(raw, path, "expect_not")
        if not check.expect and not check.expect_not:
            self.problem(path, "this run check has nothing to look for. Add expect = [\"words the program should print\"].")

    def _check_file(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        check.input = [str(v) for v in self.get(raw, path, "input", list, default=[])]
        name = self.get(raw, path, "file", str, required=True, default="", describe='"report.csv"')
        if name and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}", name):
            self.problem(path + ("file",), f"file = \"{name}\" should be a plain file name like \"report.csv\" "
                                           "(no folders: the program saves into its own folder).")
        check.file = name
        check.expect = self.text_list(raw, path, "expect")
        check.expect_not = self.text_list(raw, path, "expect_not")
        rows = self.get(raw, path, "rows", list, default=[])
        for index, row in enumerate(rows):
            if not isinstance(row, list) or not row or any(isinstance(c, (list, dict)) for c in row):
                self.problem(path + ("rows",), f"row {index + 1} of rows should be a list of cells, like [\"Mon\", \"in\", 500].")
                rows = []
                break
        check.rows = [[_cell_text(c) for c in row] for row in rows]
        if not (check.expect or check.expect_not or check.rows):
            self.problem(path, "this file check has nothing to look for. Add expect = [\"words in the file\"] "
                               "or rows = [[\"Mon\", \"in\", 500]].")

    def _check_call(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        function = self._function(raw, path, check, contract)
        cases = self.get(raw, path, "cases", list, required=True, default=[], describe="[{ args = [1, 2], expect = 3 }]")
        for index, case in enumerate(cases):
            case_line = self.finder.nth_item_line(path + ("cases",), index)
            case_path = path + ("cases", index)
            if not isinstance(case, dict):
                self.problem(case_path, f"case {index + 1} should look like {{ args = [...], expect = ... }}.", line=case_line)
                continue
            for key in case:
                if key not in CASE_KEYS:
                    self.problem(case_path, f"case {index + 1} has a field '{key}' that vibecode does not know (use args, expect, expect_none, prints, why).", line=case_line)
            args = self._args(case.get("args", []), function, case_path, f"case {index + 1}", case_line)
            if args is None:
                continue
            has_expect = "expect" in case or bool(case.get("expect_none")) or bool(case.get("prints"))
            if not has_expect:
                self.problem(case_path, f"case {index + 1} does not say what should come back. Add expect = ... (or expect_none = true).", line=case_line)
            prints = case.get("prints", [])
            if not isinstance(prints, list) or not all(isinstance(p, str) for p in prints):
                self.problem(case_path, f"in case {index + 1}, prints should be a list of texts.", line=case_line)
                prints = []
            check.cases.append(CallCase(
                args=args, expect=case.get("expect"), expect_none=bool(case.get("expect_none", False)),
                has_expect="expect" in case, prints=prints, why=str(case.get("why", "")), line=case_line,
            ))

    def _args(self, args: Any, function: ContractFunction | None, path: tuple, what: str, line: int | None) -> list | None:
        if function is None:
            return args if isinstance(args, list) else None
        if isinstance(args, dict):
            missing = [p for p in function.params if p not in args]
            extra = [k for k in args if k not in function.params]
            if missing or extra:
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(missing))
                if extra:
                    parts.append("unknown " + ", ".join(extra))
                self.problem(path, f"{what} gives the wrong names for {function.signature}: {'; '.join(parts)}.", line=line)
                return None
            return [args[p] for p in function.params]
        if not isinstance(args, list):
            self.problem(path, f"{what}: args should be a list like [20, 15] or a table like {{ made = 20 }}.", line=line)
            return None
        if len(args) != len(function.params):
            self.problem(path, f"{what} gives {len(args)} values, but {function.signature} takes {len(function.params)}.", line=line)
            return None
        return args

    def _check_property(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        function = self._function(raw, path, check, contract)
        inputs = self.get(raw, path, "inputs", dict, required=True, default={}, describe="{ amount = { from = 1, to = 1000 } }")
        check.trials = self.get(raw, path, "trials", int, default=100)
        check.seed = self.get(raw, path, "seed", int, default=1)
        if not 1 <= check.trials <= 2000:
            self.problem(path + ("trials",), "trials should be between 1 and 2000.")
            check.trials = 100
        check.keep = self.text_list(raw, path, "keep")
        check.inputs = dict(inputs)
        for name, spec in inputs.items():
            self._input_spec(name, spec, path + ("inputs", name))
        if function is not None:
            missing = [p for p in function.params if p not in inputs]
            extra = [k for k in inputs if k not in function.params]
            if missing:
                self.problem(path + ("inputs",), f"inputs does not say how to make {', '.join(missing)} for {function.signature}.")
            if extra:
                self.problem(path + ("inputs",), f"inputs has {', '.join(extra)}, but {function.signature} has no such argument.")
            for name in check.keep:
                if name not in function.params:
                    self.problem(path + ("keep",), f"keep names '{name}', but {function.signature} has no such argument.")
        names = set(function.params if function else inputs) | {"result"}
        for rule in PROPERTY_RULES:
            if rule not in raw:
                continue
            value = raw[rule]
            rpath = path + (rule,)
            if rule in ("never_negative",):
                targets = value if isinstance(value, list) else [value]
                for target in targets:
                    if not isinstance(target, str) or target not in names:
                        self.problem(rpath, f"never_negative should name 'result' or an argument ({', '.join(sorted(names - {'result'}))}).")
            elif rule in ("adds_up_to", "at_most", "at_least"):
                if isinstance(value, str) and value not in names:
                    self.problem(rpath, f"{rule} = \"{value}\" names no argument; use a number or one of {', '.join(sorted(names - {'result'}))}.")
                elif not isinstance(value, (str, int)) or isinstance(value, bool):
                    self.problem(rpath, f"{rule} should be a whole number or the name of an argument.")
            elif rule in ("whole_number", "same_as_solution"):
                if not isinstance(value, bool):
                    self.problem(rpath, f"{rule} should be true or false.")
            elif rule == "one_of":
                if not isinstance(value, list):
                    self.problem(rpath, "one_of should be a list of the values allowed.")
            elif rule == "rule":
                self._rule_expression(value, rpath, names | {"before"})
            check.rules[rule] = value
        if not check.rules:
            self.problem(path, "this property check has no rule. Add one, like never_negative = \"result\" or same_as_solution = true.")

    def _rule_expression(self, value: Any, path: tuple, names: set[str]) -> None:
        if not isinstance(value, str):
            self.problem(path, "rule should be text, like rule = \"result <= made\".")
            return
        try:
            tree = ast.parse(value, mode="eval")
        except SyntaxError:
            self.problem(path, f"the rule \"{value}\" is not a Python expression vibecode can read.")
            return
        allowed = names | {"len", "sum", "min", "max", "abs", "sorted", "all", "any", "round", "int", "True", "False", "None", "set", "list", "x", "v", "k"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in allowed:
                self.problem(path, f"the rule uses '{node.id}', which is not 'result' or an argument.")
                return

    def _input_spec(self, name: str, spec: Any, path: tuple) -> None:
        if not isinstance(spec, dict):
            return  # a fixed value
        keys = set(spec)
        unknown = keys - INPUT_SPEC_KEYS
        if unknown:
            self.problem(path, f"the input '{name}' has unknown fields {', '.join(sorted(unknown))}; use from/to, one_of, list_of, dict_of or value.")
            return
        if "one_of" in spec or "list_of" in spec or "dict_of" in spec:
            key = "one_of" if "one_of" in spec else "list_of" if "list_of" in spec else "dict_of"
            value = spec[key]
            if key == "list_of" and isinstance(value, dict):
                self._input_spec(name, value, path)
            elif not isinstance(value, list) or not value:
                self.problem(path, f"the input '{name}': {key} should be a list with at least one value.")
            if key != "one_of" and "length" in spec:
                length = spec["length"]
                if not (isinstance(length, list) and len(length) == 2 and all(isinstance(v, int) for v in length)):
                    self.problem(path, f"the input '{name}': length should be [smallest, biggest].")
        elif keys & {"from", "to"}:
            if not (isinstance(spec.get("from"), int) and isinstance(spec.get("to"), int)) or spec["from"] > spec["to"]:
                self.problem(path, f"the input '{name}' needs whole numbers: from = 1, to = 100 (from not bigger than to).")
        elif "value" not in spec:
            self.problem(path, f"the input '{name}' should say from/to, one_of, list_of, dict_of or value.")

    def _check_shape(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        check.uses = self.text_list(raw, path, "uses")
        check.avoids = self.text_list(raw, path, "avoids")
        check.defines = self.text_list(raw, path, "defines")
        check.not_literals = self.get(raw, path, "not_literals", list, default=[])
        for key, words in (("uses", check.uses), ("avoids", check.avoids)):
            for word in words:
                if word not in SHAPE_WORDS:
                    close = _closest(word, set(SHAPE_WORDS))
                    hint = f" Did you mean '{close}'?" if close else ""
                    self.problem(path + (key,), f"'{word}' is not a word a shape check knows; use: {', '.join(SHAPE_WORDS)}.{hint}")
        for name in check.defines:
            if contract is not None and name not in contract.functions:
                self.problem(path + ("defines",), f"defines names '{name}', which is not in the contract.", severity="warning")
        if not (check.uses or check.avoids or check.defines or check.not_literals):
            self.problem(path, "this shape check checks nothing. Add uses = [\"loop\"] or not_literals = [350].")

    def _check_market(self, raw: dict, path: tuple, check: Check, contract: Contract | None) -> None:
        market = self.get(raw, path, "market", dict, required=True, default={}, describe="{ days = 7, seed = 1, make = \"cups_to_make\" }")
        mpath = path + ("market",)
        for key in market:
            if key not in MARKET_KEYS:
                close = _closest(key, MARKET_KEYS)
                hint = f" Did you mean '{close}'?" if close else ""
                self.problem(mpath + (key,), f"market day has a field '{key}' that vibecode does not know.{hint}")
        days = market.get("days", 7)
        if not isinstance(days, int) or not 1 <= days <= 30:
            self.problem(mpath + ("days",), "days should be a whole number from 1 to 30.")
        arity = {"make": 1, "price": 1, "signs": 1, "sold": 3, "profit": 4}
        for role, count in arity.items():
            value = market.get(role)
            if isinstance(value, str) and not (role == "sold" and value == "customers"):
                function = self.contract_function(value, mpath + (role,), contract)
                if function and len(function.params) != count:
                    self.problem(mpath + (role,), f"market day calls {role} with {count} value(s), but {function.signature} takes {len(function.params)}.")
            elif value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                self.problem(mpath + (role,), f"{role} should be a whole number (cents or cups) or the name of a contract function.")
        for key in ("cost", "sign_cost", "seed", "goal"):
            if key in market and (not isinstance(market[key], int) or isinstance(market[key], bool)):
                self.problem(mpath + (key,), f"{key} should be a whole number (money is in cents).")
        check.market = dict(market)


def _cell_text(value: Any) -> str:
    """A CSV cell as the file would hold it: 500 -> "500", true -> "True"."""
    return value if isinstance(value, str) else str(value)


def _field_name(path: tuple) -> str:
    """("steps", 1, "checks", 0, "expect") -> 'step 2, check 1, field "expect"'."""
    parts: list[str] = []
    items = list(path)
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(nxt, int) and item in ("steps", "checks", "cases"):
            parts.append(f"{item[:-1]} {nxt + 1}")
            i += 2
            continue
        parts.append(f"field '{item}'")
        i += 1
    return ", ".join(parts)


def _closest(word: str, choices: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.7)
    return found[0] if found else None


def read_lesson(folder: Path) -> tuple[Lesson | None, list[Problem]]:
    """Load one lesson folder. Returns the lesson (None if it cannot be used) and all problems."""
    folder = Path(folder)
    file = folder / LESSON_FILE
    if not file.is_file():
        return None, [Problem(file, None, "", f"there is no {LESSON_FILE} in this folder.")]
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, None, "", f"the file could not be read ({exc.__class__.__name__}). Save it as UTF-8 text.")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match.group(1)) if match else None
        what = re.sub(r"\s*\(at line.*\)", "", str(exc))
        return None, [Problem(file, line, "", f"this is not valid TOML: {what}. Check quotes, commas and brackets on this line.")]
    reader = _Reader(file, text)
    try:
        lesson = reader.lesson(data, folder)
    except Exception:  # a reader bug must never crash the app; keep the details in the log
        log.exception("reading lesson %s failed", folder)
        return None, reader.problems + [Problem(file, None, "", "vibecode could not read this lesson (the details are in the log).")]
    if any(p.severity == "error" for p in reader.problems):
        return None, reader.problems
    return lesson, reader.problems


def lesson_folders(root: Path) -> list[Path]:
    """A lesson folder itself, or every sub-folder of ``root`` holding a lesson.toml."""
    root = Path(root)
    if (root / LESSON_FILE).is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / LESSON_FILE).is_file())


def load_library(extra_dirs: list[str | Path] | None = None, *, include_builtin: bool = True) -> LessonLibrary:
    """All lessons from the shipped folder and the teacher's folders; broken ones are listed, not raised."""
    roots: list[Path] = [builtin_lessons_dir()] if include_builtin else []
    roots += [Path(d).expanduser() for d in (extra_dirs or [])]
    lessons: list[Lesson] = []
    broken: list[BrokenLesson] = []
    seen: dict[str, Path] = {}
    for root in roots:
        if not root.exists():
            broken.append(BrokenLesson(root, [Problem(root, None, "", "this lesson folder does not exist.")]))
            continue
        for folder in lesson_folders(root):
            lesson, problems = read_lesson(folder)
            if lesson is None:
                broken.append(BrokenLesson(folder, problems))
                continue
            if lesson.id in seen:
                broken.append(BrokenLesson(folder, [Problem(lesson.file, None, "", f"another lesson already uses the folder name '{lesson.id}' ({seen[lesson.id]}). Rename one folder.")]))
                continue
            seen[lesson.id] = folder
            lessons.append(lesson)
    lessons.sort(key=lambda l: (l.order or 999, l.id))
    return LessonLibrary(lessons=lessons, broken=broken)
