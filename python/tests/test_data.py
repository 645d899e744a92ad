"""Loading and splitting: shapes, dtypes, the C library's stratified split,
and the errors of missing and malformed files."""

import gzip
import os

import numpy as np
import pytest

import fmnist
from conftest import HAVE_DATA, make_images


@pytest.mark.skipif(not HAVE_DATA, reason="dataset-fashion-mnist is not installed")
def test_load_test_set():
    X, y = fmnist.load("test")
    assert X.shape == (10000, 784) and X.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert np.array_equal(np.bincount(y), [1000] * 10)
    assert X.flags.c_contiguous and X.max() == 255


def write_idx(directory, images, labels):
    n = len(labels)
    head = (0x803).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    with gzip.open(os.path.join(directory, "t10k-images-idx3-ubyte.gz"), "wb") as f:
        f.write(head + images.tobytes())
    with gzip.open(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
        f.write((0x801).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes())


def test_load_round_trip_and_errors(tmp_path):
    X, y = make_images(30, seed=3)
    write_idx(str(tmp_path), X, y)
    X2, y2 = fmnist.load("test", data_dir=str(tmp_path))
    assert np.array_equal(X2, X) and np.array_equal(y2, y)
    with pytest.raises(FileNotFoundError, match="train-images"):
        fmnist.load("train", data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="'train' or 'test'"):
        fmnist.load("validation", data_dir=str(tmp_path))
    bad = y.copy()
    bad[4] = 12
    write_idx(str(tmp_path), X, bad)
    with pytest.raises(fmnist.FileFormatError, match="12") as e:
        fmnist.load("test", data_dir=str(tmp_path))
    assert isinstance(e.value, OSError) and e.value.status == "E_FORMAT"


def test_split_is_stratified_and_seeded():
    X, y = make_images(500, seed=4)
    X1, X2, y1, y2 = fmnist.split(X, y, 400, seed=7)
    assert X1.shape == (400, 784) and X2.shape == (100, 784) and y1.dtype == np.uint8
    assert np.array_equal(np.bincount(y2, minlength=10), np.bincount(y, minlength=10) // 5)
    # every image lands in exactly one part, with its label
    rows = {x.tobytes(): label for x, label in zip(X, y)}
    assert sorted(rows) == sorted(x.tobytes() for x in np.concatenate([X1, X2]))
    assert all(rows[x.tobytes()] == label for x, label in zip(X1, y1))
    again = fmnist.split(X, y, 400, seed=7)
    assert np.array_equal(again[0], X1) and np.array_equal(again[3], y2)
    assert not np.array_equal(fmnist.split(X, y, 400, seed=8)[0], X1)
    with pytest.raises(ValueError, match="n_first"):
        fmnist.split(X, y, 501)
