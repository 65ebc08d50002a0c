"""The backpropagation tutorial's manual example runs unchanged with ``import chainrule as torch``."""

import subprocess
import sys
import textwrap

# Steps 1-5 of "Understanding Manual Backpropagation", verbatim but for the import line.
MANUAL = textwrap.dedent(
    """
    import torch

    # Input and weights (all require gradients)
    x = torch.tensor([2.0], requires_grad=True)
    w1 = torch.tensor([0.5], requires_grad=True)
    w2 = torch.tensor([1.5], requires_grad=True)

    # First computation: multiply by w1
    z1 = w1 * x
    print(f"After w1: {z1.item()}")  # 0.5 × 2.0 = 1.0

    # Activation: ReLU
    a1 = torch.relu(z1)
    print(f"After ReLU: {a1.item()}")  # max(0, 1.0) = 1.0

    # Second computation: multiply by w2
    y = w2 * a1
    print(f"Final output: {y.item()}")  # 1.5 × 1.0 = 1.5

    target = torch.tensor([3.0])
    loss = (y - target) ** 2

    print(f"Loss: {loss.item()}")  # (1.5 - 3.0)² = 2.25

    loss.backward()  # This does ALL the backpropagation!

    print(f"Gradient of w1: {w1.grad.item():.4f}")
    print(f"Gradient of w2: {w2.grad.item():.4f}")
    print(f"Gradient of x: {x.grad.item():.4f}")

    print(f"w1 gradient: {w1.grad.item():.4f}")  # -9.0
    print(f"w2 gradient: {w2.grad.item():.4f}")  # -3.0
    """
)

EXPECTED = """\
After w1: 1.0
After ReLU: 1.0
Final output: 1.5
Loss: 2.25
Gradient of w1: -9.0000
Gradient of w2: -3.0000
Gradient of x: -2.2500
w1 gradient: -9.0000
w2 gradient: -3.0000
"""


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_manual_example_prints_the_tutorial_numbers():
    ours = _run(MANUAL.replace("import torch", "import chainrule as torch", 1))
    assert ours == EXPECTED


def test_manual_example_output_identical_to_torch():
    assert _run(MANUAL) == _run(MANUAL.replace("import torch", "import chainrule as torch", 1))


def test_manual_example_graph_and_chain_rule():
    import chainrule as torch

    x = torch.tensor([2.0], requires_grad=True)
    w1 = torch.tensor([0.5], requires_grad=True)
    w2 = torch.tensor([1.5], requires_grad=True)
    z1 = w1 * x
    a1 = torch.relu(z1)
    y = w2 * a1
    loss = (y - torch.tensor([3.0])) ** 2
    assert loss.grad_fn.name() == "PowBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "SubBackward0"
    assert repr(loss) == "tensor([2.2500], grad_fn=<PowBackward0>)"
    loss.backward()
    # dL/dw2 = 2(y - t) a1, dL/dw1 = 2(y - t) w2 relu'(z1) x, dL/dx = 2(y - t) w2 relu'(z1) w1
    assert (w1.grad.item(), w2.grad.item(), x.grad.item()) == (-9.0, -3.0, -2.25)
    assert w1.grad.dtype == torch.float32 and repr(w1.grad) == "tensor([-9.])"
