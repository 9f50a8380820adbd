"""Replaying a training run: weight snapshots taken while it trains, and a copy of the model that takes them on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np

from digit_lens.run_format import FIRST_EPOCH_BATCHES
from digit_lens.run_format import SNAPSHOT_BUDGET as BUDGET_BYTES  # the recorder's schedule and bound are the tab's
from model.data.mnist import to_model_input
from model.inspect.inspection import Inspector
from model.train.monitoring import first_feature_maps_layer, first_layer_weights
from model.inspect.preprocess import preprocess


@dataclass(frozen=True)
class WeightSnapshot:
    """The model's weights (all of them, as `get_weights` gives them) after `batch` batches of epoch `epoch`."""

    epoch: int  # 0-based
    batch: int  # batches done within that epoch: 0 before training
    batches_per_epoch: int
    weights: list[np.ndarray]

    @property
    def fractional_epoch(self) -> float:
        return self.epoch + self.batch / self.batches_per_epoch

    @property
    def at_epoch_end(self) -> bool:
        return self.batch >= self.batches_per_epoch

    @property
    def tick(self) -> str:
        """A short label for a slider position: "0", "b10" (a batch of the first epoch), "3" (after epoch 3)."""
        if self.epoch == 0 and self.batch == 0:
            return "0"
        return str(self.epoch + 1) if self.at_epoch_end else f"b{self.batch}"

    @property
    def title(self) -> str:
        if self.epoch == 0 and self.batch == 0:
            return "before training (random weights)"
        if self.at_epoch_end:
            return f"after epoch {self.epoch + 1}"
        return f"epoch {self.epoch + 1}, after batch {self.batch} of {self.batches_per_epoch}"


@dataclass(frozen=True)
class ReplayPlan:
    """How many snapshots a run will keep and what they cost, decided before its first batch."""

    model_json: str  # the architecture, to rebuild a copy that takes the snapshots' weights
    snapshot_bytes: int
    count: int
    budget_bytes: int

    @property
    def fits(self) -> bool:
        return self.count * self.snapshot_bytes <= self.budget_bytes

    @property
    def note(self) -> str:
        each, total, budget = (_mb(b) for b in (self.snapshot_bytes, self.count * self.snapshot_bytes, self.budget_bytes))
        if self.fits:
            return f"{self.count} snapshots of {each}: {total} of {budget} allowed"
        return (f"Replay is off for this run: {self.count} snapshots of {each} would need {total}, "
                f"more than the {budget} allowed. Fewer epochs or a smaller model can be replayed.")


def first_epoch_batches(batches_per_epoch: int) -> list[int]:
    """The batches of the first epoch after which a snapshot is taken (its end is taken anyway)."""
    return [b for b in FIRST_EPOCH_BATCHES if b < batches_per_epoch]


def weight_bytes(model: keras.Model) -> int:
    """Bytes of one copy of all the model's weights, as float32."""
    return 4 * sum(int(np.prod(w.shape)) for w in model.weights)


class SnapshotRecorder(keras.callbacks.Callback):
    """Copies the model's weights before training, a few times in the first epoch and at every epoch's end.

    `on_plan(ReplayPlan)` comes first; when the snapshots would not fit in `budget_bytes` none are taken.
    Runs inside the training loop (not async_safe), so it reads weights between updates, never during one.
    """

    def __init__(self, epochs: int, batches_per_epoch: int, on_plan: Callable[[ReplayPlan], None],
                 on_snapshot: Callable[[WeightSnapshot], None], budget_bytes: int = BUDGET_BYTES) -> None:
        super().__init__()
        self.epochs = epochs
        self.batches_per_epoch = batches_per_epoch
        self.on_plan = on_plan
        self.on_snapshot = on_snapshot
        self.budget_bytes = budget_bytes
        self.early = set(first_epoch_batches(batches_per_epoch))
        self.plan: ReplayPlan | None = None
        self._epoch = 0
        self._batches_done = 0

    def on_train_begin(self, logs=None) -> None:
        count = 1 + len(self.early) + self.epochs
        self.plan = ReplayPlan(self.model.to_json(), weight_bytes(self.model), count, self.budget_bytes)
        self.on_plan(self.plan)
        self._take(0, 0)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch, self._batches_done = epoch, 0

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self._batches_done = batch + 1
        if self._epoch == 0 and batch + 1 in self.early:
            self._take(0, batch + 1)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self._batches_done:
            # a cut-short epoch (Stop) is kept as far as it went; a full one counts as its end
            self._take(epoch, self.batches_per_epoch if self._batches_done >= self.batches_per_epoch
                       else self._batches_done)

    def _take(self, epoch: int, batch: int) -> None:
        if not self.plan.fits:
            return
        weights = [np.array(w, dtype=np.float32) for w in self.model.get_weights()]
        if not all(np.all(np.isfinite(w)) for w in weights):  # a diverged run: nothing worth replaying
            return
        self.on_snapshot(WeightSnapshot(epoch, batch, self.batches_per_epoch, weights))


@dataclass(frozen=True)
class ReplayFrame:
    """What the model made at one snapshot: its first-layer weights, the probe's maps, the drawing's probabilities.

    Its first five fields are those of the Train tab's live snapshots, so the same view shows both.
    """

    layer: str
    filters: np.ndarray  # (n, h, w)
    maps_layer: str | None
    maps: np.ndarray | None  # (H, W, C) of the probe digit
    fractional_epoch: float
    probabilities: np.ndarray | None  # for the drawing; None when nothing is drawn


class Replayer:
    """A copy of the trained model that takes on any snapshot's weights. Use it on one (worker) thread."""

    def __init__(self, model_json: str, probe: np.ndarray) -> None:
        self.model_json = model_json
        self.model = keras.models.model_from_json(model_json)
        self.inspector = Inspector(self.model, use_numpy=False)  # each snapshot sets its own weights
        self.probe = to_model_input(np.asarray(probe, np.uint8)[np.newaxis])[0]
        self.maps_layer = first_feature_maps_layer(self.model)

    def frame(self, snapshot: WeightSnapshot, drawing: np.ndarray | None) -> ReplayFrame:
        """The model as it was at `snapshot`, shown the probe digit and `drawing` (canvas pixels, ink bright)."""
        self.model.set_weights(snapshot.weights)
        layer, filters = first_layer_weights(self.model) or ("", np.zeros((1, 1, 1), np.float32))
        maps = None
        if self.maps_layer is not None:
            inspection = self.inspector.inspect(self.probe)
            maps = next(o.values for o in inspection.layers if o.stage.name == self.maps_layer)
        probabilities = None
        if drawing is not None:
            prepared = preprocess(drawing, self.inspector.input_shape)
            if not prepared.blank:
                probabilities = self.inspector.inspect(prepared.model_input).probabilities
        return ReplayFrame(layer, filters, self.maps_layer, maps, snapshot.fractional_epoch, probabilities)

    def model_at(self, snapshot: WeightSnapshot) -> keras.Model:
        """A new model with the snapshot's weights, named after it (for Draw & Inspect)."""
        config = json.loads(self.model_json)
        name = config["config"].get("name") or "model"
        config["config"]["name"] = f"{name} at {snapshot.title.split(' (')[0]}".replace(",", "")
        model = keras.models.model_from_json(json.dumps(config))
        model.set_weights(snapshot.weights)
        return model


def _mb(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count < 10 * 1024 * 1024 else f"{count / 1024 / 1024:.0f} MB"
