#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/net/e2e.sh [--full]: from the host against the guest's `echo 7`
# over `tools/run --net user --port P:7` (tests/net/echo_client.py does the
# talking): bulk data each way verified by SHA-256, sequential and
# concurrent connections, a peer that vanishes mid-transfer (the server
# must go on serving). Short sizes by default (make test, TCG); --full
# uses the sizes of issue 10 (100 MB, 1000 sequential, 200 concurrent).
# Prints "ok"/"FAIL" lines and "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
C=tests/net/echo_client.py
MB=4 SEQ=50 CONC=20
if [[ ${1:-} == --full ]]; then MB=100 SEQ=1000 CONC=200; fi
passed=0 failed=0
check() { # client args...
	local line
	line=$($C 127.0.0.1 "$port" "$@" 2>&1 | tail -n 1)
	echo "$line"
	if [[ $line == ok* ]]; then ((passed++)); else ((failed++)); fi
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/unidb-net-e2e.XXXXXX)
tools/run --quiet --net user --port "$port:7" --timeout 1200 \
	--append "echo 7" >"$log" 2>&1 &
qpid=$!
for _ in $(seq 300); do
	grep -q '^echo: listening' "$log" && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 1
done
if grep -q '^echo: listening' "$log"; then
	check bulk "$MB"
	check seq "$SEQ"
	check conc "$CONC"
	check vanish 2
	check seq 3 # still serving after the peer vanished
else
	echo "FAIL net-e2e: the guest's echo server did not start"
	((failed++))
fi
grep -q '^net: eth0 10.0.2.15/24 gw 10.0.2.2 (dhcp)' "$log" &&
	((passed++)) || { echo "FAIL net-e2e: no DHCP address line"; ((failed++)); }
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
grep -E '^(echo:|net:|panic|FAIL)' "$log" | head -n 20 | sed 's/^/  guest: /'
rm -f "$log"
echo "$passed passed, $failed failed"
((failed == 0))
