"""nn.Module and containers: registration, state_dict, hooks, modes, dtype casting, repr, tutorial flow."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import chainrule
import chainrule.optim  # noqa: F401
from chainrule import nn


def _both(build):
    """(torch module, chainrule module) built by the same code, chainrule loaded with torch's weights."""
    t, c = build(torch), build(chainrule)
    c.load_state_dict(t.state_dict())
    return t, c


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.register_buffer("running", chainrule.zeros(4))
        self.register_buffer("scratch", chainrule.ones(2), persistent=False)
        self.scale = nn.Parameter(chainrule.ones(1))
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.ReLU()])

    def forward(self, x):
        h = self.fc(x) * self.scale
        for b in self.blocks:
            h = b(h)
        return h


def _torch_net():
    tn = torch.nn

    class TNet(tn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tn.Linear(3, 4)
            self.register_buffer("running", torch.zeros(4))
            self.register_buffer("scratch", torch.ones(2), persistent=False)
            self.scale = tn.Parameter(torch.ones(1))
            self.blocks = tn.ModuleList([tn.Linear(4, 4), tn.ReLU()])

    return TNet()


# ---- registration ----------------------------------------------------------------------------
def test_registration_and_iteration_match_torch():
    c, t = Net(), _torch_net()
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in c.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in c.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in c.named_children()] == [n for n, _ in t.named_children()]
    assert list(c.state_dict()) == list(t.state_dict())
    assert [n for n, _ in c.named_parameters(prefix="m", recurse=False)] == ["m.scale"]
    assert len(list(c.parameters())) == 5 and len(list(c.modules())) == 5 and len(list(c.children())) == 2
    assert isinstance(c.fc.weight, nn.Parameter) and c.fc.weight.requires_grad
    assert "fc" in dir(c) and "scale" in dir(c) and "running" in dir(c)


def test_shared_parameters_deduplicated():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in seq.named_modules()] == ["", "0"]


def test_attribute_errors_like_torch():
    class Early(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        Early()

    class EarlyP(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(chainrule.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        EarlyP()
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'weight' "):
        m.weight = chainrule.zeros(3, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module"):
        s = nn.Sequential(nn.ReLU())
        s[0] = 3
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", chainrule.ones(1))
    with pytest.raises(KeyError, match="buffer name can.*t contain"):
        m.register_buffer("a.b", chainrule.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1])
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' object to parameter 'q'"):
        m.register_parameter("q", chainrule.ones(1))
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        m.register_parameter("q", _nonleaf_param())
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        m.nope  # noqa: B018
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        nn.Module(3)


def _nonleaf_param():
    w = nn.Parameter(chainrule.ones(1))
    p = nn.Parameter(chainrule.ones(1))
    p.grad_fn = (w * 2).grad_fn
    return p


def test_reassign_and_delete():
    m = nn.Module()
    m.x = nn.Parameter(chainrule.ones(2))
    m.x = None
    assert m.x is None and "x" in m._parameters and list(m.parameters()) == []
    m.b = nn.Buffer(chainrule.ones(3))
    assert "b" in dict(m.named_buffers())
    m.b = chainrule.zeros(3)
    assert np.all(m.b.numpy() == 0)
    m.sub = nn.Linear(1, 1)
    del m.sub
    assert "sub" not in m._modules
    m.nb = nn.Buffer(chainrule.ones(1), persistent=False)
    assert "nb" not in m.state_dict()


def test_get_submodule_parameter_buffer():
    c = Net()
    assert c.get_submodule("blocks.0") is c.blocks[0]
    assert c.get_parameter("blocks.0.bias") is c.blocks[0].bias
    assert c.get_buffer("running") is c.running
    with pytest.raises(AttributeError, match="ModuleList has no attribute `5`"):
        c.get_submodule("blocks.5")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        c.get_parameter("running")


# ---- state dict ----------------------------------------------------------------------------------
def test_state_dict_shares_memory_and_keep_vars():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict) and not sd["weight"].requires_grad
    with chainrule.no_grad():
        m.weight.fill_(3.0)
    assert np.all(sd["weight"].numpy() == 3.0)
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert m.state_dict()._metadata[""] == {"version": 1}


def test_load_state_dict_from_torch_and_numpy():
    t, c = _both(lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.ReLU(), T.nn.Linear(3, 2)))
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(c.state_dict()[k].numpy(), v.numpy())
    w = c[0].weight
    res = c.load_state_dict({k: v.numpy() * 2 for k, v in t.state_dict().items()})
    assert c[0].weight is w and repr(res) == "<All keys matched successfully>"
    np.testing.assert_allclose(c[0].weight.detach().numpy(), t[0].weight.detach().numpy() * 2)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("f")
    c.load_state_dict(t.state_dict())
    np.testing.assert_allclose(c(chainrule.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    c2 = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    c2.load_state_dict(c.state_dict())
    assert c2[0].weight.dtype == chainrule.float64


def _err(model, sd, strict=True):
    try:
        model.load_state_dict(sd, strict=strict)
    except RuntimeError as e:
        return str(e)
    raise AssertionError("no error")


def test_load_state_dict_errors_match_torch():
    t = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    c = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    bad = dict(t.state_dict())
    del bad["1.bias"]
    bad["extra.w"] = torch.zeros(1)
    bad["0.weight"] = torch.zeros(5, 4)
    assert _err(c, bad) == _err(t, bad)
    assert _err(nn.Linear(2, 3), {"weight": torch.zeros(3, 2)}) == _err(torch.nn.Linear(2, 3),
                                                                        {"weight": torch.zeros(3, 2)})  # fmt: skip
    only_unexpected = dict(t.state_dict(), **{"zz": torch.zeros(1)})
    assert _err(c, only_unexpected) == _err(t, only_unexpected)
    missing = {k: v for k, v in t.state_dict().items() if k != "0.bias"}
    res_c = c.load_state_dict(missing, strict=False)
    res_t = t.load_state_dict(missing, strict=False)
    assert res_c.missing_keys == res_t.missing_keys == ["0.bias"]
    assert res_c.unexpected_keys == res_t.unexpected_keys == []
    assert repr(res_c) == repr(res_t)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        c.load_state_dict([1, 2])


def test_non_persistent_buffers_and_custom_module_state():
    c, t = Net(), _torch_net()
    c.load_state_dict(t.state_dict())
    assert list(c.state_dict()) == list(t.state_dict())
    assert "scratch" not in c.state_dict() and "scratch" in dict(c.named_buffers())


# ---- modes, grads, casting ----------------------------------------------------------------------
def test_train_eval_zero_grad_requires_grad():
    c = Net()
    c.eval()
    assert not c.training and not c.blocks[0].training
    c.train()
    assert all(m.training for m in c.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        c.train("yes")
    c(chainrule.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in c.parameters())
    c.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in c.parameters())
    c.zero_grad()
    assert all(p.grad is None for p in c.parameters())
    c.requires_grad_(False)
    assert not any(p.requires_grad for p in c.parameters())
    seen = []
    c.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "ReLU", "ModuleList", "Net"]


def test_to_dtype_keeps_parameter_identity():
    c = Net()
    w = c.fc.weight
    c(chainrule.randn(2, 3)).sum().backward()
    assert c.double() is c
    assert c.fc.weight is w and w.dtype == chainrule.float64 and w.grad.dtype == chainrule.float64
    assert c.running.dtype == chainrule.float64
    c.to(chainrule.float32)
    assert w.dtype == chainrule.float32
    c.half()
    assert w.dtype == chainrule.float16
    c.float().to("cpu")
    c.register_buffer("steps", chainrule.tensor(3))
    c.double()
    assert c.steps.dtype == chainrule.int64
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        c.to(chainrule.int64)
    assert c.cpu() is c


def test_parameter_update_under_no_grad_and_copy():
    m = nn.Linear(3, 2)
    m(chainrule.randn(4, 3)).sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        m.weight -= 0.1 * m.weight.grad
    before = m.weight.detach().numpy().copy()
    with chainrule.no_grad():
        for p in m.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(m.weight.detach().numpy(), before - 0.1 * m.weight.grad.numpy(), rtol=1e-6)
    d = copy.deepcopy(m)
    assert d.weight is not m.weight and np.array_equal(d.weight.detach().numpy(), m.weight.detach().numpy())
    assert isinstance(d.weight, nn.Parameter)
    p = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(p.bias.detach().numpy(), m.bias.detach().numpy())


# ---- hooks -------------------------------------------------------------------------------------
def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    x = chainrule.randn(3, 2)
    y = m(x)
    np.testing.assert_allclose(y.detach().numpy(), m.bias.detach().numpy()[None] + 1 + np.zeros((3, 2)), rtol=1e-6)
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(x).detach().numpy(), (x @ m.weight.T + m.bias).detach().numpy(), rtol=1e-6)
    h3 = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    h4 = m.register_forward_hook(lambda mod, args, kwargs, out: out * 2, with_kwargs=True)
    np.testing.assert_allclose(m(x).detach().numpy(), 2 * (x @ m.weight.T + m.bias).detach().numpy(), rtol=1e-6)
    with h3, h4:
        pass
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_full_backward_hook_matches_torch():
    def run(T, mod):
        record = {}

        def hook(module, gin, gout):
            record["gin"] = [g.detach().numpy().copy() if g is not None else None for g in gin]
            record["gout"] = [g.detach().numpy().copy() for g in gout]
            return (gin[0] * 2,)

        mod.register_full_backward_hook(hook)
        pre = []
        mod.register_full_backward_pre_hook(lambda m, go: pre.append(1))
        x = T.tensor(np.arange(6.0, dtype="f").reshape(2, 3), requires_grad=True)
        (mod(x) ** 2).sum().backward()
        return record, x.grad.numpy(), pre

    t, c = _both(lambda T: T.nn.Linear(3, 2))
    rt, gt, pt = run(torch, t)
    rc, gc, pc = run(chainrule, c)
    np.testing.assert_allclose(rc["gout"][0], rt["gout"][0], rtol=1e-5)
    np.testing.assert_allclose(rc["gin"][0], rt["gin"][0], rtol=1e-5)
    np.testing.assert_allclose(gc, gt, rtol=1e-5)
    assert pc == pt == [1]


# ---- repr --------------------------------------------------------------------------------------
def test_repr_matches_torch():
    def build(T):
        tn = T.nn
        return tn.Sequential(
            tn.Linear(10, 5),
            tn.ReLU(),
            tn.Sequential(tn.Linear(5, 5, bias=False), tn.Tanh(), tn.Dropout(0.1)),
            tn.ModuleList([tn.Linear(2, 2) for _ in range(3)] + [tn.GELU()]),
            tn.ModuleDict({"act": tn.LeakyReLU(0.1), "sm": tn.Softmax(dim=-1)}),
            tn.Linear(5, 1),
        )

    assert repr(build(chainrule)) == repr(build(torch))
    for T in (torch, chainrule):
        pl = T.nn.ParameterList([T.nn.Parameter(T.zeros(3, 4)), T.zeros(2)])
        pd = T.nn.ParameterDict({"b": T.nn.Parameter(T.zeros(2)), "a": T.zeros(1, 2)})
        if T is torch:
            want = (repr(pl), repr(pd), repr(T.nn.ModuleList()), repr(T.nn.Sequential()))
        else:
            assert (repr(pl), repr(pd), repr(T.nn.ModuleList()), repr(T.nn.Sequential())) == want


# ---- containers -----------------------------------------------------------------------------------
def test_sequential_api():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sl = s[1:]
    assert isinstance(sl, nn.Sequential) and list(sl) == [b, c] and list(sl._modules) == ["1", "2"]
    del s[1]
    assert list(s) == [a, c] and list(s._modules) == ["0", "1"]
    s.insert(1, b)
    assert list(s) == [a, b, c]
    s.append(nn.Tanh())
    s.extend([nn.Identity()])
    assert len(s) == 5 and list(s._modules) == ["0", "1", "2", "3", "4"]
    assert s.pop(-1).__class__.__name__ == "Identity"
    with pytest.raises(IndexError, match="index 10 is out of range"):
        s[10]
    od = nn.Sequential(OrderedDict([("first", a), ("act", b)]))
    assert list(od._modules) == ["first", "act"] and od.first is a
    assert len(s + od) == 6
    s2 = nn.Sequential(nn.ReLU()) * 3
    assert len(s2) == 3
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        s + 3  # noqa: B018
    x = chainrule.randn(4, 2)
    np.testing.assert_allclose(nn.Sequential(a, b, c)(x).detach().numpy(), c(b(a(x))).detach().numpy())


def test_module_list_dict_param_containers():
    ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    ml.append(nn.Tanh())
    ml.extend([nn.Sigmoid()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "ReLU", "Tanh", "Sigmoid"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2 and ml[-1] is ml[4]
    del ml[0]
    assert type(ml[0]).__name__ == "Linear" and list(ml._modules) == ["0", "1", "2", "3"]
    assert len(list(ml.parameters())) == 2
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        ml(chainrule.ones(1))
    md = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b", "c"] and "a" in md and len(md) == 3
    assert type(md.pop("b")).__name__ == "ReLU" and list(md) == ["a", "c"]
    md.update([("d", nn.Identity())])
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        md.update([("e", nn.ReLU(), 1)])
    pl = nn.ParameterList([chainrule.ones(2), nn.Parameter(chainrule.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(chainrule.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    pd = nn.ParameterDict({"w": chainrule.ones(2)})
    pd["v"] = nn.Parameter(chainrule.zeros(1))
    assert list(pd.keys()) == ["w", "v"] and isinstance(pd["w"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["w", "v"]
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        pd()
    m = nn.Module()
    m.layers = ml
    assert [n for n, _ in m.named_parameters()] == ["layers.0.weight", "layers.0.bias"]


# ---- the seed tutorial -------------------------------------------------------------------------------
def test_seed_tutorial_training_matches_torch():
    def run(T):
        nn_ = T.nn
        T.manual_seed(0)
        model = nn_.Sequential(nn_.Linear(10, 5), nn_.ReLU(), nn_.Linear(5, 1))
        return model

    t_model = run(torch)
    c_model = run(chainrule)
    c_model.load_state_dict(t_model.state_dict())
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 10)).astype("f"), rng.standard_normal((32, 1)).astype("f")
    losses = {}
    for T, model in ((torch, t_model), (chainrule, c_model)):
        criterion = T.nn.MSELoss()
        optimizer = T.optim.SGD(model.parameters(), lr=0.01)
        xs, ys = T.tensor(x), T.tensor(y)
        out = []
        for _ in range(20):
            optimizer.zero_grad()
            loss = criterion(model(xs), ys)
            loss.backward()
            optimizer.step()
            out.append(loss.item())
        losses[T.__name__] = out
    np.testing.assert_allclose(losses["chainrule"], losses["torch"], rtol=1e-5)
    assert losses["chainrule"][-1] < losses["chainrule"][0]


def test_full_backward_hook_two_inputs():
    for T in (torch, chainrule):
        bil = T.nn.Bilinear(2, 3, 1)
        seen = []
        bil.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append([g is None for g in gi]))
        a = T.ones(4, 2, requires_grad=True)
        b = T.ones(4, 3)
        bil(a, b).sum().backward()
        assert seen == [[False, False]], T.__name__  # torch reports a gradient for every tensor input
