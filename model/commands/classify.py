"""`classify` and `inspect`: a model's answers for image files, and its data-flow table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.commands.report import answer_text, fail, json_line


def load_inspector(args: argparse.Namespace):
    """The model of --model (its spec from the file, --labels and --preprocess) ready to classify; None after a
    message. A .keras file whose layers numpy runs is read and run in numpy, as the window does before TensorFlow
    is up, so the answer comes without importing TensorFlow; any other model is loaded in Keras."""
    from model.inspect.preview import open_preview
    from model.nets.labels import LabelsError
    from model.nets.store import SHIPPED_MODEL, ModelFileError, load_model, read_info
    from model.spec import UnusableModelError, spec_for

    path = args.model or SHIPPED_MODEL
    info = read_info(path)
    try:
        preview = open_preview(path, info, args.labels, args.preprocess)
        if preview is not None:
            return preview
        from model.runtime import import_tensorflow

        import_tensorflow()
        from model.inspect.inspection import Inspector

        model = load_model(path)
        return Inspector(model, spec_for(model, info, path, args.labels, args.preprocess))
    except (ModelFileError, UnusableModelError, LabelsError) as exc:
        fail(str(exc))
        return None


def _blank_message(inspector, name: str) -> str:
    if inspector.spec.preprocessing == "digit":
        return f"{name}: no digit found (the image is blank)."
    return f"{name}: the image is one flat colour; there is nothing to classify."


def run_classify(args: argparse.Namespace) -> int:
    from model.data.images import ImageFileError, load_image
    from model.inspect.verdict import verdict

    inspector = load_inspector(args)
    if inspector is None:
        return 2
    status = 0
    for name in args.images:
        try:
            prepared, inspection = inspector.classify(load_image(name))
        except ImageFileError as exc:
            print(f"digit-lens: {exc}", file=sys.stderr)
            status = 1
            continue
        if inspection is None:
            print(f"digit-lens: {_blank_message(inspector, name)}", file=sys.stderr)
            status = 1
            continue
        answer = verdict(inspection.probabilities, inspector.spec.class_names)
        if args.json:
            digit = {"digit": inspection.digit} if inspector.spec.is_digit_model else {}
            print(json_line({"file": name, "label": inspection.label, **digit, "confidence": inspection.confidence,
                              "unsure": answer.unsure, "runner_up": answer.runner_up,
                              "runner_up_label": answer.names[answer.runner_up],
                              "probabilities": [float(p) for p in inspection.probabilities]}), flush=True)
        else:
            print(f"{name}: {answer_text(answer)}", flush=True)
    return status


def run_inspect(args: argparse.Namespace) -> int:
    from model.data.images import ImageFileError, load_image
    from model.spec import PREPROCESSING
    from model.inspect.verdict import verdict

    inspector = load_inspector(args)
    if inspector is None:
        return 2
    spec = inspector.spec
    print(f"{inspector.name}: {inspector.parameter_count:,} parameters")
    print(f"input: {'x'.join(map(str, spec.input_shape))}, values {spec.value_range}; "
          f"preprocessing: {PREPROCESSING[spec.preprocessing]}")
    print(f"classes ({spec.num_classes}): {', '.join(spec.class_names)}" + (f"\n{spec.describe_output()}" if spec.binary else ""))
    width = max(len(stage.name) for stage in inspector.stages)
    shapes = max(len(stage.shape_text) for stage in inspector.stages)
    for stage in inspector.stages:
        print(f"{stage.name:<{width}}  {stage.shape_text:<{shapes}}  {stage.description}")
    if args.image is None:
        return 0
    try:
        prepared, inspection = inspector.classify(load_image(args.image))
    except ImageFileError as exc:
        return fail(str(exc))
    print(f"\nPreprocessing {Path(args.image).name}:")
    for step in prepared.steps:
        print(f"  {step.name:<16} {step.image.shape[0]}x{step.image.shape[1]}")
    if inspection is None:
        print(prepared.message)
        return 1
    print(f"Prediction: {answer_text(verdict(inspection.probabilities, spec.class_names))}")
    return 0
