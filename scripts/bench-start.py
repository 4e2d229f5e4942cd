#!/usr/bin/env python3
"""Start-up and memory benchmark: Ticket Bridge against a bare Tauri window built the same way.

For each binary, N cold starts: the time from spawning the process to its "ui ready" line (the
UI reports it once its first screen is drawn: the connection card for Ticket Bridge), then, two
seconds later, the proportional set size (PSS) of the process and all its descendants
(WebKitWebProcess, WebKitNetworkProcess, ...), summed from /proc/<pid>/smaps_rollup.

Run through scripts/bench.sh, which builds both and provides the desktop session.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children_of(p))
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def one_run(binary, settle):
    with tempfile.TemporaryDirectory(prefix="tb-bench-") as home:
        env = dict(os.environ)
        for sub in ("config", "data", "cache"):
            os.makedirs(f"{home}/{sub}")
        env.update(XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
                   XDG_CACHE_HOME=f"{home}/cache", LANG="en_US.UTF-8")
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, text=True, start_new_session=True)
        ready = None
        try:
            for line in proc.stdout:
                if "ui ready" in line:
                    ready = (time.perf_counter() - t0) * 1000
                    break
            if ready is None:
                raise RuntimeError(f"{binary} exited without painting")
            time.sleep(settle)  # let the page settle before measuring memory (a benchmark, not a test)
            pids = tree(proc.pid)
            pss = sum(pss_kib(p) for p in pids)
            return ready, pss / 1024, len(pids)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", required=True)
    ap.add_argument("--bare", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    results = {}
    for name, binary in (("bare window", args.bare), ("Ticket Bridge", args.app)):
        one_run(binary, args.settle)  # warm the page cache; not counted
        runs = [one_run(binary, args.settle) for _ in range(args.runs)]
        results[name] = {
            "start_ms_median": statistics.median(r[0] for r in runs),
            "start_ms_min": min(r[0] for r in runs),
            "start_ms_max": max(r[0] for r in runs),
            "pss_mib_median": statistics.median(r[1] for r in runs),
            "processes": runs[0][2],
            "runs": len(runs),
        }
    a, b = results["Ticket Bridge"], results["bare window"]
    results["ratio"] = {
        "start": a["start_ms_median"] / b["start_ms_median"],
        "pss": a["pss_mib_median"] / b["pss_mib_median"],
    }
    print(f"{'':15} {'start (median, ms)':>20} {'min-max':>14} {'PSS (median, MiB)':>19} {'processes':>10}")
    for name in ("bare window", "Ticket Bridge"):
        r = results[name]
        print(f"{name:15} {r['start_ms_median']:>20.0f} {r['start_ms_min']:>6.0f}-{r['start_ms_max']:<7.0f}"
              f" {r['pss_mib_median']:>19.1f} {r['processes']:>10}")
    print(f"ratio Ticket Bridge / bare: start {results['ratio']['start']:.2f}x, "
          f"memory {results['ratio']['pss']:.2f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
