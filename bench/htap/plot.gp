# SPDX-License-Identifier: MIT
# bench/htap/plot.gp: each analytical query's median time per side, a
# clustered bar chart, written by bench/htap/run (gnuplot-nox, tools/deps plot).
#
# Usage: gnuplot -e "dat='P.dat'; out='X.png'; subtitle='...'" bench/htap/plot.gp
#   dat: first line "query" + the side names (quoted), then one line per
#   query with each side's median ms (0 where it failed or differed from
#   PostgreSQL's answer: no bar on the log scale).
if (!exists("subtitle")) subtitle = ''
set terminal pngcairo size 1000,600 font ",10"
set output out
set title "TPC-H-like queries alone: median time per query (lower is better)\n".subtitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside bottom center horizontal
set grid ytics
set logscale y
set yrange [1:*]
set format y "%g"
set ylabel "ms (log scale; no bar: failed or wrong answer)"
plot for [i=2:3] dat using i:xtic(1) title columnheader(i)
