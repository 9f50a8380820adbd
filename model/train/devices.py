"""Which devices a run trains on: TensorFlow's own `tf.distribute` strategies over the machine's GPUs.

`--devices all` mirrors the model on every visible GPU (`MirroredStrategy`; one GPU, or none, trains as usual),
`cpu` trains on the CPU alone and `N` on the first N GPUs. The batch size a run is given is the global batch:
each step's batch is split evenly over the devices (128 on 2 GPUs: 64 each), and the gradients are summed across
them before the one update, so the curves mean the same on any number of devices.

Without GPUs the CPU can be split into logical devices ($DIGIT_LENS_LOGICAL_CPUS=2, read before TensorFlow first
uses a device), so the mirrored code path runs, and is tested, on any machine.
"""

from __future__ import annotations

import os

LOGICAL_CPUS_ENV = "DIGIT_LENS_LOGICAL_CPUS"
CHOICES = ("all", "cpu")  # or a number of devices


class DeviceError(ValueError):
    """The device choice cannot be met on this machine; the message says why in one sentence."""


def check_choice(choice: str) -> str:
    """'all', 'cpu' or a positive count, as given; DeviceError otherwise (no TensorFlow needed)."""
    if choice in CHOICES or (choice.isdigit() and int(choice) >= 1):
        return choice
    raise DeviceError(f"'{choice}' is not a device choice: use all, cpu or a number of devices such as 2.")


def split_cpu_from_env() -> None:
    """Make the CPU $DIGIT_LENS_LOGICAL_CPUS logical devices, if set; a no-op once TensorFlow has set up its devices."""
    count = os.environ.get(LOGICAL_CPUS_ENV, "")
    if not count.isdigit() or int(count) < 2:
        return
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * int(count))
    except RuntimeError:  # devices already initialised: as they are
        pass


def training_devices() -> list[str]:
    """The devices a mirrored run spreads over: the GPUs, else the logical CPUs."""
    import tensorflow as tf

    split_cpu_from_env()
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    return gpus or [d.name for d in tf.config.list_logical_devices("CPU")]


def strategy_for(choice: str = "all"):
    """The tf.distribute strategy for a device choice: TensorFlow's default (no distribution at all) where one device
    trains, MirroredStrategy over several; DeviceError when the machine has fewer devices than asked for."""
    import tensorflow as tf

    check_choice(choice)
    devices = training_devices()
    gpus = "GPU" in devices[0]
    if choice == "cpu":
        return tf.distribute.OneDeviceStrategy("/cpu:0") if gpus else tf.distribute.get_strategy()
    count = len(devices) if choice == "all" else int(choice)
    if count > len(devices):
        kind = "GPU" if gpus else "CPU device"
        raise DeviceError(f"{count} devices asked for, but this machine has {len(devices)} {kind}"
                          f"{'s' if len(devices) > 1 else ''} ({', '.join(_short(d) for d in devices)}).")
    if count == 1:
        return tf.distribute.get_strategy()
    return tf.distribute.MirroredStrategy(devices[:count])


def describe(strategy, batch_size: int) -> str:
    """'2 devices (CPU:0, CPU:1), mirrored: each batch of 128 split 64 per device' or 'one device (GPU:0)'."""
    import tensorflow as tf

    if strategy is tf.distribute.get_strategy() and not tf.distribute.has_strategy():
        return f"one device ({_short(training_devices()[0])})"
    devices = [_short(d) for d in strategy.extended.worker_devices]
    if len(devices) == 1:
        return f"one device ({devices[0]})"
    return (f"{len(devices)} devices ({', '.join(devices)}), mirrored: each batch of {batch_size} split "
            f"{batch_size / len(devices):g} per device")


def _short(device: str) -> str:
    """'/job:localhost/replica:0/task:0/device:CPU:1' -> 'CPU:1'."""
    return device.split("device:")[-1]
