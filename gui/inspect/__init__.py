"""The Draw & Inspect screen: canvas, model-input panel, the stage pipeline and the probabilities."""
