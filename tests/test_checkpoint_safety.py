"""Checkpoint files from elsewhere are data, never code: every malformed or hostile file is refused with an
error naming it, before anything large is allocated, and nothing is ever unpickled. Saving never destroys
the previous checkpoint, whatever the disk does."""

from __future__ import annotations

import errno
import io
import json
import os
import pickle
import struct
import tracemalloc

import numpy as np
import pytest
import torch

import chainrule

_LIMIT = 16_000_000  # bytes: far below what any hostile header below claims


def _st_file(path, header, body=b"", raw=None):
    h = raw if raw is not None else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + body)
    return path


def _entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def _meta(structure: str):
    return {"__metadata__": {"format": "pt", "chainrule": structure}}


HOSTILE = {
    "header-length-2^62": lambda p: p.write_bytes(struct.pack("<Q", 2**62) + b"{}"),
    "header-length-past-end": lambda p: p.write_bytes(struct.pack("<Q", 64) + b"{}"),
    "huge-shape": lambda p: _st_file(p, {"w": _entry(shape=[2**40, 2**40], offsets=[0, 16])}, b"\0" * 16),
    "huge-offsets": lambda p: _st_file(p, {"w": _entry(shape=[2**31], offsets=[0, 2**33])}, b"\0" * 16),
    "out-of-bounds": lambda p: _st_file(p, {"w": _entry(shape=[4], offsets=[0, 16])}, b"\0" * 8),
    "reversed-offsets": lambda p: _st_file(p, {"w": _entry(shape=[0], offsets=[8, 0])}, b"\0" * 8),
    "negative-offset": lambda p: _st_file(p, {"w": _entry(offsets=[-8, 0])}, b"\0" * 8),
    "overlap": lambda p: _st_file(p, {"a": _entry(), "b": _entry(offsets=[4, 12])}, b"\0" * 12),
    "size-mismatch": lambda p: _st_file(p, {"w": _entry(shape=[3], offsets=[0, 8])}, b"\0" * 8),
    "negative-dim": lambda p: _st_file(p, {"w": _entry(shape=[-2], offsets=[0, 8])}, b"\0" * 8),
    "float-dim": lambda p: _st_file(p, {"w": _entry(shape=[2.0])}, b"\0" * 8),
    "bool-offset": lambda p: _st_file(p, {"w": _entry(offsets=[False, 8])}, b"\0" * 8),
    "65-dims": lambda p: _st_file(p, {"w": _entry(shape=[0] * 65, offsets=[0, 0])}),
    "empty-with-2^70-dim": lambda p: _st_file(p, {"w": _entry(shape=[0, 2**70], offsets=[0, 0])}),
    "unknown-dtype": lambda p: _st_file(p, {"w": _entry(dtype="Q77")}, b"\0" * 8),
    "object-dtype": lambda p: _st_file(p, {"w": _entry(dtype="O")}, b"\0" * 8),
    "list-dtype": lambda p: _st_file(p, {"w": _entry(dtype=["F32"])}, b"\0" * 8),
    "non-utf8-header": lambda p: _st_file(p, None, raw=b'{"__metadata__": {"k": "\xff\xfe"}}'),
    "not-json": lambda p: _st_file(p, None, raw=b"hello world"),
    "json-array": lambda p: _st_file(p, [1, 2]),
    "entry-not-object": lambda p: _st_file(p, {"w": "x"}),
    "deep-header": lambda p: _st_file(p, None, raw=b"[" * 200_000 + b"]" * 200_000),
    "metadata-not-strings": lambda p: _st_file(p, {"__metadata__": {"format": 3}}),
    "structure-not-json": lambda p: _st_file(p, _meta("{not json")),
    "deep-structure": lambda p: _st_file(p, _meta('{"__tuple__": ' * 5000 + "1" + "}" * 5000)),
    "structure-missing-tensor": lambda p: _st_file(p, _meta(json.dumps({"x": {"__tensor__": "nope"}}))),
    "structure-module-attribute": lambda p: _st_file(p, _meta(json.dumps({"x": {"__dtype__": "set_default_dtype"}}))),
    "structure-unhashable-key": lambda p: _st_file(p, _meta(json.dumps({"__dict__": [[{"a": 1}, 2]]}))),
    "zero-bytes": lambda p: p.write_bytes(b""),
    "seven-bytes": lambda p: p.write_bytes(b"1234567"),
}


def _load_guarded(path):
    """chainrule.load under tracemalloc: returns (exception, peak bytes allocated)."""
    tracemalloc.start()
    try:
        chainrule.load(path)
    except Exception as e:  # noqa: BLE001 - inspected by the caller
        return e, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError(f"{path} loaded")


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_refused_naming_it_without_allocating(tmp_path, case):
    path = tmp_path / f"{case}.safetensors"
    HOSTILE[case](path)
    exc, peak = _load_guarded(str(path))
    assert isinstance(exc, RuntimeError), f"{type(exc).__name__}: {exc}"
    assert str(path) in str(exc), str(exc)
    assert "chainrule.load" in str(exc)
    assert peak < _LIMIT, f"{case}: {peak} bytes allocated"


def test_hostile_stream_is_refused_naming_it():
    buf = io.BytesIO(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(RuntimeError, match="'BytesIO' is not a valid safetensors checkpoint"):
        chainrule.load(buf)


class _Payload:
    """Unpickling this would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_pickle_renamed_safetensors_never_runs(tmp_path, protocol):
    marker = tmp_path / "PWNED"
    path = tmp_path / "model.safetensors"
    with open(path, "wb") as f:
        pickle.dump({"weight": _Payload(str(marker)), "pad": "x" * 64}, f, protocol=protocol)
    exc, peak = _load_guarded(str(path))
    assert isinstance(exc, RuntimeError) and str(path) in str(exc)
    if protocol >= 2:
        assert "never unpickles" in str(exc)
    assert not marker.exists()
    assert peak < _LIMIT


def test_torch_save_zip_renamed_is_refused_with_advice(tmp_path):
    path = tmp_path / "model.safetensors"
    torch.save({"w": torch.ones(3)}, path)
    with pytest.raises(RuntimeError, match="pickle-based file .* safetensors.torch.save_file"):
        chainrule.load(str(path))


def test_safetensors_from_torch_side_still_loads(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "ok.safetensors"
    save_file({"w": torch.arange(6.0).reshape(2, 3), "e": torch.zeros(0, 5)}, str(path))
    out = chainrule.load(str(path))
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(6.0).reshape(2, 3))
    assert tuple(out["e"].shape) == (0, 5)


# ---- saving never destroys the previous checkpoint -------------------------------------------------------
@pytest.fixture
def previous(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.ones(3), "step": 7}, str(path))
    return path


def _intact(path):
    out = chainrule.load(str(path))
    np.testing.assert_array_equal(out["w"].numpy(), np.ones(3))
    assert out["step"] == 7
    assert sorted(os.listdir(path.parent)) == [path.name], "temporary files left behind"


def test_read_only_directory(previous, monkeypatch):
    def denied(p, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", p)

    monkeypatch.setattr(os, "open", denied)  # as root, chmod alone would not stop the write
    with pytest.raises(PermissionError) as ei:
        chainrule.save({"w": chainrule.zeros(3), "step": 8}, str(previous))
    monkeypatch.undo()
    assert str(previous) in str(ei.value) and "unchanged" in str(ei.value)
    _intact(previous)


class _FillingFile(io.RawIOBase):
    """A file that reports a full disk after ``room`` bytes."""

    def __init__(self, fh, room):
        self.fh, self.room = fh, room

    def write(self, b):
        self.room -= len(b)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.fh.write(b)

    def flush(self):
        self.fh.flush()

    def fileno(self):
        return self.fh.fileno()

    def close(self):
        self.fh.close()


@pytest.mark.parametrize("room", [0, 8, 100])
def test_disk_full_during_write(previous, monkeypatch, room):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FillingFile(real_fdopen(fd, mode), room))
    with pytest.raises(OSError) as ei:
        chainrule.save({"w": chainrule.zeros(1000), "step": 8}, str(previous))
    monkeypatch.undo()
    assert ei.value.errno == errno.ENOSPC
    assert str(previous) in str(ei.value) and "No space left on device" in str(ei.value)
    _intact(previous)


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_failure_at_fsync_or_rename(previous, monkeypatch, where):
    def fail(*a):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(OSError, match="Input/output error") as ei:
        chainrule.save({"w": chainrule.zeros(3), "step": 8}, str(previous))
    monkeypatch.undo()
    assert str(previous) in str(ei.value)
    _intact(previous)


def test_interrupt_during_write(previous, monkeypatch):
    real_fdopen = os.fdopen

    class Interrupting(_FillingFile):
        def write(self, b):
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Interrupting(real_fdopen(fd, mode), 0))
    with pytest.raises(KeyboardInterrupt):
        chainrule.save({"w": chainrule.zeros(3), "step": 8}, str(previous))
    monkeypatch.undo()
    _intact(previous)


def test_save_then_load_after_failures_round_trips(previous):
    chainrule.save({"w": chainrule.full((3,), 2.0), "step": 9}, str(previous))
    out = chainrule.load(str(previous))
    assert out["step"] == 9 and out["w"].tolist() == [2.0, 2.0, 2.0]
