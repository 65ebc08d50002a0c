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


# The tutorial's first code blocks (forward, loss, backward, update, complete training step),
# verbatim, with a seed line added after the imports; the last lines print the weights and outputs
# (to the 4 decimals of tensor printing: float32 matrix products and sums may round differently in the
# last bit, since the BLAS libraries accumulate in different orders) and draw from the stream again.
TRAINING = textwrap.dedent(
    """
    import torch
    import torch.nn as nn
    torch.manual_seed(0)

    # Create a simple network
    model = nn.Sequential(
        nn.Linear(10, 5),
        nn.ReLU(),
        nn.Linear(5, 1)
    )

    # Forward pass
    x = torch.randn(32, 10)  # 32 samples, 10 features
    predictions = model(x)    # Get predictions

    criterion = nn.MSELoss()
    y = torch.randn(32, 1)  # True values
    loss = criterion(predictions, y)

    print(f"Loss: {loss.item():.4f}")

    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    optimizer.zero_grad()  # Clear previous gradients
    loss.backward()         # Compute gradients (backprop!)

    optimizer.step()  # Update all weights

    def train_step(x, y):
        # 1. Forward pass
        predictions = model(x)

        # 2. Compute loss
        loss = criterion(predictions, y)

        # 3. Backward pass (backpropagation!)
        optimizer.zero_grad()
        loss.backward()

        # 4. Update weights
        optimizer.step()

        return loss.item()

    # Run one training step
    x = torch.randn(32, 10)
    y = torch.randn(32, 1)
    loss = train_step(x, y)
    print(f"Loss: {loss:.4f}")

    print(model[0].weight)
    print(model[2].bias)
    print(model(x[:3]))
    print(torch.rand(2), torch.randint(0, 10, (5,)), torch.randn(3, dtype=torch.float64))
    """
)


def test_seeded_tutorial_prints_the_same_lines_as_torch():
    theirs = _run(TRAINING)
    ours = _run(
        TRAINING.replace("import torch\n", "import chainrule as torch\n", 1).replace("torch.nn", "chainrule.nn", 1)
    )
    assert theirs.count("Loss: ") == 2 and "grad_fn=<AddmmBackward0>" in theirs
    assert ours == theirs
