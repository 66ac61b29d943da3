"""`python -m audit.verify LEDGER.jsonl [...]`: see audit/verify/__init__.py for what it checks."""

import sys

from audit.verify.cli import main

if __name__ == "__main__":  # not when a spawned worker process imports this module
    sys.exit(main())
