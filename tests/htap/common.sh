# SPDX-License-Identifier: MIT
# tests/htap/common.sh: what tests/htap/run and expected-from-postgres share:
# the data set (generated once per scale and seed under build/htap) and
# loading it through psql's \copy.
HTAP_SCALE=${HTAP_SCALE:-0.01}
HTAP_SEED=${HTAP_SEED:-1}
HTAP_QUERIES=(q01 q03 q05 q06 q10 q12 q14)

# Prints the data directory, generating it if missing or older than the
# generator.
htap_data() {
	local dir=build/htap/sf$HTAP_SCALE-seed$HTAP_SEED
	if [[ ! -f $dir/done || bench/htap/tpch-gen -nt $dir/done ]]; then
		rm -rf "$dir"
		bench/htap/tpch-gen --scale "$HTAP_SCALE" --seed "$HTAP_SEED" "$dir" >&2 &&
			touch "$dir/done" || return 1
	fi
	echo "$dir"
}

# htap_load DIR PSQL-ARGS...: creates the tables and loads them.
htap_load() {
	local dir=$1 t
	shift
	psql -X -q -v ON_ERROR_STOP=1 "$@" -f "$dir/schema.sql" || return 1
	for t in region nation supplier part customer orders lineitem; do
		psql -X -q -v ON_ERROR_STOP=1 "$@" \
			-c "\\copy $t FROM '$dir/$t.csv' WITH (FORMAT csv)" || return 1
	done
}

# htap_query NAME PSQL-ARGS...: one query's output as the tests compare it.
# HTAP_PREFIX: SQL sent before the query in the same session (a SET).
htap_query() {
	local q=$1
	shift
	{
		[[ -z ${HTAP_PREFIX:-} ]] || echo "$HTAP_PREFIX"
		cat "bench/htap/queries/$q.sql"
	} | env -i PATH="$PATH" LC_ALL=C.UTF-8 psql -X -q -A "$@" -f - 2>&1
}
