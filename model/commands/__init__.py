"""The command line's work (`python main.py classify|train|inspect|convolve`); no Qt."""
