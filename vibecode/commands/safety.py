"""`vibecode safety ...`: the teacher's tools for the safety layer.

  vibecode safety check FILE     is my class's safety file written right?
  vibecode safety log            which ideas were turned down (if the log is on)
  vibecode safety example        print an example safety file to start from
  vibecode safety where          where vibecode looks for the class's safety file
  vibecode safety try "IDEA"     what would a child see for this idea?
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "safety",
        help="teacher tools: check the class safety file, see turned-down ideas",
        description="Teacher tools for vibecode's safety layer.",
    )
    sub = parser.add_subparsers(dest="safety_command", metavar="ACTION")

    check = sub.add_parser("check", help="check a class safety file (TOML) for mistakes")
    check.add_argument("file", nargs="?", help="the file to check (default: the class's safety.toml)")
    check.set_defaults(func=_check)

    log = sub.add_parser("log", help="show ideas that were turned down (when the log is on)")
    log.add_argument("--days", type=int, default=None, help="only the last N days")
    log.add_argument("--clear", action="store_true", help="delete the whole log")
    log.set_defaults(func=_log)

    example = sub.add_parser("example", help="print an example safety file to start from")
    example.set_defaults(func=_example)

    where = sub.add_parser("where", help="show where the class safety file goes")
    where.set_defaults(func=_where)

    trial = sub.add_parser("try", help="show what a child would see for an idea")
    trial.add_argument("idea", nargs="+", help="the idea, in quotes")
    trial.set_defaults(func=_try)

    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _check(args: argparse.Namespace) -> int:
    from vibecode.safety.rules import RulesError, default_rules_path, load_rules

    path = args.file or str(default_rules_path())
    try:
        rules = load_rules(path)
    except RulesError as error:
        count = len(error.problems)
        print(f"Found {count} thing{'s' if count != 1 else ''} to fix:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        print("Fix these, then run the check again. Until then vibecode uses only its built-in rules.",
              file=sys.stderr)
        return 1
    name = f" for {rules.class_name}" if rules.class_name else ""
    print(f"{path}: looks good{name}.")
    print(f"  blocked words: {len(rules.blocked_words)}   allowed words: {len(rules.allowed_words)}")
    print(f"  blocked topics: {len(rules.blocked_topics)}   allowed topics: {len(rules.allowed_topics)}")
    if rules.log_flagged:
        print(f"  turned-down ideas are kept for the teacher for {rules.keep_days} days")
    else:
        print("  the log of turned-down ideas is off")
    return 0


def _log(args: argparse.Namespace) -> int:
    import datetime

    from vibecode.safety.log import clear_flags, read_flags
    from vibecode.safety.rules import active_rules

    if args.clear:
        gone = clear_flags()
        print(f"Deleted {gone} entr{'ies' if gone != 1 else 'y'} from the log.")
        return 0
    rules = active_rules()
    keep = rules.keep_days
    if args.days is not None:
        if args.days < 1:
            print("--days must be 1 or more.", file=sys.stderr)
            return 2
        keep = min(keep, args.days) if rules.log_flagged else args.days
    flags = read_flags(keep_days=rules.keep_days)
    cutoff = datetime.datetime.now().timestamp() - keep * 86_400
    flags = [f for f in flags if f.created >= cutoff]
    if not rules.log_flagged:
        print("The log of turned-down ideas is off. To turn it on, put this in the class safety file:")
        print("  [log]\n  flagged_ideas = true\n  keep_days = 30")
    if not flags:
        print("No turned-down ideas in the log.")
        return 0
    print(f"Turned-down ideas (last {keep} days, newest first):")
    for flag in flags:
        when = datetime.datetime.fromtimestamp(flag.created).strftime("%Y-%m-%d %H:%M")
        reason = flag.kind + (f"/{flag.category}" if flag.category else "")
        print(f"  {when}  {reason:<22} {flag.idea}")
    return 0


def _example(args: argparse.Namespace) -> int:
    from vibecode.safety.rules import EXAMPLE

    print(EXAMPLE, end="")
    return 0


def _where(args: argparse.Namespace) -> int:
    from vibecode.safety.rules import default_rules_path

    path = default_rules_path()
    state = "exists" if path.exists() else "not there yet; start from `vibecode safety example`"
    print(f"{path}  ({state})")
    return 0


def _try(args: argparse.Namespace) -> int:
    from vibecode.safety.ideas import classify
    from vibecode.safety.rules import active_rules

    idea = " ".join(args.idea)
    result = classify(idea, active_rules())  # a trial: never written to the log
    print(f"kind: {result.kind}" + (f" ({result.category})" if result.category else ""))
    print(f"allowed: {'yes' if result.allowed else 'no'}")
    if result.message:
        print(f"the child sees: {result.message}")
    return 0
