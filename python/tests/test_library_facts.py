"""Facts the package and the documents restate from the C library, checked
against the library and its headers: the estimators' defaults and
keywords, the status codes and their exception classes, the header
constants, and the option lists of include/fmnist/model.h and
docs/guide.md (defaults and words)."""

import ctypes
import inspect
import re
from pathlib import Path

import pytest

import fmnist
from fmnist import _errors, _lib
from fmnist._estimators import _new_family_model, _option

ROOT = Path(__file__).resolve().parents[2]
ESTIMATORS = [fmnist.LogisticRegression, fmnist.KNeighborsClassifier,
              fmnist.RandomForestClassifier, fmnist.NetClassifier]
FAMILIES = ["logreg", "knn", "forest", "net", "ensemble"]

# Defaults that differ from the C library's on purpose: the net's layers
# (the C default is none, which cannot fit) and the KNN's vote-tie rule
# (scikit-learn's, so that the class is a drop-in).
ON_PURPOSE = {"net": {"layers"}, "knn": {"ties"}}
# C options that are no keyword: threads and seed are n_jobs and
# random_state, with scikit-learn's meanings (None: all cores, a fresh seed).
NOT_KEYWORDS = {"threads", "seed"}
# C options the classes leave out: scikit-learn's LogisticRegression has
# no SGD step or batch; the forest ignores standardize.
LEFT_OUT = {"logreg": {"lr", "batch"}, "forest": {"standardize"}}


def c_options(family):
    """{key: default text} of a fresh C model of family, in the library's order."""
    m = _new_family_model(family)
    keys, i = [], 0
    while _lib.lib.fmnist_model_option_name(m.ptr, i) is not None:
        keys.append(_lib.lib.fmnist_model_option_name(m.ptr, i).decode())
        i += 1
    return {k: _option(m, k) for k in keys}


def c_choices(family, key):
    """The words an option takes (from the library's message for a bad
    one), or None for an option that is not a choice of words."""
    m = _new_family_model(family)
    assert _lib.lib.fmnist_model_set(m.ptr, key.encode(), b"?") == _lib.STATUS["E_OPTION"]
    words = re.search(r"expected ([\w|]+)\)", _lib.lib.fmnist_last_error().decode())
    return set(words.group(1).split("|")) if words and "|" in words.group(1) else None


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_estimator_defaults_are_the_library_defaults(cls):
    """A default estimator configures the C model as a fresh C model is,
    but for ON_PURPOSE: the defaults read from the library survive their
    round trip through Python values."""
    ours = cls(random_state=0)._new_model()
    fresh = _new_family_model(cls._family)
    differ = {keyword for keyword, option, _, _ in cls._keywords
              if _option(ours, option) != _option(fresh, option)}
    assert differ == ON_PURPOSE.get(cls._family, set())
    # scikit-learn's convention: get_params gives the constructor's keywords
    assert set(cls().get_params()) == set(inspect.signature(cls).parameters)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_c_option_is_a_keyword(cls):
    """A new C option is a keyword of its class or named in LEFT_OUT."""
    keyword_options = {option for _, option, _, _ in cls._keywords}
    missing = set(c_options(cls._family)) - keyword_options - NOT_KEYWORDS
    assert missing == LEFT_OUT.get(cls._family, set())


def test_every_status_has_its_class():
    """The library's statuses, read from it at import, each with a class
    of its own that check() raises with the library's message."""
    assert set(_lib.STATUS) == set(_errors.BY_NAME)
    assert sorted(_lib.STATUS.values()) == list(range(1, len(_lib.STATUS) + 1))
    assert len(set(_errors.BY_NAME.values())) == len(_errors.BY_NAME)
    set_error = _lib.lib.fmnist_set_error
    set_error.restype, set_error.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_char_p]
    for name, code in _lib.STATUS.items():
        cls = _errors.BY_NAME[name]
        assert issubclass(cls, fmnist.FmnistError) and cls.__name__ in fmnist.__all__
        set_error(code, ("message of %s" % name).encode())
        with pytest.raises(cls, match="message of " + name) as e:
            _lib.check(code)
        assert (e.value.status, e.value.code) == (name, code)
        set_error(code, b"")  # no message: the status's generic text
        with pytest.raises(cls) as e:
            _lib.check(code)
        assert str(e.value) == _lib.lib.fmnist_strerror(code).decode()


def test_peer_and_file_errors_keep_their_builtin_bases():
    assert issubclass(fmnist.PeerError, fmnist.FmnistError)
    for cls in (fmnist.ChecksumError, fmnist.FormatVersionError):
        assert issubclass(cls, fmnist.FileFormatError) and issubclass(cls, OSError)
    assert issubclass(fmnist.BufferSizeError, ValueError)


def guide_section(number):
    text = (ROOT / "docs" / "guide.md").read_text()
    start = text.index("\n## %d. " % number)
    return text[start:text.index("\n## %d. " % (number + 1), start)]


def test_guide_status_table_is_the_library_list():
    rows = re.findall(r"^\| (\d+) \| `FMNIST_(\w+)` \| ([^|]*) \|", guide_section(7), re.M)
    assert [(int(v), name) for v, name, _ in rows[1:]] == sorted(
        ((code, name) for name, code in _lib.STATUS.items()))
    for value, name, text in rows:
        assert _lib.lib.fmnist_status_name(int(value)).decode() == name
        assert _lib.lib.fmnist_strerror(int(value)).decode() == text.strip()


def header_values():
    """{NAME: value} of the headers' enumerators and numeric macros
    (FMNIST_NAME), and the names that are enumerators."""
    exprs, enumerators = {}, set()
    for path in (ROOT / "include" / "fmnist").glob("*.h"):
        text = path.read_text()
        for name, expr in re.findall(r"^\s*FMNIST_(\w+) = ([^,/\n]+)", text, re.M):
            exprs[name] = expr
            enumerators.add(name)
        for name, expr in re.findall(r"^#define FMNIST_(\w+) +([\w ()*+]+?)\s*(?:/\*.*)?$",
                                     text, re.M):
            exprs[name] = expr

    def value(name):
        expr = re.sub(r"FMNIST_(\w+)", lambda m: str(value(m.group(1))), exprs[name])
        assert re.fullmatch(r"[\d ()*+]+", expr), (name, expr)
        return eval(expr, {"__builtins__": {}})  # digits, spaces, ( ) * + only

    return {name: value(name) for name in exprs if re.fullmatch(r"[\w ()*+]+", exprs[name])
            and not re.search(r"[a-z]", exprs[name])}, enumerators


def test_constants_are_the_headers():
    values, enumerators = header_values()
    for prefix in ("STAGE_", "SET_", "HISTORY_"):
        ours = {n for n in dir(_lib) if n.startswith(prefix)}
        assert ours == {n for n in enumerators if n.startswith(prefix)}, prefix
    for name in [n for n in dir(_lib) if n.startswith(("STAGE_", "SET_", "HISTORY_"))] + [
            "PIXELS", "CLASSES"]:
        assert getattr(_lib, name) == values[name], name


def same_default(doc, lib):
    """A documented default and the library's text: the same text, the
    same number, or the empty text written as none or empty."""
    if doc == lib or (lib == "" and doc in ("", "none", "empty")):
        return True
    try:
        return float(doc) == float(lib)
    except ValueError:
        return False


def check_option_list(entries):
    """entries: (family or None for every family, key, default, words or
    None) as a document states them; compares with the library, both ways."""
    stated = set()
    for family, key, default, words in entries:
        for f in FAMILIES if family is None else [family]:
            options = c_options(f)
            assert key in options, (f, key)
            assert same_default(default, options[key]), (f, key, default, options[key])
            if words is not None:
                assert words == c_choices(f, key), (f, key)
            stated.add((f, key))
    for f in FAMILIES:
        for key in c_options(f):
            assert (f, key) in stated, (f, key)


def test_model_h_option_list_is_the_library():
    text = (ROOT / "include" / "fmnist" / "model.h").read_text()
    block = text[text.index(" * Every family:"):text.index(" * Every model standardizes")]
    entries, family = [], None
    for line in block.splitlines():
        head = re.fullmatch(r" \* (Every family|\w+):", line)
        if head:
            family = None if head.group(1) == "Every family" else head.group(1)
            continue
        option = re.fullmatch(r" \*   (\w+) = (\S*)(?: {2,}(.*))?", line)
        if option:
            key, default, what = option.groups()
            words = re.match(r"(\w+(?:\|\w+)+)", what or "")
            entries.append((family, key, default,
                            set(words.group(1).split("|")) if words else None))
    assert len(entries) > 30
    check_option_list(entries)


def test_guide_option_tables_are_the_library():
    entries, family = [], "?"
    for line in guide_section(4).splitlines():
        if line == "Options of every family:":
            family = None
            continue
        head = re.fullmatch(r"`(\w+)`:", line)
        if head:
            family = head.group(1)
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if family == "?" or len(cells) != 4 or not cells[0].startswith("`"):
            continue
        key, values, default = cells[0].strip("`"), cells[1], cells[2].split()[0].strip("`")
        parts = [p.strip() for p in values.split(",")]
        words = ({p.strip("`") for p in parts}
                 if all(re.fullmatch(r"`\w+`", p) for p in parts) else None)
        entries.append((family, key, default, words))
    assert len(entries) > 30
    check_option_list(entries)
