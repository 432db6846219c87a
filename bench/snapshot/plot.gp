# SPDX-License-Identifier: MIT
# bench/snapshot/plot.gp: the snapshot benchmark's plot in the style of the
# paper's Figure 2, written by bench/snapshot/run (gnuplot-nox, tools/deps plot).
#
# Usage: gnuplot -e "phases='P.dat'; oltp='O.dat'; out='X.png'; ncols=N; \
#                    subtitle='...'" bench/snapshot/plot.gp
#   phases  rows copy/scan/destroy, one column of GiB/s per system
#   oltp    rows idle/copy/scan/destroy, one column of OLTP updates/s per system
#   Both files: first line "phase" + the system names (quoted), then one line
#   per phase; ncols = number of systems.
# Left panel (a): phase throughput per system; right panel (b): OLTP
# throughput while idle and during each phase of the OLAP job. Both log
# scale: values span orders of magnitude (and native runs far faster than
# the guests under TCG).

if (!exists("subtitle")) subtitle = ''
set terminal pngcairo size 1400,600 font ",10"
set output out
set multiplot layout 1,2 title "Snapshot copy-on-write benchmark\n".subtitle

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside bottom center horizontal font ",9"
set grid ytics
set xtics nomirror
set ytics nomirror

set title "(a) Phases of an OLAP job on a copy-on-write snapshot"
set ylabel "GiB/s (log scale)"
set logscale y
set format y "%g"
plot for [i=2:ncols+1] phases using i:xtic(1) title columnheader(i)

set title "(b) Impact on OLTP operations"
set ylabel "OLTP updates/s (log scale)"
set format y "10^{%L}"
plot for [i=2:ncols+1] oltp using i:xtic(1) title columnheader(i)

unset multiplot
