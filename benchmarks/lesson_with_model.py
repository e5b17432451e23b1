"""Drive lessons with a real model, as a child would: each step's suggested idea (with the lesson's
contract) goes through the Maker, as a change of the program so far from step 2 on, then the
lesson's own checks run on the result. Prints every attempt, what each check said, the market-day
story, and a table over the lessons at the end (with the machine's load average: on 2 shared cores
the timings mean little without it).

    python benchmarks/lesson_with_model.py                        # qwen-1.5b, lesson 01
    python benchmarks/lesson_with_model.py qwen-1.5b 01 02 03 04  # several lessons (id prefixes)
    python benchmarks/lesson_with_model.py qwen-1.5b all --json out.json --keep-going

--keep-going     after a failed step, go on with the model's program (default: the lesson stops there,
                 as a child would be stuck)
--fix-tries N    after a failed step, send the first failed check's words back as a change request up
                 to N times, like a child typing what the check said into the chat (default 0)
--json FILE      write every figure (steps, attempts, tokens, programs, stories) as JSON
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vibecode.lessons import check_step, load_library  # noqa: E402
from vibecode.lm import open_backend  # noqa: E402
from vibecode.make import Maker, MakeRequest  # noqa: E402


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def feedback_idea(outcome) -> str:
    """What a child might type after a failed check: the check's own words."""
    parts = [f"The lesson check '{outcome.title}' failed."]
    if outcome.expected:
        parts.append(f"It wanted {outcome.expected}.")
    if outcome.happened:
        parts.append(outcome.happened)
    if outcome.advice:
        parts.append(outcome.advice)
    return " ".join(parts) + " Please fix my program."


def make_step(maker: Maker, lesson, step, idea: str, program: str | None) -> tuple[dict, str | None]:
    """One request, made the way the lesson screen's build screen makes it."""
    t = time.monotonic()
    res = maker.make(MakeRequest(idea=idea, current_program=program, contract=lesson.contract_text,
                                 allow_files=lesson.allow_files, trial_inputs=step.trial_inputs))
    made = {
        "idea": idea, "ok": res.ok, "attempts": res.attempts, "seconds": round(time.monotonic() - t, 1),
        "message": res.message, "prompt_tokens": res.prompt_tokens, "completion_tokens": res.completion_tokens,
        "attempt_log": [
            {"number": a.number, "kind": a.kind, "answer": a.answer, "problems": a.problems, "trial_ok": a.trial_ok,
             "prompt_tokens": a.prompt_tokens, "completion_tokens": a.completion_tokens,
             "seconds": round(a.seconds, 1), "tokens_per_second": round(a.tokens_per_second or 0, 2)}
            for a in res.attempt_log
        ],
    }
    for a in made["attempt_log"]:
        trial = {None: "no trial", True: "trial ok", False: "trial failed"}[a["trial_ok"]]
        problems = ("; " + " | ".join(a["problems"])) if a["problems"] else ""
        print(f"    attempt {a['number']} ({a['kind']}): {a['seconds']}s, {a['prompt_tokens']}+"
              f"{a['completion_tokens']} tokens, {a['tokens_per_second']} tok/s, {trial}{problems}", flush=True)
    return made, res.program


def check(lesson, index: int, program: str) -> dict:
    rep = check_step(lesson, index, program)
    outcomes = []
    for o in rep.outcomes:
        outcomes.append({"title": o.title, "passed": o.passed, "expected": o.expected, "happened": o.happened,
                         "advice": o.advice, "story": o.story})
        mark = "pass" if o.passed else "FAIL"
        print(f"    {mark} {o.title}: {o.happened}".rstrip(), flush=True)
        if not o.passed:
            if o.expected:
                print(f"         wanted: {o.expected}")
            if o.advice:
                print(f"         try: {o.advice}")
        if o.story:
            print("    market-day story:\n      " + o.story.replace("\n", "\n      "))
            if o.passed and o.advice:
                print(f"      tip: {o.advice}")
    return {"passed": rep.passed, "outcomes": outcomes, "report": rep}


def run_lesson(maker: Maker, lesson, keep_going: bool, fix_tries: int) -> dict:
    print(f"\n=== {lesson.id}: {lesson.title} ({len(lesson.steps)} steps) — load {load_average()}", flush=True)
    program: str | None = None
    steps = []
    for i, step in enumerate(lesson.steps):
        print(f"  step {i + 1}: {step.title}", flush=True)
        tries = []
        idea = step.idea
        passed = False
        for round_ in range(1 + fix_tries):
            made, new_program = make_step(maker, lesson, step, idea, program)
            print(f"   made ok={made['ok']} attempts={made['attempts']} {made['seconds']}s — load {load_average()}",
                  flush=True)
            entry = {"made": made, "program": new_program, "checks": None}
            tries.append(entry)
            if not new_program:
                print(f"   no program: {made['message']}")
                break
            program = new_program
            checked = check(lesson, i, program)
            failure = checked["report"].first_failure
            del checked["report"]
            entry["checks"] = checked
            if checked["passed"]:
                passed = True
                break
            if round_ < fix_tries:
                idea = feedback_idea(failure)
                print(f"   asking again with the check's words: {idea}", flush=True)
        steps.append({
            "step": i + 1, "title": step.title, "passed": passed, "tries": tries,
            "attempts": sum(t["made"]["attempts"] for t in tries),
            "seconds": round(sum(t["made"]["seconds"] for t in tries), 1),
        })
        if not passed:
            print("   the program at this point:\n" + "\n".join("     | " + line for line in (program or "").splitlines()))
            if not keep_going:
                break
    return {
        "lesson": lesson.id, "title": lesson.title, "steps_total": len(lesson.steps),
        "steps_passed": sum(1 for s in steps if s["passed"]),
        "attempts": sum(s["attempts"] for s in steps), "seconds": round(sum(s["seconds"] for s in steps), 1),
        "steps": steps, "load_after": load_average(),
    }


def table(results: list[dict]) -> str:
    rows = ["| lesson | steps passed | attempts per step | seconds per step | total s | load after |",
            "|---|---|---|---|---|---|"]
    for r in results:
        marks = " ".join(("✓" if s["passed"] else "✗") for s in r["steps"])
        rows.append(
            f"| {r['lesson']} | {r['steps_passed']}/{r['steps_total']} {marks} | "
            f"{', '.join(str(s['attempts']) for s in r['steps'])} | "
            f"{', '.join(format(s['seconds'], '.0f') for s in r['steps'])} | {r['seconds']:.0f} | {r['load_after']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", default="qwen-1.5b")
    parser.add_argument("lessons", nargs="*", default=["01"], help="lesson id prefixes, or 'all'")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--keep-going", action="store_true")
    parser.add_argument("--fix-tries", type=int, default=0)
    parser.add_argument("--lesson-dir", action="append", default=[], help="extra lesson folders")
    args = parser.parse_args(argv)

    lib = load_library(args.lesson_dir)
    if args.lessons == ["all"]:
        chosen = list(lib.lessons)
    else:
        chosen = []
        for prefix in args.lessons:
            found = [lesson for lesson in lib.lessons if lesson.id.startswith(prefix)]
            if not found:
                print(f"no lesson starts with {prefix!r}", file=sys.stderr)
                return 2
            chosen.append(found[0])

    print(f"model {args.model}; load before {load_average()}", flush=True)
    backend = open_backend(args.model)
    t = time.monotonic()
    backend.prepare()
    load_seconds = round(time.monotonic() - t, 1)
    print(f"model ready in {load_seconds}s — load {load_average()}", flush=True)
    maker = Maker(backend)
    results = []
    try:
        for lesson in chosen:
            results.append(run_lesson(maker, lesson, args.keep_going, args.fix_tries))
            if args.json:  # written after every lesson, so a long run that is stopped keeps its figures
                Path(args.json).write_text(json.dumps(
                    {"model": args.model, "model_load_seconds": load_seconds, "lessons": results}, indent=1))
    finally:
        backend.close()
    print("\n" + table(results))
    return 0 if all(r["steps_passed"] == r["steps_total"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
