#!/usr/bin/env python3
"""Start-up and memory benchmark: Ticket Bridge against a bare Tauri window built the same way.

For each binary, N cold starts: the time from spawning the process to its "ui ready" line (the
UI reports it once its first screen is drawn, and names it: the connection card for Ticket
Bridge on an empty profile, `home:disconnected`), then, `--settle` seconds later (6 by default,
as issue #14 asks, for every scenario: the connected one's network has caught up by then), the
memory of the process and all its descendants (WebKitWebProcess, WebKitNetworkProcess, ...)
from /proc/<pid>/smaps_rollup: private memory (USS, Private_Clean + Private_Dirty, which does
not depend on what else maps the same libraries) and PSS, each by process. For Ticket Bridge
also: where the start goes (Rust until the window is asked for, the page beginning, the page's
own steps), memory with only the tray (started with --minimized: no window, no web process),
and how long opening the window from there takes (a second launch, as the desktop's menu does;
the tray's Open is the same call) to its first screen.

With `--seeder` (the seed-profile binary), the same for Ticket Bridge, connected, 10,000 cached
tickets (`--tickets`): seed-profile makes a profile in which the app has one workspace connected
to a simulated instance whose tickets it has synced (through core's own registry, the keychain
entries in this session's Secret Service) and serves that instance while the runs go on; each
run starts on a fresh copy of that profile, and is timed to the home page drawn connected with
its cards and newest tickets from the cache (`home:connected`; any other first screen fails the
run). The network (the sync after the restored connection) catches up after that. Its start and
memory are compared with the bare window's and with the empty profile's.

Run through scripts/bench.sh, which builds what it needs and provides the desktop session.
"""
import argparse
import json
import os
import shutil
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


def memory_kib(pid):
    """(PSS, USS) of one process in KiB; (0, 0) when it is gone."""
    pss = uss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                    uss += int(line.split()[1])
    except OSError:
        pass
    return pss, uss


def name_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def measure(pid):
    """Memory of `pid` and its descendants: totals and a breakdown by process name, in MiB."""
    by_name = {}
    pids = tree(pid)
    for p in pids:
        pss, uss = memory_kib(p)
        entry = by_name.setdefault(name_of(p), {"pss": 0.0, "uss": 0.0, "count": 0})
        entry["pss"] += pss / 1024
        entry["uss"] += uss / 1024
        entry["count"] += 1
    return {
        "pss": sum(e["pss"] for e in by_name.values()),
        "uss": sum(e["uss"] for e in by_name.values()),
        "processes": len(pids),
        "by_process": by_name,
    }


def env_for(home):
    env = dict(os.environ)
    for sub in ("config", "data", "cache"):
        os.makedirs(f"{home}/{sub}", exist_ok=True)
    env.update(XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
               XDG_CACHE_HOME=f"{home}/cache", LANG="en_US.UTF-8")
    env.pop("TAURI_WEBVIEW_AUTOMATION", None)
    return env


def screen_of(line):
    """What the "ui ready" line says the first screen showed ("... (home:connected)")."""
    line = line.strip()
    if line.endswith(")") and "(" in line:
        return line[line.rfind("(") + 1:-1]
    return None


def read_until(proc, needle, t0, lines):
    """Reads the app's log lines until one contains `needle`; its time in ms since t0."""
    for line in proc.stdout:
        lines.append(line.rstrip())
        if needle in line:
            return (time.perf_counter() - t0) * 1000
    raise RuntimeError(f"the process exited before logging {needle!r}")


def figure(lines, prefix):
    """The number after `prefix` in the log lines ("window requested 12 ms" -> 12)."""
    for line in lines:
        at = line.find(prefix)
        if at >= 0:
            try:
                return float(line[at + len(prefix):].split()[0])
            except (IndexError, ValueError):
                return None
    return None


def marks(lines):
    for line in lines:
        at = line.find("ui marks ")
        if at >= 0:
            return {k: float(v) for k, v in (p.split("=") for p in line[at + 9:].split() if "=" in p)}
    return {}


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def one_run(binary, settle, profile=None, expect=None):
    """A cold start to the first screen, then the memory once it settled. With `profile`, on a
    fresh copy of it; with `expect`, the first screen must be that one."""
    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        home = tmp
        if profile is not None:
            home = os.path.join(tmp, "profile")
            shutil.copytree(profile, home, symlinks=True)  # modes kept: 0700 folders, 0600 files
        env = env_for(home)
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, text=True, start_new_session=True)
        lines = []
        try:
            ready = read_until(proc, "ui ready", t0, lines)
            screen = screen_of(lines[-1])
            if expect is not None and screen != expect:
                raise RuntimeError(f"the first screen was {screen!r}, not {expect!r}: {lines[-1]}")
            time.sleep(settle)  # let the page settle before measuring memory (a benchmark, not a test)
            return {
                "start_ms": ready,
                "screen": screen,
                "memory": measure(proc.pid),
                "window_requested_ms": figure(lines, "window requested "),
                "page_began_ms": figure(lines, "page began "),
                "marks": marks(lines),
            }
        finally:
            stop(proc)


def start_seeder(seeder, profile, tickets):
    """seed-profile making `profile` and then serving its simulator: its KEY=value lines."""
    proc = subprocess.Popen([seeder, "--profile", str(profile), "--tickets", str(tickets), "--serve"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    info = {}
    for line in proc.stdout:
        key, _, value = line.strip().partition("=")
        if value:
            info[key] = value
        if key == "PROFILE_READY":
            return proc, info
    proc.wait()
    raise RuntimeError(f"seed-profile ended (exit {proc.returncode}) before the profile was ready")


def tray_run(binary, settle):
    """Started at login (--minimized): memory with only the tray; then a second launch opens the
    window, timed to its first screen, and the memory with the window open."""
    with tempfile.TemporaryDirectory(prefix="tb-bench-") as home:
        env = env_for(home)
        proc = subprocess.Popen([binary, "--minimized"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, text=True,
                                start_new_session=True)
        lines = []
        try:
            read_until(proc, "started in the tray", time.perf_counter(), lines)
            time.sleep(settle)
            tray_only = measure(proc.pid)
            t0 = time.perf_counter()
            subprocess.run([binary], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30, check=False)
            reopen = read_until(proc, "ui ready", t0, lines)
            return {"tray_only": tray_only, "reopen_ms": reopen}
        finally:
            stop(proc)


def start_steps(runs):
    """Medians of where a start went: Rust's steps and the page's marks."""
    steps = {}
    for key in ("window_requested_ms", "page_began_ms"):
        vals = [r[key] for r in runs if r[key] is not None]
        if vals:
            steps[key] = statistics.median(vals)
    for mark in sorted({m for r in runs for m in r["marks"]}):
        vals = [r["marks"][mark] for r in runs if mark in r["marks"]]
        steps[f"page_{mark}_ms"] = statistics.median(vals)
    return steps


def summary(runs):
    starts = [r["start_ms"] for r in runs]
    return {
        "start_ms_median": statistics.median(starts),
        "start_ms_min": min(starts),
        "start_ms_max": max(starts),
        "runs": len(runs),
        "screens": sorted({r["screen"] for r in runs if r["screen"]}),
        **median_memory(runs),
    }


def compare(a, b):
    """`a` against `b`: start and memory ratios, memory differences (MiB)."""
    return (
        {
            "start": a["start_ms_median"] / b["start_ms_median"],
            "pss": a["pss_mib_median"] / b["pss_mib_median"],
            "uss": a["uss_mib_median"] / b["uss_mib_median"],
        },
        {
            "pss": a["pss_mib_median"] - b["pss_mib_median"],
            "uss": a["uss_mib_median"] - b["uss_mib_median"],
        },
    )


def median_memory(runs, key="memory"):
    mems = [r[key] for r in runs]
    names = sorted({n for m in mems for n in m["by_process"]})
    return {
        "pss_mib_median": statistics.median(m["pss"] for m in mems),
        "uss_mib_median": statistics.median(m["uss"] for m in mems),
        "processes": mems[0]["processes"],
        "by_process": {
            n: {
                "pss_mib_median": statistics.median(m["by_process"].get(n, {"pss": 0})["pss"] for m in mems),
                "uss_mib_median": statistics.median(m["by_process"].get(n, {"uss": 0})["uss"] for m in mems),
            }
            for n in names
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", required=True)
    ap.add_argument("--bare", required=True)
    ap.add_argument("--seeder", help="seed-profile: adds the connected scenario")
    ap.add_argument("--tickets", type=int, default=10_000, help="cached tickets of the connected scenario")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--settle", type=float, default=6.0, help="seconds from paint to the memory reading")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    APP, BARE = "Ticket Bridge", "bare window"
    CONNECTED = f"Ticket Bridge, connected, {args.tickets:,} cached tickets"
    results = {"settle_s": args.settle}
    for name, binary in ((BARE, args.bare), (APP, args.app)):
        one_run(binary, args.settle)  # warm the page cache; not counted
        runs = [one_run(binary, args.settle) for _ in range(args.runs)]
        results[name] = summary(runs)
        if name == APP:
            results[name]["start_steps_median"] = start_steps(runs)
            trays = [tray_run(binary, args.settle) for _ in range(args.runs)]
            results[name]["tray_only"] = median_memory(trays, "tray_only")
            results[name]["reopen_ms_median"] = statistics.median(t["reopen_ms"] for t in trays)
    if args.seeder:
        with tempfile.TemporaryDirectory(prefix="tb-bench-seed-") as tmp:
            profile = Path(tmp) / "profile"
            seeder, seeded = start_seeder(args.seeder, profile, args.tickets)
            try:
                # The warm-up start also proves the profile: connected, from the cache.
                one_run(args.app, args.settle, profile, expect="home:connected")
                runs = [one_run(args.app, args.settle, profile, expect="home:connected")
                        for _ in range(args.runs)]
            finally:
                stop(seeder)
        results[CONNECTED] = {
            **summary(runs),
            "start_steps_median": start_steps(runs),
            "profile": {k.lower(): v for k, v in seeded.items() if k != "PROFILE_READY"},
        }
    a, b = results[APP], results[BARE]
    results["ratio"], results["difference_mib"] = compare(a, b)
    names = [BARE, APP]
    if CONNECTED in results:
        c = results[CONNECTED]
        results["ratio_connected"], results["difference_mib_connected"] = compare(c, b)
        results["connected_vs_empty"] = dict(zip(("ratio", "difference_mib"), compare(c, a)))
        names.append(CONNECTED)

    width = max(len(n) for n in names)
    print(f"settled {args.settle:g} s after paint before each memory reading")
    print(f"{'':{width}} {'start (median, ms)':>20} {'min-max':>14} {'USS (MiB)':>10} {'PSS (MiB)':>10} {'processes':>10}")
    for name in names:
        r = results[name]
        print(f"{name:{width}} {r['start_ms_median']:>20.0f} {r['start_ms_min']:>6.0f}-{r['start_ms_max']:<7.0f}"
              f" {r['uss_mib_median']:>10.1f} {r['pss_mib_median']:>10.1f} {r['processes']:>10}")
        for proc_name, m in r["by_process"].items():
            print(f"  {proc_name:{width + 18}} {m['uss_mib_median']:>10.1f} {m['pss_mib_median']:>10.1f}")
    print(f"ratio Ticket Bridge / bare: start {results['ratio']['start']:.2f}x; "
          f"memory {results['difference_mib']['uss']:+.1f} MiB USS, {results['difference_mib']['pss']:+.1f} MiB PSS")
    if CONNECTED in results:
        print(f"ratio connected / bare: start {results['ratio_connected']['start']:.2f}x; "
              f"memory {results['difference_mib_connected']['uss']:+.1f} MiB USS, "
              f"{results['difference_mib_connected']['pss']:+.1f} MiB PSS")
        e = results["connected_vs_empty"]
        print(f"connected / empty profile: start {e['ratio']['start']:.2f}x; "
              f"memory {e['difference_mib']['uss']:+.1f} MiB USS, {e['difference_mib']['pss']:+.1f} MiB PSS")
    for name in names[1:]:
        print(f"{name}'s start, medians (ms after the process started, page marks after the page began):")
        for k, v in results[name]["start_steps_median"].items():
            print(f"  {k:28} {v:>8.0f}")
    t = a["tray_only"]
    print(f"tray only (--minimized): USS {t['uss_mib_median']:.1f} MiB, PSS {t['pss_mib_median']:.1f} MiB, "
          f"{t['processes']} process(es): " + ", ".join(f"{n} {m['uss_mib_median']:.1f}" for n, m in t["by_process"].items()))
    print(f"opening the window from the tray to its first screen: {a['reopen_ms_median']:.0f} ms (median)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
