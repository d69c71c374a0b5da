"""Benchmark the lab: start-up time and listing a 10,000-device synthetic site.

    .venv/bin/python tests/bench/bench_lab.py [--devices 10000] [--repeat 5]

Not collected by pytest (bench_*.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.helpers.lab import start_lab, stop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    startups = []
    for _attempt in range(3):
        start = time.monotonic()
        lab, proc = start_lab()
        startups.append(time.monotonic() - start)
        stop(proc)
    print(f"startup (spawn until URL file written): median {statistics.median(startups):.2f} s,"
          f" max {max(startups):.2f} s")

    lab, proc = start_lab()
    try:
        start = time.monotonic()
        manifest_id = lab.synthetic(args.devices, name="bench")
        print(f"synthetic site of {args.devices} devices loaded in "
              f"{time.monotonic() - start:.3f} s ({manifest_id})")
        times = []
        for _attempt in range(args.repeat):
            start = time.monotonic()
            resp = lab.bw("GET", "/devices", params={"manifest_id": manifest_id})
            devices = resp.json()["devices"]
            times.append(time.monotonic() - start)
            assert len(devices) == args.devices
        print(f"GET /api/v1/ztp/devices?manifest_id= ({args.devices} devices, "
              f"{len(resp.content) / 1e6:.1f} MB): median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s")
        start = time.monotonic()
        lab.bw("GET", f"/manifests/{manifest_id}")
        print(f"GET /api/v1/ztp/manifests/{manifest_id}: {time.monotonic() - start:.3f} s")
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
