"""The ``chainrule`` command: train, evaluate, explain, gradcheck.

    chainrule train [--model mlp|cnn] [--epochs N] ...   train on the bundled 8x8 digits
    chainrule evaluate runs/.../model.safetensors        test accuracy of a checkpoint
    chainrule explain [--expr "(w*x-t)**2" --set w=0.5 x=2 t=3] [--graph g.svg]
    chainrule gradcheck                                  finite-difference check of the models' gradients

Bad input ends with one line on stderr and a non-zero status (2 for usage errors), never a traceback;
set CHAINRULE_DEBUG=1 to see the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SEED_NAMES = ("x", "w1", "w2", "z1", "a1", "y")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (usage is one ``--help`` away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {v}")
    return v


def _pos_int(text: str) -> int:
    v = _nonneg_int(text)
    if v == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def _pos_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return v


def _prob(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return v


def _assignment(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"value of {name} is not a number: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="chainrule", description="chainrule: autodiff on NumPy with a PyTorch-compatible API.")
    p.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("train", help="train a digit classifier on the bundled 8x8 digits")
    t.add_argument("--model", choices=("mlp", "cnn"), default=None, help="architecture (default mlp)")
    t.add_argument("--epochs", type=_nonneg_int, default=30, help="epochs to train (default 30)")
    t.add_argument("--batch-size", type=_pos_int, default=32, help="minibatch size (default 32)")
    t.add_argument("--lr", type=_pos_float, default=None, help="peak learning rate (default 0.003; 0.05 for sgd)")
    t.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default=None, help="default adam")
    t.add_argument("--schedule", choices=("cosine", "constant"), default="cosine", help="learning-rate schedule")
    t.add_argument("--augment", type=_prob, default=0.5, help="chance of a random 1-pixel shift (default 0.5)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--out", type=Path, default=None, help="output folder (default runs/<timestamp>)")
    t.add_argument("--resume", metavar="CHECKPOINT", default=None, help="continue from a model.safetensors")
    t.add_argument("--grad-report", action="store_true", help="per-layer gradient norms each epoch")
    t.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    t.add_argument("--procs", type=_pos_int, default=1, help="data-parallel processes (reruns under mpiexec -n N)")
    t.add_argument("--threads", type=_pos_int, default=None, help="BLAS threads (default: the BLAS library's own)")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="test accuracy of a checkpoint")
    e.add_argument("checkpoint", help="a model.safetensors written by 'chainrule train'")
    e.add_argument("--split", choices=("test", "train"), default="test")
    e.set_defaults(func=cmd_evaluate)

    x = sub.add_parser("explain", help="show backpropagation step by step")
    x.add_argument("--expr", default=None, help='expression, e.g. "(w*x+b-t)**2" (default: a two-layer example)')
    x.add_argument(
        "--set",
        dest="values",
        nargs="+",
        type=_assignment,
        default=None,
        metavar="NAME=VALUE",
        help="values of the expression's variables",
    )
    x.add_argument("--graph", type=Path, default=None, help="also draw the graph (.svg, .png, .pdf or .dot)")
    x.set_defaults(func=cmd_explain)

    g = sub.add_parser("gradcheck", help="finite-difference check of the models' gradients (float64)")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=cmd_gradcheck)
    return p


# -- commands ----------------------------------------------------------------------------------------------
def cmd_train(args) -> int:
    from ._train import summary_table, train
    from .distributed import launch
    from .distributed import training as dist_train

    if args.out is None:
        args.out = _fresh_run_dir()
    if args.out.exists() and not args.out.is_dir():
        raise _usage(f"--out {args.out} exists and is not a folder")
    if args.procs > 1 and not launch.in_mpi_job():
        return launch.run_mpi([*args.argv, "--out", str(args.out)], args.procs)  # one folder for all ranks
    dist_train.setup()
    if args.threads is not None:
        from . import set_num_threads

        set_num_threads(args.threads)
    if not dist_train.is_main_process():
        sys.stdout = open(os.devnull, "w")  # rank 0 reports
    print(f"output folder: {args.out}")
    with dist_train.fail_fast("chainrule train"):
        metrics = train(args, args.out)
    if metrics["train_loss"]:
        print()
        print(summary_table(metrics))
    acc = metrics["test_accuracy"]
    print(
        f"\ntest accuracy {100 * acc:.2f}% ({metrics['test_correct']}/{metrics['test_size']}) after "
        f"{metrics['epochs']} epochs; {metrics['seconds']:.1f} s"
    )
    print(f"wrote {args.out / 'model.safetensors'}, {args.out / 'metrics.json'}, {args.out / 'training_curve.png'}")
    return 0


def _fresh_run_dir() -> Path:
    base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 1
    while path.exists():
        path = base.with_name(f"{base.name}-{k}")
        k += 1
    return path


def cmd_evaluate(args) -> int:
    from ._train import accuracy, load_checkpoint, restore_model
    from .datasets import load_digits

    ckpt = load_checkpoint(args.checkpoint)
    model = restore_model(ckpt, args.checkpoint)
    data = load_digits()
    images, labels = (
        (data.test_images, data.test_labels) if args.split == "test" else (data.train_images, data.train_labels)
    )
    correct, n = accuracy(model, images, labels)
    print(
        f"{args.split} accuracy {100 * correct / n:.2f}% ({correct}/{n})  [{ckpt['arch']['model']}, "
        f"epoch {ckpt.get('epoch', '?')}]"
    )
    return 0


def seed_example():
    """The two-layer example: L = (w2 * relu(w1 * x) - 3)^2 at x = 2, w1 = 0.5, w2 = 1.5."""
    import chainrule as torch

    x = torch.tensor(2.0, requires_grad=True)
    w1 = torch.tensor(0.5, requires_grad=True)
    w2 = torch.tensor(1.5, requires_grad=True)
    target = 3.0
    z1 = w1 * x
    a1 = torch.relu(z1)
    y = w2 * a1
    loss = (y - target) ** 2
    return loss, dict(zip(SEED_NAMES, (x, w1, w2, z1, a1, y)))


def cmd_explain(args) -> int:
    import chainrule as torch

    if args.values is not None and args.expr is None:
        raise _usage("--set needs --expr")
    if args.expr is None:
        loss, names = seed_example()
        print("L = (y - 3.0) ** 2  where  y = w2 * relu(w1 * x),  x = 2.0, w1 = 0.5, w2 = 1.5\n")
    else:
        from .explain.expr import ExprError, build

        values = {}
        for name, v in args.values or ():
            if name in values:
                raise _usage(f"--set gives {name} twice")
            values[name] = v
        try:
            loss, names = build(args.expr, values)
        except ExprError as e:
            raise _usage(f"--expr: {e}") from None
        print(f"L = {args.expr}  at  " + ", ".join(f"{k} = {v:g}" for k, v in values.items()) + "\n")
    print(torch.explain(loss, names=names).render(), end="")
    if args.graph is not None:
        if args.graph.exists() and args.graph.is_dir():
            raise _usage(f"--graph {args.graph} is a folder")
        written = torch.viz.draw(loss, args.graph, params={**names, "L": loss}, show_values=True, show_grads=True)
        print(f"\ngraph written to {written}")
    return 0


def cmd_gradcheck(args) -> int:
    """Central differences in float64 against backward() for every parameter of small default models."""
    import numpy as np

    import chainrule as torch
    import chainrule.nn.functional as F

    from ._train import DigitsCNN, DigitsMLP

    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    labels = torch.tensor([0, 3, 5, 9])
    rows, failed = [], 0
    for label, model in (("mlp", DigitsMLP(8)), ("cnn", DigitsCNN((2, 4)))):
        model = model.double()
        x = torch.from_numpy(rng.standard_normal((4, 8, 8)))
        model.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        for name, p in model.named_parameters():
            analytic = p.grad.numpy().reshape(-1)
            flat = p.detach().numpy().reshape(-1)  # shares memory with the parameter
            numeric = np.empty_like(analytic)
            with torch.no_grad():
                for i in range(flat.size):
                    old = flat[i]
                    flat[i] = old + GRADCHECK_EPS
                    up = F.cross_entropy(model(x), labels).item()
                    flat[i] = old - GRADCHECK_EPS
                    down = F.cross_entropy(model(x), labels).item()
                    flat[i] = old
                    numeric[i] = (up - down) / (2 * GRADCHECK_EPS)
            rows.append(_gradcheck_row(label, name, tuple(p.shape), analytic, numeric))
        xin = x.clone().requires_grad_()
        ok = torch.autograd.gradcheck(lambda t, m=model: F.cross_entropy(m(t), labels), (xin,), raise_exception=False)
        rows.append((label, "input (autograd.gradcheck)", "[4, 8, 8]", "256", "", "", "pass" if ok else "FAIL"))
    failed = sum(r[-1] != "pass" for r in rows)
    header = ("model", "tensor", "shape", "checked", "max abs err", "max rel err", "result")
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    for r in [header, None, *rows]:
        if r is None:
            print("-+-".join("-" * w for w in widths))
        else:
            print(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    print(f"\n{len(rows) - failed}/{len(rows)} checks passed (float64 central differences, eps {GRADCHECK_EPS:g})")
    return 1 if failed else 0


GRADCHECK_EPS = 1e-6
GRADCHECK_ATOL, GRADCHECK_RTOL = 1e-6, 1e-4


def _gradcheck_row(model, name, shape, analytic, numeric):
    import numpy as np

    err = np.abs(analytic - numeric)
    rel = err / np.maximum(np.abs(numeric), 1e-12)
    ok = bool(np.all(err <= GRADCHECK_ATOL + GRADCHECK_RTOL * np.abs(numeric)))
    shape_s = "[" + ", ".join(map(str, shape)) + "]"
    return (model, name, shape_s, str(analytic.size), f"{err.max():.2e}", f"{rel.max():.2e}", "pass" if ok else "FAIL")


# -- entry point -------------------------------------------------------------------------------------------
class _Failure(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _usage(message: str) -> _Failure:
    return _Failure(message, 2)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    prog = f"chainrule {args.command}"
    try:
        return args.func(args)
    except _Failure as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return 1
    except Exception as e:  # noqa: BLE001
        from ._train import CheckpointError, UsageError

        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        if isinstance(e, UsageError):
            print(f"{prog}: error: {e}", file=sys.stderr)
            return 2
        if isinstance(e, (CheckpointError, FloatingPointError, OSError)):
            print(f"{prog}: error: {e}", file=sys.stderr)
            return 1
        message = " ".join(str(e).split()) or "no message"
        print(
            f"{prog}: error: {type(e).__name__}: {message} (set CHAINRULE_DEBUG=1 for the traceback)", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
