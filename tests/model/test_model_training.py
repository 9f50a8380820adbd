"""Training reports plain numbers, learns, stops on request and on a NaN loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.nets.architectures import build
from model.train.training import (TrainConfig, TrainingControl, confusion_matrix, evaluate, train)


def test_a_few_hundred_steps_lower_the_loss_and_report_progress(mnist):
    data = mnist.subset(6400, 1000)
    batches, epochs = [], []
    model = build("mlp")
    result = train(model, data, TrainConfig(epochs=6, batch_size=32), on_batch=batches.append, on_epoch=epochs.append)
    assert not result.stopped and len(result.history) == 6 == len(epochs)
    assert all(epoch.complete for epoch in result.history)
    assert len(batches) == 6 * 180  # 5760 training digits after the 10% validation split
    assert all(isinstance(b.loss, float) and b.samples_per_second > 0 for b in batches)
    assert batches[-1].fractional_epoch == pytest.approx(6.0)
    assert result.history[-1].loss < 0.5 * result.history[0].loss
    assert result.history[-1].val_accuracy > 0.85
    accuracy, predicted = evaluate(model, data.x_test, data.y_test)
    assert accuracy > 0.85
    counts = confusion_matrix(data.y_test, predicted)
    assert counts.sum() == 1000 and np.trace(counts) == round(accuracy * 1000)


def test_stop_ends_the_run_between_batches_and_keeps_what_was_learned(mnist):
    control = TrainingControl()
    seen = []

    def on_batch(progress):
        seen.append(progress)
        if progress.batch == 20:
            control.stop()

    model = build("mlp")
    result = train(model, mnist.subset(12800, 500), TrainConfig(epochs=3, batch_size=64), on_batch=on_batch, control=control)
    assert result.stopped and "Stopped by request" in result.message
    assert seen[-1].epoch == 0 and 20 <= seen[-1].batch <= 23  # the batches already under way finish
    assert len(result.history) == 1 and not result.history[0].complete
    accuracy, _ = evaluate(model, mnist.x_test[:500], mnist.y_test[:500])
    assert accuracy > 0.5  # 20 batches already teach an MLP most digits


def test_augmented_training_runs_through_the_data_pipeline(mnist):
    model = build("cnn_small")
    result = train(model, mnist.subset(2048, 200), TrainConfig(epochs=1, batch_size=64, augment=True))
    assert len(result.history) == 1 and math.isfinite(result.history[0].loss)


def test_a_diverging_run_stops_at_once_and_says_where(mnist):
    model = build("cnn_small")
    result = train(model, mnist.subset(1280, 10), TrainConfig(epochs=3, batch_size=64, learning_rate=1e30))
    assert result.stopped and result.diverged
    assert result.message.startswith("Training diverged at epoch 1, batch ")
    assert "try a smaller learning rate" in result.message
    assert len(result.history) <= 1  # TerminateOnNaN ended it in the first epoch


def test_invalid_settings_are_refused(mnist):
    with pytest.raises(ValueError):
        train(build("mlp"), mnist.subset(100, 10), TrainConfig(epochs=0))
    with pytest.raises(ValueError, match="leaves 0 to train on"):
        train(build("mlp"), mnist.subset(1, 10), TrainConfig(validation_split=0.9))
