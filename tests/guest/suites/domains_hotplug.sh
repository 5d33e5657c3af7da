# domains_hotplug - CPUs going offline and coming back while isolated
# drivers live (2 CPUs): bhdomains drops a leaving CPU's EPT views and
# fault entry and builds them again when it comes back, so the drivers
# keep working on both CPUs, a fault on the returning CPU is reported and
# contained, a domain created while the CPU was offline runs on it once it
# is back, the watchdog moves to the VMX-preemption timer while one CPU is
# left, and everything unloads with a CPU offline.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
C1=/sys/devices/system/cpu/cpu1/online
CPUS=/sys/kernel/debug/bhdomains/cpus
DOMS=/sys/kernel/debug/bhdomains/domains
KNOB=/sys/kernel/debug/bhglue_iso/bhram_wild_write
dmesg -c > /dev/null

if [ "$(grep -c ^processor /proc/cpuinfo)" -lt 2 ] || [ ! -w $C1 ]; then
	ktap_fail hotplug_setup "needs 2 CPUs and a writable $C1 (the plan boots 2)"
	ktap_end
	exit 0
fi
iso_drivers_load hotplug_drivers_load

# entries=N of a CPU in bhdomains' cpus file (gate round trips there)
entries() { sed -n "s/^cpu$1 entries=\([0-9]*\) .*/\1/p" $CPUS; }
# put a fresh 64 KiB pattern on the RAM disk from CPU $1; its sum in $SUM
put() {
	dd if=/dev/urandom of=/tmp/pat bs=4k count=16 2>/dev/null
	SUM=$(md5sum < /tmp/pat)
	taskset -c $1 dd if=/tmp/pat of=/dev/bhram_iso0 bs=4k count=16 oflag=direct 2>/dev/null
}
# read it back on CPU $1: does it match $SUM?
same() {
	[ "$(taskset -c $1 dd if=/dev/bhram_iso0 bs=4k count=16 iflag=direct 2>/dev/null | md5sum)" = "$SUM" ]
}
# the last dmesg line matching ERE, without its time stamp
line() { dmesg | grep -E "$1" | tail -1 | sed 's/^\[[^]]*\] //'; }
# hotplug NAME 0|1 ERE: CPU 1 offline (0) or online (1), then a
# bhdomains line matching ERE
hotplug() {
	if echo $2 > $C1; then
		_l=$(line "$3")
		[ -n "$_l" ] && ktap_ok $1 ||
			ktap_fail $1 "no dmesg line: $(dmesg | grep bhdomains | tail -2 | tr '\n' ' ')"
		ktap_diag "$_l"
	else
		ktap_fail $1 "echo $2 > $C1 failed: $(dmesg | tail -2 | tr '\n' ' ')"
	fi
}

put 1
same 0 && same 1 && ktap_ok data_both_cpus_before ||
	ktap_fail data_both_cpus_before "the RAM disk lost data before any hotplug"

# CPU 1 goes: bhdomains drops its views there
hotplug offline_views_dropped 0 "bhdomains: cpu 1 offline: the views of 2 domains destroyed, fault entry off"
same 0 && ktap_ok data_intact_one_cpu ||
	ktap_fail data_intact_one_cpu "read on CPU 0 with CPU 1 offline differs"
put 0
same 0 && ktap_ok io_works_one_cpu || ktap_fail io_works_one_cpu "write + read on CPU 0 differ"
# the only CPU left is watched by the VMX-preemption timer, at once
l=$(line "bhdomains: cpu 0: the only CPU online: entries with interrupts off watched by the VMX-preemption timer")
[ -n "$l" ] && ktap_ok watchdog_timer_when_alone ||
	ktap_fail watchdog_timer_when_alone "no line arming the timer on CPU 0"

# CPU 1 comes back: views built again (while CPU 1 was gone, a domain was
# also made: bhnull_iso reloaded, so it never had a view there)
ktap_check reload_while_offline sh -c "rmmod bhnull_iso && insmod $M/bhnull_iso.ko"
hotplug online_views_built 1 "bhdomains: cpu 1 online: the views of 2 domains built, fault entry set"
e0=$(entries 1)
same 1 && ktap_ok data_intact_cpu1_back ||
	ktap_fail data_intact_cpu1_back "read on CPU 1 after it came back differs"
put 1
same 0 && same 1 && ktap_ok io_works_cpu1_back ||
	ktap_fail io_works_cpu1_back "write on CPU 1, read on both: differ"
ktap_check created_offline_runs_on_cpu1 taskset -c 1 dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=64 iflag=direct
e1=$(entries 1)
[ -n "$e0" ] && [ -n "$e1" ] && [ "$e1" -gt "$e0" ] &&
	ktap_ok gate_entries_on_cpu1_back ||
	ktap_fail gate_entries_on_cpu1_back "cpu1 entries '$e0' -> '$e1': the I/O did not cross on CPU 1"
# a crossing on the returning CPU makes no VM exit once the domain's view
# is in its EPTP slot (bhnull_iso's was, since the last request there)
taskset -c 1 dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
x0=$(mv_exits)
taskset -c 1 dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null
x1=$(mv_exits)
[ "$x1" = "$x0" ] && ktap_ok no_exits_cpu1_back ||
	ktap_fail no_exits_cpu1_back "$((x1 - x0)) VM exits in 256 requests on CPU 1: $(mv_exit_lines | tr '\n' ' ')"
# with two CPUs again the timer is off (the other CPU's NMI watches)
l=$(line "bhdomains: cpu [01]: (the only CPU online|the watchdog's VMX-preemption timer off)")
case "$l" in
*"timer off"*) ktap_ok watchdog_timer_off_when_two ;;
*) ktap_fail watchdog_timer_off_when_two "last watchdog line: '$l'" ;;
esac

# a fault on the returning CPU: its fault entry is set again
victim=$(awk '$3 == "overflowuid" { print $1; exit }' /proc/kallsyms)
before=$(cat /proc/sys/kernel/overflowuid)
echo 0x$victim > $KNOB
if taskset -c 1 dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
	ktap_fail fault_cpu1_back_contained "the request that wrote kernel memory succeeded"
else
	l=$(line "bhdomains: domain bhram_iso cpu 1: stopped at rip .* write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT")
	after=$(cat /proc/sys/kernel/overflowuid)
	case "$l/$after/$(grep '^bhram_iso ' $DOMS)" in
	?*/$before/*state=dead*) ktap_ok fault_cpu1_back_contained ;;
	*) ktap_fail fault_cpu1_back_contained "dmesg '$l', overflowuid $before -> $after" ;;
	esac
	ktap_diag "$l"
fi
if rmmod bhram_iso && insmod $M/bhram_iso.ko; then
	put 1
	same 0 && same 1 && ktap_ok reload_after_fault_cpu1 ||
		ktap_fail reload_after_fault_cpu1 "the reloaded RAM disk lost data"
else
	ktap_fail reload_after_fault_cpu1 "$(dmesg | grep bh | tail -1)"
fi

# a CPU not ready for domains (what CPU 1 is while it goes or comes):
# its requests are given back to blk-mq and served from CPU 0, none fails
retries() { awk '$1 == "retries" { print $2 }' /sys/kernel/debug/bhglue_iso/stats; }
r0=$(retries)
if echo 1 > /sys/kernel/debug/bhdomains/hold_cpu; then
	put 1 && same 1 && same 0 && w=ok || w=failed
	r1=$(retries)
	echo -1 > /sys/kernel/debug/bhdomains/hold_cpu
	put 1 && same 1
	r2=$(retries)
	if [ "$w" = ok ] && [ "${r1:-0}" -gt "${r0:-0}" ] && [ "$r2" = "$r1" ]; then
		ktap_ok cpu_not_ready_requests_wait
	else
		ktap_fail cpu_not_ready_requests_wait "I/O $w, glue retries $r0 -> $r1 (held) -> $r2 (released)"
	fi
	ktap_diag "$((r1 - r0)) requests given back while CPU 1 was held"
else
	ktap_fail cpu_not_ready_requests_wait "no debugfs hold_cpu"
fi
# the glue's "run it on another CPU" is its own word: a driver answering
# map_rq with 1 (no driver API has that answer) fails the request
r0=$(retries)
echo 1 > /sys/kernel/debug/bhglue_iso/bhram_wild_ret
if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
	ktap_fail driver_answer_not_retry "the request answered 1 succeeded"
else
	[ "$(retries)" = "$r0" ] && ktap_ok driver_answer_not_retry ||
		ktap_fail driver_answer_not_retry "retries $r0 -> $(retries)"
fi

# a driver's init (inside its domain, as task calls that may sleep) on a
# CPU not ready waits for it: insmod pinned to CPU 1 while it is held,
# released 2 s later
rmmod bhnull_iso
echo 1 > /sys/kernel/debug/bhdomains/hold_cpu
(sleep 2; echo -1 > /sys/kernel/debug/bhdomains/hold_cpu) &
if taskset -c 1 insmod $M/bhnull_iso.ko 2>/tmp/insmod.err; then
	wait
	taskset -c 1 dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null &&
		ktap_ok cpu_not_ready_init_waits ||
		ktap_fail cpu_not_ready_init_waits "bhnull_iso loaded, its disk does not read"
else
	wait
	ktap_fail cpu_not_ready_init_waits "insmod on the held CPU failed: $(cat /tmp/insmod.err) $(dmesg | grep bh | tail -1)"
	insmod $M/bhnull_iso.ko
fi

# cycles: offline and online again, I/O on CPU 1 each time
ok=1
for i in 1 2 3; do
	echo 0 > $C1 || ok=0
	echo 1 > $C1 || ok=0
	put 1
	same 0 && same 1 || ok=0
done
[ $ok = 1 ] && ktap_ok three_cycles_io_works ||
	ktap_fail three_cycles_io_works "a cycle failed: $(dmesg | grep bh | tail -2 | tr '\n' ' ')"

# I/O from both CPUs (wherever the scheduler puts it) while CPU 1 goes
# and comes back five times: no request fails, nothing is lost (one that
# reaches a CPU whose views are going or not built yet waits: blk-mq
# runs it again, counted as "retries" by the glue)
put 1
rm -f /tmp/hp.stop
(
	while [ ! -e /tmp/hp.stop ]; do
		dd if=/tmp/pat of=/dev/bhram_iso0 bs=4k count=16 oflag=direct 2>/dev/null ||
			echo write-failed
		if dd if=/dev/bhram_iso0 of=/tmp/hp.rd bs=4k count=16 iflag=direct 2>/dev/null; then
			md5sum < /tmp/hp.rd
		else
			echo read-failed
		fi
	done
) > /tmp/hp.sums &
ok=1
for i in 1 2 3 4 5; do
	echo 0 > $C1 || ok=0
	sleep 1
	echo 1 > $C1 || ok=0
	sleep 1
done
touch /tmp/hp.stop
wait
n=$(wc -l < /tmp/hp.sums)
bad=$(grep -vc "^$SUM\$" /tmp/hp.sums)
r=$(awk '$1 == "retries" { print $2 }' /sys/kernel/debug/bhglue_iso/stats)
if [ $ok = 1 ] && [ "$n" -gt 0 ] && [ "$bad" = 0 ]; then
	ktap_ok io_during_hotplug_cycles
else
	ktap_fail io_during_hotplug_cycles "hotplug ok=$ok, $n rounds, $bad failed or differ: $(grep -v "^$SUM\$" /tmp/hp.sums | sort | uniq -c | head -3 | tr '\n' ' ')"
fi
ktap_diag "$n read rounds while CPU 1 went and came back 5 times, $r requests retried"

# unload everything with CPU 1 offline (its watchdog timer must not
# outlive the module), wait past a watchdog period, load again
echo 0 > $C1
ktap_check unload_cpu1_offline sh -c 'rmmod bhnull_iso && rmmod bhram_iso && rmmod bhglue_iso && rmmod bhdomains'
sleep 2
v=$(sh -c 'echo still-fine | cat')
[ "$v" = still-fine ] && ktap_ok kernel_fine_after_unload || ktap_fail kernel_fine_after_unload "pipe broken"
# loaded with CPU 1 offline, then CPU 1 back: both CPUs serve
if insmod $M/bhdomains.ko && insmod $M/bhglue_iso.ko && insmod $M/bhram_iso.ko &&
   echo 1 > $C1; then
	put 1
	same 0 && same 1 && ktap_ok loaded_offline_cpu1_joins ||
		ktap_fail loaded_offline_cpu1_joins "data differ"
else
	ktap_fail loaded_offline_cpu1_joins "$(dmesg | grep bh | tail -2 | tr '\n' ' ')"
fi
ktap_check rmmod_all sh -c 'rmmod bhram_iso && rmmod bhglue_iso && rmmod bhdomains && rmmod bulkhead'
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode|hung_task' | head -1)
[ -z "$w" ] && ktap_ok no_warnings || ktap_fail no_warnings "$w"
ktap_end
