"""Recurrent layers: RNN (tanh/relu), LSTM (optionally projected), GRU and their single-step cells.

Layouts, gate orders (LSTM i, f, g, o; GRU r, z, n), parameter names and the initialisation draw
order follow torch. The input projection of a whole sequence is one matmul; the recurrence is a
Python loop over time steps, each step vectorised over the batch.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops
from ..._creation import empty, zeros
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from .._layers_rnn import GRUPointwise, LSTMPointwise, LSTMSequence
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# ---- one time step (x_proj = x W_ih^T + b_ih already computed) --------------------------------
def _rnn_step(act):
    def step(x_proj, h, w_hh, b_hh):
        return (act(x_proj + F.linear(h, w_hh, b_hh)),)

    return step


def _lstm_step(x_proj, state, w_hh, b_hh, w_hr=None):
    h, c = state
    h, c = LSTMPointwise.apply(F.linear(h, w_hh, b_hh) + x_proj, c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(x_proj, h, w_hh, b_hh):
    return (GRUPointwise.apply(x_proj, F.linear(h, w_hh, b_hh), h),)


def _run_direction(mode, x_proj, state, params, reverse, batch_sizes=None):
    """Recurrence over the per-step projected inputs (a list of (N, G)); returns the per-step outputs
    and the final state.

    With ``batch_sizes`` (packed input, rows sorted by decreasing length) only the first
    batch_sizes[t] rows advance at step t; the others keep their state.
    """
    T = len(x_proj)
    w_hh, b_hh = params[1], params[3]
    outs = [None] * T
    if mode == "LSTM":
        step = lambda xp, st: _lstm_step(xp, st, w_hh, b_hh, params[4])  # noqa: E731
    elif mode == "GRU":
        step = lambda xp, st: _gru_step(xp, st[0], w_hh, b_hh)  # noqa: E731
    else:
        f = _rnn_step(ops.tanh if mode == "RNN_TANH" else ops.relu)
        step = lambda xp, st: f(xp, st[0], w_hh, b_hh)  # noqa: E731
    order = range(T - 1, -1, -1) if reverse else range(T)
    if batch_sizes is None:
        for t in order:
            state = step(x_proj[t], state)
            outs[t] = state[0]
        return outs, state
    full = state
    for t in order:
        b = batch_sizes[t]
        nb = full[0].shape[0]
        cur = tuple(s[:b] for s in full) if b < nb else full
        new = step(x_proj[t], cur)
        outs[t] = new[0]
        full = tuple(ops.cat([n, s[b:]]) for n, s in zip(new, full)) if b < nb else new
    return outs, full


class RNNBase(Module):
    """Shared parameters and forward loop of RNN, LSTM and GRU (stacked, optionally bidirectional)."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]  # fmt: skip

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:  # fmt: skip
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                w_ih = Parameter(empty(gate_size, layer_in, dtype=dtype))
                w_hh = Parameter(empty(gate_size, real_hidden, dtype=dtype))
                b_ih = Parameter(empty(gate_size, dtype=dtype))
                b_hh = Parameter(empty(gate_size, dtype=dtype))
                if proj_size == 0:
                    layer_params = (w_ih, w_hh, b_ih, b_hh) if bias else (w_ih, w_hh)
                else:
                    w_hr = Parameter(empty(proj_size, hidden_size, dtype=dtype))
                    layer_params = (w_ih, w_hh, b_ih, b_hh, w_hr) if bias else (w_ih, w_hh, w_hr)
                suffix = "_reverse" if direction == 1 else ""
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    names += ["weight_hr_l{}{}"]
                names = [n.format(layer, suffix) for n in names]
                for name, p in zip(names, layer_params):
                    setattr(self, name, p)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        pass

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _layer_params(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        get = lambda n: getattr(self, f"{n}_l{layer}{suffix}", None)  # noqa: E731
        return (get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr"))

    def _check_hidden(self, h, expected, what="hidden"):
        if tuple(h.shape) != tuple(expected):
            raise RuntimeError(f"Expected {what} size {tuple(expected)}, got {list(h.shape)}")

    def _run(self, x, states, batch_sizes=None):
        """x: (T, N, In) or packed data; states: list (per layer*direction) of state tuples."""
        D = 2 if self.bidirectional else 1
        finals = []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                p = self._layer_params(layer, d)
                st = states[layer * D + d]
                proj = F.linear(layer_in, p[0], p[2])
                if self.mode == "LSTM" and batch_sizes is None and p[4] is None and proj.shape[0] > 0:
                    out, c_n = LSTMSequence.apply(proj, st[0], st[1], p[1], p[3], d == 1)
                    st = (out[0] if d == 1 else out[-1], c_n)
                elif batch_sizes is None:
                    out, st = _run_direction(self.mode, proj.unbind(0), st, p, d == 1)
                    out = ops.stack(out)
                else:
                    out, st = _run_direction(self.mode, proj.split(batch_sizes), st, p, d == 1, batch_sizes)
                    out = ops.cat(out)
                outs.append(out)
                finals.append(st)
            layer_in = outs[0] if D == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        return layer_in, finals

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence

        packed = isinstance(input, PackedSequence)
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        is_lstm = self.mode == "LSTM"
        if packed:
            data, batch_sizes, sorted_idx, unsorted_idx = input
            bs = [int(b) for b in batch_sizes.tolist()]
            N = bs[0]
            unbatched = False
            x = data
        else:
            name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
            N = x.shape[1]
            bs = sorted_idx = unsorted_idx = None
            if hx is not None:
                hs = hx if is_lstm else (hx,)
                for h in hs:
                    if unbatched and h.dim() != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h.dim()}-D tensor")
                    if not unbatched and h.dim() != 3:
                        raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h.dim()}-D tensor")
                if unbatched:
                    hx = tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]}")  # fmt: skip
        L = self.num_layers * D
        if hx is None:
            h0 = zeros(L, N, real_hidden, dtype=x.dtype)
            hx = (h0, zeros(L, N, self.hidden_size, dtype=x.dtype)) if is_lstm else h0
        elif packed and sorted_idx is not None:
            hx = tuple(h.index_select(1, sorted_idx) for h in hx) if is_lstm else hx.index_select(1, sorted_idx)
        if is_lstm:
            self._check_hidden(hx[0], (L, N, real_hidden))
            self._check_hidden(hx[1], (L, N, self.hidden_size), "hidden[1]")
            states = list(zip(hx[0].unbind(0), hx[1].unbind(0)))
        else:
            self._check_hidden(hx, (L, N, real_hidden))
            states = [(h,) for h in hx.unbind(0)]
        out, finals = self._run(x, states, bs)
        h_n = ops.stack([s[0] for s in finals])
        hidden = (h_n, ops.stack([s[1] for s in finals])) if is_lstm else h_n
        if packed:
            if unsorted_idx is not None:
                hidden = (tuple(h.index_select(1, unsorted_idx) for h in hidden) if is_lstm
                          else hidden.index_select(1, unsorted_idx))  # fmt: skip
            return PackedSequence(out, batch_sizes, sorted_idx, unsorted_idx), hidden
        if unbatched:
            out = out.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if is_lstm else hidden.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, hidden


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM with gates i, f, g, o: c_t = f c_{t-1} + i g, h_t = o tanh(c_t) (projected when proj_size > 0)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """GRU with gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---- cells -------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """weight_ih (G, input), weight_hh (G, hidden), optional biases; all ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:  # fmt: skip
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prep(self, input, hx, name, n_states=1):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for h in hx if n_states > 1 else (hx,):
                if h.dim() not in (1, 2):
                    raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {h.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        N = input.shape[0]
        if hx is None:
            z = zeros(N, self.hidden_size, dtype=input.dtype)
            hx = (z, z) if n_states > 1 else z
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if n_states > 1 else hx.unsqueeze(0)
        for h in hx if n_states > 1 else (hx,):
            if tuple(h.shape) != (N, self.hidden_size):
                raise RuntimeError(
                    f"hidden{'' if n_states == 1 else '[0]'} has inconsistent hidden_size: got {h.shape[-1]}, "
                    f"expected {self.hidden_size}"
                    if h.shape[-1] != self.hidden_size
                    else f"Input batch size {N} doesn't match hidden batch size {h.shape[0]}"
                )
        return input, hx, batched


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._prep(input, hx, "RNNCell")
        pre = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(hx, self.weight_hh, self.bias_hh)
        if self.nonlinearity == "tanh":
            h = ops.tanh(pre)
        elif self.nonlinearity == "relu":
            h = ops.relu(pre)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') of one LSTM step, gates i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        input, hx, batched = self._prep(input, hx, "LSTMCell", 2)
        gates = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(hx[0], self.weight_hh, self.bias_hh)
        h, c = LSTMPointwise.apply(gates, hx[1])
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' of one GRU step, gates r, z, n."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._prep(input, hx, "GRUCell")
        (h,) = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)
