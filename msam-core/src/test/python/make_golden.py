#!/usr/bin/env python3
# Copyright 2026 The MSAM for Deeplearning4j authors
# SPDX-License-Identifier: Apache-2.0
"""Generate the cross-framework golden fixtures used by the Java tests.

Run from the repository root:

    /usr/bin/python3 msam-core/src/test/python/make_golden.py

Requires PyTorch (Debian: ``apt-get install python3-torch``). Everything runs
in float64 and is deterministic. The update rules follow docs/ALGORITHMS.md (the
project's reference for the equations); the base optimizers are checked
against torch.optim step by step.

Outputs (paths relative to the repository root):

    msam-core/src/test/resources/golden/optim/<case>.json
    msam-core/src/test/resources/golden/msam/<case>.json
    msam-dl4j/src/test/resources/golden/mlp/{sgd_mlp,msam_mlp}.json

The format is described in msam-core/src/test/resources/golden/README.md.
"""

import json
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)

GENERATOR = "/usr/bin/python3 msam-core/src/test/python/make_golden.py"
TORCH_VERSION = torch.__version__
FORMAT_VERSION = 1
DELTA = 1e-12  # added to a norm before dividing (docs/ALGORITHMS.md)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
OPTIM_DIR = os.path.join(REPO_ROOT, "msam-core", "src", "test", "resources", "golden", "optim")
MSAM_DIR = os.path.join(REPO_ROOT, "msam-core", "src", "test", "resources", "golden", "msam")
MLP_DIR = os.path.join(REPO_ROOT, "msam-dl4j", "src", "test", "resources", "golden", "mlp")

# Parameter set shared by the optimizer and MSAM cases.
PARAM_NAMES = ["p0", "p1", "p2"]
SHAPES = [[4, 3], [3], [2, 2, 2]]
NUM_STEPS = 60

# Seeds, one per independent random stream.
SEED_PARAMS = 1
SEED_GRADS = 2
SEED_CURVATURE = 3
SEED_MLP_DATA = 4
SEED_MLP_INIT = 5

# Tolerances of the self-checks (relative to max(1, |reference|)).
TOL_SAME_OPS = 1e-13  # two float64 computations of the same formula
TOL_TRAJECTORY = 1e-10  # long trajectories computed in a different operation order

CHECKS = []  # (name, max deviation) of every self-check that passed


# --------------------------------------------------------------------------------------------
# helpers

def flat(t):
    """Values of a tensor flattened in row-major (C) order as Python floats."""
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def flat_list(ts):
    return [flat(t) for t in ts]


def global_norm(ts):
    """Global L2 norm over all tensors taken together (square root of the sum of squares)."""
    return math.sqrt(sum(float((t * t).sum()) for t in ts))


def max_rel_dev(a, b):
    """Largest |a-b| / max(1,|b|) over lists of tensors (or single tensors)."""
    if isinstance(a, torch.Tensor):
        a, b = [a], [b]
    worst = 0.0
    for x, y in zip(a, b):
        d = ((x - y).abs() / y.abs().clamp(min=1.0)).max().item() if x.numel() else 0.0
        worst = max(worst, d)
    return worst


def check(name, a, b, tol):
    dev = max_rel_dev(a, b)
    if not dev <= tol:
        raise AssertionError("check failed: %s (deviation %.3e > %.1e)" % (name, dev, tol))
    CHECKS.append((name, dev))


def check_scalar(name, a, b, tol):
    dev = abs(a - b) / max(1.0, abs(b))
    if not dev <= tol:
        raise AssertionError("check failed: %s (deviation %.3e > %.1e)" % (name, dev, tol))
    CHECKS.append((name, dev))


def write_json(path, obj):
    """Write one fixture: top-level keys one per line and one array element of "steps" per line.

    Every value goes through json.dumps, so floats are written with repr precision.
    """
    for v in _walk(obj):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("non-finite value in " + path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sep = (",", ":")
    lines = []
    keys = list(obj.keys())
    for i, k in enumerate(keys):
        comma = "," if i + 1 < len(keys) else ""
        v = obj[k]
        if k == "steps":
            inner = [json.dumps(s, separators=sep, allow_nan=False) for s in v]
            body = ",\n".join(inner)
            lines.append(json.dumps(k) + ":[\n" + body + "\n]" + comma)
        else:
            lines.append(json.dumps(k) + ":" + json.dumps(v, separators=sep, allow_nan=False) + comma)
    text = "{\n" + "\n".join(lines) + "\n}\n"
    json.loads(text)  # must round-trip
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return os.path.getsize(path)


def _walk(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from _walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from _walk(x)
    else:
        yield v


def header(case, description):
    return {
        "format_version": FORMAT_VERSION,
        "case": case,
        "description": description,
        "torch_version": TORCH_VERSION,
        "generator": GENERATOR,
    }


# --------------------------------------------------------------------------------------------
# shared random data

def make_initial_params():
    gen = torch.Generator().manual_seed(SEED_PARAMS)
    return [torch.randn(s, generator=gen) for s in SHAPES]


def make_grad_sequence():
    """G_t for t = 0..NUM_STEPS-1: one standard-normal tensor per parameter, fixed seed."""
    gen = torch.Generator().manual_seed(SEED_GRADS)
    return [[torch.randn(s, generator=gen) for s in SHAPES] for _ in range(NUM_STEPS)]


def make_curvature():
    """H: fixed positive diagonal curvature, uniform in [0.5, 2.0)."""
    gen = torch.Generator().manual_seed(SEED_CURVATURE)
    return [0.5 + 1.5 * torch.rand(s, generator=gen) for s in SHAPES]


def param_set_info():
    return {
        "param_names": PARAM_NAMES,
        "shapes": SHAPES,
        "layout": "each tensor flattened in row-major (C) order; tensors concatenated in param_names order",
        "num_steps": NUM_STEPS,
    }


# --------------------------------------------------------------------------------------------
# reference formulas of docs/ALGORITHMS.md for the base optimizers (used to check torch.optim)

def ref_sgd_step(theta, v, g, lr, mu, dampening, nesterov, wd, first):
    """torch.optim.SGD semantics (the buffer is initialised to d on the first step)."""
    new_theta, new_v = [], []
    for p, b, gi in zip(theta, v, g):
        d = gi + wd * p
        if mu != 0:
            b = d.clone() if first else mu * b + (1 - dampening) * d
            step = d + mu * b if nesterov else b
        else:
            b = None
            step = d
        new_theta.append(p - lr * step)
        new_v.append(b)
    return new_theta, new_v


def ref_adamw_step(theta, m, s, g, t, lr, beta1, beta2, eps, wd):
    """theta <- theta - lr*wd*theta - lr*(m/(1-b1^t)) / (sqrt(s/(1-b2^t)) + eps); t counts from 1."""
    new_theta, new_m, new_s = [], [], []
    bc1 = 1 - beta1 ** t
    bc2 = 1 - beta2 ** t
    for p, mi, si, gi in zip(theta, m, s, g):
        mi = beta1 * mi + (1 - beta1) * gi
        si = beta2 * si + (1 - beta2) * gi * gi
        p = p - lr * wd * p - lr * (mi / bc1) / (torch.sqrt(si / bc2) + eps)
        new_theta.append(p)
        new_m.append(mi)
        new_s.append(si)
    return new_theta, new_m, new_s


# --------------------------------------------------------------------------------------------
# optim/<case>.json: torch.optim trajectories with externally given gradients

def run_torch_optim(kind, hyper, lr_schedule, theta0, grads):
    """Drive torch.optim on a copy of theta0 with the given gradient sequence; returns steps."""
    params = [p.clone().requires_grad_(True) for p in theta0]
    if kind == "SGD":
        opt = torch.optim.SGD(params, **hyper)
    else:
        opt = torch.optim.AdamW(params, **hyper)
    steps = []
    for t in range(NUM_STEPS):
        lr_t = lr_schedule(t)
        for group in opt.param_groups:
            group["lr"] = lr_t
        for p, g in zip(params, grads[t]):
            p.grad = g.clone()
        opt.step()
        rec = {"t": t, "lr": lr_t, "grads": flat_list(grads[t]), "params": flat_list(params)}
        if kind == "SGD":
            bufs = [opt.state[p].get("momentum_buffer") for p in params]
            rec["momentum_buffer"] = None if bufs[0] is None else flat_list(bufs)
            rec["_v"] = None if bufs[0] is None else [b.detach().clone() for b in bufs]
        else:
            st = [opt.state[p] for p in params]
            steps_count = [int(float(x["step"])) for x in st]
            assert all(c == steps_count[0] for c in steps_count)
            rec["exp_avg"] = flat_list([x["exp_avg"] for x in st])
            rec["exp_avg_sq"] = flat_list([x["exp_avg_sq"] for x in st])
            rec["step"] = steps_count[0]
            rec["_m"] = [x["exp_avg"].detach().clone() for x in st]
            rec["_s"] = [x["exp_avg_sq"].detach().clone() for x in st]
        rec["_theta"] = [p.detach().clone() for p in params]
        steps.append(rec)
    return steps


def verify_against_reference(case, kind, hyper, steps, theta0, grads):
    """Replay docs/ALGORITHMS.md's formulas from the stored gradients and compare every step."""
    theta = [p.clone() for p in theta0]
    if kind == "SGD":
        v = [torch.zeros_like(p) for p in theta0]
        mu = hyper.get("momentum", 0.0)
        for t, rec in enumerate(steps):
            theta, v = ref_sgd_step(theta, v, grads[t], rec["lr"], mu, hyper.get("dampening", 0.0),
                                    hyper.get("nesterov", False), hyper.get("weight_decay", 0.0), t == 0)
            check("%s: torch.optim.SGD step %d == docs/ALGORITHMS.md MomentumSgd (theta)" % (case, t),
                  rec["_theta"], theta, TOL_SAME_OPS)
            if mu != 0:
                check("%s: step %d buffer" % (case, t), rec["_v"], v, TOL_SAME_OPS)
    else:
        beta1, beta2 = hyper.get("betas", (0.9, 0.999))
        eps = hyper.get("eps", 1e-8)
        wd = hyper.get("weight_decay", 1e-2)
        m = [torch.zeros_like(p) for p in theta0]
        s = [torch.zeros_like(p) for p in theta0]
        for t, rec in enumerate(steps):
            theta, m, s = ref_adamw_step(theta, m, s, grads[t], t + 1, rec["lr"], beta1, beta2, eps, wd)
            check("%s: torch.optim.AdamW step %d == docs/ALGORITHMS.md AdamW (theta)" % (case, t),
                  rec["_theta"], theta, TOL_SAME_OPS)
            check("%s: step %d exp_avg" % (case, t), rec["_m"], m, TOL_SAME_OPS)
            check("%s: step %d exp_avg_sq" % (case, t), rec["_s"], s, TOL_SAME_OPS)
            assert rec["step"] == t + 1


def strip_private(steps):
    return [{k: v for k, v in rec.items() if not k.startswith("_")} for rec in steps]


OPTIM_CASES = [
    ("sgd_momentum", "SGD", dict(lr=0.1, momentum=0.9), None,
     "torch.optim.SGD(lr=0.1, momentum=0.9): heavy-ball momentum in PyTorch form "
     "(v <- mu*v + g; theta <- theta - lr*v)."),
    ("sgd_dampening", "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3), None,
     "torch.optim.SGD(lr=0.05, momentum=0.8, dampening=0.3): v <- mu*v + (1-dampening)*g, except on the "
     "first step where PyTorch initialises the buffer to g without dampening."),
    ("sgd_nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), None,
     "torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True): v <- mu*v + g; theta <- theta - lr*(g + mu*v)."),
    ("sgd_weight_decay", "SGD", dict(lr=0.1, momentum=0.9, weight_decay=5e-3), None,
     "torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=5e-3): coupled weight decay d = g + 5e-3*theta "
     "added to the gradient before the momentum buffer (in DL4J this is expressed as the network's "
     ".l2(5e-3), not as weight decay)."),
    ("sgd_nesterov_schedule", "SGD", dict(lr=0.2, momentum=0.9, nesterov=True),
     lambda t: 0.2 * (0.5 * (1 + math.cos(math.pi * t / 60))),
     "torch.optim.SGD(lr=0.2, momentum=0.9, nesterov=True) with param_group['lr'] set before every step to "
     "lr_t = 0.2*(0.5*(1+cos(pi*t/60))), t = 0..59 (cosine). The buffer does not contain lr, so this "
     "differs from ND4J's Nesterovs under a schedule."),
    ("sgd_plain", "SGD", dict(lr=0.1, momentum=0.0), None,
     "torch.optim.SGD(lr=0.1, momentum=0): theta <- theta - lr*g; PyTorch keeps no momentum buffer "
     "(momentum_buffer is null)."),
    ("adamw_default", "AdamW", dict(lr=1e-2), None,
     "torch.optim.AdamW(lr=1e-2) with defaults betas=(0.9,0.999), eps=1e-8, weight_decay=1e-2: "
     "theta <- theta - lr*wd*theta - lr*(m/(1-b1^t))/(sqrt(s/(1-b2^t)) + eps)."),
    ("adamw_large_eps", "AdamW", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1), None,
     "torch.optim.AdamW(lr=1e-2, betas=(0.8,0.99), eps=1e-3, weight_decay=0.1): eps is large enough that "
     "its placement matters (PyTorch adds eps outside the bias-corrected square root, unlike ND4J's Adam)."),
    ("adamw_schedule", "AdamW", dict(lr=1e-2, weight_decay=5e-2), lambda t: 1e-2 * min(1.0, (t + 1) / 10),
     "torch.optim.AdamW(lr=1e-2, weight_decay=5e-2) with param_group['lr'] set before every step to "
     "lr_t = 1e-2*min(1,(t+1)/10) (linear warm-up over 10 steps); the decoupled decay uses lr_t too."),
    ("adamw_no_decay", "AdamW", dict(lr=1e-2, weight_decay=0.0), None,
     "torch.optim.AdamW(lr=1e-2, weight_decay=0): plain Adam with PyTorch's eps placement."),
]


def optimizer_block(kind, hyper):
    if kind == "SGD":
        return {
            "type": "SGD",
            "lr": hyper["lr"],
            "momentum": hyper.get("momentum", 0.0),
            "dampening": hyper.get("dampening", 0.0),
            "nesterov": hyper.get("nesterov", False),
            "weight_decay": hyper.get("weight_decay", 0.0),
        }
    betas = hyper.get("betas", (0.9, 0.999))
    return {
        "type": "AdamW",
        "lr": hyper["lr"],
        "beta1": betas[0],
        "beta2": betas[1],
        "eps": hyper.get("eps", 1e-8),
        "weight_decay": hyper.get("weight_decay", 1e-2),
    }


def make_optim_fixtures(theta0, grads):
    sizes = {}
    results = {}
    for case, kind, hyper, sched, desc in OPTIM_CASES:
        lr_schedule = sched if sched is not None else (lambda t, lr=hyper["lr"]: lr)
        steps = run_torch_optim(kind, hyper, lr_schedule, theta0, grads)
        verify_against_reference(case, kind, hyper, steps, theta0, grads)
        results[case] = steps
        obj = header(case, desc)
        obj.update(param_set_info())
        obj["optimizer"] = optimizer_block(kind, hyper)
        obj["lr_schedule"] = "constant" if sched is None else {
            "sgd_nesterov_schedule": "lr_t = 0.2*(0.5*(1+cos(pi*t/60)))",
            "adamw_schedule": "lr_t = 1e-2*min(1,(t+1)/10)",
        }[case]
        obj["initial_params"] = flat_list(theta0)
        obj["steps"] = strip_private(steps)
        sizes[case] = write_json(os.path.join(OPTIM_DIR, case + ".json"), obj)
    return sizes, results


# --------------------------------------------------------------------------------------------
# msam/<case>.json: MSAM written from docs/ALGORITHMS.md, gradient g = G_t + H * theta_tilde

def msam_sgd_run(theta0, grads, H, lr, mu, rho_of, wd, nesterov):
    """MSAM Algorithm 1 over momentum SGD, plain tensor code.

    Per step t (c = 0 and v = 0 before the first step; the network holds theta_tilde):
        g  = G_t + H * theta_tilde
        d  = g + wd * theta_tilde
        theta = theta_tilde + c * v
        v  = mu * v + d
        theta = theta - lr * v                (nesterov: theta - lr * (d + mu * v))
        c  = rho_{t+1} / (||v|| + 1e-12)      (the next step's rho; global norm over all tensors; 0 while v = 0)
        theta_tilde = theta - c * v
    """
    theta = [p.clone() for p in theta0]
    tt = [p.clone() for p in theta0]
    v = [torch.zeros_like(p) for p in theta0]
    c = 0.0
    steps = []
    for t in range(NUM_STEPS):
        g = [G + h * x for G, h, x in zip(grads[t], H, tt)]
        d = [gi + wd * x for gi, x in zip(g, tt)]
        theta = [x + c * vi for x, vi in zip(tt, v)]
        v_old, c_old, tt_old = v, c, tt
        v = [mu * vi + di for vi, di in zip(v, d)]
        if nesterov:
            theta = [x - lr * (di + mu * vi) for x, di, vi in zip(theta, d, v)]
        else:
            theta = [x - lr * vi for x, vi in zip(theta, v)]
        rho_t = rho_of(t)
        norm = global_norm(v)
        c = 0.0 if norm == 0 else rho_of(t + 1) / (norm + DELTA)
        tt = [x - c * vi for x, vi in zip(theta, v)]
        steps.append({"t": t, "lr": lr, "rho": rho_t, "grad_noise": grads[t], "grad": g, "theta": theta,
                      "theta_tilde": tt, "momentum_buffer": v, "c": c,
                      "_v_old": v_old, "_c_old": c_old, "_tt_old": tt_old, "_d": d, "_rho_next": rho_of(t + 1)})
    return steps


def msam_adamw_run(theta0, grads, H, lr, beta1, beta2, eps, wd, rho_of):
    """MSAM over AdamW, plain tensor code (m plays the role of v; t counts from 1 in the bias corrections).

        g  = G_t + H * theta_tilde
        theta = theta_tilde + c * m
        m = b1*m + (1-b1)*g ; s = b2*s + (1-b2)*g^2
        theta = theta - lr*wd*theta - lr*(m/(1-b1^k)) / (sqrt(s/(1-b2^k)) + eps),  k = t+1
        c  = rho_{t+1} / (||m|| + 1e-12)      (the next step's rho; 0 while m = 0)
        theta_tilde = theta - c * m
    """
    theta = [p.clone() for p in theta0]
    tt = [p.clone() for p in theta0]
    m = [torch.zeros_like(p) for p in theta0]
    s = [torch.zeros_like(p) for p in theta0]
    c = 0.0
    steps = []
    for t in range(NUM_STEPS):
        g = [G + h * x for G, h, x in zip(grads[t], H, tt)]
        theta = [x + c * mi for x, mi in zip(tt, m)]
        m_old, c_old, tt_old = m, c, tt
        theta, m, s = ref_adamw_step(theta, m, s, g, t + 1, lr, beta1, beta2, eps, wd)
        rho_t = rho_of(t)
        norm = global_norm(m)
        c = 0.0 if norm == 0 else rho_of(t + 1) / (norm + DELTA)
        tt = [x - c * mi for x, mi in zip(theta, m)]
        steps.append({"t": t, "lr": lr, "rho": rho_t, "grad_noise": grads[t], "grad": g, "theta": theta,
                      "theta_tilde": tt, "exp_avg": m, "exp_avg_sq": s, "step": t + 1, "c": c,
                      "_v_old": m_old, "_c_old": c_old, "_tt_old": tt_old, "_rho_next": rho_of(t + 1)})
    return steps


def torch_optim_under_quadratic(kind, hyper, theta0, grads, H, nsteps=NUM_STEPS):
    """torch.optim driven by g = G_t + H * theta (no perturbation)."""
    params = [p.clone().requires_grad_(True) for p in theta0]
    opt = torch.optim.SGD(params, **hyper) if kind == "SGD" else torch.optim.AdamW(params, **hyper)
    out = []
    for t in range(nsteps):
        for p, G, h in zip(params, grads[t], H):
            p.grad = (G + h * p.detach()).clone()
        opt.step()
        out.append([p.detach().clone() for p in params])
    return out


def msam_via_torch_optim(kind, hyper, rho, theta0, grads, H):
    """Second, independent MSAM implementation: torch.optim on theta after removing the perturbation.

    The parameters hold theta_tilde; before each optimizer step the previous perturbation c*v is
    added back, after it the new one is subtracted (v = momentum_buffer or exp_avg).
    """
    params = [p.clone().requires_grad_(True) for p in theta0]
    opt = torch.optim.SGD(params, **hyper) if kind == "SGD" else torch.optim.AdamW(params, **hyper)
    key = "momentum_buffer" if kind == "SGD" else "exp_avg"
    c = 0.0
    out = []
    for t in range(NUM_STEPS):
        with torch.no_grad():
            grads_t = [G + h * p for p, G, h in zip(params, grads[t], H)]
            if t > 0:
                for p in params:
                    p.add_(opt.state[p][key], alpha=c)
        for p, g in zip(params, grads_t):
            p.grad = g.clone()
        opt.step()
        with torch.no_grad():
            bufs = [opt.state[p][key] for p in params]
            c = rho / (global_norm(bufs) + DELTA)
            theta = [p.detach().clone() for p in params]
            for p, b in zip(params, bufs):
                p.sub_(b, alpha=c)
        out.append((theta, [p.detach().clone() for p in params], c))
    return out


def verify_msam_steps(case, steps, lr, buffer_key, sgd_like):
    for t, rec in enumerate(steps):
        v = rec[buffer_key]
        # theta_tilde = theta - c * v at every step (recomputed from the stored quantities)
        check("%s: step %d theta_tilde == theta - c*v" % (case, t), rec["theta_tilde"],
              [x - rec["c"] * vi for x, vi in zip(rec["theta"], v)], TOL_SAME_OPS)
        # c = rho_{t+1} / (||v|| + delta) with the global norm over all tensors: the next step's perturbation
        check_scalar("%s: step %d c == rho/(||v||+delta)" % (case, t), rec["c"],
                     rec["_rho_next"] / (math.sqrt(float(torch.cat([x.reshape(-1) for x in v]).pow(2).sum())) + DELTA),
                     TOL_SAME_OPS)
        # theta_tilde_prev == theta_prev - c_prev * v_prev (what the network held when g was taken)
        if sgd_like and "nesterov" not in case:
            # single-update form: tt_new = tt - [lr*v_new + c_new*v_new - c_old*v_old]
            pred = [x - (lr * vn + rec["c"] * vn - rec["_c_old"] * vo)
                    for x, vn, vo in zip(rec["_tt_old"], v, rec["_v_old"])]
            check("%s: step %d single-update form" % (case, t), rec["theta_tilde"], pred, TOL_SAME_OPS)


def msam_record(rec, buffer_keys):
    # the full gradient g = grad_noise + H*theta_tilde(previous step) is not stored (keeps the files small)
    out = {"t": rec["t"], "lr": rec["lr"], "rho": rec["rho"], "grad_noise": flat_list(rec["grad_noise"]),
           "theta": flat_list(rec["theta"]),
           "theta_tilde": flat_list(rec["theta_tilde"])}
    for k in buffer_keys:
        out[k] = flat_list(rec[k])
    if "step" in rec:
        out["step"] = rec["step"]
    out["c"] = rec["c"]
    return out


def make_msam_fixtures(theta0, grads, H):
    sizes = {}
    lr, mu = 0.1, 0.9
    const = lambda r: (lambda t: r)
    sched = lambda t: 0.3 * min(1.0, t / 20)

    sgd_cases = [
        ("msam_sgd", dict(rho_of=const(0.3), wd=0.0, nesterov=False), "constant",
         "MSAM (docs/ALGORITHMS.md, Algorithm 1 over momentum SGD), lr 0.1, momentum 0.9, rho 0.3, no weight decay."),
        ("msam_sgd_wd", dict(rho_of=const(0.3), wd=5e-3, nesterov=False), "constant",
         "MSAM over momentum SGD, lr 0.1, momentum 0.9, rho 0.3, coupled weight decay 5e-3 applied on the "
         "weights held: d = g + 5e-3*theta_tilde (DL4J: .l2(5e-3))."),
        ("msam_nesterov", dict(rho_of=const(0.3), wd=0.0, nesterov=True), "constant",
         "MSAM over Nesterov momentum SGD, lr 0.1, momentum 0.9, rho 0.3: the base step is "
         "theta <- theta - lr*(d + mu*v) with the updated v; the perturbation still uses v: "
         "c = rho/(||v||+delta), theta_tilde = theta - c*v."),
        ("msam_sgd_rho_schedule", dict(rho_of=sched, wd=0.0, nesterov=False), "rho_t = 0.3*min(1, t/20)",
         "MSAM over momentum SGD, lr 0.1, momentum 0.9, rho_t = 0.3*min(1,t/20) with t the index of the step "
         "(from 0): the perturbation of step t uses rho_t, c = rho_t/(||v||+delta) from the state after step t-1 "
         "(recorded as c of step t-1), so step 0 is unperturbed (v = 0) and step 1 uses rho_1 = 0.015."),
        ("msam_sgd_rho0", dict(rho_of=const(0.0), wd=0.0, nesterov=False), "constant",
         "MSAM over momentum SGD with rho = 0: coincides with torch.optim.SGD(lr=0.1, momentum=0.9) "
         "under the same gradient model (checked by the generator)."),
    ]
    runs = {}
    for case, kw, rho_desc, desc in sgd_cases:
        steps = msam_sgd_run(theta0, grads, H, lr, mu, **kw)
        verify_msam_steps(case, steps, lr, "momentum_buffer", True)
        runs[case] = steps
        obj = header(case, desc + " Gradient model: g = G_t + H*theta_tilde (separable quadratic "
                     "0.5*sum(H*theta^2) plus noise G_t), evaluated at the weights held.")
        obj.update(param_set_info())
        obj["algorithm"] = {
            "type": "MSAM", "base": "SGD", "lr": lr, "momentum": mu, "nesterov": kw["nesterov"],
            "weight_decay_coupled": kw["wd"], "rho": kw["rho_of"](NUM_STEPS), "rho_schedule": rho_desc,
            "delta": DELTA,
            "norm": "global L2 norm over all tensors together",
        }
        obj["gradient_model"] = "g_t = grad_noise_t + H * theta_tilde_before_step (element-wise)"
        obj["H"] = flat_list(H)
        obj["initial_theta"] = flat_list(theta0)
        obj["initial_theta_tilde"] = flat_list(theta0)
        obj["initial_c"] = 0.0
        obj["steps"] = [msam_record(r, ["momentum_buffer"]) for r in steps]
        sizes[case] = write_json(os.path.join(MSAM_DIR, case + ".json"), obj)

    # AdamW
    case = "msam_adamw"
    a_lr, a_wd, a_rho = 1e-2, 1e-2, 0.05
    steps = msam_adamw_run(theta0, grads, H, a_lr, 0.9, 0.999, 1e-8, a_wd, const(a_rho))
    verify_msam_steps(case, steps, a_lr, "exp_avg", False)
    runs[case] = steps
    obj = header(case, "MSAM over AdamW (docs/ALGORITHMS.md): lr 1e-2, betas (0.9,0.999), eps 1e-8, weight decay "
                 "1e-2 (decoupled, torch.optim.AdamW form: theta <- theta - lr*wd*theta - lr*mhat/(sqrt(shat)+eps) "
                 "with theta the unperturbed weights), rho 0.05; the perturbation uses the raw first moment m: "
                 "c = rho/(||m||+delta), theta_tilde = theta - c*m. Gradient model: g = G_t + H*theta_tilde.")
    obj.update(param_set_info())
    obj["algorithm"] = {
        "type": "MSAM", "base": "AdamW", "lr": a_lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
        "weight_decay": a_wd, "rho": a_rho, "rho_schedule": "constant", "delta": DELTA,
        "norm": "global L2 norm over all tensors together",
    }
    obj["gradient_model"] = "g_t = grad_noise_t + H * theta_tilde_before_step (element-wise)"
    obj["H"] = flat_list(H)
    obj["initial_theta"] = flat_list(theta0)
    obj["initial_theta_tilde"] = flat_list(theta0)
    obj["initial_c"] = 0.0
    obj["steps"] = [msam_record(r, ["exp_avg", "exp_avg_sq"]) for r in steps]
    sizes[case] = write_json(os.path.join(MSAM_DIR, case + ".json"), obj)

    # ---- invariants across implementations
    sgd_ref = torch_optim_under_quadratic("SGD", dict(lr=lr, momentum=mu), theta0, grads, H)
    nes_ref = torch_optim_under_quadratic("SGD", dict(lr=lr, momentum=mu, nesterov=True), theta0, grads, H, 1)
    wd_ref = torch_optim_under_quadratic("SGD", dict(lr=lr, momentum=mu, weight_decay=5e-3), theta0, grads, H, 1)
    adamw_ref = torch_optim_under_quadratic("AdamW", dict(lr=a_lr, weight_decay=a_wd), theta0, grads, H, 1)
    # first MSAM step == plain base step
    for c_name, ref in [("msam_sgd", sgd_ref), ("msam_sgd_rho_schedule", sgd_ref), ("msam_sgd_wd", wd_ref),
                        ("msam_nesterov", nes_ref), ("msam_adamw", adamw_ref)]:
        check("%s: first step == torch.optim base step" % c_name, runs[c_name][0]["theta"], ref[0], TOL_SAME_OPS)
    # rho = 0 == torch.optim.SGD(momentum) over the whole trajectory, and theta_tilde == theta
    for t in range(NUM_STEPS):
        check("msam_sgd_rho0: step %d == torch.optim.SGD(lr=0.1, momentum=0.9)" % t,
              runs["msam_sgd_rho0"][t]["theta"], sgd_ref[t], TOL_SAME_OPS)
        check("msam_sgd_rho0: step %d theta_tilde == theta" % t,
              runs["msam_sgd_rho0"][t]["theta_tilde"], runs["msam_sgd_rho0"][t]["theta"], 0.0)
    # rho schedule: the perturbation of step t uses rho_t (rho_0 = 0 does not matter: v = 0 before step 0)
    v0 = runs["msam_sgd_rho_schedule"][0]["momentum_buffer"]
    check_scalar("msam_sgd_rho_schedule: c of step 1 == rho_1/(||v||+delta)", runs["msam_sgd_rho_schedule"][0]["c"],
                 sched(1) / (global_norm(v0) + DELTA), 0.0)
    # the perturbation matters: MSAM leaves the SGD trajectory once c > 0
    assert max_rel_dev(runs["msam_sgd"][NUM_STEPS - 1]["theta"], sgd_ref[NUM_STEPS - 1]) > 1e-3
    # an independent implementation (torch.optim on theta around the perturbation) agrees
    for c_name, kind, hyper, rho in [("msam_sgd", "SGD", dict(lr=lr, momentum=mu), 0.3),
                                     ("msam_nesterov", "SGD", dict(lr=lr, momentum=mu, nesterov=True), 0.3),
                                     ("msam_adamw", "AdamW", dict(lr=a_lr, weight_decay=a_wd), a_rho)]:
        alt = msam_via_torch_optim(kind, hyper, rho, theta0, grads, H)
        for t in range(NUM_STEPS):
            theta, tt, c = alt[t]
            check("%s: step %d theta == torch.optim-based MSAM" % (c_name, t), runs[c_name][t]["theta"], theta,
                  TOL_TRAJECTORY)
            check("%s: step %d theta_tilde == torch.optim-based MSAM" % (c_name, t), runs[c_name][t]["theta_tilde"],
                  tt, TOL_TRAJECTORY)
            check_scalar("%s: step %d c == torch.optim-based MSAM" % (c_name, t), runs[c_name][t]["c"], c,
                         TOL_TRAJECTORY)
    return sizes


# --------------------------------------------------------------------------------------------
# mlp/{sgd_mlp,msam_mlp}.json: a tiny MLP trained in PyTorch, parameters also in DL4J's layout

MLP_N_IN, MLP_HIDDEN, MLP_N_OUT, MLP_N = 5, 7, 3, 24
MLP_STEPS = 15


def make_mlp():
    torch.manual_seed(SEED_MLP_INIT)
    return torch.nn.Sequential(torch.nn.Linear(MLP_N_IN, MLP_HIDDEN), torch.nn.Tanh(),
                               torch.nn.Linear(MLP_HIDDEN, MLP_N_OUT))


def mlp_tensors(model):
    """[W0, b0, W1, b1] in PyTorch layout (weight [out,in], bias [out])."""
    return [model[0].weight, model[0].bias, model[2].weight, model[2].bias]


def dl4j_flat(tensors):
    """DL4J flat parameter vector: per layer W as [nIn,nOut] flattened column-major ('f'), then b."""
    out = []
    for i in range(0, len(tensors), 2):
        w, b = tensors[i].detach(), tensors[i + 1].detach()
        n_out, n_in = w.shape
        w_dl4j = w.t()  # [nIn, nOut]
        for j in range(n_out):  # column-major: row index fastest
            for k in range(n_in):
                out.append(float(w_dl4j[k, j]))
        out.extend(flat(b))
    # column-major [nIn,nOut] of W^T is the row-major flattening of PyTorch's [out,in] weight
    assert out == [x for t in tensors for x in flat(t)]
    return out


def dl4j_layout():
    entries, off = [], 0
    for layer, (n_in, n_out) in enumerate([(MLP_N_IN, MLP_HIDDEN), (MLP_HIDDEN, MLP_N_OUT)]):
        entries.append({"layer": layer, "name": "W", "shape": [n_in, n_out], "order": "f", "offset": off,
                        "length": n_in * n_out})
        off += n_in * n_out
        entries.append({"layer": layer, "name": "b", "shape": [n_out], "offset": off, "length": n_out})
        off += n_out
    return entries, off


def mlp_data():
    gen = torch.Generator().manual_seed(SEED_MLP_DATA)
    x = torch.randn(MLP_N, MLP_N_IN, generator=gen)
    y = torch.randint(0, MLP_N_OUT, (MLP_N,), generator=gen)
    return x, y


def mlp_loss_grad(model, x, y):
    model.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(x), y, reduction="mean")
    loss.backward()
    return float(loss), [p.grad.detach().clone() for p in mlp_tensors(model)]


def train_mlp_sgd(x, y, lr, mu):
    model = make_mlp()
    params = mlp_tensors(model)
    opt = torch.optim.SGD(params, lr=lr, momentum=mu, weight_decay=0.0)
    steps = []
    for t in range(MLP_STEPS):
        loss, g = mlp_loss_grad(model, x, y)
        opt.step()
        steps.append({"t": t, "loss": loss, "grad": g, "theta": [p.detach().clone() for p in params],
                      "v": [opt.state[p]["momentum_buffer"].detach().clone() for p in params]})
    return steps


def train_mlp_msam(x, y, lr, mu, rho):
    """MSAM by hand on the MLP: the model holds theta_tilde; forward/backward there; update as in
    docs/ALGORITHMS.md with the global norm over all four tensors."""
    model = make_mlp()
    params = mlp_tensors(model)
    theta = [p.detach().clone() for p in params]
    v = [torch.zeros_like(p) for p in theta]
    c = 0.0
    steps = []
    for t in range(MLP_STEPS):
        loss, g = mlp_loss_grad(model, x, y)  # at theta_tilde (held by the model)
        tt = [p.detach().clone() for p in params]
        theta = [a + c * b for a, b in zip(tt, v)]
        v = [mu * b + gi for b, gi in zip(v, g)]
        theta = [a - lr * b for a, b in zip(theta, v)]
        c = rho / (global_norm(v) + DELTA)
        tt = [a - c * b for a, b in zip(theta, v)]
        with torch.no_grad():
            for p, new in zip(params, tt):
                p.copy_(new)
        steps.append({"t": t, "loss": loss, "grad": g, "theta": theta, "theta_tilde": tt, "v": v, "c": c})
    return steps


def make_mlp_fixtures():
    sizes = {}
    x, y = mlp_data()
    lr, mu, rho = 0.1, 0.9, 0.5
    init_model = make_mlp()
    init = mlp_tensors(init_model)
    layout, n_params = dl4j_layout()
    assert n_params == len(dl4j_flat(init))

    sgd_steps = train_mlp_sgd(x, y, lr, mu)
    msam_steps = train_mlp_msam(x, y, lr, mu, rho)
    rho0_steps = train_mlp_msam(x, y, lr, mu, 0.0)

    # invariants
    check("msam_mlp: first step == torch.optim.SGD step", msam_steps[0]["theta"], sgd_steps[0]["theta"],
          TOL_SAME_OPS)
    check_scalar("msam_mlp: first loss == sgd_mlp first loss", msam_steps[0]["loss"], sgd_steps[0]["loss"], 0.0)
    for t in range(MLP_STEPS):
        check("mlp rho=0: step %d == torch.optim.SGD" % t, rho0_steps[t]["theta"], sgd_steps[t]["theta"],
              TOL_TRAJECTORY)
        check_scalar("mlp rho=0: step %d loss == torch.optim.SGD loss" % t, rho0_steps[t]["loss"],
                     sgd_steps[t]["loss"], TOL_TRAJECTORY)
        r = msam_steps[t]
        check("msam_mlp: step %d theta_tilde == theta - c*v" % t, r["theta_tilde"],
              [a - r["c"] * b for a, b in zip(r["theta"], r["v"])], TOL_SAME_OPS)
    assert abs(msam_steps[-1]["loss"] - sgd_steps[-1]["loss"]) > 1e-6  # the perturbation matters
    # independent MSAM: torch.optim.SGD on theta after removing the perturbation
    model = make_mlp()
    params = mlp_tensors(model)
    opt = torch.optim.SGD(params, lr=lr, momentum=mu)
    c = 0.0
    for t in range(MLP_STEPS):
        loss, _ = mlp_loss_grad(model, x, y)
        with torch.no_grad():
            if t > 0:
                for p in params:
                    p.add_(opt.state[p]["momentum_buffer"], alpha=c)
        opt.step()
        with torch.no_grad():
            bufs = [opt.state[p]["momentum_buffer"] for p in params]
            c = rho / (global_norm(bufs) + DELTA)
            theta = [p.detach().clone() for p in params]
            for p, b in zip(params, bufs):
                p.sub_(b, alpha=c)
        check_scalar("msam_mlp: step %d loss == torch.optim-based MSAM" % t, msam_steps[t]["loss"], loss,
                     TOL_TRAJECTORY)
        check("msam_mlp: step %d theta == torch.optim-based MSAM" % t, msam_steps[t]["theta"], theta,
              TOL_TRAJECTORY)

    common = {
        "network": {
            "layers": [
                {"type": "Dense", "n_in": MLP_N_IN, "n_out": MLP_HIDDEN, "activation": "tanh"},
                {"type": "Output", "n_in": MLP_HIDDEN, "n_out": MLP_N_OUT, "activation": "softmax",
                 "loss": "multi-class cross-entropy (DL4J MCXENT), mean over the batch"},
            ],
            "pytorch": "Sequential(Linear(5,7), Tanh(), Linear(7,3)); F.cross_entropy(logits, labels, "
                       "reduction='mean')",
        },
        "num_samples": MLP_N,
        "num_steps": MLP_STEPS,
        "batch": "full batch (all 24 samples) every step, same order",
        "features": [flat(r) for r in x],
        "labels": [int(v) for v in y.tolist()],
        "labels_one_hot": [[1.0 if j == int(v) else 0.0 for j in range(MLP_N_OUT)] for v in y.tolist()],
        "initial_params_pytorch": {
            "layer0_weight": flat(init[0]), "layer0_weight_shape": [MLP_HIDDEN, MLP_N_IN],
            "layer0_bias": flat(init[1]),
            "layer1_weight": flat(init[2]), "layer1_weight_shape": [MLP_N_OUT, MLP_HIDDEN],
            "layer1_bias": flat(init[3]),
            "layout": "weight [out,in] flattened row-major (C); bias [out]",
        },
        "dl4j_layout": layout,
        "dl4j_num_params": n_params,
        "initial_params_dl4j": dl4j_flat(init),
    }

    obj = header("sgd_mlp", "Tiny MLP (5-7-3, tanh, softmax cross-entropy) trained full-batch for 15 steps with "
                 "torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0). loss[t] is computed at the weights "
                 "before step t; theta[t] and v[t] are after step t, in DL4J's flat layout.")
    obj["optimizer"] = {"type": "SGD", "lr": lr, "momentum": mu, "dampening": 0.0, "nesterov": False,
                        "weight_decay": 0.0}
    obj.update(common)
    obj["steps"] = [{"t": r["t"], "loss": r["loss"], "grad": dl4j_flat(r["grad"]), "theta": dl4j_flat(r["theta"]),
                     "v": dl4j_flat(r["v"])} for r in sgd_steps]
    sizes["sgd_mlp"] = write_json(os.path.join(MLP_DIR, "sgd_mlp.json"), obj)

    obj = header("msam_mlp", "Same MLP, data and initial weights as sgd_mlp, trained with MSAM over momentum SGD "
                 "(lr 0.1, momentum 0.9, rho 0.5, no weight decay), written from docs/ALGORITHMS.md by hand: the model "
                 "holds theta_tilde, one forward/backward there gives g and loss[t]; theta = theta_tilde + c*v; "
                 "v = 0.9*v + g; theta -= 0.1*v; c = 0.5/(||v||+1e-12) (global norm over all 4 tensors); "
                 "theta_tilde = theta - c*v. Cross-checked against torch.optim.SGD applied to theta after "
                 "removing the perturbation.")
    obj["algorithm"] = {"type": "MSAM", "base": "SGD", "lr": lr, "momentum": mu, "nesterov": False,
                        "weight_decay_coupled": 0.0, "rho": rho, "rho_schedule": "constant", "delta": DELTA,
                        "norm": "global L2 norm over all parameters together"}
    obj.update(common)
    obj["initial_c"] = 0.0
    obj["steps"] = [{"t": r["t"], "loss": r["loss"], "grad": dl4j_flat(r["grad"]), "theta": dl4j_flat(r["theta"]),
                     "theta_tilde": dl4j_flat(r["theta_tilde"]), "v": dl4j_flat(r["v"]), "c": r["c"]}
                    for r in msam_steps]
    sizes["msam_mlp"] = write_json(os.path.join(MLP_DIR, "msam_mlp.json"), obj)
    return sizes


# --------------------------------------------------------------------------------------------

def main():
    theta0 = make_initial_params()
    grads = make_grad_sequence()
    H = make_curvature()
    assert all(float(h.min()) > 0 for h in H)

    sizes = {}
    s, _ = make_optim_fixtures(theta0, grads)
    sizes.update({"optim/" + k: v for k, v in s.items()})
    sizes.update({"msam/" + k: v for k, v in make_msam_fixtures(theta0, grads, H).items()})
    sizes.update({"mlp/" + k: v for k, v in make_mlp_fixtures().items()})

    groups = {}
    for name, dev in CHECKS:
        key = " ".join(w for w in name.split() if not w.isdigit())
        groups.setdefault(key, [0, 0.0])
        groups[key][0] += 1
        groups[key][1] = max(groups[key][1], dev)
    print("torch %s" % TORCH_VERSION)
    print("%d checks passed:" % len(CHECKS))
    for key, (n, dev) in groups.items():
        print("  %5d x  max dev %.2e  %s" % (n, dev, key))
    total = 0
    for name, size in sizes.items():
        print("  %-32s %8d bytes" % (name, size))
        total += size
    print("total fixture size: %d bytes" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
