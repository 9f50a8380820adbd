"""Screenshots of the window, made offscreen by the app itself: python -m gui.screenshots.<screen>."""
