"""What one training run is asked to do and what it reports, as plain values: no TensorFlow here, so the window's
thread and the numbers-only helpers (model.train.monitoring) can use them before TensorFlow is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainConfig:
    """What the caller chooses for one run."""

    epochs: int = 5
    batch_size: int = 128
    learning_rate: float = 1e-3
    validation_split: float = 0.1
    augment: bool = False
    cosine_decay: bool = False
    seed: int = 0
    styles: int = 0  # handwriting-style digits (model/data/handwriting.py) mixed into the training digits
    scans: int = 0  # digits added scanned small, black and white: half training digits, half written style digits
    unipen: str | None = None  # a unipen_digits.npz: its training writers' trajectories drawn on the canvas are added
    unipen_copies: int = 2  # how many times each of those trajectories is drawn (its own sampling, size, place, pen)
    usps: str | None = None  # a usps.npz: its training digits are added, as pages through the preprocessing
    csv_log: str | None = None  # a CSV file Keras' CSVLogger writes a row to after every epoch


@dataclass(frozen=True)
class BatchProgress:
    """After each training batch: where the run is and the running means of this epoch."""

    epoch: int  # 0-based
    batch: int  # 1-based, within the epoch
    batches_per_epoch: int
    loss: float
    accuracy: float
    samples_per_second: float

    @property
    def fractional_epoch(self) -> float:
        return self.epoch + self.batch / self.batches_per_epoch


@dataclass(frozen=True)
class EpochResult:
    """One finished epoch: training and validation figures and its wall time."""

    epoch: int  # 1-based, as people count
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    complete: bool = True  # False for an epoch cut short by Stop or a NaN loss


@dataclass
class TrainResult:
    """How a run ended: its epochs, whether it was stopped early (by request or divergence) and why."""

    history: list[EpochResult] = field(default_factory=list)
    stopped: bool = False
    diverged: bool = False  # the loss stopped being a finite number: the weights are not worth keeping
    message: str = ""
