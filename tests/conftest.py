"""Shared fixtures: offscreen Qt, quiet TensorFlow, and the local MNIST copy (never a download)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
if "DIGIT_LENS_MNIST" not in os.environ and SHARED_MNIST.exists():
    os.environ["DIGIT_LENS_MNIST"] = str(SHARED_MNIST)


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
