"""The class code: on the school network only children who know it get the app.

``vibecode serve`` binds to localhost by default, where no code is needed. When it listens on the network,
the teacher sees a short class code at start-up and writes it on the board. A browser without the code gets a
friendly page asking for it (never the app); the right code sets a cookie for this server run, so a page reload
does not ask again. Wrong codes are answered slowly, so guessing is pointless.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

COOKIE = "vibecode_class"
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to copy from a board
WRONG_CODE_DELAY = 1.0
OPEN_PATHS = ("/join", "/favicon.ico")


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(code: str) -> str:
    """What the child typed, forgiving spaces, dashes and small letters."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def show_code(code: str) -> str:
    """``KXP49Q`` -> ``KXP-49Q`` (easier to read from the board)."""
    code = normalise(code)
    return f"{code[:3]}-{code[3:]}" if len(code) > 4 else code


class ClassGate:
    """Checks the class code (a cookie holding a keyed hash of it) before the app or its websocket."""

    def __init__(self, code: str, title: str = "vibecode") -> None:
        self.code = normalise(code)
        self.title = title
        self._key = secrets.token_bytes(32)  # new each run: yesterday's cookie does not open today's class
        self.refused = 0
        self.accepted = 0

    def token(self) -> str:
        return hmac.new(self._key, self.code.encode(), hashlib.sha256).hexdigest()

    def allowed(self, request: web.Request) -> bool:
        return hmac.compare_digest(request.cookies.get(COOKIE, ""), self.token())

    def matches(self, typed: str) -> bool:
        return hmac.compare_digest(normalise(typed).encode(), self.code.encode())

    @web.middleware
    async def middleware(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.path in OPEN_PATHS or request.path.startswith("/static/") or self.allowed(request):
            return await handler(request)
        self.refused += 1
        if request.path == "/ws":
            raise web.HTTPForbidden(text="This class needs the class code first.")
        return self.page(status=401)

    async def handle_join(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            return self.page()
        form = await request.post()
        typed = str(form.get("code", ""))
        if not self.matches(typed):
            self.refused += 1
            await asyncio.sleep(WRONG_CODE_DELAY)
            return self.page(wrong=bool(typed.strip()), status=401)
        self.accepted += 1
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, self.token(), httponly=True, samesite="Strict", path="/")
        raise response

    def page(self, wrong: bool = False, status: int = 200) -> web.Response:
        note = ("<p class='oops'>That code is not quite right. Look at the board and try again.</p>"
                if wrong else "")
        body = PAGE.format(title=html.escape(self.title), note=note)
        return web.Response(text=body, content_type="text/html", status=status)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: class code</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body {{ background:#1a1b26; color:#e6e6f0; font-family: sans-serif; display:flex; align-items:center;
        justify-content:center; height:100vh; margin:0; }}
 main {{ background:#232434; padding:2.5em 3em; border-radius:16px; max-width:30em; text-align:center; }}
 h1 {{ color:#7aa2f7; margin-top:0; }}
 input {{ font-size:1.6em; text-align:center; letter-spacing:0.2em; width:8em; padding:0.3em; border-radius:8px;
         border:2px solid #7aa2f7; background:#1a1b26; color:#e6e6f0; text-transform:uppercase; }}
 button {{ font-size:1.2em; margin-top:1em; padding:0.5em 1.5em; border-radius:8px; border:none;
          background:#9ece6a; color:#1a1b26; cursor:pointer; }}
 .oops {{ color:#ffb86c; }}
</style></head>
<body><main>
 <h1>Welcome to {title}!</h1>
 <p>Your teacher has a <b>class code</b> for today. It is on the board or on the teacher's screen.</p>
 <p>Type it here to start:</p>
 {note}
 <form method="post" action="/join">
  <input name="code" id="code" autocomplete="off" autofocus aria-label="class code" maxlength="12">
  <br><button type="submit">Let me in</button>
 </form>
 <p><small>Can't find it? Put your hand up and ask your teacher.</small></p>
</main></body></html>
"""
