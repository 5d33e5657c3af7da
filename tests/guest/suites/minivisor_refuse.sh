# minivisor_refuse - on a CPU without VT-x (QEMU TCG) bulkhead.ko refuses
# to load with an errno and one dmesg line naming the missing feature.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
dmesg -c > /dev/null
if insmod /bulkhead/modules/bulkhead.ko 2>/tmp/insmod.err; then
	rmmod bulkhead
	ktap_fail refuse_without_vmx "bulkhead.ko loaded on a CPU without VMX"
else
	ktap_ok refuse_without_vmx
	ktap_diag "insmod: $(tail -1 /tmp/insmod.err)"
fi
line=$(dmesg | grep 'bulkhead: cpu[0-9]*: refusing to load: missing ' | head -1)
if [ -n "$line" ]; then ktap_ok refusal_names_feature
else ktap_fail refusal_names_feature "no 'refusing to load: missing ...' line"; fi
ktap_diag "${line#*] }"
n=$(dmesg | grep -c 'bulkhead: .*refusing')
# busybox insmod tries twice (finit_module, then init_module)
if [ "$n" -le 2 ]; then ktap_ok one_line_per_attempt
else ktap_fail one_line_per_attempt "$n bulkhead lines"; fi
if grep -q '^bulkhead ' /proc/modules; then ktap_fail not_loaded "still listed"
else ktap_ok not_loaded; fi
ktap_end
