#!/usr/bin/env python3
"""A stand-in Metabase for scripts/contract: answers the calls `POST
/organizations/{id}/metabase/recreate` makes (create a collection, copy the template dashboards
into it, list and archive collections), so that the Metabase routes can succeed in the contract
run as they do against a real Metabase (tests/src/metabase_stub.rs is the tests' own).

Usage: contract_metabase_stub.py PORT
"""

import itertools
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ids = itertools.count(100)
collections = {}


class Handler(BaseHTTPRequestHandler):
    def answer(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def do_GET(self):
        if self.path.startswith("/api/collection"):
            return self.answer(list(collections.values()))
        self.answer({"message": "not found"}, 404)

    def do_POST(self):
        body = self.body()
        if self.path == "/api/collection":
            c = {"id": next(ids), "name": body.get("name", ""), "archived": False}
            collections[c["id"]] = c
            return self.answer(c)
        m = re.fullmatch(r"/api/dashboard/(\d+)/copy", self.path)
        if m:
            return self.answer({"id": next(ids), "name": f"Dashboard {m.group(1)}"})
        self.answer({"message": "not found"}, 404)

    def do_PUT(self):
        body = self.body()
        m = re.fullmatch(r"/api/collection/(\d+)", self.path)
        if m and int(m.group(1)) in collections:
            collections[int(m.group(1))].update(body)
            return self.answer(collections[int(m.group(1))])
        self.answer({"message": "not found"}, 404)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
