# minivisor - bulkhead.ko late launch: every CPU is virtualized and answers
# a ping hypercall, attacks are refused, the kernel keeps doing normal work
# (processes, pipes, timers, a block device, module load/unload) for 30 s,
# CPU hotplug gives a CPU back and takes it again, rmmod gives every CPU
# back, suspend is refused while virtualized.  Context: guest user space
# (busybox sh).
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

# normal work for 30 s of guest time (bulkhead.mv_secs=N changes it):
# short bursts, timers, a block device, module reloads.  With 2 CPUs Bochs
# cannot skip halted time: a spinner per CPU keeps both busy, which is the
# faster way there (measured: about 100 s of wall time per guest second,
# several minutes idle), so 30 s take about an hour: tests/plan's 2-CPU
# boots do bulkhead.mv_work=N rounds instead, tests/long.plan the 30 s.
rounds_max=$(sed -n 's/.*bulkhead\.mv_work=\([0-9]*\).*/\1/p' /proc/cmdline)
secs=$(sed -n 's/.*bulkhead\.mv_secs=\([0-9]*\).*/\1/p' /proc/cmdline)
secs=${secs:-30}
spin=
if [ "$online" -gt 1 ] && [ -z "$rounds_max" ]; then
	i=0
	while [ "$i" -lt "$online" ]; do
		sh -c 'while :; do :; done' &
		spin="$spin $!"
		i=$((i + 1))
	done
fi
[ -n "$rounds_max" ] && secs=100000
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
	[ -z "$rounds_max" ] && sleep 1
	rounds=$((rounds + 1))
done
[ -n "$spin" ] && kill $spin
wait 2>/dev/null
rmmod null_blk 2>/dev/null
name=normal_work_${secs}s
[ -n "$rounds_max" ] && name=normal_work_${rounds_max}_rounds
if [ "$bad" = 0 ] && [ "$rounds" -gt 3 ]; then ktap_ok $name
else ktap_fail $name "$bad failures in $rounds rounds"; fi
ktap_diag "work: $rounds rounds in $(( $(date +%s) - start )) s of guest time, uptime $(cut -d" " -f1 /proc/uptime) s"
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
	ktap_diag "hotplug: needs 2 CPUs (the 2-CPU boots test it)"
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

# suspend while virtualized is refused with one clear line (resume would
# run the firmware's wakeup path with VMX on).  pm_test=freezer makes a
# suspend stop after freezing tasks, so after rmmod the same request
# succeeds: the positive control, below.
can_suspend=0
if [ -w /sys/power/pm_test ] && grep -qw freeze /sys/power/state; then
	can_suspend=1
	echo freezer > /sys/power/pm_test
	echo 0 > /sys/module/suspend/parameters/pm_test_delay 2>/dev/null
	dmesg -c >> /tmp/dmesg.all
	if echo freeze > /sys/power/state 2>/dev/null; then
		ktap_fail suspend_refused "echo freeze > /sys/power/state succeeded with bulkhead.ko loaded"
	else
		line=$(dmesg | grep 'bulkhead: refusing suspend' | head -1)
		n_on=$(grep -c ' on ' $S/cpus)
		if [ -n "$line" ] && [ "$n_on" = "$online" ]; then
			ktap_ok suspend_refused
		else
			ktap_fail suspend_refused "message '${line}', $n_on of $online CPUs on"
		fi
	fi
	dmesg -c > /dev/null	# the refusal line is expected
else
	ktap_skip suspend_refused "no /sys/power/pm_test or no freeze state (CONFIG_PM_DEBUG, CONFIG_SUSPEND)"
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
if [ "$can_suspend" = 1 ]; then
	if echo freeze > /sys/power/state 2>/dev/null; then
		ktap_ok suspend_works_after_rmmod
	else
		ktap_fail suspend_works_after_rmmod "echo freeze failed without bulkhead.ko: $(dmesg | tail -1)"
	fi
	echo none > /sys/power/pm_test
fi
# after give-back: the kernel still works, ioperm users too (TR restored)
v=$(sh -c 'echo after | cat')
[ "$v" = after ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"
dmesg >> /tmp/dmesg.all
w=$(grep -E 'WARNING|BUG|Oops|refusing|general protection' /tmp/dmesg.all | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
