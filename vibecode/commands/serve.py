"""``vibecode serve``: serve the app to a whole class's browsers from this computer (classroom mode)."""

from __future__ import annotations

import argparse
import sys

VLLM_HELP = (
    "A school with a GPU server: run 'vllm serve Qwen/Qwen2.5-Coder-1.5B-Instruct --port 8000' there, then "
    "'vibecode serve --host 0.0.0.0 --model-url http://GPU-SERVER:8000/v1 "
    "--model-name Qwen/Qwen2.5-Coder-1.5B-Instruct' in every room."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve vibecode to the whole class's browsers from this computer",
        description="Serve vibecode to every browser in the classroom. One shared model server answers all "
                    "children fairly; each child types a name and gets their own app. " + VLLM_HELP,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="where to listen: 127.0.0.1 (this computer only, the default) or 0.0.0.0 (the "
                             "classroom network; children then need the class code)")
    parser.add_argument("--port", type=int, default=8000, help="port for the browsers (default 8000)")
    parser.add_argument("--model", help="which model the shared server runs (default: the usual one)")
    parser.add_argument("--model-url", help="use this OpenAI-compatible server instead (e.g. vLLM: http://host:8000/v1)")
    parser.add_argument("--model-name", help="the model name that --model-url server expects")
    parser.add_argument("--api-key", help="key for --model-url, if that server needs one")
    parser.add_argument("--max-active", type=int, default=8,
                        help="how many children's requests the model works on at once (default 8)")
    parser.add_argument("--code", help="use this class code instead of a new random one")
    parser.add_argument("--require-code", action="store_true", help="ask for the class code even on localhost")
    parser.add_argument("--threads", type=int, help="CPU threads for the model server")
    parser.add_argument("--no-batching", action="store_true",
                        help="answer one child after another instead of batching (try it if this computer is "
                             "also busy with other heavy work: batching needs the CPU to itself)")
    parser.add_argument("--engine", choices=("auto", "vibecode", "transformers"), default="auto",
                        help="the model server to start: vibecode's own (quantized weights, the default where "
                             "this computer can run them) or transformers serve (float32, needs far more "
                             "memory)")
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from vibecode.paths import log_dir
    from vibecode.serve.engine import EngineStartError
    from vibecode.serve.room import ClassRoom, RoomConfig

    handler = logging.FileHandler(log_dir() / "serve.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("vibecode")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    config = RoomConfig(
        host=args.host, port=args.port, model=args.model or getattr(args, "app_model", None),
        model_url=args.model_url, model_name=args.model_name, api_key=args.api_key,
        max_active=args.max_active, class_code=args.code, require_code=True if args.require_code else None,
        threads=args.threads, batching=not args.no_batching, engine=args.engine,
    )

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        asyncio.run(ClassRoom(config, say=say).run())
    except EngineStartError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        logger.exception("serve failed")
        print(f"vibecode could not start serving on {args.host}:{args.port} ({exc.strerror or exc}). "
              "Is another server using that port? Try --port 8001.", file=sys.stderr)
        return 1
    print("Stopped. Every app and the model server have been closed.", flush=True)
    return 0
