"""Finite-difference checks of analytical gradients (float64 central differences)."""

from __future__ import annotations

import warnings

import numpy as np

from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _diff_inputs(inputs):
    from .._tensor import Tensor

    return [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _outputs(fn, inputs):
    from .._tensor import Tensor

    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _numerical_jacobian(fn, inputs, eps):
    """J[k][j] for diff input k: d out_flat / d in_flat, by central differences."""
    with no_grad():
        outs = _outputs(fn, inputs)
        sizes = [o._data.size for o in outs]
        jacs = []
        for _, t in _diff_inputs(inputs):
            flat = t._data.reshape(-1)
            J = np.zeros((flat.size, sum(sizes)))
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = np.concatenate([o._data.ravel().astype(np.float64) for o in _outputs(fn, inputs)] or [[]])
                flat[j] = orig - eps
                minus = np.concatenate([o._data.ravel().astype(np.float64) for o in _outputs(fn, inputs)] or [[]])
                flat[j] = orig
                J[j] = (plus - minus) / (2 * eps)
            jacs.append(J)
    return jacs, outs


def _analytical_jacobian(fn, inputs, outs_shape_fn=None):
    from .. import autograd
    from .._tensor import Tensor

    diff = _diff_inputs(inputs)
    outs = _outputs(fn, inputs)
    total = sum(o._data.size for o in outs)
    jacs = [np.zeros((t._data.size, total)) for _, t in diff]
    col = 0
    for o in outs:
        for j in range(o._data.size):
            g = np.zeros(o._data.shape, dtype=o._data.dtype)
            g.reshape(-1)[j] = 1
            if not o.requires_grad:
                col += 1
                continue
            grads = autograd.grad([o], [t for _, t in diff], [Tensor._make(g, False, None, 0)], retain_graph=True,
                                  allow_unused=True)
            for k, gr in enumerate(grads):
                if gr is not None:
                    jacs[k][:, col] = gr._data.ravel()
            col += 1
    return jacs


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              nondet_tol: float = 0.0, check_undefined_grad: bool = True, fast_mode: bool = False, **kwargs) -> bool:
    """Compare backward's Jacobian with central finite differences; True or GradcheckError.

    Inputs that require grad should be float64: float32 differences are too coarse and the check
    warns (as torch does).
    """
    inputs = _as_tuple(inputs)
    for i, t in _diff_inputs(inputs):
        if t._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. As a result, the "
                "finite-difference check is likely to fail; use .double() inputs.", UserWarning, stacklevel=2)
    num, outs = _numerical_jacobian(func, inputs, eps)
    ana = _analytical_jacobian(func, inputs)
    for k, ((i, _), n, a) in enumerate(zip(_diff_inputs(inputs), num, ana)):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            idx = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
            msg = (f"Jacobian mismatch for output 0 with respect to input {i},\n"
                   f"numerical:{n}\nanalytical:{a}\n"
                   f"largest difference at (input element {idx[0]}, output element {idx[1]}): "
                   f"numerical {n[idx]:.6g} vs analytical {a[idx]:.6g}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, **kwargs) -> bool:
    """gradcheck of the gradient itself: checks backward-of-backward (create_graph=True)."""
    from .. import autograd
    from .._tensor import Tensor

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o._data.shape), False, None, 0).requires_grad_()
                        for o in outs]
    grad_outputs = list(_as_tuple(tuple(grad_outputs)))
    n_in = len(inputs)
    diff_idx = [i for i, _ in _diff_inputs(inputs)]

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():
            os_ = _outputs(func, ins)
            gs = autograd.grad(os_, [ins[i] for i in diff_idx], list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
