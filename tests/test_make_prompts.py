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


def test_before_idea_is_what_comes_before_the_childs_words():
    """What the app lets the model read while the child types: never the idea itself."""
    from vibecode.make.prompts import CHANGE_LEAD, CHANGE_START, before_idea, continue_messages

    idea = "a lemonade stand where I pick the price"
    new = make_messages(idea)
    ahead = before_idea(new)
    assert ahead == new[:-1] and [m.role for m in ahead] == ["system", "user", "assistant"]
    assert all(idea not in m.content for m in ahead)

    program = 'price = 2\nprint("Change it: not here")\n'
    change = make_messages("make it cost 3", current_program=program)
    ahead = before_idea(change)
    assert ahead[:-1] == change[:-1]
    last = ahead[-1].content
    assert last.endswith(CHANGE_LEAD) and program.strip() in last and "make it cost 3" not in last
    assert change[-1].content.startswith(last)  # the real prompt goes on from there

    continued = continue_messages(new, "Here it is.\n```python\nprint(1)\n```", "make it cost 3")
    ahead = before_idea(continued)
    assert ahead[:-1] == continued[:-1] and ahead[-1].content == CHANGE_START
    assert continued[-1].content == f"{CHANGE_START} make it cost 3"
