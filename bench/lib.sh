# SPDX-License-Identifier: MIT
# bench/lib.sh: shared shell functions for benchmarks that boot unidb and the
# Linux baseline guest on the same virtual hardware, alternately, and collect
# one number per run. Source it from a bash script (set -euo pipefail):
#
#   . "$(dirname "$0")/../lib.sh"
#   bench_init boot                      # name; sets BENCH_ROOT, cds there
#   run_unidb() { ...; BENCH_VALUE=...; }   # one run of each system; $1 = run#
#   run_linux() { ...; BENCH_VALUE=...; }   # return non-zero = benchmark fails
#   bench_alternate 7 unidb linux        # runs alternate, order flips each run
#   bench_table ms                       # table of runs + medians
#   bench_csv bench/results/x.csv "system,run,ms,accel" '$accel'   # see below
#   m=$(bench_median_of unidb)
#
# For boot-type runs, bench_boot_once starts tools/run and timestamps the
# console line matching a regex (QEMU start -> line read), see below.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The one baseline configuration of every comparison (read it).
# shellcheck source=linux/baseline.conf
. "$BENCH_ROOT/bench/linux/baseline.conf"
BENCH_LOGDIR=""
declare -ga BENCH_SYSTEMS=()
declare -gA BENCH_VALUES=() # [system,run] -> value
BENCH_RUNS=0

bench_log() { echo "bench: $*" >&2; }
bench_die() {
	echo "bench: FAIL: $*" >&2
	exit 1
}

# bench_init NAME: cd to the repo root, make a log dir build/bench/NAME.
bench_init() {
	cd "$BENCH_ROOT" || exit 1
	BENCH_LOGDIR=$BENCH_ROOT/build/bench/$1
	mkdir -p "$BENCH_LOGDIR" bench/results
}

# bench_accel ACCEL: resolve "auto" the way tools/run does (cached probe).
bench_accel() {
	if [[ "$1" == auto ]]; then "$BENCH_ROOT/tools/accel-probe"; else echo "$1"; fi
}

# bench_linux_guest: build (if needed) the Linux guest; sets BENCH_LINUX_ARGS
# (the tools/run options that boot it) and BENCH_LINUX_CMDLINE: the baseline
# of bench/linux/baseline.conf (vmlinux through PVH, tuned command line).
# BENCH_LINUX_DEFAULT_ARGS / _CMDLINE: Debian's defaults (bzImage, no tuning)
# for runners that report a second Linux column.
bench_linux_guest() {
	local initrd=$BENCH_ROOT/build/linux/initramfs.cpio.gz
	"$BENCH_ROOT/tools/linux-guest" >&2
	BENCH_LINUX_CMDLINE=$("$BENCH_ROOT/tools/linux-guest" --print-cmdline)
	BENCH_LINUX_DEFAULT_CMDLINE=$("$BENCH_ROOT/tools/linux-guest" --print-cmdline-default)
	BENCH_LINUX_ARGS=(--kernel "$BENCH_ROOT/build/linux/$BASELINE_LINUX_IMAGE" --initrd "$initrd")
	BENCH_LINUX_DEFAULT_ARGS=(--kernel "$BENCH_ROOT/build/linux/$BASELINE_LINUX_DEFAULT_IMAGE"
		--initrd "$initrd")
}

# bench_hw_args [boot]: the baseline's virtual hardware options for tools/run,
# identical for both sides (the caller adds --machine/--smp/--mem/--accel):
# sets BENCH_HW. "boot": the boot benchmark's variant (no preallocation).
bench_hw_args() {
	BENCH_HW=(--cpu "$BASELINE_CPU")
	if [[ "${1:-}" == boot ]]; then
		((BASELINE_PREALLOC_BOOT)) && BENCH_HW+=(--prealloc)
	else
		((BASELINE_PREALLOC)) && BENCH_HW+=(--prealloc)
	fi
	return 0
}

# bench_qemu_cmd LABEL [tools/run args...]: the exact QEMU command tools/run
# would start for these arguments; logged, and kept for bench_csv_meta.
declare -ga BENCH_CMDS=()
bench_qemu_cmd() {
	local label=$1 cmd
	shift
	cmd=$("$BENCH_ROOT/tools/run" --dry-run "$@") || bench_die "tools/run --dry-run failed"
	BENCH_CMDS+=("$label: $cmd")
	bench_log "qemu $label: $cmd"
}

# bench_csv_meta: comment lines (starting with '#') for the head of a CSV:
# the QEMU command of each side, the host and its load when the runs ended.
bench_csv_meta() {
	local c
	for c in "${BENCH_CMDS[@]}"; do echo "# qemu $c"; done
	echo "# host: $(nproc) cpus, $(uname -r), qemu $(qemu-system-x86_64 --version | head -n1 | awk '{ print $4 }')"
	echo "# load (uptime at the end): $(uptime | sed 's/.*load average/load average/')"
	echo "# baseline: bench/linux/baseline.conf (cpu=$BASELINE_CPU prealloc=$BASELINE_PREALLOC linux=$BASELINE_LINUX_IMAGE tuning='$BASELINE_LINUX_TUNING')"
}

# bench_range NUMBER...: "min-max" of the numbers.
bench_range() {
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { if (NR == 0) exit 1; printf "%s-%s\n", lo, hi }'
}

# bench_boot_once REGEX LOG [tools/run args...]
# Boots one guest through tools/run with console to LOG. Sets
#   BENCH_READY_MS    ms from QEMU start to the first console line matching
#                     REGEX being read ("" if no line matched)
#   BENCH_READY_LINE  that line
#   BENCH_RC          tools/run's exit status
# The measurement ends at the line; reading goes on until QEMU exits, but that
# wait is not measured. QEMU's stderr goes to LOG.err.
bench_boot_once() {
	local regex=$1 log=$2 stampf line t_ready="" fd pid t0
	shift 2
	stampf=$(mktemp /tmp/unidb-bench-stamp.XXXXXX)
	: >"$log"
	BENCH_READY_LINE=""
	exec {fd}< <(exec "$BENCH_ROOT/tools/run" --quiet --stamp "$stampf" "$@" 2>"$log.err")
	pid=$!
	while IFS= read -r -u "$fd" line || [[ -n "$line" ]]; do
		line=${line%$'\r'}
		if [[ -z "$t_ready" && "$line" =~ $regex ]]; then
			t_ready=$EPOCHREALTIME
			BENCH_READY_LINE=$line
		fi
		printf '%s\n' "$line" >>"$log"
	done
	exec {fd}<&-
	BENCH_RC=0
	wait "$pid" || BENCH_RC=$?
	t0=$(cat "$stampf" 2>/dev/null || true)
	rm -f "$stampf"
	BENCH_READY_MS=""
	if [[ -n "$t_ready" && -n "$t0" ]]; then
		BENCH_READY_MS=$(awk -v a="$t0" -v b="$t_ready" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	fi
}

# bench_alternate RUNS SYSTEM... : for run 1..RUNS call run_<SYSTEM> RUN for
# every system; the order rotates each run (A B, B A, ...) so that drift on the
# host does not favour one system. Each run_<SYSTEM> sets BENCH_VALUE.
bench_alternate() {
	local runs=$1 r i n sys order
	shift
	BENCH_SYSTEMS=("$@")
	BENCH_RUNS=$runs
	n=$#
	for ((r = 1; r <= runs; r++)); do
		order=()
		for ((i = 0; i < n; i++)); do
			order+=("${BENCH_SYSTEMS[((i + r - 1) % n)]}")
		done
		for sys in "${order[@]}"; do
			BENCH_VALUE=""
			"run_$sys" "$r" || bench_die "$sys run $r failed"
			[[ -n "$BENCH_VALUE" ]] || bench_die "$sys run $r produced no value"
			BENCH_VALUES[$sys,$r]=$BENCH_VALUE
			bench_log "$sys run $r: $BENCH_VALUE"
		done
	done
}

# bench_median NUMBER...: median (mean of the middle two for an even count).
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f\n", m }'
}

# bench_values_of SYSTEM: that system's values, one per line, in run order.
bench_values_of() {
	local r
	for ((r = 1; r <= BENCH_RUNS; r++)); do echo "${BENCH_VALUES[$1,$r]}"; done
}

bench_median_of() {
	# shellcheck disable=SC2046
	bench_median $(bench_values_of "$1")
}

bench_range_of() {
	# shellcheck disable=SC2046
	bench_range $(bench_values_of "$1")
}

# bench_table UNIT: runs as rows, systems as columns, then the medians.
bench_table() {
	local unit=$1 r sys
	{
		printf '%-8s' run
		for sys in "${BENCH_SYSTEMS[@]}"; do printf ' %14s' "$sys($unit)"; done
		printf '\n'
		for ((r = 1; r <= BENCH_RUNS; r++)); do
			printf '%-8s' "$r"
			for sys in "${BENCH_SYSTEMS[@]}"; do printf ' %14s' "${BENCH_VALUES[$sys,$r]}"; done
			printf '\n'
		done
		printf '%-8s' median
		for sys in "${BENCH_SYSTEMS[@]}"; do printf ' %14s' "$(bench_median_of "$sys")"; done
		printf '\n'
		printf '%-8s' min-max
		for sys in "${BENCH_SYSTEMS[@]}"; do printf ' %14s' "$(bench_range_of "$sys")"; done
		printf '\n'
	}
}

# bench_csv FILE HEADER EXTRA: one row per (system, run):
#   system,run,value,EXTRA   with HEADER as the first line, e.g.
#   bench_csv bench/results/boot-tcg-microvm.csv system,run,ms,accel,smp tcg,2
bench_csv() {
	local file=$1 header=$2 extra=$3 r sys
	{
		bench_csv_meta
		echo "$header"
		for ((r = 1; r <= BENCH_RUNS; r++)); do
			for sys in "${BENCH_SYSTEMS[@]}"; do
				echo "$sys,$r,${BENCH_VALUES[$sys,$r]}${extra:+,$extra}"
			done
		done
	} >"$file.tmp"
	mv "$file.tmp" "$file"
}

# bench_ratio A B: A/B with one decimal.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) { print "inf"; exit } printf "%.1f\n", a / b }'
}

# ---- several metrics per boot (bench/io/run, bench/net/run) -----------------
# bench_put SYSTEM METRIC RUN VALUE; bench_median_m / bench_range_m SYSTEM
# METRIC over runs 1..BENCH_RUNS (set BENCH_RUNS first).
declare -gA BENCH_MVALUES=() # [system,metric,run] -> value
bench_put() { BENCH_MVALUES[$1,$2,$3]=$4; }
bench_mvalues_of() {
	local r
	for ((r = 1; r <= BENCH_RUNS; r++)); do echo "${BENCH_MVALUES[$1,$2,$r]}"; done
}
bench_median_m() {
	# shellcheck disable=SC2046
	bench_median $(bench_mvalues_of "$1" "$2")
}
bench_range_m() {
	# shellcheck disable=SC2046
	bench_range $(bench_mvalues_of "$1" "$2")
}

# bench_spread_m SYSTEMS METRIC...: the SPREAD line (min-max over boots of
# every system and metric), e.g. bench_spread_m "unidb linux" qd1_lat_ns
bench_spread_m() {
	local systems=$1 s m out="SPREAD"
	shift
	for s in $systems; do
		for m in "$@"; do out+=" $s.$m=$(bench_range_m "$s" "$m")"; done
	done
	echo "$out"
}

# bench_csv_m FILE SYSTEMS EXTRA_HEADER EXTRA METRIC...: CSV with the meta
# lines, header system,run,METRIC...,EXTRA_HEADER and one row per boot.
bench_csv_m() {
	local file=$1 systems=$2 xh=$3 x=$4 s r m row
	shift 4
	{
		bench_csv_meta
		(
			IFS=,
			echo "system,run,$*${xh:+,$xh}"
		)
		for s in $systems; do
			for ((r = 1; r <= BENCH_RUNS; r++)); do
				row="$s,$r"
				for m in "$@"; do row+=",${BENCH_MVALUES[$s,$m,$r]}"; done
				echo "$row${x:+,$x}"
			done
		done
	} >"$file.tmp"
	mv "$file.tmp" "$file"
}

# bench_ratio2 A B: A/B with two decimals (RESULT lines of io and net).
bench_ratio2() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) { print "inf"; exit } printf "%.2f\n", a / b }'
}

# bench_linux_initrd_mods OUT MODULE...: the Linux guest's initramfs with
# the named kernel modules (Debian builds the NVMe, virtio-blk and
# virtio-net drivers as modules) appended as a second archive, as
# /lib/modules/unidb/NN-MODULE.ko in the given (load) order; the guest
# programs load them (bench/linux/io.c, netsrv.c). Call bench_linux_guest
# first. BENCH_INITRD_BASE: another archive to append to (default the
# Linux guest's; bench_pg_disk_guest passes PostgreSQL's). Sets BENCH_LINUX_MOD_ARGS: BENCH_LINUX_ARGS with --initrd OUT.
bench_linux_initrd_mods() {
	local out=$1 kroot=$BENCH_ROOT/build/linux/kmods kdeb stage i m f k a
	shift
	if [[ ! -f $kroot/.done-3 ]]; then
		bench_log "extracting driver modules from the kernel package"
		kdeb=$(compgen -G "$BENCH_ROOT/build/linux/debs/linux-image-[0-9]*-amd64_*.deb" | head -n1)
		[[ -n "$kdeb" ]] || bench_die "no kernel package in build/linux/debs"
		rm -rf "$kroot" && mkdir -p "$kroot"
		dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kroot" --wildcards \
			'./lib/modules/*/kernel/drivers/nvme/host/*' './lib/modules/*/kernel/drivers/block/*' \
			'./lib/modules/*/kernel/drivers/virtio/*' './lib/modules/*/kernel/lib/*' \
			'./lib/modules/*/kernel/crypto/*' './lib/modules/*/kernel/block/*' \
			'./lib/modules/*/kernel/fs/ext4/*' './lib/modules/*/kernel/fs/jbd2/*' \
			'./lib/modules/*/kernel/fs/mbcache.ko' \
			'./lib/modules/*/kernel/drivers/net/virtio_net.ko' \
			'./lib/modules/*/kernel/drivers/net/net_failover.ko' \
			'./lib/modules/*/kernel/net/core/failover.ko'
		touch "$kroot/.done-3"
	fi
	stage=$(mktemp -d "$BENCH_LOGDIR/overlay.XXXXXX")
	chmod 755 "$stage" # its "." becomes the guest's / (mktemp made it 0700)
	mkdir -p "$stage/lib/modules/unidb"
	i=10
	for m in "$@"; do
		f=$(find "$kroot" -name "$m.ko" | head -n1)
		[[ -n "$f" ]] || bench_die "module $m.ko not in the kernel package"
		cp "$f" "$stage/lib/modules/unidb/$i-$m.ko"
		i=$((i + 1))
	done
	{
		cat "${BENCH_INITRD_BASE:-$BENCH_ROOT/build/linux/initramfs.cpio.gz}"
		(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
			cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n
	} >"$out"
	rm -rf "$stage"
	BENCH_LINUX_MOD_ARGS=()
	for ((k = 0; k < ${#BENCH_LINUX_ARGS[@]}; k++)); do
		a=${BENCH_LINUX_ARGS[$k]}
		BENCH_LINUX_MOD_ARGS+=("$a")
		if [[ "$a" == --initrd ]]; then
			BENCH_LINUX_MOD_ARGS+=("$out")
			k=$((k + 1))
		fi
	done
}

# ---- database servers in guests (bench/htap/run) ----------------------------
# bench_free_port: a free local TCP port, picked at random (other benchmarks
# and tests run beside this one).
bench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
bench_free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		bench_port_free "$p" && { echo "$p"; return 0; }
	done
	return 1
}

# bench_guest_boot NAME READY-REGEX tools/run-args...: boots a guest whose
# port 5432 is forwarded to a free host port, console to
# $BENCH_LOGDIR/NAME.console, and waits (up to 10 min) for a console line
# matching READY-REGEX. Sets BENCH_GUEST_PID[NAME], BENCH_GUEST_PORT[NAME];
# 1 with BENCH_ERR set if it does not become ready.
declare -gA BENCH_GUEST_PID=() BENCH_GUEST_PORT=()
bench_guest_boot() {
	local name=$1 ready=$2 con=$BENCH_LOGDIR/$1.console port pid i
	shift 2
	port=$(bench_free_port) || { BENCH_ERR="no free port"; return 1; }
	# A session of its own: bench_guest_pause stops this QEMU, and a stopped
	# process in the benchmark's own process group would get SIGHUP from the
	# kernel once that group is orphaned (its starter exited).
	setsid "$BENCH_ROOT/tools/run" --quiet --port "$port:5432" "$@" >"$con" 2>&1 &
	pid=$!
	BENCH_GUEST_PID[$name]=$pid BENCH_GUEST_PORT[$name]=$port
	for ((i = 0; i < 6000; i++)); do
		grep -qE "$ready" "$con" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	BENCH_ERR="$name did not become ready: $(tail -n 3 "$con" | tr '\n' ' ')"
	return 1
}

# bench_guest_stop NAME: stops that guest (QEMU) if it runs.
bench_guest_stop() {
	local pid=${BENCH_GUEST_PID[$1]:-}
	[[ -n "$pid" ]] || return 0
	bench_guest_resume "$1" # a stopped QEMU would not act on SIGTERM
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	BENCH_GUEST_PID[$1]=""
}

# bench_wait_sql PORT: waits (up to 60 s) until a server answers there.
bench_wait_sql() {
	local i
	for ((i = 0; i < 300; i++)); do
		psql -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d postgres \
			-c 'select 1' >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	BENCH_ERR="no SQL answer on port $1"
	return 1
}

# bench_guest_pause NAME / bench_guest_resume NAME: SIGSTOP / SIGCONT that
# guest's QEMU process (tools/run's child), so that a guest left idle
# beside the measured one takes no host CPU while the other is measured.
bench_guest_qemu() {
	local pid=${BENCH_GUEST_PID[$1]:-}
	[[ -n "$pid" ]] && pgrep -P "$pid" -f qemu-system | head -n1
}
bench_guest_pause() {
	local q
	q=$(bench_guest_qemu "$1") && [[ -n "$q" ]] && kill -STOP "$q"
	return 0
}
bench_guest_resume() {
	local q
	q=$(bench_guest_qemu "$1") && [[ -n "$q" ]] && kill -CONT "$q"
	return 0
}

# bench_cpu_sample NAME: the host's CPU counters now, and that guest's
# QEMU process's (jiffies: busy and idle over all cores, QEMU's user +
# system). bench_cpu_since NAME SAMPLE: "host_busy=B qemu=Q" since SAMPLE:
# B the share of all host cores busy (%), Q QEMU's CPU in cores. Under
# TCG every vCPU that runs is a host thread that runs, so a host near
# 100% busy means the guest's I/O thread, the clients and the vCPUs
# take time from each other, whatever the guest does.
bench_cpu_sample() {
	local q t=0
	q=$(bench_guest_qemu "$1") || true
	[[ -n "$q" && -r /proc/$q/stat ]] &&
		t=$(sed 's/.*) //' "/proc/$q/stat" | awk '{ print $12 + $13 }')
	awk -v t="$t" '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6, t }' /proc/stat
}
bench_cpu_since() {
	local b0 i0 q0 b1 i1 q1
	read -r b0 i0 q0 <<<"$2"
	read -r b1 i1 q1 < <(bench_cpu_sample "$1")
	awk -v db=$((b1 - b0)) -v di=$((i1 - i0)) -v dq=$((q1 - q0)) \
		-v ncpu="$(getconf _NPROCESSORS_ONLN)" 'BEGIN {
		all = db + di
		if (all <= 0) { print "host_busy=? qemu=?"; exit }
		printf "host_busy=%.0f%% qemu=%.2f\n", 100 * db / all, dq / all * ncpu }'
}

# ---- PostgreSQL's data directory on a virtual disk (issue 14) ---------------
# bench_pg_disk_guest OUT: the PostgreSQL guest (tools/pg-guest) with the
# drivers for an NVMe disk and ext4 appended (OUT, an initramfs). Sets
# BENCH_PG_DISK_ARGS: the tools/run options that boot it with its data
# directory on the disk (add --disk FILE:SIZE, as for unidb): /bin/pg-server
# mounts /dev/nvme0n1 over /var/lib/postgresql/15 (unidb.pgdisk=).
BENCH_PG_DISK_MODS=(crct10dif_common crct10dif_generic crc-t10dif crc64
	crc64_rocksoft_generic crc64-rocksoft t10-pi nvme-core nvme
	crc16 crc32c_generic mbcache jbd2 ext4)
bench_pg_disk_guest() {
	"$BENCH_ROOT/tools/pg-guest" >&2 || bench_die "tools/pg-guest failed"
	bench_linux_guest
	BENCH_INITRD_BASE=$BENCH_ROOT/build/linux/pg-initramfs.cpio \
		bench_linux_initrd_mods "$1" "${BENCH_PG_DISK_MODS[@]}"
	BENCH_PG_DISK_ARGS=("${BENCH_LINUX_MOD_ARGS[@]}"
		--append "$BENCH_LINUX_CMDLINE unidb.run=pg-server unidb.pgdisk=nvme0n1")
}

# bench_pg_disk FILE SIZE [SETTING...]: a disk file of SIZE (sparse) holding
# an ext4 file system with tools/pg-guest's data directory in data/ (made
# on the host: mkfs.ext4 -d, no mount, no root; inode tables and journal
# written out, so the guest runs no lazy initialisation), the SETTING lines (e.g.
# "fsync = on") appended to its postgresql.conf: later lines win.
bench_pg_disk() {
	local file=$1 size=$2 stage
	shift 2
	stage=$(mktemp -d "$BENCH_LOGDIR/pgdisk.XXXXXX")
	chmod 755 "$stage" # the file system's root
	cp -a "$BENCH_ROOT/build/linux/pg-root/var/lib/postgresql/15/data" "$stage/data"
	{
		echo "# ---- appended by bench_pg_disk (bench/lib.sh) ----"
		printf '%s\n' "$@"
	} >>"$stage/data/postgresql.conf"
	rm -f "$file"
	truncate -s "$size" "$file"
	PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 \
		-d "$stage" -L pgdata "$file" >&2 ||
		bench_die "mkfs.ext4 failed"
	rm -rf "$stage"
}
