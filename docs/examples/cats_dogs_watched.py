"""sentdex's cats-vs-dogs CNN (50x50 grey pictures, one sigmoid unit) with logging Digit Lens can watch (the ## lines).

    python cats_dogs_watched.py PetImages runs/cats-dogs [EPOCHS]

PetImages holds one subfolder of pictures per class (Cat/, Dog/). While it trains, in another terminal (or on
another machine that sees the folder): `digit-lens watch runs/cats-dogs`, or `digit-lens watch runs/cats-dogs --print`.
"""

import os
import sys

import keras
import numpy as np
from keras import layers

folder, run = sys.argv[1], sys.argv[2]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
data = keras.utils.image_dataset_from_directory(folder, image_size=(50, 50), color_mode="grayscale",
                                                batch_size=None, seed=1)
images, labels = zip(*data.as_numpy_iterator())  # one pass: the pictures and labels shuffled together
X = np.stack(images) / 255.0
y = np.array(labels)

model = keras.Sequential([
    keras.Input(X.shape[1:]),
    layers.Conv2D(64, (3, 3)), layers.Activation("relu"), layers.MaxPooling2D((2, 2)),
    layers.Conv2D(64, (3, 3)), layers.Activation("relu"), layers.MaxPooling2D((2, 2)),
    layers.Flatten(), layers.Dense(64), layers.Dense(1), layers.Activation("sigmoid"),
], name="cats_dogs")
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

os.makedirs(run, exist_ok=True)  ##
callbacks = [  ## Keras' own callbacks: nothing of Digit Lens is needed where this runs
    keras.callbacks.CSVLogger(f"{run}/training.csv"),  ## every epoch's figures
    keras.callbacks.ModelCheckpoint(run + "/epoch_{epoch:02d}.keras"),  ## the weights after every epoch
    keras.callbacks.TensorBoard(run, update_freq="batch"),  ## per-batch curves
]
try:  ## with Digit Lens installed here too: snapshots within the first epoch, run.json, the probe picture
    from digit_lens.recorder import RunRecorder  ##

    callbacks = [RunRecorder(run, probe=X[0], class_names=data.class_names, data=folder)]  ##
except ImportError:  ##
    pass  ##
model.fit(X, y, batch_size=32, epochs=epochs, validation_split=0.3, callbacks=callbacks)
