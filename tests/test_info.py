"""Top-level type information, constants, flags and torch.testing.assert_close against torch."""

import math

import pytest
import torch

import chainrule

FLOATS = ["float32", "float64", "float16"]
INTS = ["int64", "int32", "int16", "int8", "uint8"]


def _outcome(fn):
    try:
        return ("ok", repr(fn()))
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    t, c = torch.finfo(getattr(torch, name)), chainrule.finfo(getattr(chainrule, name))
    assert repr(c) == repr(t)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(c, attr) == getattr(t, attr), attr
    assert repr(chainrule.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    t, c = torch.iinfo(getattr(torch, name)), chainrule.iinfo(getattr(chainrule, name))
    assert repr(c) == repr(t)
    assert (c.bits, c.max, c.min, c.dtype) == (t.bits, t.max, t.min, t.dtype)


@pytest.mark.parametrize(
    "expr", ["T.finfo(T.int32)", "T.iinfo(T.float32)", "T.iinfo(T.bool)", "T.finfo('float32')", "T.iinfo(3)"]
)
def test_info_errors_match_torch(expr):
    ours = _outcome(lambda: eval(expr, {"T": chainrule}))  # noqa: S307
    theirs = _outcome(lambda: eval(expr, {"T": torch}))  # noqa: S307
    assert ours == theirs


def test_constants_layouts_and_typename():
    assert (chainrule.e, chainrule.pi, chainrule.newaxis) == (math.e, math.pi, None)
    assert chainrule.inf == torch.inf and math.isnan(chainrule.nan)
    for name in ("strided", "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        assert repr(getattr(chainrule, name)) == repr(getattr(torch, name))
    assert chainrule.zeros(2).layout is chainrule.strided
    for dt in ("float32", "float64", "int64", "int32", "uint8", "bool", "float16", "int16", "int8"):
        x = chainrule.zeros(2, dtype=getattr(chainrule, dt))
        assert chainrule.typename(x) == torch.typename(torch.zeros(2, dtype=getattr(torch, dt)))
    assert chainrule.typename(3) == "int"
    assert chainrule.typename(chainrule.nn.Linear(1, 1)).endswith(".Linear")
    y = chainrule.zeros(3, 2).t()
    assert chainrule.empty_like(y, memory_format=chainrule.contiguous_format).is_contiguous()


@pytest.mark.parametrize(
    "expr", ["T.tensor([1.5])", "T.tensor([0])", "T.tensor([1, 2])", "T.tensor([])", "T.tensor(0.0)"]
)
def test_is_nonzero(expr):
    ours = _outcome(lambda: chainrule.is_nonzero(eval(expr, {"T": chainrule})))  # noqa: S307
    theirs = _outcome(lambda: torch.is_nonzero(eval(expr, {"T": torch})))  # noqa: S307
    assert ours == theirs


def test_flags_scripts_set():
    assert chainrule.get_default_device() == chainrule.device("cpu")
    chainrule.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.set_default_device("cuda")
    assert not chainrule.are_deterministic_algorithms_enabled()
    chainrule.use_deterministic_algorithms(True, warn_only=True)
    assert chainrule.are_deterministic_algorithms_enabled()
    assert chainrule.is_deterministic_algorithms_warn_only_enabled()
    chainrule.use_deterministic_algorithms(False)
    b = chainrule.backends
    b.cudnn.deterministic, b.cudnn.benchmark = True, False
    assert b.cudnn.deterministic and not b.cudnn.is_available()
    assert not b.mps.is_available() and not b.mps.is_built() and not chainrule.cuda.is_available()


def _close_cases(T):
    return [
        lambda: T.testing.assert_close(T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.5, 3.0])),
        lambda: T.testing.assert_close(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0], dtype=T.float64)),
        lambda: T.testing.assert_close(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0, 3.0])),
        lambda: T.testing.assert_close(1.0, 1.5),
        lambda: T.testing.assert_close(1, 2),
        lambda: T.testing.assert_close(T.tensor([1, 2]), T.tensor([1, 3])),
        lambda: T.testing.assert_close(T.tensor([float("nan")]), T.tensor([float("nan")])),
        lambda: T.testing.assert_close(T.tensor([float("nan")]), T.tensor([float("nan")]), equal_nan=True),
        lambda: T.testing.assert_close(T.tensor([1.0]), T.tensor([1.1]), rtol=0.2),
        lambda: T.testing.assert_close(T.tensor([1.0]), T.tensor([1.1]), rtol=0.2, atol=0.0),
        lambda: T.testing.assert_close([T.tensor([1.0])], [T.tensor([2.0])]),
        lambda: T.testing.assert_close({"a": T.tensor([1.0])}, {"a": T.tensor([2.0])}),
        lambda: T.testing.assert_close(T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.tensor([[1.0, 2.0], [3.0, 5.0]]), msg="m"),
        lambda: T.testing.assert_close(T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.tensor([[1.0, 2.5], [3.0, 5.0]])),
        lambda: T.testing.assert_close(T.tensor([True]), T.tensor([False])),
        lambda: T.testing.assert_close(T.tensor(1.0), T.tensor(1.0000001)),
        lambda: T.testing.assert_close(T.tensor(1.0), T.tensor(1.5)),
        lambda: T.testing.assert_close(T.tensor([1.0, float("inf")]), T.tensor([1.0, float("inf")])),
        lambda: T.testing.assert_close(T.tensor([1.0, float("inf")]), T.tensor([1.0, -float("inf")])),
        lambda: T.testing.assert_close(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.001]).double(), check_dtype=False),
        lambda: T.testing.assert_close([1, 2], [1, 2, 3]),
        lambda: T.testing.assert_close(T.zeros(0), T.zeros(0)),
        lambda: T.testing.assert_close(T.tensor([1.0, 2.0]), T.tensor([1.0, 3.0]), msg=lambda m: "pre " + m[:20]),
    ]


@pytest.mark.parametrize("i", range(len(_close_cases(torch))))
def test_assert_close_matches_torch(i):
    ours = _outcome(_close_cases(chainrule)[i])
    theirs = _outcome(_close_cases(torch)[i])
    assert ours == theirs
