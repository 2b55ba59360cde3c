#!/usr/bin/python3
"""PyTorch DDP (gloo) training throughput: the peer that `cohort bench train` measures.

Same data (Debian's Fashion-MNIST IDX files), same models, optimizer and per-worker batch as
Cohort's MLP and CNN. Steps before WARMUP are not timed, as on Cohort's side. Each timed step is
also split into phases that tile it (rank 0's means, milliseconds): data (gathering the batch),
forward (with the loss), backward (with DDP's all-reduce, which overlaps it and cannot be timed
apart), optimizer (Adam's step and zero_grad). Rank 0 writes JSON.

With MODE zero1 (the optional last argument; default ddp) Adam's state is sharded over the ranks
by torch's ZeroRedundancyOptimizer: the peer of Cohort's --zero 1. Rank 0 also writes its peak
resident memory.

Usage (one process per rank):
  ddp_train.py RANK WORLD_SIZE PORT OUT_JSON MODEL BATCH STEPS THREADS [MODE]
"""
import gzip
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"
WARMUP = 20


def load():
    with gzip.open(f"{DATA}/train-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{DATA}/train-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def model(name):
    if name == "mlp-wide":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                             nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    rank, world, port, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    name, batch, steps, threads = sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    x, y = load()
    net = nn.parallel.DistributedDataParallel(model(name))
    mode = sys.argv[9] if len(sys.argv) > 9 else "ddp"
    if mode == "zero1":
        from torch.distributed.optim import ZeroRedundancyOptimizer
        opt = ZeroRedundancyOptimizer(net.parameters(), optimizer_class=torch.optim.Adam, lr=1e-3)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(42)
    order = torch.randperm(len(x), generator=gen)
    timed = 0.0
    phases = {"data": [], "forward": [], "backward": [], "optimizer": [], "step": []}
    clock = time.perf_counter
    for step in range(steps):
        t0 = clock()
        start = (step * batch * world + rank * batch) % (len(x) - batch * world)
        idx = order[start:start + batch]
        xb, yb = x[idx], y[idx]
        t1 = clock()
        loss = loss_fn(net(xb), yb)
        t2 = clock()
        loss.backward()
        t3 = clock()
        opt.step()
        opt.zero_grad()
        t4 = clock()
        if step >= WARMUP:
            timed += t4 - t0
            phases["data"].append(t1 - t0)
            phases["forward"].append(t2 - t1)
            phases["backward"].append(t3 - t2)
            phases["optimizer"].append(t4 - t3)
            phases["step"].append(t4 - t0)
    secs = torch.tensor([timed], dtype=torch.float64)
    dist.all_reduce(secs, op=dist.ReduceOp.MAX)
    if rank == 0:
        timed_steps = steps - WARMUP
        with open(out, "w") as f:
            json.dump({"impl": "pytorch-ddp", "mode": mode, "torch": torch.__version__,
                       "model": name,
                       "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                       "np": world, "batch_per_worker": batch, "steps": timed_steps,
                       "samples_per_second": timed_steps * batch * world / secs.item(),
                       "phases_ms": {k: 1e3 * sum(v) / max(1, len(v))
                                     for k, v in phases.items()}}, f)
    dist.barrier()  # ZeroRedundancyOptimizer's last broadcasts done before the group goes
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
