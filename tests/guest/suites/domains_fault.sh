# domains_fault - a real isolated driver misbehaves: bhram_iso (the RAM
# disk in its own EPT view) is told through its test knob to write a
# pattern over a kernel variable on its next request.  The write must be
# stopped by EPT, the minivisor's fault entry must report it (dmesg names
# domain, CPU, address, reason), the domain must be dead, that request and
# every later one must fail with EIO at once (no hang), the kernel
# variable must be intact, the other isolated driver (bhnull_iso) and the
# kernel must keep running, and bhram_iso must unload and load again and
# then store data.  Then the confused deputy: its map_rq names a kernel
# variable as where a write's data goes; the glue must refuse it (the
# variable intact), stop the domain, and a reload must work.
# Then a driver's init and exit, which run inside its domain
# (drivers-isolated/test/bhtask_iso.c): a fault in init fails the load
# (dmesg names domain, CPU, address, reason; the kernel variable intact)
# and a clean load works after it; kernel pointers handed to the kernel's
# calls (a confused deputy) are refused; a yield from queue_rq (an atomic
# call) and a yield to an unknown call kill the domain.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
dmesg -c > /dev/null

iso_drivers_load drivers_load

knob=/sys/kernel/debug/bhglue_iso/bhram_wild_write
# the victim: overflowuid (an int shown by /proc/sys/kernel/overflowuid)
victim=$(awk '$3 == "overflowuid" { print $1; exit }' /proc/kallsyms)
before=$(cat /proc/sys/kernel/overflowuid)
if [ ! -w $knob ] || [ -z "$victim" ]; then
	ktap_fail setup "knob $knob or overflowuid in kallsyms missing"
	ktap_end
	exit 0
fi

# the driver works, then goes wrong
echo hello-before | dd of=/dev/bhram_iso0 bs=512 count=1 conv=sync 2>/dev/null
ktap_check iso_driver_works_before dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=8 iflag=direct
echo 0x$victim > $knob
if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/tmp/dd.err; then
	ktap_fail faulting_request_fails "the request that wrote kernel memory succeeded"
else
	grep -qi 'input/output error' /tmp/dd.err && ktap_ok faulting_request_fails ||
		ktap_fail faulting_request_fails "not EIO: $(cat /tmp/dd.err)"
fi
after=$(cat /proc/sys/kernel/overflowuid)
[ "$after" = "$before" ] && ktap_ok kernel_variable_intact ||
	ktap_fail kernel_variable_intact "overflowuid $before -> $after"
l=$(dmesg | grep -E "bhdomains: domain bhram_iso cpu [0-9]+: stopped at rip bhram_(queue|map)_rq.* write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT" | head -1)
k=$(dmesg | grep -E "bhdomains: domain bhram_iso cpu [0-9]+: fault at 0x$victim: write of the kernel's memory .*domain dead" | head -1)
if [ -n "$l" ] && [ -n "$k" ]; then
	ktap_ok fault_reported_domain_cpu_address_reason
else
	ktap_fail fault_reported_domain_cpu_address_reason "no dmesg line naming bhram_iso, the cpu, 0x$victim and the reason"
fi
ktap_diag "${l#*] }"
ktap_diag "${k#*] }"

# dead: every later request fails at once, on every CPU
ok=1
for cpu in $(seq 0 $(($(grep -c ^processor /proc/cpuinfo) - 1))); do
	taskset -c $cpu dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=4 iflag=direct 2>/dev/null && ok=0
	taskset -c $cpu dd if=/dev/zero of=/dev/bhram_iso0 bs=4k count=4 oflag=direct 2>/dev/null && ok=0
done
[ $ok = 1 ] && ktap_ok dead_domain_io_fails_everywhere ||
	ktap_fail dead_domain_io_fails_everywhere "a request on the dead domain succeeded"

# the rest keeps running
ktap_check other_domain_still_runs dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=64 iflag=direct
v=$(sh -c 'echo still-fine | cat')
[ "$v" = still-fine ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"

# unload and load again: a fresh domain that stores data
ktap_check rmmod_dead_driver rmmod bhram_iso
if insmod $M/bhram_iso.ko; then
	ktap_ok reload_driver
	printf 'bulkhead-reloaded-%08d' 42 | dd of=/dev/bhram_iso0 bs=512 count=1 conv=sync oflag=direct 2>/dev/null
	s=$(dd if=/dev/bhram_iso0 bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\0')
	[ "$s" = bulkhead-reloaded-00000042 ] && ktap_ok reloaded_driver_stores_data ||
		ktap_fail reloaded_driver_stores_data "read back '$s'"
	# a confused deputy: map_rq names kernel memory (overflowuid) as
	# where a write's data goes, so that the kernel would do the write
	printf 'bulkhead-deputy-%08d' 1 | dd of=/dev/bhram_iso0 bs=512 seek=8 count=1 conv=sync oflag=direct 2>/dev/null
	echo 0x$victim > /sys/kernel/debug/bhglue_iso/bhram_wild_map
	if dd if=/dev/zero of=/dev/bhram_iso0 bs=4k count=1 oflag=direct 2>/dev/null; then
		ktap_fail deputy_write_fails "the write into kernel memory succeeded"
	else
		ktap_ok deputy_write_fails
	fi
	after=$(cat /proc/sys/kernel/overflowuid)
	[ "$after" = "$before" ] && ktap_ok deputy_kernel_variable_intact ||
		ktap_fail deputy_kernel_variable_intact "overflowuid $before -> $after"
	l=$(dmesg | grep -E "bhdomains: domain bhram_iso cpu [0-9]+: fault at 0x$victim: map_rq named 0x$victim\+[0-9]+: not the domain's memory: domain dead" | head -1)
	[ -n "$l" ] && ktap_ok deputy_reported ||
		ktap_fail deputy_reported "no dmesg line naming bhram_iso, 0x$victim and the reason"
	ktap_diag "${l#*] }"
	if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
		ktap_fail deputy_domain_dead "a read after the refusal succeeded"
	else
		ktap_ok deputy_domain_dead
	fi
	ktap_check rmmod_reloaded rmmod bhram_iso
	ktap_check deputy_reload insmod $M/bhram_iso.ko
	printf 'bulkhead-again-%08d' 3 | dd of=/dev/bhram_iso0 bs=512 count=1 conv=sync oflag=direct 2>/dev/null
	s=$(dd if=/dev/bhram_iso0 bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\0')
	[ "$s" = bulkhead-again-00000003 ] && ktap_ok deputy_reloaded_stores_data ||
		ktap_fail deputy_reloaded_stores_data "read back '$s'"
	# its own struct module (the kernel's: its state, exit pointer and
	# list links) is read-only in its view: a write there stops it, and
	# the module still unloads and loads
	tm=$(awk '$3 == "__this_module" && $4 == "[bhram_iso]" { print $1; exit }' /proc/kallsyms)
	n0=$(dmesg | grep -cE "bhdomains: domain bhram_iso cpu [0-9]+: stopped at rip .*: write of domain bhram_iso's read-only memory \(gpa 0x[0-9a-f]+\) denied by EPT")
	echo 0x$tm > $knob
	if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
		ktap_fail struct_module_read_only "the request that wrote its struct module (0x$tm) succeeded"
	else
		n1=$(dmesg | grep -cE "bhdomains: domain bhram_iso cpu [0-9]+: stopped at rip .*: write of domain bhram_iso's read-only memory \(gpa 0x[0-9a-f]+\) denied by EPT")
		[ -n "$tm" ] && [ "$n1" -gt "$n0" ] && ktap_ok struct_module_read_only ||
			ktap_fail struct_module_read_only "__this_module '$tm', EPT write lines $n0 -> $n1"
		ktap_diag "$(dmesg | grep -E 'bhdomains: domain bhram_iso cpu [0-9]+: stopped at rip' | tail -1 | sed 's/^\[[^]]*\] //')"
	fi
	ktap_check rmmod_after_struct_module rmmod bhram_iso
	if insmod $M/bhram_iso.ko; then
		ktap_ok reload_after_struct_module
		ktap_check rmmod_reloaded_again rmmod bhram_iso
	else
		ktap_fail reload_after_struct_module "$(dmesg | grep bh | tail -1)"
	fi
else
	ktap_fail reload_driver "$(dmesg | grep bh | tail -1)"
fi
# the out-of-tree example (drivers-isolated/example, built with
# isolate.mk): a domain of its own beside the others, storing data
if insmod $M/bhexample_iso.ko; then
	printf 'bulkhead-example-%08d' 7 | dd of=/dev/bhexample_iso0 bs=512 seek=3 count=1 conv=sync oflag=direct 2>/dev/null
	s=$(dd if=/dev/bhexample_iso0 bs=512 skip=3 count=1 iflag=direct 2>/dev/null | tr -d '\0')
	d=$(grep '^bhexample_iso ' /sys/kernel/debug/bhdomains/domains)
	case $s/$d in
	bulkhead-example-00000007/*mode=EPT*state=live*) ktap_ok example_iso_stores_data ;;
	*) ktap_fail example_iso_stores_data "read back '$s', domain '$d'" ;;
	esac
	ktap_diag "$d"
	ktap_check rmmod_example rmmod bhexample_iso
else
	ktap_fail example_iso_stores_data "insmod bhexample_iso.ko: $(dmesg | grep bh | tail -1)"
fi
# a driver with a tracepoint (its struct tracepoint, which the kernel
# registers probes in, calls and frees, lies in its writable memory):
# isolation refused, no domain left
if insmod $M/bhtrace_iso.ko 2>/dev/null; then
	rmmod bhtrace_iso
	ktap_fail kernel_tables_refused "bhtrace_iso.ko loaded"
else
	l=$(dmesg | grep -E "bhglue_iso: bhtrace_iso cpu [0-9]+: not isolating: it has tracepoints \(__tracepoints\), kernel data in memory its domain could write" | head -1)
	if [ -n "$l" ] && ! grep -q '^bhtrace_iso ' /sys/kernel/debug/bhdomains/domains; then
		ktap_ok kernel_tables_refused
	else
		ktap_fail kernel_tables_refused "no dmesg line, or a domain left: $(dmesg | grep bhtrace | tail -1)"
	fi
	ktap_diag "${l#*] }"
fi

# ---- init and exit inside the domain: bhtask_iso ----
DOMS=/sys/kernel/debug/bhdomains/domains
KNOB=/sys/kernel/debug/bhglue_iso/bhtask_value
task_gone() { ! grep -q '^bhtask_iso ' /proc/modules && ! grep -q '^bhtask_iso ' $DOMS &&
	[ ! -e $KNOB ] && [ ! -b /dev/bhtask_iso0 ]; }
# bhtask_loads TEST: a clean load (init in the domain: a log line, a disk,
# a knob the kernel reads from the domain's memory), then unload (exit in
# the domain)
bhtask_loads() {
	if ! insmod $M/bhtask_iso.ko 2>/tmp/insmod.err; then
		ktap_fail $1 "insmod bhtask_iso.ko: $(cat /tmp/insmod.err)"
		return
	fi
	d=$(grep '^bhtask_iso ' $DOMS) v=$(cat $KNOB 2>/dev/null)
	dd if=/dev/bhtask_iso0 of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null || v="$v, dd failed"
	rmmod bhtask_iso || v="$v, rmmod failed"
	case "$v/$d" in
	0x0000000000001234/*state=live*task_calls=3) ktap_ok $1 ;;
	*) ktap_fail $1 "knob '$v', domain '$d'" ;;
	esac
}
bhtask_loads task_init_exit_in_domain
dmesg | grep -E 'bhtask: (init|exit) in its domain' | sed 's/^\[[^]]*\] /# /'
n=$(dmesg | grep -cE 'bhtask: (init|exit) in its domain')
[ "$n" = 2 ] && task_gone && ktap_ok task_init_exit_logged ||
	ktap_fail task_init_exit_logged "$n of 2 lines; leftovers: $(grep bhtask /proc/modules $DOMS)"

# a fault inside init: the write over overflowuid is stopped, the load
# fails with EIO, dmesg names domain, CPU, address and reason
before=$(cat /proc/sys/kernel/overflowuid)
if insmod $M/bhtask_iso.ko bad=1 addr=0x$victim 2>/tmp/insmod.err; then
	ktap_fail init_fault_load_fails "insmod bad=1 succeeded"
	rmmod bhtask_iso
else
	grep -qiE 'i/o error|input/output' /tmp/insmod.err && ktap_ok init_fault_load_fails ||
		ktap_fail init_fault_load_fails "not EIO: $(cat /tmp/insmod.err)"
fi
after=$(cat /proc/sys/kernel/overflowuid)
[ "$after" = "$before" ] && ktap_ok init_fault_kernel_variable_intact ||
	ktap_fail init_fault_kernel_variable_intact "overflowuid $before -> $after"
l=$(dmesg | grep -E "bhdomains: domain bhtask_iso cpu [0-9]+: stopped at rip bhtask_.* write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT" | head -1)
k=$(dmesg | grep -E "bhdomains: domain bhtask_iso cpu [0-9]+: fault at 0x$victim: write of the kernel's memory .*domain dead" | head -1)
if [ -n "$l" ] && [ -n "$k" ]; then ktap_ok init_fault_reported_domain_cpu_address_reason
else ktap_fail init_fault_reported_domain_cpu_address_reason "no dmesg line naming bhtask_iso, the cpu, 0x$victim and the reason"; fi
ktap_diag "${l#*] }"
ktap_diag "${k#*] }"
task_gone && ktap_ok init_fault_nothing_left ||
	ktap_fail init_fault_nothing_left "$(grep bhtask /proc/modules $DOMS; ls $KNOB /dev/bhtask_iso0 2>&1)"
v=$(sh -c 'echo fine-after-init-fault | cat')
[ "$v" = fine-after-init-fault ] && ktap_ok kernel_fine_after_init_fault ||
	ktap_fail kernel_fine_after_init_fault "pipe broken"
bhtask_loads task_loads_after_init_fault

# a confused deputy: init hands the kernel the address of overflowuid as
# the knob's variable (debugfs would write it) and as bh_blk_add's out
if insmod $M/bhtask_iso.ko bad=2 addr=0x$victim 2>/tmp/insmod.err; then
	ktap_fail deputy_load_fails "insmod bad=2 succeeded"
	rmmod bhtask_iso
else
	grep -qi 'bad address' /tmp/insmod.err && ktap_ok deputy_load_fails ||
		ktap_fail deputy_load_fails "not EFAULT: $(cat /tmp/insmod.err)"
fi
after=$(cat /proc/sys/kernel/overflowuid)
kn=$(dmesg | grep -E "bhglue_iso: domain bhtask_iso cpu [0-9]+: bh_test_knob: var 0x$victim refused: not the domain's writable memory \(-14\)" | head -1)
ko=$(dmesg | grep -E "bhglue_iso: domain bhtask_iso cpu [0-9]+: bh_blk_add: out 0x$victim refused: not the domain's writable memory \(-14\)" | head -1)
if [ -n "$kn" ] && [ -n "$ko" ] && [ "$after" = "$before" ] &&
   [ ! -e /sys/kernel/debug/bhglue_iso/bhtask_deputy ]; then
	ktap_ok deputy_kernel_pointers_refused
else
	ktap_fail deputy_kernel_pointers_refused "dmesg '$kn' '$ko', overflowuid $before -> $after"
fi
ktap_diag "${kn#*] }"
ktap_diag "${ko#*] }"
task_gone && ktap_ok deputy_nothing_left ||
	ktap_fail deputy_nothing_left "$(grep bhtask /proc/modules $DOMS; ls /dev/bhtask_iso0 2>&1)"

# a yield to a call number the kernel does not have: a fault
if insmod $M/bhtask_iso.ko bad=3 2>/tmp/insmod.err; then
	ktap_fail unknown_call_kills "insmod bad=3 succeeded"
	rmmod bhtask_iso
else
	l=$(dmesg | grep -E "bhdomains: domain bhtask_iso cpu [0-9]+: fault at 0x[0-9a-f]+: yield to unknown call 16962: domain dead" | head -1)
	[ -n "$l" ] && task_gone && ktap_ok unknown_call_kills ||
		ktap_fail unknown_call_kills "no dmesg line or leftovers: $(cat /tmp/insmod.err)"
	ktap_diag "${l#*] }"
fi

# a yield from queue_rq (bh_domain_call, atomic, cannot sleep): a fault,
# the request fails with EIO, the driver unloads, loads again
if insmod $M/bhtask_iso.ko; then
	echo 0x59 > $KNOB
	if dd if=/dev/bhtask_iso0 of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null; then
		ktap_fail atomic_yield_kills "the request that yielded succeeded"
	else
		l=$(dmesg | grep -E "bhdomains: domain bhtask_iso cpu [0-9]+: fault at 0x[0-9a-f]+: bh_vmf_yield from an atomic call" | head -1)
		s=$(grep '^bhtask_iso ' $DOMS)
		case "$l/$s" in
		?*/*state=dead*) ktap_ok atomic_yield_kills ;;
		*) ktap_fail atomic_yield_kills "dmesg '$l', domain '$s'" ;;
		esac
		ktap_diag "${l#*] }"
	fi
	rmmod bhtask_iso && task_gone && ktap_ok atomic_yield_unloads ||
		ktap_fail atomic_yield_unloads "$(grep bhtask /proc/modules $DOMS)"
else
	ktap_fail atomic_yield_kills "insmod bhtask_iso.ko: $(dmesg | grep bh | tail -1)"
fi
bhtask_loads task_loads_after_faults

ktap_check rmmod_others sh -c 'rmmod bhnull_iso && rmmod bhglue_iso && rmmod bhdomains && rmmod bulkhead'
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode|hung_task' | head -1)
[ -z "$w" ] && ktap_ok no_warnings || ktap_fail no_warnings "$w"
ktap_end
