"""The class code: the real page server (textual-serve + our gate) in-process, driven over HTTP."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from vibecode.serve.gate import ClassGate, new_code, normalise, show_code
from vibecode.serve.room import is_loopback
from vibecode.serve.web import ClassroomServer, app_argv


async def _client(gate: ClassGate | None) -> TestClient:
    server = ClassroomServer(app_argv(None, "scripted:unused.json"), host="127.0.0.1", port=0, gate=gate)
    client = TestClient(TestServer(await server.make_app()))
    await client.start_server()
    return client


async def test_without_the_code_a_child_gets_a_friendly_page_not_the_app():
    client = await _client(ClassGate("KXP49Q"))
    try:
        page = await client.get("/")
        text = await page.text()
        assert page.status == 401
        assert "class code" in text and "Let me in" in text
        assert "textual.js" not in text  # not the app
        socket = await client.get("/ws")
        assert socket.status == 403
        wrong = await client.post("/join", data={"code": "AAAAAA"}, allow_redirects=False)
        assert wrong.status == 401
        assert "not quite right" in await wrong.text()
        still = await client.get("/")
        assert still.status == 401
    finally:
        await client.close()


async def test_the_right_code_opens_the_app_and_is_remembered():
    gate = ClassGate("KXP49Q")
    client = await _client(gate)
    try:
        joined = await client.post("/join", data={"code": " kxp-49q "}, allow_redirects=False)
        assert joined.status == 303 and joined.headers["Location"] == "/"
        assert "HttpOnly" in joined.headers["Set-Cookie"]
        page = await client.get("/")
        text = await page.text()
        assert page.status == 200
        assert "textual.js" in text
        assert f"ws://{client.server.host}:{client.server.port}/ws" in text  # from the address the browser used
        assert gate.accepted == 1
        static = await client.get("/static/js/textual.js")
        assert static.status == 200
    finally:
        await client.close()


async def test_a_cookie_from_another_server_run_does_not_open_it():
    old = ClassGate("KXP49Q")
    client = await _client(ClassGate("KXP49Q"))
    try:
        client.session.cookie_jar.update_cookies({"vibecode_class": old.token()})
        page = await client.get("/")
        assert page.status == 401
    finally:
        await client.close()


async def test_on_this_computer_only_no_code_is_needed():
    client = await _client(None)
    try:
        page = await client.get("/")
        assert page.status == 200 and "textual.js" in await page.text()
    finally:
        await client.close()


def test_codes_are_easy_to_copy_and_loopback_is_recognised():
    code = new_code()
    assert len(code) == 6 and not set(code) & set("0O1IL")
    assert normalise(show_code(code).lower()) == code
    assert show_code("KXP49Q") == "KXP-49Q"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
