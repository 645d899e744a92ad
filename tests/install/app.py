"""The installed Python package: loads the installed library by its soname
and fits a model."""
import os

import numpy as np

import fmnist

rng = np.random.RandomState(0)
X = rng.randint(0, 256, size=(40, 784)).astype(np.uint8)
y = np.arange(40) % 10
knn = fmnist.KNeighborsClassifier(n_neighbors=1).fit(X, y)
assert (knn.predict(X) == y).all()
assert "/dist-packages/fmnist/" in fmnist.__file__  # the installed copy
with open("/proc/self/maps") as maps:  # and the installed library
    assert os.environ["LD_LIBRARY_PATH"] + "/libfmnist.so" in maps.read()
print("python: fmnist %s on libfmnist %s: OK" % (fmnist.__version__, fmnist.library_version))
