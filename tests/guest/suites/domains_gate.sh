# domains_gate - a protection domain on per-CPU EPT views (bhdomains.ko on
# bulkhead.ko's minivisor): the load-time scan refuses an isolated driver
# with VMFUNC bytes and accepts a clean one; a VMFUNC gate round trip
# with scrubbed registers, the domain's own stack and pages, the kernel
# read-only to it, TSC ticks and VM exits per round trip; the kernel keeps
# working after the domain is gone.  BH_DOM_FAULT=1 in the environment (or
# bulkhead.domfault=1 on the kernel command line) adds the fault case.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
dmesg -c > /dev/null
grep -q 'bulkhead.domfault=1' /proc/cmdline && BH_DOM_FAULT=1

if ! insmod $M/bulkhead.ko; then
	ktap_fail insmod_bulkhead "$(dmesg | grep bulkhead | tail -1)"
	ktap_end
	exit 0
fi
if ! insmod $M/bhdomains.ko; then
	ktap_fail insmod_bhdomains "$(dmesg | grep bhdomains | tail -1)"
	rmmod bulkhead
	ktap_end
	exit 0
fi
ktap_ok insmod_bhdomains

# the load-time scan
if insmod $M/bhstray_iso.ko 2>/dev/null; then
	rmmod bhstray_iso
	ktap_fail scan_refuses_stray_vmfunc "bhstray_iso.ko loaded"
else
	l=$(dmesg | grep 'refusing driver bhstray_iso' | head -1)
	case "$l" in
	*VMFUNC*"bytes 0f 01 d4"*) ktap_ok scan_refuses_stray_vmfunc ;;
	*) ktap_fail scan_refuses_stray_vmfunc "no dmesg line naming it: $l" ;;
	esac
	ktap_diag "${l#*] }"
fi
if insmod $M/bhclean_iso.ko; then
	ktap_ok scan_accepts_clean
	rmmod bhclean_iso
else
	ktap_fail scan_accepts_clean "$(dmesg | grep bhclean | tail -1)"
fi

# the gate
insmod $M/bhtest_dom.ko 2>/dev/null
ktap_from_dmesg bhdom
rmmod bhtest_dom 2>/dev/null
dmesg | grep -E 'bhdomains: (domain|refusing)' | sed 's/^\[[^]]*\] /# /' | head -8
cat /sys/kernel/bulkhead/minivisor/log 2>/dev/null | tail -4 | sed 's/^/# mv log: /'

v=$(sh -c 'echo still-fine | cat')
[ "$v" = still-fine ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"
ktap_check rmmod_bhdomains rmmod bhdomains
ktap_check rmmod_bulkhead rmmod bulkhead
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi

# the fault case (known red until domains/ABI-REQUESTS.md #1): the domain
# writes a kernel variable; the EPT violation must be reported with that
# address, and the write must not happen
if [ "${BH_DOM_FAULT:-0}" = 1 ]; then
	dmesg -c > /dev/null
	insmod $M/bulkhead.ko && insmod $M/bhdomains.ko
	insmod $M/bhtest_dom.ko fault=1 2>/dev/null
	pa=$(dmesg | sed -n 's/.*writes kernel memory at .* (pa 0x\([0-9a-f]*\)).*/\1/p' | head -1)
	if grep -q "what=3 .*a=0*$pa " /sys/kernel/bulkhead/minivisor/log 2>/dev/null; then
		ktap_ok fault_ept_violation_reported
	else
		ktap_fail fault_ept_violation_reported "no EPT entry for pa $pa in the minivisor log"
	fi
	sed 's/^/# mv log: /' /sys/kernel/bulkhead/minivisor/log 2>/dev/null | tail -3
	if dmesg | grep -q 'bhdom: ok [0-9]* domain_write_kernel_stopped'; then
		ktap_ok fault_write_stopped
	else
		ktap_fail fault_write_stopped "not contained: $(dmesg | grep -E 'invalid opcode|bhdom: not ok' | head -1)"
	fi
	grep cpu /sys/kernel/bulkhead/minivisor/cpus 2>/dev/null | sed 's/^/# /'
	v=$(sh -c 'echo still-fine | cat')
	[ "$v" = still-fine ] && ktap_ok fault_kernel_fine_after || ktap_fail fault_kernel_fine_after "pipe broken"
fi
ktap_end
