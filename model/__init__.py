"""The model side of Digit Lens: data, networks, inspection and training, with TensorFlow; never Qt."""
