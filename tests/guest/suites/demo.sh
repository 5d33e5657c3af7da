# demo - the main job, shown to a person: what the engine offers, then
# whatever Bulkhead can do so far (load the minivisor, show its status,
# unload it).  Context: guest user space.  Prints "# " lines to read and
# KTAP lines for each step that can fail.
. /bulkhead/lib.sh
ktap_diag "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)," \
	"$(grep -c ^processor /proc/cpuinfo) online"
if insmod /bulkhead/modules/bhtest_caps.ko; then
	dmesg | sed -n 's/^\[[^]]*\] bhktap: //p' | sed 's/^/  /' |
		while read -r l; do ktap_diag "caps: $l"; done
	rmmod bhtest_caps
	ktap_ok capability_report
else
	ktap_fail capability_report "insmod bhtest_caps.ko failed"
fi
mod=/bulkhead/modules/bulkhead.ko
if [ ! -f "$mod" ]; then
	ktap_skip minivisor "bulkhead.ko is not built yet"
	ktap_end
	exit 0
fi
mark=$(dmesg | wc -l)
if insmod "$mod"; then
	ktap_ok insmod_bulkhead
	ktap_diag "dmesg after insmod:"
	dmesg | tail -n +"$((mark + 1))" | while read -r l; do ktap_diag "  $l"; done
	if [ -d /sys/kernel/bulkhead ]; then
		for f in $(find /sys/kernel/bulkhead -type f | sort); do
			ktap_diag "$f:"
			sed 's/^/    /' "$f" | while read -r l; do ktap_diag "  $l"; done
		done
	fi
	mark=$(dmesg | wc -l)
	ktap_check rmmod_bulkhead rmmod bulkhead
	dmesg | tail -n +"$((mark + 1))" | while read -r l; do ktap_diag "  $l"; done
else
	ktap_fail insmod_bulkhead "insmod bulkhead.ko failed: $(dmesg | tail -1)"
fi
ktap_end
