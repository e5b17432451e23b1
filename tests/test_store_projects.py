"""ProjectStore on real SQLite (in the per-test VIBECODE_HOME): timeline, chat, usage, threads, kills."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from vibecode.store.db import connect, default_db_path
from vibecode.store.projects import (
    KINDS,
    ProjectNotFound,
    ProjectStore,
    clean_name,
    iter_branch_tips,
    name_from_idea,
    summary_for,
)


@pytest.fixture
def store():
    s = ProjectStore()
    yield s
    s.close()


def test_create_get_list_rename(store):
    a = store.create_project("Lemonade stand", owner="Mia", idea="a lemonade stand")
    b = store.create_project("Piggy bank", owner="Leo")
    assert store.get(a.id) == a
    assert a.owner == "Mia" and a.idea == "a lemonade stand" and a.current_checkpoint_id is None
    assert store.get(9999) is None
    assert {p.id for p in store.list_projects()} == {a.id, b.id}
    assert [p.id for p in store.list_projects(owner="Mia")] == [a.id]
    assert [p.id for p in store.list_projects(owner="mia")] == [a.id]  # capitals do not matter
    renamed = store.rename(a.id, "  Super\nlemonade   stand ")
    assert renamed.name == "Super lemonade stand"
    # most recently changed first
    assert store.list_projects()[0].id == a.id
    assert store.list_projects(limit=1) == [store.get(a.id)]
    assert set(store.owners()) == {"Mia", "Leo"}


def test_delete_goes_to_the_bin_and_comes_back(store):
    p = store.create_project("Shop")
    store.add_checkpoint(p.id, "print('shop')", "You started: a shop", "start")
    store.delete(p.id)
    assert store.list_projects() == []
    assert [d.id for d in store.deleted_projects()] == [p.id]
    assert store.current(p.id).program == "print('shop')"  # nothing lost
    store.undelete(p.id)
    assert [x.id for x in store.list_projects()] == [p.id]
    store.purge(p.id)
    assert store.get(p.id) is None and store.checkpoints(p.id) == []


def test_checkpoints_undo_redo(store):
    p = store.create_project("Cookies")
    assert store.current(p.id) is None
    assert store.undo(p.id) is None and store.redo(p.id) is None
    c1 = store.add_checkpoint(p.id, "v1", summary_for("start", "a cookie shop"), "start")
    c2 = store.add_checkpoint(p.id, "v2", summary_for("ai", "make cookies cheaper on Fridays"), "ai")
    c3 = store.add_checkpoint(p.id, "v3", None, "edit")
    assert c1.parent_id is None and c2.parent_id == c1.id and c3.parent_id == c2.id
    assert [c.number for c in store.checkpoints(p.id)] == [1, 2, 3]
    assert c2.summary == "You asked: make cookies cheaper on Fridays"
    assert c3.summary == "You changed the code"
    assert store.current(p.id) == c3
    assert store.can_undo(p.id) and not store.can_redo(p.id)

    assert store.undo(p.id) == c2
    assert store.undo(p.id) == c1
    assert store.undo(p.id) is None  # at the start: stays put
    assert store.current(p.id) == c1 and not store.can_undo(p.id)
    assert store.redo(p.id) == c2
    assert store.redo(p.id) == c3
    assert store.redo(p.id) is None
    assert store.current(p.id) == c3
    assert store.get(p.id).current_checkpoint_id == c3.id


def test_new_checkpoint_after_undo_keeps_the_old_branch(store):
    p = store.create_project("Quiz")
    a = store.add_checkpoint(p.id, "A", None, "start")
    b = store.add_checkpoint(p.id, "B", None, "ai")
    c = store.add_checkpoint(p.id, "C", None, "ai")
    store.undo(p.id)
    store.undo(p.id)
    d = store.add_checkpoint(p.id, "D", None, "edit")  # new branch from A
    assert d.parent_id == a.id
    # nothing dropped: B and C are still there and listed
    assert [x.program for x in store.checkpoints(p.id)] == ["A", "B", "C", "D"]
    assert [x.program for x in store.history(p.id)] == ["A", "D"]
    assert {x.program for x in iter_branch_tips(store.checkpoints(p.id))} == {"C", "D"}
    assert store.redo(p.id) is None  # D is a tip
    assert store.undo(p.id) == a
    assert store.redo(p.id) == d  # redo follows the branch visited last
    # the old branch is reachable with restore, which copies it into a new checkpoint
    r = store.restore(p.id, c.id)
    assert r.program == "C" and r.kind == "restore" and r.restored_from == c.id
    assert r.parent_id == d.id and r.number == 5
    assert r.summary == "Went back to: " + c.summary
    assert store.current(p.id) == r
    assert store.undo(p.id) == d  # undo after restore returns to where the child was
    assert store.redo(p.id) == r
    # restoring a restore does not stack "Went back to: Went back to: ..."
    r2 = store.restore(p.id, r.id)
    assert r2.summary == "Went back to: " + c.summary
    assert store.checkpoint(b.id).program == "B"


def test_restore_checks_the_project(store):
    p = store.create_project("One")
    q = store.create_project("Two")
    cp = store.add_checkpoint(q.id, "x", None, "start")
    with pytest.raises(ProjectNotFound):
        store.restore(p.id, cp.id)
    with pytest.raises(ProjectNotFound):
        store.add_checkpoint(12345, "x", None, "ai")
    with pytest.raises(ValueError):
        store.add_checkpoint(p.id, "x", None, "magic")


def test_only_if_changed_and_summary_is_one_line(store):
    p = store.create_project("Dice")
    first = store.add_checkpoint(p.id, "roll()", "You started:\n   dice  game", "start")
    assert first.summary == "You started: dice game"
    same = store.add_checkpoint(p.id, "roll()", None, "edit", only_if_changed=True)
    assert same == first and len(store.checkpoints(p.id)) == 1
    long = store.add_checkpoint(p.id, "roll(2)", summary_for("ai", "x" * 500), "ai")
    assert len(long.summary) <= 120 and long.summary.endswith("…")
    assert all(summary_for(kind, "hi") for kind in KINDS)
    assert summary_for("fix") == "Help me fix it"


def test_draft_survives_and_is_cleared_by_a_checkpoint(store):
    p = store.create_project("Pet")
    assert store.draft(p.id) is None
    store.save_draft(p.id, "print('half typed")
    assert ProjectStore().draft(p.id) == "print('half typed"  # a second connection sees it
    store.add_checkpoint(p.id, "print('done')", None, "edit")
    assert store.draft(p.id) is None


def test_messages_and_usage(store):
    p = store.create_project("Joke")
    q = store.create_project("Other")
    store.add_message(p.id, "user", "tell me a joke")
    store.add_message(p.id, "assistant", "Here is a joke program!")
    store.add_message(q.id, "user", "elsewhere")
    msgs = store.messages(p.id)
    assert [(m.role, m.text) for m in msgs] == [("user", "tell me a joke"), ("assistant", "Here is a joke program!")]
    assert [m.text for m in store.messages(p.id, limit=1)] == ["Here is a joke program!"]
    with pytest.raises(ValueError):
        store.add_message(p.id, " ", "x")
    assert store.usage(p.id).calls == 0
    store.add_usage(p.id, 300, 120, 4.5)
    store.add_usage(p.id, 200, 80, 2.5)
    store.add_usage(q.id, 10, 5, 1.0)
    u = store.usage(p.id)
    assert (u.prompt_tokens, u.completion_tokens, u.seconds, u.calls) == (500, 200, 7.0, 2)
    assert u.total_tokens == 700
    assert store.usage().calls == 3


def test_unique_name(store):
    store.create_project("Shop", owner="Mia")
    store.create_project("Shop 2", owner="Mia")
    store.create_project("Shop", owner="Leo")
    assert store.unique_name("shop", owner="Mia") == "shop 3"
    assert store.unique_name("Pet", owner="Mia") == "Pet"
    assert clean_name("   ") == "My project"


@pytest.mark.parametrize(
    ("idea", "name"),
    [
        ("make a lemonade stand game where I pick the price and see how many cups I sell", "Lemonade stand game"),
        ("a piggy bank that adds coins and shows my savings", "Piggy bank"),
        ("tell me a random joke when I press enter", "Random joke"),
        ("a dog walking business calculator: how much I earn", "Dog walking business calculator"),
        ("I want to make a lemonade stand", "Lemonade stand"),
        ("rock paper scissors against the computer", "Rock paper scissors"),
        ("show how my money grows in a bank", "Show how my money grows"),
        ("", "My project"),
        ("please!!!", "My project"),
    ],
)
def test_name_from_idea(idea, name):
    assert name_from_idea(idea) == name


def test_name_from_idea_is_short_and_safe():
    name = name_from_idea("<b>super</b> " + "wonderful " * 50)
    assert len(name) <= 40 and "<" not in name and ">" not in name


def test_threads_share_one_store(store):
    shared = store.create_project("Shared")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            own = store.create_project(f"Thread {n}")
            for i in range(30):
                store.add_checkpoint(own.id, f"print({n}, {i})", None, "edit")
                store.add_message(shared.id, "user", f"{n}:{i}")
                store.add_usage(shared.id, 1, 1, 0.0)
                if i % 10 == 9:
                    store.undo(own.id)
                    store.redo(own.id)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.messages(shared.id)) == 180
    assert store.usage(shared.id).calls == 180
    for project in store.list_projects(limit=None):
        if project.name.startswith("Thread"):
            cps = store.checkpoints(project.id)
            assert [c.number for c in cps] == list(range(1, 31))
            assert store.current(project.id) == cps[-1]


KILL_WRITER = textwrap.dedent(
    """
    import sys
    from vibecode.store.projects import ProjectStore
    store = ProjectStore()
    p = store.create_project("Survivor", owner="Kim")
    print("project", p.id, flush=True)
    i = 0
    while True:
        cp = store.add_checkpoint(p.id, "print(%d)" % i, "You asked: step %d" % i, "ai")
        print("checkpoint", cp.id, i, flush=True)
        m = store.add_message(p.id, "user", "message %d" % i)
        print("message", m.id, i, flush=True)
        i += 1
    """
)


def test_kill_minus_9_loses_nothing_committed():
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_WRITER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    seen: list[list[str]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.split())
            if len(seen) >= 61:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    project_id = int(seen[0][1])
    reported_cps = {int(parts[1]): int(parts[2]) for parts in seen if parts[0] == "checkpoint"}
    reported_msgs = {int(parts[1]) for parts in seen if parts[0] == "message"}
    assert len(reported_cps) >= 30

    conn = connect()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = ProjectStore(conn)
    project = store.get(project_id)
    assert project is not None and project.owner == "Kim"
    saved = {c.id: c for c in store.checkpoints(project_id)}
    for cp_id, i in reported_cps.items():
        assert saved[cp_id].program == f"print({i})"
        assert saved[cp_id].summary == f"You asked: step {i}"
    assert reported_msgs <= {m.id for m in store.messages(project_id)}
    # the current pointer points at a real checkpoint, at least as new as the last one reported
    current = store.current(project_id)
    assert current is not None and current.id >= max(reported_cps)
    store.close()


def test_a_second_store_sees_every_write_at_once(store):
    other = ProjectStore(sqlite3.connect(default_db_path(), check_same_thread=False))  # plain connection
    p = store.create_project("Live")
    cp = store.add_checkpoint(p.id, "x = 1", None, "start")
    assert other.current(p.id) == cp
    store.undo(p.id)  # nothing to undo: still there
    assert other.current(p.id) == cp
    other.close()


TWO_WRITERS = textwrap.dedent(
    """
    import sys
    from vibecode.store.projects import ProjectStore
    store = ProjectStore()
    project_id, tag = int(sys.argv[1]), sys.argv[2]
    for i in range(40):
        store.add_checkpoint(project_id, "%s %d" % (tag, i), None, "edit")
        store.add_message(project_id, "user", "%s %d" % (tag, i))
    """
)


def test_two_processes_writing_the_same_project(store):
    p = store.create_project("Busy")
    procs = [
        subprocess.Popen([sys.executable, "-c", TWO_WRITERS, str(p.id), tag], env=os.environ.copy())
        for tag in ("left", "right")
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    cps = store.checkpoints(p.id)
    assert len(cps) == 80
    assert sorted(c.number for c in cps) == list(range(1, 81))  # no step number given twice
    # every step was built on the one current when it was made: one unbroken line
    assert len(store.history(p.id)) == 80
    assert len(store.messages(p.id)) == 80
