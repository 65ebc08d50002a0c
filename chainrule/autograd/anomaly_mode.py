"""Anomaly detection: remember where each op was created and stop at the first NaN/Inf gradient."""

from __future__ import annotations

_enabled = [False]


def is_anomaly_enabled() -> bool:
    return _enabled[0]


class detect_anomaly:
    """Context manager: backward raises naming the forward op whose gradient became NaN/Inf."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        self.prev = False

    def __enter__(self):
        self.prev = _enabled[0]
        _enabled[0] = True
        return self

    def __exit__(self, *exc):
        _enabled[0] = self.prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (immediately; restored when used as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = _enabled[0]
        _enabled[0] = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _enabled[0] = self.prev
