"""The model's side of the build screen: make a program, fix it, explain it.

A job runs in a thread worker; the Maker's events land in a locked list, and a 0.1 s timer on the
screen shows them (words so far: the model's own token count, the program appearing in the editor). The event loop never waits
for the model, and Stop (Ctrl+T) cancels the Maker from the UI thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from textual import work

from vibecode.screens import words

log = logging.getLogger("vibecode.ui")
CONVERSATION_TURNS = 8
# After the child stops typing this long, the model reads the prompt the idea will get (the example it
# picks, or the child's program for a change, and the words so far: Maker.read_ahead), so little is left to
# read after Enter.
READ_AHEAD_PAUSE = 0.6
# ... and this long after the program itself changed (the model's answer shown, an edit saved: a pause
# already), it reads the prompt the next change would get, before the child types a word of it.
PROGRAM_READ_PAUSE = 0.1
# How often the screen shows what the model wrote so far (the code, the words count, the spinner). Drawing
# takes CPU from the model on the same cores: on 2 cores, with the screen drawn 10 times a second (a spinner
# timer of its own besides, a new layout of the whole screen for each progress line, chat and meter update,
# timers ticking between answers), bench speed's change to its 38-line program took 8.2 s in the app against
# 5.5 s for the model alone, the app's CPU 2.1 s; now 6.0 s, 0.6 s (vibecode bench ui, figure 4).
DRAIN_SECONDS = 0.2


@dataclass
class ModelJob:
    """One request to the model: what kind, and what it needs."""

    kind: str  # "make" | "fix" | "explain"
    idea: str = ""
    program: str = ""
    run_result: Any = None
    part: str | None = None
    conversation: list[Any] = field(default_factory=list)
    text: str = ""  # what the model wrote so far (this attempt)
    tokens: int = 0  # tokens the model wrote in this attempt so far (the backend's own count)
    tokens_before: int = 0  # ... and in the attempts before it
    status: str = "Thinking"
    cancelled: bool = False  # the child pressed Stop
    waiting_for_model: bool = False  # the model is still getting ready (the first start can take minutes)


class ModelJobs:
    """Mixed into BuildScreen: needs ``store``, ``project_id``, ``editor`` and the chat panel."""

    def init_model_jobs(self) -> None:
        self.job: ModelJob | None = None
        self._events: list[Any] = []
        self._events_lock = threading.Lock()
        self._pending_personal: str | None = None
        self._read_ahead_timer: Any = None
        self._drain_timer: Any = None  # made by the first job, paused between jobs

    # -- reading ahead while the child types -------------------------------------------------
    def idea_changing(self, text: str, pause: float = READ_AHEAD_PAUSE) -> None:
        """The idea box changed: after a short pause, let the model read the prompt the idea so far gets."""
        if self._read_ahead_timer is not None:
            self._read_ahead_timer.stop()
        self._read_ahead_timer = self.set_timer(pause, lambda: self._read_ahead(text))

    def read_program_ahead(self) -> None:
        """The program the next change starts from is new (the model wrote it, the child's edit was saved,
        an older one came back, the project opened): have the model read the change's prompt now, before the
        child types the request. Typed without a pause in typing, the request found that prompt unread at
        Enter (a 38-line program: ~5 s more to wait; vibecode bench ui, figure 5)."""
        if self.editor.text.strip():
            self.idea_changing(self.query_one("#idea").value, pause=PROGRAM_READ_PAUSE)

    def _read_ahead(self, text: str) -> None:
        self._read_ahead_timer = None
        if self.job is not None:
            return
        from vibecode.make import MakeRequest

        self.read_ahead_worker(MakeRequest(idea=text.strip(), current_program=self.editor.text or None,
                                           conversation=self._conversation(), contract=self.contract,
                                           allow_files=self.allow_files, trial_inputs=self.trial_inputs))

    @work(thread=True, exclusive=True, group="read-ahead", exit_on_error=False, description="Reading ahead")
    def read_ahead_worker(self, request: Any) -> None:
        self.app.services.read_ahead(request)

    @property
    def chat(self):
        from vibecode.widgets.chat import ChatPanel

        return self.query_one(ChatPanel)

    # -- starting jobs -----------------------------------------------------------------------
    def submit_idea(self, text: str) -> bool:
        """Send the child's words to the model; returns False if the text should stay in the box."""
        if self.job is not None:
            self.notify(words.BUSY, timeout=3)
            return False
        warning = self._safety_warning(text)
        if warning is not None:
            return False
        self.save_edit()
        conversation = self._conversation()
        self.chat.add("user", text)
        self.store.add_message(self.project_id, "user", text)
        self._start(ModelJob("make", idea=text, program=self.editor.text, conversation=conversation))
        return True

    def _safety_warning(self, text: str) -> str | None:
        """Check the idea; unkind or unsafe ideas get a kind word instead of a program."""
        try:
            from vibecode.safety import check_idea
        except ImportError:
            return None
        check = check_idea(text)
        if not check.allowed:
            self.chat.add("note", check.message or "Let's make something else. What else would you like?")
            return check.message or ""
        if check.message and self._pending_personal != text:
            self._pending_personal = text
            self.chat.add("note", check.message + "\nPress Enter to send it anyway, or change it first.")
            return check.message
        self._pending_personal = None
        return None

    def _conversation(self) -> list[Any]:
        from vibecode.lm.base import ChatMessage

        messages = [m for m in self.store.messages(self.project_id) if m.role in ("user", "assistant")]
        return [ChatMessage(m.role, m.text) for m in messages[-CONVERSATION_TURNS:]]

    def action_explain(self) -> None:
        if self.job is not None:
            self.notify(words.BUSY, timeout=3)
            return
        program = self.editor.text
        if not program.strip():
            self.notify(words.NO_PROGRAM_YET, timeout=4)
            return
        part = self.editor.selected_text.strip() or None
        question = "What does this part do?" if part else "What does this program do?"
        self.chat.add("user", question)
        self._start(ModelJob("explain", program=program, part=part))

    def action_fix(self) -> None:
        if self.job is not None or self.last_result is None or not self.can_fix:
            return
        self.save_edit()
        self.run_panel.show_fix(False)
        self.chat.add("user", "Help me fix it!")
        self._start(ModelJob("fix", program=self.editor.text, run_result=self.last_result))

    def stop_job(self) -> None:
        """Ask the model to stop (Ctrl+T); the worker ends soon after and shows what happened. While the
        model is still getting ready the job ends at once (getting ready goes on, for the next idea)."""
        job = self.job
        if job is not None:
            job.cancelled = True
            job.status = "Stopping"
            self.app.services.cancel()
            if job.waiting_for_model:
                self.job_done(job, None)

    def _start(self, job: ModelJob) -> None:
        self.job = job
        with self._events_lock:
            self._events.clear()
        first = {"make": "Writing your program...", "fix": "Looking for the mistake...",
                 "explain": "Reading your program..."}[job.kind]
        self.chat.start_stream(first)
        if job.kind != "explain":
            self.editor.read_only = True
        self.run_panel.query_one("#stop").disabled = False  # the Stop button stops the model too
        if self._drain_timer is None:
            self._drain_timer = self.set_interval(DRAIN_SECONDS, self.drain_events)
        else:
            self._drain_timer.resume()
        self.model_worker(job)

    # -- the worker (thread) ---------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        with self._events_lock:
            self._events.append(event)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False, description="The model is working")
    def model_worker(self, job: ModelJob) -> None:
        outcome: Any = None
        try:
            job.waiting_for_model = True
            try:
                maker = self.app.services.maker()  # waits while the model gets ready
            finally:
                job.waiting_for_model = False
            if job.cancelled:  # Stop was pressed while it got ready: the job has ended already
                pass
            elif job.kind == "make":
                from vibecode.make import MakeRequest

                request = MakeRequest(idea=job.idea, current_program=job.program or None,
                                      conversation=job.conversation, contract=self.contract,
                                      allow_files=self.allow_files, trial_inputs=self.trial_inputs)
                outcome = maker.make(request, self._on_event)
            elif job.kind == "fix":
                outcome = maker.repair(job.program, job.run_result, self._on_event)
            else:
                outcome = maker.explain(job.program, job.part, self._on_event)
        except Exception as exc:  # the child sees a kind sentence; the log keeps the details
            log.exception("model job %s failed", job.kind)
            outcome = exc
        self.app.call_from_thread(self.job_done, job, outcome)

    # -- showing progress (UI thread) -------------------------------------------------------
    def drain_events(self) -> None:
        job = self.job
        if job is None:
            if self._drain_timer is not None:
                self._drain_timer.pause()  # nothing to show until the next job (_start resumes it)
            return
        with self._events_lock:
            events, self._events = self._events, []
        for event in events:
            kind, text = getattr(event, "kind", ""), getattr(event, "text", "") or ""
            if kind == "chunk":
                job.text += text
                job.tokens = max(job.tokens, int(getattr(event, "tokens", 0) or 0))
            elif kind == "attempt":
                job.text = ""
                job.tokens_before += job.tokens
                job.tokens = 0
                job.status = words.short(text.rstrip("."), 50) if text else "Trying again"
            elif kind in ("status", "checking", "trial") and text:
                job.status = words.short(text.rstrip("."), 50)
        getting_ready = self.app.services.getting_ready if not job.cancelled else None
        status = getting_ready or job.status
        prose, code = words.split_answer(job.text)
        if job.kind == "explain":
            self.chat.stream_text(job.text or "...")
        else:
            self.chat.stream_text(prose or ("Writing the code..." if code else "Thinking..."))
            if code is not None and code != self.editor.text:
                self._show_code_so_far(code)
        written = job.tokens_before + job.tokens
        self.chat.show_progress(None if getting_ready else written, status)  # no "0 words" while it gets ready
        if written != getattr(self, "_meter_written", None):  # the meter counts along while the model writes
            self._meter_written = written
            self.refresh_meter(writing=written)

    def _show_code_so_far(self, code: str) -> None:
        """Grow the editor with the new code (an edit, not load_text, which rebuilds the highlighter)."""
        editor = self.editor
        current = editor.text
        if code.startswith(current):
            editor.insert(code[len(current):], editor.document.end, maintain_selection_offset=False)
        else:
            editor.replace(code, (0, 0), editor.document.end, maintain_selection_offset=False)
        editor.scroll_end(animate=False)

    def job_done(self, job: ModelJob, outcome: Any) -> None:
        if job is not self.job:
            return  # ended already (Stop while the model was getting ready)
        self.drain_events()
        self.job = None
        self.editor.read_only = False
        self.run_panel.query_one("#stop").disabled = self.run_handle is None
        if job.kind == "explain":
            self._explained(outcome)
        else:
            self._made(job, outcome)
        self.refresh_meter()
        self.refresh_bindings()

    def _explained(self, outcome: Any) -> None:
        if outcome is None:  # stopped before the model was ready
            self.chat.end_stream("Stopped.")
            return
        if isinstance(outcome, Exception):
            self.chat.end_stream(words.trouble_words(outcome))
            return
        text = str(outcome).strip() or "I'm not sure. Try selecting a smaller part and ask again."
        self.chat.end_stream(text)
        self.store.add_message(self.project_id, "assistant", text)

    def _made(self, job: ModelJob, result: Any) -> None:
        if isinstance(result, Exception) or result is None:
            self.editor.load_text(self.saved_program)
            self.chat.end_stream(words.STOPPED_MAKING if job.cancelled else words.trouble_words(result))
            return
        self.store.add_usage(self.project_id, result.prompt_tokens, result.completion_tokens, result.seconds)
        if not result.program:
            self.editor.load_text(self.saved_program)
            message = words.STOPPED_MAKING if job.cancelled else (result.message or words.NO_CODE)
            self.chat.end_stream(message)
            self.store.add_message(self.project_id, "assistant", message)
            return
        if job.kind == "fix":
            run = job.run_result
            summary = words.summary_for_fix(getattr(run, "error_type", None), getattr(run, "error_line", None))
        else:
            summary = words.summary_for_idea(job.idea)
        self.store.add_checkpoint(self.project_id, result.program, summary, "fix" if job.kind == "fix" else "ai")
        self.set_program(result.program)
        # ok: the program works; not ok but a program: it has a problem the message explains
        parts = [result.explanation.strip()] if result.explanation and result.explanation.strip() else []
        parts.append(words.AFTER_PROGRAM if result.ok else (result.message or words.NO_CODE))
        reply = "\n\n".join(parts)
        self.store.add_message(self.project_id, "assistant", reply)
        self.chat.end_stream(reply)
        self.refresh_timeline()
