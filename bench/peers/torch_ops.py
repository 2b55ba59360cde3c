#!/usr/bin/python3
"""PyTorch's per-operation cost and the MLP's and CNN's forward and backward passes: the peer of
`cohort bench ops` (Cohort's side is dev.cohort.lab.bench.OpsProbe, through DJL).

Usage: torch_ops.py OUT_JSON THREADS BATCH
Writes microseconds: an element-wise add of two one-element tensors (the fixed cost of one
operation), and per model a training forward pass with the loss, and forward + loss + backward.
Each figure is the median of 5 rounds.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn

from ddp_train import model  # the same models as the training peer

ROUNDS = 5


def per_call_us(fn, iterations):
    rounds = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(iterations):
            fn()
        rounds.append((time.perf_counter() - t0) / iterations * 1e6)
    return statistics.median(rounds)


def main():
    out, threads, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    a, b = torch.rand(1), torch.rand(1)
    result = {"impl": "pytorch", "torch": torch.__version__, "threads": threads,
              "add_us": per_call_us(lambda: a + b, 20000)}
    loss_fn = nn.CrossEntropyLoss()
    for name, iterations in (("mlp", 300), ("cnn", 30)):
        net = model(name)
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))

        def forward():
            return loss_fn(net(x), y)

        def forward_backward():
            net.zero_grad(set_to_none=False)
            forward().backward()

        forward_backward()
        result[name] = {"forward_us": per_call_us(forward, iterations),
                        "forward_backward_us": per_call_us(forward_backward, iterations)}
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
