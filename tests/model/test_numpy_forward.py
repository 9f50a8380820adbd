"""Chain-shaped models run in numpy give TensorFlow's stage outputs, from a loaded model and straight from its file."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import layers

from model.inspect.inspection import Inspector
from model.inspect.numpy_forward import NumpyForward, Unsupported
from model.inspect.preview import open_preview
from model.nets.architectures import ARCHITECTURE_SUMMARIES, build
from model.nets.store import SHIPPED_MODEL, read_info, save_model_atomic


def keras_stages(model: keras.Model, batch: np.ndarray) -> list[np.ndarray]:
    """Every layer's output as Keras computes it (TensorFlow, inference mode)."""
    chain = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    multi = keras.Model(model.inputs, [layer.output for layer in chain])
    return [np.asarray(out) for out in multi([batch], training=False)]


def randomised(model: keras.Model, seed: int = 0) -> keras.Model:
    """Weights and batch-norm statistics made random, so every term of every layer counts."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            made = [rng.normal(0, 0.3, w.shape).astype(np.float32) for w in weights]
            if isinstance(layer, layers.BatchNormalization):
                made[-1] = rng.uniform(0.5, 2.0, weights[-1].shape).astype(np.float32)  # variances are positive
            layer.set_weights(made)
    return model


def sequential_model() -> keras.Model:
    return keras.Sequential([keras.Input((20, 24, 3)), layers.Rescaling(1 / 255), layers.Conv2D(6, 3, strides=2, padding="same"),
                             layers.ReLU(max_value=6.0), layers.AveragePooling2D(2), layers.Conv2D(5, 3, activation="tanh"),
                             layers.GlobalMaxPooling2D(), layers.Dense(3), layers.Activation("sigmoid"), layers.Dense(4),
                             layers.Softmax()], name="sequential_user")


@pytest.mark.parametrize("name", list(ARCHITECTURE_SUMMARIES))
def test_every_architecture_runs_in_numpy_with_tensorflows_outputs(name, tmp_path):
    model = randomised(build(name))
    inspector = Inspector(model)
    assert inspector.numpy_forward is not None  # checked against TensorFlow when the Inspector was made
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 1, inspector.input_shape).astype(np.float32)
    shown = inspector.inspect(image)
    expected = keras_stages(model, inspector.spec.to_model_values(image)[None])
    for out, want in zip(shown.layers[1:], expected):
        np.testing.assert_allclose(out.values, want[0], rtol=1e-4, atol=1e-4 * (1 + np.abs(want).max()))
    np.testing.assert_allclose(shown.probabilities, inspector.spec.probabilities(expected[-1][0]), atol=1e-5)

    preview = open_preview(save_model_atomic(model, tmp_path / f"{name}.keras"))
    assert preview is not None and preview.model is None and preview.preview
    assert preview.stages == inspector.stages and preview.spec == inspector.spec
    assert preview.parameter_count == inspector.parameter_count
    from_file = preview.inspect(image)
    for out, want in zip(from_file.layers, shown.layers):
        np.testing.assert_allclose(out.values, want.values, rtol=1e-5, atol=1e-6)


def test_a_sequential_model_with_strides_padding_and_other_activations_matches_from_its_file(tmp_path):
    model = randomised(sequential_model())
    inspector = Inspector(model)
    assert inspector.numpy_forward is not None
    image = np.random.default_rng(2).uniform(0, 1, (20, 24, 3)).astype(np.float32)
    expected = keras_stages(model, inspector.spec.to_model_values(image)[None])
    preview = open_preview(save_model_atomic(model, tmp_path / "seq.keras"))
    assert preview is not None and preview.spec.value_range == "0..255" and preview.stages == inspector.stages
    for out, want in zip(preview.inspect(image).layers[1:], expected):
        np.testing.assert_allclose(out.values, want[0], rtol=1e-4, atol=1e-5 * (1 + np.abs(want).max()))


def test_branching_models_and_unknown_layers_are_left_to_tensorflow(tmp_path):
    inputs = keras.Input((16, 16, 1))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    x = layers.Add()([x, layers.Conv2D(4, 1)(inputs)])
    branching = keras.Model(inputs, layers.Dense(3, activation="softmax")(layers.Flatten()(x)), name="branching")
    leaky = keras.Sequential([keras.Input((16, 16, 1)), layers.Conv2D(2, 3), layers.LeakyReLU(), layers.Flatten(),
                              layers.Dense(3, activation="softmax")])
    for model in (branching, leaky):
        with pytest.raises(Unsupported):
            NumpyForward.from_keras(model)
        inspector = Inspector(model)
        assert inspector.numpy_forward is None
        assert inspector.inspect(np.zeros((16, 16, 1), np.float32)).probabilities.sum() == pytest.approx(1.0)
        assert open_preview(save_model_atomic(model, tmp_path / f"{model.name}.keras")) is None
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    assert open_preview(tmp_path / "broken.keras") is None


def test_the_shipped_model_opens_from_its_file_without_importing_tensorflow_and_sets_blas_to_one_thread_once():
    code = ("import sys; from model.inspect.preview import open_preview; from model.nets.store import SHIPPED_MODEL, read_info; "
            "import numpy as np; from threadpoolctl import threadpool_info; "
            "blas = lambda: max(lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas'); before = blas(); "
            "p = open_preview(SHIPPED_MODEL, read_info(None)); img = np.zeros((28, 28, 1), np.float32); "
            "img[4:24, 13:16] = 1; r = p.inspect(img); "
            "print(p.name, r.digit, 'tensorflow' in sys.modules, 'keras' in sys.modules, before, blas())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    name, digit, tensorflow, keras_imported, before, after = done.stdout.split()
    # numpy's BLAS stays on one thread after the first model is read (never switched back and forth per product)
    assert (name, digit, tensorflow, keras_imported, before, after) == ("cnn_lens", "1", "False", "False", "2", "1")
    preview = open_preview(SHIPPED_MODEL, read_info(None))
    assert preview.spec.class_names == tuple("0123456789")
