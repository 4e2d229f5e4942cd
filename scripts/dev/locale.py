#!/usr/bin/env python3
"""Edits ui/locales/*.json safely when several people (or agents) edit them at once.

    python3 scripts/dev/locale.py set FILE.json      # {"a.b.key": {"en": "...", "fr": "...", ...}, ...}
    python3 scripts/dev/locale.py delete a.b.key [more.keys ...]
    python3 scripts/dev/locale.py get a.b.key

A value may be a string or, for plurals, an object of CLDR categories ({"one": ..., "other": ...}).
Every write takes one lock for all six files, reads them fresh, changes them and writes them back
in the catalogs' own format (2-space indent, UTF-8, final newline), so no edit overwrites another.
"""
import fcntl
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "ui" / "locales"
LANGS = ["en", "fr", "ja", "nl", "sv", "zh-TW"]


def load(lang):
    return json.loads((ROOT / f"{lang}.json").read_text(encoding="utf-8"))


def save(lang, data):
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    tmp = ROOT / f".{lang}.json.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(ROOT / f"{lang}.json")


def put(data, key, value):
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SystemExit(f"{key}: {part} is a string, not a group")
    node[parts[-1]] = value


def drop(data, key):
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(parts[-1], None)


def get(data, key):
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    with open(Path(tempfile.gettempdir()) / "ticket-bridge-locales.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        all_data = {lang: load(lang) for lang in LANGS}
        if cmd == "get":
            for key in args:
                for lang in LANGS:
                    print(f"{lang}\t{key}\t{json.dumps(get(all_data[lang], key), ensure_ascii=False)}")
            return
        if cmd == "set":
            changes = json.loads(Path(args[0]).read_text(encoding="utf-8"))
            for key, per_lang in changes.items():
                missing = [lang for lang in LANGS if lang not in per_lang]
                if missing:
                    raise SystemExit(f"{key}: no text for {', '.join(missing)}")
                for lang in LANGS:
                    put(all_data[lang], key, per_lang[lang])
        elif cmd == "delete":
            for key in args:
                for lang in LANGS:
                    drop(all_data[lang], key)
        else:
            raise SystemExit(__doc__)
        for lang in LANGS:
            save(lang, all_data[lang])


if __name__ == "__main__":
    main()
