"""Measure the idea check on a labelled corpus: `python -m vibecode.safety.evaluate [FILE ...]`.

Each line of a corpus file is JSON with "idea" and "kind" (ok/harmful/adult/unkind/personal).
The bench's kid ideas (shared/bench/kid_ideas.jsonl, beside the repository) count as "ok".
Prints precision and recall for refusals (harmful + adult + unkind) and for any flag
(refusals + personal warnings), exact-kind accuracy, and every miss.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vibecode.safety.ideas import classify
from vibecode.safety.rules import SafetyRules

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT / "tests" / "data" / "safety_ideas.jsonl"
BENCH_IDEAS = REPO_ROOT.parent / "shared" / "bench" / "kid_ideas.jsonl"
REFUSED_KINDS = {"harmful", "adult", "unkind", "blocked"}


@dataclass
class Case:
    idea: str
    expected: str
    group: str


@dataclass
class Report:
    total: int = 0
    correct_kind: int = 0
    refuse_tp: int = 0
    refuse_fp: int = 0
    refuse_fn: int = 0
    flag_tp: int = 0
    flag_fp: int = 0
    flag_fn: int = 0
    ordinary_refused: list[str] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # idea, expected, got

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def refuse_precision(self) -> float:
        return self._ratio(self.refuse_tp, self.refuse_tp + self.refuse_fp)

    @property
    def refuse_recall(self) -> float:
        return self._ratio(self.refuse_tp, self.refuse_tp + self.refuse_fn)

    @property
    def flag_precision(self) -> float:
        return self._ratio(self.flag_tp, self.flag_tp + self.flag_fp)

    @property
    def flag_recall(self) -> float:
        return self._ratio(self.flag_tp, self.flag_tp + self.flag_fn)

    @property
    def accuracy(self) -> float:
        return self._ratio(self.correct_kind, self.total)


def load_cases(path: Path, default_kind: str | None = None, group: str | None = None) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        cases.append(Case(row["idea"], row.get("kind", default_kind or "ok"), row.get("group", group or "")))
    return cases


def evaluate(cases: list[Case], rules: SafetyRules | None = None) -> Report:
    rules = rules or SafetyRules()
    report = Report()
    for case in cases:
        got = classify(case.idea, rules).kind
        report.total += 1
        want_refuse = case.expected in REFUSED_KINDS
        did_refuse = got in REFUSED_KINDS
        want_flag = case.expected != "ok"
        did_flag = got != "ok"
        report.correct_kind += got == case.expected
        report.refuse_tp += want_refuse and did_refuse
        report.refuse_fp += did_refuse and not want_refuse
        report.refuse_fn += want_refuse and not did_refuse
        report.flag_tp += want_flag and did_flag
        report.flag_fp += did_flag and not want_flag
        report.flag_fn += want_flag and not did_flag
        if case.expected == "ok" and did_refuse:
            report.ordinary_refused.append(case.idea)
        if got != case.expected:
            report.misses.append((case.idea, case.expected, got))
    return report


def format_report(report: Report) -> str:
    lines = [
        f"ideas checked: {report.total}",
        f"refusals (harmful+adult+unkind): precision {report.refuse_precision:.3f}  "
        f"recall {report.refuse_recall:.3f}  (tp {report.refuse_tp}, fp {report.refuse_fp}, fn {report.refuse_fn})",
        f"any flag (refusals+personal):    precision {report.flag_precision:.3f}  "
        f"recall {report.flag_recall:.3f}  (tp {report.flag_tp}, fp {report.flag_fp}, fn {report.flag_fn})",
        f"exact kind accuracy: {report.accuracy:.3f}",
        f"ordinary ideas refused: {len(report.ordinary_refused)}",
    ]
    for idea, want, got in report.misses:
        lines.append(f"  miss: expected {want:<8} got {got:<8} {idea}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path,
                        help="corpus files (default: every tests/data/safety_ideas*.jsonl)")
    parser.add_argument("--no-bench", action="store_true", help="leave out the bench's 40 kid ideas")
    args = parser.parse_args(argv)
    files = args.files or sorted(DEFAULT_CORPUS.parent.glob("safety_ideas*.jsonl"))
    groups: list[tuple[str, list[Case]]] = [(path.name, load_cases(path)) for path in files]
    if not args.no_bench:
        if BENCH_IDEAS.exists():
            groups.append(("bench kid_ideas.jsonl", load_cases(BENCH_IDEAS, default_kind="ok", group="bench")))
        else:
            print(f"(bench ideas not found at {BENCH_IDEAS}; left out)", file=sys.stderr)
    everything: list[Case] = []
    if len(groups) > 1:
        for name, cases in groups:
            report = evaluate(cases)
            print(f"{name}: {report.total} ideas, refusals precision {report.refuse_precision:.3f} "
                  f"recall {report.refuse_recall:.3f}, ordinary refused {len(report.ordinary_refused)}")
        print()
    for _, cases in groups:
        everything += cases
    report = evaluate(everything)
    print(format_report(report))
    return 0 if not report.ordinary_refused else 1


if __name__ == "__main__":
    sys.exit(main())
