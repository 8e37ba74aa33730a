#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seconds per iteration of the PyTorch reference (shared/reference/ref_nst.py,
its fast path) on the same synthetic images and layers as bench-iteration's
objective mode, printed as one JSON object like it.

  torch-iteration.py [--size 512] [--height PX] [--threads 2] [--iterations 5] [--warmup 1]

Needs python3-torch and IMPASTO_REFERENCE (the folder of ref_nst.py) or the
shared/ folder beside the checkout; IMPASTO_WEIGHTS for the weights. Exit 77
(skip) when torch or the reference is missing. Run it once as installed and
once with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (run-bench.sh --torch).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time


def synthetic(width, height, seed):
    """A smooth pattern with detail, uint8 HWC (as bench-iteration's images)."""
    import numpy as np
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.stack([128 + 100 * np.sin((x + 3 * seed) * 0.05) * np.cos(y * 0.03),
                    128 + 100 * np.sin((x + y) * 0.02 + seed),
                    128 + 90 * np.cos((x - y + seed) * 0.04)], axis=-1)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--size', type=int, default=512, help='width')
    ap.add_argument('--height', type=int, default=0, help='height (the width)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iterations', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    a = ap.parse_args()
    a.height = a.height or a.size

    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ref = os.environ.get('IMPASTO_REFERENCE', os.path.join(top, '..', 'shared', 'reference'))
    weights = os.environ.get('IMPASTO_WEIGHTS',
                             os.path.join(top, '..', 'shared', 'weights', 'vgg19-conv.safetensors'))
    sys.path.insert(0, ref)
    try:
        import torch
        import ref_nst
    except ImportError as e:
        print(f'skip: {e}', file=sys.stderr)
        return 77

    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    model = ref_nst.VGG19Features(weights, torch.float32, upto='conv5_2', fast=True)
    cx = ref_nst.preprocess(synthetic(a.size, a.height, 0))
    sx = ref_nst.preprocess(synthetic(a.size, a.height, 5))
    loss_fn = ref_nst.NSTLoss(model, cx, sx)
    setup = time.perf_counter() - t0
    x = cx.clone().requires_grad_(True)
    walls, cpus = [], []
    for i in range(a.warmup + a.iterations):
        w0, c0 = time.perf_counter(), time.process_time()
        total, _, _ = loss_fn(x)
        g, = torch.autograd.grad(total, x)
        with torch.no_grad():
            x.sub_(1e-3 * g)
        if i >= a.warmup:
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
    print(json.dumps({
        'mode': 'torch', 'size': a.size, 'height': a.height, 'threads': a.threads, 'preset': 'tutorial',
        'torch': torch.__version__,
        'glibc_tunables': os.environ.get('GLIBC_TUNABLES', ''),
        'iterations': a.iterations, 'warmup': a.warmup,
        'median_s': round(statistics.median(walls), 4), 'min_s': round(min(walls), 4),
        'max_s': round(max(walls), 4), 'median_cpu_s': round(statistics.median(cpus), 4),
        'setup_s': round(setup, 3),
        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}),
        flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
