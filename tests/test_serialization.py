"""chainrule.save / chainrule.load: safetensors checkpoints, interchange with torch, atomic writes, bad files."""

from __future__ import annotations

import collections
import io
import json
import math
import os
import pickle
import struct
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file as np_save_file
from safetensors.torch import load_file, save_file

import chainrule
import chainrule.nn
import chainrule.optim as coptim
from chainrule import serialization


def _eq(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, chainrule.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _eq(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _eq(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_single_tensor_round_trip_all_dtypes(tmp_path):
    for dt in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        t = chainrule.tensor(np.arange(-3, 9).reshape(3, 4).astype(dt))
        chainrule.save(t, tmp_path / "t.pt")
        _eq(chainrule.load(tmp_path / "t.pt"), t)
    for t in (chainrule.tensor(3.5), chainrule.zeros(0, 4), chainrule.ones(2, 3).T):  # 0-d, empty, non-contiguous
        chainrule.save(t, str(tmp_path / "u.pt"))
        _eq(chainrule.load(str(tmp_path / "u.pt")), t.contiguous())


def test_nested_checkpoint_round_trip(tmp_path):
    p = chainrule.nn.Parameter(chainrule.randn(3, 2))
    opt = coptim.AdamW([p], lr=0.01)
    p.grad = chainrule.ones(3, 2)
    opt.step()
    sched = coptim.lr_scheduler.ReduceLROnPlateau(opt, patience=2)
    sched.step(1.0)
    ckpt = {
        "model": OrderedDict(weight=p.detach(), scale=chainrule.tensor(2.0, dtype=chainrule.float64)),
        "param": p,
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "epoch": 7,
        "loss": 0.25,
        "best": float("inf"),
        "nan": float("nan"),
        "name": "run-1",
        "flag": True,
        "nothing": None,
        "history": [1, 2.5, "x"],
        "shape": (2, (3, 4)),
        "np": np.arange(4),
        3: "int key",
        "__weird": [chainrule.tensor([1, 2])],
        "dtype": chainrule.float64,
        "rng": chainrule.get_rng_state(),
        "counts": collections.Counter([3, 3, 7]),
    }
    path = tmp_path / "ckpt.safetensors"
    chainrule.save(ckpt, path)
    back = chainrule.load(path)
    np.testing.assert_array_equal(back.pop("np"), np.arange(4))
    ckpt.pop("np")
    _eq(back, ckpt)
    assert isinstance(back["model"], OrderedDict) and isinstance(back["param"], chainrule.nn.Parameter)
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(back["optimizer"]["state"]) == [0]
    # the loaded state resumes training identically
    q = chainrule.nn.Parameter(back["param"].detach().clone())
    opt2 = coptim.AdamW([q], lr=0.01)
    opt2.load_state_dict(back["optimizer"])
    for o, x in ((opt, p), (opt2, q)):
        x.grad = chainrule.full((3, 2), 0.5)
        o.step()
    np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    chainrule.save({"a": chainrule.arange(6).reshape(2, 3)}, buf)
    buf.seek(0)
    _eq(chainrule.load(buf), {"a": chainrule.arange(6).reshape(2, 3)})
    with open(tmp_path / "f.st", "wb") as fh:
        fh.write(b"prefix")
        chainrule.save([chainrule.ones(2)], fh)
    with open(tmp_path / "f.st", "rb") as fh:
        fh.read(6)
        _eq(chainrule.load(fh), [chainrule.ones(2)])


def test_state_dict_interchange_with_safetensors_torch(tmp_path):
    torch.manual_seed(0)
    tlin = torch.nn.Linear(5, 3)
    save_file(tlin.state_dict(), tmp_path / "torch.safetensors")
    ours = chainrule.nn.Linear(5, 3)
    sd = chainrule.load(tmp_path / "torch.safetensors")
    assert set(sd) == {"weight", "bias"}
    ours.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(
        ours(chainrule.tensor(x)).detach().numpy(), tlin(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )
    # and back: ours saved, read by safetensors' torch loader into a torch module
    ours.weight.data = chainrule.randn(3, 5)
    chainrule.save(ours.state_dict(), tmp_path / "ours.safetensors")
    tsd = load_file(tmp_path / "ours.safetensors")
    assert list(tsd) == ["weight", "bias"] or set(tsd) == {"weight", "bias"}
    tlin.load_state_dict(tsd)
    np.testing.assert_array_equal(tlin.weight.detach().numpy(), ours.weight.detach().numpy())
    np.testing.assert_array_equal(tlin.bias.detach().numpy(), ours.bias.detach().numpy())
    assert tsd["weight"].dtype == torch.float32


def test_reads_plain_safetensors_and_widens_dtypes(tmp_path):
    arrays = {
        "f": np.arange(6, dtype=np.float32).reshape(2, 3),
        "u16": np.array([1, 65535], dtype=np.uint16),
        "b": np.array([True, False]),
        "z": np.zeros((0, 2), np.int64),
    }
    np_save_file(arrays, str(tmp_path / "np.st"))
    out = chainrule.load(tmp_path / "np.st")
    assert set(out) == set(arrays)
    np.testing.assert_array_equal(out["u16"].numpy(), [1, 65535])
    assert out["u16"].dtype == chainrule.int32 and out["z"].shape == (0, 2)
    save_file({"bf": torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16)}, tmp_path / "bf.st")
    bf = chainrule.load(tmp_path / "bf.st")["bf"]
    assert bf.dtype == chainrule.float32
    np.testing.assert_array_equal(bf.numpy(), torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16).float().numpy())


def test_unsupported_objects_are_rejected(tmp_path):
    class Thing:
        pass

    with pytest.raises(TypeError, match="cannot store an object of type .*Thing .*at 'a.0'"):
        chainrule.save({"a": [Thing()]}, tmp_path / "x")
    with pytest.raises(TypeError, match="state_dict"):
        chainrule.save(chainrule.nn.Linear(2, 2), tmp_path / "x")
    assert not os.path.exists(tmp_path / "x") and os.listdir(tmp_path) == []


def test_atomic_write_keeps_previous_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    old = {"w": chainrule.ones(1000)}
    chainrule.save(old, path)
    before = path.read_bytes()
    real_write = serialization._write

    def failing_write(fh, head, arrays):
        fh.write(head)
        fh.write(b"\0" * 100)  # part of the body reaches the disk, then the process "dies"
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        chainrule.save({"w": chainrule.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]  # the temporary file is gone
    _eq(chainrule.load(path), old)

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization, "_write", real_write)
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        chainrule.save({"w": chainrule.zeros(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]
    chainrule.save({"w": chainrule.zeros(3)}, path)
    _eq(chainrule.load(path), {"w": chainrule.zeros(3)})


def test_save_keeps_mode_and_writes_through_symlink(tmp_path):
    target = tmp_path / "real.st"
    chainrule.save(chainrule.ones(2), target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.st"
    os.symlink(target, link)
    chainrule.save(chainrule.zeros(2), link)
    assert os.path.islink(link) and (os.stat(target).st_mode & 0o777) == 0o640
    _eq(chainrule.load(target), chainrule.zeros(2))
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        chainrule.save(chainrule.ones(1), tmp_path / "missing" / "x.st")


def _write_raw(path, header: bytes, body: bytes = b"", length=None):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header) if length is None else length) + header + body)


def test_missing_empty_truncated_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nope.st")
    (tmp_path / "empty.st").write_bytes(b"")
    with pytest.raises(RuntimeError, match="empty.st'.*the file is empty"):
        chainrule.load(tmp_path / "empty.st")
    (tmp_path / "tiny.st").write_bytes(b"\x01\x02")
    with pytest.raises(RuntimeError, match="tiny.st'.*only 2 bytes"):
        chainrule.load(tmp_path / "tiny.st")
    good = tmp_path / "good.st"
    chainrule.save({"a": chainrule.arange(100.0), "b": chainrule.ones(10)}, good)
    data = good.read_bytes()
    for cut in (len(data) - 1, len(data) - 300, 12, 9):
        (tmp_path / "trunc.st").write_bytes(data[:cut])
        with pytest.raises(RuntimeError, match="trunc.st'.*not a valid safetensors checkpoint"):
            chainrule.load(tmp_path / "trunc.st")
    corrupt = bytearray(data)
    corrupt[8:12] = b"\xff\xfe{]"
    (tmp_path / "bad.st").write_bytes(bytes(corrupt))
    with pytest.raises(RuntimeError, match="bad.st'.*header is not valid JSON"):
        chainrule.load(tmp_path / "bad.st")
    (tmp_path / "text.st").write_bytes(b"hello world, not a checkpoint at all")
    with pytest.raises(RuntimeError, match="text.st'.*header claims"):
        chainrule.load(tmp_path / "text.st")


def test_pickle_files_are_refused_not_unpickled(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "zip.pt")
    with pytest.raises(RuntimeError, match="zip.pt'.*pickle-based.*never unpickles"):
        chainrule.load(tmp_path / "zip.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="never unpickles"):
        chainrule.load(tmp_path / "legacy.pt", weights_only=False)

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(RuntimeError, match="never unpickles"):
        chainrule.load(tmp_path / "evil.pkl")
    assert not (tmp_path / "pwned").exists()


def test_hostile_headers_are_rejected_without_allocating(tmp_path):
    p = tmp_path / "h.st"
    _write_raw(p, b"{}", length=2**62)  # header length far beyond the file
    with pytest.raises(RuntimeError, match="header claims 4611686018427387904 bytes"):
        chainrule.load(p)
    huge = json.dumps({"x": {"dtype": "F32", "shape": [2**40, 2**20], "data_offsets": [0, 2**62]}}).encode()
    _write_raw(p, huge, b"\0" * 16)
    with pytest.raises(RuntimeError, match="tensor 'x' spans bytes 0..4611686018427387904"):
        chainrule.load(p)
    cases = [
        ({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, "needs 12 bytes but spans 8"),
        ({"x": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, "unsupported dtype 'C64'"),
        ({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, "invalid shape"),
        ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}, "invalid data_offsets"),
        (
            {
                "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            "overlap",
        ),
        ({"__metadata__": {"chainrule": "{not json"}}, "structure metadata is not valid JSON"),
        ({"__metadata__": {"chainrule": '{"__tensor__": "ghost"}'}}, "refers to tensor 'ghost'"),
        ({"__metadata__": {"a": 1}}, "__metadata__ is not a map of strings"),
        ([1, 2], "not a JSON object"),
        ({"__metadata__": {"chainrule": '{"__dict__": [1]}'}}, "structure metadata is malformed"),
        ({"__metadata__": {"chainrule": '{"__dtype__": "complex256"}'}}, "structure metadata is malformed"),
    ]
    for header, msg in cases:
        _write_raw(p, json.dumps(header).encode(), b"\0" * 16)
        with pytest.raises(RuntimeError, match=msg):
            chainrule.load(p)
    with open(p, "wb") as fh:  # a sparse file: the length check must come before any read
        fh.write(struct.pack("<Q", 200_000_000))
        fh.truncate(8 + 200_000_000)
    with pytest.raises(RuntimeError, match="exceeds the limit"):
        chainrule.load(p)
    os.unlink(p)


def test_saved_file_is_valid_for_safetensors_and_aligned(tmp_path):
    sd = {
        "i8": chainrule.tensor([1, 2, 3], dtype=chainrule.int8),
        "f64": chainrule.randn(3, dtype=chainrule.float64),
        "f32": chainrule.randn(5),
        "b": chainrule.tensor([True]),
    }
    chainrule.save(sd, tmp_path / "m.st")
    raw = (tmp_path / "m.st").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8 : 8 + n])
    assert header["__metadata__"]["format"] == "pt"
    for k, v in header.items():
        if k != "__metadata__":
            assert v["data_offsets"][0] % np.dtype(sd[k].numpy().dtype).itemsize == 0
    loaded = load_file(tmp_path / "m.st")
    for k, v in sd.items():
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())


def _train(T, state, x, y, epochs, ckpt_path=None, resume_from=None):
    """Linear-tanh-linear classifier, Adam + OneCycleLR, shuffled batches; optionally checkpoint or resume."""
    data = torch.utils.data if T is torch else chainrule.utils.data
    nn = T.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    model.load_state_dict({k: T.tensor(v) for k, v in state.items()})
    opt = T.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
    sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=epochs * 5)
    gen = T.Generator()
    gen.manual_seed(0)
    loader = data.DataLoader(data.TensorDataset(T.tensor(x), T.tensor(y)), batch_size=8, shuffle=True, generator=gen)
    start = 0
    if resume_from is not None:
        ck = T.load(resume_from)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        gen.set_state(ck["generator"])
        start = ck["epoch"]
    losses = []
    for epoch in range(start, epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = T.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        if ckpt_path is not None and epoch == 0:
            T.save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "generator": gen.get_state(),
                    "epoch": epoch + 1,
                },
                ckpt_path,
            )
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}, losses


def test_training_checkpoint_resume_matches_uninterrupted_torch_run(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4))
    y = rng.integers(0, 3, 40)
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    state = {k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()}
    t_final, t_losses = _train(torch, state, x, y, epochs=3)
    c_final, c_losses = _train(chainrule, state, x, y, epochs=3, ckpt_path=tmp_path / "ck.safetensors")
    r_final, r_losses = _train(chainrule, state, x, y, epochs=3, resume_from=tmp_path / "ck.safetensors")
    np.testing.assert_allclose(c_losses, t_losses, rtol=1e-10)
    np.testing.assert_allclose(r_losses, c_losses[5:], rtol=1e-12)
    assert t_losses[-1] < t_losses[0]
    for k in t_final:
        np.testing.assert_allclose(c_final[k], t_final[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(r_final[k], c_final[k])


def test_scheduler_states_survive_a_file_round_trip(tmp_path):
    """Every scheduler's state_dict saved to disk and loaded back resumes the same lr sequence."""
    mod = coptim.lr_scheduler

    def build(kind):
        opt = coptim.SGD([chainrule.nn.Parameter(chainrule.ones(1))], lr=0.1, momentum=0.9)
        makers = {
            "multistep": lambda: mod.MultiStepLR(opt, milestones=[2, 4, 4, 9], gamma=0.5),
            "cosine": lambda: mod.CosineAnnealingLR(opt, T_max=6, eta_min=0.01),
            "onecycle": lambda: mod.OneCycleLR(opt, max_lr=1.0, total_steps=30, three_phase=True),
            "sequential": lambda: mod.SequentialLR(
                opt, [mod.LinearLR(opt, total_iters=3), mod.ExponentialLR(opt, 0.9)], milestones=[3]
            ),
            "plateau": lambda: mod.ReduceLROnPlateau(opt, patience=1, cooldown=1),
            "warm": lambda: mod.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2),
        }
        return opt, makers[kind]()

    for kind in ("multistep", "cosine", "onecycle", "sequential", "plateau", "warm"):
        opt, sched = build(kind)
        step = (lambda s, e: s.step(1.0)) if kind == "plateau" else (lambda s, e: s.step())
        for e in range(7):
            opt.step()
            step(sched, e)
        chainrule.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / f"{kind}.st")
        opt2, sched2 = build(kind)
        ck = chainrule.load(tmp_path / f"{kind}.st")
        opt2.load_state_dict(ck["opt"])
        sched2.load_state_dict(ck["sched"])
        assert sched2.state_dict().keys() == sched.state_dict().keys()
        for e in range(7, 20):
            for o, s in ((opt, sched), (opt2, sched2)):
                o.step()
                step(s, e)
            assert sched2.get_last_lr() == sched.get_last_lr(), kind
        if kind == "multistep":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched2.step(5)  # the closed form needs the Counter of milestones back
            assert sched2.get_last_lr() == [0.1 * 0.5**3]
