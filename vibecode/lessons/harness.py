"""The check harness: runs INSIDE the sandbox, next to the child's program.

Stdlib-only and self-contained: ``checks.py`` sends this file's text (after ``market_sim.py``'s)
as one sandbox program, with a JSON plan of every call, property and market check of a step,
so a whole step costs one sandbox start. The child's program is loaded statement by statement
with ``input()`` turned off, so functions defined after a question still load. Results come back
as one JSON line after a marker.
"""

import ast
import builtins
import copy
import io
import json
import math
import random
import sys
import traceback

RESULT_MARKER = "@@VIBECODE-RESULTS@@"


class VcAsked(BaseException):
    """The child's code called input() where the check gives values as arguments.
    A BaseException, so a child's ``except Exception:`` around input() cannot swallow it."""


class VcTimeout(BaseException):
    """One call ran past its time limit (also a BaseException, for the same reason)."""


class VcCallError(Exception):
    def __init__(self, friendly, info):
        super().__init__(friendly)
        self.friendly = friendly
        self.info = info


def vc_no_input(prompt=""):
    raise VcAsked()


def vc_alarm(seconds):
    """Limit one call's time, so one endless loop fails one check, not the whole step."""
    try:
        import signal

        def handler(signum, frame):
            raise VcTimeout()

        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return True
    except Exception:
        return False


def vc_alarm_off():
    try:
        import signal

        signal.setitimer(signal.ITIMER_REAL, 0)
    except Exception:
        pass


def vc_kid_line(exc):
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in ("kid.py", "solution.py"):
            line = frame.lineno
    return line


def vc_is_main_guard(node):
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def vc_load(source, filename, limit):
    """Run the program's top-level statements one by one; skip the ones that ask questions."""
    namespace = {"__name__": filename[:-3], "__builtins__": builtins}
    notes = []
    if source is None:
        return None, notes
    tree = ast.parse(source, filename)
    for node in tree.body:
        if vc_is_main_guard(node):
            continue
        code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
        out = io.StringIO()
        saved = sys.stdout
        sys.stdout = out
        vc_alarm(limit)
        try:
            exec(code, namespace)
        except (VcAsked, SystemExit):
            pass
        except VcTimeout:
            notes.append({"line": node.lineno, "what": "timeout"})
        except Exception as exc:
            notes.append({"line": vc_kid_line(exc) or node.lineno, "what": type(exc).__name__, "text": str(exc)[:200]})
        finally:
            vc_alarm_off()
            sys.stdout = saved
    return namespace, notes


def vc_json(value, depth=0):
    if depth > 20:
        return {"$repr": "..."}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$repr": repr(value)}
    if isinstance(value, (list, tuple)):
        return [vc_json(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((vc_json(v, depth + 1) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): vc_json(v, depth + 1) for k, v in value.items()}
    return {"$repr": repr(value)[:200], "$type": type(value).__name__}


VC_HUNG = set()


def vc_call(function, args, limit):
    """Call one function with input() off, prints captured and a time limit.

    A function that ran out of time once is not called again: it would only use up the step's
    whole time budget, and the first "took too long" already says what to fix."""
    name = getattr(function, "__qualname__", repr(function)) + "@" + str(id(function))
    if name in VC_HUNG:
        return {"status": "timeout", "printed": ""}
    status = vc_call_once(function, args, limit)
    if status["status"] == "timeout":
        VC_HUNG.add(name)
    return status


def vc_call_once(function, args, limit):
    out = io.StringIO()
    saved = sys.stdout
    sys.stdout = out
    vc_alarm(limit)
    try:
        value = function(*args)
        return {"status": "ok", "value": value, "printed": out.getvalue()[:2000]}
    except VcAsked:
        return {"status": "asked", "printed": out.getvalue()[:2000]}
    except VcTimeout:
        return {"status": "timeout", "printed": out.getvalue()[:2000]}
    except RecursionError:
        return {"status": "error", "type": "RecursionError", "text": "", "line": None}
    except SystemExit:
        return {"status": "error", "type": "SystemExit", "text": "the function called exit()", "line": None}
    except Exception as exc:
        return {"status": "error", "type": type(exc).__name__, "text": str(exc)[:300], "line": vc_kid_line(exc)}
    finally:
        vc_alarm_off()
        sys.stdout = saved


def vc_public(status):
    """A call status made JSON-safe."""
    out = dict(status)
    if "value" in out:
        out["value"] = vc_json(out["value"])
    return out


def vc_function(namespace, name):
    if namespace is None:
        return None
    found = namespace.get(name)
    return found if callable(found) else None


def vc_calls(item, kid):
    function = vc_function(kid, item["function"])
    if function is None:
        return {"missing": item["function"]}
    cases = []
    for args in item["cases"]:
        cases.append(vc_public(vc_call(function, copy.deepcopy(args), item["limit"])))
    return {"cases": cases}


def vc_make(spec, rng):
    if not isinstance(spec, dict):
        return copy.deepcopy(spec)
    if "value" in spec:
        return copy.deepcopy(spec["value"])
    if "dict_of" in spec:
        return {key: rng.randint(spec.get("from", 0), spec.get("to", 20)) for key in spec["dict_of"]}
    if "list_of" in spec:
        low, high = spec.get("length", [0, 10])
        inner = spec["list_of"]
        if isinstance(inner, dict):
            return [vc_make(inner, rng) for _ in range(rng.randint(low, high))]
        return [copy.deepcopy(rng.choice(inner)) for _ in range(rng.randint(low, high))]
    if "one_of" in spec:
        return copy.deepcopy(rng.choice(spec["one_of"]))
    return rng.randint(spec["from"], spec["to"])


def vc_numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from vc_numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from vc_numbers(item)


def vc_bound(value, args):
    return args[value] if isinstance(value, str) else value


def vc_rule_fails(rule, value, result, args, before):
    """None when the rule holds, else a short code + details for the app to word."""
    if rule == "never_negative":
        for target in value if isinstance(value, list) else [value]:
            thing = result if target == "result" else args.get(target)
            low = [n for n in vc_numbers(thing) if n < 0]
            if low:
                return {"target": target, "found": low[0]}
        return None
    if rule == "adds_up_to":
        goal = vc_bound(value, before)
        numbers = list(vc_numbers(result))
        total = sum(numbers)
        return None if numbers and total == goal else {"total": total, "goal": goal}
    if rule == "at_most":
        bound = vc_bound(value, before)
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            return {"not_number": True}
        return None if result <= bound else {"bound": bound}
    if rule == "at_least":
        bound = vc_bound(value, before)
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            return {"not_number": True}
        return None if result >= bound else {"bound": bound}
    if rule == "whole_number":
        ok = isinstance(result, int) and not isinstance(result, bool)
        return None if ok or not value else {}
    if rule == "one_of":
        return None if vc_json(result) in value else {}
    if rule == "rule":
        names = dict(args)
        names.update({"result": result, "before": before})
        safe = {n: getattr(builtins, n) for n in ("len", "sum", "min", "max", "abs", "sorted", "all", "any", "round", "int", "set", "list")}
        try:
            ok = eval(value, {"__builtins__": safe}, names)
        except Exception as exc:
            return {"error": type(exc).__name__}
        return None if ok else {}
    return None


def vc_property(item, kid, solution):
    function = vc_function(kid, item["function"])
    if function is None:
        return {"missing": item["function"]}
    reference = vc_function(solution, item["function"]) if item["rules"].get("same_as_solution") else None
    if item["rules"].get("same_as_solution") and reference is None:
        return {"no_solution": True}
    rng = random.Random(item["seed"])
    params = item["params"]
    kept = {name: vc_make(item["inputs"][name], rng) for name in item["keep"]}
    kept_reference = copy.deepcopy(kept)
    for trial in range(item["trials"]):
        args = {}
        for name in params:
            args[name] = kept[name] if name in kept else vc_make(item["inputs"][name], rng)
        before = copy.deepcopy(args)
        shown = vc_json(before)
        status = vc_call(function, [args[p] for p in params], item["limit"])
        if status["status"] != "ok":
            return {"trial": trial + 1, "args": shown, "call": vc_public(status)}
        result = status["value"]
        for rule, value in item["rules"].items():
            if rule == "same_as_solution":
                continue
            failed = vc_rule_fails(rule, value, result, args, before)
            if failed is not None:
                return {"trial": trial + 1, "args": shown, "result": vc_json(result), "rule": rule, "detail": vc_json(failed)}
        if reference is not None:
            ref_args = {}
            for name in params:
                ref_args[name] = kept_reference[name] if name in kept_reference else copy.deepcopy(before[name])
            ref_status = vc_call(reference, [ref_args[p] for p in params], item["limit"])
            if ref_status["status"] == "ok":
                same = vc_json(result) == vc_json(ref_status["value"])
                state_same = all(vc_json(args[k]) == vc_json(ref_args[k]) for k in item["keep"])
                if not same or not state_same:
                    return {
                        "trial": trial + 1, "args": shown, "result": vc_json(result), "rule": "same_as_solution",
                        "detail": {"wanted": vc_json(ref_status["value"]), "state": None if state_same else {k: [vc_json(args[k]), vc_json(ref_args[k])] for k in item["keep"]}},
                    }
    return {"passed": True, "trials": item["trials"]}


def vc_market(item, kid):
    config = item["market"]

    def call(name, *args):
        function = vc_function(kid, name)
        if function is None:
            raise VcCallError(f"your program has no function called {name}", {"missing": name})
        status = vc_call(function, list(args), item["limit"])
        if status["status"] == "ok":
            return status["value"]
        shown = ", ".join(repr(a) for a in args)
        if status["status"] == "timeout":
            raise VcCallError(f"{name}({shown}) took too long (maybe a loop never stops)", status)
        if status["status"] == "asked":
            raise VcCallError(f"{name}({shown}) asked a question with input(); market day gives the values itself", status)
        where = f" on line {status['line']}" if status.get("line") else ""
        raise VcCallError(f"{name}({shown}) stopped with a {status['type']}{where}", status)

    return simulate(config, call)


def vc_main(plan, kid_source, solution_source):
    real = sys.stdout
    builtins.input = vc_no_input
    sys.setrecursionlimit(400)
    kid, notes = vc_load(kid_source, "kid.py", plan.get("load_limit", 2.0))
    solution = None
    if solution_source is not None:
        solution, _ = vc_load(solution_source, "solution.py", plan.get("load_limit", 2.0))
    items = []
    for item in plan["items"]:
        try:
            if item["kind"] == "call":
                items.append(vc_calls(item, kid))
            elif item["kind"] == "property":
                items.append(vc_property(item, kid, solution))
            else:
                items.append(vc_market(item, kid))
        except Exception as exc:  # a harness mistake must still give an answer
            items.append({"harness_error": f"{type(exc).__name__}: {exc}"})
    real.write("\n" + RESULT_MARKER + json.dumps({"load_notes": notes, "items": items}) + "\n")
    real.flush()
