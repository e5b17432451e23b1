"""vibecode.lm.lean: the llama-family model without transformers' model classes (the app's quantized forms),
and the sampling the engine and the class server share. The tiny model's checks are in test_lm_decode.py;
here a small random Qwen2 (biases on q/k/v, grouped heads) that needs no model files, and the engine start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vibecode.lm import kv, lean
from vibecode.lm.base import GenerateOptions
from vibecode.lm.decode import Sampling

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def qwen_pair():
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(vocab_size=500, hidden_size=256, intermediate_size=512, num_hidden_layers=2,
                         num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=2048)
    torch.manual_seed(5)
    reference = Qwen2ForCausalLM(config).eval()
    for parameter in reference.parameters():  # biases start at zero in transformers: make them count
        parameter.data.normal_(0, 0.05)
    model = lean.CausalLM(config)
    model.load_state_dict(reference.state_dict(), assign=True)
    return model.eval(), reference


def test_a_random_qwen2_gives_transformers_logits_bit_for_bit(qwen_pair):
    model, reference = qwen_pair
    assert lean.supports(model.config)
    prompt = torch.randint(0, 500, (1, 37))
    results = []
    with torch.inference_mode():
        for m in qwen_pair:
            cache = kv.new_cache(m.config)
            first = m(input_ids=prompt[:, :12], past_key_values=cache, use_cache=True).logits
            rest = m(input_ids=prompt[:, 12:], past_key_values=cache, use_cache=True, logits_to_keep=1).logits
            one = m(input_ids=torch.tensor([[7]]), past_key_values=cache, use_cache=True).logits
            whole = m(input_ids=prompt, use_cache=False).logits
            results.append((first, rest, one, whole))
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape and torch.equal(ours, theirs)
    # the rest of a prompt after a cached start (masked path) gives what the whole prompt in one pass gives
    assert torch.allclose(results[0][1][0, -1], results[0][3][0, -1], atol=1e-4)


def test_models_it_does_not_know_are_left_to_transformers():
    from transformers import LlamaConfig, Qwen2Config

    assert lean.supports(LlamaConfig(num_hidden_layers=1))
    assert not lean.supports(Qwen2Config(num_hidden_layers=1, use_sliding_window=True, sliding_window=64))
    assert not lean.supports(LlamaConfig(num_hidden_layers=1, mlp_bias=True))
    assert not lean.supports(LlamaConfig(num_hidden_layers=1, rope_parameters={"rope_type": "dynamic", "factor": 2.0,
                                                                               "rope_theta": 10000.0}))
    assert not lean.supports(LlamaConfig(num_hidden_layers=1, hidden_act="gelu"))


def test_sampling_keeps_the_words_transformers_keeps_and_draws_as_it_does():
    from transformers.generation.logits_process import (LogitsProcessorList, TemperatureLogitsWarper,
                                                        TopKLogitsWarper, TopPLogitsWarper)

    torch.manual_seed(2)
    scores = torch.randn(1000) * 4
    sample = Sampling.for_options(GenerateOptions(temperature=0.8, top_p=0.9, seed=11))
    assert sample is not None and sample.top_k == 50
    warp = LogitsProcessorList([TemperatureLogitsWarper(0.8), TopKLogitsWarper(50), TopPLogitsWarper(0.9)])
    theirs = warp(torch.zeros(1, 3, dtype=torch.long), scores[None].clone())[0]
    ours = sample.kept(scores)
    assert torch.equal(ours, theirs) and 1 < int(torch.isfinite(ours).sum()) <= 50
    draws = [sample(scores) for _ in range(20)]
    again = Sampling.for_options(GenerateOptions(temperature=0.8, top_p=0.9, seed=11))
    assert [again(scores) for _ in range(20)] == draws  # the same seed, the same words
    assert all(torch.isfinite(ours[d]) for d in draws) and len(set(draws)) > 1
    assert Sampling.for_options(GenerateOptions(temperature=0.0)) is None  # greedy


@pytest.mark.model
def test_the_engine_starts_without_transformers_model_code(tiny_backend, session_cache_dir, tmp_path):
    """The quantized forms run vibecode.lm.lean: transformers' modeling code (with the torch._dynamo and
    torch.distributed modules it pulls in: ~2 s of every start on 2 cores) is never imported. (The tiny
    model is a llama, whose config module imports torch._dynamo by itself; Qwen2's does not, so the 1.5B
    starts without it. Only the model code is checked here.)"""
    info = tiny_backend.info()
    if info["precision"] == "float32":
        pytest.skip(f"vibecode's kernels do not run here ({info.get('precision_reason')}): float32 is transformers'")
    script = ("import json, sys\nfrom vibecode.lm.engine import LocalModel\nm = LocalModel('tiny')\nm.load()\n"
              "print(json.dumps([type(m.model).__module__, m.one_token is not None,"
              " 'transformers.modeling_utils' in sys.modules]))\n")
    env = dict(os.environ, VIBECODE_CACHE=str(session_cache_dir), VIBECODE_HOME=str(tmp_path),
               VIBECODE_PRECISION="quantized", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["vibecode.lm.lean", True, False]
