"""Shared fixtures: offscreen Qt, quiet TensorFlow, and the local MNIST copy (never a download)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
if "DIGIT_LENS_MNIST" not in os.environ and SHARED_MNIST.exists():
    os.environ["DIGIT_LENS_MNIST"] = str(SHARED_MNIST)
# Indexes of training digits (model/inspect/novelty.py) go to a temporary folder, never the user's cache, and are small.
os.environ["DIGIT_LENS_CACHE"] = tempfile.mkdtemp(prefix="digit-lens-cache-")
os.environ.setdefault("DIGIT_LENS_INDEX_DIGITS", "2000")


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """The local MNIST file; tests that need it are skipped with a reason where there is none."""
    path = Path(os.environ.get("DIGIT_LENS_MNIST", SHARED_MNIST))
    if not path.exists():
        pytest.skip(f"no local MNIST copy at {path} (set DIGIT_LENS_MNIST)")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from model.data.mnist import load_mnist

    return load_mnist(mnist_path)
