"""Digit Lens: draw a digit and watch a convolutional network see it.

The installed distribution's own name space: the command line (`digit_lens.cli`), `python -m digit_lens`, and the
files the wheel carries (`digit_lens/resources`). Importing it imports nothing else.
"""
