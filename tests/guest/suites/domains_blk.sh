# domains_blk - the block drivers of drivers-isolated/ (bhnull, bhram), the
# same sources built twice: NOT isolated (bhglue) and isolated (bhglue_iso:
# init, exit and queue_rq run in the driver's own EPT view, entered by the
# VMFUNC gate; init's and exit's calls reach the kernel as yields).
# For each build: an ext2 file system on the RAM disk keeps 32 MiB of files
# across unmount, cache drop and remount; a reloaded driver starts empty;
# O_DIRECT dd throughput timed by the guest TSC, with driver calls per
# request (and VM exits during the isolated runs).
# Context: guest user space (busybox sh).
# Each file system is also checked unmounted by Debian's e2fsck -fn (the
# initramfs carries it with its libraries): any error it reports fails.
. /bulkhead/lib.sh
M=/bulkhead/modules
SRC=/tmp/src

# VM exits on all CPUs so far that crossings and interrupts could cause
# (lib.sh, mv_exits): they must cause none
# dd_rate GLUE NAME r|w DEV BS COUNT: O_DIRECT dd timed by the guest TSC
# (the guest clock under Bochs is too coarse); prints
# "# bench NAME: N MiB, T ticks/request, R MiB/Gtick, C calls / Q requests, E exits"
dd_rate() {
	glue=$1 name=$2 dir=$3 dev=$4 bs=$5 count=$6
	st=/sys/kernel/debug/$glue/stats
	# warm up: the first crossing into a domain on a CPU loads its view
	# into the EPTP list (one hypercall); measure the steady state
	cpu=0
	while [ $cpu -lt "$(grep -c ^processor /proc/cpuinfo)" ]; do
		taskset -c $cpu dd if="$dev" of=/dev/null bs="$bs" count=1 iflag=direct 2>/dev/null
		cpu=$((cpu + 1))
	done
	q0=$(awk '$1 == "requests" { print $2 }' $st) c0=$(awk '$1 == "calls" { print $2 }' $st)
	e0=$(mv_exits) t0=$(cat /sys/kernel/debug/$glue/tsc)
	if [ "$dir" = r ]; then
		dd if="$dev" of=/dev/null bs="$bs" count="$count" iflag=direct 2>/dev/null || return 1
	else
		dd if=/dev/zero of="$dev" bs="$bs" count="$count" oflag=direct 2>/dev/null || return 1
	fi
	t1=$(cat /sys/kernel/debug/$glue/tsc) e1=$(mv_exits)
	q1=$(awk '$1 == "requests" { print $2 }' $st) c1=$(awk '$1 == "calls" { print $2 }' $st)
	echo $(((t1 - t0) / count)) > /tmp/ticks.$name
	echo $((e1 - e0)) > /tmp/exits.$name
	awk -v n="$name" -v b="$bs" -v c="$count" -v t=$((t1 - t0)) \
	    -v q=$((q1 - q0)) -v k=$((c1 - c0)) -v e=$((e1 - e0)) 'BEGIN {
		mib = b * c / 1048576
		printf "# %s: %d MiB, %d ticks/request, %.1f MiB/Gtick, %d calls / %d requests, %d exits (not CPUID)\n",
			n, mib, t / c, mib * 1e9 / t, k, q, e
		gsub(/-/, "_", n)
		printf "# bench: %s_ticks_per_req=%d\n# bench: %s_calls_per_req=%.2f\n# bench: %s_exits=%d\n",
			n, t / c, n, q ? k / q : 0, n, e }'
}
# ratio NATIVE ISO: isolated throughput as a share of native
ratio() {
	awk -v a="$(cat /tmp/ticks.$1)" -v b="$(cat /tmp/ticks.$2)" -v n="$2" \
		'BEGIN { printf "# %s: %.1f%% of native throughput\n", n, 100 * a / b
			 gsub(/-/, "_", n); printf "# bench: %s_pct_of_native=%.1f\n", n, 100 * a / b }'
}
# bench TEST CMD...: run a dd_rate, print its line, one test
bench() {
	name=$1
	shift
	if out=$("$@"); then echo "$out"; ktap_ok "$name"
	else ktap_fail "$name" "$* failed"; fi
}

# fs_round TAG DEV: mkfs, 32 MiB of files, umount, drop caches, remount ro,
# every checksum
fs_round() {
	tag=$1 dev=$2
	ktap_check ${tag}_mkfs_ext2 mke2fs -q "$dev"
	mkdir -p /mnt/r
	ktap_check ${tag}_mount mount -t ext2 "$dev" /mnt/r
	if cp $SRC/* /mnt/r/ && sync; then ktap_ok ${tag}_write_32mib
	else ktap_fail ${tag}_write_32mib "cp failed: $(df -k /mnt/r | tail -1)"; fi
	ktap_check ${tag}_umount umount /mnt/r
	sync
	echo 3 > /proc/sys/vm/drop_caches
	blockdev --flushbufs "$dev" 2>/dev/null
	ktap_check ${tag}_remount mount -t ext2 -o ro "$dev" /mnt/r
	if (cd /mnt/r && md5sum -c /tmp/sums > /tmp/sums.out 2>&1); then
		ktap_ok ${tag}_checksums_match
	else
		ktap_fail ${tag}_checksums_match "$(grep -v ': OK' /tmp/sums.out | head -2 | tr '\n' ' ')"
	fi
	umount /mnt/r
	if out=$(e2fsck -fn "$dev" 2>&1); then
		ktap_ok ${tag}_e2fsck
	else
		ktap_fail ${tag}_e2fsck "e2fsck -fn $dev: $(echo "$out" | grep -v '^Pass' | tail -3 | tr '\n' ' ')"
	fi
}

# reload_empty TAG MODULE DEV: a reloaded driver starts empty
reload_empty() {
	rmmod "$2" && insmod "$M/$2.ko"
	if mount -t ext2 -o ro "$3" /mnt/r 2>/dev/null; then
		umount /mnt/r
		ktap_fail ${1}_reload_starts_empty "an ext2 file system survived rmmod"
	else
		ktap_ok ${1}_reload_starts_empty
	fi
}

dmesg -c > /dev/null
# the file set: 1 x 16 MiB, 4 x 2 MiB, 64 x 128 KiB = 32 MiB
mkdir -p $SRC
dd if=/dev/urandom of=$SRC/big bs=1M count=16 2>/dev/null
for i in 1 2 3 4; do dd if=/dev/urandom of=$SRC/mid$i bs=1M count=2 2>/dev/null; done
i=0
while [ $i -lt 64 ]; do
	dd if=/dev/urandom of=$SRC/small$i bs=128k count=1 2>/dev/null
	i=$((i + 1))
done
(cd $SRC && md5sum * > /tmp/sums)
ktap_diag "file set: $(wc -l < /tmp/sums) files, $(du -sk $SRC | cut -f1) KiB"

# ---- not isolated ----
for m in bhglue bhnull bhram; do
	insmod $M/$m.ko || ktap_fail "insmod_$m" "$(dmesg | tail -1)"
done
if [ -b /dev/bhram0 ] && [ -b /dev/bhnull0 ]; then ktap_ok native_devices
else ktap_fail native_devices "$(ls /dev | grep bh | tr '\n' ' ')"; fi
fs_round native /dev/bhram0
reload_empty native bhram /dev/bhram0
bench native_dd_bhnull dd_rate bhglue bhnull-4k-read r /dev/bhnull0 4096 4096
bench native_dd_bhram dd_rate bhglue bhram-4k-read r /dev/bhram0 4096 4096
bench native_dd_bhram_write dd_rate bhglue bhram-4k-write w /dev/bhram0 4096 4096
dd_rate bhglue bhram-128k-read r /dev/bhram0 131072 256
dd_rate bhglue bhnull-128k-read r /dev/bhnull0 131072 256
for m in bhram bhnull bhglue; do
	rmmod $m || ktap_fail "rmmod_$m" "$(dmesg | tail -1)"
done

# ---- isolated ----
if ! insmod $M/bulkhead.ko || ! insmod $M/bhdomains.ko; then
	ktap_fail iso_needs_minivisor "$(dmesg | grep -E 'bulkhead|bhdomains' | tail -1)"
	ktap_end
	exit 0
fi
for m in bhglue_iso bhnull_iso bhram_iso; do
	insmod $M/$m.ko || ktap_fail "insmod_$m" "$(dmesg | grep -E 'bh' | tail -1)"
done
if [ -b /dev/bhram_iso0 ] && [ -b /dev/bhnull_iso0 ]; then ktap_ok iso_devices
else ktap_fail iso_devices "$(ls /dev | grep bh | tr '\n' ' ')"; fi
# each driver's code was scanned where it became executable in its
# domain's view (bh_domain_map); the glue, kernel code, was not
for m in bhnull_iso bhram_iso; do
	ktap_dmesg "iso_code_scanned_$m" "bhdomains: driver $m: [0-9]+ bytes of code at .* scanned, clean" \
		"no scan line for $m"
done
if dmesg | grep -qE 'bhdomains: (driver|refusing driver) bhglue_iso'; then
	ktap_fail iso_glue_not_scanned "$(dmesg | grep -E 'bhdomains: .*bhglue_iso' | head -1)"
else
	ktap_ok iso_glue_not_scanned
fi
# init ran inside each domain: its calls (bh_pages_alloc, bh_blk_add, ...)
# came as yields of the domain's task call, counted per domain by
# bhdomains (task_calls=N) and per call by bhglue_iso; an init run in the
# kernel view makes none
GST=/sys/kernel/debug/bhglue_iso/stats
# all domains' sleepable calls since bhdomains loaded
task_calls() { cat /sys/kernel/debug/bhdomains/task_calls; }
dom_task_calls() { sed -n "s/^$1 .*task_calls=\([0-9]*\).*/\1/p" /sys/kernel/debug/bhdomains/domains; }
r=$(dom_task_calls bhram_iso) n=$(dom_task_calls bhnull_iso)
if [ "${r:-0}" -gt 0 ] && [ "${n:-0}" -gt 0 ]; then ktap_ok iso_init_ran_in_domain
else ktap_fail iso_init_ran_in_domain "sleepable calls served to init: bhram_iso '$r', bhnull_iso '$n' (none: init ran in the kernel view)"; fi
ktap_diag "init in the domain: bhram_iso $r calls, bhnull_iso $n; bhglue_iso: $(grep '^task_call ' $GST | cut -d' ' -f2- | tr '\n' ' ')"
dmesg | grep -E 'bhglue_iso|bhdomains: domain' | sed 's/^\[[^]]*\] /# /'
fs_round iso /dev/bhram_iso0
reload_empty iso bhram_iso /dev/bhram_iso0
bench iso_dd_bhnull dd_rate bhglue_iso bhnull_iso-4k-read r /dev/bhnull_iso0 4096 4096
bench iso_dd_bhram dd_rate bhglue_iso bhram_iso-4k-read r /dev/bhram_iso0 4096 4096
bench iso_dd_bhram_write dd_rate bhglue_iso bhram_iso-4k-write w /dev/bhram_iso0 4096 4096
dd_rate bhglue_iso bhram_iso-128k-read r /dev/bhram_iso0 131072 256
dd_rate bhglue_iso bhnull_iso-128k-read r /dev/bhnull_iso0 131072 256
cat $MV_EXITS | sed 's/^/# exits: /'

# a dead domain (killed by hand: detecting faults needs the minivisor's
# fault entry, domains/ABI-REQUESTS.md #1): its I/O fails with EIO at once,
# dmesg names it, the other domain and the kernel keep running, the driver
# unloads and loads again and works
echo bhram_iso > /sys/kernel/debug/bhdomains/kill
if dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=4 iflag=direct 2>/dev/null; then
	ktap_fail dead_domain_io_fails "dd on a dead domain succeeded"
else
	ktap_ok dead_domain_io_fails
fi
l=$(dmesg | grep 'domain bhram_iso cpu [0-9]*: fault at .*domain dead' | head -1)
if [ -n "$l" ]; then ktap_ok dead_domain_dmesg; else ktap_fail dead_domain_dmesg "no dmesg line"; fi
ktap_diag "${l#*] }"
ktap_check other_domain_still_runs dd if=/dev/bhnull_iso0 of=/dev/null bs=4k count=16 iflag=direct
v=$(sh -c 'echo fine | cat')
[ "$v" = fine ] && ktap_ok kernel_fine_after_kill || ktap_fail kernel_fine_after_kill "pipe broken"
ktap_check dead_domain_reload sh -c "rmmod bhram_iso && insmod $M/bhram_iso.ko"
ktap_check reloaded_driver_works dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=16 iflag=direct
for b in bhnull-4k-read bhram-4k-read bhram-4k-write bhram-128k-read bhnull-128k-read; do
	ratio $b $(echo $b | sed 's/^\(bh[a-z]*\)-/\1_iso-/')
done
# crossings (and the interrupts meanwhile) caused no VM exit
n=$(cat /tmp/exits.bhnull_iso-4k-read /tmp/exits.bhram_iso-4k-read /tmp/exits.bhram_iso-4k-write | awk '{ s += $1 } END { print s + 0 }')
if [ "$n" = 0 ]; then ktap_ok iso_dd_no_exits
else ktap_fail iso_dd_no_exits "$n VM exits (not CPUID) during 3 x 4096 isolated requests"; fi
# exit runs inside the domain too: each rmmod adds its exit's calls
t0=$(task_calls)
rmmod bhram_iso || ktap_fail rmmod_bhram_iso "$(dmesg | tail -1)"
t1=$(task_calls)
rmmod bhnull_iso || ktap_fail rmmod_bhnull_iso "$(dmesg | tail -1)"
t2=$(task_calls)
if [ $((t1 - t0)) -gt 0 ] && [ $((t2 - t1)) -gt 0 ]; then ktap_ok iso_exit_ran_in_domain
else ktap_fail iso_exit_ran_in_domain "sleepable calls served to exit: bhram_iso $((t1 - t0)), bhnull_iso $((t2 - t1))"; fi
ktap_diag "exit in the domain: bhram_iso $((t1 - t0)) calls, bhnull_iso $((t2 - t1))"
for m in bhglue_iso bhdomains bulkhead; do
	rmmod $m || ktap_fail "rmmod_$m" "$(dmesg | tail -1)"
done
rm -rf $SRC
w=$(dmesg | grep -E 'WARNING|BUG|Oops|cannot add|cannot isolate|invalid opcode|hung_task' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
