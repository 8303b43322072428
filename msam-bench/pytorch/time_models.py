#!/usr/bin/env python3
"""Times one training iteration of the examples' small CNN and WRN-16-1 in PyTorch.

The same models as ConvolutionModelBenchmark (msam-examples' SmallCnn at 3x32x32 with 10 classes, WideResNet
WRN-16-1 with 100 classes), the same mini-batch (random N(0, 1) images, batch 16 by default) and the same optimizer
(heavy-ball SGD, lr 0.1, momentum 0.9, coupled weight decay 5e-4), float32, on the CPU with a fixed thread count.
Prints one line per model: the median and the minimum milliseconds per iteration over the timed iterations.

    python3 msam-bench/pytorch/time_models.py --threads 2 --batch 16

Needs PyTorch (Debian: apt-get install python3-torch). Exits with status 2 and a message when it is missing.
"""
import argparse
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("PyTorch is not installed (Debian: apt-get install python3-torch); nothing timed", file=sys.stderr)
    sys.exit(2)


class SmallCnn(nn.Module):
    """conv3x3(32)-BN-ReLU-maxpool, conv3x3(64)-BN-ReLU-maxpool, dense(128)-ReLU-dropout(0.5), dense(classes)."""

    def __init__(self, channels=3, size=32, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64, eps=1e-5, momentum=0.1)
        self.fc1 = nn.Linear(64 * (size // 4) ** 2, 128)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.drop(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.out(x)


class Block(nn.Module):
    """Pre-activation block; the 1x1 shortcut convolution takes the pre-activated input."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = None if cin == cout and stride == 1 else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        a = F.relu(self.bn1(x))
        r = self.conv2(F.relu(self.bn2(self.conv1(a))))
        return r + (x if self.shortcut is None else self.shortcut(a))


class WideResNet(nn.Module):
    """WRN-depth-k as msam-examples' WideResNet."""

    def __init__(self, depth=16, k=1, classes=100):
        super().__init__()
        n = (depth - 4) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        blocks, cin = [], 16
        for group, width in enumerate((16 * k, 32 * k, 64 * k)):
            for b in range(n):
                blocks.append(Block(cin, width, 2 if b == 0 and group > 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.out = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.blocks(self.conv1(x))))
        return self.out(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def time_model(name, model, classes, batch, warmup, iterations):
    torch.manual_seed(42)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.tensor([(i * 7) % classes for i in range(batch)])
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    model.train()
    times = []
    for i in range(warmup + iterations):
        start = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms per iteration "
          f"({iterations} iterations, batch {batch}, {torch.get_num_threads()} threads, {params:,} parameters)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--batch", type=int, default=16, help="mini-batch size (default 16)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed iterations first (default 5)")
    parser.add_argument("--iterations", type=int, default=30, help="timed iterations (default 30)")
    args = parser.parse_args()
    if args.threads < 1 or args.batch < 1 or args.warmup < 0 or args.iterations < 1:
        parser.error("--threads, --batch and --iterations must be at least 1, --warmup at least 0")
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}")
    time_model("small-cnn", SmallCnn(), 10, args.batch, args.warmup, args.iterations)
    time_model("wrn-16-1", WideResNet(16, 1, 100), 100, args.batch, args.warmup, args.iterations)


if __name__ == "__main__":
    main()
