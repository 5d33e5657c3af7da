# domains_storm - interrupts while an isolated driver runs: for 30 s of
# guest time (bulkhead.storm=SECS on the kernel command line changes it),
# O_DIRECT dd on the isolated RAM disk (every request one VMFUNC round
# trip into the driver's domain), each round writing 1 MiB of one of two
# random patterns, reading it back (compared: no corruption) and reading
# 8 MiB more back to back, while
# timer-wakeup loops keep interrupts coming on every CPU and, with 2 CPUs,
# one of them is moved from CPU to CPU all the time (rescheduling and
# function-call IPIs).  One domain only: switching a CPU between two
# domains reloads EPTP slot 1 (one hypercall, one exit, by design of the
# 2-slot EPTP list).  Counts crossings, interrupts, IPIs and VM exits
# (CPUID excepted: the processes the test starts run it in user space;
# PREEMPTION_TIMER too: the watchdog's timer with one CPU online, every
# watchdog_ms / 2 whatever runs); crossings and interrupts must cause none.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
ST=/sys/kernel/debug/bhglue_iso/stats
irqs() { awk 'NR > 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts; }
# IPIs: rescheduling, function call, TLB shootdown
ipis() { awk '$1 ~ /^(RES|CAL|TLB):$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts; }
calls() { awk '$1 == "calls" { print $2 }' $ST; }

dmesg -c > /dev/null
for m in bulkhead bhdomains bhglue_iso bhram_iso; do
	if ! insmod $M/$m.ko; then
		ktap_fail "insmod_$m" "$(dmesg | tail -1)"
		ktap_end
		exit 0
	fi
done
ktap_ok insmod_all
# warm up: each CPU loads the domain's view once (one hypercall each)
cpus=$(grep -c ^processor /proc/cpuinfo)
i=0
while [ $i -lt "$cpus" ]; do
	taskset -c $i dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=8 iflag=direct 2>/dev/null
	i=$((i + 1))
done

# storm: per CPU a shell loop sleeping 1 ms in poll (read -t on a fifo
# nobody writes: timer interrupts and wakeups, no fork per iteration)
secs=30
for a in $(cat /proc/cmdline); do
	case "$a" in bulkhead.storm=*) secs=${a#*=} ;; esac
done
mkfifo /tmp/storm.fifo
pids=
i=0
while [ $i -lt "$cpus" ]; do
	(exec 3<>/tmp/storm.fifo; while :; do read -t 0.001 x <&3; done) &
	pids="$pids $!"
	i=$((i + 1))
done
# with 2 CPUs: the first sleeper moved back and forth between them
if [ "$cpus" -gt 1 ]; then
	mover=${pids# }
	mover=${mover%% *}
	(while :; do taskset -p -c 0 "$mover"; taskset -p -c 1 "$mover"; done) > /dev/null 2>&1 &
	pids="$pids $!"
fi
# the two patterns a round writes and reads back
dd if=/dev/urandom of=/tmp/pat0 bs=4k count=256 2>/dev/null
dd if=/dev/urandom of=/tmp/pat1 bs=4k count=256 2>/dev/null
e0=$(mv_exits) q0=$(irqs) p0=$(ipis) c0=$(calls) t0=$(date +%s) rounds=0 bad=0 corrupt=0
while [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	pat=/tmp/pat$((rounds % 2))
	dd if=$pat of=/dev/bhram_iso0 bs=4k count=256 oflag=direct 2>/dev/null || bad=$((bad + 1))
	dd if=/dev/bhram_iso0 of=/tmp/back bs=4k count=256 iflag=direct 2>/dev/null || bad=$((bad + 1))
	cmp -s $pat /tmp/back || corrupt=$((corrupt + 1))
	# and requests back to back (more crossings, more time in the domain)
	dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=2048 iflag=direct 2>/dev/null || bad=$((bad + 1))
	rounds=$((rounds + 1))
done
e1=$(mv_exits) q1=$(irqs) p1=$(ipis) c1=$(calls)
# interrupts that landed while a CPU was inside the domain (exitless)
inside=$(sed -n 's/.*irqs_in_domain=\([0-9]*\).*/\1/p' /sys/kernel/debug/bhdomains/cpus | awk '{ s += $1 } END { print s + 0 }')
kill $pids
wait 2>/dev/null
n=$((e1 - e0))
ktap_diag "$secs s on $cpus CPU(s): $rounds rounds (1 MiB written, read back, compared; 8 MiB read), $((c1 - c0)) crossings, $((q1 - q0)) interrupts ($((p1 - p0)) IPIs; $inside interrupts inside the domain), $n VM exits (not CPUID)"
ktap_diag "bench: storm_crossings=$((c1 - c0))"
ktap_diag "bench: storm_interrupts=$((q1 - q0))"
ktap_diag "bench: storm_ipis=$((p1 - p0))"
ktap_diag "bench: storm_exits=$n"
ktap_diag "bench: storm_irqs_in_domain=$inside"
if [ "$bad" = 0 ] && [ "$rounds" -gt 0 ]; then ktap_ok storm_io_ok
else ktap_fail storm_io_ok "$bad failed dd in $rounds rounds"; fi
if [ "$corrupt" = 0 ] && [ "$rounds" -gt 0 ]; then ktap_ok storm_no_corruption
else ktap_fail storm_no_corruption "$corrupt of $rounds rounds read back other data"; fi
if [ $((q1 - q0)) -gt 100 ]; then ktap_ok storm_had_interrupts
else ktap_fail storm_had_interrupts "only $((q1 - q0)) interrupts"; fi
# IPIs need a second CPU: the 1-CPU boot has none to count.  More than
# 50 a second: the mover makes ~115/s (3,519 in 30 s), the wakeups alone
# ~20/s (621 with the mover left out)
if [ "$cpus" -gt 1 ]; then
	if [ $((p1 - p0)) -gt $((50 * secs)) ]; then ktap_ok storm_had_ipis
	else ktap_fail storm_had_ipis "only $((p1 - p0)) IPIs in $secs s (want > $((50 * secs)))"; fi
fi
if [ "$n" = 0 ]; then ktap_ok storm_no_exits
else ktap_fail storm_no_exits "$n exits: $(mv_exit_lines | tr '\n' ';')"; fi
cat $MV_EXITS | sed 's/^/# exits: /'
for m in bhram_iso bhglue_iso bhdomains bulkhead; do
	rmmod $m || ktap_fail "rmmod_$m" "$(dmesg | tail -1)"
done
w=$(dmesg | grep -E 'WARNING|BUG|Oops|invalid opcode' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
