# native - the protection-key tests of tests/native (real PKU gates,
# forged-EAX jumps, threads, signals, the byte scanner and bhscan) run in
# the test machine's user space, for hosts without PKU: QEMU TCG
# `-cpu max` has it.  /bulkhead/native/run (static) prints its own KTAP;
# its top-level results become this suite's, its SKIPs stay SKIPs.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
R=/bulkhead/native/run

if [ ! -x $R ]; then
	ktap_fail native_present "$R missing from the initramfs"
	ktap_end
	exit 0
fi
ktap_diag "cpu flags: $(grep -m1 -o -w -e pku -e ospke /proc/cpuinfo | tr '\n' ' ')"
BH_NATIVE_STATIC=1 $R > /tmp/native.ktap 2> /tmp/native.err
rc=$?
ktap_relay /tmp/native.ktap
[ "$BH_RELAYED" -gt 0 ] || ktap_fail native_ran "no results (exit $rc): $(tail -2 /tmp/native.err | tr '\n' ' ')"
ktap_end
