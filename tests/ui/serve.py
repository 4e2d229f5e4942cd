#!/usr/bin/env python3
"""Serve ui/ on 127.0.0.1 with the app's Content-Security-Policy, for previews.

    python3 tests/ui/serve.py [PORT] [--exact-csp] [--mock]

By default connect-src also allows 'self', which the UI needs to fetch its
locale files; --exact-csp serves the policy without it, to show the difference.
--mock injects tests/ui/preview-mock.js (a fake window.__TAURI__) into index.html,
so states like "connected" or a rejected sign-in can be previewed in a browser.
"""
import functools
import http.server
import sys
from pathlib import Path

UI = Path(__file__).resolve().parent.parent.parent / "ui"
EXACT = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ipc: http://ipc.localhost"
WITH_SELF = EXACT.replace("connect-src ipc:", "connect-src 'self' ipc:")


MOCK = Path(__file__).resolve().parent / "preview-mock.js"


class Handler(http.server.SimpleHTTPRequestHandler):
    csp = WITH_SELF
    mock = False

    def do_GET(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.mock and path == "/__preview__/mock.js":
            return self._send(MOCK.read_bytes(), "text/javascript")
        if self.mock and path in ("/", "/index.html"):
            html = (UI / "index.html").read_text(encoding="utf-8")
            tag = '<script src="/__preview__/mock.js"></script>\n  <script type="module"'
            return self._send(html.replace('<script type="module"', tag, 1).encode(), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self):
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    port = int(args[0]) if args else 8000
    Handler.mock = "--mock" in sys.argv
    if "--exact-csp" in sys.argv:
        Handler.csp = EXACT
    handler = functools.partial(Handler, directory=str(UI))
    Handler.extensions_map.update({".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"})
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {UI} on http://127.0.0.1:{port}/ (CSP: {Handler.csp})", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
