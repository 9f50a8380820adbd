"""Model-core speed: all-layer inference against model.predict, attribution and maps switched off, and the
progress callback's cost.

Prints one JSON object. Usage: python benchmarks/bench_model.py [--calls 500] [--rounds 8] [--data PATH] [--only attribution]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from model.nets.architectures import build  # noqa: E402
from model.inspect.attribution import GRAD_CAM, Attributor  # noqa: E402
from model.inspect.channel_switch import ChannelSwitch  # noqa: E402
from model.data.mnist import load_mnist, to_model_input  # noqa: E402
from model.inspect.inspection import Inspector  # noqa: E402
from model.nets.store import load_model  # noqa: E402
from model.train.training import ProgressCallback, compile_model, training_dataset  # noqa: E402


def timings_ms(function, calls: int) -> dict[str, float]:
    for _ in range(20):
        function()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(float(np.median(samples)), 3), "p95_ms": round(float(np.percentile(samples, 95)), 3)}


def inference(model, images: np.ndarray, calls: int) -> dict:
    """All layers for one image per call, a different image each time (the numpy pass keeps its last image's
    outputs, as a stroke's attribution reads them: the same image again would time nothing)."""
    inspector = Inspector(model)
    following = itertools.cycle(images)
    all_layers = timings_ms(lambda: inspector.inspect(next(following)), calls)
    tensorflow = Inspector(model, use_numpy=False)  # the compiled TensorFlow call the Inspector falls back to
    all_layers_tf = timings_ms(lambda: tensorflow.inspect(next(following)), calls)
    predict = timings_ms(lambda: model.predict(next(following)[None], verbose=0), max(calls // 5, 50))
    return {"stages": len(inspector.stages), "runs_in": "numpy" if inspector.numpy_forward else "tensorflow",
            "all_layers": all_layers, "all_layers_tensorflow_call": all_layers_tf, "model_predict": predict,
            "speedup_median": round(predict["median_ms"] / all_layers["median_ms"], 1)}


def attribution(model, image: np.ndarray, calls: int) -> dict:
    """Each attribution method for one image, and the all-layer pass with a map switched off, per call."""
    inspector = Inspector(model)
    start = time.perf_counter()
    switch = ChannelSwitch(model, inspector.stages)
    attributor = Attributor(switch, inspector.numpy_forward)
    built = time.perf_counter() - start
    digit = inspector.inspect(image).digit
    report = {method: timings_ms(lambda method=method: attributor.attribute(image, digit, method), calls)
              for method in attributor.methods}
    if GRAD_CAM in attributor.methods:  # the compiled TensorFlow Grad-CAM, as with a map switched off
        tensorflow = Attributor(switch)
        report["grad_cam_tensorflow"] = timings_ms(lambda: tensorflow.attribute(image, digit, GRAD_CAM), calls)
    report["grad_cam_runs_in"] = "numpy" if attributor.grad_cam_in_numpy else "tensorflow"
    if switch.keep:  # a model with feature maps
        switch.toggle(next(iter(switch.keep)), 0)
        report["all_layers_with_a_map_off"] = timings_ms(lambda: switch.inspect(image), calls)
    return {"last_convolution": attributor.convolution, **report, "build_once_s": round(built, 2)}


def training_throughput(data, rounds: int, samples: int = 12800, batch_size: int = 128) -> dict:
    """Samples/s over the same batches with the progress callback on and off, alternating runs."""
    x, y = data.x_train[:samples], data.y_train[:samples]
    batches = samples // batch_size
    model = build("cnn_small")
    compile_model(model)
    dataset = training_dataset(x, y, batch_size, augment=False).cache()
    model.fit(dataset, epochs=1, verbose=0)  # warm-up: tracing, caching
    received = []
    rates: dict[str, list[float]] = {"off": [], "on": []}
    for round_index in range(rounds):
        for mode in (("off", "on") if round_index % 2 == 0 else ("on", "off")):  # alternate to cancel drift
            callbacks = [ProgressCallback(batches, batch_size, on_batch=received.append, on_epoch=received.append)] if mode == "on" else []
            start = time.perf_counter()
            model.fit(dataset, epochs=1, verbose=0, callbacks=callbacks)
            rates[mode].append(samples / (time.perf_counter() - start))
    off, on = float(np.median(rates["off"])), float(np.median(rates["on"]))
    return {"model": "cnn_small", "samples": samples, "batch_size": batch_size, "rounds": rounds,
            "callback_off_samples_per_s": round(off), "callback_on_samples_per_s": round(on),
            "callback_overhead_percent": round(100 * (off - on) / off, 2), "progress_reports": len(received)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--only", choices=("attribution",), help="time only this part")
    parser.add_argument("--data", default=os.environ.get("DIGIT_LENS_MNIST", SHARED_MNIST),
                        help="MNIST .npz or IDX folder (default: $DIGIT_LENS_MNIST, else ../shared/data/mnist.npz)")
    args = parser.parse_args()
    data = load_mnist(args.data)
    image = to_model_input(data.x_test[:1])[0]
    models = {"shipped": load_model(), "cnn_small": build("cnn_small"), "mlp": build("mlp")}
    report = {"attribution": {name: attribution(model, image, args.calls // 2) for name, model in models.items()}}
    if args.only is None:
        images = to_model_input(data.x_test[:64])
        report["inference"] = {name: inference(models[name], images, args.calls) for name in ("shipped", "cnn_small")}
        report["training"] = training_throughput(data, args.rounds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
