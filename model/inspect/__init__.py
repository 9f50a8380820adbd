"""Seeing inside a model: preprocessing, the stage-by-stage forward pass, lineage, verdicts and the kernel maths."""
