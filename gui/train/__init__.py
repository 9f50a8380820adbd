"""The Train screen: settings, the background run, live curves, filters and the confusion matrix."""
