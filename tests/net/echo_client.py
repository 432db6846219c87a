#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""echo_client.py: host-side checks against the guest's `echo PORT` command.

  echo_client.py HOST PORT bulk MB      MB each way, verified by SHA-256
  echo_client.py HOST PORT seq N        N sequential connections, one exchange
  echo_client.py HOST PORT conc N       N connections open at once
  echo_client.py HOST PORT vanish MB    send MB, then close with unread data
                                        (RST) mid-transfer
Prints one line per check ("ok ..." or "FAIL ...") and exits non-zero on a
failure. Standard library only."""
import hashlib
import socket
import sys
import threading
import time

TIMEOUT = 120


def connect(host, port):
    # slirp accepts the host side at once and closes it if the guest does
    # not answer, so a refused or reset first attempt is retried.
    for attempt in range(20):
        try:
            s = socket.create_connection((host, port), timeout=TIMEOUT)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        except OSError:
            if attempt == 19:
                raise
            time.sleep(0.5)


def pattern(n, seed):
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


def bulk(host, port, mb):
    n = mb * 1024 * 1024
    s = connect(host, port)
    chunk = pattern(1 << 20, mb)
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    got = [0]

    def reader():
        while got[0] < n:
            b = s.recv(1 << 16)
            if not b:
                break
            got_hash.update(b)
            got[0] += len(b)

    t0 = time.time()
    th = threading.Thread(target=reader)
    th.start()
    left = n
    while left:
        c = chunk[: min(left, len(chunk))]
        s.sendall(c)
        sent_hash.update(c)
        left -= len(c)
    th.join()
    dt = time.time() - t0
    s.close()
    if got[0] != n or got_hash.digest() != sent_hash.digest():
        return f"FAIL bulk {mb} MB: got {got[0]} bytes, checksum " + (
            "ok" if got_hash.digest() == sent_hash.digest() else "differs")
    return f"ok bulk {mb} MB each way, checksum equal, {dt:.1f} s " \
           f"({mb / dt:.2f} MB/s each way)"


def exchange(host, port, i):
    s = connect(host, port)
    msg = b"hello %d\n" % i
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        b = s.recv(100)
        if not b:
            break
        got += b
    s.close()
    return got == msg


def seq(host, port, n):
    t0 = time.time()
    for i in range(n):
        if not exchange(host, port, i):
            return f"FAIL seq: connection {i} echoed wrong data"
    dt = time.time() - t0
    return f"ok seq {n} connections, {n / dt:.1f} per s"


def conc(host, port, n):
    socks = [connect(host, port) for _ in range(n)]
    for i, s in enumerate(socks):  # all open before any is used
        s.sendall(b"conn %d\n" % i)
    bad = 0
    for i, s in enumerate(socks):
        msg, got = b"conn %d\n" % i, b""
        while len(got) < len(msg):
            b = s.recv(100)
            if not b:
                break
            got += b
        bad += got != msg
    for s in socks:
        s.close()
    if bad:
        return f"FAIL conc: {bad} of {n} connections echoed wrong data"
    return f"ok conc {n} connections open at once"


def vanish(host, port, mb):
    s = connect(host, port)
    # Nothing is read back, so once both directions' buffers are full the
    # sends stall (the guest's echo waits for us): stop there.
    s.settimeout(5)
    data = pattern(1 << 20, 7)
    try:
        for _ in range(mb):
            s.sendall(data)
    except socket.timeout:
        pass
    # Unread echoed data makes close() send RST: the peer vanishes.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    s.close()
    return f"ok vanish after {mb} MB sent"


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    host, port, what, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        int(sys.argv[4])
    fn = {"bulk": bulk, "seq": seq, "conc": conc, "vanish": vanish}[what]
    try:
        line = fn(host, port, n)
    except OSError as e:
        line = f"FAIL {what} {n}: {e!r}"
    print(line, flush=True)
    return 0 if line.startswith("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
