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
    """The tf.distribute strategy for a device choice; DeviceError when the machine has fewer devices."""
    import tensorflow as tf

    check_choice(choice)
    devices = training_devices()
    if choice == "cpu":
        return tf.distribute.OneDeviceStrategy(tf.config.list_logical_devices("CPU")[0].name)
    if choice == "all":
        count = len(devices)
    else:
        count = int(choice)
        if count > len(devices):
            kind = "GPU" if "GPU" in devices[0] else "CPU device"
            raise DeviceError(f"{count} devices asked for, but this machine has {len(devices)} {kind}"
                              f"{'s' if len(devices) > 1 else ''} ({', '.join(devices)}).")
    if count == 1:
        return tf.distribute.OneDeviceStrategy(devices[0])
    return tf.distribute.MirroredStrategy(devices[:count])


def describe(strategy, batch_size: int) -> str:
    """'2 devices (/job:localhost/.../CPU:0, ...): each batch of 128 split 64 per device' or 'one device (CPU:0)'."""
    devices = list(strategy.extended.worker_devices)
    short = ", ".join(d.split("/device:")[-1] for d in devices)
    if len(devices) == 1:
        return f"one device ({short})"
    per = batch_size / len(devices)
    return (f"{len(devices)} devices ({short}), mirrored: each batch of {batch_size} split "
            f"{per:g} per device")
