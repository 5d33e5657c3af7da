# domains_storm - interrupts while an isolated driver runs: for 30 s of
# guest time (bulkhead.storm=SECS on the kernel command line changes it), O_DIRECT dd on the isolated null disk (every request one
# VMFUNC round trip into the driver's domain) while timer-wakeup loops keep
# interrupts and rescheduling IPIs coming on every CPU.  One domain only:
# switching a CPU between two domains reloads EPTP slot 1 (one hypercall,
# one exit, by design of the 2-slot EPTP list).  Counts crossings,
# interrupts and VM exits (CPUID excepted: the processes the test starts
# run it in user space); crossings and interrupts must cause none.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
EXITS=/sys/kernel/bulkhead/minivisor/exits
ST=/sys/kernel/debug/bhglue_iso/stats
exits() { awk 'NR > 1 && $1 != "CPUID" { for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }' $EXITS; }
irqs() { awk 'NR > 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts; }
calls() { awk '$1 == "calls" { print $2 }' $ST; }

dmesg -c > /dev/null
for m in bulkhead bhdomains bhglue_iso bhnull_iso; do
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
	taskset -c $i dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=8 iflag=direct 2>/dev/null
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
e0=$(exits) q0=$(irqs) c0=$(calls) t0=$(date +%s) rounds=0 bad=0
while [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null || bad=$((bad + 1))
	rounds=$((rounds + 1))
done
e1=$(exits) q1=$(irqs) c1=$(calls)
# interrupts that landed while a CPU was inside the domain (exitless)
inside=$(sed -n 's/.*irqs_in_domain=\([0-9]*\).*/\1/p' /sys/kernel/debug/bhdomains/cpus | awk '{ s += $1 } END { print s + 0 }')
kill $pids
wait 2>/dev/null
n=$((e1 - e0))
ktap_diag "$secs s: $rounds rounds, $((c1 - c0)) crossings, $((q1 - q0)) interrupts ($inside of them inside the domain), $n VM exits (not CPUID)"
ktap_diag "bench: storm_crossings=$((c1 - c0))"
ktap_diag "bench: storm_interrupts=$((q1 - q0))"
ktap_diag "bench: storm_exits=$n"
ktap_diag "bench: storm_irqs_in_domain=$inside"
if [ "$bad" = 0 ] && [ "$rounds" -gt 0 ]; then ktap_ok storm_io_ok
else ktap_fail storm_io_ok "$bad failed dd in $rounds rounds"; fi
if [ $((q1 - q0)) -gt 100 ]; then ktap_ok storm_had_interrupts
else ktap_fail storm_had_interrupts "only $((q1 - q0)) interrupts"; fi
if [ "$n" = 0 ]; then ktap_ok storm_no_exits
else ktap_fail storm_no_exits "$n exits: $(awk 'NR > 1 && $1 != "CPUID"' $EXITS | tr '\n' ';')"; fi
cat $EXITS | sed 's/^/# exits: /'
for m in bhnull_iso bhglue_iso bhdomains bulkhead; do
	rmmod $m || ktap_fail "rmmod_$m" "$(dmesg | tail -1)"
done
w=$(dmesg | grep -E 'WARNING|BUG|Oops|invalid opcode' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
