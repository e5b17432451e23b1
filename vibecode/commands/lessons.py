"""``vibecode lessons``: list, check and create lessons (for teachers)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lessons", help="list, check or create lessons (for teachers)")
    sub = parser.add_subparsers(dest="lessons_command", metavar="ACTION")

    listing = sub.add_parser("list", help="show the lessons this computer has, and any that are broken")
    listing.add_argument("--dir", action="append", default=[], help="also look in this lesson folder")
    listing.set_defaults(func=_list)

    check = sub.add_parser("check", help="check lesson files: every problem with its file, line and field")
    check.add_argument("paths", nargs="*", type=Path, help="a lesson folder, or a folder of lessons (default: all)")
    check.add_argument("--quick", action="store_true", help="only read the files; don't run the reference solutions")
    check.set_defaults(func=_check)

    new = sub.add_parser("new", help="make a new lesson folder with every field explained")
    new.add_argument("name", help="the lesson's name, e.g. \"Cake stall\"")
    new.add_argument("--dir", type=Path, default=Path("."), help="where to make it (default: here)")
    new.set_defaults(func=_new)

    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])


def _settings_dirs() -> list[str]:
    try:
        from vibecode.settings import load_settings

        return list(load_settings().lesson_dirs)
    except Exception:
        return []


def _list(args: argparse.Namespace) -> int:
    from vibecode.lessons.loader import load_library

    library = load_library(_settings_dirs() + list(args.dir))
    for lesson in library.lessons:
        print(f"{lesson.id:<28} {lesson.title}  (ages {lesson.ages_text}, {len(lesson.steps)} steps) — {lesson.concept}")
    if not library.lessons:
        print("No lessons found.")
    for broken in library.broken:
        print(f"\nBROKEN (skipped): {broken.folder}")
        for problem in broken.problems[:5]:
            print(f"  {problem}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from vibecode.lessons.loader import builtin_lessons_dir
    from vibecode.lessons.validate import check_path

    paths = list(args.paths) or [builtin_lessons_dir()] + [Path(d) for d in _settings_dirs()]
    errors = warnings = good = 0
    for path in paths:
        for result in check_path(path, run_solutions=not args.quick):
            name = result.lesson.title if result.lesson else result.folder.name
            mark = "ok " if result.ok else "BAD"
            print(f"{mark} {result.folder}  ({name})")
            for problem in result.problems:
                label = "error" if problem.severity == "error" else "note"
                print(f"    {label}: {problem}")
            errors += len(result.errors)
            warnings += len(result.problems) - len(result.errors)
            good += result.ok
    print(f"\n{good} lesson(s) fine, {errors} error(s), {warnings} note(s).")
    return 1 if errors else 0


def _new(args: argparse.Namespace) -> int:
    from vibecode.lessons.scaffold import create_lesson

    try:
        folder = create_lesson(args.dir, args.name)
    except FileExistsError as exc:
        print(f"There is already a folder {exc}. Choose another name.")
        return 1
    print(f"Made {folder}/lesson.toml and solution.py.")
    print(f"Edit them, then run: vibecode lessons check {folder}")
    return 0
