# caps - the engine gives Bulkhead what it needs: VMX with EPT (4-level,
# 2M/1G), VPID, VM functions with EPTP switching, #VE, PKU, and VMXON/
# VMXOFF on every CPU. Context: guest user space.
. /bulkhead/lib.sh
online=$(grep -c ^processor /proc/cpuinfo)
if [ "$online" = "$BH_CPUS" ]; then ktap_ok cpus_online
else ktap_fail cpus_online "$online CPUs online, the host asked for $BH_CPUS"; fi
if insmod /bulkhead/modules/bhtest_caps.ko; then
	ktap_from_dmesg bhktap
	rmmod bhtest_caps || ktap_fail rmmod_caps "rmmod failed"
else
	ktap_fail load_caps "insmod bhtest_caps.ko failed"
fi
ktap_end
