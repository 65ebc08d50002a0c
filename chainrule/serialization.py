"""``chainrule.save`` / ``chainrule.load``: checkpoints as safetensors files, never pickle.

Tensors go to the safetensors body under torch's key names (a ``state_dict`` saved here loads with
``safetensors.torch.load_file`` and vice versa). Everything else a checkpoint holds (numbers,
strings, nesting, optimizer ``param_groups``, scheduler state) is JSON in the header's
``__metadata__``. Writes are atomic: a temporary file in the target directory is fsynced and then
renamed over the target, so an interrupted save leaves the previous file intact. Reads validate the
header against the file size before allocating anything.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import struct
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from . import _dtype as D
from ._tensor import Tensor

__all__ = ["save", "load"]

_STRUCT_KEY = "chainrule"
_MAX_HEADER = 100_000_000  # the safetensors limit
_TO_ST = {
    np.dtype(np.float64): "F64",
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.int64): "I64",
    np.dtype(np.int32): "I32",
    np.dtype(np.int16): "I16",
    np.dtype(np.int8): "I8",
    np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}
# stored dtype, element size, dtype loaded as (BF16 and unsigned 16/32-bit widen exactly)
_FROM_ST = {
    "F64": ("<f8", 8),
    "F32": ("<f4", 4),
    "F16": ("<f2", 2),
    "BF16": ("<u2", 2),
    "I64": ("<i8", 8),
    "I32": ("<i4", 4),
    "I16": ("<i2", 2),
    "I8": ("i1", 1),
    "U8": ("u1", 1),
    "BOOL": ("?", 1),
    "U16": ("<u2", 2),
    "U32": ("<u4", 4),
}


# -- encoding the object tree ----------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def name(self, path: list[str], default: str) -> str:
        base = ".".join(path) or default
        name, k = base, 1
        while name in self.arrays or name == "__metadata__":
            name, k = f"{base}#{k}", k + 1
        return name

    def array(self, arr: np.ndarray, path: list[str], default: str) -> str:
        if arr.dtype not in _TO_ST:
            raise TypeError(
                f"chainrule.save: cannot store an array of dtype {arr.dtype} at '{'.'.join(path) or default}'"
            )
        name = self.name(path, default)
        self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d shapes
        return name

    def encode(self, obj, path: list[str]):
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter

            out: dict[str, Any] = {"__tensor__": self.array(obj._data, path, "tensor")}
            if obj._rg:
                out["requires_grad"] = True
            if isinstance(obj, Parameter):
                out["parameter"] = True
            return out
        if isinstance(obj, np.ndarray):
            return {"__ndarray__": self.array(obj, path, "array")}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.generic) and obj.dtype in _TO_ST:
            return self.encode(obj.item(), path)
        if isinstance(obj, D.dtype):
            return {"__dtype__": obj.name}
        if isinstance(obj, list):
            return [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            items = [(k, self.encode(v, path + [str(k)])) for k, v in obj.items()]
            kind = "__odict__" if isinstance(obj, OrderedDict) else "__counter__" if isinstance(obj, Counter) else None
            if kind is None:
                if all(isinstance(k, str) and not k.startswith("__") for k, _ in items):
                    return dict(items)
                kind = "__dict__"
            return {kind: [[self.encode(k, path), v] for k, v in items]}
        raise TypeError(
            f"chainrule.save cannot store an object of type {type(obj).__module__}.{type(obj).__qualname__} "
            f"(at '{'.'.join(path) or '<root>'}'): checkpoints hold tensors, numbers, strings, None and "
            "lists/tuples/dicts of these, never pickled objects. Save a module's state_dict() instead."
        )


def _decode(obj, tensors: dict[str, Tensor], where: str):
    if isinstance(obj, list):
        return [_decode(v, tensors, where) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj or "__ndarray__" in obj:
        key = obj.get("__tensor__", obj.get("__ndarray__"))
        if key not in tensors:
            raise RuntimeError(
                f"chainrule.load: {where} is corrupt: its structure refers to tensor '{key}', "
                "which the file does not contain"
            )
        t = tensors[key]
        if "__ndarray__" in obj:
            return t._data
        if obj.get("parameter"):
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad=bool(obj.get("requires_grad")))
        return t.requires_grad_() if obj.get("requires_grad") else t
    if "__tuple__" in obj:
        return tuple(_decode(v, tensors, where) for v in obj["__tuple__"])
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__dtype__" in obj:
        name = obj["__dtype__"]
        dt = getattr(D, name, None) if name != "bool" else D.bool_
        if not isinstance(dt, D.dtype):  # only dtypes: never an arbitrary attribute of the module
            raise ValueError(f"unknown dtype {name!r}")
        return dt
    for kind, cls in _MAPPINGS.items():
        if kind in obj:
            pairs = {_hashable(_decode(k, tensors, where)): _decode(v, tensors, where) for k, v in obj[kind]}
            return pairs if cls is dict else cls(pairs)
    return {k: _decode(v, tensors, where) for k, v in obj.items()}


_MAPPINGS = {"__dict__": dict, "__odict__": OrderedDict, "__counter__": Counter}


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, (list, tuple)) else k


# -- writing -----------------------------------------------------------------------------------------
def _header(enc: _Encoder, structure) -> tuple[bytes, list[np.ndarray]]:
    # widest dtypes first keeps every tensor aligned to its element size (what safetensors does)
    names = sorted(enc.arrays, key=lambda n: (-enc.arrays[n].dtype.itemsize, n))
    header: dict[str, Any] = {"__metadata__": {"format": "pt", _STRUCT_KEY: json.dumps(structure, allow_nan=False)}}
    offset = 0
    for n in names:
        a = enc.arrays[n]
        header[n] = {"dtype": _TO_ST[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    if len(raw) > _MAX_HEADER:
        raise RuntimeError(
            f"chainrule.save: checkpoint header of {len(raw)} bytes exceeds the safetensors limit "
            f"of {_MAX_HEADER} bytes (too many non-tensor values)"
        )
    return struct.pack("<Q", len(raw)) + raw, [enc.arrays[n] for n in names]


def _write(fh, head: bytes, arrays: list[np.ndarray]) -> None:
    fh.write(head)
    for a in arrays:
        if a.nbytes:
            if a.dtype.byteorder == ">":
                a = a.astype(a.dtype.newbyteorder("<"))
            fh.write(memoryview(a.reshape(-1).view(np.uint8)))


def save(
    obj,
    f,
    pickle_module=None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write ``obj`` (a tensor, a state_dict, optimizer/scheduler state, or containers of these) to ``f``.

    ``f`` is a path (written atomically) or a writable binary file object.
    """
    enc = _Encoder()
    structure = enc.encode(obj, [])
    head, arrays = _header(enc, structure)
    if not isinstance(f, (str, os.PathLike)):
        _write(f, head, arrays)
        return
    path = os.path.realpath(os.fspath(f))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"chainrule.save: '{os.fspath(f)}' is a directory")
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise _save_error(e, f) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, head, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _save_error(e, f) from e
        raise
    _fsync_dir(directory)


def _save_error(e: OSError, f) -> OSError:
    """The OS error (same type: PermissionError, disk full, ...) reworded to name the checkpoint."""
    return type(e)(
        e.errno,
        f"chainrule.save could not write '{os.fspath(f)}': {e.strerror or e}. The previous file, if any, is unchanged",
    )


def _fsync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# -- reading -----------------------------------------------------------------------------------------
def _bad(where: str, why: str) -> RuntimeError:
    return RuntimeError(f"chainrule.load: {where} is not a valid safetensors checkpoint: {why}")


def _parse_header(fh, size: int, where: str) -> tuple[dict, list[tuple[str, str, tuple, int, int]], int]:
    if size < 8:
        raise _bad(where, "the file is empty" if size == 0 else f"the file is only {size} bytes long")
    first = fh.read(8)
    if len(first) != 8:
        raise _bad(where, "the file ended inside the 8-byte header length")
    (n,) = struct.unpack("<Q", first)
    if n > size - 8 and (first[:4] == b"PK\x03\x04" or (first[0] == 0x80 and 2 <= first[1] <= 5)):
        raise RuntimeError(
            f"chainrule.load: {where} is a pickle-based file (torch.save format); chainrule reads safetensors files "
            "only and never unpickles. Re-save the state_dict with safetensors.torch.save_file (or chainrule.save)."
        )
    if n > size - 8:
        raise _bad(
            where,
            f"its header claims {n} bytes but the file has only {size - 8} bytes after the length "
            "(truncated or not a safetensors file)",
        )
    if n > _MAX_HEADER:
        raise _bad(where, f"its header of {n} bytes exceeds the limit of {_MAX_HEADER} bytes")
    raw = fh.read(n)
    if len(raw) != n:
        raise _bad(where, "the file ended inside the header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _bad(where, f"its header is not valid JSON ({e})") from None
    except RecursionError:
        raise _bad(where, "its header nests too deeply") from None
    if not isinstance(header, dict):
        raise _bad(where, "its header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _bad(where, "its __metadata__ is not a map of strings")
    body = size - 8 - n
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise _bad(where, f"entry '{name}' is not an object")
        dt, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if not isinstance(dt, str) or dt not in _FROM_ST:
            raise _bad(where, f"tensor '{name}' has unsupported dtype {dt!r}")
        if not (isinstance(shape, list) and len(shape) <= 64 and all(type(s) is int and s >= 0 for s in shape)):
            raise _bad(where, f"tensor '{name}' has an invalid shape {str(shape)[:200]}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)):
            raise _bad(where, f"tensor '{name}' has invalid data_offsets {offs!r}")
        begin, end = offs
        if not 0 <= begin <= end <= body:
            raise _bad(
                where,
                f"tensor '{name}' spans bytes {begin}..{end} but the data section has {body} bytes (truncated file?)",
            )
        if end - begin != math.prod(shape) * _FROM_ST[dt][1]:
            raise _bad(
                where,
                f"tensor '{name}' of shape {shape} and dtype {dt} needs "
                f"{math.prod(shape) * _FROM_ST[dt][1]} bytes but spans {end - begin}",
            )
        if math.prod(max(s, 1) for s in shape) * _FROM_ST[dt][1] >= 2**62:  # NumPy refuses such dims, even empty
            raise _bad(where, f"tensor '{name}' has an invalid shape {str(shape)[:200]}")
        entries.append((name, dt, tuple(shape), begin, end))
    prev_end, prev = 0, None
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin < prev_end:
            raise _bad(where, f"tensors '{prev}' and '{name}' overlap")
        if end > begin:
            prev_end, prev = end, name
    return meta, entries, 8 + n


def _read_tensors(fh, entries, start: int, where: str) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for name, dt, shape, begin, end in sorted(entries, key=lambda e: e[3]):
        stored, _ = _FROM_ST[dt]
        arr = np.empty(shape, dtype=stored)
        if end > begin:
            fh.seek(start + begin)
            got = fh.readinto(memoryview(arr.reshape(-1).view(np.uint8)))
            if got != end - begin:
                raise _bad(where, f"the file ended inside tensor '{name}'")
        if dt == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        elif dt == "U16":
            arr = arr.astype(np.int32)
        elif dt == "U32":
            arr = arr.astype(np.int64)
        elif arr.dtype.byteorder not in ("=", "|"):
            arr = arr.astype(arr.dtype.newbyteorder("="))
        out[name] = Tensor._make(arr, False, None, 0)
    # header order, which is the order the tensors were listed in
    return {e[0]: out[e[0]] for e in entries}


def load(
    f,
    map_location=None,
    pickle_module=None,
    *,
    weights_only: bool | None = True,
    mmap: bool | None = None,
    **pickle_load_args,
) -> Any:
    """Read a checkpoint written by ``chainrule.save`` or any safetensors file (then a dict of tensors).

    Everything is loaded onto the CPU whatever ``map_location`` says; nothing is ever unpickled.
    """
    if isinstance(f, (str, os.PathLike)):
        where = f"'{os.fspath(f)}'"
        with open(f, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            meta, entries, start = _parse_header(fh, size, where)
            tensors = _read_tensors(fh, entries, start, where)
    else:
        where = f"'{getattr(f, 'name', None) or type(f).__name__}'"
        base = f.tell()
        f.seek(0, os.SEEK_END)
        size = f.tell() - base
        f.seek(base)
        meta, entries, start = _parse_header(f, size, where)
        tensors = _read_tensors(_Offset(f, base), entries, start, where)
    if _STRUCT_KEY not in meta:
        return tensors
    try:
        structure = json.loads(meta[_STRUCT_KEY])
    except ValueError as e:
        raise _bad(where, f"its structure metadata is not valid JSON ({e})") from None
    except RecursionError:
        raise _bad(where, "its structure metadata nests too deeply") from None
    try:
        return _decode(structure, tensors, where)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise _bad(where, f"its structure metadata is malformed ({e})") from None
    except RecursionError:
        raise _bad(where, "its structure metadata nests too deeply") from None


class _Offset:
    """A file object whose position 0 is ``base`` in the wrapped one (checkpoints inside larger streams)."""

    def __init__(self, fh, base: int):
        self.fh, self.base = fh, base

    def seek(self, pos: int) -> None:
        self.fh.seek(self.base + pos)

    def readinto(self, buf) -> int:
        return self.fh.readinto(buf)
