# SPDX-License-Identifier: MIT
# tools/gdb/profile.py: the sampler behind tools/profile (read it there).
# A timer thread sends gdb SIGINT after the interval, which stops the
# target and ends the blocking `continue`; then every vCPU's pc is read.
import collections
import os
import signal
import threading

import gdb


def function_of(pc):
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None and block.function is not None:
        return block.function.name
    sym = gdb.execute("info symbol %#x" % pc, to_string=True)
    return sym.split(" in ")[0].split(" + ")[0].strip() or "%#x" % pc


def caller_chain(depth=5):
    names = []
    frame = gdb.newest_frame().older()
    while frame is not None and len(names) < depth:
        names.append(frame.name() or "?")
        frame = frame.older()
    return " < ".join(names)


def main():
    target = os.environ["PROFILE_TARGET"]
    samples = int(os.environ["PROFILE_SAMPLES"])
    interval = int(os.environ["PROFILE_INTERVAL"]) / 1000.0
    top = int(os.environ["PROFILE_TOP"])
    callers_of = os.environ.get("PROFILE_CALLERS", "")
    callers = collections.Counter()
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("target remote " + target, to_string=True)
    counts = collections.Counter()
    total = 0
    n = 0
    while n < samples:
        try:
            pcs = []
            for th in gdb.selected_inferior().threads():
                th.switch()
                pc = int(gdb.parse_and_eval("$pc"))
                pcs.append(pc)
                if callers_of and function_of(pc) == callers_of:
                    callers[caller_chain()] += 1
            for pc in pcs:
                counts[function_of(pc)] += 1
            total += len(pcs)
            n += 1
            t = threading.Timer(interval, os.kill,
                                (os.getpid(), signal.SIGINT))
            t.start()
            gdb.execute("continue", to_string=True)
            t.cancel()
        except (gdb.error, KeyboardInterrupt):
            # a SIGINT that came late, outside `continue`: the target
            # is stopped either way; sample on
            continue
    gdb.execute("detach", to_string=True)
    print("%d samples (%d per vCPU)" % (total, samples))
    print("%7s %6s  %s" % ("samples", "share", "function"))
    for name, n in counts.most_common(top):
        print("%7d %5.1f%%  %s" % (n, 100.0 * n / total, name))
    if callers_of:
        print("callers of %s:" % callers_of)
        for chain, n in callers.most_common(top):
            print("%7d  %s" % (n, chain))


main()
