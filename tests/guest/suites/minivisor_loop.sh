# minivisor_loop - insmod/rmmod bulkhead.ko many times in one boot (50
# rounds with 1 CPU, 20 with more): every round virtualizes every CPU and
# gives them back; no memory leak (MemFree, Slab), no warning in dmesg,
# the kernel fine after.  Then the "VMX already in use" refusal.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
S=/sys/kernel/bulkhead/minivisor
online=$(grep -c ^processor /proc/cpuinfo)
rounds=50
[ "$online" -gt 1 ] && rounds=20
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
dmesg -c > /dev/null

# one warm-up round: first-load allocations (module loader, sysfs) settle
insmod $M/bulkhead.ko && rmmod bulkhead
sync
free0=$(meminfo MemFree) slab0=$(meminfo Slab)
i=0 bad=0 why=
while [ $i -lt $rounds ]; do
	if ! insmod $M/bulkhead.ko; then
		bad=$((bad + 1)) why="insmod failed in round $i"; break
	fi
	n_on=$(grep -c ' on ' $S/cpus)
	if [ "$n_on" != "$online" ]; then
		bad=$((bad + 1)) why="round $i: $n_on of $online CPUs on"
	fi
	if ! rmmod bulkhead; then
		bad=$((bad + 1)) why="rmmod failed in round $i"; break
	fi
	i=$((i + 1))
done
sync
free1=$(meminfo MemFree) slab1=$(meminfo Slab)
if [ "$bad" = 0 ]; then ktap_ok "load_unload_${rounds}x"
else ktap_fail "load_unload_${rounds}x" "$why"; fi
dfree=$((free0 - free1)) dslab=$((slab1 - slab0))
ktap_diag "after $i rounds: MemFree $((free1 - free0)) kB, Slab $((slab1 - slab0)) kB (change)"
# one round pins (32 + 4 * 48) KiB per CPU: a leak shows as > 1 MiB
if [ "$dfree" -lt 1024 ] && [ "$dslab" -lt 256 ]; then ktap_ok no_leak
else ktap_fail no_leak "MemFree -${dfree} kB, Slab +${dslab} kB after $i rounds"; fi

dmesg > /tmp/dmesg.loop
# VMX already in use: a holder module sets CR4.VMXE on every CPU
if insmod $M/bhtest_mvhold.ko; then
	if insmod $M/bulkhead.ko 2>/dev/null; then
		rmmod bulkhead
		ktap_fail refuse_vmx_in_use "bulkhead.ko loaded although CR4.VMXE was set"
	else
		line=$(dmesg | grep 'bulkhead: .*refusing to load: VMX already in use' | head -1)
		if [ -n "$line" ]; then ktap_ok refuse_vmx_in_use
		else ktap_fail refuse_vmx_in_use "no refusal line in dmesg"; fi
		ktap_diag "${line#*] }"
	fi
	rmmod bhtest_mvhold
	dmesg -c > /tmp/dmesg.hold
	if insmod $M/bulkhead.ko && rmmod bulkhead; then ktap_ok load_after_holder
	else ktap_fail load_after_holder "insmod/rmmod failed once CR4.VMXE was clear"; fi
else
	ktap_fail refuse_vmx_in_use "insmod bhtest_mvhold.ko failed"
fi

v=$(sh -c 'echo after | cat')
[ "$v" = after ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"
dmesg >> /tmp/dmesg.loop
w=$(grep -E 'WARNING|BUG|Oops|refusing|general protection' /tmp/dmesg.loop | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
