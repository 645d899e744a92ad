"""The estimators: scikit-learn's conventions, round trips, error mapping,
and KNN against scikit-learn's on the same standardized data, generated
and real."""

import copy
import os
import pickle
import signal
import threading

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier as SkKNN
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import fmnist
from conftest import HAVE_DATA, make_images

DENSE = "flatten dense:16 relu dense:10"


def small_models():
    return [
        fmnist.LogisticRegression(max_iter=5, n_jobs=1, random_state=0),
        fmnist.KNeighborsClassifier(n_neighbors=3, n_jobs=1),
        fmnist.RandomForestClassifier(n_estimators=5, n_jobs=1, random_state=0),
        fmnist.NetClassifier(layers=DENSE, max_iter=2, n_jobs=1, random_state=0),
    ]


@pytest.mark.parametrize("model", small_models(), ids=lambda m: type(m).__name__)
def test_shapes_dtypes_and_probabilities(model, data):
    X, y, Xt, yt = data
    assert model.fit(X, y) is model
    pred = model.predict(Xt)
    assert pred.shape == (len(Xt),) and pred.dtype == np.uint8
    proba = model.predict_proba(Xt)
    assert proba.shape == (len(Xt), 10) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert np.array_equal(model.classes_, np.arange(10))
    assert model.n_features_in_ == 784
    # the most probable class is the predicted one (ties aside)
    assert np.mean(proba.argmax(axis=1) == pred) > 0.95
    assert 0.5 < model.score(Xt, yt) <= 1


@pytest.mark.parametrize("model", small_models(), ids=lambda m: type(m).__name__)
def test_pickle_copy_and_clone(model, data):
    X, y, Xt, _ = data
    model.fit(X, y)
    pred = model.predict(Xt)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), copy.copy(model)):
        assert other.model_ is not model.model_  # a handle of its own
        assert np.array_equal(other.predict(Xt), pred)
        np.testing.assert_array_equal(other.predict_proba(Xt), model.predict_proba(Xt))
        assert other.get_params() == model.get_params()
    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    assert not hasattr(fresh, "model_")
    with pytest.raises(fmnist.NotFittedError):
        fresh.predict(Xt)


def test_pickle_in_memory(data, tmp_path, monkeypatch):
    """Pickling makes no temporary file: the state holds the bytes of the
    model file, made and read in memory (a file save writes the same
    bytes); damaged bytes are refused with the library's message."""
    import tempfile

    X, y, Xt, _ = data
    forest = fmnist.RandomForestClassifier(n_estimators=3, max_depth=6, random_state=1).fit(X, y)
    path = tmp_path / "forest.fmm"
    forest.save(path)

    def no_files(*args, **kwargs):
        raise AssertionError("pickling made a temporary file")

    for name in ("TemporaryDirectory", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, no_files)
    state = forest.__getstate__()
    assert state["model_"] == path.read_bytes()
    other = pickle.loads(pickle.dumps(forest))
    np.testing.assert_array_equal(other.predict_proba(Xt), forest.predict_proba(Xt))
    state["model_"] = state["model_"][:-1]
    with pytest.raises(fmnist.FileFormatError, match="model buffer"):
        fmnist.RandomForestClassifier().__setstate__(state)


def test_save_and_load_model(data, tmp_path):
    X, y, Xt, _ = data
    forest = fmnist.RandomForestClassifier(n_estimators=4, max_depth=7, random_state=3).fit(X, y)
    path = tmp_path / "forest.fmm"
    forest.save(path)
    loaded = fmnist.load_model(path)
    assert isinstance(loaded, fmnist.RandomForestClassifier)
    assert loaded.n_estimators == 4 and loaded.max_depth == 7
    assert np.array_equal(loaded.predict(Xt), forest.predict(Xt))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(OSError, match="forest.fmm"):
        fmnist.load_model(path)


def test_get_set_params_and_same_seed_same_model(data):
    X, y, Xt, _ = data
    net = fmnist.NetClassifier(layers=DENSE, max_iter=2, random_state=5)
    assert net.get_params()["max_iter"] == 2
    assert net.set_params(max_iter=1, batch_size=16) is net
    assert net.max_iter == 1 and net.batch_size == 16
    a = net.fit(X, y).predict_proba(Xt)
    b = clone(net).fit(X, y).predict_proba(Xt)
    np.testing.assert_array_equal(a, b)
    assert len(net.history_["loss"]) == 1
    with pytest.raises(ValueError):
        net.set_params(epochs=3)  # scikit-learn's name for it is max_iter


def test_residual_net_fits_predicts_and_pickles(data):
    # a residual block is text in the spec: an identity skip, then one
    # whose 1x1 projection (with its bn) meets the stride and the channels
    spec = ("conv:8:3 bn:0.9 relu res( conv:8:3 bn:0.9 relu conv:8:3 bn:0.9 ) relu "
            "res( conv:16:3:2 bn:0.9 relu conv:16:3 bn:0.9 ) relu pool:2 dense:10")
    X, y, Xt, yt = data
    net = fmnist.NetClassifier(layers=spec, max_iter=3, batch_size=32, random_state=2)
    assert net.fit(X, y) is net
    assert net.score(Xt, yt) > 0.8
    assert net.get_params()["layers"] == spec
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.predict_proba(Xt), net.predict_proba(Xt))
    with pytest.raises(ValueError, match=r"token 3 \"res\("):
        fmnist.NetClassifier(layers="conv:8:3 relu res( conv:8:3 dense:10").fit(X, y)


def test_net_training_features(data, tmp_path):
    """SGD with Nesterov momentum, a one-cycle schedule with its warm-up,
    label smoothing and averaged weights, as keywords: they reach the C
    model, fit, and come back from a saved file."""
    X, y, Xt, yt = data
    net = fmnist.NetClassifier(layers=DENSE, max_iter=5, solver="sgd", learning_rate_init=0.01,
                               momentum=0.8, nesterovs_momentum=False, weight_decay=1e-3,
                               lr_schedule="onecycle", warmup=0.3, label_smoothing=0.1,
                               ema_decay=0.9, random_state=0)
    net.fit(X, y, validation_data=(Xt, yt))
    assert net.score(Xt, yt) > 0.8
    path = tmp_path / "net.fmm"
    net.save(path)
    back = fmnist.load_model(path)
    assert {k: v for k, v in back.get_params().items() if k != "random_state"} == \
        {k: v for k, v in net.get_params().items() if k != "random_state"}
    np.testing.assert_array_equal(back.predict_proba(Xt), net.predict_proba(Xt))
    with pytest.raises(fmnist.OptionError, match="optimizer"):
        fmnist.NetClassifier(layers=DENSE, solver="lbfgs").fit(X, y)


@pytest.mark.parametrize("model", small_models(), ids=lambda m: type(m).__name__)
def test_tta_is_a_prediction_setting(model, data):
    """tta applies to the next prediction without a new fit: "flip" gives
    the mean of the probabilities of the images and of their mirrors."""
    X, y, Xt, _ = data
    model.fit(X, y)
    handle = model.model_
    plain = model.predict_proba(Xt)
    mirrored = model.predict_proba(Xt.reshape(-1, 28, 28)[:, :, ::-1])
    model.set_params(tta="flip")
    both = model.predict_proba(Xt)
    assert model.model_ is handle  # not refitted
    np.testing.assert_allclose(both, (plain + mirrored) / 2, rtol=0, atol=1e-6)
    assert np.array_equal(model.predict(Xt), both.argmax(axis=1))
    model.set_params(tta="none")
    np.testing.assert_array_equal(model.predict_proba(Xt), plain)


def test_ensemble_is_the_mean_of_its_members(data, tmp_path):
    """EnsembleClassifier: fit fits copies of the estimators (the given
    ones stay unfitted) and averages their probabilities; of() makes one
    from fitted estimators; it saves, loads, pickles and clones as the
    other estimators do."""
    X, y, Xt, yt = data
    given = [fmnist.NetClassifier(layers=DENSE, max_iter=2, n_jobs=1, random_state=0),
             fmnist.KNeighborsClassifier(n_neighbors=3, n_jobs=1),
             fmnist.LogisticRegression(max_iter=5, n_jobs=1, random_state=0)]
    ens = fmnist.EnsembleClassifier(given).fit(X, y)
    assert not any(hasattr(e, "model_") for e in given)
    assert ens.n_members_ == 3 and len(ens.estimators_) == 3
    mean = np.mean([e.predict_proba(Xt) for e in ens.estimators_], axis=0)
    np.testing.assert_allclose(ens.predict_proba(Xt), mean, rtol=0, atol=1e-6)
    assert np.array_equal(ens.predict(Xt), ens.predict_proba(Xt).argmax(axis=1))
    assert ens.score(Xt, yt) > 0.8
    two = fmnist.EnsembleClassifier.of(ens.estimators_[:2])
    np.testing.assert_allclose(two.predict_proba(Xt),
                               np.mean([e.predict_proba(Xt) for e in ens.estimators_[:2]], axis=0),
                               rtol=0, atol=1e-6)
    path = tmp_path / "ensemble.fmm"
    ens.save(path)
    back = fmnist.load_model(path)
    assert isinstance(back, fmnist.EnsembleClassifier) and back.estimators is None
    np.testing.assert_array_equal(back.predict_proba(Xt), ens.predict_proba(Xt))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ens)).predict_proba(Xt),
                                  ens.predict_proba(Xt))
    assert clone(ens).get_params()["estimators"][0].get_params() == given[0].get_params()
    with pytest.raises(ValueError, match="estimators"):
        fmnist.EnsembleClassifier().fit(X, y)
    with pytest.raises(fmnist.NotFittedError):
        fmnist.EnsembleClassifier.of([fmnist.KNeighborsClassifier()])


def test_model_selection_tools(data):
    X, y, _, _ = data
    scores = cross_val_score(fmnist.KNeighborsClassifier(n_neighbors=3), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    grid = GridSearchCV(fmnist.KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=2).fit(X, y)
    assert grid.best_params_["n_neighbors"] in (1, 3)
    assert grid.best_estimator_.predict(X[:5]).shape == (5,)
    pipe = Pipeline([("forest", fmnist.RandomForestClassifier(n_estimators=3, random_state=1))])
    assert pipe.fit(X, y).score(X, y) > 0.9


def test_knn_equals_scikit_learn_on_standardized_data():
    X, y = make_images(400, seed=1, noise=500)  # hard: neighbours disagree, votes tie
    Xt, _ = make_images(200, seed=2, noise=500)
    changed = 0
    for k, weights in ((1, "uniform"), (5, "uniform"), (4, "distance")):
        ours = fmnist.KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y)
        scaler = StandardScaler().fit(X)  # population std, scale 1 where it is 0: as ours
        theirs = SkKNN(n_neighbors=k, weights=weights, algorithm="brute").fit(scaler.transform(X), y)
        Zt = scaler.transform(Xt)
        expect = theirs.predict(Zt)
        # the default tie rule, smallest_label, is scikit-learn's
        assert np.array_equal(ours.predict(Xt), expect), (k, weights)
        # ties="nearest", the C library's default: a vote tie goes to the
        # class whose voters are nearer in sum
        dist, idx = theirs.kneighbors(Zt)
        w = 1 / dist if weights == "distance" else np.ones_like(dist)
        for i in range(len(Zt)):
            votes = np.bincount(y[idx[i]], weights=w[i], minlength=10)
            tied = np.flatnonzero(np.isclose(votes, votes.max()))
            if len(tied) > 1:
                sums = [dist[i][y[idx[i]] == c].sum() for c in tied]
                changed += expect[i] != tied[int(np.argmin(sums))]
                expect[i] = tied[int(np.argmin(sums))]
        nearest = clone(ours).set_params(ties="nearest").fit(X, y)
        assert np.array_equal(nearest.predict(Xt), expect), (k, weights)
        if weights == "uniform":
            np.testing.assert_allclose(ours.predict_proba(Xt), theirs.predict_proba(Zt),
                                       atol=1e-6)
            np.testing.assert_array_equal(nearest.predict_proba(Xt), ours.predict_proba(Xt))
    assert changed > 10  # the two rules differ here


@pytest.mark.skipif(not HAVE_DATA, reason="dataset-fashion-mnist is not installed")
def test_knn_predicts_as_scikit_learn_on_fashion_mnist():
    """The drop-in promise on real images: k = 5 on the first 6000
    training images, the first 1000 test images, against StandardScaler +
    scikit-learn's KNeighborsClassifier (its "auto" search is brute force
    for 784 features). With ties="nearest" 25 differ, each a vote tie."""
    X, y = fmnist.load("train")
    Xt, _ = fmnist.load("test")
    X, y, Xt = X[:6000], y[:6000], Xt[:1000]
    ours = fmnist.KNeighborsClassifier(n_neighbors=5).fit(X, y)
    scaler = StandardScaler().fit(X)
    theirs = SkKNN(n_neighbors=5).fit(scaler.transform(X), y)
    Zt = scaler.transform(Xt)
    expect = theirs.predict(Zt)
    got = ours.predict(Xt)
    assert np.sum(got == expect) == len(Xt)
    nearest = clone(ours).set_params(ties="nearest").fit(X, y).predict(Xt)
    differ = np.flatnonzero(nearest != expect)
    assert len(differ) > 0  # the test tells the two rules apart
    idx = theirs.kneighbors(Zt[differ], return_distance=False)
    for i, row in zip(differ, idx):
        votes = np.bincount(y[row], minlength=10)
        assert np.sum(votes == votes.max()) > 1, i  # a vote tie, nothing else


def test_images_as_28_by_28_and_converted_arrays(data):
    X, y, Xt, _ = data
    knn = fmnist.KNeighborsClassifier(n_neighbors=3).fit(X.reshape(-1, 28, 28), y.astype(np.int64))
    pred = knn.predict(Xt)
    assert np.array_equal(knn.predict(Xt.reshape(-1, 28, 28)), pred)
    assert np.array_equal(knn.predict(np.asfortranarray(Xt)), pred)
    assert np.array_equal(knn.predict(Xt.astype(np.int32)), pred)
    wide = np.zeros((len(Xt), 784 * 2), dtype=np.uint8)
    wide[:, ::2] = Xt
    assert np.array_equal(knn.predict(wide[:, ::2]), pred)  # a strided view


@pytest.mark.parametrize("bad, error, text", [
    (lambda X: X.astype(np.float64) / 255, TypeError, "scaled floats"),
    (lambda X: X.astype(bool), TypeError, "bool"),
    (lambda X: X[:, :700], ValueError, "shape"),
    (lambda X: X.astype(np.int16) - 1, ValueError, "outside 0..255"),
    (lambda X: X.reshape(-1), ValueError, "shape"),
])
def test_bad_images_refused(data, bad, error, text):
    X, y, _, _ = data
    with pytest.raises(error, match=text):
        fmnist.KNeighborsClassifier().fit(bad(X), y)


def test_bad_labels_refused(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="outside 0..9"):
        fmnist.KNeighborsClassifier().fit(X, y.astype(int) + 1)
    with pytest.raises(ValueError, match="shape"):
        fmnist.KNeighborsClassifier().fit(X, y[:-1])
    with pytest.raises(TypeError, match="integer class labels"):
        fmnist.KNeighborsClassifier().fit(X, y.astype(float) + 0.5)


def test_bad_options_raise_the_library_message(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="weights") as e:
        fmnist.KNeighborsClassifier(weights="closest").fit(X, y)
    assert isinstance(e.value, fmnist.OptionError) and e.value.status == "E_OPTION"
    with pytest.raises(fmnist.OptionError, match='token 2 "softmax"'):
        fmnist.NetClassifier(layers="flatten softmax dense:10").fit(X, y)
    with pytest.raises(ValueError, match="n_jobs"):
        fmnist.KNeighborsClassifier(n_jobs=0).fit(X, y)
    with pytest.raises(ValueError, match="max_features"):
        fmnist.RandomForestClassifier(max_features="half").fit(X, y)
    with pytest.raises(ValueError, match="k=\\d+|above|training"):
        fmnist.KNeighborsClassifier(n_neighbors=1000).fit(X, y)


def test_report_presets():
    assert fmnist.presets()[-1] == "cnn_final"
    knn = fmnist.report("knn_7")
    assert isinstance(knn, fmnist.KNeighborsClassifier) and knn.n_neighbors == 7
    forest = fmnist.report("forest_80")
    assert forest.max_depth == 80 and forest.criterion == "gini"
    cnn = fmnist.NetClassifier.report("cnn_final")
    assert cnn.layers.startswith("noise:0.1 conv:32:3") and cnn.max_iter == 20
    assert cnn.random_state == 42
    with pytest.raises(ValueError, match="knn"):
        fmnist.NetClassifier.report("knn_5")
    with pytest.raises(fmnist.OptionError, match="cnn_final"):
        fmnist.report("cnn_best_ever")


def test_verbose_progress_on_stderr(data, capsys):
    X, y, _, _ = data
    fmnist.RandomForestClassifier(n_estimators=3, verbose=1).fit(X, y)
    assert "3/3 tree" in capsys.readouterr().err
    fmnist.RandomForestClassifier(n_estimators=3).fit(X, y)
    assert capsys.readouterr().err == ""


def test_ctrl_c_cancels_a_long_fit(data):
    X, y, _, _ = data
    net = fmnist.NetClassifier(layers="flatten dense:256 relu dense:10", max_iter=100000,
                               batch_size=8)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y)
    timer.join()
    assert not hasattr(net, "model_")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
