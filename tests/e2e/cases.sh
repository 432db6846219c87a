#!/usr/bin/env bash
# tests/e2e/cases.sh: end-to-end tests. Each case boots the image through
# tools/run, usually making it fail on purpose (command "crash ..."), and
# checks the exit status and what the console shows (one runs the snapshot
# model, bench/snapshot/model, on a recorded round). Prints PASS/FAIL per
# case and "N passed, N failed"; exits non-zero if a case failed.
# Usage: tests/e2e/cases.sh [case-name-filter]
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
filter=${1:-}
passed=0 failed=0
out="" rc=0 why=""

boot() { # smp cmdline [tools/run options...]
	local smp=$1 cmdline=$2
	shift 2
	out=$(tools/run --quiet --smp "$smp" --mem 512M --timeout 120 \
		--append "$cmdline" "$@" 2>&1)
	rc=$?
	out=${out//$'\r'/} # the serial console ends lines with CR LF
}

# Each check records the first reason a case failed.
expect_status() { ((rc == $1)) || why=${why:-"exit status $rc, wanted $1"}; }
expect_line() { grep -qE -- "$1" <<<"$out" || why=${why:-"no line matching: $1"}; }
expect_count() { # regex count
	local n
	n=$(grep -cE -- "$1" <<<"$out")
	((n == $2)) || why=${why:-"$n lines matching '$1', wanted $2"}
}

case_null_write_reports_page_fault() {
	boot 2 "crash null"
	expect_status 3
	expect_line '^PANIC: #PF page fault'
	expect_line '^faulting address \(CR2\): 0x0000000000000000 \(write, page not present\) -- NULL pointer dereference'
	expect_line '^cpu 0, thread main'
	expect_line '^RIP ffffffff8[0-9a-f]{7}  RSP '
	expect_line '^CS 0008 SS 0010'
	expect_line '^backtrace:'
	expect_line '^  #0  ffffffff8[0-9a-f]{7} crash_null_write\+0x[0-9a-f]+$'
	expect_line '^  #[0-9]+ +ffffffff8[0-9a-f]{7} cmd_crash\+0x'
	expect_line '^  #[0-9]+ +ffffffff8[0-9a-f]{7} kmain\+0x'
}

case_invalid_opcode_reports_ud() {
	boot 1 "crash ud"
	expect_status 3
	expect_line '^PANIC: #UD invalid opcode \(vector 6'
	expect_line '^  #0  ffffffff8[0-9a-f]{7} crash_invalid_opcode\+0x'
}

case_bug_on_reports_condition_and_caller() {
	boot 2 "crash bug"
	expect_status 3
	expect_line '^PANIC: BUG_ON\(cpu_count\(\) > 0\) at kernel/core/crash.c:[0-9]+'
	expect_line '^  #0  ffffffff8[0-9a-f]{7} panic\+0x'
	expect_line '^  #1  ffffffff8[0-9a-f]{7} crash_bug_on\+0x'
}

case_fault_on_other_cpu_stops_all() {
	boot 4 "crash ap"
	expect_status 3
	expect_count '^PANIC:' 1
	expect_line '^cpu 3, thread [a-z0-9]+$'
	expect_line '^  #0  ffffffff8[0-9a-f]{7} crash_null_write\+0x'
}

case_stack_overflow_names_thread() {
	boot 2 "crash stack"
	expect_status 3
	expect_line '^PANIC: #(DF double fault|PF page fault)'
	expect_line '^kernel stack overflow: thread overflower ran into its guard page'
	expect_line ' recurse\+0x'
}

# W^X (kernel/arch/x86_64/paging.c) and the stack protector: each
# violation ends in the panic report, with the reason stated.
X='ffffffff8[0-9a-f]{7}'
expect_protection_fault() { # kind error-code reason region
	boot 1 "crash $1"
	expect_status 3
	expect_line "^PANIC: #PF page fault \(vector 14, error code $2\)"
	expect_line "^faulting address \(CR2\): 0x[0-9a-f]{16} \([a-z ]+, protection violation\)\$"
	expect_line "^reason: $3\$"
	expect_line "^address in: $4"
}

case_write_to_kernel_text_faults() {
	expect_protection_fault write-text 0x3 'write to read-only page' \
		'kernel code \(crash_write_text\+0x0\)$'
	expect_line '^error code: P=1 W/R=1 U/S=0 RSVD=0 I/D=0$'
	expect_line "^  #0  $X crash_write_text\+0x"
}

case_write_to_kernel_rodata_faults() {
	expect_protection_fault write-rodata 0x3 'write to read-only page' \
		'kernel read-only data$'
	expect_line "^  #0  $X crash_write_rodata\+0x"
}

case_write_to_text_through_direct_map_faults() {
	expect_protection_fault write-alias 0x3 'write to read-only page' \
		'direct map'
	expect_line "^  #0  $X crash_write_alias\+0x"
}

case_jump_into_heap_faults() {
	expect_protection_fault exec-heap 0x11 \
		'instruction fetch from non-executable page' 'direct map'
	expect_line '^error code: P=1 W/R=0 U/S=0 RSVD=0 I/D=1$'
	expect_line "^jumped to from: $X call_data\+0x"
	expect_line "^  #[0-9]+ +$X crash_exec_heap\+0x"
}

case_jump_into_stack_faults() {
	expect_protection_fault exec-stack 0x11 \
		'instruction fetch from non-executable page' 'thread stacks$'
	expect_line '^cpu 0, thread stackexec$'
	expect_line "^  #[0-9]+ +$X crash_exec_stack\+0x"
}

case_smashed_stack_names_function() {
	boot 1 "crash smash"
	expect_status 3
	expect_line '^PANIC: stack smashing detected in crash_smash_stack \(its stack canary was overwritten; caught at '"$X"' crash_smash_stack\+0x[0-9a-f]+\)$'
	expect_line "^  #[0-9]+ +$X __stack_chk_fail\+0x"
	expect_line "^  #[0-9]+ +$X crash_smash_stack\+0x"
	expect_line "^  #[0-9]+ +$X cmd_crash\+0x"
}

# The boot summary names the protection and the canary's source; without
# RDRAND the canary comes from the TSC, without NX only writes are
# caught (a jump into data runs, and the crash command says so).
case_protection_degrades_without_rdrand_or_nx() {
	boot 1 "poweroff" -- -cpu max,-rdrand
	expect_status 0
	expect_line '^unidb: protection W\^X \(code read-only, data no-execute\), stack canary from TSC$'
	boot 1 "crash exec-heap" -- -cpu max,-nx
	expect_status 1
	expect_line '^unidb: protection code read-only \(no NX: data executable\), stack canary from (RDRAND|TSC)$'
	expect_line '^crash: exec-heap did not crash$'
	boot 1 "crash write-text" -- -cpu max,-nx
	expect_status 3
	expect_line '^reason: write to read-only page$'
}

case_lock_order_inversion_detected() {
	boot 1 "crash lockorder"
	expect_status 3
	expect_line '^PANIC: lock-order inversion: thread main takes mutex crash-a while holding crash-b'
	expect_line ' lock_order_inversion\+0x'
}

case_self_deadlock_detected() {
	boot 1 "crash deadlock"
	expect_status 3
	expect_line '^PANIC: self-deadlock: thread main takes mutex crash-a it holds'
}

case_hang_ends_in_watchdog() {
	out=$(tools/run --quiet --smp 2 --mem 512M --timeout 5 \
		--append "crash hang" 2>&1)
	rc=$?
	expect_status 124
	expect_line 'TIMEOUT after 5 s'
	expect_line 'crash: hanging with interrupts off'
}

case_unknown_command_fails_clearly() {
	boot 1 "frobnicate --now"
	expect_status 1
	expect_line "^unidb: unknown command 'frobnicate'"
	expect_line '^  test +\[filter\]'
}

# The gdb helper lists threads and a blocked thread's backtrace from a
# guest halted at the threads command (QEMU's gdbstub on a free port).
case_gdb_helper_lists_threads() {
	tools/deps gdb >/dev/null 2>&1 || { why="cannot install gdb"; return; }
	local port=$((20000 + RANDOM % 20000))
	tools/run --quiet --smp 2 --mem 512M --timeout 60 --append threads \
		-- -gdb "tcp:127.0.0.1:$port" -S >/dev/null 2>&1 &
	local qemu=$! hex i
	hex=$(printf '%04X' "$port")
	for ((i = 0; i < 100; i++)); do # until QEMU listens (state 0A)
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/tcp 2>/dev/null && break
		sleep 0.1
	done
	out=$(timeout 60 gdb -q -batch -nx \
		-ex "set architecture i386:x86-64" -ex "file build/unidb.elf" \
		-ex "source tools/gdb/unidb.py" \
		-ex "target remote 127.0.0.1:$port" -ex "hbreak sched_dump" \
		-ex continue -ex unidb-threads -ex "unidb-bt 5" -ex kill 2>&1)
	rc=$?
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	expect_line '^ +1 main +running +0'
	expect_line '^ +5 job1 +blocked +1 job work +worker_loop \+ [0-9]+$'
	expect_line '^#2  0x[0-9a-f]+ worker_loop \+ [0-9]+'
}

case_boot_shows_cpus_memory_clock() {
	for m in q35 microvm; do
		boot 4 "poweroff" --machine "$m"
		expect_status 0
		expect_line '^unidb: ready \(4 cpus\) in [0-9]+\.[0-9]{3} ms'
		expect_line '^unidb: memory 511 MiB usable'
		expect_line '^unidb: clock tsc [0-9]+\.[0-9]{3} GHz'
		expect_line '^unidb: protection W\^X \(code read-only, data no-execute\), stack canary from RDRAND$'
	done
}

# The main job (an empty command line, as `make run` boots it): the
# database server answers psql from the host over user networking, with
# PostgreSQL's results and error codes, and the guest is killed afterwards.
case_main_job_serves_psql() {
	UNIDB_DEPS_QUIET=1 tools/deps sql >/dev/null 2>&1 || { why="cannot install psql"; return; }
	local port=$((20000 + RANDOM % 20000)) log i res
	log=$(mktemp)
	tools/run --quiet --smp 2 --mem 512M --timeout 300 --net user \
		--port "$port:5432" >"$log" 2>&1 &
	local qemu=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'database ready on port 5432' "$log" && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.2
	done
	res=$(PGCONNECT_TIMEOUT=30 timeout 120 psql -X -At -h 127.0.0.1 -p "$port" \
		-U postgres -v ON_ERROR_STOP=0 \
		-c "create table t (id int primary key, v text not null)" \
		-c "insert into t values (1, 'a'), (2, 'b'), (3, 'b')" \
		-c "select v, count(*) from t group by v order by v" \
		-c "insert into t values (1, 'dup')" 2>&1)
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	out=$(tr -d '\r' <"$log")$'\n'$res
	rm -f "$log"
	expect_line '^unidb: database ready on port 5432$'
	expect_line '^a\|1$'
	expect_line '^b\|2$'
	expect_line 'duplicate key value violates unique constraint "t_pkey"'
}

# psql's describe commands against the guest: tests/sql/psql_describe.sql
# (\dt, \d t, \d+ t, \di, \dn, \du, \l postgres) must print what
# PostgreSQL 15 printed for it (tests/sql/expected/psql_describe.out).
case_psql_describe_matches_postgres() {
	UNIDB_DEPS_QUIET=1 tools/deps sql >/dev/null 2>&1 || { why="cannot install psql"; return; }
	local port=$((20000 + RANDOM % 20000)) log i
	log=$(mktemp)
	tools/run --quiet --smp 2 --mem 512M --timeout 300 --net user \
		--port "$port:5432" >"$log" 2>&1 &
	local qemu=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'database ready on port 5432' "$log" && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.2
	done
	env -i PATH="$PATH" LC_ALL=C.UTF-8 PGCONNECT_TIMEOUT=30 timeout 120 \
		psql -X -a -q -h 127.0.0.1 -p "$port" -U postgres -d regression \
		<tests/sql/psql_describe.sql >"$log.psql" 2>&1
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	out=$(diff "$log.psql" tests/sql/expected/psql_describe.out)
	rm -f "$log" "$log.psql"
	[[ -z $out ]] || why="psql output differs from PostgreSQL's: $(head -c 300 <<<"$out")"
}

# COPY, cancel, timeouts and SCRAM login against the guest (issue 12):
# psql's \copy in and out in text and CSV, statement_timeout and psql's
# CancelRequest (SIGINT) stopping pg_sleep, a wrong password, then
# tests/e2e/pg_clients.py: psycopg2 (parameters, copy_expert, errors,
# cancel) and raw messages (a protocol violation inside COPY, a client
# killed mid-statement).
case_db_copy_cancel_password() {
	UNIDB_DEPS_QUIET=1 tools/deps sql >/dev/null 2>&1 || { why="cannot install psql/psycopg2"; return; }
	local port=$((20000 + RANDOM % 20000)) dir i res sig py
	dir=$(mktemp -d)
	tools/run --quiet --smp 2 --mem 512M --timeout 900 --net user \
		--port "$port:5432" --append "db 5432 password=e2e-secret" \
		>"$dir/console" 2>&1 &
	local qemu=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'database ready on port 5432' "$dir/console" && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.2
	done
	printf '1\tone\n2\t\\N\n3\ttab\\there\n' >"$dir/in.txt"
	printf 'id,v\n4,"x, y"\n5,\n' >"$dir/in.csv"
	local pg=(env PGPASSWORD=e2e-secret PGCONNECT_TIMEOUT=30 timeout 300 psql -X
		-At -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=0)
	res=$("${pg[@]}" -c "create table c (id int primary key, v text)" \
		-c "\\copy c from '$dir/in.txt'" \
		-c "\\copy c from '$dir/in.csv' with (format csv, header)" \
		-c "\\copy c to '$dir/out.txt'" \
		-c "\\copy c to '$dir/out.csv' csv header" \
		-c "set statement_timeout = '1s'" -c "select pg_sleep(60)" 2>&1)
	"${pg[@]}" -c "select pg_sleep(120)" >"$dir/sig" 2>&1 &
	sig=$!
	sleep 5
	kill -INT "$sig"
	wait "$sig"
	res+=$'\n'$(cat "$dir/sig")
	res+=$'\n'$(PGPASSWORD=wrong PGCONNECT_TIMEOUT=30 timeout 120 psql -X -h 127.0.0.1 \
		-p "$port" -U mallory -c "select 1" 2>&1)
	py=$(timeout 600 /usr/bin/python3 tests/e2e/pg_clients.py 127.0.0.1 "$port" e2e-secret 2>&1)
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	out=$(tr -d '\r' <"$dir/console")$'\n'$res$'\n'$py
	printf '1\tone\n2\t\\N\n3\ttab\\there\n4\tx, y\n5\t\\N\n' >"$dir/want.txt"
	printf 'id,v\n1,one\n2,\n3,tab\there\n4,"x, y"\n5,\n' >"$dir/want.csv"
	cmp -s "$dir/out.txt" "$dir/want.txt" || why=${why:-"\\copy to (text) differs"}
	cmp -s "$dir/out.csv" "$dir/want.csv" || why=${why:-"\\copy to (csv) differs"}
	rm -rf "$dir"
	expect_line '^unidb: database ready on port 5432$'
	expect_line '^COPY 3$'
	expect_line '^COPY 2$'
	expect_line 'canceling statement due to statement timeout'
	expect_line 'canceling statement due to user request'
	expect_line 'password authentication failed for user "mallory"'
	expect_count '^ok ' 14
	expect_count '^FAIL ' 0
}

# ---- portability boot matrix (issue 17; docs/hypervisors.md) ----------------
# Each boot is short: "poweroff", or the port_ tests (~0.3 s in the guest).

# No PIT (QEMU's minimal microvm; Cloud Hypervisor has none either): the
# clock comes from elsewhere and the run ends with its status.
case_microvm_without_pit_boots_and_powers_off() {
	boot 4 "poweroff" --machine microvm -- -M microvm,pit=off
	expect_status 0
	expect_line '^unidb: ready \(4 cpus\) in [0-9]+\.[0-9]{3} ms'
	expect_line '^unidb: clock tsc [0-9]+\.[0-9]{3} GHz \(from the TCG APIC timer\)'
}

case_clock_summary_names_its_source() {
	boot 1 "poweroff"
	expect_status 0
	expect_line '^unidb: clock tsc [0-9]+\.[0-9]{3} GHz \(from the PIT\)'
}

# Without ACPI the CPUs come from the MP table (SeaBIOS on pc lists one
# processor per package; qboot on microvm lists each).
case_no_acpi_brings_up_cpus_from_mp_table() {
	for m in pc microvm; do
		boot 4 "test port_" --machine "$m" -- -M "$m,acpi=off"
		expect_status 0
		expect_line '^unidb: ready \(4 cpus\)'
		expect_line '^unidb: 4 cpus listed by MP table'
		expect_line '^6 passed, 0 failed'
	done
}

# Without NX (qemu64 without nx: no EFER.NXE), unidb still boots and
# passes its port tests; only the execute protection is gone.
case_cpu_without_nx_boots_with_write_protection_only() {
	boot 2 "test port_" -- -cpu qemu64,-nx
	expect_status 0
	expect_line '^unidb: protection code read-only \(no NX: data executable\)'
	expect_line '^[1-9][0-9]* passed, 0 failed'
}

case_reserved_bit_fault_is_named() {
	boot 1 "crash rsvd"
	expect_status 3
	expect_line '^faulting address \(CR2\): 0x[0-9a-f]+ \(read, reserved bit set in a page-table entry\)'
}

case_cpu_models_pass_port_tests() {
	for cpu in Skylake-Server EPYC qemu64; do
		boot 2 "test port_" -- -cpu "$cpu"
		expect_status 0
		expect_line '^6 passed, 0 failed'
	done
}

# maxcpus above smp: the MADT lists the absent ones as not enabled.
case_maxcpus_above_smp_starts_the_present() {
	boot 2 "test port_" -- -smp 2,maxcpus=4
	expect_status 0
	expect_line '^unidb: ready \(2 cpus\)'
	expect_line '^6 passed, 0 failed'
}

# 3 cores a socket take 2 ID bits: APIC IDs 0 1 2 4.
case_apic_id_gaps() {
	boot 4 "test port_" -- -smp 4,sockets=2,cores=3,maxcpus=6
	expect_status 0
	expect_line '^unidb: APIC ids 0 1 2 4$'
	expect_line '^unidb: ready \(4 cpus\)'
	expect_line '^6 passed, 0 failed'
}

# The ways other hypervisors end a VM, each alone (QEMU exits 0 on them
# with -no-reboot: tools/run's status 2). A way that fails says so.
case_poweroff_ways_without_debug_exit() {
	local m w
	for m in q35 microvm; do
		boot 1 "poweroff acpi" --machine "$m"
		expect_status 2
		expect_line '^unidb: .*power-off by ACPI S5'
		expect_line '^poweroff: by acpi alone'
	done
	for w in i8042 triple-fault; do
		boot 1 "poweroff $w"
		expect_status 2
		expect_line "^poweroff: by $w alone"
	done
	grep -q 'did not stop the machine' <<<"$out" &&
		why=${why:-"a way did not stop the machine"}
}

# No isa-debug-exit at all (QEMU started without tools/run's device): a
# panic still ends the VM, through ACPI S5, after naming its status.
case_panic_without_debug_exit_powers_off() {
	local cmd
	cmd=$(tools/run --dry-run --smp 1 --mem 512M --append "crash bug" |
		sed 's/ -device isa-debug-exit,iobase=0xf4,iosize=0x04//')
	out=$(timeout 120 bash -c "$cmd" 2>&1)
	rc=$?
	out=${out//$'\r'/}
	expect_status 0
	expect_line '^PANIC: BUG_ON'
	expect_line '^poweroff: exit status 3 \(no isa-debug-exit device\)'
	grep -q 'did not stop the machine' <<<"$out" &&
		why=${why:-"ACPI S5 did not stop the machine"}
}

# No boot: a round measured under TCG, which the model must reproduce.
case_snapshot_model_reproduces_a_round() {
	local log
	log=$(mktemp)
	echo "ROUND variant=ahead round=3 copy_ms=120.795 scan_ms=187.189" \
		"destroy_ms=4.348 oltp_idle=2943106 oltp_copy=635253" \
		"oltp_scan=3236078 oltp_destroy=485636 fault_copies=21187" \
		"ahead_copies=44349 sum=9730880 before=9730688 after=9807488" \
		"check=ok" >"$log"
	out=$(bench/snapshot/model "$log" 2>&1)
	rc=$?
	rm -f "$log"
	expect_status 0
	expect_line 'round 3: u=0\.34 c=2\.72 F=4\.47 us, scan keeps 1\.10, writers copied 32%'
	expect_line 'copy 121 ms \(model 121\), keep 0\.753 \(model 0\.753\); 0\.8 needs c <= 1\.9[0-9] or F <= 3\.0[0-9]$'
}

case_disk_data_survives_reboot() {
	local img
	img=$(mktemp /tmp/unidb-e2e-disk.XXXXXX) && rm -f "$img"
	boot 2 "blk write 4242 3145728" --disk "$img:16M"
	expect_status 0
	expect_line '^blk: nvme0: pattern 4242 written over 3145728 bytes'
	boot 1 "blk check 4242 3145728" --disk "$img" --disk-if virtio
	expect_status 0
	expect_line '^blk: vblk0: pattern 4242 verified over 3145728 bytes'
	boot 1 "blk check 4243" --disk "$img"
	expect_status 1
	expect_line '^blk: nvme0: pattern 4243 differs at byte 0'
	rm -f "$img"
}

case_disk_too_small_or_unusable_is_reported() {
	local img dir
	img=$(mktemp /tmp/unidb-e2e-disk.XXXXXX)
	boot 1 "blk check 1" --disk "$img" # 0 bytes
	expect_status 1
	expect_line '^nvme: nvme0: namespace 1 inactive or unusable \(size 0'
	expect_line '^blk: no block device'
	truncate -s 4096 "$img"
	boot 1 "blk check 1" --disk "$img" --disk-if virtio
	expect_status 1
	expect_line '^blk: vblk0: pattern of 1048576 bytes does not fit \(8 blocks of 512\)'
	rm -f "$img"
	dir=$(mktemp -d /tmp/unidb-e2e-disk.XXXXXX)
	boot 1 "blk" --disk "$dir"
	expect_status 2
	expect_line "^tools/run: disk file '$dir' is not a readable and writable file"
	rmdir "$dir"
}

for c in $(declare -F | awk '$3 ~ /^case_/ { print $3 }'); do
	name=${c#case_}
	[[ "$name" == *"$filter"* ]] || continue
	why=""
	$c
	if [[ -z "$why" ]]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $why"
		tail -n 25 <<<"$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
