"""Widgets the screens share: feature-map mosaics, strips and bars, the map detail, file drops, scripted drawing."""
