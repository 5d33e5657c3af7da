# pks - domains on supervisor protection keys (bhpks.ko, bhpks_test.ko).
# Context: guest user space (busybox sh).
#
# Kernel argument bulkhead.pks_break=irq loads bhpks.ko with break_irq=1
# (interrupts inside the domain keep its PKRS): the suite must go red.
. /bulkhead/lib.sh
M=/bulkhead/modules
D=/sys/kernel/debug/bhpks_test
args=
grep -q 'bulkhead.pks_break=irq' /proc/cmdline && args=break_irq=1

ktap_diag "cpus online: $(grep -c ^processor /proc/cpuinfo) (asked $BH_CPUS)"
dmesg | grep -iE 'smp:|mptable|mp-table|MP config|Allowing|APIC' | head -8 | \
	while read -r l; do ktap_diag "${l#*] }"; done
if ! grep -qw pks /proc/cpuinfo && ! grep -q 'flags.*pks' /proc/cpuinfo; then
	ktap_diag "/proc/cpuinfo has no pks flag (6.1 does not name it): CPUID decides"
fi
if ! insmod $M/bhpks.ko $args; then
	if dmesg | grep -q 'reason no PKS'; then
		ktap_skip pks_load "CPU has no PKS"
	else
		ktap_fail pks_load "insmod bhpks.ko failed: $(dmesg | tail -1)"
	fi
	ktap_end
	exit 0
fi
ktap_ok pks_load
on=$(dmesg | sed -n 's/.*bulkhead: pks on \([0-9]*\) of \([0-9]*\) online.*/\1 \2/p' | tail -1)
set -- $on
if [ -n "$1" ] && [ "$1" = "$2" ]; then ktap_ok pks_all_cpus
else ktap_fail pks_all_cpus "CR4.PKS on '$on' (of online)"; fi

ktap_check pks_test_load insmod $M/bhpks_test.ko
mode=$(dmesg | sed -n 's/.*bulkhead: domain bhpks_test key [0-9]* pkrs [0-9a-fx]* mode //p' | tail -1)
ktap_diag "insmod: mode $mode"
case "$mode" in
"pks (fault isolation: PKRS writes not trapped)") ktap_ok pks_mode_reported ;;
*) ktap_fail pks_mode_reported "no mode line in dmesg ('$mode')" ;;
esac

# 1. normal operation through the gate, data and stack carry the key
echo rw > $D/ctl; r=$(cat $D/result)
ktap_diag "$r"
case "$r" in "rw ok "*) ktap_ok pks_rw ;; *) ktap_fail pks_rw "$r" ;; esac

# 2. interrupts inside the domain run Linux's handlers with kernel keys
echo "busy 300" > $D/ctl; r=$(cat $D/result)
ktap_diag "$r"
case "$r" in "busy ok "*) ktap_ok pks_irq_kernel_keys ;; *) ktap_fail pks_irq_kernel_keys "$r" ;; esac
online=$(grep -c ^processor /proc/cpuinfo)
if [ "$online" -lt "$BH_CPUS" ]; then
	ktap_skip pks_every_cpu "only $online of $BH_CPUS CPUs came up (the firmware MP table lists $online)"
elif [ "$online" -lt 2 ]; then
	ktap_skip pks_every_cpu "1 CPU"
else
	case "$r" in *" cpus=$online "*) ktap_ok pks_every_cpu ;;
	*) ktap_fail pks_every_cpu "busy ran on fewer than $online CPUs: $r" ;; esac
fi

# 2b. a CPU that goes offline and comes back gets CR4.PKS again
c1=/sys/devices/system/cpu/cpu1/online
if [ "$online" -ge 2 ] && [ -w $c1 ]; then
	echo 0 > $c1; echo 1 > $c1
	echo "busy 100" > $D/ctl; r=$(cat $D/result)
	ktap_diag "after cpu1 off/on: $r"
	case "$r" in "busy ok cpus=$online "*) ktap_ok pks_cpu_hotplug ;;
	*) ktap_fail pks_cpu_hotplug "$r" ;; esac
else
	ktap_skip pks_cpu_hotplug "needs 2 CPUs and cpu1/online"
fi

# 3a. what the mode's name admits: a domain that WRMSRs IA32_PKRS itself
#     gets through (no hypervisor traps the MSR); the gate still closes
echo escape > $D/ctl; r=$(cat $D/result)
ktap_diag "$r"
case "$r" in
"escape succeeded "*" pkrs_after=0"*) ktap_ok pks_fault_isolation_only ;;
*) ktap_fail pks_fault_isolation_only "mode says fault isolation but: $r" ;;
esac

# 3. a stray write to kernel data is stopped; the domain is dead
echo stray > $D/ctl 2>/dev/null; r=$(cat $D/result)
ktap_diag "$r"
case "$r" in "stray stopped "*) ktap_ok pks_stray_stopped ;; *) ktap_fail pks_stray_stopped "$r" ;; esac
line=$(dmesg | grep 'bulkhead: domain bhpks_test cpu [0-9]* addr 0x[0-9a-f]* reason write denied by protection key' | tail -1)
ktap_diag "${line#*] }"
if [ -n "$line" ]; then ktap_ok pks_stray_dmesg
else ktap_fail pks_stray_dmesg "no 'bulkhead: domain bhpks_test cpu N addr X reason write denied' line"; fi
if echo rw > $D/ctl 2>/dev/null; then ktap_fail pks_dead_refused "call into a dead domain succeeded"
else ktap_ok pks_dead_refused; fi

# 4. the kernel survived: processes, unload in order, CR4.PKS off
ktap_check pks_kernel_alive sh -c '[ "$(echo alive | tr a-z A-Z)" = ALIVE ]'
ktap_check pks_test_unload rmmod bhpks_test

# 5. drivers-isolated/bhram.c (unchanged) as a block device in a PKS domain
ktap_check pks_glue_load insmod $M/bhpks_glue.ko
ktap_check pks_bhram_load insmod $M/bhram_pks.ko
mode=$(dmesg | sed -n 's/.*bulkhead: domain bhram_pks key [0-9]* pkrs [0-9a-fx]* mode //p' | tail -1)
ktap_diag "bhram_pks: mode $mode"
dd if=/dev/urandom of=/tmp/pat bs=64k count=32 2>/dev/null
ktap_check pks_bhram_write dd if=/tmp/pat of=/dev/bhram0 bs=64k conv=fsync
sync; echo 3 > /proc/sys/vm/drop_caches; blockdev --flushbufs /dev/bhram0 2>/dev/null
ktap_check pks_bhram_readback sh -c 'dd if=/dev/bhram0 bs=64k count=32 2>/dev/null | cmp - /tmp/pat'
calls=$(sed -n 's/^calls //p' /sys/kernel/debug/bhpks_glue/stats)
errors=$(sed -n 's/^errors //p' /sys/kernel/debug/bhpks_glue/stats)
ktap_diag "bhpks_glue: calls into the domain $calls, errors $errors"
if [ "${calls:-0}" -gt 0 ] && [ "$errors" = 0 ]; then ktap_ok pks_bhram_in_domain
else ktap_fail pks_bhram_in_domain "calls '$calls' errors '$errors'"; fi

# 6. a fresh bhpks_test domain may read kernel data (key 0), not bhram_pks'
#    (its own key); its fault leaves bhram_pks working
ktap_check pks_test_reload insmod $M/bhpks_test.ko
kaddr=$(awk '$3 == "jiffies" { print $1; exit }' /proc/kallsyms)
baddr=$(awk '$3 == "bhram" && $4 == "[bhram_pks]" { print $1; exit }' /proc/kallsyms)
echo "peek $kaddr" > $D/ctl; r=$(cat $D/result)
ktap_diag "$r"
case "$r" in "peek ok "*) ktap_ok pks_peek_kernel_allowed ;; *) ktap_fail pks_peek_kernel_allowed "$r" ;; esac
echo "peek $baddr" > $D/ctl 2>/dev/null; r=$(cat $D/result)
ktap_diag "$r"
line=$(dmesg | grep 'bulkhead: domain bhpks_test cpu [0-9]* addr 0x[0-9a-f]* reason access denied by protection key' | tail -1)
case "$r" in
"peek stopped "*" key=0 "* | "peek stopped "*" key=-1 "*)
	ktap_fail pks_peek_other_domain_stopped "target not in a domain: $r" ;;
"peek stopped "*) [ -n "$line" ] && ktap_ok pks_peek_other_domain_stopped ||
	ktap_fail pks_peek_other_domain_stopped "no 'reason access denied' dmesg line" ;;
*) ktap_fail pks_peek_other_domain_stopped "$r (bhram at '$baddr')" ;;
esac
sync; echo 3 > /proc/sys/vm/drop_caches; blockdev --flushbufs /dev/bhram0 2>/dev/null
ktap_check pks_bhram_survives sh -c 'dd if=/dev/bhram0 bs=64k count=32 2>/dev/null | cmp - /tmp/pat'
ktap_check pks_test_unload2 rmmod bhpks_test
ktap_check pks_bhram_unload rmmod bhram_pks
ktap_check pks_glue_unload rmmod bhpks_glue
ktap_check pks_unload rmmod bhpks
if dmesg | grep -q 'BUG:\|Oops\|WARNING:'; then
	ktap_fail pks_dmesg_clean "$(dmesg | grep 'BUG:\|Oops\|WARNING:' | head -1)"
else ktap_ok pks_dmesg_clean; fi
ktap_end
