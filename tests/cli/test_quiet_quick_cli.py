"""The command line as a new user meets it: quiet on stderr, quick where numpy can run the model, progress that
suits a terminal and a log file, and bad values refused in one line before any work."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
NATIVE_LOG = ("WARNING: All log messages before absl::InitializeLog()", "I0000 ", "E0000 ", "cuInit")


def user_env(**extra: str) -> dict:
    """The environment of a user who never set TensorFlow's log level."""
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, **extra}


def run(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """main.py with `args`; its output captured unless `stdout`/`stderr` say where it goes."""
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], text=True, timeout=300, cwd=ROOT,
                          env=env or user_env(), **kwargs)


@pytest.fixture(scope="module")
def drawn_one(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("drawn") / "one.png"
    image = Image.new("L", (280, 280))
    ImageDraw.Draw(image).line([(140, 50), (140, 230)], fill=255, width=20)
    image.save(path)
    return path


@pytest.fixture(scope="module")
def h5_model(tmp_path_factory) -> Path:
    """A small digit model saved as .h5: numpy does not read that format, so it goes through TensorFlow."""
    from model.nets.architectures import build

    path = tmp_path_factory.mktemp("h5") / "mlp.h5"
    build("mlp").save(path)
    return path


def classify_and_report_tensorflow(*args: str) -> subprocess.CompletedProcess:
    """`classify` run in-process by a fresh interpreter, which then says whether TensorFlow was imported."""
    code = ("import sys; from digit_lens.cli import main; status = main(sys.argv[1:]); "
            "print('tensorflow imported:', 'tensorflow' in sys.modules); sys.exit(status)")
    return subprocess.run([sys.executable, "-c", code, "classify", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=user_env())


def test_classify_with_the_shipped_model_answers_without_importing_tensorflow(drawn_one):
    done = classify_and_report_tensorflow(str(drawn_one))
    assert done.returncode == 0 and done.stderr == ""
    answer, imported = done.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(str(drawn_one))}: 1 \((99\.\d|100\.0)%\)", answer)  # sure: not marked unsure
    assert imported == "tensorflow imported: False"


def test_a_model_numpy_cannot_read_falls_back_to_tensorflow_quietly(drawn_one, h5_model):
    done = classify_and_report_tensorflow("--model", str(h5_model), "--json", str(drawn_one))
    assert done.returncode == 0 and done.stderr == ""  # no absl, oneDNN, CUDA or cuInit lines
    assert '"label":' in done.stdout and done.stdout.endswith("tensorflow imported: True\n")


def test_verbose_lets_tensorflows_own_log_through(drawn_one, h5_model):
    quiet = run("classify", "--model", str(h5_model), str(drawn_one))
    loud = run("--verbose", "classify", "--model", str(h5_model), str(drawn_one))
    assert quiet.returncode == loud.returncode == 0
    assert quiet.stderr == "" and any(marker in loud.stderr for marker in NATIVE_LOG)


def test_inspect_reads_the_shipped_model_in_numpy_with_the_same_table_as_keras(drawn_one, h5_model, tmp_path):
    from model.nets.store import SHIPPED_MODEL

    numpy_table = run("inspect", str(drawn_one))
    as_h5 = tmp_path / "shipped.h5"
    from model.nets.store import load_model

    load_model(SHIPPED_MODEL).save(as_h5)  # the same model, in a format only Keras reads
    keras_table = run("inspect", "--model", str(as_h5), str(drawn_one))
    assert numpy_table.returncode == keras_table.returncode == 0 and numpy_table.stderr == keras_table.stderr == ""
    assert numpy_table.stdout == keras_table.stdout and "Prediction: 1 (" in numpy_table.stdout


def test_training_into_a_log_file_writes_plain_lines(tmp_path):
    log = tmp_path / "log.txt"
    with log.open("w") as out:
        done = run("train", "--arch", "mlp", "--epochs", "2", "--limit", "2000", "--out", str(tmp_path / "m.keras"),
                   stdout=out, stderr=subprocess.STDOUT)
    text = log.read_text()
    assert done.returncode == 0
    assert "\x1b" not in text and "\r" not in text and not any(marker in text for marker in NATIVE_LOG)
    progress = [line for line in text.splitlines() if line.startswith("epoch ") and " batch " in line]
    assert [line.split("  ")[:2] for line in progress] == [["epoch 1/2", "batch 15/15"], ["epoch 2/2", "batch 15/15"]]
    assert "Test accuracy" in text


def test_training_on_a_terminal_redraws_one_progress_line(tmp_path):
    leader, follower = pty.openpty()
    done = run("train", "--arch", "mlp", "--epochs", "1", "--limit", "6000", "--out", str(tmp_path / "m.keras"),
               stderr=follower, stdout=subprocess.PIPE)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0
    text = shown.decode()
    assert "\x1b" not in text and "\n" not in text.replace("\r\n", "")  # redrawn in place, never a new line
    assert text.count("\repoch 1/1  batch ") >= 1 and text.endswith("\r")  # wiped before the table row


@pytest.mark.parametrize("args, refusal", [
    (["convolve", "x.png", "--size", "100000"], "argument --size: 100,000 is out of range: 8 to 1,024"),
    (["train", "--styles", "1000000000"], "argument --styles: 1,000,000,000 is out of range: 0 to 500,000"),
    (["train", "--folder", ".", "--size", "5000"], "argument --size: 5,000 is out of range: 8 to 256"),
    (["train", "--batch-size", "0"], "argument --batch-size: 0 is out of range: 1 to 4,096"),
    (["train", "--epochs", "many"], "argument --epochs: 'many' is not a whole number"),
    (["train", "--learning-rate", "nan"], "argument --learning-rate: nan is not a positive number"),
    (["train", "--validation-split", "1"], "argument --validation-split: 1 is not from 0 to under 1"),
    (["train", "--init", "nowhere.keras"], "argument --init: nowhere.keras: not found"),
    (["classify", "--model", "tests", "x.png"], "argument --model: tests: a folder, not a file"),
    (["convolve", "x.png", "--npz", "/no/such/folder/out.npz"], "argument --npz: /no/such/folder/out.npz: cannot write"),
])
def test_bad_sizes_counts_and_paths_are_refused_in_one_line_before_any_work(args, refusal):
    done = run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and refusal in done.stderr and done.stderr.startswith("digit-lens ")


def test_the_stderr_filter_drops_native_log_lines_below_the_level_and_passes_everything_else():
    code = r"""
import os, sys
from model.runtime import native_log_filtered
with native_log_filtered(3):
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    os.write(2, b"I0000 00:00:1796599360.819951    7172 port.cc:153] oneDNN custom operations are on.\n")
    os.write(2, b"E0000 00:00:1796600069.388072   17961 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n")
    os.write(2, b"2024-05-01 12:00:00.000001: W tensorflow/core/x.cc:1] an older TensorFlow's warning\n")
    print("a Python warning of the user's own", file=sys.stderr, flush=True)
    os.write(2, b"F0000 00:00:1796600069.388072   17961 x.cc:1] a fatal error passes\n")
    os.write(2, b"no newline at the end")
print("stderr restored", file=sys.stderr)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert done.stderr.splitlines() == ["a Python warning of the user's own",
                                        "F0000 00:00:1796600069.388072   17961 x.cc:1] a fatal error passes",
                                        "no newline at the endstderr restored"]
