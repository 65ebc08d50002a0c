"""Benchmark workloads, written once against a torch-like module ``T`` (torch or chainrule).

Each ``make_*`` returns a zero-argument callable performing one training step (or one unit of
work) and the FLOPs it performs (0 when not meaningful).
"""

from __future__ import annotations

import numpy as np


def _data(T, *shape, seed=0, kind="randn"):
    rng = np.random.default_rng(seed)
    if kind == "labels":
        return T.tensor(rng.integers(0, shape[1], size=shape[0]))
    return T.tensor(rng.standard_normal(shape).astype(np.float32))


def _copy_weights(T, model, seed=0):
    """Same initial weights in both libraries: fill every parameter from a seeded NumPy stream."""
    rng = np.random.default_rng(seed)
    with T.no_grad():
        for p in model.parameters():
            p.copy_(T.tensor((rng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32)))
    return model


def make_seed_model(T):
    nn = T.nn
    model = _copy_weights(T, nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 1)))
    crit = nn.MSELoss()
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    x, y = _data(T, 32, 10), _data(T, 32, 1, seed=1)

    def step():
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step, 0


def make_mlp(T):
    nn = T.nn
    model = _copy_weights(
        T, nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    )
    crit = nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    x, y = _data(T, 256, 784), _data(T, 256, 10, kind="labels")

    def step():
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    flops = 3 * 2 * 256 * (784 * 512 + 512 * 256 + 256 * 10)
    return step, flops


def make_cnn(T):
    nn = T.nn
    model = _copy_weights(
        T,
        nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(1568, 10),
        ),
    )
    crit = nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    x, y = _data(T, 64, 1, 28, 28), _data(T, 64, 10, kind="labels")

    def step():
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    flops = 3 * 2 * 64 * (28 * 28 * 16 * 9 + 14 * 14 * 32 * 16 * 9 + 1568 * 10)
    return step, flops


def make_per_op(T):
    a = T.tensor(np.linspace(-1, 1, 16).astype(np.float32), requires_grad=True)
    b = T.tensor(np.linspace(1, 2, 16).astype(np.float32), requires_grad=True)

    def step():
        (a * b + a).sum().backward()

    return step, 0


def make_chain(T, n=100_000):
    x = T.tensor([1.0], requires_grad=True)

    def step():
        y = x
        for _ in range(n):
            y = y * 1.0000001
        y.sum().backward()

    return step, 0


def make_lstm(T):
    nn = T.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 128, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    model = _copy_weights(T, Net())
    crit = nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    x, y = _data(T, 32, 32, 32), _data(T, 32, 10, kind="labels")

    def step():
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step, 3 * 2 * 32 * 32 * 4 * 128 * (32 + 128)


def make_transformer(T):
    nn = T.nn
    model = _copy_weights(T, nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True))
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    x = _data(T, 16, 64, 128)

    def step():
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    tokens = 16 * 64
    flops = 3 * 2 * tokens * (4 * 128 * 128 + 2 * 128 * 512) + 3 * 2 * 2 * 16 * 64 * 64 * 128
    return step, flops


def make_randn(T):
    """10^7 float32 normals from the seeded generator (bit-identical streams in both libraries)."""
    T.manual_seed(0)
    return (lambda: T.randn(10_000_000)), 0


def make_randn64(T):
    T.manual_seed(0)
    return (lambda: T.randn(10_000_000, dtype=T.float64)), 0


WORKLOADS = {
    "seed model (10-5-1, batch 32)": (make_seed_model, 200),
    "MLP 784-512-256-10, batch 256": (make_mlp, 10),
    "CNN conv16-pool-conv32-pool-fc, 64x1x28x28": (make_cnn, 5),
    "per-op (a*b+a).sum().backward(), 16 el.": (make_per_op, 500),
    "100,000-op scalar chain fwd+bwd": (make_chain, 1),
    "LSTM 32->128, seq 32, batch 32 + Linear": (make_lstm, 3),
    "TransformerEncoderLayer d=128 h=4 seq 64 b=16": (make_transformer, 5),
    "randn 10^7 float32": (make_randn, 2),
    "randn 10^7 float64": (make_randn64, 1),
}
