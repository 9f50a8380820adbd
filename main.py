"""Digit Lens from a checkout: `python main.py` opens the window; `python main.py --help` lists the commands.

The installed `digit-lens` command runs the same `digit_lens.cli.main`.
"""

import sys

from digit_lens.cli import main

if __name__ == "__main__":
    sys.exit(main())
