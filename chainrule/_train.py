"""Training on the bundled digits for ``chainrule train`` / ``evaluate`` / ``gradcheck``.

Checkpoints are ``chainrule.save`` files holding ``{"format", "arch", "model", "optimizer", "epoch",
"history"}``: the architecture is recorded next to the weights, so a checkpoint rebuilds its own
model, and the optimizer state lets ``--resume`` continue exactly where training stopped.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sys
import time
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn.functional as F
from chainrule import nn

CHECKPOINT_FORMAT = "chainrule.digits/1"
OPTIMIZERS = ("sgd", "adam", "adamw")
VANISHING, EXPLODING = 1e-6, 1e3


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


class CheckpointError(Exception):
    """A checkpoint that is missing, unreadable or for another model (exit status 1)."""


# -- models -------------------------------------------------------------------------------------------
class DigitsMLP(nn.Module):
    """64 standardized pixels -> hidden ReLU layer -> 10 logits."""

    def __init__(self, hidden: int = 256):
        super().__init__()
        self.register_buffer("mean", torch.zeros(64))
        self.register_buffer("std", torch.ones(64))
        self.fc1 = nn.Linear(64, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = (x.reshape(x.shape[0], 64) - self.mean) / self.std
        return self.fc2(F.relu(self.fc1(x)))


class DigitsCNN(nn.Module):
    """1x8x8 image -> conv3x3 -> pool -> conv3x3 -> pool -> 10 logits."""

    def __init__(self, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc = nn.Linear(c2 * 2 * 2, 10)

    def forward(self, x):
        x = x.reshape(x.shape[0], 1, 8, 8)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def default_arch(kind: str) -> dict:
    return {"model": "mlp", "hidden": 256} if kind == "mlp" else {"model": "cnn", "channels": [16, 32]}


def build_model(arch: dict) -> nn.Module:
    kind = arch.get("model")
    if kind == "mlp":
        return DigitsMLP(int(arch["hidden"]))
    if kind == "cnn":
        c1, c2 = arch["channels"]
        return DigitsCNN((int(c1), int(c2)))
    raise CheckpointError(f"unknown model type {kind!r} in the checkpoint (expected mlp or cnn)")


def make_optimizer(name: str, params, lr: float):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.01)


DEFAULT_LR = {"sgd": 0.05, "adam": 3e-3, "adamw": 3e-3}


# -- data ---------------------------------------------------------------------------------------------
def shift_images(x: np.ndarray, rng: np.random.Generator, prob: float) -> np.ndarray:
    """Move each image (N, 8, 8) by up to one pixel in each direction with probability ``prob``."""
    n = len(x)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    dy, dx = rng.integers(0, 3, n), rng.integers(0, 3, n)
    keep = rng.random(n) >= prob
    dy[keep], dx[keep] = 1, 1
    r = np.arange(8)
    return padded[np.arange(n)[:, None, None], (dy[:, None] + r)[:, :, None], (dx[:, None] + r)[:, None, :]]


def accuracy(model, images, labels, batch_size: int = 512) -> tuple[int, int]:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(labels), batch_size):
            pred = model(images[i : i + batch_size]).argmax(1)
            correct += int((pred == labels[i : i + batch_size]).sum().item())
    return correct, len(labels)


# -- checkpoints --------------------------------------------------------------------------------------
def load_checkpoint(path: str) -> dict:
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if p.is_dir():
        raise CheckpointError(f"checkpoint {path} is a directory; pass the model.safetensors file inside it")
    try:
        ckpt = torch.load(str(p))
    except (RuntimeError, ValueError, OSError) as e:
        msg = str(e).replace("chainrule.load: ", "")
        raise CheckpointError(f"cannot read checkpoint {path}: {msg}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT or "arch" not in ckpt:
        raise CheckpointError(f"{path} is not a checkpoint written by 'chainrule train' (no architecture recorded)")
    return ckpt


def restore_model(ckpt: dict, path: str) -> nn.Module:
    arch = ckpt["arch"]
    try:
        model = build_model(arch)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"checkpoint {path} records an invalid architecture {arch!r} ({e})") from None
    state = ckpt.get("model")
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} holds no model weights")
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError) as e:
        first = " ".join(str(e).split())
        raise CheckpointError(
            f"checkpoint {path} does not match its recorded {arch.get('model')} architecture: {first[:300]}"
        ) from None
    return model


def atomic_write(path: Path, write) -> None:
    """Write through ``write(tmp_path)`` into a temporary file beside ``path``, then rename over it."""
    # a fresh name that the writer creates itself, so the file gets the usual permissions (umask)
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def plot_curves(history: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=110)
    ax1.plot(epochs, history["train_loss"], marker="o", ms=3, color="tab:blue")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="training loss", yscale="log")
    ax2.plot(epochs, 100 * np.asarray(history["train_accuracy"]), marker="o", ms=3, label="train")
    ax2.plot(epochs, 100 * np.asarray(history["test_accuracy_per_epoch"]), marker="s", ms=3, label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax2.legend(loc="lower right")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)


# -- training -----------------------------------------------------------------------------------------
def _grad_norms(model) -> dict[str, float]:
    out = {}
    for name, p in model.named_parameters():
        out[name] = math.sqrt(p.grad.detach().pow(2).sum().item()) if p.grad is not None else 0.0
    return out


def _print_grad_report(epoch: int, sums: dict, maxes: dict, steps: int, out) -> dict:
    means = {k: v / max(steps, 1) for k, v in sums.items()}
    width = max(len(k) for k in means)
    print(f"  gradient norms, epoch {epoch} (mean and max over {steps} steps):", file=out)
    for k, m in means.items():
        flag = ""
        if m < VANISHING:
            flag = f"  VANISHING (< {VANISHING:g})"
        elif maxes[k] > EXPLODING:
            flag = f"  EXPLODING (> {EXPLODING:g})"
        print(f"    {k.ljust(width)}  {m:10.3e}  {maxes[k]:10.3e}{flag}", file=out)
    return means


def train(args, out_dir: Path, log=print) -> dict:
    """Train per ``args``; returns the metrics written to ``metrics.json``."""
    from tqdm import tqdm

    from .datasets import load_digits
    from .distributed import training as dist_train

    ckpt = load_checkpoint(args.resume) if args.resume else None
    if ckpt is not None:
        arch = ckpt["arch"]
        if args.model is not None and args.model != arch.get("model"):
            raise UsageError(f"--model {args.model} does not match the {arch.get('model')} model in {args.resume}")
        model = restore_model(ckpt, args.resume)
        opt_name = args.optimizer or ckpt.get("optimizer_name", "adam")
        history = {k: list(v) for k, v in ckpt.get("history", {}).items()}
        start_epoch = int(ckpt.get("epoch", 0))
    else:
        arch = default_arch(args.model or "mlp")
        model = None
        opt_name = args.optimizer or "adam"
        history, start_epoch = {}, 0
    for key in ("train_loss", "train_accuracy", "test_accuracy_per_epoch", "epoch_seconds"):
        history.setdefault(key, [])

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed + start_epoch)
    data = load_digits()
    if model is None:
        model = build_model(arch)
        if isinstance(model, DigitsMLP):
            flat = data.train_images.reshape(-1, 64)
            model.mean.copy_(flat.mean(0))
            model.std.copy_(flat.std(0) + 0.1)
    lr = args.lr if args.lr is not None else DEFAULT_LR[opt_name]
    optimizer = make_optimizer(opt_name, model.parameters(), lr)
    if ckpt is not None and opt_name == ckpt.get("optimizer_name") and isinstance(ckpt.get("optimizer"), dict):
        optimizer.load_state_dict(ckpt["optimizer"])
        if args.lr is not None:
            for g in optimizer.param_groups:
                g["lr"] = args.lr
    steps_per_epoch = math.ceil(len(data.train_labels) / args.batch_size)
    total_steps = max(args.epochs * steps_per_epoch, 1)
    base_lrs = [g["lr"] for g in optimizer.param_groups]

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data.train_images, data.train_labels),
        batch_size=args.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(args.seed + start_epoch),
    )
    # several ranks (--procs, mpiexec): each takes its share of every --batch-size batch, DDP averages gradients
    world = dist_train.world_size()
    loader = dist_train.shard_loader(loader, seed=args.seed, batch_size=-(-args.batch_size // world))
    ddp = dist_train.wrap_model(model)
    n_params = sum(p.numel() for p in model.parameters())
    log(
        f"training {arch['model']} ({n_params:,} parameters) on {len(data.train_labels)} digits, testing on "
        f"{len(data.test_labels)}: {args.epochs} epochs, batch {args.batch_size}, {opt_name} lr {lr:g}"
        + (f", resuming after epoch {start_epoch}" if start_epoch else "")
    )
    # created before training so that an unwritable folder fails now, not after the last epoch
    out_dir.mkdir(parents=True, exist_ok=True)
    grad_history = []
    interactive = sys.stderr.isatty() and not args.quiet
    t_start = time.perf_counter()
    step = 0
    for e in range(start_epoch + 1, start_epoch + args.epochs + 1):
        dist_train.set_epoch(loader, e)
        t0 = time.perf_counter()
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        sums: dict = {}
        maxes: dict = {}
        bar = tqdm(
            loader,
            desc=f"epoch {e}/{start_epoch + args.epochs}",
            unit="batch",
            leave=False,
            disable=not interactive,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        for xb, yb in bar:
            if args.augment > 0:
                xb = torch.from_numpy(shift_images(xb.numpy(), rng, args.augment))
            if args.schedule == "cosine":
                scale = 0.5 * (1 + math.cos(math.pi * step / total_steps))
                for g, base in zip(optimizer.param_groups, base_lrs):
                    g["lr"] = base * scale
            logits = ddp(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            if args.grad_report:
                for k, v in _grad_norms(model).items():
                    sums[k] = sums.get(k, 0.0) + v
                    maxes[k] = max(maxes.get(k, 0.0), v)
            optimizer.step()
            step += 1
            n = len(yb)
            seen += n
            loss_sum += loss.item() * n
            correct += int((logits.argmax(1) == yb).sum().item())
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{100 * correct / seen:.1f}%")
        bar.close()
        loss_sum, correct, seen = dist_train.reduce_sums(loss_sum, correct, seen)
        if not math.isfinite(loss_sum):
            raise FloatingPointError(f"the training loss became {loss_sum} in epoch {e}; lower --lr")
        test_correct, test_n = accuracy(model, data.test_images, data.test_labels)
        history["train_loss"].append(loss_sum / seen)
        history["train_accuracy"].append(correct / seen)
        history["test_accuracy_per_epoch"].append(test_correct / test_n)
        history["epoch_seconds"].append(time.perf_counter() - t0)
        if not args.quiet:
            log(
                f"epoch {e:3d}  train loss {loss_sum / seen:.4f}  train acc {100 * correct / seen:5.1f}%  "
                f"test acc {100 * test_correct / test_n:5.1f}%  ({time.perf_counter() - t0:.1f} s)"
            )
        if args.grad_report:
            means = _print_grad_report(e, sums, maxes, len(loader), sys.stdout)
            grad_history.append({"epoch": e, "mean": means, "max": dict(maxes)})
    seconds = time.perf_counter() - t_start

    test_correct, test_n = accuracy(model, data.test_images, data.test_labels)
    metrics = {
        "model": arch["model"],
        "arch": arch,
        "parameters": n_params,
        "optimizer": opt_name,
        "lr": lr,
        "batch_size": args.batch_size,
        "epochs": start_epoch + args.epochs,
        "epochs_this_run": args.epochs,
        "seed": args.seed,
        "augment": args.augment,
        "schedule": args.schedule,
        "resumed_from": str(args.resume) if args.resume else None,
        "test_accuracy": test_correct / test_n,
        "test_correct": test_correct,
        "test_size": test_n,
        "seconds": seconds,
        **{k: v for k, v in history.items()},
    }
    if args.grad_report:
        metrics["grad_norms"] = grad_history
    checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "arch": arch,
        "model": model.state_dict(),
        "optimizer_name": opt_name,
        "optimizer": optimizer.state_dict(),
        "epoch": start_epoch + args.epochs,
        "history": history,
        "test_accuracy": test_correct / test_n,
    }
    # every artifact goes to a temporary file first and is renamed into place when complete
    if not dist_train.is_main_process():
        return metrics  # rank 0 writes the artifacts
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / "model.safetensors", lambda tmp: torch.save(checkpoint, tmp))
    if history["train_loss"]:
        title = f"{arch['model']} on digits: test accuracy {100 * test_correct / test_n:.1f}%"
        plot_curves(history, out_dir / "training_curve.png", title)
    text = json.dumps(metrics, indent=2) + "\n"
    atomic_write(out_dir / "metrics.json", lambda tmp: Path(tmp).write_text(text))
    return metrics


def summary_table(metrics: dict) -> str:
    rows = [("epoch", "train loss", "train acc", "test acc", "seconds")]
    first = metrics["epochs"] - len(metrics["train_loss"]) + 1
    for i, (lo, tr, te, s) in enumerate(
        zip(
            metrics["train_loss"],
            metrics["train_accuracy"],
            metrics["test_accuracy_per_epoch"],
            metrics["epoch_seconds"],
        )
    ):
        rows.append((str(first + i), f"{lo:.4f}", f"{100 * tr:.1f}%", f"{100 * te:.1f}%", f"{s:.1f}"))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    lines = [" | ".join(r[c].rjust(widths[c]) for c in range(5)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
