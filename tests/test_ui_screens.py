"""Pilot tests of everything around the build screen: safety words before the model, settings,
export, the command palette, themes, lessons from home, Escape, a model that cannot start.
The model is the FAKE ScriptedBackend unless a docstring says otherwise."""

from __future__ import annotations

from pathlib import Path

from e2e.ui_support import (
    GREETING, THANKS, answer, chat_texts, click_when_still, make_app, scripted, start_from_home, type_idea, wait_for,
    wait_model_idle,
)
from vibecode.lm.base import EngineError
from vibecode.lm.scripted import ScriptedBackend

SIZE = (120, 36)


def is_screen(app, name: str) -> bool:
    return type(app.screen).__name__ == name


async def test_personal_details_warn_first_and_unkind_ideas_never_reach_the_model():
    """FAKE model. A real-looking address gets a gentle warning and stays in the box until Enter
    again; an unkind idea gets a kind suggestion and the model is never asked."""
    backend = scripted([answer("Hi!", GREETING), answer("Here.", GREETING)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: is_screen(app, "BuildScreen") and app.screen.query("#idea"))
        screen = app.screen
        await type_idea(pilot, "a program that says bad words to my friend")
        assert "kind" in chat_texts(screen)[-1]
        assert backend.calls == [] and screen.job is None

        idea = "a map that shows my address 12 Oak Street, Springfield"
        await type_idea(pilot, idea)
        assert "address" in chat_texts(screen)[-1]
        assert screen.query_one("#idea").value == idea and screen.job is None
        await pilot.press("enter")  # send it anyway
        await wait_model_idle(pilot)
        assert len(backend.calls) == 1


async def test_settings_name_and_colours_are_saved():
    """The settings dialog saves the child's name and colours; the home screen greets by name."""
    from vibecode.settings import load_settings

    app = make_app(scripted(["unused"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: is_screen(app, "SettingsScreen"))
        dialog = app.screen
        dialog.query_one("#name").value = "Ada"
        dialog.query_one("#theme").value = "vibecode-light"
        await click_when_still(pilot, "#save")
        await wait_for(pilot, lambda: is_screen(app, "HomeScreen"))
        assert app.theme == "vibecode-light"
        assert "Hi Ada!" in str(app.screen.query_one("#greeting").render())
    saved = load_settings()
    assert saved.child_name == "Ada" and saved.theme == "vibecode-light"


async def test_export_python_and_web_page(vibecode_home):
    """FAKE model. Both exports are written and the child is told where."""
    app = make_app(scripted([answer("Hi!", GREETING)]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        screen.action_export("py")
        screen.action_export("html")
        files = sorted(Path(vibecode_home, "exports").iterdir())
        assert [f.suffix for f in files] == [".html", ".py"]
        assert 'print("Hello " + name + "!")' in files[1].read_text()
        assert "<html" in files[0].read_text()


async def test_palette_changes_colours_and_escape_always_goes_back():
    """FAKE model. Ctrl+P finds "high contrast"; Escape leaves the transcript, the puzzle and the
    build screen, one step at a time."""
    app = make_app(scripted([answer("Hi!", GREETING)]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: is_screen(app, "CommandPalette"))
        await pilot.press(*"contrast")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "vibecode-contrast")
        assert app.screen is screen and screen.editor.theme == "vibecode-contrast"

        await pilot.press("f8")
        await wait_for(pilot, lambda: is_screen(app, "TranscriptScreen"))
        assert "You said: say hello" in app.screen.query_one("#transcript").text
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("f4")
        await wait_for(pilot, lambda: is_screen(app, "QuizScreen"))
        await pilot.press("escape")
        assert app.screen is screen
        screen.query_one("#idea").focus()
        await pilot.press("escape")
        await wait_for(pilot, lambda: is_screen(app, "HomeScreen"))


async def test_lesson_opens_from_home():
    """A lesson from the home screen's list opens the lessons engineer's LessonScreen; Escape returns."""
    app = make_app(scripted(["unused"]))
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await wait_for(pilot, lambda: home.lessons_loaded)
        lessons = home.query_one("#lessons")
        lessons.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: is_screen(app, "LessonScreen"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)


class BrokenBackend(ScriptedBackend):
    """A FAKE model that cannot start, like a missing model file."""

    def _prepare(self, on_progress):
        raise EngineError("The helper model isn't installed yet. Ask your teacher to set it up.")


async def test_a_model_that_cannot_start_gets_kind_words():
    """FAKE broken model: the engine's kind sentence is shown, never a traceback, and the app goes on."""
    app = make_app(BrokenBackend(["x"]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        last = chat_texts(screen)[-1]
        assert "Ask your teacher" in last and "Traceback" not in last
        assert screen.query_one("#idea").disabled is False


async def test_the_model_reads_the_next_change_prompt_as_soon_as_the_program_changes():
    """FAKE model (on this computer; it records what it is given to read). Once the model's program is on
    the screen, and again once the child's own edit is saved, the model gets the prompt a change to it
    would have, up to "Change it:" (no words yet, so nothing to answer ahead): a change typed without a
    pause in typing finds its program read at Enter."""
    from vibecode.make.prompts import CHANGE_LEAD
    from vibecode.screens.build import EDIT_SAVE_SECONDS

    backend = scripted([answer("Hi!", GREETING), answer("Thanks.", THANKS)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        await wait_for(pilot, lambda: backend.prefills and backend.prefills[-1][-1].content.endswith(CHANGE_LEAD),
                       10, "the model to read the program")
        ahead = backend.prefills[-1]
        assert ahead[-2].role == "assistant" and 'print("Hello "' in ahead[-2].content  # the program it wrote
        assert not backend.tentative_prefills[-1] and backend.answers_ahead[-1] is None
        backend.prefills.clear()
        screen.editor.insert('print("Bye!")\n', screen.editor.document.end)
        await wait_for(pilot, lambda: any('print("Bye!")' in p[-1].content for p in backend.prefills),
                       EDIT_SAVE_SECONDS + 10, "the model to read the edit")
        edited = next(p[-1].content for p in backend.prefills if 'print("Bye!")' in p[-1].content)
        assert "Hello" in edited and edited.endswith(CHANGE_LEAD)


async def test_the_home_screen_reads_nothing_ahead_once_the_project_is_open():
    """FAKE model, ready from the start. Enter on the home screen empties its idea box, a change that starts
    its read-ahead timer; that read must not happen on the build screen, where it came after the project's
    own read (the prompt of the next change), and made the test above fail on a quick computer."""
    import asyncio

    from vibecode.make.prompts import CHANGE_LEAD
    from vibecode.screens.model_jobs import READ_AHEAD_PAUSE

    backend = scripted([answer("Hi!", GREETING)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.to_thread(app.services.backend)  # ready: the home screen's reads are not skipped
        app.screen.query_one("#new-idea").value = "say hello"
        await wait_for(pilot, lambda: backend.prefills, 10, "the home screen to read ahead")
        read_on_home = len(backend.prefills)
        screen = await start_from_home(pilot, "say hello")
        await pilot.pause(READ_AHEAD_PAUSE + 0.5)
        read_since = backend.prefills[read_on_home:]
        assert read_since and screen.is_current
        assert all(p[-1].content.endswith(CHANGE_LEAD) for p in read_since), [p[-1].content[-40:] for p in read_since]


class SlowStartBackend(ScriptedBackend):
    """A FAKE model that takes a while to get ready, as the real one does at the first start."""

    def _prepare(self, on_progress):
        import time

        time.sleep(1.5)
        super()._prepare(on_progress)


async def test_a_project_opened_while_the_model_gets_ready_is_read_once_it_is_ready():
    """FAKE model. The child opens yesterday's project before the model is ready (nothing can be read yet);
    once it is ready, the model reads the prompt a change to that program would get."""
    from vibecode.app import VibecodeApp
    from vibecode.make.prompts import CHANGE_LEAD
    from vibecode.screens.build import BuildScreen

    backend = SlowStartBackend([answer("Hi!", GREETING)])
    app = VibecodeApp(backend=backend, warm_up=True)
    async with app.run_test(size=SIZE) as pilot:
        store = app.services.store
        project = store.create_project("Hello machine")
        store.add_checkpoint(project.id, GREETING, "the first version", "edit")
        await app.push_screen(BuildScreen(project.id))
        assert not backend.ready
        await wait_for(pilot, lambda: any(p[-1].content.endswith(CHANGE_LEAD) for p in backend.prefills), 20,
                       "the model to read the program once ready")
        ahead = next(p for p in backend.prefills if p[-1].content.endswith(CHANGE_LEAD))
        assert 'print("Hello "' in ahead[-1].content


async def test_while_the_child_types_a_change_the_model_reads_the_program_ahead():
    """FAKE model (on this computer; it records what it is given to read). After a pause in typing, the model
    gets the prompt the change will have (the conversation with the program, "Change it:" and the words so
    far, as words the child may still change); Enter then asks for the change as usual, with the same
    prompt."""

    backend = scripted([answer("Hi!", GREETING), answer("Thanks.", THANKS)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(pilot, "say hello")
        box = screen.query_one("#idea")
        box.focus()
        await pilot.pause(1.0)  # whatever the cleared box asked for is read by now
        backend.prefills.clear()
        box.value = "make it also say thank you"
        await wait_for(pilot, lambda: backend.prefills, 10, "the model to read ahead")
        ahead = backend.prefills[-1]
        assert ahead[-1].content.endswith("make it also say thank you") and any("Hello" in m.content for m in ahead)
        assert backend.tentative_prefills[-1]
        await pilot.press("enter")
        await wait_model_idle(pilot)
        assert backend.calls[-1] == ahead
