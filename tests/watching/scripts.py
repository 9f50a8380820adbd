"""Training scripts as a user writes them, run in a subprocess by the watching tests: a tiny model on tiny data
made on the spot, logged with Keras' own callbacks or with digit_lens.recorder. A `model.py` of the user's own lies
beside the script, as it often does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = '''
import os, signal, sys, time, types
import numpy as np
import keras

run_dir, logging, epochs, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(0)
x = rng.random((192, 12, 12, 1)).astype("float32")
y = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype("int32")  # is the top half brighter?
model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
                          keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")], name="squares")
model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])


class Pause(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        time.sleep(pause)
        if os.environ.get("FAIL_AFTER_EPOCH") == str(epoch + 1):
            raise RuntimeError("the data server went away")


if logging == "keras":
    callbacks = [keras.callbacks.CSVLogger(f"{run_dir}/training.csv"),
                 keras.callbacks.ModelCheckpoint(run_dir + "/epoch_{epoch:02d}.keras"),
                 keras.callbacks.TensorBoard(run_dir, update_freq="batch")]
else:
    import digit_lens.recorder
    from digit_lens.recorder import RunRecorder

    if os.environ.get("KILL_IN"):  # "write:N" or "replace:N": the recorder's N-th such call is its last
        what, count = os.environ["KILL_IN"].split(":")
        real, calls = getattr(os, what), []

        def dying(*args):
            calls.append(1)
            if len(calls) == int(count):
                if what == "write":  # half the line reaches the file
                    real(args[0], args[1][:len(args[1]) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args)

        digit_lens.recorder.os = types.SimpleNamespace(**{**vars(os), what: dying})
    callbacks = [RunRecorder(run_dir, probe=x[0], class_names=["top", "bottom"], data="192 random squares")]
print("START", time.time(), flush=True)
model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.25, verbose=0, callbacks=callbacks + [Pause()])
print("END", time.time(), flush=True)
'''


def start_script(folder: Path, run_dir: Path, logging: str, epochs: int = 4, pause: float = 0.5) -> subprocess.Popen:
    """Write the script (and a user's own model.py) into `folder` and start it there, logging into `run_dir`."""
    folder.mkdir(parents=True, exist_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    (folder / "train_squares.py").write_text(SCRIPT)
    (folder / "model.py").write_text('raise ImportError("the user\'s own model.py was imported")\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen([sys.executable, "train_squares.py", str(run_dir), logging, str(epochs), str(pause)],
                            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
