#!/bin/sh
# run-local.sh - boot a Bulkhead unikernel image in QEMU or Bochs and print
# its serial log. Context: build host (developer convenience; the project
# runner tests/run does the same with its own logs).
#
#   ./run-local.sh qemu|bochs [test|bench] [iso|noiso]
#
# QEMU: 7.2 TCG -cpu max (has PKU), multiboot via -kernel ELF32 image.
#   Exit status of QEMU with isa-debug-exit: 2*status+1 (1 = all passed).
# Bochs: 2.7, CPU corei3_cnl (has PKU), boots the GRUB ISO; the guest
#   writes "Shutdown" to port 0x8900 to end the run.
# Exit status of this script: the guest's KTAP status (0 = all passed),
# or 2 if the log has no "# bulkhead-uk: done" line.
set -eu
cd "$(dirname "$0")"
engine=${1:-qemu}
mode=${2:-test}
flavour=${3:-iso}
case $flavour in iso) img=bulkhead-uk ;; noiso) img=bulkhead-uk-noiso ;;
	*) echo "flavour: iso|noiso" >&2; exit 2 ;; esac
case $mode in test|bench) ;; *) echo "mode: test|bench" >&2; exit 2 ;; esac
out=build/run-$engine-$mode-$flavour
mkdir -p "$out"
log=$out/serial.log
rm -f "$log"

case $engine in
qemu)
	make -s all >&2
	set +e
	timeout 300 qemu-system-x86_64 -cpu max -m 128 -kernel build/$img.elf -append "$mode" \
		-serial file:"$log" -display none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4
	echo "qemu exit status $?" >&2
	set -e
	;;
bochs)
	make -s iso >&2
	iso=build/$img.iso
	[ "$mode" = bench ] && iso=build/$img-bench.iso
	cat > "$out/bochsrc" <<RC
memory: guest=256, host=256
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=corei3_cnl, count=1, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
ata0-master: type=cdrom, path=$PWD/$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$PWD/$log
display_library: rfb, options="timeout=0"
clock: sync=none, time0=local
mouse: enabled=0
# no sound: with ALSA and no sound card Bochs 2.7+dfsg-4+deb12u1
# aborts in its mixer thread ("buffer overflow detected")
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $PWD/$out/bochs.log
RC
	echo c > "$out/bochs.cmd"
	set +e
	timeout 600 bochs -q -f "$out/bochsrc" -rc "$out/bochs.cmd" >"$out/bochs.out" 2>&1
	echo "bochs exit status $? (log: $out/bochs.log)" >&2
	set -e
	;;
*)
	echo "engine: qemu|bochs" >&2
	exit 2
	;;
esac

tr -d '\r' < "$log" | sed -n '/^KTAP version 1$/,$p'
status=$(tr -d '\r' < "$log" | sed -n 's/^# bulkhead-uk: done status=\([0-9]*\)$/\1/p')
[ -n "$status" ] || { echo "no done line in $log" >&2; exit 2; }
exit "$status"
