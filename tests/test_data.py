"""chainrule.utils.data against torch.utils.data: collation, batching, sampling order, splits."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import chainrule
import chainrule.utils.data as cdata


def _np(x):
    """Nested structure with tensors replaced by (dtype name, ndarray) for comparison across libraries."""
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), x.detach().numpy().tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: _np(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, [_np(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_np(v) for v in x])
    return x


def _same(ours, theirs):
    assert _np(ours) == _np(theirs)


Point = collections.namedtuple("Point", "x y")


def _samples(T):
    """Per-type sample lists, built the same way for torch and chainrule."""
    rng = np.random.default_rng(0)
    arr = rng.standard_normal((3, 2, 2)).astype(np.float32)
    return [
        [T.tensor(a) for a in arr],
        [T.tensor(i) for i in range(3)],
        list(arr.astype(np.float64)),
        [np.float32(1.5), np.float32(2.5)],
        [np.int32(4), np.int32(5)],
        [np.bool_(True), np.bool_(False)],
        [1.5, 2.0, -3.0],
        [1, 2, 3],
        [True, False],
        ["a", "bb"],
        [b"x", b"y"],
        [{"img": T.tensor(arr[0]), "label": 1}, {"img": T.tensor(arr[1]), "label": 0}],
        [collections.OrderedDict(a=1.0, b=[1, 2]), collections.OrderedDict(a=2.0, b=[3, 4])],
        [Point(1, 2.0), Point(3, 4.0)],
        [(T.tensor(arr[0]), 1), (T.tensor(arr[1]), 2)],
        [[1, 2.5], [3, 4.5]],
        [(arr[0], {"k": (1, "s")}), (arr[1], {"k": (2, "t")})],
    ]


def test_default_collate_matches_torch():
    for ours, theirs in zip(_samples(chainrule), _samples(torch)):
        _same(cdata.default_collate(ours), tdata.default_collate(theirs))


def test_default_collate_errors_match_torch():
    bad = [
        (lambda T: [T.zeros(2), T.zeros(3)], RuntimeError, "stack expects each tensor to be equal size"),
        (lambda T: [[1, 2], [1]], RuntimeError, "each element in list of batch should be of equal size"),
        (lambda T: [object()], TypeError, "default_collate: batch must contain tensors, numpy arrays, numbers"),
        (lambda T: [np.array(["a"])], TypeError, "found <U1"),
    ]
    for make, exc, msg in bad:
        with pytest.raises(exc, match=msg):
            tdata.default_collate(make(torch))
        with pytest.raises(exc, match=msg):
            cdata.default_collate(make(chainrule))


def test_default_convert_matches_torch():
    arr = np.arange(6.0).reshape(2, 3)
    for sample in ([arr, 1, "s"], (arr, np.float32(2)), {"a": arr, "b": [np.int64(3)]}, Point(arr, 2), 7):
        _same(cdata.default_convert(sample), tdata.default_convert(sample))


class PairDataset:
    """A map-style dataset of (array, int) pairs that is not a TensorDataset."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])

    def __len__(self):
        return len(self.x)


def _data(n=23):
    rng = np.random.default_rng(1)
    return rng.standard_normal((n, 3)).astype(np.float32), rng.integers(0, 5, n)


@pytest.mark.parametrize(
    "kw",
    [
        dict(batch_size=4),
        dict(batch_size=4, drop_last=True),
        dict(batch_size=23),
        dict(batch_size=50),
        dict(batch_size=1),
        dict(batch_size=None),
        dict(batch_size=5, num_workers=2),
    ],
)
def test_sequential_batches_match_torch(kw):
    x, y = _data()
    loaders = [
        (
            cdata.DataLoader(cdata.TensorDataset(chainrule.tensor(x), chainrule.tensor(y)), **kw),
            tdata.DataLoader(tdata.TensorDataset(torch.tensor(x), torch.tensor(y)), **kw),
        ),
        (cdata.DataLoader(PairDataset(x, y), **kw), tdata.DataLoader(PairDataset(x, y), **kw)),
    ]
    for ours, theirs in loaders:
        assert len(ours) == len(theirs)
        got, want = list(ours), list(theirs)
        assert len(got) == len(want) == len(theirs)
        _same(got, want)
        _same(list(ours), want)  # a second pass gives the same batches


def test_tensor_dataset_fast_path_equals_per_sample_collation():
    x, y = _data(17)
    tx, ty = chainrule.tensor(x), chainrule.tensor(y)
    ds = cdata.TensorDataset(tx, ty)
    sub = cdata.Subset(cdata.Subset(ds, list(range(16, -1, -1))), chainrule.tensor([0, 3, 5, 7, 11, 2]))
    for d in (ds, sub):
        fast = list(cdata.DataLoader(d, batch_size=4))
        slow = list(cdata.DataLoader(d, batch_size=4, collate_fn=cdata.default_collate))
        _same(fast, slow)
        assert all(
            isinstance(b, list) and b[0].dtype == chainrule.float32 and b[1].dtype == chainrule.int64 for b in fast
        )
    # batches are copies: writing into one leaves the dataset alone
    b = next(iter(cdata.DataLoader(ds, batch_size=3)))
    b[0].add_(100.0)
    np.testing.assert_array_equal(tx.numpy(), x)


def test_shuffle_with_generator_matches_torch_order():
    x, y = _data(30)
    ours = cdata.DataLoader(
        cdata.TensorDataset(chainrule.tensor(x), chainrule.tensor(y)),
        batch_size=7,
        shuffle=True,
        generator=chainrule.Generator().manual_seed(42),
    )
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.tensor(x), torch.tensor(y)),
        batch_size=7,
        shuffle=True,
        generator=torch.Generator().manual_seed(42),
    )
    orders = []
    for _ in range(3):
        got, want = list(ours), list(theirs)
        _same(got, want)
        idx = np.concatenate([b[1].numpy() for b in got])
        orders.append(tuple(np.concatenate([b[0].numpy() for b in got])[:, 0]))
        assert sorted(np.concatenate([b[0].numpy() for b in got])[:, 0]) == sorted(x[:, 0])  # a permutation
        assert len(idx) == 30
    assert len(set(orders)) == 3  # a fresh order each epoch


def test_shuffle_draw_protocol_is_torchs():
    """Per epoch: one int64 random_() for the base seed, one to seed the sampler's generator, then randperm."""
    n = 11
    for T, data in ((torch, tdata), (chainrule, cdata)):
        loader = data.DataLoader(data.TensorDataset(T.arange(n)), batch_size=n, shuffle=True)
        T.manual_seed(5)
        got = [next(iter(loader))[0].tolist() for _ in range(2)]
        after = T.rand(1).item()
        T.manual_seed(5)
        expected = []
        for _ in range(2):
            T.empty((), dtype=T.int64).random_()
            seed = T.empty((), dtype=T.int64).random_().item()
            g = T.Generator()
            g.manual_seed(seed)
            expected.append(T.randperm(n, generator=g).tolist())
        assert got == expected
        assert T.rand(1).item() == after  # nothing else was drawn from the default generator


def test_same_seed_same_order():
    ds = cdata.TensorDataset(chainrule.arange(40))
    runs = []
    for _ in range(2):
        chainrule.manual_seed(123)
        loader = cdata.DataLoader(ds, batch_size=8, shuffle=True)
        runs.append([b[0].tolist() for _ in range(2) for b in loader])
    assert runs[0] == runs[1]
    assert runs[0][:5] != runs[0][5:]


def test_samplers_and_batch_sampler():
    ds = cdata.TensorDataset(chainrule.arange(10) * 10)
    bs = cdata.BatchSampler(cdata.SequentialSampler(ds), batch_size=3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    assert list(cdata.BatchSampler(range(10), 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    loader = cdata.DataLoader(ds, batch_sampler=[[9, 0], [4]])
    assert [b[0].tolist() for b in loader] == [[90, 0], [40]]
    loader = cdata.DataLoader(ds, sampler=[3, 1, 2], batch_size=2)
    assert [b[0].tolist() for b in loader] == [[30, 10], [20]]
    g = chainrule.Generator().manual_seed(0)
    rs = cdata.RandomSampler(ds, replacement=True, num_samples=70, generator=g)
    draws = list(rs)
    assert len(draws) == 70 == len(rs) and set(draws) <= set(range(10)) and len(set(draws)) > 5
    rs = cdata.RandomSampler(ds, num_samples=25, generator=g)
    draws = list(rs)
    assert len(draws) == 25 and sorted(draws[:20]) == sorted(list(range(10)) * 2)
    sub = list(cdata.SubsetRandomSampler([5, 6, 7], generator=g))
    assert sorted(sub) == [5, 6, 7]
    w = list(cdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g))
    assert set(w) == {1, 3} and 100 < w.count(3) < 190
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        cdata.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        cdata.RandomSampler(ds, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        cdata.RandomSampler(ds, replacement=1)


def test_dataloader_argument_errors_match_torch():
    cases = [
        dict(shuffle=True, sampler=[0]),
        dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_sampler=[[0]], drop_last=True),
        dict(batch_size=None, drop_last=True),
        dict(num_workers=-1),
        dict(prefetch_factor=2),
        dict(persistent_workers=True),
        dict(timeout=-1),
    ]
    for kw in cases:
        with pytest.raises(ValueError) as te:
            tdata.DataLoader(tdata.TensorDataset(torch.arange(4)), **kw)
        with pytest.raises(ValueError) as ce:
            cdata.DataLoader(cdata.TensorDataset(chainrule.arange(4)), **kw)
        assert str(ce.value) == str(te.value)
    loader = cdata.DataLoader(cdata.TensorDataset(chainrule.arange(4)))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


class Stream(cdata.IterableDataset):
    def __init__(self, n, report=None):
        self.n, self.report = n, n if report is None else report

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.report


def test_iterable_dataset():
    loader = cdata.DataLoader(Stream(10), batch_size=4)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    loader = cdata.DataLoader(Stream(10), batch_size=4, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    assert list(cdata.DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]  # ints pass through, as in torch
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        cdata.DataLoader(Stream(3), shuffle=True)
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, cdata.ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    loader = cdata.DataLoader(Stream(6, report=2), batch_size=2)
    assert len(loader) == 1
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


def test_dataset_combinators():
    a = cdata.TensorDataset(chainrule.arange(3), chainrule.arange(3) * 2)
    b = cdata.TensorDataset(chainrule.arange(10, 12), chainrule.arange(10, 12) * 2)
    c = a + b
    assert isinstance(c, cdata.ConcatDataset) and len(c) == 5 and c.cumulative_sizes == [3, 5]
    assert [int(c[i][0]) for i in range(5)] == [0, 1, 2, 10, 11] and int(c[-1][1]) == 22
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        c[-6]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        cdata.TensorDataset(chainrule.zeros(3), chainrule.zeros(4))
    s = cdata.StackDataset(a, cdata.Subset(c, [3, 4, 0]))
    assert len(s) == 3 and int(s[1][1][0]) == 11
    d = cdata.StackDataset(left=a, right=a)
    assert set(d[0]) == {"left", "right"}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        cdata.StackDataset(a, b)
    sub = cdata.Subset(c, [4, 0])
    assert [int(x[0]) for x in sub.__getitems__([0, 1])] == [11, 0] and len(sub) == 2
    batch = next(iter(cdata.DataLoader(c, batch_size=5)))
    assert batch[0].tolist() == [0, 1, 2, 10, 11]


def test_random_split_sizes_and_torch_order():
    ds = cdata.TensorDataset(chainrule.arange(10))
    tds = tdata.TensorDataset(torch.arange(10))
    for lengths in ([7, 3], [0.5, 0.3, 0.2], [0.33, 0.33, 0.34], [0.25, 0.25, 0.25, 0.25], [10, 0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = cdata.random_split(ds, lengths, generator=chainrule.Generator().manual_seed(7))
            theirs = tdata.random_split(tds, lengths, generator=torch.Generator().manual_seed(7))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sum(len(s) for s in ours) == 10
        assert sorted(i for s in ours for i in s.indices) == list(range(10))
        assert [s.indices for s in ours] == [s.indices for s in theirs]
    assert [len(s) for s in cdata.random_split(ds, [0.34, 0.33, 0.33])] == [4, 3, 3]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        cdata.random_split(cdata.TensorDataset(chainrule.arange(2)), [0.9, 0.1])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        cdata.random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        cdata.random_split(ds, [1.5, -0.5])


def test_training_loop_over_split_loader():
    """A whole epoch loop: split, shuffle, batch, and every sample seen exactly once."""
    x = chainrule.arange(50.0).reshape(25, 2)
    y = chainrule.arange(25)
    train, val = cdata.random_split(cdata.TensorDataset(x, y), [0.8, 0.2], generator=chainrule.Generator())
    loader = cdata.DataLoader(train, batch_size=6, shuffle=True, generator=chainrule.Generator().manual_seed(0))
    seen = []
    for xb, yb in loader:
        assert xb.shape[1:] == (2,) and xb.shape[0] == yb.shape[0] <= 6
        np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())
        seen += yb.tolist()
    assert sorted(seen) == sorted(train.indices) and len(loader) == 4
    assert cdata.get_worker_info() is None
