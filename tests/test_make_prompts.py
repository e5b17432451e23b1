"""What the pipeline sends to the model: short, with the right context."""

from __future__ import annotations

from vibecode.lm.base import ChatMessage
from vibecode.make.prompts import make_messages


def roles(messages):
    return [m.role for m in messages]


def test_new_program_has_one_example_turn_then_the_idea():
    msgs = make_messages("a shop that sells toys", examples=1)
    assert roles(msgs) == ["system", "user", "assistant", "user"]
    assert "```python" in msgs[2].content
    assert msgs[-1].content == "a shop that sells toys"
    assert roles(make_messages("a shop", examples=0)) == ["system", "user"]


def test_change_request_carries_the_current_program_and_no_example():
    old = "print('hi')\n"
    msgs = make_messages("make it also say bye", current_program=old, examples=1)
    assert roles(msgs) == ["system", "user"]
    assert "print('hi')" in msgs[-1].content and "make it also say bye" in msgs[-1].content
    assert "whole new program" in msgs[-1].content


def test_contract_and_files_go_into_the_system_prompt():
    msgs = make_messages("a lemonade stand", contract="ask for the price with input()", allow_files=True)
    assert "ask for the price with input()" in msgs[0].content
    assert "files" in msgs[0].content.split("Rules:")[1]


def test_conversation_is_trimmed_and_alternates():
    convo = [
        ChatMessage("assistant", "Hi! What shall we make?"),
        ChatMessage("user", "a game"),
        ChatMessage("user", "with dragons " * 100),
        ChatMessage("assistant", "Here it is:\n```python\nprint('dragon')\n```"),
        ChatMessage("user", "cool"),
    ]
    msgs = make_messages("now add a score", conversation=convo, examples=0)
    body = msgs[1:]
    assert body[0].role == "user"
    assert all(a.role != b.role for a, b in zip(body, body[1:]))
    assert all(len(m.content) < 700 for m in body)
    assert "print('dragon')" not in "".join(m.content for m in body)
    assert body[-1].content == "now add a score"


def test_a_python_contract_is_shown_as_code_to_write():
    contract = 'def profit(made, sold, price, cost):\n    """Profit in cents."""'
    system = make_messages("make profit", contract=contract)[0].content
    assert "write them with exactly these names and arguments:\n```python\ndef profit(" in system
    assert system.rstrip().endswith("```")
