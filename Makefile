# SPDX-License-Identifier: MIT
# Makefile: builds build/unidb.elf, host unit tests, and runs everything.
#
#   make            build the image
#   make run        boot it (tools/run; installs QEMU if missing)
#   make test       all tests: host unit, in-guest (-smp 1 and 4), end-to-end
#   make stress     stress tests under delay injection (STRESS_MINUTES=30)
#   make debug      QEMU halted with gdbstub + gdb with symbols
#   make bench-boot boot-time benchmark against the Linux baseline guest
#   make bench-vm   vm areas: presence check and page faults against Linux
#   make fuzz       every fuzz target for FUZZ_SECONDS each (clang, libFuzzer)
#   make bench-io   random 4 KiB disk I/O against Linux's io_uring
#   make bench-net  TCP latency, connections/s, streams against Linux (NET=user)
#   make pg-guest   the PostgreSQL 15 peer in the Linux guest, end to end
#   make bench-pgbench  pgbench: unidb vs PostgreSQL 15 in the Linux guest (FULL=1, DURABLE=1)
#   make bench-htap     TPC-H-like queries alone and beside pgbench, unidb vs PostgreSQL 15 (FULL=1)
#   make bench-recovery restart after SIGKILL, tps during a checkpoint, unidb vs PostgreSQL 15
#   make crash-test SIGKILL the database under load, check what survives
#                   (CRASH_TARGET=unidb|pg, CRASH_KILLS=20)
#   make format / make lint

CC      ?= gcc
LD      := ld
OBJCOPY := objcopy
BUILD   := build
V       ?= @

GCC_INC := $(shell $(CC) -print-file-name=include)

# The kernel: freestanding, higher half, no red zone (interrupts use the
# current stack), no SSE (interrupt handlers do not save vector state),
# frame pointers for backtraces, a stack canary in every function with a
# local array or address-taken local (one global canary chosen at boot:
# kernel/core/stack_protector.c says why global).
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-3dnow \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-optimize-sibling-calls \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-strict-aliasing -fno-common \
	-fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -Ikernel/lib/include -Ikernel -MMD -MP
# db/ does arithmetic on real and double precision: its objects may use
# SSE. Safe because the scheduler saves the full vector state of a
# preempted thread (kernel/sched/fpu.c), vector registers are caller-saved
# across a voluntary switch, and interrupt handlers (kernel code, built
# without SSE) never touch them. Same code model and no red zone.
$(BUILD)/db/%.c.o: KCFLAGS += -msse -msse2
KASFLAGS := -g -Iinclude -Ikernel -D__ASSEMBLY__ -MMD -MP
KLDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments

KSRC_C := $(sort $(wildcard kernel/*/*.c kernel/arch/x86_64/*.c db/*.c db/*/*.c \
	bench/*/guest/*.c))
KSRC_S := $(sort $(wildcard kernel/arch/x86_64/*.S))
KOBJ   := $(patsubst %,$(BUILD)/%.o,$(KSRC_C) $(KSRC_S))
LDS    := kernel/arch/x86_64/linker.ld

.PHONY: all run test stress unit debug lint format clean bench-boot bench-sched bench-vm bench-snapshot bench-io deps
.PHONY: bench-net
.PHONY: host sql-expected fuzz net-test-full crash-test
all: $(BUILD)/unidb.elf

# Flags live here: a change to this file rebuilds everything.
$(KOBJ): Makefile

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(V)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(V)$(CC) $(KASFLAGS) -c $< -o $@

# Two-pass link: the symbol table for backtraces (.ksyms) is generated from
# pass 1 and placed last in the image, so no text address moves in pass 2;
# tools/ksyms checks that and fails the build otherwise.
$(BUILD)/unidb.elf: $(KOBJ) $(LDS) tools/ksyms
	@echo "  LD      $@"
	$(V)tools/ksyms empty > $(BUILD)/ksyms0.S
	$(V)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(V)$(LD) $(KLDFLAGS) -T $(LDS) -o $(BUILD)/unidb.pass1.elf $(KOBJ) $(BUILD)/ksyms0.o
	$(V)tools/ksyms gen $(BUILD)/unidb.pass1.elf > $(BUILD)/ksyms.S
	$(V)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(V)$(LD) $(KLDFLAGS) -T $(LDS) -o $@.tmp $(KOBJ) $(BUILD)/ksyms.o
	$(V)tools/ksyms check $(BUILD)/unidb.pass1.elf $@.tmp
	$(V)mv $@.tmp $@

# ---- host unit tests (portable modules, ASan + UBSan) ----------------------
# Each tests/unit/*.mk adds a name to UNIT_TESTS and lists its sources in
# unit_<name>_SRCS; the test binary is build/unit/<name>.
UNIT_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -pthread \
	-Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Ikernel -Itests/unit \
	-DUNIDB_HOST
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)

define unit_rule
$(BUILD)/unit/$(1): $$(unit_$(1)_SRCS) $$(wildcard tests/unit/*.h) tests/unit/$(1).mk
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(V)$$(CC) $$(UNIT_CFLAGS) $$(unit_$(1)_CFLAGS) -o $$@ $$(unit_$(1)_SRCS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(patsubst %,$(BUILD)/unit/%,$(UNIT_TESTS))

# ---- the database engine on the host ---------------------------------------
# db/ with the host shim (tests/unit/db_host.c) and POSIX sockets: a
# PostgreSQL-protocol server for psql and the SQL regression tests, built
# with the sanitizers like the unit tests.
$(BUILD)/host/unidb-pg: $(DB_OBJ) $(DB_HDR) tools/host/unidb-pg.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(CC) $(UNIT_CFLAGS) -o $@ tools/host/unidb-pg.c $(DB_OBJ)

host: $(BUILD)/host/unidb-pg

# Regenerates tests/sql/expected/*.out with PostgreSQL 15 (needs the server
# package; see tests/sql/expected-from-postgres).
sql-expected:
	$(V)tests/sql/expected-from-postgres

# ---- fuzzing (clang + libFuzzer; `make test` replays the net corpus) -------
# Each tests/fuzz/<t>.c is a target over the network stack (FUZZ_NET) or the
# database engine (FUZZ_DB); new inputs go to build/fuzz/corpus/<t>, seeded
# from the checked-in tests/fuzz/corpus/<t> and with tests/fuzz/<t>.dict
# where there are.
FUZZ_NET := net_frames tcp_segs
FUZZ_DB := fuzz_wire fuzz_sql
FUZZ_TARGETS := $(FUZZ_NET) $(FUZZ_DB)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Wno-unused-parameter \
	-Iinclude -Ikernel -Itests/unit -DUNIDB_HOST -pthread
$(FUZZ_NET:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h \
		$(NET_SRCS) $(wildcard kernel/net/*.h) tests/unit/net_host.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(V)clang $(FUZZ_CFLAGS) -o $@ $< $(NET_SRCS)
$(FUZZ_DB:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(DB_SRC) \
		$(DB_HDR) tests/unit/db_host.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(V)clang $(FUZZ_CFLAGS) -o $@ $< tests/unit/db_host.c $(DB_SRC)

fuzz:
	$(V)tools/deps fuzz
	$(V)$(MAKE) -s $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_TARGETS))
	$(V)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t && \
		seeds=$$(test -d tests/fuzz/corpus/$$t && echo tests/fuzz/corpus/$$t); \
		dict=$$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict); \
		echo "  FUZZ    $$t for $(FUZZ_SECONDS) s" && \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=4096 -print_final_stats=1 $$dict \
			$(BUILD)/fuzz/corpus/$$t $$seeds \
			> $(BUILD)/fuzz/$$t.log 2>&1 \
		|| { tail -n 60 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^Done' $(BUILD)/fuzz/$$t.log; \
	done

# ---- running ---------------------------------------------------------------
deps:
	$(V)tools/deps

# The main job: the database server, reached at 127.0.0.1:5432 (another
# host port: RUNFLAGS='--port 5433:5432'; another command: --append).
# Its database lives in RUN_DISK (created and formatted on the first run,
# found again later; RUN_DISK= : in memory). microvm has no slot for it.
RUN_DISK ?= var/unidb.disk
run: deps all
	$(V)disk=; cmd=db; \
	case "$(RUN_DISK)/$(RUNFLAGS)" in /*|*microvm*) ;; *) \
		mkdir -p "$(dir $(RUN_DISK))"; \
		[ -e "$(RUN_DISK)" ] || cmd="db 5432 format"; \
		disk="--disk $(RUN_DISK):1G";; \
	esac; \
	tools/run --net user --port 5432 $$disk --append "$$cmd" $(RUNFLAGS)

debug: deps all
	$(V)tools/run --gdb $(RUNFLAGS)

test: deps all unit host
	$(V)tests/run

# The stress tests under delay injection for STRESS_MINUTES (default 30).
stress: deps all
	$(V)tests/stress $(STRESS_MINUTES)

net-test-full: deps all
	$(V)tests/net/e2e.sh --full

bench-boot: deps all
	$(V)bench/boot/run

bench-vm: deps all
	$(V)bench/vm/run

bench-sched: deps all
	$(V)bench/sched/run

bench-io: deps all
	$(V)bench/io/run

bench-net: deps all
	$(V)bench/net/run --net $(or $(NET),tap)

bench-snapshot: deps all
	$(V)tools/deps plot
	$(V)bench/snapshot/run $(if $(FULL),--full)

# Not in `make test`: the first build downloads ~40 MB of .debs and needs
# root or sudo; a run takes ~50 s under TCG on a loaded host (docs/launcher.md).
.PHONY: pg-guest
pg-guest: deps
	$(V)bench/pg/guest

# pgbench against unidb, PostgreSQL in the Linux guest and on the host
# (bench/pgbench/run; FULL=1 for scale 10 and longer runs).
.PHONY: bench-pgbench
bench-pgbench: deps all
	$(V)bench/pgbench/run

.PHONY: bench-htap
bench-htap: deps all
	$(V)bench/htap/run

# Restart-to-ready after SIGKILL and tps during a checkpoint, unidb vs
# PostgreSQL 15 in the Linux guest, both durable (bench/recovery/run).
.PHONY: bench-recovery
bench-recovery: deps all
	$(V)bench/recovery/run

format:
	$(V)clang-format -i $$(git ls-files '*.c' '*.h')

# comparePointers is off: walking a linker section (tests, commands) from
# its start to its end symbol is how modules register themselves.
lint: all
	$(V)tools/deps lint
	$(V)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 -Iinclude -Ikernel -Ikernel/lib/include \
		-D__x86_64__ --suppress=missingIncludeSystem \
		--suppress=comparePointers $(wildcard kernel db bench tests/unit)

clean:
	rm -rf $(BUILD)

-include $(KOBJ:.o=.d)

# ---- crash test: kill -9 under load, restart, check (tests/crash/run) ------
CRASH_TARGET ?= unidb
CRASH_KILLS ?= 20
crash-test: all
	tests/crash/run --target $(CRASH_TARGET) --kills $(CRASH_KILLS)
