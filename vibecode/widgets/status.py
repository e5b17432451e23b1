"""The status bar: the "model meter" (words read and written, speed, where the model runs)."""

from __future__ import annotations

from textual.widgets import Static


def _n(value: int) -> str:
    return f"{value:,}"


class ModelMeter(Static):
    """One line, e.g. "Model: Qwen (on this computer, quick mode) · read 1,204 · wrote 388 words · 9.5 words/s".
    "wrote" counts along while the model writes (its own token count)."""

    def show(
        self,
        name: str | None,
        location: str | None,
        read: int = 0,
        wrote: int = 0,
        speed: float | None = None,
        note: str | None = None,
    ) -> None:
        where = f" ({location})" if location else ""
        parts = [f"Model: {name or 'model'}{where}"]
        if note:
            parts.append(note)
        parts.append(f"read {_n(read)} · wrote {_n(wrote)} {'word' if wrote == 1 else 'words'}")
        if speed:
            parts.append(f"{speed:.1f} words/s")
        self.update(" · ".join(parts), layout=False)  # one line high (app.tcss): no new layout while it counts
