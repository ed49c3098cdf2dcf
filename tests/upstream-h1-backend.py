#!/usr/bin/env python3
# upstream-h1-backend.py: a raw HTTP/1.1 backend for tests/upstream-h1.bats
# that sends canned (also malformed) responses chosen by the request path and
# logs "CONN N PATH" per request to the file named by its argument.
#   /ok        200, Content-Length 2, "ok"
#   /both      Content-Length and Transfer-Encoding (smuggling): must be 502
#   /twocl     two Content-Length fields
#   /fold      an obs-fold continuation line
#   /ctl       a control character in a header value
#   /lf        bare LF line ends
#   /status    a four-digit status
#   /gzip      Transfer-Encoding: gzip, chunked
#   /extra     "ok" and then bytes after the response (a second response)
#   /continue  100 Continue first, then 200 "ok"
#   /eof       no framing: the body ends when the connection closes
#   /badchunk  a chunked body with a bad chunk size after the first chunk
#   /close     200 "ok" with keep-alive, then the connection is closed
#   /hop       hop-by-hop fields, one its Connection names, a Date, the
#              proxy's own X-Proxy and a field to keep, chunked "ok"
#   /drop2     the 2nd request on a connection is read and the connection
#              closed without a byte of answer (a kept connection the
#              backend timed out just as the proxy reused it)
import socket, sys, threading

log = open(sys.argv[1], "a", buffering=1)
lock = threading.Lock()
nconn = [0]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
CANNED = {
    "/ok": OK,
    "/both": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "/twocl": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "/fold": b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    "/ctl": b"HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok",
    "/lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "/status": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
    "/gzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "/extra": OK + b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil",
    "/continue": b"HTTP/1.1 100 Continue\r\n\r\n" + OK,
    "/hop": b"HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
            b"Keep-Alive: timeout=5\r\nUpgrade: h2c\r\nTE: trailers\r\n"
            b"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nX-PROXY: backend\r\n"
            b"X-Keep: yes\r\ncontent-type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nok\r\n0\r\n\r\n",
    "/badchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n",
}

def read_request(f):
    line = f.readline()
    if not line:
        return None
    clen = 0
    chunked = False
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode().partition(":")
        if k.lower() == "content-length":
            clen = int(v)
        if k.lower() == "transfer-encoding":
            chunked = True
    if chunked:
        while True:
            n = int(f.readline().split(b";")[0], 16)
            f.read(n + 2)
            if n == 0:
                break
    elif clen:
        f.read(clen)
    return line.split()[1].decode()

def serve(c, n):
    f = c.makefile("rb")
    k = 0
    try:
        while True:
            path = read_request(f)
            if path is None:
                return
            k += 1
            log.write("%d %s\n" % (n, path))
            if path == "/drop2" and k == 2:
                return
            if path == "/eof":
                c.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
                return
            c.sendall(CANNED.get(path, OK))
            if path == "/close":
                return
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    with lock:
        nconn[0] += 1
        n = nconn[0]
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
