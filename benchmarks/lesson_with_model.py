"""Drive a lesson with a real model, as a child would: each step's suggested idea (with the lesson's contract)
goes through the Maker, then the lesson's own checks run on the result. Prints what passed and the market-day story.

    .venv/bin/python benchmarks/lesson_with_model.py [MODEL] [LESSON_PREFIX]     # default: qwen-1.5b, lesson 01
"""
import sys, time
from vibecode.lessons import load_library, check_step
from vibecode.lm import open_backend
from vibecode.make import Maker, MakeRequest

lib = load_library([])
prefix = sys.argv[2] if len(sys.argv) > 2 else "01"
lesson = next(l for l in lib.lessons if l.id.startswith(prefix))
backend = open_backend(sys.argv[1] if len(sys.argv) > 1 else "qwen-1.5b")
maker = Maker(backend)
program = None
for i, step in enumerate(lesson.steps):
    t = time.time()
    res = maker.make(MakeRequest(idea=step.idea, current_program=program, contract=lesson.contract_text))
    print(f"step {i+1}: made ok={res.ok} attempts={res.attempts} {time.time()-t:.0f}s", flush=True)
    if not res.program:
        print(res.message); break
    program = res.program
    rep = check_step(lesson, i, program)
    print(f"  checks passed={rep.passed}")
    for o in rep.outcomes:
        print("   -", getattr(o, "title", ""), "|", getattr(o, "passed", ""), "|", (getattr(o, "happened", "") or "")[:150].replace("\n"," "))
        if getattr(o, "story", None): print("     story:", o.story[:400].replace("\n"," / "))
    if not rep.passed:
        print(program); break
backend.close()
