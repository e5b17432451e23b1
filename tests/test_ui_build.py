"""Pilot tests of the build screen: idea -> program -> run -> answer input() -> verdict, changes,
undo/redo/restore, edits, Stop, Help me fix it, explain, the puzzle.

Unless a docstring says otherwise, the model is the FAKE ScriptedBackend (canned answers through the
real Backend interface and the real Maker); the sandbox, the SQLite store and Textual are real.
"""

from __future__ import annotations

from e2e.ui_support import (
    BROKEN, FIXED, GREETING, LEMONADE, THANKS, answer, chat_texts, make_app, run_and_wait_question,
    scripted, start_from_home, type_idea, wait_for, wait_model_idle, wait_run_done,
)

SIZE = (120, 36)


async def test_idea_to_program_to_run_with_input():
    """FAKE model. The whole first minute: idea on the home screen, the program streams into the
    editor with a progress line, Run, the program asks a question, the answer goes to input(), and
    the friendly verdict shows. Everything is saved in the store."""
    backend = scripted([answer("Here is a greeting program.", GREETING)], delay=0.05, chunk_chars=2)
    app = make_app(backend)
    seen_progress = []
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#new-idea").value = "a program that says hello to me"
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen")
        screen = app.screen
        progress = screen.query_one("#progress")
        while screen.job is not None:
            seen_progress.append((bool(progress.display), screen.editor.text))
            await pilot.pause(0.02)
        assert any(shown for shown, _ in seen_progress), "a progress line shows while the model writes"
        partial = [text for _, text in seen_progress if text and text != GREETING]
        assert partial and GREETING.startswith(partial[0]), "the program streams into the editor"
        assert screen.editor.text == GREETING
        assert "Here is a greeting program." in chat_texts(screen)[-1]

        await run_and_wait_question(pilot)
        assert app.focused.id == "stdin"
        await pilot.press("A", "d", "a", "enter")  # real key presses into the answer line
        await wait_run_done(pilot)
        output = screen.run_panel.output_text
        assert "What is your name? Ada" in output
        assert "Hello Ada!" in output
        assert screen.last_result.ok
        assert "-ok" in screen.query_one("#verdict").classes

        store = app.services.store
        [checkpoint] = store.checkpoints(screen.project_id)
        assert checkpoint.kind == "ai" and checkpoint.program == GREETING
        assert checkpoint.summary.startswith("You asked: a program that says hello")
        assert [m.role for m in store.messages(screen.project_id)] == ["user", "assistant"]
        assert store.usage(screen.project_id).completion_tokens > 0


async def test_change_by_chat_sends_the_current_program():
    """FAKE model. A second message changes the program; the model saw the current program and the
    conversation, and the timeline gets a second checkpoint with the child's words."""
    backend = scripted([answer("Hi!", GREETING), answer("Now it says thank you.", THANKS)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await type_idea(pilot, "make it also say thank you")
        await wait_model_idle(pilot)
        assert screen.editor.text == THANKS
        prompt = "\n".join(m.content for m in backend.calls[-1])
        assert "make it also say thank you" in prompt
        assert 'input("What is your name? ")' in prompt  # the current program went to the model
        summaries = [cp.summary for cp in app.services.store.checkpoints(screen.project_id)]
        assert summaries == ["You asked: say hello", "You asked: make it also say thank you"]


async def test_undo_redo_and_restore():
    """FAKE model. Ctrl+Z / Ctrl+Y move through the timeline; Enter on an old checkpoint restores it
    as a new checkpoint (nothing is lost)."""
    backend = scripted([answer("Hi!", GREETING), answer("Thanks added.", THANKS)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await type_idea(pilot, "also say thank you")
        await wait_model_idle(pilot)
        await pilot.press("ctrl+z")
        assert screen.editor.text == GREETING
        await pilot.press("ctrl+y")
        assert screen.editor.text == THANKS
        await pilot.press("ctrl+y")  # nothing more to redo: a kind note, no change
        assert screen.editor.text == THANKS

        timeline = screen.query_one("#checkpoints")
        timeline.focus()
        timeline.index = 0
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert screen.editor.text == GREETING
        store = app.services.store
        kinds = [cp.kind for cp in store.checkpoints(screen.project_id)]
        assert kinds == ["ai", "ai", "restore"]
        await pilot.press("ctrl+z")  # undo the restore: back where the child was
        assert screen.editor.text == THANKS


async def test_edit_then_run():
    """FAKE model. The child types in the editor; Run uses the edited program and the edit is saved
    as its own checkpoint with a summary in words."""
    app = make_app(scripted([answer("Here you go.", LEMONADE)]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "a lemonade stand")
        editor = screen.editor
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press(*'print(1)')
        await run_and_wait_question(pilot)
        await pilot.press("3", "enter")
        await wait_run_done(pilot)
        output = screen.run_panel.output_text
        assert "That costs 6 dollars" in output and output.rstrip().endswith("1")
        last = app.services.store.current(screen.project_id)
        assert last.kind == "edit" and last.program.endswith("print(1)")
        assert last.summary.startswith("You added 1 line yourself")


async def test_stop_during_generation():
    """FAKE model (slow on purpose). Ctrl+T stops the model; the program stays as it was and the
    chat says so."""
    slow = scripted([answer("Hi!", GREETING), answer("x" * 50, THANKS * 40)], delay=0.05, chunk_chars=2)
    app = make_app(slow)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await type_idea(pilot, "make it very long")
        await wait_for(pilot, lambda: screen.job is not None and screen.job.tokens > 3, what="streaming")
        await pilot.press("ctrl+t")
        await wait_model_idle(pilot, timeout=10)
        assert screen.editor.text == GREETING
        assert "I stopped" in chat_texts(screen)[-1]
        assert len(app.services.store.checkpoints(screen.project_id)) == 1


async def test_stop_while_the_model_is_still_getting_ready():
    """FAKE model whose first start is slow (a ScriptedBackend that reports the engine's first-start
    progress and waits). The progress line says what is being got ready, without "0 words so far"; Stop
    ends the job at once (not when getting ready is over), and the stopped idea never lands later."""
    import threading

    from vibecode.lm.scripted import ScriptedBackend

    release = threading.Event()

    class SlowFirstStart(ScriptedBackend):
        def _prepare(self, on_progress):
            on_progress("Building the helper's engine for this computer (first start only)...", None)
            release.wait(30)
            super()._prepare(on_progress)

    backend = SlowFirstStart([answer("Hi!", GREETING)], delay=0.01)
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#new-idea").value = "say hello"
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen")
        screen = app.screen
        line = lambda: str(screen.query_one("#progress").render())  # noqa: E731
        await wait_for(pilot, lambda: "Building the helper's engine" in line(), what="the getting-ready words")
        assert "Getting ready: Building the helper's engine for this computer (first start only)" in line()
        assert "so far" not in line()
        await pilot.press("ctrl+t")
        await wait_model_idle(pilot, timeout=2)  # at once, while getting ready goes on
        assert "I stopped" in chat_texts(screen)[-1] and screen.editor.text == ""
        release.set()
        await wait_for(pilot, lambda: backend.ready, what="getting ready to finish")
        await pilot.pause(0.3)
        assert screen.editor.text == "" and not app.services.store.checkpoints(screen.project_id)
        await type_idea(pilot, "say hello")  # the next idea works as usual
        await wait_model_idle(pilot)
        assert screen.editor.text == GREETING


async def test_stop_during_a_flooding_run():
    """FAKE model. A program that prints forever: the screen stays responsive, the Stop button ends
    it (or the sandbox's output cap does) and the verdict says so. Run and Stop are clicked."""
    flood = "i = 0\nwhile True:\n    print(i)\n    i = i + 1\n"
    app = make_app(scripted([answer("Counting forever!", flood)]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "count forever")
        await pilot.click("#run")  # the mouse works too
        await wait_for(pilot, lambda: len(screen.run_panel.output_text) > 1000, what="flood output")
        await pilot.click("#stop")
        await wait_run_done(pilot)
        assert screen.last_result.verdict.name in ("STOPPED", "TOO_MUCH_OUTPUT")


async def test_bad_model_answer_gives_a_friendly_message():
    """FAKE model that answers without any code block: the child gets a kind sentence, no program
    changes, no checkpoint, and no Python words."""
    app = make_app(scripted(["I like turtles. Turtles are great."]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "a turtle game")
        message = chat_texts(screen)[-1]
        assert "Try" in message
        assert "Traceback" not in message and "```" not in message
        assert screen.editor.text == ""
        assert app.services.store.checkpoints(screen.project_id) == []


async def test_help_me_fix_it():
    """FAKE model. A program with a mistake: the verdict offers Help me fix it (Ctrl+F); the model
    gets the error and its fixed program becomes a "fix" checkpoint."""
    backend = scripted([answer("Counting.", BROKEN), answer("I fixed the name.", FIXED)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "count things")
        # the pipeline may try again on a broken trial; keep what it settled on
        screen.set_program(BROKEN)
        await pilot.press("f5")
        await wait_run_done(pilot)
        assert not screen.last_result.ok
        assert screen.can_fix
        await pilot.press("ctrl+f")
        await wait_model_idle(pilot)
        assert screen.editor.text.strip() == FIXED.strip()
        assert app.services.store.current(screen.project_id).kind == "fix"


async def test_explain_and_puzzle():
    """FAKE model. F2 asks "What does this do?" and the answer shows in the chat; F4 opens the
    optional puzzle: a wrong guess gets a hint, the right one a cheer, Escape leaves."""
    backend = scripted([answer("Here.", 'print("Lemonade: 2 dollars")\n'),
                        "It shows the price of lemonade on the screen."])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "show the lemonade price")
        await pilot.press("f2")
        await wait_model_idle(pilot)
        assert "price of lemonade" in chat_texts(screen)[-1]

        await pilot.press("f4")
        quiz = app.screen
        await wait_for(pilot, lambda: quiz.first_line is not None, what="the puzzle's answer")
        quiz.query_one("#guess").value = "hello"
        await pilot.press("enter")
        feedback = quiz.query_one("#quiz-feedback")
        assert "Not quite" in str(feedback.render())
        quiz.query_one("#guess").value = "lemonade: 2 dollars"
        await pilot.press("enter")
        assert "Yes!" in str(feedback.render())
        await pilot.press("escape")
        assert app.screen is screen


async def test_kill_and_reopen_keeps_the_project(tmp_path):
    """FAKE model. Everything shown is already saved: a second app (a fresh database connection, as
    after a kill) finds the project, its program, its timeline, its chat and even unsaved typing."""
    app = make_app(scripted([answer("Hi!", GREETING)]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        screen.editor.focus()
        screen.editor.move_cursor((2, 0))
        await pilot.press("#", "x")  # typed just now, no pause: kept as a draft
        project_id = screen.project_id

    from vibecode.store.projects import ProjectStore

    again = make_app(scripted(["unused"]), store=ProjectStore())
    async with again.run_test(size=SIZE) as pilot:
        projects = again.screen.query_one("#projects")
        projects.focus()
        projects.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(again.screen).__name__ == "BuildScreen")
        reopened = again.screen
        assert reopened.project_id == project_id
        assert reopened.editor.text == GREETING + "#x"
        assert len(again.services.store.checkpoints(project_id)) == 1
        assert "say hello" in chat_texts(reopened)[0]


async def test_the_screen_looks_at_the_model_only_while_it_works(monkeypatch):
    """FAKE model. While the model writes, the screen shows its progress DRAIN_SECONDS apart (each look
    draws the screen: CPU the model needs on 2 cores); between answers it does not look at all."""
    import asyncio

    from vibecode.screens.model_jobs import DRAIN_SECONDS, ModelJobs

    looks: list[float] = []
    drain = ModelJobs.drain_events
    monkeypatch.setattr(ModelJobs, "drain_events", lambda self: (looks.append(asyncio.get_running_loop().time()),
                                                                  drain(self))[1])
    slow = scripted([answer("Hi!", GREETING), answer("Now it says thank you.", THANKS)], delay=0.05, chunk_chars=2)
    app = make_app(slow)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await wait_model_idle(pilot)
        await asyncio.sleep(0.3)
        looks.clear()
        await asyncio.sleep(1.0)
        assert looks == [], "no looks between answers"
        await type_idea(pilot, "make it also say thank you")
        await wait_model_idle(pilot)
        assert screen.editor.text == THANKS
        gaps = sorted(b - a for a, b in zip(looks, looks[1:]))  # (the last look is the answer's end)
        assert len(looks) >= 3 and gaps[len(gaps) // 2] > DRAIN_SECONDS * 0.75, "looks while it writes, not more often"
        await asyncio.sleep(0.3)
        looks.clear()
        await asyncio.sleep(1.0)
        assert looks == [], "and none after it"
