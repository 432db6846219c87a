# SPDX-License-Identifier: MIT
# bench/pgbench/plot.gp: pgbench tps per workload and side, a clustered bar
# chart, written by bench/pgbench/run (gnuplot-nox, tools/deps plot).
#
# Usage: gnuplot -e "dat='P.dat'; out='X.png'; ncols=N; subtitle='...'" \
#                bench/pgbench/plot.gp
#   dat: first line "workload" + the side names (quoted), then one line per
#   workload with each side's median tps (0 where the side failed: no bar
#   on the log scale). Log scale: the native host runs far faster than the
#   guests under TCG.
if (!exists("subtitle")) subtitle = ''
set terminal pngcairo size 1000,600 font ",10"
set output out
set title "pgbench: transactions per second (higher is better)\n".subtitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside bottom center horizontal
set grid ytics
set xtics nomirror
set ytics nomirror
set logscale y
set yrange [1:*]
set format y "%g"
set ylabel "tps (log scale; no bar: the side failed)"
plot for [i=2:ncols+1] dat using i:xtic(1) title columnheader(i)
