# demo - the main job, shown to a person: what the engine offers, the
# minivisor loaded and its status, then the RAM-disk driver isolated in
# its own EPT view: an ext2 round trip, `bulkhead status`, the driver
# writing over a kernel variable (stopped by EPT, reported, the domain
# dead, its I/O failing), the driver reloaded and working, the minivisor
# unloaded.  Context: guest user space.  Prints "# " lines to read and
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
M=/bulkhead/modules
show_dmesg_since() {
	dmesg | tail -n +"$(($1 + 1))" | while read -r l; do ktap_diag "  $l"; done
}
# The RAM-disk driver isolated in its own EPT view: load it, put a file
# system on it, write and read back a file, show what the domains layer
# and the minivisor said, then kill the domain and show that its I/O fails
# while the kernel goes on.
demo_isolated_driver() {
	mark=$(dmesg | wc -l)
	if ! insmod $M/bhdomains.ko || ! insmod $M/bhglue_iso.ko ||
	   ! insmod $M/bhram_iso.ko; then
		ktap_fail isolated_driver_load "$(dmesg | tail -1)"
		return
	fi
	ktap_ok isolated_driver_load
	ktap_diag "dmesg while loading the isolated RAM disk (bhram_iso)," \
		"page assignments counted, not listed:"
	dmesg | tail -n +"$((mark + 1))" | grep -v ' assign dom ' |
		while read -r l; do ktap_diag "  $l"; done
	ktap_diag "  ($(dmesg | tail -n +"$((mark + 1))" | grep -c ' assign dom ')" \
		"page ranges assigned to the domain)"
	mkdir -p /mnt/demo
	dd if=/dev/urandom of=/tmp/demo.bin bs=64k count=16 2>/dev/null
	if mke2fs -q /dev/bhram_iso0 >/dev/null 2>&1 && mount -t ext2 /dev/bhram_iso0 /mnt/demo &&
	   cp /tmp/demo.bin /mnt/demo/ && umount /mnt/demo &&
	   echo 3 > /proc/sys/vm/drop_caches &&
	   mount -t ext2 -o ro /dev/bhram_iso0 /mnt/demo &&
	   cmp /tmp/demo.bin /mnt/demo/demo.bin; then
		ktap_ok isolated_ramdisk_ext2_roundtrip
	else
		ktap_fail isolated_ramdisk_ext2_roundtrip "1 MiB file did not come back intact"
	fi
	umount /mnt/demo 2>/dev/null
	ktap_diag "glue counters (/sys/kernel/debug/bhglue_iso/stats):"
	sed 's/^/    /' /sys/kernel/debug/bhglue_iso/stats 2>/dev/null |
		while read -r l; do ktap_diag "  $l"; done
	ktap_diag "VM exits by reason (/sys/kernel/bulkhead/minivisor/exits):"
	while read -r l; do ktap_diag "  $l"; done < /sys/kernel/bulkhead/minivisor/exits
	ktap_diag "bulkhead status:"
	/bulkhead/bin/bulkhead status 2>&1 | while read -r l; do ktap_diag "  $l"; done
	# the driver goes wrong: told (debugfs knob) to write over a kernel
	# variable on its next request; EPT stops the write in the domain
	mark=$(dmesg | wc -l)
	victim=$(awk '$3 == "overflowuid" { print $1; exit }' /proc/kallsyms)
	before=$(cat /proc/sys/kernel/overflowuid)
	echo "0x$victim" > /sys/kernel/debug/bhglue_iso/bhram_wild_write
	if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
		ktap_fail wild_write_stopped "the request that wrote kernel memory succeeded"
	elif [ "$(cat /proc/sys/kernel/overflowuid)" != "$before" ]; then
		ktap_fail wild_write_stopped "overflowuid changed"
	else
		ktap_ok wild_write_stopped
	fi
	if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=4 iflag=direct 2>/dev/null; then
		ktap_fail dead_domain_io_fails "I/O to a dead domain succeeded"
	else
		ktap_ok dead_domain_io_fails
	fi
	ktap_diag "dmesg after the driver's wild write to overflowuid (0x$victim):"
	show_dmesg_since "$mark"
	ktap_check kernel_still_works sh -c 'echo ok | cat >/dev/null'
	ktap_diag "bulkhead status (the domain is dead):"
	/bulkhead/bin/bulkhead status 2>&1 | while read -r l; do ktap_diag "  $l"; done
	# unload and load again: a fresh domain that works
	if rmmod bhram_iso && insmod $M/bhram_iso.ko &&
	   echo reloaded | dd of=/dev/bhram_iso0 bs=512 count=1 conv=sync oflag=direct 2>/dev/null &&
	   [ "$(dd if=/dev/bhram_iso0 bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\0')" = reloaded ]; then
		ktap_ok driver_reloaded
	else
		ktap_fail driver_reloaded "$(dmesg | tail -1)"
	fi
	rmmod bhram_iso && rmmod bhglue_iso && rmmod bhdomains
}

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
	demo_isolated_driver
	mark=$(dmesg | wc -l)
	ktap_check rmmod_bulkhead rmmod bulkhead
	dmesg | tail -n +"$((mark + 1))" | while read -r l; do ktap_diag "  $l"; done
else
	ktap_fail insmod_bulkhead "insmod bulkhead.ko failed: $(dmesg | tail -1)"
fi
ktap_end
