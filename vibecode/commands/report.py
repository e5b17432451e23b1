"""``vibecode report``: the class progress table, from this computer or several."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="class progress for teachers, as CSV and HTML (merges several computers)",
        description="Collect the vibecode.sqlite3 files from each computer, then: "
                    "vibecode report room/*.sqlite3 --csv class.csv --html class.html",
    )
    parser.add_argument("databases", nargs="*", type=Path,
                        help="database files to merge (default: this computer's)")
    parser.add_argument("--csv", type=Path, help="write the table as a CSV file here")
    parser.add_argument("--html", type=Path, help="write a page to open in a browser here")
    parser.add_argument("--lessons", action="append", default=[], help="also read lessons from this folder")
    parser.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from vibecode.lessons.report import build_report, to_csv, to_html, to_text
    from vibecode.store.db import default_db_path

    databases = list(args.databases) or [default_db_path()]
    missing = [d for d in databases if not d.is_file()]
    for path in missing:
        print(f"Skipping {path}: there is no such file.")
    databases = [d for d in databases if d.is_file()]
    if not databases:
        print("No progress found yet: nobody has done a lesson on this computer.")
        return 0 if not args.databases else 1
    try:
        from vibecode.settings import load_settings

        dirs = list(load_settings().lesson_dirs) + list(args.lessons)
    except Exception:
        dirs = list(args.lessons)
    rows = build_report(databases, dirs)
    print(to_text(rows))
    if args.csv:
        args.csv.write_text(to_csv(rows), encoding="utf-8")
        print(f"\nWrote {args.csv}")
    if args.html:
        args.html.write_text(to_html(rows), encoding="utf-8")
        print(f"Wrote {args.html}")
    return 0
