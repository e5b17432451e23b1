"""``python -m sandbox run FILE [--input FILE] [--timeout S] [--json]`` | ``probe`` | ``bench``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
