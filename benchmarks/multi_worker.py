"""Does the project's training run under `tf.distribute.MultiWorkerMirroredStrategy` with this Keras and TensorFlow?

Starts two worker processes on this machine (TF_CONFIG naming two localhost ports, as a cluster would on two
hosts), each training `cats_dogs` on the same made-up folder through `model.train.training.train`; prints JSON:
the versions, and for each worker whether it finished, its epochs' accuracy, or the error it ended with
(keras-team/keras#20585: Keras 3 does not support this strategy).

    .venv/bin/python benchmarks/multi_worker.py [--images 64]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def worker(folder: str) -> dict:
    """One worker: the strategy first (before TensorFlow does anything else), then the usual training."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from model.data.image_folder import open_image_folder
    from model.nets.architectures import build_for
    from model.train.training import TrainConfig, train

    data = open_image_folder(folder, 50, 1, 0.25)
    with strategy.scope():
        model = build_for("cats_dogs", data)
    result = train(model, data, TrainConfig(epochs=2, batch_size=16, validation_split=0.25))
    return {"replicas": strategy.num_replicas_in_sync, "accuracy": [round(e.accuracy, 3) for e in result.history]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--worker", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        try:
            print(json.dumps({"finished": True, **worker(args.worker)}))
        except Exception as exc:  # the report is the point: which error this engine ends with
            print(json.dumps({"finished": False, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}))
        return

    import keras
    import tensorflow as tf

    from benchmarks.pet_folder import make_pet_folder

    folder = make_pet_folder(Path(tempfile.mkdtemp(prefix="multi-worker-")) / "pets", args.images, odd_files=False)
    cluster = {"worker": [f"localhost:{free_port()}", f"localhost:{free_port()}"]}
    children = []
    for index in range(2):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        children.append(subprocess.Popen([sys.executable, __file__, "--worker", str(folder)], env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    workers = []
    for child in children:
        try:
            out, err = child.communicate(timeout=300)
            lines = out.strip().splitlines()
            workers.append(json.loads(lines[-1]) if lines else {"finished": False, "error": err.strip()[-300:]})
        except subprocess.TimeoutExpired:
            child.kill()
            workers.append({"finished": False, "error": "no answer in 300 s"})
    print(json.dumps({"tensorflow": tf.__version__, "keras": keras.__version__, "workers": workers}, indent=1))


if __name__ == "__main__":
    main()
