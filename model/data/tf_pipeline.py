"""What every tf.data pipeline of the project shares: fixed parallelism instead of tf.data's autotuning."""

from __future__ import annotations

import os

PARALLEL_CALLS = max(2, os.cpu_count() or 1)  # elements a parallel map works on at once
PREFETCH = 2  # batches made ahead of the training step


def untuned(dataset):
    """`dataset` with tf.data's autotuning off. With it on (TensorFlow 2.21), dropping an iterator, which Keras does
    at every evaluation and at the end of `fit`, waited for the tuning thread, idle, for up to 20 s
    (`RootDataset::Iterator`'s destructor): 18 s of each 40 s epoch on a folder of 25,000 pictures."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
