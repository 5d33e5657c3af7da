# minivisor - bulkhead.ko late launch: every CPU is virtualized and answers
# a ping hypercall, attacks are refused, the kernel keeps doing normal work
# (processes, pipes, timers, a block device, module load/unload) for 30 s,
# CPU hotplug gives a CPU back and takes it again, rmmod gives every CPU
# back.  Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
S=/sys/kernel/bulkhead/minivisor
online=$(grep -c ^processor /proc/cpuinfo)
ktap_diag "cpus online: $online; pcid: $(grep -qw pcid /proc/cpuinfo && echo yes || echo no); pti: $(grep -qw pti /proc/cpuinfo && echo on || echo off)"
dmesg -c > /dev/null

if ! insmod $M/bulkhead.ko; then
	ktap_fail insmod "insmod bulkhead.ko failed: $(dmesg | grep bulkhead | tail -1)"
	ktap_end
	exit 0
fi
ktap_ok insmod
n_on=$(grep -c ' on ' $S/cpus)
if [ "$n_on" = "$online" ]; then ktap_ok all_cpus_virtualized
else ktap_fail all_cpus_virtualized "$n_on of $online CPUs on: $(cat $S/cpus | tr '\n' ';')"; fi

if insmod $M/bhtest_mv.ko; then
	ktap_from_dmesg bhmv
	# VMCALL from user mode (CPL 3): #UD -> SIGILL, root mode unharmed
	cat /sys/kernel/debug/bhtest_mv/vmcall_user > /tmp/uvmcall
	chmod +x /tmp/uvmcall
	ref0=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^refused=/) s += substr($i, 9) } END { print s + 0 }' $S/cpus)
	/tmp/uvmcall; rc=$?
	ref1=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^refused=/) s += substr($i, 9) } END { print s + 0 }' $S/cpus)
	if [ "$rc" = 132 ] && [ "$ref1" -gt "$ref0" ]; then ktap_ok user_vmcall_refused
	else ktap_fail user_vmcall_refused "exit status $rc (want 132 = SIGILL), refused $ref0 -> $ref1"; fi
	rmmod bhtest_mv
else
	ktap_fail bhtest_mv "insmod bhtest_mv.ko failed"
fi

# normal work for 30 s of guest time on 1 CPU: short bursts and timers.
# With 2 CPUs Bochs cannot skip idle time (a guest second costs minutes of
# wall time, even without bulkhead.ko), so 2-CPU boots do a fixed number
# of busy rounds instead (bulkhead.mv_work=N rounds).
rounds_max=$(sed -n 's/.*bulkhead\.mv_work=\([0-9]*\).*/\1/p' /proc/cmdline)
secs=30
[ "$online" -gt 1 ] && secs=100000
insmod $M/null_blk.ko 2>/dev/null
start=$(date +%s) rounds=0 bad=0
end=$((start + secs))
while [ "$(date +%s)" -lt "$end" ]; do
	[ -n "$rounds_max" ] && [ "$rounds" -ge "$rounds_max" ] && break
	v=$(sh -c 'echo ping-$$ | cat | tr p P')
	case "$v" in Ping-*) ;; *) bad=$((bad + 1)) ;; esac
	dd if=/dev/nullb0 of=/dev/null bs=4k count=16 2>/dev/null || bad=$((bad + 1))
	if [ $((rounds % 4)) = 2 ]; then
		rmmod null_blk && insmod $M/null_blk.ko || bad=$((bad + 1))
	fi
	[ "$online" = 1 ] && sleep 1
	rounds=$((rounds + 1))
done
rmmod null_blk 2>/dev/null
name=normal_work_30s
[ -n "$rounds_max" ] && name=normal_work_${rounds_max}_rounds
if [ "$bad" = 0 ] && [ "$rounds" -gt 3 ]; then ktap_ok $name
else ktap_fail $name "$bad failures in $rounds rounds"; fi
ktap_diag "work: $rounds rounds in $(( $(date +%s) - start )) s"
cat $S/exits | sed 's/^/# exits: /'

# CPU hotplug: an offlined CPU is given back, an onlined one virtualized
if [ "$online" -ge 2 ] && [ -w /sys/devices/system/cpu/cpu1/online ]; then
	echo 0 > /sys/devices/system/cpu/cpu1/online
	if ! grep -q '^cpu1 on' $S/cpus; then
		ktap_ok hotplug_offline_gives_back
	else ktap_fail hotplug_offline_gives_back "$(grep cpu1 $S/cpus)"; fi
	echo 1 > /sys/devices/system/cpu/cpu1/online
	if grep -q '^cpu1 on' $S/cpus; then ktap_ok hotplug_online_virtualizes
	else ktap_fail hotplug_online_virtualizes "$(grep cpu1 $S/cpus) $(dmesg | grep bulkhead | tail -1)"; fi
	dmesg -c >> /tmp/dmesg.all
	if insmod $M/bhtest_mv.ko attacks=0; then
		ktap_from_dmesg bhmv
		rmmod bhtest_mv
	fi
else
	ktap_skip hotplug "needs 2 CPUs"
fi

# NMIs that land in root mode (a CPU spinning on CPUID) must not
# triple-fault, with KPTI's paranoid entry as without
if [ "$online" -ge 2 ]; then
	lo=$(cat /sys/module/bulkhead/sections/.text 2>/dev/null)
	sz=$(cat /sys/module/bulkhead/coresize)
	dmesg -c >> /tmp/dmesg.all
	if insmod $M/bhtest_mv.ko checks=0 nmis=300 root_lo=${lo:-0} root_size=$sz; then
		ktap_from_dmesg bhmv
		rmmod bhtest_mv
	else
		ktap_fail nmi_in_root_mode "insmod bhtest_mv nmis=300 failed"
	fi
fi

# defined failure: an EPT violation (a GPA outside the identity map) is
# reported with its address and that CPU is given back, still working
dmesg -c >> /tmp/dmesg.all
if insmod $M/bhtest_mv.ko checks=0 ept_fault=1; then
	ktap_from_dmesg bhmv
	rmmod bhtest_mv
	if grep -q ' failed ' $S/cpus; then ktap_ok ept_fault_cpu_marked_failed
	else ktap_fail ept_fault_cpu_marked_failed "$(cat $S/cpus | tr '\n' ';')"; fi
	if grep -q 'what=3 .* a=200000000 ' $S/log; then ktap_ok ept_fault_logged_with_gpa
	else ktap_fail ept_fault_logged_with_gpa "$(tail -2 $S/log | tr '\n' ';')"; fi
fi
v=$(sh -c 'echo still | cat')
[ "$v" = still ] && ktap_ok kernel_fine_after_ept_fault || ktap_fail kernel_fine_after_ept_fault "pipe broken"

if rmmod bulkhead; then ktap_ok rmmod
else ktap_fail rmmod "rmmod bulkhead failed"; fi
if [ ! -d $S ]; then ktap_ok sysfs_removed; else ktap_fail sysfs_removed "$S still there"; fi
# after give-back: the kernel still works, ioperm users too (TR restored)
v=$(sh -c 'echo after | cat')
[ "$v" = after ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"
dmesg >> /tmp/dmesg.all
w=$(grep -E 'WARNING|BUG|Oops|refusing|general protection' /tmp/dmesg.all | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
