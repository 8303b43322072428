#!/usr/bin/env python3
# Copyright 2026 The MSAM for Deeplearning4j authors
# SPDX-License-Identifier: Apache-2.0
"""Generate the loss-landscape golden fixture used by LossLandscapeGoldenTest.

Run from the repository root:

    /usr/bin/python3 msam-dl4j/src/test/python/make_landscape_golden.py

Requires PyTorch (Debian: ``apt-get install python3-torch``). Everything runs in float64 and is deterministic.

The model is a tiny MLP, 3 inputs -> 4 tanh units -> 3 softmax outputs, with the mean cross-entropy over 10
samples (torch.nn.functional.cross_entropy, i.e. DL4J's MCXENT on a softmax output layer, averaged over the
samples, with no regularization). Its 31 parameters are one flat vector in DL4J's params() order: per layer the
weight flattened row-major in PyTorch's [out, in] layout (= DL4J's [nIn, nOut] in 'f' order), then the bias.

Output: msam-dl4j/src/test/resources/golden/landscape/mlp_landscape.json with
    params            theta in DL4J order
    features, labels  the samples (labels as class indices)
    loss              L(theta)
    gradient          dL/dtheta
    hessian_eigenvalues   all 31 eigenvalues of the exact Hessian (torch.autograd.functional.hessian), descending
    direction, radii, sharpness   S(r) = L(theta + r d/|d|) - L(theta)
"""

import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

GENERATOR = "/usr/bin/python3 msam-dl4j/src/test/python/make_landscape_golden.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
OUT = os.path.join(REPO_ROOT, "msam-dl4j", "src", "test", "resources", "golden", "landscape", "mlp_landscape.json")

N_IN, HIDDEN, N_OUT, N = 3, 4, 3, 10
SHAPES = [("W0", (HIDDEN, N_IN)), ("b0", (HIDDEN,)), ("W1", (N_OUT, HIDDEN)), ("b1", (N_OUT,))]
N_PARAMS = sum(torch.Size(s).numel() for _, s in SHAPES)
RADII = [-1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 2.0]


def unpack(theta):
    out, off = [], 0
    for _, shape in SHAPES:
        n = torch.Size(shape).numel()
        out.append(theta[off:off + n].view(shape))
        off += n
    return out


def loss_fn(theta, x, y):
    w0, b0, w1, b1 = unpack(theta)
    h = torch.tanh(x @ w0.t() + b0)
    return F.cross_entropy(h @ w1.t() + b1, y)


def main():
    gen = torch.Generator().manual_seed(7)
    theta = torch.randn(N_PARAMS, generator=gen) * 0.9
    x = torch.randn(N, N_IN, generator=gen)
    y = torch.randint(0, N_OUT, (N,), generator=gen)
    d = torch.randn(N_PARAMS, generator=gen)

    def f(t):
        return loss_fn(t, x, y)

    loss = f(theta)
    t = theta.clone().requires_grad_(True)
    grad = torch.autograd.grad(f(t), t)[0]
    hess = torch.autograd.functional.hessian(f, theta)
    assert torch.allclose(hess, hess.t(), atol=1e-14)
    eig = torch.linalg.eigvalsh(hess).flip(0)
    unit = d / d.norm()
    sharp = [float(f(theta + r * unit) - loss) for r in RADII]

    obj = {
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "dtype": "float64",
        "model": "dense 3->4 tanh, output 4->3 softmax, mean cross-entropy (DL4J MCXENT), no regularization",
        "layout": "DL4J params() order: W0 [out,in] row-major (= DL4J [nIn,nOut] 'f'), b0, W1, b1",
        "num_params": N_PARAMS,
        "params": theta.tolist(),
        "features": x.tolist(),
        "labels": y.tolist(),
        "num_classes": N_OUT,
        "loss": float(loss),
        "gradient": grad.tolist(),
        "hessian_eigenvalues": eig.tolist(),
        "direction": d.tolist(),
        "radii": RADII,
        "sharpness": sharp,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")
    print("wrote", OUT, "loss", float(loss), "top eigenvalues", eig[:5].tolist())


if __name__ == "__main__":
    main()
