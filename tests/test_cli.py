"""The chainrule command, run as ``python -m chainrule`` in subprocesses: artifacts, numbers, bad input."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
ENV.pop("CHAINRULE_DEBUG", None)


def run(*args, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mlp") / "run"
    proc = run("train", "--epochs", 2, "--out", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_train_mlp_artifacts(mlp_run):
    out, proc = mlp_run
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "model.safetensors", "training_curve.png"]
    m = json.loads((out / "metrics.json").read_text())
    assert m["model"] == "mlp" and m["epochs"] == 2
    assert len(m["train_loss"]) == 2 and m["train_loss"][1] < m["train_loss"][0]
    assert m["test_accuracy"] > 0.6  # chance is 0.1
    assert m["test_size"] == 359 and m["test_correct"] == round(m["test_accuracy"] * 359)
    assert 0 < m["seconds"] < 60
    assert (out / "training_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "epoch | train loss | train acc | test acc | seconds" in proc.stdout
    assert f"test accuracy {100 * m['test_accuracy']:.2f}%" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_checkpoint_records_architecture(mlp_run):
    out, _ = mlp_run
    ckpt = cr.load(str(out / "model.safetensors"))
    assert ckpt["arch"] == {"model": "mlp", "hidden": 256}
    assert ckpt["epoch"] == 2 and ckpt["optimizer_name"] == "adam"
    assert set(ckpt["model"]) == {"mean", "std", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}


def test_evaluate_reproduces_accuracy(mlp_run):
    out, _ = mlp_run
    m = json.loads((out / "metrics.json").read_text())
    proc = run("evaluate", out / "model.safetensors")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"test accuracy {100 * m['test_accuracy']:.2f}% ({m['test_correct']}/359)")


def test_resume_continues_history(mlp_run, tmp_path):
    out, _ = mlp_run
    proc = run("train", "--resume", out / "model.safetensors", "--epochs", 1, "--out", tmp_path / "more", "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = json.loads((tmp_path / "more" / "metrics.json").read_text())
    assert m["epochs"] == 3 and m["epochs_this_run"] == 1 and len(m["train_loss"]) == 3
    assert m["resumed_from"] == str(out / "model.safetensors")
    assert cr.load(str(tmp_path / "more" / "model.safetensors"))["epoch"] == 3


def test_train_cnn_and_grad_report(tmp_path):
    proc = run("train", "--model", "cnn", "--epochs", 1, "--out", tmp_path, "--grad-report", "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["model"] == "cnn" and m["test_accuracy"] > 0.3
    assert "gradient norms, epoch 1" in proc.stdout
    for name in ("conv1.weight", "conv2.bias", "fc.weight"):
        assert name in proc.stdout and m["grad_norms"][0]["mean"][name] > 0
    ev = run("evaluate", tmp_path / "model.safetensors")
    assert ev.returncode == 0 and "[cnn, epoch 1]" in ev.stdout


def test_grad_report_flags(capsys):
    from chainrule._train import _print_grad_report

    _print_grad_report(3, {"a": 1e-8, "b": 2.0, "c": 5e3}, {"a": 1e-8, "b": 3.0, "c": 1e4}, 1, sys.stdout)
    lines = capsys.readouterr().out.splitlines()
    assert "VANISHING" in lines[1] and "EXPLODING" in lines[3]
    assert "VANISHING" not in lines[2] and "EXPLODING" not in lines[2]


SEED_LINES = [
    "∂L/∂w1 = ∂L/∂y × ∂y/∂a1 × ∂a1/∂z1 × ∂z1/∂w1 = -3.0 × 1.5 × 1 × 2.0 = -9.0",
    "∂L/∂w2 = ∂L/∂y × ∂y/∂w2 = -3.0 × 1.0 = -3.0",
    "∂L/∂x = ∂L/∂y × ∂y/∂a1 × ∂a1/∂z1 × ∂z1/∂x = -3.0 × 1.5 × 1 × 0.5 = -2.25",
]


def test_explain_default_example(tmp_path):
    proc = run("explain", "--graph", tmp_path / "graph.svg")
    assert proc.returncode == 0, proc.stderr
    lines = [ln.strip() for ln in proc.stdout.splitlines()]
    for expected in SEED_LINES:
        assert expected in lines
    assert any(ln.startswith("z1 = w1 * x = 0.5 * 2.0 = 1.0") for ln in lines)
    assert any(ln.startswith("L = sub ** 2 = (-1.5) ** 2 = 2.25") for ln in lines)
    drawn = tmp_path / ("graph.svg" if shutil.which("dot") else "graph.dot")
    assert f"graph written to {drawn}" in proc.stdout
    assert "MulBackward0" in drawn.read_text()


def test_explain_expression():
    proc = run("explain", "--expr", "(w*x+b-t)**2", "--set", "x=2", "w=0.5", "b=0", "t=3")
    assert proc.returncode == 0, proc.stderr
    assert "∂L/∂w = ∂L/∂sub × ∂sub/∂add × ∂add/∂mul × ∂mul/∂w = -4.0 × 1 × 1 × 2.0 = -8.0" in proc.stdout
    assert "∂L/∂t = ∂L/∂sub × ∂sub/∂t = -4.0 × -1 = 4.0" in proc.stdout
    assert "b.grad = -4.0" in proc.stdout


def test_gradcheck_passes():
    proc = run("gradcheck")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "12/12 checks passed" in proc.stdout
    assert "fc1.weight" in proc.stdout and "conv2.weight" in proc.stdout and "FAIL" not in proc.stdout


def test_gradcheck_reports_a_wrong_gradient(monkeypatch, capsys):
    import chainrule.nn.functional as F
    from chainrule import cli

    class BadRelu(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x > 0) * 1.01  # 1% too large

    monkeypatch.setattr(F, "relu", BadRelu.apply)
    assert cli.main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "fc1.weight" in out


def test_version_and_help():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("chainrule ")
    proc = run("train", "--help")
    assert proc.returncode == 0 and "--grad-report" in proc.stdout


@pytest.fixture(scope="module")
def bad_files(mlp_run, tmp_path_factory):
    out, _ = mlp_run
    d = tmp_path_factory.mktemp("bad")
    good = out / "model.safetensors"
    raw = good.read_bytes()
    (d / "truncated.safetensors").write_bytes(raw[: len(raw) // 2])
    (d / "garbage.safetensors").write_bytes(b"not a checkpoint at all" * 8)
    (d / "empty.safetensors").write_bytes(b"")
    ckpt = cr.load(str(good))
    ckpt["arch"] = {"model": "mlp", "hidden": 64}
    cr.save(ckpt, str(d / "other_width.safetensors"))
    ckpt["arch"] = {"model": "cnn", "channels": [16, 32]}
    cr.save(ckpt, str(d / "other_arch.safetensors"))
    cr.save({"w": cr.ones(3)}, str(d / "not_ours.safetensors"))
    return good, d


# end to end in a subprocess: the real exit status and stderr of `python -m chainrule`
BAD = [
    (["train", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["train", "--epochs", "-1"], 2, "--epochs: must be 0 or more"),
    (["evaluate", "{bad}/missing.safetensors"], 1, "does not exist"),
    (["evaluate", "{bad}"], 1, "is a directory"),
    (["evaluate", "{bad}/truncated.safetensors"], 1, "truncated"),
    (["evaluate", "{bad}/garbage.safetensors"], 1, "not a valid safetensors checkpoint"),
    (["evaluate", "{bad}/empty.safetensors"], 1, "the file is empty"),
    (["evaluate", "{bad}/other_width.safetensors"], 1, "does not match its recorded mlp architecture: "),
    (["evaluate", "{bad}/other_arch.safetensors"], 1, "does not match its recorded cnn architecture: "),
    (["evaluate", "{bad}/not_ours.safetensors"], 1, "not a checkpoint written by 'chainrule train'"),
    (["train", "--resume", "{good}", "--model", "cnn", "--epochs", "0"], 2, "--model cnn does not match the mlp"),
    (["train", "--resume", "{bad}/garbage.safetensors"], 1, "cannot read checkpoint"),
    (["explain", "--expr", "__import__('os').system('echo hi')"], 2, "--expr: function \"__import__('os').system\""),
    (["explain", "--expr", "x * y", "--set", "x=1"], 2, "no value for y"),
]


@pytest.mark.parametrize("argv, code, message", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input(bad_files, tmp_path, argv, code, message):
    good, bad = bad_files
    argv = [a.format(bad=bad, good=good) for a in argv]
    if argv[:1] == ["train"]:
        argv += ["--out", str(tmp_path / "out")]
    proc = run(*argv, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and message in err[0], proc.stderr
    assert err[0].startswith("chainrule")
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()


# usage errors caught while parsing, checked in-process (same code path, no interpreter start-up)
USAGE = [
    (["train", "--epochs", "two"], "expected a whole number"),
    (["train", "--batch-size", "0"], "--batch-size: must be at least 1"),
    (["train", "--lr", "-0.1"], "--lr: must be a positive number"),
    (["train", "--augment", "2"], "--augment: must be between 0 and 1"),
    (["train", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required: COMMAND"),
    (["evaluate"], "required: checkpoint"),
    (["explain", "--expr", "open('f')", "--set", "x=1"], "function 'open' at column 1 is not allowed"),
    (["explain", "--expr", "x ** ", "--set", "x=1"], "--expr: invalid syntax"),
    (["explain", "--expr", "x", "--set", "x=one"], "value of x is not a number"),
    (["explain", "--expr", "x", "--set", "x=1", "x=2"], "--set gives x twice"),
    (["explain", "--set", "x=1"], "--set needs --expr"),
]


@pytest.mark.parametrize("argv, message", USAGE, ids=[" ".join(u[0]) or "no-args" for u in USAGE])
def test_usage_errors(capsys, argv, message):
    from chainrule import cli

    try:
        code = cli.main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("chainrule"), err


def test_failed_run_keeps_previous_artifacts(mlp_run, tmp_path):
    out, _ = mlp_run
    target = tmp_path / "run"
    shutil.copytree(out, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    (tmp_path / "broken.safetensors").write_bytes(b"\x00" * 64)
    proc = run("train", "--resume", tmp_path / "broken.safetensors", "--out", target)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_interrupt_leaves_artifacts_intact(mlp_run, tmp_path):
    out, _ = mlp_run
    target = tmp_path / "run"
    shutil.copytree(out, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "train", "--epochs", "500", "--out", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        for line in proc.stdout:
            if line.startswith("epoch   1 "):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith("chainrule train: interrupted")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_shift_augmentation_moves_by_at_most_one_pixel():
    from chainrule._train import shift_images

    x = np.zeros((200, 8, 8), np.float32)
    x[:, 4, 4] = 1.0
    y = shift_images(x, np.random.default_rng(0), 1.0)
    rows, cols = np.nonzero(y.sum(0))
    assert set(rows) <= {3, 4, 5} and set(cols) <= {3, 4, 5}
    assert y.sum() == 200  # a centred pixel never falls off
    assert np.array_equal(shift_images(x, np.random.default_rng(0), 0.0), x)


def test_train_threads_flag_caps_blas(tmp_path):
    out = tmp_path / "run"
    r = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--epochs", "1", "--threads", "1", "--quiet", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert (out / "metrics.json").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--threads", "0"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
