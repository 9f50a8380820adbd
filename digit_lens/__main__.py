"""`python -m digit_lens`: the same as the `digit-lens` command."""

import sys

from digit_lens.cli import main

sys.exit(main())
