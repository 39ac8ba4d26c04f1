# Requests per second over time for each kelvin-fleet run (scripts/fleet.sh sets `dir`).
set terminal pngcairo size 900,720 font "sans,9"
set output dir."/fleet.png"
set multiplot layout 3,1
set logscale y
set yrange [0.8:2000]
set ylabel "requests / s"
set xrange [0:45]
set grid ytics
set key top right
set style data impulses
titles = "outage failover failover-throttled"
names = "'DPS and hub unreachable for 10 min (from minute 5)' 'hub failover at minute 5: every device told 401/404' 'the same failover against a DPS admitting 200 registrations/min'"
do for [i=1:3] {
    set title word(names, i)
    if (i == 3) { set xlabel "minutes" }
    plot dir."/".word(titles, i).".tsv" using ($1/60):2 title "hub" lc rgb "#1f77b4", \
         "" using ($1/60):3 title "DPS" lc rgb "#d62728"
}
unset multiplot
