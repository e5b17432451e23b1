"""The classroom version of the app (one browser tab), with Textual's Pilot: the name screen, projects filed
under the child's name, the shared settings file left alone, and the 'waiting for your turn' bar. The model
is the ScriptedBackend FAKE (this is about the screens; the shared server has its own test)."""

from __future__ import annotations

from textual.widgets import Input

from vibecode.lm.scripted import ScriptedBackend
from vibecode.serve.classroom_app import ClassroomApp, NameScreen, WaitingBar, waiting_words
from vibecode.settings import load_settings, save_settings
from vibecode.store.projects import ProjectStore

SIZE = (110, 34)


def _app(child: str | None = None) -> ClassroomApp:
    backend = ScriptedBackend(["```python\nprint('hi')\n```"], delay=0.0)
    return ClassroomApp(child=child, backend=backend, store=ProjectStore(), warm_up=False)


async def _wait(pilot, check, tries: int = 100) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.05)
    assert check()


async def test_a_child_types_a_name_first_and_projects_are_filed_under_it():
    settings = load_settings()
    settings.child_name = "Whoever used this computer before"
    save_settings(settings)
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, NameScreen)  # the saved name is not used in class
        await pilot.press("enter")  # nothing typed yet: a kind hint, still on the name screen
        assert isinstance(app.screen, NameScreen)
        assert "Type your first name" in str(app.screen.query_one("#name-problem").render())
        app.screen.query_one("#child-name", Input).value = "Ada"
        await pilot.press("enter")
        await _wait(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert "Hi Ada!" in str(app.screen.query_one("#greeting").render())
        app.screen.query_one("#new-idea", Input).value = "a lemonade stand"
        await pilot.press("enter")
        await _wait(pilot, lambda: type(app.screen).__name__ == "BuildScreen")
        app.set_look(theme="vibecode-light")
    assert [p.owner for p in ProjectStore().list_projects()] == ["Ada"]
    saved = load_settings()
    assert saved.child_name == "Whoever used this computer before"  # the shared file was not touched
    assert saved.theme != "vibecode-light"  # one tab's look stays its own


async def test_a_name_given_by_the_launcher_skips_the_name_screen():
    app = _app(child="Bo")
    async with app.run_test(size=SIZE) as pilot:
        await _wait(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert "Hi Bo!" in str(app.screen.query_one("#greeting").render())


async def test_the_waiting_bar_says_where_the_child_is_in_line():
    app = _app(child="Cy")
    async with app.run_test(size=SIZE) as pilot:
        await _wait(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app._show_wait(3, 4.4)
        await pilot.pause()
        bar = app.screen.query_one(WaitingBar)
        assert "number 3 in line" in str(bar.render()) and "4 seconds" in str(bar.render())
        app._show_wait(1, 9.0)
        await pilot.pause()
        assert "You are next!" in str(app.screen.query_one(WaitingBar).render())
        app._show_wait(0, 9.5)  # the turn started
        await pilot.pause()
        assert not app.screen.query(WaitingBar)
    assert "1 second)" in waiting_words(2, 1.2)


async def test_each_child_sees_only_their_own_projects():
    store = ProjectStore()
    store.create_project("Ada's lemonade stand", owner="Ada")
    store.create_project("Bo's piggy bank", owner="Bo")
    app = _app(child="Bo")
    async with app.run_test(size=SIZE) as pilot:
        await _wait(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        listed = [str(option.prompt) for option in app.screen.query_one("#projects").options]
        assert listed == ["Bo's piggy bank"]
    assert {p.owner for p in store.list_projects()} == {"Ada", "Bo"}  # the teacher still sees everyone
