"""vibecode's greedy loop (with prompt lookup and a remembered prompt start), on vibecode.lm.lean's model,
writes exactly what transformers' own greedy ``generate`` writes with transformers' model class. REAL tiny
model, quantized, in this process."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from vibecode.lm.decode import Draft, greedy, penalize
from vibecode.make import prompts

pytestmark = pytest.mark.model

PROGRAM = 'price = 2\ncups = int(input("How many cups? "))\nprint("That costs", cups * price, "dollars")\n'


def _load(tiny_backend, session_cache_dir, lean: bool):
    from vibecode.lm import quantized

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIBECODE_CACHE", str(session_cache_dir))
        return quantized.load_model(Path(tiny_backend.info()["folder"]), lean=lean)


@pytest.fixture(scope="module")
def tiny(tiny_backend, session_cache_dir):
    """The app's model (vibecode.lm.lean's modules) and its tokenizer."""
    from transformers import AutoTokenizer

    from vibecode.lm import lean

    model = _load(tiny_backend, session_cache_dir, lean=True)
    assert isinstance(model, lean.CausalLM)
    return model, AutoTokenizer.from_pretrained(Path(tiny_backend.info()["folder"]))


@pytest.fixture(scope="module")
def reference(tiny_backend, session_cache_dir):
    """The same weights in transformers' own model class, for its ``generate`` and forward."""
    model = _load(tiny_backend, session_cache_dir, lean=False)
    assert hasattr(model, "generate")
    return model


def _ids(tokenizer, messages) -> list[int]:
    text = tokenizer.apply_chat_template([m.to_dict() for m in messages], tokenize=False, add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _ours(model, prompt, *, cache=None, cached=0, draft=None, penalty=1.1, steps=None, max_new=40, one_token=None):
    from transformers import DynamicCache

    cache = cache if cache is not None else DynamicCache(config=model.config)
    out: list[int] = []

    def take(tokens):
        out.extend(tokens)
        if steps is not None:
            steps.append(len(tokens))
        return False

    with torch.inference_mode():
        sequence = greedy(model, prompt, cache, cached, max_new_tokens=max_new, eos=set(), repetition_penalty=penalty,
                          draft=draft, on_tokens=take, one_token=one_token)
    assert cache.get_seq_length() == len(sequence)  # what the cache holds is what we say it holds
    return out


def _theirs(model, prompt, penalty=1.1, max_new=40):
    with torch.inference_mode():
        result = model.generate(torch.tensor([prompt]), max_new_tokens=max_new, do_sample=False,
                                repetition_penalty=penalty, eos_token_id=None, pad_token_id=0)
    return result[0, len(prompt):].tolist()


@pytest.mark.parametrize("penalty", [1.0, 1.1])
def test_plain_greedy_matches_transformers(tiny, reference, penalty):
    model, tokenizer = tiny
    prompt = _ids(tokenizer, prompts.make_messages("a lemonade stand where I pick the price"))
    assert _ours(model, prompt, penalty=penalty) == _theirs(reference, prompt, penalty)


def test_prompt_lookup_keeps_the_text_and_saves_passes(tiny, reference):
    model, tokenizer = tiny
    prompt = _ids(tokenizer, prompts.make_messages("make it also say thank you", current_program=PROGRAM))
    steps: list[int] = []
    assert _ours(model, prompt, draft=Draft(tokens=10), steps=steps) == _theirs(reference, prompt)
    assert len(steps) < sum(steps)  # some passes brought more than one token


def test_the_engines_growing_cache_writes_the_same_text_and_copies_cleanly(tiny, reference, monkeypatch):
    """vibecode.lm.kv: buffers that grow (here from 3 spare places, so they grow several times), cropped
    by prompt lookup, deep-copied by the prompt cache: the same text as transformers, and a copy that
    does not change when the original goes on."""
    import copy

    from vibecode.lm import kv

    monkeypatch.setattr(kv, "SPARE", 3)
    model, tokenizer = tiny
    prompt = _ids(tokenizer, prompts.make_messages("make it also say thank you", current_program=PROGRAM))
    cache = kv.new_cache(model.config)
    assert all(isinstance(layer, kv.GrowingLayer) for layer in cache.layers)
    assert _ours(model, prompt, cache=cache, draft=Draft(tokens=10)) == _theirs(reference, prompt)
    kept = copy.deepcopy(cache)
    length = kept.get_seq_length()
    keys = kept.layers[0].keys.clone()
    with torch.inference_mode():
        model(input_ids=torch.tensor([[5, 6, 7]]), past_key_values=cache, use_cache=True,
              cache_position=torch.arange(length, length + 3))
    assert cache.get_seq_length() == length + 3 and kept.get_seq_length() == length
    assert torch.equal(kept.layers[0].keys, keys)
    kept.crop(-4)
    assert kept.get_seq_length() == length - 4 and torch.equal(kept.layers[0].keys, keys[..., :-4, :])
    kept.batch_repeat_interleave(2)  # what generate() does for several samples
    assert kept.layers[0].keys.shape[0] == 2 and torch.equal(kept.layers[0].keys[1], keys[0, :, :-4])
    kept.batch_select_indices(torch.tensor([1]))
    assert torch.equal(kept.layers[0].keys, keys[..., :-4, :])


def test_a_remembered_prompt_start_keeps_the_text(tiny, reference):
    from transformers import DynamicCache

    model, tokenizer = tiny
    prompt = _ids(tokenizer, prompts.make_messages("make it count to ten", current_program=PROGRAM))
    cache = DynamicCache(config=model.config)
    start = len(prompt) // 2
    with torch.inference_mode():
        model(input_ids=torch.tensor([prompt[:start]]), past_key_values=cache, use_cache=True)
    assert _ours(model, prompt, cache=cache, cached=start, draft=Draft(tokens=6)) == _theirs(reference, prompt)


def test_draft_is_what_followed_the_same_words_before():
    assert Draft(tokens=3, ngram=2).find([5, 6, 7, 8, 9, 1, 6, 7]) == [8, 9, 1]
    assert Draft(tokens=3, ngram=2).find([1, 2, 3]) == []
    # a draft ends after a token that ends the answer (its closing code fence, eos): nothing after it counts
    assert Draft(tokens=5, ngram=2, ends=frozenset({9})).find([5, 6, 7, 8, 9, 1, 2, 6, 7]) == [8, 9]
    assert Draft(tokens=5, ngram=2, ends=frozenset({9})).find([5, 6, 9, 1, 2, 6]) == [9]
    # new text drafts only after two matching words: one repeated word is a poor guess of what follows
    assert Draft(tokens=3, shortest=2).find([5, 6, 7, 8, 9, 1, 6]) == []
    assert Draft(tokens=3, shortest=2).find([5, 6, 7, 8, 9, 1, 5, 6]) == [7, 8, 9]
    assert Draft(tokens=3).find([5, 6, 7, 8, 9, 1, 6]) == [7, 8, 9]


def test_answer_ends_are_eos_and_code_fences_when_the_answer_stops_at_its_code_end():
    from vibecode.lm.decode import answer_ends

    vocab = {"print": 1, "```": 2, "Ġ```Ċ": 3, "``": 4, "`": 5, "<|im_end|>": 6, "Ġ``(": 7}
    assert answer_ends(vocab, {6}, code_end=True) == {2, 3, 4, 6, 7}
    assert answer_ends(vocab, {6}, code_end=False) == {6}


def test_drafts_grow_while_taken_whole_and_start_again_after_a_miss():
    draft = Draft()
    sizes = [draft.tokens]
    for _ in range(10):
        sizes.append(draft.next_size(sizes[-1], taken_whole=True))
    assert sizes == [3, 4, 6, 9, 13, 19, 28, 42, 63, 64, 64]
    assert draft.next_size(42, taken_whole=False, taken=5) == 3
    assert draft.next_size(42, taken_whole=False, taken=0) == 1  # it took none: new text, a one-token probe
    assert draft.next_size(1, taken_whole=True) == 3  # the probe was taken: the copy fits again, as at the start
    assert draft.next_size(1, taken_whole=False, taken=0) == 1
    assert Draft(missed=None).next_size(42, taken_whole=False, taken=0) == 3
    assert Draft(missed=5).next_size(5, taken_whole=True) == 7  # a probe as long as the start grows as usual
    assert Draft(tokens=1, growth=1.2).next_size(1, taken_whole=True) == 2  # always grows by a token at least


def test_penalty_matches_transformers_processor():
    from transformers import RepetitionPenaltyLogitsProcessor

    logits = torch.randn(50)
    history = torch.tensor([3, 7, 7, 20])
    expected = RepetitionPenaltyLogitsProcessor(1.3)(history[None], logits[None].clone())[0]
    assert torch.equal(penalize(logits, history, 1.3), expected)


def test_the_lean_one_token_pass_gives_the_models_own_logits(tiny, reference):
    """vibecode.lm.step.OneToken runs a token through the layers with far fewer torch calls than the model's
    forward: the very same logits (not just close), so greedy writes the same words."""
    from vibecode.lm import kv
    from vibecode.lm.step import OneToken

    model, tokenizer = tiny
    one = OneToken.for_model(model)
    assert one is not None  # the tiny model is a llama
    prompt = _ids(tokenizer, prompts.make_messages("a piggy bank that counts coins"))
    cache = kv.new_cache(model.config)
    with torch.inference_mode():
        reference(input_ids=torch.tensor([prompt]), past_key_values=cache, use_cache=True,
                  cache_position=torch.arange(len(prompt)), logits_to_keep=1)
        theirs = reference(input_ids=torch.tensor([[42]]), past_key_values=cache, use_cache=True,
                           cache_position=torch.tensor([len(prompt)]), logits_to_keep=1).logits[0, -1]
        cache.crop(-1)
        ours = one(42, len(prompt), cache)
    assert torch.equal(ours, theirs) and cache.get_seq_length() == len(prompt) + 1
    assert _ours(model, prompt, one_token=one, draft=Draft(tokens=6)) == _theirs(reference, prompt)


def test_the_lean_model_gives_transformers_logits_bit_for_bit(tiny, reference):
    """vibecode.lm.lean (what the app runs, without importing transformers' model code) against
    transformers' class with the same weights: a fresh prompt, the rest of a prompt whose start is in the
    cache (its own mask), one more token, and a pass without a cache. The very same numbers."""
    from vibecode.lm import kv

    model, tokenizer = tiny
    prompt = _ids(tokenizer, prompts.make_messages("make it count rainy days", current_program=PROGRAM))
    results = []
    with torch.inference_mode():
        for m in (model, reference):
            got = []
            for start in (0, len(prompt) // 3):
                cache = kv.new_cache(m.config)
                if start:
                    m(input_ids=torch.tensor([prompt[:start]]), past_key_values=cache, use_cache=True)
                got.append(m(input_ids=torch.tensor([prompt[start:]]), past_key_values=cache, use_cache=True).logits)
                got.append(m(input_ids=torch.tensor([[42]]), past_key_values=cache, use_cache=True,
                             logits_to_keep=1).logits)
            ids = torch.tensor([prompt[:20]])
            got.append(m(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False).logits)
            results.append(got)
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape and torch.equal(ours, theirs)
    assert results[0][0].shape[1] == len(prompt) and results[0][1].shape[1] == 1


def test_the_one_query_attention_kernel_matches_sdpa(tiny):
    """The fast form's attention for one new token (vibecode's kernel): SDPA's answer to float rounding, for
    grouped heads, views of a bigger cache buffer, and context lengths that are not multiples of 4 or 8."""
    import torch.nn.functional as F

    # heads of a key/value head go in threes (here 6, 3, 5 = 3 + 2, 1); head sizes not a multiple of 32 (80);
    # long contexts split the heads between two threads, also inside one key/value head (6 heads, 1 kv head)
    cases = [(12, 2, 1, 128), (12, 2, 301, 128), (9, 3, 37, 64), (10, 2, 50, 80), (4, 4, 6000, 64), (6, 1, 6000, 64)]
    for heads, kv_heads, length, dim in cases:
        keys = torch.randn(1, kv_heads, length + 9, dim)[:, :, :length]
        values = torch.randn(1, kv_heads, length + 9, dim)[:, :, :length]
        query = torch.randn(1, heads, 1, dim) * 3
        want = F.scaled_dot_product_attention(query, keys, values, scale=dim**-0.5, enable_gqa=heads != kv_heads)
        got = torch.ops.vibecode.decode_attention(query, keys, values, dim**-0.5)
        assert got.shape == want.shape and torch.allclose(got, want, atol=1e-5), (heads, length)
    with pytest.raises(RuntimeError, match="shapes"):
        torch.ops.vibecode.decode_attention(torch.randn(1, 5, 1, 64), torch.randn(1, 2, 9, 64), torch.randn(1, 2, 9, 64), 0.1)
