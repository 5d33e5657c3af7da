#!/bin/bash
# Boot one test machine and capture its serial console.
# Context: host user space, called by tests/run (and usable by hand).
#
#   boot.sh [-t SECS] [-c CPUS] [-m MB] [-a CMDLINE] [-i INITRD] [-M] \
#           ENGINE KERNEL OUTDIR
#
# ENGINE: bochs | qemu-kvm | qemu-tcg.  KERNEL: a bzImage, or with -M a
# multiboot image.  Writes OUTDIR/serial.log (the console), OUTDIR/
# emulator.log (the emulator's own log) and OUTDIR/status ("exited RC
# after N s" or "killed at the N s timeout").  The emulator is killed at the timeout, never left
# running.  Env: BULKHEAD_BOCHS_CPU overrides the Bochs CPU model (to
# prove that a missing capability turns the run red).
set -euo pipefail
timeout=300 cpus=1 mem=256 append="" initrd="" multiboot=0
while getopts "t:c:m:a:i:M" o; do
	case $o in
	t) timeout=$OPTARG ;;
	c) cpus=$OPTARG ;;
	m) mem=$OPTARG ;;
	a) append=$OPTARG ;;
	i) initrd=$OPTARG ;;
	M) multiboot=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
engine=$1 kernel=$2 out=$3
mkdir -p "$out"
out=$(cd "$out" && pwd)
: > "$out/serial.log"

run() {
	local rc=0 t0=$SECONDS
	timeout -k 5 "$timeout" "$@" > "$out/emulator.log" 2>&1 < /dev/null || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "killed at the ${timeout} s timeout" > "$out/status"
	else
		echo "exited $rc after $((SECONDS - t0)) s" > "$out/status"
	fi
}

case $engine in
bochs)
	iso=$out/boot.iso
	mkdir -p "$out/iso/boot/grub"
	cp "$kernel" "$out/iso/boot/kernel"
	{
		echo "set timeout=0"
		echo "set default=0"
		echo "menuentry bulkhead {"
		if [ "$multiboot" = 1 ]; then
			echo "  multiboot /boot/kernel $append"
		else
			echo "  linux /boot/kernel $append"
			[ -n "$initrd" ] && echo "  initrd /boot/initrd"
		fi
		echo "}"
	} > "$out/iso/boot/grub/grub.cfg"
	[ -n "$initrd" ] && cp "$initrd" "$out/iso/boot/initrd"
	grub-mkrescue -o "$iso" "$out/iso" > "$out/grub-mkrescue.log" 2>&1
	rm -rf "$out/iso"
	model=${BULKHEAD_BOCHS_CPU:-corei3_cnl}
	quantum=""
	[ "$cpus" -gt 1 ] && quantum=", quantum=16"
	cat > "$out/bochsrc" <<RC
memory: guest=$mem, host=$mem
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$model, count=$cpus, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1$quantum
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$out/serial.log
display_library: rfb, options="timeout=0"
clock: sync=none, time0=local
mouse: enabled=0
# no sound: with ALSA and no sound card Bochs 2.7+dfsg-4+deb12u1
# aborts in its mixer thread ("buffer overflow detected")
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
port_e9_hack: enabled=1
log: $out/bochs.log
info: action=ignore
error: action=report
panic: action=fatal
RC
	echo c > "$out/bochs.cmd"
	run bochs -q -f "$out/bochsrc" -rc "$out/bochs.cmd"
	;;
qemu-kvm | qemu-tcg)
	if [ "$engine" = qemu-kvm ]; then
		accel=(-enable-kvm -cpu host)
	else
		accel=(-accel tcg -cpu max)
	fi
	# One socket per CPU: the BIOS MP table lists one CPU per socket and
	# the test kernel has no ACPI, so "-smp 2" alone would show one CPU.
	args=(-kernel "$kernel")
	[ -n "$initrd" ] && args+=(-initrd "$initrd")
	run qemu-system-x86_64 "${accel[@]}" -smp "$cpus,sockets=$cpus" -m "$mem" \
		-nodefaults -display none -no-reboot \
		-serial "file:$out/serial.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		"${args[@]}" -append "$append"
	;;
*)
	echo "boot.sh: unknown engine '$engine' (bochs, qemu-kvm, qemu-tcg)" >&2
	exit 2
	;;
esac
cat "$out/status"
