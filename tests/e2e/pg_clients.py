#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/e2e/pg_clients.py: the database server through a second client
# library (Debian's python3-psycopg2) and through raw protocol messages.
# Prints "ok NAME" per check that held, "FAIL NAME: why" otherwise.
#
# Usage: pg_clients.py HOST PORT PASSWORD
import base64, hashlib, hmac, os, socket, struct, sys, threading, time

import psycopg2

host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def check(name, cond, why=""):
    print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, why)), flush=True)


def connect():
    c = psycopg2.connect(host=host, port=port, user="postgres",
                         password=password, dbname="postgres",
                         connect_timeout=30)
    c.autocommit = True
    return c


def psycopg2_basics():
    c = connect()
    cur = c.cursor()
    cur.execute("create table py (id int primary key, name text, n bigint)")
    cur.executemany("insert into py values (%s, %s, %s)",
                    [(1, "one", 10), (2, "it's", None), (3, "three", 30)])
    cur.execute("select id, name, n from py where id >= %s order by id", (2,))
    rows = cur.fetchall()
    check("psycopg2-params", rows == [(2, "it's", None), (3, "three", 30)], rows)
    import io
    cur.copy_expert("copy py from stdin with (format csv)",
                    io.StringIO('4,"four, quoted",40\n5,,\n'))
    out = io.StringIO()
    cur.copy_expert("copy (select id, name from py where id >= 4 order by id) "
                    "to stdout with csv header", out)
    check("psycopg2-copy", out.getvalue() == 'id,name\n4,"four, quoted"\n5,\n',
          repr(out.getvalue()))
    try:
        cur.copy_expert("copy py from stdin", io.StringIO("6\tsix\t60\n7\tx\n"))
        check("psycopg2-copy-error", False, "no error")
    except psycopg2.Error as e:
        check("psycopg2-copy-error", e.pgcode == "22P04" and
              "COPY py, line 2" in (e.diag.context or ""), (e.pgcode, e.diag.context))
    cur.execute("select count(*) from py")
    check("psycopg2-copy-atomic", cur.fetchone()[0] == 5)
    try:
        cur.execute("insert into py values (1, 'dup', 0)")
        check("psycopg2-error", False, "no error")
    except psycopg2.Error as e:
        check("psycopg2-error", e.pgcode == "23505", e.pgcode)
    # a cancel: psycopg2 sends CancelRequest with the BackendKeyData
    t = threading.Timer(1.0, c.cancel)
    t.start()
    try:
        cur.execute("select pg_sleep(60)")
        check("psycopg2-cancel", False, "not cancelled")
    except psycopg2.Error as e:
        check("psycopg2-cancel", e.pgcode == "57014" and
              "user request" in str(e), (e.pgcode, str(e)))
    cur.execute("select 1")
    check("psycopg2-after-cancel", cur.fetchone() == (1,))
    try:
        psycopg2.connect(host=host, port=port, user="eve", password="wrong",
                         dbname="postgres", connect_timeout=30)
        check("psycopg2-wrong-password", False, "logged in")
    except psycopg2.OperationalError as e:
        check("psycopg2-wrong-password",
              'password authentication failed for user "eve"' in str(e), str(e))
    c.close()


# ---- raw protocol ----------------------------------------------------------

def msg(t, body):
    return t + struct.pack("!I", len(body) + 4) + body


def recv_msg(s):
    hdr = b""
    while len(hdr) < 5:
        k = s.recv(5 - len(hdr))
        if not k:
            return None, None
        hdr += k
    n = struct.unpack("!I", hdr[1:])[0] - 4
    body = b""
    while len(body) < n:
        k = s.recv(n - len(body))
        if not k:
            return None, None
        body += k
    return hdr[:1], body


def raw_login():
    """Startup and SCRAM-SHA-256 by hand (RFC 5802); returns the socket."""
    s = socket.create_connection((host, port), timeout=60)
    params = b"user\0postgres\0database\0postgres\0\0"
    body = struct.pack("!I", 196608) + params
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    t, b = recv_msg(s)
    assert t == b"R" and struct.unpack("!I", b[:4])[0] == 10, (t, b)
    cnonce = base64.b64encode(os.urandom(18)).decode()
    bare = "n=,r=" + cnonce
    first = ("n,," + bare).encode()
    s.sendall(msg(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first))
    t, b = recv_msg(s)
    sfirst = b[4:].decode()
    attrs = dict(kv.split("=", 1) for kv in sfirst.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]), int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", "sha256").digest()
    final_wo = "c=biws,r=" + attrs["r"]
    auth = ",".join([bare, sfirst, final_wo]).encode()
    sig = hmac.new(hashlib.sha256(ckey).digest(), auth, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(ckey, sig))
    s.sendall(msg(b"p", (final_wo + ",p=" + base64.b64encode(proof).decode()).encode()))
    while True:
        t, b = recv_msg(s)
        if t == b"Z" or t is None:
            return s
        if t == b"R" and struct.unpack("!I", b[:4])[0] == 12:
            skey = hmac.new(salted, b"Server Key", "sha256").digest()
            want = base64.b64encode(hmac.new(skey, auth, "sha256").digest())
            assert b[4:] == b"v=" + want, "server signature"


def error_fields(b):
    return dict((f[:1].decode(), f[1:].decode()) for f in b.split(b"\0") if f)


def raw_copy_protocol_violation():
    s = raw_login()
    s.sendall(msg(b"Q", b"create table raw (a int)\0"))
    while recv_msg(s)[0] not in (b"Z", None):
        pass
    s.sendall(msg(b"Q", b"copy raw from stdin\0"))
    t, b = recv_msg(s)
    check("raw-copy-in-response", t == b"G", t)
    s.sendall(msg(b"d", b"1\n2\n"))
    s.sendall(msg(b"Q", b"select 1\0"))  # not allowed inside COPY
    fields, closed = {}, False
    while True:
        t, b = recv_msg(s)
        if t is None:
            closed = True
            break
        if t == b"E":
            fields = error_fields(b)
    check("raw-copy-violation-08P01", fields.get("C") == "08P01" and
          fields.get("S") == "FATAL", fields)
    check("raw-copy-violation-closed", closed)
    s.close()
    # a truncated CopyData length: also a violation, server still serves
    s = raw_login()
    s.sendall(msg(b"Q", b"copy raw from stdin\0"))
    recv_msg(s)
    s.sendall(b"d" + struct.pack("!I", 2))
    t, b = recv_msg(s)
    check("raw-copy-bad-length", t == b"E" and
          error_fields(b).get("C") == "08P01", (t, b))
    s.close()
    c = connect()
    cur = c.cursor()
    cur.execute("select count(*) from raw")
    check("raw-copy-nothing-loaded", cur.fetchone()[0] == 0)
    c.close()


def raw_client_killed_mid_statement():
    """A client that leaves during pg_sleep(600): its statement must stop,
    which a writer waiting for the catalog lock shows (it could not run
    while the sleeping reader holds the lock)."""
    s = raw_login()
    s.sendall(msg(b"Q", b"select pg_sleep(600)\0"))
    time.sleep(1)
    s.close()
    c = connect()
    cur = c.cursor()
    t0 = time.time()
    cur.execute("create table after_kill (a int)")
    check("raw-killed-client-stops-statement", time.time() - t0 < 300)
    c.close()


psycopg2_basics()
raw_copy_protocol_violation()
raw_client_killed_mid_statement()
