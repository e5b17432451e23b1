"""Small parts of the runner: output cleaning, teaching lint, verdict words, probe, seccomp filter."""

from __future__ import annotations

import re
import sys

import pytest

from sandbox import MESSAGES, Verdict, lint, probe
from sandbox.clean import OutputCleaner, clean_text
from sandbox.verdicts import Outcome, judge

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _feed(chunks: list[bytes]) -> str:
    cleaner = OutputCleaner()
    return "".join(cleaner.feed(c) for c in chunks) + cleaner.flush()


def test_escape_sequences_are_removed_even_when_split_across_chunks() -> None:
    data = b"a\x1b[31mred\x1b[0m b\x1b]0;title\x07c\x1b]52;c;aGk=\x1b\\d\x1bPdcs\x1b\\e\x1b(0f\x1b7g"
    whole = _feed([data])
    assert whole == "ared bcdefg"
    for cut in range(1, len(data)):
        assert _feed([data[:cut], data[cut:]]) == whole, cut


def test_carriage_returns_bells_c1_and_bidi_are_neutralised() -> None:
    text = _feed(["over\rwrite\r\nline\x07 \x9b2J \u202eevil\u202c x\x08y".encode()])
    assert not CONTROL.search(text)
    assert text == "over\nwrite\nline  evil xy"  # "\x9b2J" is a whole 8-bit CSI sequence
    assert _feed([b"a\r", b"\nb"]) == "a\nb"


def test_bad_utf8_never_crashes_and_split_characters_survive() -> None:
    emoji = "🍋".encode()
    assert _feed([b"x" + emoji[:2], emoji[2:] + b"y"]) == "x🍋y"
    assert _feed([b"\xff\xfe ok \xc3("]) == "\ufffd\ufffd ok \ufffd("


def test_an_unfinished_sequence_is_not_held_forever() -> None:
    cleaner = OutputCleaner()
    out = cleaner.feed(b"start \x1b]0;" + b"x" * 10000)
    out += cleaner.feed(b" more\n")
    assert out.startswith("start ") and out.endswith("more\n")
    assert "\x1b" not in out


def test_clean_text_keeps_ordinary_text() -> None:
    assert clean_text("Hello, world!\n\tTab ok [bold]not markup[/bold]") == "Hello, world!\n\tTab ok [bold]not markup[/bold]"


def test_lint_explains_imports_kids_do_not_need() -> None:
    notes = lint("import os, random\nimport socket\nfrom subprocess import run\nprint(eval('1+1'))\n")
    kinds = {(n.module, n.kind) for n in notes}
    assert ("os", "files") in kinds and ("socket", "network") in kinds and ("subprocess", "program") in kinds
    assert ("eval", "tricky") in kinds
    assert not any(n.module == "random" for n in notes)
    socket_note = next(n for n in notes if n.module == "socket")
    assert socket_note.line == 2 and "internet" in socket_note.message
    assert lint("print('hi'\n") == []
    outside = lint("data = open('/etc/passwd').read()\nmine = open('notes.txt')\n")
    assert [(n.line, n.kind) for n in outside] == [(1, "files")] and "notes.txt" in outside[0].message
    assert lint("import random\nprint(random.randint(1, 6))\n") == []


def test_every_verdict_has_plain_words() -> None:
    jargon = re.compile(r"SIG[A-Z]+|errno|seccomp|landlock|rlimit|traceback|exception|stderr|stdout", re.I)
    for verdict in Verdict:
        message = MESSAGES[verdict]
        assert message and message[0].isupper() and message.endswith((".", "!"))
        assert not jargon.search(message), verdict
        assert max(len(s.split()) for s in re.split(r"[.!?]", message)) <= 25, verdict


def _outcome(**kw) -> Outcome:
    base = dict(exit_code=1, killed_for=None, error=None, tried=[], input_closed=False, cpu_seconds=0.1,
                cpu_limit=5.0, refused=None)
    base.update(kw)
    return Outcome(**base)


def test_judge_maps_what_happened_to_verdicts() -> None:
    assert judge(_outcome(exit_code=-24)).verdict is Verdict.TOO_MUCH_THINKING
    assert judge(_outcome(exit_code=-9, cpu_seconds=5.0)).verdict is Verdict.TOO_MUCH_THINKING
    assert judge(_outcome(exit_code=-11)).verdict is Verdict.CRASHED
    assert judge(_outcome(exit_code=-9, killed_for=Verdict.TOO_LONG)).verdict is Verdict.TOO_LONG
    assert judge(_outcome(refused="Landlock: no")).verdict is Verdict.NOT_PROTECTED
    assert judge(_outcome(error={"type": "MemoryError"})).verdict is Verdict.TOO_MUCH_MEMORY
    assert judge(_outcome(error={"type": "RecursionError"})).verdict is Verdict.TOO_DEEP
    eof = judge(_outcome(error={"type": "EOFError"}, input_closed=True))
    assert eof.verdict is Verdict.NEEDED_INPUT and eof.ran_out_of_input
    assert judge(_outcome(error={"type": "PermissionError", "errno": 1, "oserror": True, "where": "socket.py"})
                 ).verdict is Verdict.NETWORK
    assert judge(_outcome(error={"type": "PermissionError", "errno": 13, "filename": "/etc/passwd",
                                 "oserror": True}, outside=True)).verdict is Verdict.FILE_OUTSIDE
    assert judge(_outcome(error={"type": "PermissionError", "errno": 13, "filename": "mine.txt",
                                 "oserror": True}, outside=False)).verdict is Verdict.MISTAKE
    assert judge(_outcome(exit_code=0, tried=["program"])).verdict is Verdict.OTHER_PROGRAM
    assert judge(_outcome(exit_code=0)).verdict is Verdict.OK
    exit3 = judge(_outcome(exit_code=3))
    assert exit3.verdict is Verdict.MISTAKE and "3" in exit3.message
    denied = judge(_outcome(error={"type": "PermissionError", "errno": 1, "filename": "d", "oserror": True,
                                   "where": None, "line": 3}))
    assert denied.verdict is Verdict.MISTAKE and "line 3" in denied.message and "None" not in denied.message
    name = judge(_outcome(error={"type": "NameError", "message": "name 'pricee' is not defined", "line": 4}))
    assert "line 4" in name.message and "pricee" in name.message


def test_probe_summary_is_short_and_honest() -> None:
    protections = probe()
    summary = protections.summary()
    assert summary.split() == ["time", "✓", "memory", protections.memory and "✓" or "✗", "files",
                               protections.files and "✓" or "✗", "internet", protections.internet and "✓" or "✗",
                               "other", "programs", protections.other_programs and "✓" or "✗"]
    if not protections.protected:
        assert protections.missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp and Landlock are Linux features")
def test_linux_probe_matches_the_kernel() -> None:
    from sandbox import _boot
    from sandbox.seccomp import build_filter

    protections = probe()
    assert protections.landlock_abi == _boot.landlock_abi()
    if protections.seccomp:
        bpf = build_filter()
        assert len(bpf) % 8 == 0 and len(bpf) // 8 > 20


def test_unprotected_linux_refuses_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever this machine has, a Linux without the protections never runs the program."""
    import sandbox.runner as runner
    from sandbox import run_program
    from sandbox.probe import Protections

    bare = Protections(platform="linux", time=True, memory=True, files=False, internet=False, other_programs=False,
                       missing=("Files are not protected: this Linux has no Landlock.",))
    monkeypatch.setattr(runner, "probe", lambda: bare)
    result = run_program("open('ran.txt', 'w').write('ran')\nprint('ran')\n")
    assert result.verdict is Verdict.NOT_PROTECTED
    assert "no Landlock" in result.message and result.output == "" and result.files == {}
