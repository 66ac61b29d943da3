"""python -m audit.verify: see audit/verify/__init__.py."""

import sys

from audit.verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
