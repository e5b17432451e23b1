"""Running the program from the build screen: Run (F5), answers for input(), Stop, the verdict.

The run is an async worker reading the sandbox's events (the sandbox does the work in its own
process); output goes to the run panel, which writes it on a timer so floods can't freeze the app.
"""

from __future__ import annotations

import logging

from textual import work
from textual.widgets import Button, Input

from vibecode.screens import words
from vibecode.widgets.run_panel import RunPanel

log = logging.getLogger("vibecode.ui")
NOT_FIXABLE = {"OK", "STOPPED"}


class RunJobs:
    """Mixed into BuildScreen: needs ``editor``, ``run_panel``, ``job``, ``save_edit`` and ``stop_job``."""
    def action_run(self) -> None:
        self.save_edit()
        if self.job is not None:
            self.notify(words.BUSY, timeout=3)
            return
        if not self.editor.text.strip():
            self.notify(words.NO_PROGRAM_YET, timeout=4)
            return
        if self.run_handle is not None:
            return
        self.run_program(self.editor.text)

    @work(exclusive=True, group="run", exit_on_error=False)
    async def run_program(self, source: str) -> None:
        from sandbox import Finished, InputWanted, OutputEvent, start_run

        panel = self.run_panel
        panel.start()
        result = None
        try:
            allow = bool(getattr(self.app.settings, "allow_unprotected_sandbox", False))
            self.run_handle = await start_run(source, allow_unprotected=allow)
            async for event in self.run_handle.events():
                if isinstance(event, OutputEvent):
                    panel.feed(event.text)
                elif isinstance(event, InputWanted):
                    panel.ask(event.prompt)
                elif isinstance(event, Finished):
                    result = event.result
            if result is None:
                result = await self.run_handle.wait()
        except Exception:
            log.exception("running the program failed")
            panel.finish(words.RUN_TROUBLE, ok=False, can_fix=False)
            return
        finally:
            self.run_handle = None
        self.last_result = result
        verdict = getattr(result.verdict, "name", str(result.verdict))
        can_fix = not result.ok and verdict not in NOT_FIXABLE and not result.ran_out_of_input
        message = result.message + ("  Press Ctrl+F and I'll help you fix it." if can_fix else "")
        panel.finish(message, ok=result.ok or result.ran_out_of_input, can_fix=can_fix)
        focused = self.app.focused
        if focused is None or focused.id == "stdin" or not focused.display:
            self.query_one("#idea", Input).focus()  # ready for the next idea
        self.refresh_bindings()

    # (plain handler names: @on decorators are only collected on Textual classes, not mixins)
    async def on_run_panel_answer_given(self, event: RunPanel.AnswerGiven) -> None:
        if self.run_handle is not None:
            await self.run_handle.send_input(event.text)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "run":
            self.action_run()
        elif button == "stop":
            await self.action_stop()
        elif button == "fix":
            self.action_fix()

    async def action_stop(self) -> None:
        self.stop_job()
        if self.run_handle is not None:
            await self.run_handle.stop()

    async def on_unmount(self) -> None:
        if self.run_handle is not None:  # closing the app never leaves a program running
            await self.run_handle.stop()

    def action_details(self) -> None:
        """The full error, for older kids and grown-ups who ask for it (never shown by itself)."""
        details = getattr(self.last_result, "traceback", None)
        if not details:
            self.notify("There are no error details to show.", timeout=3)
            return
        self.run_panel.feed("\n--- error details ---\n" + details.rstrip() + "\n")
