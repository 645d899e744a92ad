"""Small generated data sets: ten classes, each a random prototype image plus
noise, so that every model learns them in a fraction of a second; and
whether the real data set is installed."""

import os

import numpy as np
import pytest

import fmnist

#: The official files are there (Debian's dataset-fashion-mnist).
HAVE_DATA = any(os.path.exists(os.path.join(fmnist.default_data_dir(), name))
                for name in ("t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"))


def make_images(n, seed, noise=60):
    rng = np.random.RandomState(seed)
    protos = np.random.RandomState(1234).randint(0, 256, size=(10, 784))
    y = np.arange(n) % 10
    rng.shuffle(y)
    X = protos[y] + rng.normal(0, noise, size=(n, 784))
    return np.clip(X, 0, 255).astype(np.uint8), y.astype(np.uint8)


@pytest.fixture(scope="session")
def data():
    X, y = make_images(400, seed=1)
    Xt, yt = make_images(200, seed=2)
    return X, y, Xt, yt
