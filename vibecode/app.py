"""The vibecode app: a child turns an idea into a working program and grows it.

This module stays small: it holds the themes, the app-wide keys and the command palette entries,
and starts on the home screen. Screens live in ``vibecode/screens/``, widgets in
``vibecode/widgets/``, all styles in ``app.tcss``. Nothing here imports torch or transformers:
the model runs in its own process.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from vibecode.screens.services import Services, setup_logging

THEMES = [
    Theme(name="vibecode-dark", primary="#7aa2f7", secondary="#bb9af7", accent="#ffb86c",
          warning="#e0af68", error="#f7768e", success="#9ece6a", foreground="#e6e6f0",
          background="#1a1b26", surface="#232434", panel="#2b2d42", dark=True),
    Theme(name="vibecode-contrast", primary="#ffff00", secondary="#00ffff", accent="#ff80ff",
          warning="#ffff00", error="#ff5555", success="#00ff00", foreground="#ffffff",
          background="#000000", surface="#000000", panel="#1a1a1a", dark=True,
          variables={"border": "#ffffff", "block-cursor-background": "#ffff00",
                     "block-cursor-foreground": "#000000", "footer-key-foreground": "#ffff00"}),
    Theme(name="vibecode-light", primary="#2456c7", secondary="#7c3aed", accent="#c2410c",
          warning="#b45309", error="#b91c1c", success="#15803d", foreground="#1f2330",
          background="#f7f7fb", surface="#ffffff", panel="#e8e9f2", dark=False),
]
THEME_TITLES = {"vibecode-dark": "Dark (default)", "vibecode-contrast": "High contrast",
                "vibecode-light": "Light"}


class VibecodeApp(App[int]):
    """The whole app. ``backend`` and ``store`` can be passed in (tests); otherwise they are opened."""

    CSS_PATH = "app.tcss"
    TITLE = "vibecode"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, *, backend: Any = None, store: Any = None, model: str | None = None,
                 settings: Any = None, warm_up: bool = True, maker_options: dict | None = None) -> None:
        super().__init__()
        from vibecode.settings import load_settings
        from vibecode.store.projects import ProjectStore

        self.settings = settings if settings is not None else load_settings()
        spec = model or os.environ.get("VIBECODE_MODEL") or self.settings.server_url or self.settings.model
        self.services = Services(store if store is not None else ProjectStore(), backend, spec, maker_options)
        self.warm_up = warm_up
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self.settings.theme if self.settings.theme in THEME_TITLES else "vibecode-dark"
        self.set_class(bool(self.settings.big_mode), "-big")

    def on_mount(self) -> None:
        from vibecode.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        problem = getattr(self.settings, "problem", None)
        if problem:  # a broken settings file: say so kindly, the usual settings are in use
            self.notify(problem, severity="warning", timeout=12)
        if self.warm_up:  # get the model ready while the child types, after the first frame
            self.set_timer(0.3, lambda: self.run_worker(
                self._warm_up, thread=True, group="warm-up", exit_on_error=False,
                description="Getting the model ready"))

    def _warm_up(self) -> None:
        """(worker thread) Load what the build screen and the first answer need, then get the model ready."""
        import gc

        import vibecode.screens.build  # noqa: F401  the editor, its colours, the widgets: 0.1 s at the first project

        self.services.preload()
        # Everything loaded so far lives as long as the app. Freezing it keeps it out of the garbage
        # collector's full sweeps, which took 50-65 ms each (a visible stall) while a program flooded output.
        gc.freeze()
        self.services.get_ready()

    def on_worker_state_changed(self, event) -> None:
        """When the model is ready, the model meter can say which one it is, and the model can read the
        program of a project the child opened meanwhile."""
        if event.worker.group == "warm-up" and event.worker.is_finished:
            for name in ("refresh_meter", "read_program_ahead"):
                call = getattr(self.screen, name, None)
                if call is not None:
                    call()

    def on_unmount(self) -> None:
        self.services.close()

    # -- settings the palette and the settings screen change ------------------------------------
    def set_look(self, theme: str | None = None, big: bool | None = None) -> None:
        """Change theme or big-and-simple mode, and remember it."""
        from vibecode.settings import save_settings

        if theme is not None:
            self.theme = self.settings.theme = theme
        if big is not None:
            self.settings.big_mode = big
            self.set_class(big, "-big")
        save_settings(self.settings)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for name, title in THEME_TITLES.items():
            yield SystemCommand(f"Colours: {title}", "Change how vibecode looks",
                                lambda name=name: self.set_look(theme=name))
        big = bool(self.settings.big_mode)
        yield SystemCommand("Big and simple: " + ("turn off" if big else "turn on"),
                            "Fewer things on screen, bigger buttons", lambda: self.set_look(big=not big))
        yield SystemCommand("Settings", "Your name and which model to use", self.open_settings)
        commands = getattr(screen, "palette_commands", None)
        if commands is not None:
            yield from commands()
        yield SystemCommand("Class progress (teacher)", "Every child's lessons on this computer",
                            self.open_class_progress)
        yield SystemCommand("Keys", "Show all the keys you can press", self.action_show_help_panel)
        yield SystemCommand("Quit", "Close vibecode (your work is saved)", self.exit)

    def open_settings(self) -> None:
        from vibecode.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())


    def open_class_progress(self) -> None:
        from vibecode.screens.lesson import ClassProgressScreen

        self.push_screen(ClassProgressScreen())


def run_app(model: str | None = None) -> int:
    """Start the app in this terminal; returns the exit code (used by ``vibecode`` with no arguments)."""
    setup_logging()
    app = VibecodeApp(model=model)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
