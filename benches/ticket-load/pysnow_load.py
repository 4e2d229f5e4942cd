#!/usr/bin/env python3
"""Fetch the bench's Ticket Bridge tickets with pysnow (PyPI pysnow 0.7.17), for comparison.

Usage: pysnow_load.py http://127.0.0.1:PORT [EXPECTED_COUNT] [--json PATH]

Basic auth as admin, use_ssl=False. Pages the task table with limit 100 and an offset
(the page size Ticket Bridge's fetch_all uses) with fetch_all's query and fields until a
page comes back empty; 5 runs; prints the median and min time (and writes them to PATH as
JSON with --json). Figures only.
"""

import json
import statistics
import sys
import time
from urllib.parse import urlparse

import pysnow

PASSWORD = "Passw0rd!"
PAGE = 100
RUNS = 5
# The same query and fields as Ticket Bridge's fetch_all, so both read the same bytes.
QUERY = (
    "sys_class_nameINincident,change_request^correlation_idSTARTSWITHtb1/local/"
    "^ORDERBYsys_created_on^ORDERBYsys_id"
)
FIELDS = (
    "sys_id,number,sys_class_name,short_description,state,priority,due_date,category,"
    "correlation_id,sys_updated_on,sys_mod_count,active"
).split(",")


def fetch_all(task):
    rows = []
    requests = 0
    offset = 0
    while True:
        page = list(task.get(query=QUERY, fields=FIELDS, limit=PAGE, offset=offset).all())
        requests += 1
        if not page:
            return rows, requests
        rows.extend(page)
        offset += PAGE


def main():
    args = sys.argv[1:]
    out = None
    if "--json" in args:
        at = args.index("--json")
        out = args[at + 1]
        del args[at : at + 2]
    base = urlparse(args[0])
    expected = int(args[1]) if len(args) > 1 else None
    client = pysnow.Client(
        host=base.netloc, user="admin", password=PASSWORD, use_ssl=False
    )
    task = client.resource(api_path="/table/task")
    times = []
    count = requests = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        rows, requests = fetch_all(task)
        times.append((time.perf_counter() - start) * 1000.0)
        count = len(rows)
    print(
        f"pysnow 0.7.17 ({count} records, {requests} requests/run, page size {PAGE}): "
        f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms"
    )
    if expected is not None and count != expected:
        print(f"note: pysnow read {count} records, {expected} inserted")
    if out:
        with open(out, "w") as f:
            json.dump(
                {
                    "median_ms": statistics.median(times),
                    "min_ms": min(times),
                    "times_ms": times,
                    "requests": requests,
                    "records": count,
                },
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()
