"""The model's memory of recent prompts: a prompt that starts like an earlier one is not read again, and
the answer is the same as when it is read from scratch (REAL tiny model; real transformers caches)."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from vibecode.lm import ChatMessage, GenerateOptions
from vibecode.lm.client import WorkerBackend
from vibecode.lm.prompt_cache import MIN_REUSE, PromptCache
from vibecode.make import prompts


def _cache(tokens: int) -> DynamicCache:
    """A real one-layer cache holding ``tokens`` positions; position i holds the value i."""
    cache = DynamicCache()
    values = torch.arange(tokens, dtype=torch.float32).view(1, 1, tokens, 1)
    cache.update(values, values.clone(), 0)
    return cache


def test_the_longest_matching_start_is_copied_and_the_original_kept():
    memory = PromptCache(slots=2)
    first = list(range(100, 160))
    memory.keep(_cache(len(first)), first)
    asked = first[:40] + [7, 8, 9]
    cache, reused = memory.start(asked, DynamicCache)
    assert reused == 40 and cache.get_seq_length() == 40
    assert cache.layers[0].keys[0, 0, -1, 0].item() == 39  # the first 40 positions, in order
    assert memory.entries[0].cache.get_seq_length() == 60  # what we remember is untouched


def test_a_short_match_or_an_unknown_prompt_starts_fresh():
    memory = PromptCache()
    memory.keep(_cache(50), list(range(50)))
    _, reused = memory.start(list(range(MIN_REUSE - 1)) + [999], DynamicCache)
    assert reused == 0
    cache, reused = memory.start([5, 4, 3], DynamicCache)
    assert reused == 0 and cache.get_seq_length() == 0


def test_the_model_always_reads_the_last_token_itself():
    memory = PromptCache()
    memory.keep(_cache(30), list(range(30)))
    _, reused = memory.start(list(range(30)), DynamicCache)  # the very same prompt again
    assert reused == 29


def test_the_oldest_prompt_is_forgotten_first():
    memory = PromptCache(slots=2)
    for start in (0, 1000, 2000):
        memory.keep(_cache(20), list(range(start, start + 20)))
    kept = sorted(entry.ids[0] for entry in memory.entries)
    assert kept == [1000, 2000]


def test_words_read_ahead_at_each_pause_take_one_slot_and_the_answer_replaces_them():
    """The app reads the prompt with the child's words at each pause in typing (tentative): those prompts are
    not the start of one another, so without care five pauses would push the chat's answers out."""
    memory = PromptCache(slots=3)
    chat = list(range(100, 160))  # an earlier answer: the next change continues it
    memory.keep(_cache(len(chat)), chat)
    for pause in range(5):
        typed = chat[:40] + list(range(500, 503 + pause)) + [2, 3]  # the words so far, then the message's end
        memory.keep(_cache(len(typed)), typed, tentative=True)
    assert [e.ids for e in memory.entries if e.tentative] == [typed]
    assert any(e.ids == chat for e in memory.entries)
    answered = typed + [9, 9, 9]  # Enter: the answer to the prompt read ahead replaces it
    memory.keep(_cache(len(answered)), answered)
    assert sorted(len(e.ids) for e in memory.entries) == sorted([len(chat), len(answered)])
    assert not any(e.tentative for e in memory.entries)


@pytest.mark.model
def test_a_remembered_start_gives_the_same_answer_sooner(tiny_backend, session_cache_dir, tmp_path):
    options = GenerateOptions(max_new_tokens=24, stop_at_code_end=False)
    tiny_backend.complete(prompts.make_messages("a lemonade stand where I pick the price"), options)
    ask = prompts.make_messages("a quiz about animals with 3 questions")
    remembered = tiny_backend.complete(ask, options)
    stats = tiny_backend.last_stats
    system_tokens = 100  # the pipeline's system prompt is longer than this
    assert stats.cached_prompt_tokens > system_tokens and stats.cached_prompt_tokens < stats.prompt_tokens

    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path), "VIBECODE_PRECISION": "quantized"}
    fresh_backend = WorkerBackend("tiny", env=env)  # the same kernel as tiny_backend's
    try:
        fresh = fresh_backend.complete(ask, options)
        assert fresh_backend.last_stats.cached_prompt_tokens == 0
        assert fresh == remembered
        # reading the system prompt ahead (the app does it at warm-up) makes the next prompt start there
        fresh_backend.prefill([ChatMessage("system", prompts.system_prompt(None, allow_files=False))])
        fresh_backend.complete(prompts.make_messages("a piggy bank that counts coins"), options)
        assert fresh_backend.last_stats.cached_prompt_tokens > system_tokens
    finally:
        fresh_backend.close()


@pytest.mark.model
def test_reading_ahead_while_the_child_types_leaves_only_the_template_to_read(tiny_backend):
    """REAL tiny model. The app has the model read the prompt at each pause while the child types
    (Maker.read_ahead): the example a new idea picks, or the child's program for a change, and the words so
    far. After Enter nothing is left to read (the model has even begun the answer), or only the words typed
    since the pause and the chat template's last tokens (that the answer is the same text however the
    prompt was split: test_lm_quantized)."""
    from vibecode.make import Maker, MakeRequest

    maker = Maker(tiny_backend, retry="none", max_new_tokens=8)
    program = "\n".join(f'print("line {i}: lemonade costs {i} dollars")' for i in range(12)) + "\n"
    typed = [  # (the words at the last pause, the words at Enter)
        ("a robot that tells jokes about vegetables", "a robot that tells jokes about vegetables"),
        ("make it also say thank you", "make it also say thank you"),
        ("make it also", "make it also say thank you at the very end"),
    ]
    for paused, sent in typed:
        current = program if sent.startswith("make it") else None
        maker.read_ahead(MakeRequest(idea=paused, current_program=current))
        maker.make(MakeRequest(idea=sent, current_program=current))
        stats = tiny_backend.last_stats
        left = stats.prompt_tokens - stats.cached_prompt_tokens
        assert stats.cached_prompt_tokens > 150, (stats.prompt_tokens, stats.cached_prompt_tokens)
        if paused == sent:  # all read, and the answer begun, before Enter (the next test)
            assert left == 0 and stats.written_ahead >= 1, (stats.prompt_tokens, stats.cached_prompt_tokens)
        else:  # the words typed after the pause, and the template
            assert 8 < left <= 20 and stats.written_ahead == 0, (stats.prompt_tokens, stats.cached_prompt_tokens)


@pytest.mark.model
def test_the_answer_written_while_the_child_pauses_is_the_same_text_and_words_typed_after_are_answered_anew(
        tiny_backend):
    """REAL tiny model. After reading the words at a pause the model writes make's first answer until its next
    request; Enter with the same words shows what it wrote and goes on from there: the same text as written
    plainly, none of it written after Enter once the pause was long enough. Words changed after the pause get
    their own answer (nothing written ahead is used)."""
    import time

    from vibecode.make import Maker, MakeRequest

    maker = Maker(tiny_backend, retry="none", max_new_tokens=24)
    program = "coins = 20\nprint('You have', coins, 'coins')\n"
    for request in (MakeRequest(idea="a piggy bank that counts my coins"),
                    MakeRequest(idea="make it also say thank you", current_program=program)):
        maker.read_ahead(request)
        time.sleep(5)  # the child looks at the words before Enter (24 tokens take the tiny model < 1 s)
        ahead = maker.make(request)
        stats = tiny_backend.last_stats
        assert stats.written_ahead == stats.completion_tokens > 0
        assert stats.cached_prompt_tokens == stats.prompt_tokens
        plain = maker.make(request)  # again, with nothing written ahead: the plain way
        assert tiny_backend.last_stats.written_ahead == 0
        assert [a.answer for a in ahead.attempt_log] == [a.answer for a in plain.attempt_log]

    maker.read_ahead(MakeRequest(idea="a shop that sells apples"))
    time.sleep(1)
    other = maker.make(MakeRequest(idea="a shop that sells apples and pears"))
    assert tiny_backend.last_stats.written_ahead == 0 and other.attempt_log


@pytest.mark.model
def test_a_read_ahead_a_newer_request_cut_short_writes_no_answer_ahead(tiny_backend):
    """REAL tiny model in its worker. A newer request (Enter, a newer pause, an edit) sends stop_reading for
    the prompt being read ahead: its read stops after the piece it is in (the fused pass reads in pieces;
    decode.read's test: test_lm_quantized) and the worker does not go on to write its answer ahead, so the
    newer request starts at once. Sent here before the read starts: nothing is written ahead, where the
    same read not cut has the answer written ahead by the time the child presses Enter."""
    import time
    import uuid

    options = GenerateOptions(max_new_tokens=8, stop_at_code_end=False)
    for cut in (True, False):
        # a system prompt no other prompt had: nothing written ahead before can match
        messages = [ChatMessage("system", f"You are helper {uuid.uuid4()}."),
                    ChatMessage("user", "a shop that sells apples and pears")]
        if cut:  # the id the next request gets (the client counts them)
            tiny_backend._send(op="stop_reading", id=next(tiny_backend._ids) + 1)
        tiny_backend.prefill(messages, tentative=True, answer=options)
        time.sleep(2)  # 8 tokens take the tiny model well under a second
        tiny_backend.complete(messages, options)
        stats = tiny_backend.last_stats
        left = stats.prompt_tokens - stats.cached_prompt_tokens  # read ahead either way (one piece: all of it)
        if cut:  # ... but not the answer's start ("<|im_start|>assistant\n"), read by the answer itself
            assert 0 < left <= 6 and stats.written_ahead == 0, stats
        else:
            assert left == 0 and stats.written_ahead == stats.completion_tokens > 0, stats
