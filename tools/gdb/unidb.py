# SPDX-License-Identifier: MIT
# tools/gdb/unidb.py: gdb commands for a unidb guest (loaded by tools/run --gdb,
# or by hand: `source tools/gdb/unidb.py` after `file build/unidb.elf`).
#
#   unidb-threads      every thread: id, name, state, cpu, what it waits on,
#                      and for a blocked thread the function it blocked in
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


def saved_frame(t):
    """rbp and return address that switch_stack left on a thread's stack."""
    sp = gdb.Value(int(t["rsp"])).cast(gdb.lookup_type("unsigned long").pointer())
    return int(sp[5]), int(sp[6])


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
                where = symbol(saved_frame(t)[1])
            print("%4d %-23s %-9s %3d %-10s %s" % (int(t["id"]), t["name"].string(), state, int(t["cpu"]), reason, where))


class Backtrace(gdb.Command):
    """Backtrace of a blocked unidb thread: unidb-bt ID"""

    def __init__(self):
        super().__init__("unidb-bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        want = int(arg)
        ulong = gdb.lookup_type("unsigned long").pointer()
        for t in threads():
            if int(t["id"]) != want:
                continue
            rbp, ret = saved_frame(t)
            for depth in range(64):
                print("#%-2d 0x%x %s" % (depth, ret, symbol(ret - 1)))
                if not rbp:
                    break
                frame = gdb.Value(rbp).cast(ulong)
                rbp, ret = int(frame[0]), int(frame[1])
                if not ret:
                    break
            return
        print("no thread with id %d" % want)


Threads()
Backtrace()
