"""Training: the loop and its callbacks, run control, augmentation, numbers for watching a run."""
