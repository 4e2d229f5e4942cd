#!/usr/bin/env python3
"""Drive the simulator with the real pysnow client (PyPI pysnow 0.7.17).

Usage: check_pysnow.py http://127.0.0.1:PORT

Basic auth as admin, use_ssl=False. Creates, queries, pages through (limit 5
over the demo seed), updates and deletes incidents, asserting what comes back.
Prints "N passed, M failed" and exits non-zero on any failure.
"""

import sys
import traceback
from urllib.parse import urlparse

import pysnow
import requests

PASSWORD = "Passw0rd!"
RESULTS = {"passed": 0, "failed": 0}


def check(name):
    def wrap(fn):
        def run(*args):
            try:
                fn(*args)
                RESULTS["passed"] += 1
                print(f"ok   {name}")
            except Exception:  # noqa: BLE001 - report every failure, keep going
                RESULTS["failed"] += 1
                print(f"FAIL {name}")
                traceback.print_exc()

        return run

    return wrap


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


@check("create an incident (201, all strings, priority computed)")
def create(ctx):
    incident = ctx["client"].resource(api_path="/table/incident")
    rec = incident.create(
        payload={
            "short_description": "pysnow: Enable MFA for admins",
            "impact": "1",
            "urgency": "2",
            "priority": "5",
            "correlation_id": "tb1/pysnow/AdminMFAV2/0badf00d",
            "correlation_display": "Ticket Bridge",
        }
    ).one()
    expect(rec["number"].startswith("INC") and len(rec["number"]) == 10, rec["number"])
    expect(rec["priority"] == "2", f"priority {rec['priority']}")
    expect(rec["state"] == "1", f"state {rec['state']}")
    expect(isinstance(rec["opened_by"], dict) and "link" in rec["opened_by"], rec["opened_by"])
    expect(all(isinstance(v, (str, dict)) for v in rec.values()), "values are strings or references")
    ctx["sys_id"] = rec["sys_id"]
    ctx["number"] = rec["number"]


@check("query by number and with QueryBuilder")
def query(ctx):
    incident = ctx["client"].resource(api_path="/table/incident")
    rec = incident.get(query={"number": ctx["number"]}).one()
    expect(rec["sys_id"] == ctx["sys_id"], "same record")
    qb = (
        pysnow.QueryBuilder()
        .field("correlation_id")
        .starts_with("tb1/pysnow/")
        .AND()
        .field("active")
        .equals("true")
    )
    rows = list(incident.get(query=qb).all())
    expect(len(rows) == 1 and rows[0]["number"] == ctx["number"], rows)
    shown = incident.get(query={"sys_id": ctx["sys_id"]}, display_value=True, fields=["state", "priority"]).one()
    expect(shown == {"state": "New", "priority": "2 - High"}, shown)


@check("page through the demo incidents five at a time")
def paging(ctx):
    incident = ctx["client"].resource(api_path="/table/incident")
    first = incident.get(query="ORDERBYnumber", limit=5, offset=0)
    total = int(first.headers["X-Total-Count"])
    expect(total > 10, f"more than two pages (total {total})")
    seen = []
    offset = 0
    pages = 0
    while True:
        page = list(incident.get(query="ORDERBYnumber", limit=5, offset=offset, fields=["number"]).all())
        if not page:
            break
        expect(len(page) <= 5, "page size")
        seen.extend(r["number"] for r in page)
        offset += 5
        pages += 1
    expect(len(seen) == total, f"saw {len(seen)} of {total}")
    expect(len(set(seen)) == total, "no duplicates")
    expect(seen == sorted(seen), "ORDERBYnumber holds across pages")
    expect(pages == (total + 4) // 5, f"{pages} pages")
    rels = {}
    for part in first.headers["Link"].split(","):
        url, rel = part.split(">;rel=")
        rels[rel.strip('"')] = url.lstrip("<")
    expect(list(rels) == ["first", "prev", "next", "last"], rels)
    expect("sysparm_offset=-1" in rels["prev"] and "sysparm_offset=5" in rels["next"], rels)
    streamed = incident.get(query="ORDERBYnumber", limit=5, stream=True).first()
    expect(streamed["number"] == seen[0], "streamed first record")


@check("update (PUT via pysnow), journal entry stored aside")
def update(ctx):
    incident = ctx["client"].resource(api_path="/table/incident")
    rec = incident.update(
        query={"sys_id": ctx["sys_id"]},
        payload={"state": "2", "work_notes": "pysnow was here", "impact": "3", "urgency": "3"},
    ).one()
    expect(rec["state"] == "2", rec["state"])
    expect(rec["priority"] == "5", rec["priority"])
    expect(rec["sys_mod_count"] == "1", rec["sys_mod_count"])
    expect(rec["work_notes"] == "", "journal fields read back empty")
    journal = ctx["client"].resource(api_path="/table/sys_journal_field")
    notes = list(journal.get(query={"element_id": ctx["sys_id"]}).all())
    expect(len(notes) == 1 and notes[0]["value"] == "pysnow was here", notes)
    bad = incident.update(query={"sys_id": ctx["sys_id"]}, payload={"state": "42"}).one()
    expect(bad["state"] == "2", "an invalid choice is left unset")


@check("delete, then the record is gone (404 on direct read)")
def delete(ctx):
    incident = ctx["client"].resource(api_path="/table/incident")
    result = incident.delete(query={"sys_id": ctx["sys_id"]})
    expect(result == {"status": "record deleted"}, result)
    expect(incident.get(query={"sys_id": ctx["sys_id"]}).one_or_none() is None, "gone from queries")
    resp = requests.get(
        f"{ctx['base']}/api/now/table/incident/{ctx['sys_id']}", auth=("admin", PASSWORD), timeout=10
    )
    expect(resp.status_code == 404, resp.status_code)
    expect(resp.json()["error"]["message"] == "No Record found", resp.text)


@check("errors surface: invalid table")
def errors(ctx):
    bogus = ctx["client"].resource(api_path="/table/problem")
    try:
        list(bogus.get(query={}).all())
    except (requests.HTTPError, pysnow.exceptions.ResponseError) as exc:
        expect("400" in str(exc) or "Invalid table" in str(exc), str(exc))
    else:
        raise AssertionError("expected an error for an invalid table")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    base = sys.argv[1].rstrip("/")
    host = urlparse(base).netloc
    client = pysnow.Client(host=host, user="admin", password=PASSWORD, use_ssl=False)
    ctx = {"client": client, "base": base}
    for step in (create, query, paging, update, delete, errors):
        step(ctx)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 0 if RESULTS["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
