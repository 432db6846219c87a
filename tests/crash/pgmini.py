# SPDX-License-Identifier: MIT
"""pgmini: the smallest PostgreSQL protocol v3 client the crash test needs.

Simple query only, trust authentication, text results. Standard library
only, so the crash test runs wherever python3 does; a broken connection
(the server was killed) raises ConnectionError from every call.
"""
import socket
import struct


class PgError(Exception):
    def __init__(self, fields):
        self.fields = fields
        self.sqlstate = fields.get('C', '')
        super().__init__('%s %s: %s' % (fields.get('S', 'ERROR'),
                                         self.sqlstate, fields.get('M', '')))


class Conn:
    def __init__(self, host, port, user='postgres', database='postgres',
                 timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        body = struct.pack('!I', 196608)
        for k, v in (('user', user), ('database', database)):
            body += k.encode() + b'\0' + v.encode() + b'\0'
        body += b'\0'
        self.sock.sendall(struct.pack('!I', len(body) + 4) + body)
        while True:
            t, payload = self._msg()
            if t == b'R':
                if struct.unpack('!I', payload[:4])[0] != 0:
                    raise PgError({'M': 'authentication other than trust'})
            elif t == b'E':
                raise PgError(self._fields(payload))
            elif t == b'Z':
                self.status = payload[:1]
                return

    def _recv(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('server closed the connection')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _msg(self):
        hdr = self._recv(5)
        n = struct.unpack('!I', hdr[1:])[0]
        return hdr[:1], self._recv(n - 4)

    @staticmethod
    def _fields(payload):
        out = {}
        for part in payload.split(b'\0'):
            if part:
                out[chr(part[0])] = part[1:].decode(errors='replace')
        return out

    def query(self, sql):
        """Runs sql (one or more statements); returns the rows of the last
        result (lists of str/None); raises PgError for an error, after the
        server is ready again."""
        body = sql.encode() + b'\0'
        self.sock.sendall(b'Q' + struct.pack('!I', len(body) + 4) + body)
        rows, err = [], None
        while True:
            t, payload = self._msg()
            if t == b'T':
                rows = []
            elif t == b'D':
                n = struct.unpack('!H', payload[:2])[0]
                off, row = 2, []
                for _ in range(n):
                    ln = struct.unpack('!i', payload[off:off + 4])[0]
                    off += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(payload[off:off + ln].decode())
                        off += ln
                rows.append(row)
            elif t == b'E':
                err = PgError(self._fields(payload))
            elif t == b'Z':
                self.status = payload[:1]
                if err:
                    raise err
                return rows

    def close(self):
        try:
            self.sock.sendall(b'X\0\0\0\4')
        except OSError:
            pass
        self.sock.close()
