"""Networks: the architectures Digit Lens builds, the catalogue of layer explanations, reading and saving model files."""
