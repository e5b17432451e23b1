import sys

from vibecode.cli import main

sys.exit(main())
