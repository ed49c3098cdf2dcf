#!/usr/bin/env python3
# apim-proxy-backend.py: a counting backend for tests/apim-proxy*.bats.  Each
# complete request (body read whole, Content-Length or chunked) appends one
# line "METHOD PATH?QUERY" to LOG, then gets 200 and a JSON echo of what came:
# method, path, headers, body length (and Vary: V for X-Reply-Vary: V).
# Prints "listening on 127.0.0.1:PORT".
# With BACKEND_TLS_CERT and BACKEND_TLS_KEY (PEM files) it speaks https.
# usage: apim-proxy-backend.py LOG [NAME [PORT]]
import json, os, ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
NAME = sys.argv[2] if len(sys.argv) > 2 else "backend"
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            n = 0
            while True:
                line = self.rfile.readline()
                if not line:
                    return None
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return n
                data = self.rfile.read(size + 2)
                if len(data) < size + 2:
                    return None
                n += size
        length = int(self.headers.get("Content-Length", "0"))
        left = length
        while left > 0:
            data = self.rfile.read(min(left, 65536))
            if not data:
                return None
            left -= len(data)
        return length

    def handle_any(self):
        n = self.body()
        if n is None:
            return
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        out = json.dumps({"backend": NAME, "method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "bytes": n}).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.headers.get("X-Reply-Vary"):
            self.send_header("Vary", self.headers["X-Reply-Vary"])
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any

ThreadingHTTPServer.allow_reuse_address = True
s = ThreadingHTTPServer(("127.0.0.1", PORT), H)
if os.environ.get("BACKEND_TLS_CERT"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.environ["BACKEND_TLS_CERT"], os.environ["BACKEND_TLS_KEY"])
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("listening on 127.0.0.1:%d" % s.server_address[1], flush=True)
s.serve_forever()
