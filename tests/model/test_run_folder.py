"""The run folder: what digit_lens.recorder writes and what model/train/run_folder.py reads back, including folders
that Keras' own callbacks write and writers killed in the middle of a write."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from watching.scripts import start_script  # noqa: E402

from digit_lens.recorder import is_writer, snapshot_epochs  # noqa: E402
from model.train import run_folder  # noqa: E402
from model.train.run_folder import NotARun, RunFolder, load_snapshot  # noqa: E402


def _run(tmp_path: Path, logging: str, epochs: int = 3, **env) -> tuple[Path, int, str]:
    run_dir = tmp_path / "run"
    os.environ.update(env)
    try:
        script = start_script(tmp_path / "user", run_dir, logging, epochs, 0.0)
    finally:
        for key in env:
            del os.environ[key]
    out, err = script.communicate(timeout=120)
    return run_dir, script.returncode, err


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    run_dir, code, err = _run(tmp_path_factory.mktemp("recorded"), "recorder")
    assert code == 0, err[-2000:]
    return run_dir


@pytest.fixture(scope="module")
def keras_run(tmp_path_factory) -> Path:
    run_dir, code, err = _run(tmp_path_factory.mktemp("keras"), "keras")
    assert code == 0, err[-2000:]
    return run_dir


def test_the_recorder_writes_every_file_whole_beside_a_users_own_model_py(recorded):
    info = json.loads((recorded / "run.json").read_text())
    assert info["format"] == "digit-lens-run/1" and info["status"] == "finished" and info["ended"]
    assert info["model"] == "squares" and info["input_shape"] == [None, 12, 12, 1]
    assert info["class_names"] == ["top", "bottom"] and info["data"] == "192 random squares" and info["host"]
    assert sorted(p.name for p in (recorded / "snapshots").iterdir()) == [
        "e0000-b00000.npz", "e0000-b00001.npz", "e0000-b00003.npz", "e0000-b00009.npz", "e0001-b00009.npz",
        "e0002-b00009.npz"]
    with np.load(recorded / "snapshots" / "e0000-b00000.npz") as first:  # the model's weights only: no optimizer
        assert [first[k].shape for k in first.files] == [(3, 3, 1, 4), (4,), (400, 2), (2,)]
    assert not [p for p in recorded.rglob(".*")]  # no temporary file left behind
    lines = (recorded / "metrics.jsonl").read_text().splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds.count("batch") == 27 and kinds.count("epoch") == 3
    assert np.load(recorded / "probe.npy").shape == (12, 12, 1)


def test_the_reader_gives_per_batch_points_epochs_and_snapshots_that_load(recorded):
    folder = RunFolder(recorded)
    update = folder.poll()
    assert folder.kind == "recorder" and folder.ended == "finished" and update.notes == []
    assert [round(b.fractional_epoch, 3) for b in update.batches[:3]] == [0.111, 0.222, 0.333]
    assert len(update.batches) == 27 and all(np.isfinite(b.loss) for b in update.batches)
    assert [e.epoch for e in update.epochs] == [1, 2, 3]
    assert all(0 <= e.val_accuracy <= 1 and np.isfinite(e.val_loss) and e.seconds > 0 for e in update.epochs)
    assert [(s.epoch, s.batch, s.batches_per_epoch) for s in update.snapshots] == [
        (0, 0, 9), (0, 1, 9), (0, 3, 9), (0, 9, 9), (1, 9, 9), (2, 9, 9)]
    assert folder.poll().empty  # nothing new the second time
    template = run_folder.load_architecture(folder.model_file())
    first, _ = load_snapshot(update.snapshots[0], template)
    last, _ = load_snapshot(update.snapshots[-1], template)
    assert [w.shape for w in first] == [w.shape for w in last] and not np.allclose(first[0], last[0])


def test_a_folder_keras_callbacks_wrote_reads_the_same(keras_run):
    folder = RunFolder(keras_run)
    update = folder.poll()
    assert folder.kind == "keras" and folder.ended is None and update.notes == []
    assert [e.epoch for e in update.epochs] == [1, 2, 3]  # CSVLogger counts from 0
    assert len(update.batches) == 27  # from TensorBoard's batch_loss events
    assert [(s.path.name, s.epoch) for s in update.snapshots] == [
        ("epoch_01.keras", 0), ("epoch_02.keras", 1), ("epoch_03.keras", 2)]
    weights, model = load_snapshot(update.snapshots[0], None)
    assert model.name == "squares" and len(weights) == 4


def test_epochs_only_reading_imports_no_tensorflow(keras_run):
    import subprocess

    code = ("import sys; from model.train.run_folder import RunFolder; f = RunFolder(sys.argv[1], batches=False); "
            "u = f.poll(); print(len(u.epochs), len(u.batches), 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(keras_run)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.split() == ["3", "3", "False", "False"], done.stderr


@pytest.mark.parametrize("kill", ["write:14", "replace:5"])
def test_a_recorder_killed_in_the_middle_of_a_write_leaves_the_reader_working(tmp_path, kill):
    """The process is killed (SIGKILL) inside the recorder's 14th metrics write, half the line written, or just
    before its 5th rename (a snapshot's temporary file complete but not in place)."""
    run_dir, code, _ = _run(tmp_path, "recorder", KILL_IN=kill)
    assert code == -9
    folder = RunFolder(run_dir)
    update = folder.poll()
    assert update.notes == [] and folder.kind == "recorder" and folder.ended is None
    assert update.batches and all(np.isfinite(b.loss) for b in update.batches)
    if kill.startswith("write"):  # 9 batches and epoch 1, 3 batches of epoch 2, and half the 4th's line
        assert (len(update.batches), len(update.epochs)) == (12, 1)  # the half line is not read
        assert not (run_dir / "metrics.jsonl").read_bytes().endswith(b"\n")
    else:  # run.json, model.keras, probe.npy, the snapshot before training; the one after batch 1 never renamed
        left = [p.name for p in (run_dir / "snapshots").glob(".*")]
        assert len(left) == 1 and left[0].startswith(".e0000-b00001.npz.")
        assert [(s.epoch, s.batch) for s in update.snapshots] == [(0, 0)]
    template = run_folder.load_architecture(folder.model_file())
    for snapshot in update.snapshots:  # every snapshot the reader offers loads
        load_snapshot(snapshot, template)
    assert folder.describe() == "squares recorded by Digit Lens' recorder on " + folder.info["host"] + ", running."
    ten_minutes_ago = time.time() - 600
    for name in ("metrics.jsonl", "run.json"):
        os.utime(run_dir / name, (ten_minutes_ago, ten_minutes_ago))
    assert folder.describe().endswith(", running, but nothing new for 10 min: its process may have died or stalled.")


def test_a_script_that_fails_mid_run_is_marked_failed_with_its_error(tmp_path):
    run_dir, code, err = _run(tmp_path, "recorder", FAIL_AFTER_EPOCH="2")
    assert code == 1 and "the data server went away" in err
    folder = RunFolder(run_dir)
    update = folder.poll()
    assert folder.ended == "failed" and folder.info["error"] == "RuntimeError: the data server went away"
    assert [e.epoch for e in update.epochs] == [1, 2] and "failed at" in folder.describe()


def test_weights_files_with_one_model_file_as_keras_callbacks_write_them(tmp_path):
    import keras

    rng = np.random.default_rng(2)
    x, y = rng.random((48, 6)).astype("float32"), rng.integers(0, 2, 48)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2, activation="softmax")], name="tiny")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "model.keras")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.CSVLogger(str(tmp_path / "history.log")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w{epoch:02d}.weights.h5"), save_weights_only=True)])
    folder = RunFolder(tmp_path)
    update = folder.poll()
    assert folder.kind == "keras" and folder.model_file() == tmp_path / "model.keras"
    assert [(s.path.name, s.epoch, s.form) for s in update.snapshots] == [
        ("w01.weights.h5", 0, "weights"), ("w02.weights.h5", 1, "weights")]
    template = run_folder.load_architecture(folder.model_file())
    last, _ = load_snapshot(update.snapshots[-1], template)
    assert all(np.allclose(a, b) for a, b in zip(last, model.get_weights()))
    assert [e.epoch for e in update.epochs] == [1, 2] and np.isnan(update.epochs[0].val_loss)


def test_a_checkpoint_and_a_csv_row_cut_short_are_waited_for_then_named(keras_run, tmp_path, monkeypatch):
    """What a killed ModelCheckpoint and CSVLogger leave: half a .keras zip and a row without its newline."""
    run_dir = shutil.copytree(keras_run, tmp_path / "run")
    checkpoint = run_dir / "epoch_04.keras"
    data = (run_dir / "epoch_03.keras").read_bytes()
    checkpoint.write_bytes(data[:len(data) // 2])
    with open(run_dir / "training.csv", "a") as csv:
        csv.write("3,0.5,0.6")
    folder = RunFolder(run_dir)
    update = folder.poll()
    assert [e.epoch for e in update.epochs] == [1, 2, 3] and update.notes == []
    cut = next(s for s in update.snapshots if s.path == checkpoint)
    with pytest.raises(Exception):
        load_snapshot(cut, None)
    assert folder.snapshot_failed(cut, "not a zip file") is None  # perhaps still being written: tried again
    assert [s.path for s in folder.poll().snapshots] == [checkpoint]
    monkeypatch.setattr(run_folder, "SETTLE_SECONDS", 0.0)
    note = folder.snapshot_failed(cut, "not a zip file")
    assert note == "epoch_04.keras is damaged and left out (not a zip file)."
    assert folder.poll().snapshots == []  # not offered again
    with open(run_dir / "training.csv", "a") as csv:
        csv.write(",0.7,0.4\n")  # the writer finishes the row
    assert [e.epoch for e in folder.poll().epochs] == [4]


def test_a_snapshot_cut_short_or_of_another_model_is_refused_in_words(recorded, tmp_path):
    run_dir = shutil.copytree(recorded, tmp_path / "run")
    snapshots = run_dir / "snapshots"
    whole = (snapshots / "e0002-b00009.npz").read_bytes()
    (snapshots / "e0003-b00009.npz").write_bytes(whole[:len(whole) // 2])
    np.savez(snapshots / "e0004-b00009.npz", np.zeros(3))
    folder = RunFolder(run_dir)
    cut, other = folder.poll().snapshots[-2:]
    template = run_folder.load_architecture(folder.model_file())
    with pytest.raises(ValueError):
        load_snapshot(cut, template)
    with pytest.raises(ValueError, match="its 1 arrays do not match the model's 4 weights"):
        load_snapshot(other, template)


def test_damaged_run_json_and_lines_get_one_sentence_each(recorded, tmp_path):
    run_dir = shutil.copytree(recorded, tmp_path / "run")
    (run_dir / "run.json").write_text("{not json")
    with open(run_dir / "metrics.jsonl", "a") as metrics:
        metrics.write("garbage\n")
    folder = RunFolder(run_dir)
    update = folder.poll()
    assert len(update.epochs) == 3 and len(update.batches) == 27
    assert update.notes == ["run.json is damaged (Expecting property name enclosed in double quotes: line 1 column 2 "
                            "(char 1)); the run's description is left out.",
                            "metrics.jsonl has a damaged line; it is skipped."]


def test_not_a_run_folder(tmp_path):
    with pytest.raises(NotARun, match="no such folder"):
        RunFolder(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("hello\n")
    folder = RunFolder(tmp_path)
    assert folder.poll().empty and folder.kind is None
    assert folder.describe().startswith("Nothing of a run here yet")


def test_snapshots_past_the_budget_keep_fewer_epochs_evenly_and_always_the_last():
    assert snapshot_epochs(5, 6, 100, 10_000) == [0, 1, 2, 3, 4]
    assert snapshot_epochs(100, 6, 1_000_000, 20_000_000) == [0, 8, 16, 25, 33, 41, 50, 58, 66, 74, 82, 91, 99]
    assert snapshot_epochs(10, 6, 1_000_000, 1_000_000) == [9]


def test_only_the_chief_writes_under_multi_worker_tf_distribute(monkeypatch):
    cluster = {"worker": ["a:1", "b:1"]}
    for task, writes in (({"type": "worker", "index": 0}, True), ({"type": "worker", "index": 1}, False)):
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
        assert is_writer() is writes
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {**cluster, "chief": ["c:1"]},
                                                "task": {"type": "worker", "index": 0}}))
    assert not is_writer()
    monkeypatch.delenv("TF_CONFIG")
    assert is_writer()
