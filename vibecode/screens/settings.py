"""Settings: the child's name (kept on this computer only), colours, big-and-simple mode, and which
model to use (the built-in one, or the class server's)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Select


class SettingsScreen(ModalScreen[None]):
    """A small dialog; Escape closes it without saving."""

    BINDINGS = [Binding("escape", "close", "Back")]

    def compose(self) -> ComposeResult:
        from vibecode.app import THEME_TITLES

        settings = self.app.settings
        with Vertical(id="settings", classes="dialog"):
            yield Label("Settings", classes="dialog-title")
            yield Label("Your name (optional, stays on this computer):")
            yield Input(settings.child_name or "", placeholder="Your first name", id="name")
            yield Label("Colours:")
            yield Select([(title, name) for name, title in THEME_TITLES.items()],
                         value=self.app.theme, allow_blank=False, id="theme")
            yield Checkbox("Big and simple", bool(settings.big_mode), id="big")
            yield Label("Which model writes the programs:")
            with RadioSet(id="model"):
                yield RadioButton("The one on this computer", value=not settings.server_url, id="local")
                yield RadioButton("The class server", value=bool(settings.server_url), id="server")
            yield Input(settings.server_url or "", placeholder="http://teacher-computer:8000/v1", id="url")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        from vibecode.settings import save_settings

        settings = self.app.settings
        settings.child_name = self.query_one("#name", Input).value.strip() or None
        use_server = self.query_one("#server", RadioButton).value
        url = self.query_one("#url", Input).value.strip()
        if use_server and not url.startswith(("http://", "https://")):
            self.notify("Type the class server's address, starting with http://", severity="warning")
            return
        new_url = url if use_server else None
        if new_url != settings.server_url:
            settings.server_url = new_url
            self.app.services.switch_model(new_url or settings.model)
        save_settings(settings)
        self.app.set_look(theme=str(self.query_one("#theme", Select).value),
                          big=self.query_one("#big", Checkbox).value)
        self.notify("Saved!", timeout=2)
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
