"""`python -m pyposenet ...`: the same as the `pyposenet` command."""

import sys

from .cli import main

sys.exit(main())
