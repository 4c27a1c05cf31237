"""X12 throughput: parse a 20,000-claim 835 with balancing, write 20,000 837P claims.

Prints claims/s for our reader and writers next to pyx12's own segment reader
(``pyx12.x12file.X12Reader``: tokenizing and segment objects only, no validation)
on the same file in the same run, the peak RSS, and the reader's traced memory
peak at growing sizes (to show it grows linearly). Each step reports its best
of ``--repeat`` runs, wall and CPU time (shared machines are noisy); the
previous run's result is freed before the next run is timed. ``--pure`` turns
the C accelerator (models/x12/_speedups.c) off, to time the Python twins.

    .venv/bin/python bench/x12_bench.py [--claims 20000] [--repeat 3] [--pure]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.x12 import ClaimForm, accel, read_835, write_835, write_837
from models.x12.generate import random_batch837, random_envelope, random_remittance


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(best wall seconds, best CPU seconds, result)."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        result = None  # free the previous run's result outside the timing
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu, result


def pyx12_segments(text: str) -> int:
    import pyx12.x12file

    n = 0
    for _seg in pyx12.x12file.X12Reader(io.StringIO(text)):
        n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pure", action="store_true", help="time the Python twins only")
    args = parser.parse_args()
    load = os.getloadavg()
    n = args.claims
    rng = random.Random(2026)

    t0 = time.perf_counter()
    batch = random_batch837(rng, ClaimForm.PROFESSIONAL, n)
    remit = random_remittance(rng, batch.claims)
    env = random_envelope(rng)
    gen_s = time.perf_counter() - t0

    mode = accel.pure_python() if args.pure or not accel.available() else contextlib.nullcontext()
    with mode:
        run(args, n, batch, remit, env, gen_s, load)


def run(
    args: argparse.Namespace,
    n: int,
    batch: Any,
    remit: Any,
    env: Any,
    gen_s: float,
    load: tuple[float, float, float],
) -> None:
    rows = []
    wall, cpu, text837 = best_of(args.repeat, lambda: write_837(env, [batch]))
    rows.append(("write 837P", wall, cpu))
    wall, cpu, text835 = best_of(args.repeat, lambda: write_835(env, [remit]))
    rows.append(("write 835", wall, cpu))
    parse_wall, parse_cpu, doc = best_of(args.repeat, lambda: read_835(text835))
    rows.append(("parse 835 + balancing", parse_wall, parse_cpu))
    assert doc.transactions == (remit,)
    del doc
    pyx12_wall, pyx12_cpu, segments = best_of(args.repeat, lambda: pyx12_segments(text835))
    rows.append(("pyx12 X12Reader (segments only)", pyx12_wall, pyx12_cpu))

    lines = sum(len(c.lines) for c in remit.claims)
    path = "Python twins only" if not accel.native_enabled() else "C accelerator"
    print(f"X12 bench: {n} claims, {lines} service lines (generated in {gen_s:.1f} s); {path}")
    print("  load average before: {:.2f} {:.2f} {:.2f}".format(*load))
    print(
        f"  837P {len(text837) / 1e6:.1f} MB; 835 {len(text835) / 1e6:.1f} MB, {segments} segments"
    )
    print(f"  {'':34}{'claims/s wall':>14}{'claims/s CPU':>14}")
    for name, w, c in rows:
        print(f"  {name:34}{n / w:>14,.0f}{n / c:>14,.0f}")
    print(
        f"  parse vs pyx12's reader: {pyx12_wall / parse_wall:.1f}x wall, "
        f"{pyx12_cpu / parse_cpu:.1f}x CPU"
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the whole run: {rss_mb:.0f} MB")
    for size in (n // 4, n // 2, n):
        sub = random_remittance(random.Random(size), batch.claims[:size])
        text = write_835(env, [sub])
        tracemalloc.start()
        read_835(text)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"  reader memory peak, {size:>6} claims: {peak / 1e6:6.1f} MB "
            f"(file {len(text) / 1e6:.1f} MB)"
        )
    print("  load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
