"""A `.keras` file's model read and run in numpy, before TensorFlow is imported.

TensorFlow takes seconds to import. The window opens the shipped model (or the one named on the
command line) this way first, so the first strokes are classified, every stage drawn, within a second
or so of launch; the Keras model (`Inspector`) replaces it once TensorFlow is up. Only the views of
the Draw & Inspect tab use a preview: attribution, switching maps off and the nearest training digits
wait for the Keras model.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from model.inspect.numpy_forward import NumpyForward, Unsupported
from model.inspect.stages import Stage, StagedModel, describe_layer, numpy_run
from model.spec import Outline, UnusableModelError, spec_for


class PreviewInspector(StagedModel):
    """A model file's stages run in numpy (no keras.Model)."""

    preview = True

    def __init__(self, forward: NumpyForward, info: dict | None = None, model_path: str | os.PathLike | None = None,
                 labels: str | os.PathLike | None = None, preprocessing: str | None = None) -> None:
        self._forward = forward
        shapes = forward.output_shapes()
        inputs = [forward.input_shape, *shapes[:-1]]
        stages = [Stage(layer.name, layer.kind, tuple(before), tuple(after), describe_layer(layer.kind, layer.config),
                        sum(int(w.size) for w in layer.weights))
                  for layer, before, after in zip(forward.layers, inputs, shapes)]
        first, last = forward.layers[0], forward.layers[-1]
        outline = Outline(forward.name, (forward.input_shape,), tuple(shapes[-1]), (first.kind, first.config),
                          (last.kind, last.config))
        spec = spec_for(outline, info, model_path, labels, preprocessing)
        super().__init__(forward.name, spec, stages, forward.input_shape, numpy_run(forward),
                         sum(stage.parameters for stage in stages))
        probe = self.inspect(np.zeros(spec.input_shape, np.float32)).probabilities
        if not np.all(np.isfinite(probe)):
            raise UnusableModelError("its outputs are not finite numbers")

    def kernel(self, layer_name: str) -> np.ndarray:
        return next(layer.weights[0] for layer in self._forward.layers if layer.name == layer_name)


def open_preview(path: str | os.PathLike, info: dict | None = None, labels: str | os.PathLike | None = None,
                 preprocessing: str | None = None) -> PreviewInspector | None:
    """The model in the `.keras` file at `path` run in numpy; None when it cannot be (another format, layers
    numpy does not run here, a broken file): the Keras model then comes alone, a little later."""
    try:
        return PreviewInspector(NumpyForward.from_keras_file(path), info, path, labels, preprocessing)
    except (Unsupported, UnusableModelError, OSError, KeyError, ValueError, TypeError, IndexError, StopIteration,
            zipfile.BadZipFile):
        return None
