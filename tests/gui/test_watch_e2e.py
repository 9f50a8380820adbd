"""Watching a training run as a user does: `main.py watch DIR` started fresh (nothing imported first), then the
user's own training script started in another process, writing into DIR with Keras' callbacks or our recorder."""

from __future__ import annotations

import pytest

from test_app_e2e import drive, user_env

EPOCHS = 4


def _grew_while_running(seen: dict) -> list[int]:
    """The curve's point counts the window showed before the script's last line."""
    return sorted({points for at, points, rows, snapshots in seen["growth"] if at < seen["script_end"] and points})


@pytest.mark.parametrize("logging", ["keras", "recorder"])
def test_a_running_script_is_watched_live_and_replayed(tmp_path, logging):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    seen, done = drive("watch", str(run_dir), logging, str(EPOCHS), "1.5", str(tmp_path / "user"),
                       env=user_env(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert seen["script_code"] == 0, seen["script_err"]
    assert "Nothing of a run here yet" in seen["status_before"]
    growing = _grew_while_running(seen)
    assert len(growing) >= 2, seen["growth"]  # the curves grew while the script ran
    assert seen["rows"] == EPOCHS
    batches_per_epoch = 9  # 144 training squares in batches of 16
    if logging == "keras":  # ModelCheckpoint's file per epoch; batches from the TensorBoard events
        assert seen["ticks"] == [str(e) for e in range(1, EPOCHS + 1)]
        assert "Keras' own callbacks" in seen["status"]
    else:  # before training, the first epoch's early batches, every epoch's end
        assert seen["ticks"] == ["0", "b1", "b3", *[str(e) for e in range(1, EPOCHS + 1)]]
        assert "finished" in seen["status"] and "(run finished)" in seen["counters"]
    assert seen["growth"][-1][1] == EPOCHS * batches_per_epoch  # one point per batch: per-batch curves
    assert seen["first_shown"] == 0 and seen["last_shown"] == len(seen["ticks"]) - 1
    assert seen["first_last_differ"] > 1e-3  # the replay's first snapshot is not its last
    assert seen["sent_model"] and seen["sent_model"].startswith("squares at")
    assert seen["filters_updates"] >= 1  # the live first-layer weights and probe maps followed the snapshots
    assert "damaged" not in seen["notes"] and "Could not" not in seen["notes"]  # (learning notes may come)
