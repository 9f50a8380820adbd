"""Where images come from: MNIST, image files, handwriting-style training digits, the made-up photo scene."""
