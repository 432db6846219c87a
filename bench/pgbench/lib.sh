# SPDX-License-Identifier: MIT
# bench/pgbench/lib.sh: pgbench's invariants, shared by the benchmark
# (bench/pgbench/run) and the test (tests/pgbench/run). Source it from bash;
# set PGB_PSQL to the psql command (array) that reaches the server.
#
#   s0=$(pgb_sums)  ... run pgbench -n ...  s1=$(pgb_sums)
#   pgb_check tpcb|update|select "$s0" "$s1" TRANSACTIONS || echo "$PGB_ERR"
#
# With D = the change of sum(pgbench_history.delta) over one run: the
# change of sum(abalance) is D; for tpcb-like those of sum(bbalance) and
# sum(tbalance) are D too, for simple-update (-N) they are 0; the history
# grows by exactly the transactions pgbench reports (select-only: nothing
# changes at all). Checked on changes, so runs with -n (history kept) can
# follow each other; from freshly loaded tables (all zero) this is the
# same as the sums agreeing.
PGB_ERR=""

# pgb_sums: "abalance bbalance tbalance delta history_rows", one psql call
# (no scalar subqueries, which unidb does not have yet).
pgb_sums() {
	"${PGB_PSQL[@]}" -X -q -At -v ON_ERROR_STOP=1 \
		-c "select coalesce(sum(abalance), 0) from pgbench_accounts" \
		-c "select coalesce(sum(bbalance), 0) from pgbench_branches" \
		-c "select coalesce(sum(tbalance), 0) from pgbench_tellers" \
		-c "select coalesce(sum(delta), 0) from pgbench_history" \
		-c "select count(*) from pgbench_history" 2>&1 | tr '\n' ' '
}

# pgb_check SCRIPT BEFORE AFTER TRANSACTIONS: 0, or 1 with PGB_ERR set.
pgb_check() {
	local w=$1 n=$4 a0 b0 t0 d0 h0 a1 b1 t1 d1 h1 v
	read -r a0 b0 t0 d0 h0 <<<"$2"
	read -r a1 b1 t1 d1 h1 <<<"$3"
	for v in "$a0" "$b0" "$t0" "$d0" "$h0" "$a1" "$b1" "$t1" "$d1" "$h1" "$n"; do
		[[ "$v" =~ ^-?[0-9]+$ ]] || { PGB_ERR="cannot read the sums: '$2' / '$3'"; return 1; }
	done
	local da=$((a1 - a0)) db=$((b1 - b0)) dt=$((t1 - t0)) dd=$((d1 - d0)) dh=$((h1 - h0))
	local want_bt=$dd want_h=$n
	[[ $w == update ]] && want_bt=0
	[[ $w == select ]] && want_h=0
	if ((da != dd || db != want_bt || dt != want_bt || dh != want_h)); then
		PGB_ERR="invariant broken: changes abalance $da bbalance $db tbalance $dt delta $dd history $dh (pgbench: $n transactions)"
		return 1
	fi
}

# pgb_result FILE: "TRANSACTIONS TPS MEAN_MS" from pgbench's output, or 1
# with PGB_ERR set (also when a transaction failed).
pgb_result() {
	local n tps lat
	if ! grep -q '^number of failed transactions: 0 ' "$1"; then
		PGB_ERR="$(grep -m1 -E 'failed transactions|error|ERROR|aborted' "$1" || tail -n 1 "$1")"
		return 1
	fi
	n=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$1")
	tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$1")
	lat=$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' "$1")
	[[ -n "$n" && -n "$tps" && -n "$lat" ]] || { PGB_ERR="no result in pgbench's output"; return 1; }
	echo "$n $tps $lat"
}
