#!/bin/bash
# Turn the figures of one benchmark run into build/bench.md (one markdown
# table: figure, unit, engine, goal) and build/bench-throughput.png
# (isolated vs native dd throughput, gnuplot).  Context: host user space;
# called by tests/bench.
#
#   tests/lib/bench-report.sh NATIVE_LOG
#
# Figures are the "# bench: key=value" lines of build/tests/<boot>/
# serial.log (boots of tests/bench.plan) and of NATIVE_LOG (the output of
# tests/native/bench).  BENCH_FALLBACK=1 also takes a figure from the
# boots of tests/plan that print it (tests/bench --report-only).  A row
# without its figure reads MISSING; exit status 1 if there is one.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tests=$top/build/tests
md=$top/build/bench.md
png=$top/build/bench-throughput.png
dat=$top/build/bench-throughput.dat
native_log=${1:?usage: bench-report.sh NATIVE_LOG}
fallback=${BENCH_FALLBACK:-0}
missing=0

log_of() {
	if [ "$1" = native ]; then echo "$native_log"; else echo "$tests/$1/serial.log"; fi
}

# value of KEY in BOOT's log (the last one printed), or nothing
value() {
	local log
	log=$(log_of "$2")
	[ -f "$log" ] || return 0
	awk -v k="$1" '/# bench:/ {
		sub(/\r$/, "")
		sub(/.*# bench: */, "")
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1)
				v = substr($i, length(k) + 2)
	} END { print v }' "$log"
}

# fig KEY BENCH_BOOT [FALLBACK_BOOT...]: sets V and SRC from the first
# boot that printed KEY (fallback boots only with BENCH_FALLBACK=1)
fig() {
	local key=$1 b
	V='' SRC=$2
	shift
	[ "$fallback" = 1 ] || set -- "$1"
	for b in "$@"; do
		V=$(value "$key" "$b")
		if [ -n "$V" ]; then
			SRC=$b
			return 0
		fi
	done
	return 1
}

engine_of() {
	local e m
	case $1 in
	native)
		m=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
		echo "native ${m:-CPU}$(grep -qw pku /proc/cpuinfo && echo ', real PKU')"
		return ;;
	esac
	e=$(cat "$tests/$1.engine" 2>/dev/null)
	case $e in
	bochs)
		m=$(grep -o 'model=[a-z0-9_]*' "$tests/$1/bochsrc" 2>/dev/null | head -1 | cut -d= -f2)
		echo "Bochs ${m:-?}" ;;
	qemu-tcg) echo "QEMU TCG" ;;
	qemu-kvm) echo "QEMU nested KVM" ;;
	*) echo "${e:-?}" ;;
	esac
}

# row WHAT UNIT GOAL CHECK: one table line for V (from SRC); CHECK is an
# awk condition on v ("" = no goal, for figures shown beside the goals)
row() {
	local what=$1 unit=$2 goal=$3 check=$4 met=— src=$SRC why
	# a native figure on a host without PKU: skipped, with the reason
	if [ -z "$V" ] && [ "$SRC" = native ] &&
	   why=$(grep -m1 -o 'no PKU.*' "$native_log" 2>/dev/null); then
		echo "| $what | SKIP: $why | $unit | $(engine_of native) | tests/native/bench | $goal | — |"
		return
	fi
	if [ -z "$V" ]; then
		missing=$((missing + 1))
		echo "| $what | MISSING | $unit | — | ${SRC:-?} | $goal | — |"
		return
	fi
	if [ -n "$check" ]; then
		met=$(awk -v v="$V" "BEGIN { print ($check) ? \"yes\" : \"**no**\" }")
	fi
	[ "$src" = native ] && src=tests/native/bench
	echo "| $what | $V | $unit | $(engine_of "$SRC") | $src | $goal | $met |"
}

mv=minivisor-bench-1cpu
db=domains-bench-1cpu
dd_names="bhnull_4k_read bhram_4k_read bhram_4k_write bhram_128k_read bhnull_128k_read"
: > "$dat"
{
	echo "# Bulkhead benchmarks"
	echo
	echo "Made by \`make bench\` (tests/bench) on $(date -u '+%Y-%m-%d %H:%M UTC'); host CPU:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)."
	echo "Each figure is a \`# bench: key=value\` line of build/tests/<source>/serial.log"
	echo "(a boot of tests/bench.plan) or of tests/native/bench.  Bochs: the guest TSC"
	echo "follows the instruction count, so ticks are close to instructions and repeat"
	echo "run to run.$([ "$fallback" = 1 ] && echo ' Report only: figures may come from earlier boots of tests/plan (see source).')"
	echo
	echo "| figure | value | unit | engine | source | goal | met |"
	echo "|---|---:|---|---|---|---|---|"

	# ---- minivisor ----
	fig mv_idle_exits_per_s $mv
	row "minivisor: VM exits while idle, busiest CPU" "exits/s per CPU" "< 50" "v < 50"
	fig mv_busy_exits_per_s $mv
	row "minivisor: VM exits under an exec loop, busiest CPU" "exits/s per CPU" "— (CPUID: cannot be turned off)" ""
	fig mv_busy_non_cpuid_exits_per_s $mv
	row "minivisor: exits other than CPUID, exec loop" "exits/s per CPU" "—" ""
	fig mv_msr_cr_exits $mv
	row "minivisor: FS/GS_BASE, TSC_DEADLINE, other MSR and CR3/CR exits, whole run" "exits" "0" "v == 0"
	fig mv_overhead_ratio $mv
	row "minivisor: exec loop virtualized / native (same boot)" "ratio of guest TSC" "<= 1.02" "v <= 1.02"

	# ---- domains: the gate ----
	fig vmfunc_gate_round_trip_ticks $db domains-gate-1cpu domains-gate-2cpu
	row "domains: VMFUNC gate round trip" "TSC ticks (~ instructions)" "<= 2 VMFUNC + 40 instructions (42)" "v <= 42"
	fig vmfunc_gate_only_ticks $db domains-gate-1cpu domains-gate-2cpu
	row "domains: the gate alone (bh_vmf_enter round trip less a direct call of the same function)" "TSC ticks (~ instructions)" "<= 42" "v <= 42"
	fig direct_call_ticks $db domains-gate-1cpu domains-gate-2cpu
	row "domains: direct call, for comparison" "TSC ticks" "—" ""
	fig vmfunc_gate_exits_per_1000_trips $db domains-gate-1cpu domains-gate-2cpu
	row "domains: VM exits in 1000 gate round trips" "exits" "0" "v == 0"

	# ---- domains: block drivers, isolated vs native ----
	exits_sum=0 exits_src='' exits_n=0
	for n in $dd_names; do
		dev=${n%%_*} rest=${n#*_}
		iso=${dev}_iso_$rest
		label="$dev $(echo "$rest" | tr _ ' ')"
		fig "${iso}_pct_of_native" $db domains-1cpu domains-2cpu
		row "dd O_DIRECT $label: isolated throughput" "% of native" ">= 90" "v >= 90"
		fig "${iso}_calls_per_req" $db domains-1cpu domains-2cpu
		[ -n "$V" ] && V=$(awk -v c="$V" 'BEGIN { printf "%.2f", 2 * c }')
		row "dd O_DIRECT $label: gate crossings per request (a call = in + out)" "crossings/request" "<= 2" "v <= 2"
		if fig "${iso}_exits" $db domains-1cpu domains-2cpu; then
			exits_sum=$((exits_sum + V)) exits_src=$SRC exits_n=$((exits_n + 1))
		fi
		# the plot: MiB per 10^9 TSC ticks, native and isolated, from
		# the same boot
		fig "${n}_ticks_per_req" $db domains-1cpu domains-2cpu && t_nat=$V src_nat=$SRC || t_nat=''
		fig "${iso}_ticks_per_req" "$src_nat" && t_iso=$V || t_iso=''
		if [ -n "$t_nat" ] && [ -n "$t_iso" ]; then
			bs=$(echo "$rest" | sed 's/k_.*//')
			awk -v l="$dev-${rest//_/-}" -v bs="$bs" -v a="$t_nat" -v b="$t_iso" -v s="$src_nat" \
				'BEGIN { m = bs * 1024 / 1048576 * 1e9; printf "%s %.1f %.1f %s\n", l, m / a, m / b, s }' >> "$dat"
		fi
	done
	V='' SRC=$db
	[ "$exits_n" = 5 ] && V=$exits_sum SRC=$exits_src
	row "dd O_DIRECT, all five isolated runs: VM exits other than CPUID" "exits" "0" "v == 0"

	# ---- domains: interrupt storm ----
	fig storm_exits domains-storm-2cpu domains-storm-1cpu
	row "domains: VM exits during the interrupt storm" "exits" "0" "v == 0"
	fig storm_crossings domains-storm-2cpu domains-storm-1cpu
	row "domains: gate crossings during the storm" "crossings" "—" ""
	fig storm_ipis domains-storm-2cpu
	row "domains: IPIs during the storm (2 CPUs)" "IPIs" "—" ""

	# ---- protection keys, native ----
	fig mpk_gate_over_floor native
	row "MPK gate round trip / two-WRPKRU floor" "ratio" "<= 1.10" "v <= 1.10"
	fig mpk_gate_ticks native
	row "MPK gate round trip (BH_MPK_GATE)" "TSC ticks" "—" ""
	fig mpk_floor_ticks native
	row "two WRPKRUs (the floor)" "TSC ticks" "—" ""
	fig mpk_checked_call_over_floor native
	row "checked open + call + close, no stack switch / floor" "ratio" "—" ""

	# ---- the unikernel ----
	V='' SRC="uk-bench-bochs"
	a=$(value workload_tsc uk-bench-bochs) b=$(value workload_tsc uk-noiso-bench-bochs)
	[ -n "$a" ] && [ -n "$b" ] && V=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", a / b }')
	row "mpk-unikernel workload, isolated / not isolated ($a / $b ticks)" "ratio of guest TSC" "<= 1.005" "v <= 1.005"
	fig gate_crossings uk-bench-bochs
	row "mpk-unikernel: gate crossings in the workload" "crossings" "—" ""

	echo
	[ "$missing" = 0 ] ||
		echo "MISSING: the boot did not print the figure (see its serial.log); the command fails."
	[ "$missing" = 0 ] || echo
	echo "![isolated vs native dd throughput](bench-throughput.png)"
} > "$md"

# the plot, from the numbers above
if [ -s "$dat" ]; then
	if ! command -v gnuplot > /dev/null; then
		echo "bench-report: gnuplot missing (apt-get install gnuplot-nox); no $png" >&2
		missing=$((missing + 1))
	else
		src=$(awk '{ print $4 }' "$dat" | sort -u | tr '\n' ' ')
		gnuplot <<-EOF || missing=$((missing + 1))
		set terminal pngcairo size 1000,500 noenhanced
		set output '$png'
		set title "O_DIRECT dd, native vs isolated (boot: ${src% }, $(engine_of "${src%% *}"))"
		set ylabel 'MiB per 1e9 guest TSC ticks (log scale)'
		set style data histogram
		set style histogram cluster gap 1
		set style fill solid 0.8 border -1
		set key top left
		set grid ytics
		set logscale y
		set yrange [50:*]
		plot '$dat' using 2:xtic(1) title 'native', '' using 3 title 'isolated'
		EOF
	fi
else
	echo "bench-report: no dd figures, no $png" >&2
	missing=$((missing + 1))
fi
[ "$missing" = 0 ] || echo "bench-report: $missing figure(s) MISSING in $md" >&2
[ "$missing" = 0 ]
