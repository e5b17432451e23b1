"""Which prompt-lookup draft policy makes answers quickest? (a benchmark, not a test)

A change request's answer mostly repeats the child's program, and a new program often repeats lines of its
prompt's example and of itself; the greedy loop (vibecode.lm.decode) checks copied drafts in one model pass.
Greedy text does not depend on the drafts, so any draft policy can be replayed exactly on recorded answers:
at each pass the draft is what ``Draft.find`` copies, the model keeps its longest prefix that matches the
answer, plus one token. This records answers with the real model (the bench speed change requests on its
38-line program, one change to each of the six new programs the model writes, and those new programs with
the first ten shared kid ideas), measures what a pass of r tokens costs on this computer, and prints the
simulated seconds, tokens checked and passes of each policy, best first, for changes and new programs
apart.

    .venv/bin/python benchmarks/draft_policy.py [--precision fast] [--save traces.json]
    .venv/bin/python benchmarks/draft_policy.py --load traces.json     # replay only (no new answers)
    .venv/bin/python benchmarks/draft_policy.py --load traces.json --remeasure   # same answers, passes timed again
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's vibecode

ASKS = ["make it also count how many times it ran", "add a goodbye message at the end",
        "make it ask for my name first and use it", "make the prices twice as big",
        "make it also say the best one", "add a 10 percent discount"]
ROWS = (1, 2, 3, 4, 6, 8, 11, 16, 21, 32, 41, 65)


def record(precision: str) -> dict:
    os.environ["VIBECODE_PRECISION"] = precision
    import torch

    from vibecode.commands.bench_speed import CHANGES, NEW_PROGRAMS, pet_shop
    from vibecode.lm import ChatMessage, GenerateOptions
    from vibecode.lm.decode import Draft, greedy
    from vibecode.lm.engine import LocalModel, _Tracker
    from vibecode.make import extract, prompts
    from vibecode.make.maker import copying
    from vibecode.safety.evaluate import BENCH_IDEAS

    engine = LocalModel(None)
    engine.load()
    engine.prefill([ChatMessage("system", prompts.system_prompt(None, allow_files=False))])

    def answer_ids(messages, options) -> tuple[list[int], list[int]]:
        prompt = engine._encode(messages, True, options.answer_start)["input_ids"][0].tolist()
        cache, cached = engine.prompt_cache.start(prompt, engine._new_cache)
        tracker = _Tracker(engine.tokenizer, options, lambda _chunk, _n: None, time.monotonic())  # stops as the app does
        draft = Draft(tokens=options.prompt_lookup, shortest=options.prompt_lookup_words,
                      ends=engine._answer_ends(options.stop_at_code_end))
        with torch.inference_mode():
            sequence = greedy(engine.model, prompt, cache, cached, max_new_tokens=options.max_new_tokens,
                              eos=set(engine._eos_ids()), repetition_penalty=options.repetition_penalty or 1.0,
                              draft=draft, on_tokens=tracker.take, one_token=engine.one_token)
        engine.prompt_cache.keep(cache, sequence)
        return prompt, tracker.ids

    def answer(kind: str, ask: str, messages, options) -> list[int]:
        engine.prefill(prompts.before_idea(messages))  # as the app reads ahead while the child types
        prompt, ids = answer_ids(messages, options)
        traces.append({"kind": kind, "ask": ask, "prompt": prompt, "answer": ids})
        print(f"recorded {kind}: {ask!r}: {len(ids)} tokens", flush=True)
        return ids

    traces: list[dict] = []
    shared = BENCH_IDEAS  # beside the repository
    kid_ideas = [json.loads(line)["idea"] for line in shared.read_text().splitlines()[:10]] if shared.exists() else []
    changes = [(ask, pet_shop()) for ask in CHANGES]
    for i, idea in enumerate(NEW_PROGRAMS + kid_ideas):
        ids = answer("new", idea, prompts.make_messages(idea), GenerateOptions(max_new_tokens=700))
        if i < len(ASKS):
            text = engine.tokenizer.decode(ids)
            changes.append((ASKS[i], extract.extract_code(text) or text))
    for ask, program in changes:
        answer("change", ask, prompts.make_messages(ask, current_program=program),
               copying(GenerateOptions(max_new_tokens=700)))
    return {"precision": precision, "traces": traces, "costs": pass_costs(engine, traces[0]["prompt"]),
            "ends": sorted(engine._answer_ends(True))}


def remeasure(data: dict) -> dict:
    """The recorded answers with this computer's (and this code's) pass costs."""
    os.environ["VIBECODE_PRECISION"] = data["precision"]
    from vibecode.lm.engine import LocalModel

    engine = LocalModel(None)
    engine.load()
    return {**data, "costs": pass_costs(engine, data["traces"][0]["prompt"])}


def pass_costs(engine, prompt: list[int]) -> dict[int, float]:
    """Seconds for one pass of r tokens after a change request's prompt (median of 5)."""
    import torch

    cache = engine._new_cache()
    costs = {}
    with torch.inference_mode():
        engine.model(input_ids=torch.tensor([prompt]), past_key_values=cache, use_cache=True, logits_to_keep=1)
        at = len(prompt)
        for rows in ROWS:
            times = []
            for _ in range(5):
                ids = torch.randint(0, 1000, (1, rows))
                started = time.perf_counter()
                fused = None
                if engine.one_token is not None:  # as the decode loop runs a pass
                    fused = engine.one_token.few(ids[0].tolist(), at, cache)
                if fused is None:
                    engine.model(input_ids=ids, past_key_values=cache, cache_position=torch.arange(at, at + rows),
                                 use_cache=True, logits_to_keep=rows)
                times.append(time.perf_counter() - started)
                cache.crop(-rows)
            costs[rows] = statistics.median(times)
    return costs


def replay(prompt: list[int], answer: list[int], first: int, growth: float, most: int, cost,
           missed: int | None = None, ends: frozenset[int] = frozenset(), shortest: int = 1) -> tuple[float, int, int]:
    """(seconds, tokens checked, passes) of greedy with drafts of ``first`` tokens that grow by ``growth``
    (up to ``most``) while the model takes them whole and start again at ``first`` when it does not (at
    ``missed`` when it took none of it), each cut after a token that ends the answer (``ends``), copied after
    a match of ``shortest`` words or more: the decode loop's own rule (``Draft.next_size``, ``Draft.find``)."""
    from vibecode.lm.decode import Draft

    draft = Draft(tokens=first, most=most, growth=growth, missed=missed, ends=ends, shortest=shortest)
    done, seconds, checked, passes, size, last_whole, last_had, kept = 1, 0.0, 0, 0, first, False, False, 0
    while done < len(answer):
        if last_had:
            size = draft.next_size(size, last_whole, kept)
        copy = draft.find(prompt + answer[:done], size) if first else []
        kept = 0
        while kept < len(copy) and done + kept < len(answer) and copy[kept] == answer[done + kept]:
            kept += 1
        last_whole, last_had = kept == len(copy), bool(copy)
        seconds += cost(1 + len(copy))
        checked += 1 + len(copy)
        passes += 1
        done += kept + 1
    return seconds, checked, passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="fast")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--load", type=Path)
    parser.add_argument("--remeasure", action="store_true", help="with --load: time the passes again here")
    args = parser.parse_args()
    data = json.loads(args.load.read_text()) if args.load else record(args.precision)
    if args.load and args.remeasure:
        data = remeasure(data)
    if args.save:
        args.save.write_text(json.dumps(data))
    costs = {int(rows): seconds for rows, seconds in data["costs"].items()}
    known = sorted(costs)
    print("pass cost: " + ", ".join(f"{r} tokens {costs[r] * 1000:.0f} ms" for r in known))

    def cost(rows: int) -> float:  # measured, linear in between (and per token beyond)
        if rows in costs:
            return costs[rows]
        i = bisect.bisect(known, rows)
        if i >= len(known):
            return costs[known[-1]] / known[-1] * rows
        a, b = known[i - 1], known[i]
        return costs[a] + (costs[b] - costs[a]) * (rows - a) / (b - a)

    firsts = (1, 2, 3, 5, 10)
    policies = [(0, 1, 0, None, 1)] + [(first, 1, first, None, 1) for first in firsts] + [
        (first, growth, most, missed, shortest) for first in firsts for growth in (1.5, 2) for most in (8, 64)
        for missed in (None, 1) for shortest in (1, 2, 3)]
    ends = frozenset(data.get("ends", ()))  # traces recorded before drafts stopped at the answer's end have none
    for kind in ("change", "new"):
        traces = [t for t in data["traces"] if t.get("kind", "change") == kind]  # early recordings: changes only
        if not traces:
            continue
        rows = []
        for first, growth, most, missed, shortest in policies:
            runs = [replay(t["prompt"], t["answer"], first, growth, most, cost, missed, ends, shortest) for t in traces]
            rows.append((sum(r[0] for r in runs), sum(r[1] for r in runs), sum(r[2] for r in runs), first, growth,
                         most, missed, shortest, runs))
        rows.sort(key=lambda row: row[:3])
        answered = sum(len(t["answer"]) for t in traces)
        print(f"\n{len(traces)} {kind} answers, {answered} tokens ({data['precision']}), the best 20 and no drafts")
        print(f"{'first':>5} {'growth':>6} {'most':>4} {'missed':>6} {'words':>5} {'seconds':>8} {'checked':>8} "
              f"{'passes':>6}  per answer (s)")
        for seconds, checked, passes, first, growth, most, missed, shortest, runs in rows[:20] + [
                row for row in rows if row[3] == 0]:
            label = ("no drafts" if first == 0 else
                     f"{first:>5} {growth:>6} {most:>4} {'-' if missed is None else missed:>6} {shortest:>5}")
            print(f"{label:>30} {seconds:8.2f} {checked:8d} {passes:6d}  " + " ".join(f"{r[0]:.2f}" for r in runs))


if __name__ == "__main__":
    main()
