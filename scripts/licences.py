#!/usr/bin/env python3
"""Writes ui/licences.json: the crates Ticket Bridge ships, for the About section of Settings.

    python3 scripts/licences.py                 # the host's target; or --target <triple>
    python3 scripts/licences.py --check         # fails when ui/licences.json is out of date

Made from `cargo metadata --locked --offline` (the registry is cached), never by hand: the normal
dependencies (not dev, not build) of the `ticket-bridge` package, followed to the end, for one
target platform, with each crate's name, version, licence expression and repository. The
workspace's own crates are left out (their licence is the app's, in "app"). tests/ui/licences.test.mjs
runs --check, so the file cannot drift from Cargo.lock.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ui" / "licences.json"
APP = "ticket-bridge"


def host_target():
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def build(target):
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", target],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    members = set(meta["workspace_members"])
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    app = next(p for p in meta["packages"] if p["name"] == APP and p["id"] in members)
    seen, todo = set(), [app["id"]]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    crates = []
    for pid in seen - members:
        p = packages[pid]
        licence = p.get("license") or (f"see {p['license_file']}" if p.get("license_file") else "unknown")
        crates.append({
            "name": p["name"],
            "version": p["version"],
            "licence": licence,
            "repository": p.get("repository"),
        })
    crates.sort(key=lambda c: (c["name"], c["version"]))
    return {
        "generatedBy": "scripts/licences.py",
        "target": target,
        "app": {"name": app["name"], "version": app["version"], "licence": app.get("license")},
        "crates": crates,
    }


def text(data):
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--target", help="the target triple (default: the file's when checking, else the host's)")
    args.add_argument("--check", action="store_true", help="compare with ui/licences.json instead of writing it")
    a = args.parse_args()
    if a.check:
        try:
            current = OUT.read_text(encoding="utf-8")
            target = a.target or json.loads(current)["target"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"{OUT.relative_to(ROOT)} is missing or unreadable ({e}): run python3 scripts/licences.py")
        if text(build(target)) != current:
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date with Cargo.lock: run python3 scripts/licences.py")
        return
    OUT.write_text(text(build(a.target or host_target())), encoding="utf-8")


if __name__ == "__main__":
    main()
