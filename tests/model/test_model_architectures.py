"""The seed architectures have the shapes people learn them by."""

from __future__ import annotations

import pytest

from model.nets.architectures import ARCHITECTURE_SUMMARIES, ARCHITECTURES, build
from model.inspect.inspection import Inspector

EXPECTED = {
    "mlp": [("input", (28, 28, 1)), ("flatten", (784,)), ("dense", (128,)), ("dense_relu", (128,)), ("output", (10,))],
    "cnn_small": [("input", (28, 28, 1)), ("conv1", (26, 26, 32)), ("relu1", (26, 26, 32)), ("pool1", (13, 13, 32)),
                  ("flatten", (5408,)), ("dense", (128,)), ("dense_relu", (128,)), ("output", (10,))],
    "cnn_deep": [("input", (28, 28, 1)), ("conv1", (26, 26, 32)), ("relu1", (26, 26, 32)), ("pool1", (13, 13, 32)),
                 ("conv2", (11, 11, 64)), ("relu2", (11, 11, 64)), ("pool2", (5, 5, 64)),
                 ("flatten", (1600,)), ("dense", (128,)), ("dense_relu", (128,)), ("output", (10,))],
    "colour_cnn": [("input", (64, 64, 3)), ("conv1", (62, 62, 32)), ("relu1", (62, 62, 32)), ("pool1", (31, 31, 32)),
                   ("conv2", (29, 29, 64)), ("relu2", (29, 29, 64)), ("pool2", (14, 14, 64)),
                   ("flatten", (12544,)), ("dense", (128,)), ("dense_relu", (128,)), ("output", (10,))],
    "cats_dogs": [("input", (50, 50, 1)), ("conv1", (48, 48, 64)), ("relu1", (48, 48, 64)), ("pool1", (24, 24, 64)),
                  ("conv2", (22, 22, 64)), ("relu2", (22, 22, 64)), ("pool2", (11, 11, 64)),
                  ("flatten", (7744,)), ("dense", (64,)), ("output", (1,))],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_seed_architectures_have_the_documented_stages_and_shapes(name):
    inspector = Inspector(build(name))
    assert [(s.name, s.output_shape) for s in inspector.stages] == EXPECTED[name]
    assert all(s.description for s in inspector.stages)


def test_shipped_architecture_is_one_of_the_named_ones():
    assert set(ARCHITECTURES) == {"mlp", "cnn_small", "cnn_deep", "cnn_lens", "colour_cnn", "cats_dogs"} \
        == set(ARCHITECTURE_SUMMARIES)
    model = build("cnn_lens")
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)


def test_any_architecture_builds_at_a_chosen_size_with_sigmoid_for_two_classes():
    model = build("cnn_small", (32, 32, 3), 2)
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 1)
    assert model.layers[-1].activation.__name__ == "sigmoid"
    assert build("colour_cnn", classes=5).output_shape == (None, 5)


def test_unknown_architecture_names_the_choices():
    with pytest.raises(ValueError, match="cnn_small"):
        build("resnet")
