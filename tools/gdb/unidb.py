# SPDX-License-Identifier: MIT
# tools/gdb/unidb.py: gdb commands for a unidb guest (loaded by tools/run --gdb,
# or by hand: `source tools/gdb/unidb.py` after `file build/unidb.elf`).
#
#   unidb-threads      every thread: id, name, state, cpu, what it waits on,
#                      and for a blocked thread the function it blocked in
#                      (the first one outside the scheduler, sched.c)
#   unidb-bt ID        backtrace of a blocked thread, from its saved stack
#
# It walks the kernel's list of all threads (kernel/sched/thread.c:
# all_threads) with the types from the image's debug information.
import gdb

STATES = ["running", "runnable", "blocked", "dead"]


def threads():
    head = gdb.parse_and_eval("all_threads")
    head_addr = head.address
    tptr = gdb.lookup_type("struct thread").pointer()
    offset = int(gdb.parse_and_eval("&((struct thread *)0)->all_node"))
    node = head["next"]
    while node != head_addr:
        yield gdb.Value(int(node) - offset).cast(tptr).dereference()
        node = node["next"]


def symbol(addr):
    s = gdb.execute("info symbol 0x%x" % addr, to_string=True).strip()
    return s.split(" in section")[0]


def return_addresses(t):
    """A blocked thread's return addresses, innermost first: from the rbp
    and return address that switch_stack left on its stack, along the
    frame-pointer chain."""
    ulong = gdb.lookup_type("unsigned long").pointer()
    sp = gdb.Value(int(t["rsp"])).cast(ulong)
    rbp, ret = int(sp[5]), int(sp[6])
    for _ in range(64):
        yield ret
        if not rbp:
            return
        frame = gdb.Value(rbp).cast(ulong)
        rbp, ret = int(frame[0]), int(frame[1])
        if not ret:
            return


def blocked_in(t):
    """The first function on a blocked thread's stack outside the scheduler."""
    for ret in return_addresses(t):
        line = gdb.find_pc_line(ret - 1)
        if not (line.symtab and line.symtab.filename.endswith("kernel/sched/sched.c")):
            return symbol(ret - 1)
    return ""


class Threads(gdb.Command):
    """List unidb threads: unidb-threads"""

    def __init__(self):
        super().__init__("unidb-threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        print("%4s %-23s %-9s %3s %-10s %s" % ("id", "name", "state", "cpu", "waits on", "blocked in"))
        for t in threads():
            state = STATES[int(t["state"])]
            reason = t["wait_reason"]
            reason = reason.string() if int(reason) else "-"
            where = ""
            if state == "blocked" and not bool(t["on_cpu"]):
                where = blocked_in(t)
            print("%4d %-23s %-9s %3d %-10s %s" % (int(t["id"]), t["name"].string(), state, int(t["cpu"]), reason, where))


class Backtrace(gdb.Command):
    """Backtrace of a blocked unidb thread: unidb-bt ID"""

    def __init__(self):
        super().__init__("unidb-bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        want = int(arg)
        for t in threads():
            if int(t["id"]) != want:
                continue
            for depth, ret in enumerate(return_addresses(t)):
                print("#%-2d 0x%x %s" % (depth, ret, symbol(ret - 1)))
            return
        print("no thread with id %d" % want)


Threads()
Backtrace()
