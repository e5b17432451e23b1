"""The app end to end with the REAL tiny model (SmolLM2-135M in its own worker process, via the
session ``tiny_backend`` fixture): idea -> streamed answer -> program or a kind message -> run.

The tiny model writes poor programs, so this checks the plumbing, not the program's quality."""

from __future__ import annotations

import pytest

from e2e.ui_support import chat_texts, make_app, start_from_home, wait_for, wait_run_done


@pytest.mark.model
async def test_real_tiny_model_through_the_app(tiny_backend, monkeypatch):
    """REAL tiny model. The answer streams (progress words: the model's own token count), the chat ends
    with a message in plain words, the model meter counts tokens and says how the model runs, and a
    program (if any) runs to a verdict."""
    from vibecode.widgets.chat import ChatPanel

    shown: list[int] = []
    show = ChatPanel.show_progress
    monkeypatch.setattr(ChatPanel, "show_progress", lambda self, words, what: (shown.append(words), show(self, words, what)))
    app = make_app(tiny_backend, maker_options={"max_attempts": 1, "max_new_tokens": 32, "examples": 0})
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_from_home(pilot, "print hello three times", timeout=240)
        store = app.services.store
        written = store.usage(screen.project_id).completion_tokens
        assert written > 0
        assert shown == sorted(shown) and 0 < max(shown) <= written  # "N words so far" counted tokens
        last = chat_texts(screen)[-1]
        assert last.strip() and "Traceback" not in last
        meter = str(screen.query_one("#meter").render())
        assert "SmolLM2" in meter and "on this computer, quick mode" in meter  # quantized: "quick mode"
        assert f"wrote {written:,} words" in meter
        if screen.editor.text.strip():
            await pilot.press("f5")
            await wait_for(pilot, lambda: screen.run_handle is not None or screen.last_result is not None)
            if screen.query_one("#ask").display:
                await pilot.press("enter")
            await wait_run_done(pilot, timeout=60)
            assert screen.last_result is not None and screen.last_result.message
