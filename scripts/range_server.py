#!/usr/bin/env python3
"""Test harness only: a loopback HTTP server for one folder that honours Range requests.

Usage: range_server.py DIR [--drop-after BYTES] [--log FILE]
Prints the port on stdout once listening. With --drop-after, the first response that would send more
than BYTES bytes is cut off after BYTES bytes (the connection is closed), to test resumed downloads.
Each request's path and Range header are appended to --log as "PATH RANGE" lines.
"""
import argparse
import http.server
import os
import re
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("--drop-after", type=int, default=-1)
parser.add_argument("--log", default=None)
opts = parser.parse_args()
state = {"dropped": False}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        if opts.log:
            with lock, open(opts.log, "a") as f:
                f.write(f"{self.path} {rng or '-'}\n")
        path = os.path.join(opts.dir, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        start, status = 0, 200
        if rng:
            m = re.match(r"bytes=(\d+)-$", rng)
            if not m:
                self.send_response(400); self.send_header("Content-Length", "0"); self.end_headers(); return
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        with lock:
            drop = opts.drop_after >= 0 and not state["dropped"] and len(body) > opts.drop_after
            if drop:
                state["dropped"] = True
        if drop:
            self.wfile.write(body[: opts.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
