"""The program editor (tree-sitter highlighting) and read-only Pygments views for code and diffs."""

from __future__ import annotations

import difflib

from pygments.token import Token
from rich.style import Style
from textual.content import Content
from textual.geometry import Size
from textual.highlight import HighlightTheme, highlight
from textual.reactive import Reactive
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

# A code theme for the high-contrast app theme: bright colours on black, bold keywords.
HIGH_CONTRAST_CODE = TextAreaTheme(
    name="vibecode-contrast",
    base_style=Style(color="#ffffff", bgcolor="#000000"),
    gutter_style=Style(color="#ffff00", bgcolor="#000000"),
    cursor_style=Style(color="#000000", bgcolor="#ffff00"),
    cursor_line_style=Style(bgcolor="#1a1a1a"),
    selection_style=Style(bgcolor="#0050a0"),
    syntax_styles={
        **{name: Style(color="#ffff00", bold=True) for name in (
            "keyword", "keyword.function", "keyword.return", "keyword.operator", "conditional",
            "repeat", "include", "exception")},
        **{name: Style(color="#00ff00") for name in ("string", "string.documentation")},
        "comment": Style(color="#00ffff", italic=True),
        **{name: Style(color="#ff80ff", bold=True) for name in (
            "number", "float", "boolean", "constant.builtin")},
        **{name: Style(color="#ffffff", bold=True, underline=True) for name in ("function", "method", "class")},
        **{name: Style(color="#80c0ff", bold=True) for name in (
            "function.call", "method.call", "function.builtin", "type.builtin", "type.class")},
        "operator": Style(color="#ffffff", bold=True),
    },
)

# Which editor colours go with which app theme.
CODE_THEME_FOR_APP_THEME = {
    "vibecode-dark": "monokai",
    "vibecode-contrast": "vibecode-contrast",
    "vibecode-light": "github_light",
}


class CodeEditor(TextArea):
    """The child's program: line numbers, Python colours, indent on Tab, editable."""

    # The screen gives the editor its size; the program's length only moves its own scrollbars. Textual
    # lays out the whole screen whenever a widget's virtual size changes: while the model writes, a new
    # line of code did that 5 times a second (~13 ms each on 2 cores, taken from the model; bench ui
    # figure 4). Here only the scrollbars are updated.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)

    def _restart_blink(self) -> None:
        """Blink only with the focus: TextArea restarts its cursor's blink timer on every edit of more than
        one character, focused or not, so after the model wrote into the editor (the child typing in the
        idea box) its cursor line was drawn twice a second for as long as the app stayed open."""
        if self.has_focus:
            super()._restart_blink()

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(
            text,
            language="python",
            theme="monokai",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            placeholder="Your program will appear here. Tell me your idea first!",
            **kwargs,
        )
        self.register_theme(HIGH_CONTRAST_CODE)

    def load_text(self, text: str) -> None:
        """Show another program (undo, restore, the model's final version) and forget the edit history.

        TextArea.load_text builds a new document, which compiles the Python colour rules again: 30 ms
        idle, up to 100 ms on a busy 2-core machine, with the screen frozen. One edit over the whole
        text keeps the compiled rules and gives the same result."""
        if type(self.document).__name__ != "SyntaxAwareDocument":  # plain text: nothing to keep
            super().load_text(text)
            return
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.history.clear()
        self.move_cursor((0, 0))

    def use_app_theme(self, app_theme: str) -> None:
        """Pick editor colours that fit the app theme."""
        self.theme = CODE_THEME_FOR_APP_THEME.get(app_theme, "monokai")

    def highlight_names(self) -> set[str]:
        """Names of the colour groups in use now; a test checks Python colouring really works."""
        return {name for spans in self._highlights.values() for (_s, _e, name) in spans}


class DiffTheme(HighlightTheme):
    """Pygments colours for diffs: added lines green, removed lines red."""

    STYLES = {
        **HighlightTheme.STYLES,
        Token.Generic.Inserted: "$text-success",
        Token.Generic.Deleted: "$text-error",
        Token.Generic.Subheading: "$text-primary",
        Token.Generic.Heading: "$text-primary",
    }


def code_content(code: str) -> Content:
    """Read-only highlighted Python (chat, lessons, exports): Pygments via Textual's highlighter."""
    return highlight(code or "", language="python")


def diff_text(old: str | None, new: str | None, context: int = 1) -> str:
    """A small unified diff of two programs, without the file header lines."""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=context
    )
    return "\n".join(line for line in lines if not line.startswith(("---", "+++")))


def diff_content(old: str | None, new: str | None, max_lines: int = 14) -> Content:
    """A small coloured diff; long ones are cut with a note so the timeline stays small."""
    text = diff_text(old, new)
    if not text:
        return Content("(no change to the code)")
    lines = text.splitlines()
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... and {len(lines) - max_lines} more lines"]
    return highlight("\n".join(lines), language="diff", theme=DiffTheme)
