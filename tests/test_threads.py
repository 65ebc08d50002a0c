import pytest

import chainrule


def test_set_num_threads_caps_blas_pool():
    before = chainrule.get_num_threads()
    chainrule.set_num_threads(1)
    assert chainrule.get_num_threads() == 1
    a = chainrule.randn(64, 64)
    assert chainrule.allclose(a @ chainrule.eye(64), a)
    chainrule.set_num_threads(before)
    assert chainrule.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_rejects_non_positive(bad):
    with pytest.raises(RuntimeError, match="positive integer"):
        chainrule.set_num_threads(bad)
