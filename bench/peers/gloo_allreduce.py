#!/usr/bin/python3
"""All-reduce benchmark for PyTorch's gloo backend, the peer that `cohort bench comm` measures.

Mirrors CommBenchWorker: for each size, three warm-up calls estimate the cost, rank 0 picks an
iteration count that fills the time budget and broadcasts it, a quarter of that is run as further
warm-up, then the timed loop; the slowest rank's time counts. Rank 0 writes JSON.

Usage (one process per rank, started by cohort bench comm):
  gloo_allreduce.py RANK WORLD_SIZE PORT OUT_JSON BUDGET_MS SIZE1,SIZE2,...
"""
import json
import sys
import time

import torch
import torch.distributed as dist


def main():
    rank, world, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    out, budget = sys.argv[4], float(sys.argv[5]) / 1000.0
    sizes = [int(s) for s in sys.argv[6].split(",")]
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    rows = []
    for nbytes in sizes:
        t = torch.ones(nbytes // 4, dtype=torch.float32)
        t0 = time.perf_counter()
        for _ in range(3):
            dist.all_reduce(t)
        per_iter = (time.perf_counter() - t0) / 3
        iters = torch.tensor([max(3, min(100000, int(budget / per_iter)))], dtype=torch.int32)
        dist.broadcast(iters, 0)
        n = int(iters.item())
        for _ in range(n // 4):
            dist.all_reduce(t)
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(n):
            dist.all_reduce(t)
        seconds = torch.tensor([(time.perf_counter() - t0) / n], dtype=torch.float64)
        dist.all_reduce(seconds, op=dist.ReduceOp.MAX)
        s = float(seconds.item())
        algbw = nbytes / s / 1e9
        rows.append({"bytes": nbytes, "latency_us": s * 1e6, "algbw_GBps": algbw,
                     "busbw_GBps": algbw * 2 * (world - 1) / world, "iterations": n})
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"impl": "gloo", "np": world, "transport": "tcp", "algorithm": "gloo default",
                       "torch": torch.__version__, "results": rows}, f, indent=2)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
