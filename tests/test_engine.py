"""The autograd engine against torch: graph shapes, retain_graph, hooks, autograd.grad, custom
Functions, grad modes, in-place detection, anomaly mode, gradcheck and very deep graphs."""

import gc
import sys
import threading
import time
import warnings

import numpy as np
import pytest
import torch
from helpers import check_op

import chainrule

LIBS = (torch, chainrule)


def both(fn):
    """Run ``fn(T)`` for torch and chainrule; return the two results as nested lists/floats."""

    def conv(r):
        if isinstance(r, (torch.Tensor, chainrule.Tensor)):
            return np.asarray(r.detach().numpy() if isinstance(r, torch.Tensor) else r.detach().numpy()).tolist()
        if isinstance(r, (tuple, list)):
            return [conv(x) for x in r]
        return r

    return conv(fn(torch)), conv(fn(chainrule))


def assert_same(fn, rtol=1e-6):
    t, c = both(fn)
    np.testing.assert_allclose(np.asarray(c, dtype=float), np.asarray(t, dtype=float), rtol=rtol, atol=1e-7)


# ---- graph shapes -----------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls():
    def f(T):
        x = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad

    assert_same(f)
    t, c = both(f)
    assert c[1] == [5.0, -1.0, 9.0]


def test_reused_inputs_sum_their_gradients():
    def f(T):
        a = T.tensor([2.0, 3.0], requires_grad=True)
        b = a + a
        c = b + b
        (c * a).sum().backward()
        return a.grad

    assert_same(f)
    assert both(f)[1] == [16.0, 24.0]


def test_diamond_and_fan_out():
    def diamond(T):
        x = T.tensor([0.5, -1.5, 2.0], requires_grad=True)
        y = x.exp()
        a, b = y.sin(), y * y
        z = (a * b + a - b).sum()
        z.backward()
        return x.grad

    def fan_out(T):
        x = T.tensor([0.3, -0.7], requires_grad=True)
        h = x * 2
        total = sum((h * (i + 1) / 100).tanh() for i in range(100))
        total.sum().backward()
        return x.grad

    assert_same(diamond)
    assert_same(fan_out, rtol=1e-5)


def test_fan_in_order_matches_torch_bitwise():
    # sums of several incoming gradients are added in torch's node order, so the bits agree
    def f(T):
        x = T.tensor(np.linspace(-1, 1, 7).astype(np.float32), requires_grad=True)
        # + and * round exactly (IEEE), so only the order of the gradient sums could differ; mixed magnitudes
        # make that order visible in the bits (reversing the node order here changes them)
        parts = [(x * c) * (x + 2.0) for c in (1.0, 3e-8, -1.0, 7e-8, 0.3, -2e-8, 1e-7)]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        out.sum().backward()
        return x.grad

    t, c = both(f)
    assert c == t


def test_multiple_roots_and_nonscalar_gradient():
    def f(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        z = x.exp()
        T.autograd.backward([y, z.sum()], [T.ones_like(y) * 0.5, None])
        return x.grad

    assert_same(f)

    def g(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x**2
        y.backward(gradient=T.tensor([0.1, 1.0, 10.0]))
        return x.grad

    assert_same(g)


def test_implicit_gradient_only_for_scalars():
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (x * 2).backward()
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2).backward(T.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \[2\]"):
        (chainrule.tensor([1.0, 2.0], requires_grad=True) * 2).backward()
    (chainrule.tensor([3.0], requires_grad=True) * 2).backward()  # one element is fine


def test_backward_without_graph_raises():
    for T in LIBS:
        with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
            T.tensor([1.0]).sum().backward()
        x = T.tensor([1.0], requires_grad=True)
        with T.no_grad():
            y = x * 2
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.sum().backward()


# ---- retain_graph -----------------------------------------------------------------------------
def test_retain_graph_and_second_backward_error():
    def f(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    assert_same(f)
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).exp().sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.backward()
    # nothing saved (add/sum): a second pass works in torch, and here
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_freed_saved_tensors_message_names_node():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="MulBackward0"):
        y.backward()


# ---- hooks ------------------------------------------------------------------------------------
def test_tensor_hooks_on_leaves_and_non_leaves():
    def f(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()) or g * 10)
        h = x.register_hook(lambda g: g + 1)
        z = (y * y).sum()
        gy, gx = T.autograd.grad(z, [y, x], retain_graph=True)
        z.backward(retain_graph=True)
        first = x.grad.clone()
        h.remove()
        x.grad = None
        z.backward()
        return [gy, gx, first, x.grad] + seen

    assert_same(f)
    assert both(f)[1][1] == [181.0, 361.0]


def test_hook_chain_order_and_retain_grad_runs_last():
    def f(T):
        a = T.tensor([1.0, -1.0], requires_grad=True)
        b = a * 2
        b.retain_grad()
        b.register_hook(lambda g: g + 1)
        b.register_hook(lambda g: g * 2)
        (b * 3).sum().backward()
        return a.grad, b.grad

    assert_same(f)
    assert both(f)[1] == [[16.0, 16.0], [8.0, 8.0]]


def test_retain_grad_and_nonleaf_grad_warning():
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        z = x * 2
        (y + z).sum().backward()
        assert y.grad.tolist() == [1.0, 1.0] and y.retains_grad
        with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
            assert z.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert x.grad.tolist() == [4.0, 6.0]


def test_hook_errors_and_node_hooks():
    for T in LIBS:
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            T.tensor([1.0]).register_hook(lambda g: g)

    def f(T):
        a = T.tensor([2.0], requires_grad=True)
        d = a * 5
        log = []
        d.grad_fn.register_prehook(lambda go: log.append(("pre", go[0].tolist())))
        d.grad_fn.register_hook(lambda gi, go: log.append(("post", gi[0].tolist(), go[0].tolist())))
        w = T.tensor([1.0], requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda p: log.append(("acc", p.grad.tolist())))
        (d * w).sum().backward()
        return log

    t, c = both(f)
    assert c == t


# ---- autograd.grad ----------------------------------------------------------------------------
def test_gradient_penalty_create_graph():
    def f(T):
        w = T.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
        x = T.tensor([[1.0, 2.0], [-0.5, 0.7]], requires_grad=True)
        out = (x * w).tanh().sum()
        (gx,) = T.autograd.grad(out, x, create_graph=True)
        penalty = ((gx * gx).sum().sqrt() - 1) ** 2
        penalty.backward()
        return gx, w.grad, x.grad

    assert_same(f, rtol=1e-5)


def test_hessian_vector_product():
    def f(T):
        x = T.tensor([0.3, -1.2, 2.0], requires_grad=True)
        v = T.tensor([1.0, 0.5, -2.0])
        y = (x.sin() * x.exp()).sum() + (x * x * x).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (hv,) = T.autograd.grad((g * v).sum(), x)
        return g, hv

    assert_same(f, rtol=1e-5)


def test_third_derivative():
    def f(T):
        x = T.tensor([0.7, -0.4], requires_grad=True)
        y = (x.tanh() * x.sigmoid()).sum()
        (g1,) = T.autograd.grad(y, x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x)
        return g1, g2, g3

    assert_same(f, rtol=1e-5)


def test_grad_allow_unused_inputs_and_materialize():
    for T in LIBS:
        x = T.tensor([1.0], requires_grad=True)
        u = T.tensor([2.0], requires_grad=True)
        y = (x * 3).sum()
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            T.autograd.grad(y, [x, u], retain_graph=True)
        gx, gu = T.autograd.grad(y, [x, u], allow_unused=True, retain_graph=True)
        assert gx.tolist() == [3.0] and gu is None
        gx, gu = T.autograd.grad(y, [x, u], materialize_grads=True)
        assert gu.tolist() == [0.0]
        assert x.grad is None and u.grad is None  # autograd.grad touches no .grad

    def inputs_kw(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        h = a * b
        loss = (h * h).sum()
        loss.backward(inputs=[a])
        return a.grad, b.grad is None

    assert both(inputs_kw)[0] == both(inputs_kw)[1]

    def nonleaf_input(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        h = a * 3
        (h * h).sum().backward(inputs=[h])
        return h.grad, a.grad is None

    t, c = both(nonleaf_input)
    assert c == t


def test_grad_of_non_leaf_and_grad_outputs():
    def f(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x.exp()
        y = h * x
        return T.autograd.grad(y, [h, x], grad_outputs=T.tensor([1.0, -1.0, 0.5]))

    assert_same(f)


# ---- custom Functions -------------------------------------------------------------------------
def _custom(T):
    class MulExp(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            out = (a * b).exp() * k
            ctx.save_for_backward(a, b, out)
            ctx.k = k
            ctx.flags = ctx.needs_input_grad
            return out

        @staticmethod
        def backward(ctx, g):
            a, b, out = ctx.saved_tensors
            ga = g * out * b if ctx.needs_input_grad[0] else None
            gb = g * out * a if ctx.needs_input_grad[1] else None
            return ga, gb, None

    class ArgmaxAndMax(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(0, keepdim=True)
            val = x.max(0, keepdim=True)[0]
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, val)
            return val, idx

        @staticmethod
        @T.autograd.function.once_differentiable
        def backward(ctx, g, g_idx):
            x, val = ctx.saved_tensors
            return (x == val).to(g.dtype) * g

    return MulExp, ArgmaxAndMax


def test_custom_function_matches_torch():
    def f(T):
        MulExp, ArgmaxAndMax = _custom(T)
        a = T.tensor([0.5, -0.3], requires_grad=True)
        b = T.tensor([1.5, 2.0])
        y = MulExp.apply(a, b, 2.0)
        val, idx = ArgmaxAndMax.apply(y)
        (val.sum() + y.sum()).backward()
        return y, val, idx, a.grad, idx.requires_grad, y.grad_fn.name()

    t, c = both(f)
    assert c[:5] == t[:5]
    assert c[5] == "MulExpBackward" and t[5] == "MulExpBackward"


def test_custom_function_needs_input_grad_and_double_backward():
    seen = {}

    class Cube(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen["needs"] = ctx.needs_input_grad
            seen["grad_enabled_in_forward"] = chainrule.is_grad_enabled()
            ctx.save_for_backward(x)
            return x * x * x + y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g, g

    x = chainrule.tensor([2.0], requires_grad=True)
    y = chainrule.tensor([1.0])
    out = Cube.apply(x, y)
    assert seen == {"needs": (True, False), "grad_enabled_in_forward": False}
    (g,) = chainrule.autograd.grad(out, x, create_graph=True)
    (gg,) = chainrule.autograd.grad(g, x)
    assert g.tolist() == [12.0] and gg.tolist() == [12.0]
    with chainrule.no_grad():
        assert not Cube.apply(x, y).requires_grad


def test_custom_function_wrong_gradient_count():
    class Bad(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients \\(expected 2, got 1\\)"):
        Bad.apply(a, a).sum().backward()


def test_custom_function_mark_dirty_and_materialize():
    class AddOneInplace(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x._data += 1
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    h = a * 2
    out = AddOneInplace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInplaceBackward" and h._version == 1
    out.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]

    class Two(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = chainrule.tensor([1.0], requires_grad=True)
    p, _ = Two.apply(x)
    p.sum().backward()  # the unused output's gradient is materialized as zeros
    assert x.grad.tolist() == [2.0]


# ---- grad modes -------------------------------------------------------------------------------
def test_grad_mode_context_managers_and_decorators():
    for T in LIBS:
        x = T.tensor([1.0], requires_grad=True)
        with T.no_grad():
            assert not (x * 2).requires_grad
            with T.enable_grad():
                assert (x * 2).requires_grad
            assert not T.is_grad_enabled()
        assert T.is_grad_enabled()

        @T.no_grad()
        def f(a):
            return a * 2

        @T.enable_grad()
        def g(a):
            return a * 2

        @T.no_grad
        def f2(a):
            return a * 2

        assert not f(x).requires_grad and not f2(x).requires_grad
        with T.no_grad():
            assert g(x).requires_grad
        with T.set_grad_enabled(False):
            assert not (x * 2).requires_grad

        @T.set_grad_enabled(False)
        def k(a):
            return a * 2

        assert T.is_grad_enabled() and not k(x).requires_grad and T.is_grad_enabled()
        T.set_grad_enabled(False)
        assert not T.is_grad_enabled()
        T.set_grad_enabled(True)
        with T.inference_mode():
            assert not (x * 2).requires_grad and T.is_inference_mode_enabled()
        with T.inference_mode(False):
            assert (x * 2).requires_grad

        @T.inference_mode()
        def h(a):
            return a * 2

        assert not h(x).requires_grad
        assert T.is_grad_enabled()


def test_grad_mode_restored_after_exception_and_thread_local():
    with pytest.raises(ValueError):
        with chainrule.no_grad():
            raise ValueError
    assert chainrule.is_grad_enabled()
    seen = {}

    def worker():
        seen["thread"] = chainrule.is_grad_enabled()
        x = chainrule.tensor([1.0], requires_grad=True)
        seen["rg"] = (x * 2).requires_grad

    with chainrule.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not chainrule.is_grad_enabled()
    assert seen == {"thread": True, "rg": True}


# ---- in-place ---------------------------------------------------------------------------------
def test_modified_saved_tensor_raises_with_versions_and_op():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h
    h.add_(1)
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    msg = str(e.value)
    assert "modified by an inplace operation" in msg and "is at version 1; expected version 0" in msg
    assert "output 0 of AddBackward0" in msg and "add_" in msg and "[torch.FloatTensor [2]]" in msg
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 2
    ty = th * th
    th.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()
    # a saved output (exp saves its result)
    z = x.exp()
    w = z * 1.0
    z.mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward0.*mul_"):
        (w + z).sum().backward()


LEAF_INPLACE = [
    lambda T, w: w.add_(1),
    lambda T, w: w.mul_(2),
    lambda T, w: w.zero_(),
    lambda T, w: w.fill_(1.0),
    lambda T, w: w.copy_(T.tensor([2.0])),
    lambda T, w: w.clamp_(0, 1),
]


def test_inplace_on_leaf_requiring_grad_raises():
    for T in LIBS:
        w = T.tensor([1.0], requires_grad=True)
        for op in LEAF_INPLACE:
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
                op(T, w)
        with T.no_grad():
            w.mul_(3)
        assert w.tolist() == [3.0] and w.requires_grad and w.is_leaf


INPLACE = {
    "add_": lambda h, T: h.add_(h.detach() * 0.5 + 1),
    "add_alpha": lambda h, T: h.add_(T.ones(3), alpha=2),
    "sub_": lambda h, T: h.sub_(0.25),
    "mul_": lambda h, T: h.mul_(h.detach() + 2),
    "mul_tensor_rg": lambda h, T: h.mul_(h * 0.5),
    "div_": lambda h, T: h.div_(3.0),
    "pow_": lambda h, T: h.pow_(2),
    "clamp_": lambda h, T: h.clamp_(-0.5, 1.0),
    "copy_": lambda h, T: h.copy_(T.tensor([9.0, 8.0, 7.0])),
    "zero_": lambda h, T: h.zero_(),
    "fill_": lambda h, T: h.fill_(2.5),
    "iadd": lambda h, T: h.__iadd__(3),
    "isub": lambda h, T: h.__isub__(h.detach()),
    "imul": lambda h, T: h.__imul__(2),
    "itruediv": lambda h, T: h.__itruediv__(4),
    "exp_": lambda h, T: h.exp_(),
    "sigmoid_": lambda h, T: h.sigmoid_(),
    "neg_": lambda h, T: h.neg_(),
    "abs_": lambda h, T: h.abs_(),
    "sqrt_": lambda h, T: h.abs_().sqrt_(),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_ops_values_and_gradients(name):
    op = INPLACE[name]

    def f(T):
        x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
        h = x * 1.5
        out = op(h, T)
        assert out is h
        version = h._version
        (h * T.tensor([1.0, 2.0, 3.0])).sum().backward()
        return h, x.grad, version, h.grad_fn.name() if h.grad_fn is not None else None

    t, c = both(f)
    np.testing.assert_allclose(c[0], t[0], rtol=1e-6)
    np.testing.assert_allclose(c[1], t[1], rtol=1e-6)
    assert c[2] == t[2]


def test_inplace_on_view_shares_version():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    d = h.detach()
    d.mul_(2)
    assert h._version == 1 and h.tolist() == [2.0, 4.0]


def test_detach_cuts_the_graph():
    def f(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        z = y.detach() * x + y
        z.sum().backward()
        return x.grad

    assert_same(f)


# ---- anomaly mode and gradcheck ----------------------------------------------------------------
def test_detect_anomaly_names_the_forward_op():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        y = x.sqrt()  # d/dx sqrt at 0 is inf; times 0 below gives nan
        z = (y * 0.0).sum()
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"):
            with pytest.warns(UserWarning, match="y = x.sqrt"):
                z.backward()
    tx = torch.tensor([0.0, 1.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        tz = (tx.sqrt() * 0.0).sum()
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"):
            with pytest.warns(UserWarning):
                tz.backward()
    assert not chainrule.autograd.is_anomaly_enabled()
    chainrule.autograd.set_detect_anomaly(True)
    assert chainrule.autograd.is_anomaly_enabled()
    chainrule.autograd.set_detect_anomaly(False)


def test_gradcheck_warns_for_float32_and_catches_wrong_backward():
    x32 = chainrule.tensor([0.5, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="double precision"):
        chainrule.autograd.gradcheck(lambda a: a * a, (x32,), eps=1e-3, atol=1e-2)

    class Wrong(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    x = chainrule.tensor([0.5, 1.0], dtype=chainrule.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        chainrule.autograd.gradcheck(Wrong.apply, (x,))
    assert chainrule.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
    assert chainrule.autograd.gradcheck(lambda a: (a * a).sin(), (x,))
    assert chainrule.autograd.gradgradcheck(lambda a: (a * a).sin(), (x,))


# ---- deep graphs ------------------------------------------------------------------------------
def test_deep_chain_backward_and_delete_without_recursion():
    """A 1,000,000-op chain backpropagates and is freed iteratively (no RecursionError, no crash), in linear time."""
    n = 1_000_000
    x = chainrule.tensor([1.0], requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0000001
    t1 = time.perf_counter()
    forward_value = y.item()
    y.backward()
    t2 = time.perf_counter()
    # d/dx is the same float32 product of n factors that forward computed (torch gives these bits too)
    assert x.grad.dtype == chainrule.float32 and x.grad.item() == forward_value == 1.1192092895507812
    del y
    gc.collect()
    t3 = time.perf_counter()
    sys.stderr.write(f"1e6 chain: forward {t1 - t0:.1f}s backward {t2 - t1:.1f}s free {t3 - t2:.1f}s\n")
    assert t3 - t0 < 120


def test_deep_chain_matches_torch_bits():
    def f(T):
        x = T.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.0000001
        y.backward()
        return x.grad.item(), y.item()

    t, c = both(f)
    assert c == t == [1.0119209289550781, 1.0119209289550781]


def test_deep_chain_deleted_without_backward():
    y = chainrule.tensor([1.0], requires_grad=True)
    for _ in range(300_000):
        y = y + 1
    del y
    gc.collect()


def test_deep_chain_matches_torch_values():
    def f(T):
        x = T.tensor([0.5, -0.25], requires_grad=True)
        y = x
        for k in range(2000):
            y = (y * 0.999 + 0.001 * k / 2000).tanh() if k % 2 else y + 0.0005
        y.sum().backward()
        return y, x.grad

    assert_same(f, rtol=1e-5)


def test_check_op_helper_agrees():
    check_op(lambda T, a, b: (a * b + a).sum(), [(4,), (4,)])


# ---- torch.autograd.functional ------------------------------------------------------------------
X0 = np.array([0.3, -1.2, 2.0], np.float32)
Y0 = np.array([[0.5, 1.0], [2.0, -1.0]], np.float32)


def _two_outputs(x, y):
    return (x.sin() * x.exp()).sum() * y, x * x


def _scalar(x):
    return (x.sin() * x.exp()).sum() + (x * x * x).sum()


FUNCTIONAL = {
    "jacobian": lambda T: T.autograd.functional.jacobian(lambda x: x.sin() * x, T.tensor(X0)),
    "jacobian_multi": lambda T: T.autograd.functional.jacobian(_two_outputs, (T.tensor(X0), T.tensor(Y0))),
    "hessian": lambda T: T.autograd.functional.hessian(_scalar, T.tensor(X0)),
    "hessian_multi": lambda T: T.autograd.functional.hessian(
        lambda x, y: x.sin().sum() * y.sum(), (T.tensor(X0), T.tensor(Y0))
    ),
    "vjp": lambda T: T.autograd.functional.vjp(lambda x: x.sin() * x, T.tensor(X0), T.tensor([1.0, 2.0, 3.0])),
    "vjp_scalar": lambda T: T.autograd.functional.vjp(_scalar, T.tensor(X0)),
    "jvp": lambda T: T.autograd.functional.jvp(lambda x: x.sin() * x, T.tensor(X0), T.tensor([1.0, 2.0, 3.0])),
    "jvp_multi": lambda T: T.autograd.functional.jvp(
        _two_outputs, (T.tensor(X0), T.tensor(Y0)), (T.tensor([1.0, 2.0, 3.0]), T.ones(2, 2))
    ),
    "hvp": lambda T: T.autograd.functional.hvp(_scalar, T.tensor(X0), T.tensor([1.0, 0.5, -2.0])),
    "vhp": lambda T: T.autograd.functional.vhp(_scalar, T.tensor(X0), T.tensor([1.0, 0.5, -2.0])),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_autograd_functional_matches_torch(name):
    def flat(r):
        if isinstance(r, (tuple, list)):
            return [flat(x) for x in r]
        return np.asarray(r.detach().numpy())

    def check(c, t):
        if isinstance(t, list):
            assert isinstance(c, list) and len(c) == len(t)
            for a, b in zip(c, t):
                check(a, b)
        else:
            assert c.shape == t.shape
            np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-6)

    check(flat(FUNCTIONAL[name](chainrule)), flat(FUNCTIONAL[name](torch)))


def test_autograd_functional_create_graph_and_strict():
    x = chainrule.tensor([0.5, 1.5], requires_grad=True)
    jac = chainrule.autograd.functional.jacobian(lambda a: a * a * a, x, create_graph=True)
    (jac.sum()).backward()  # d/dx sum(diag(3x^2)) = 6x
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 9.0])
    for T in LIBS:
        with pytest.raises(RuntimeError, match="independent of input"):
            T.autograd.functional.vjp(lambda a, b: a * 2, (T.ones(2), T.ones(2)), T.ones(2), strict=True)
