#!/bin/bash
# Build the test machine's initramfs.
# Context: host user space.
#
#   initramfs.sh KDIR OUT.cpio.gz MODULE.ko...
#
# busybox-static, /init and the guest suites from tests/guest, bh-exit, the
# given modules and the guest kernel's own modules (null_blk) under
# /bulkhead/modules/, the `bulkhead` tool (tools/bulkhead, static, its BPF
# object embedded) as /bulkhead/bin/bulkhead, the native PKU tests
# (tests/native, static) in /bulkhead/native/, and Debian's e2fsck with its
# shared libraries and the dynamic loader.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../guest
kdir=$1 out=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt,etc} \
	"$root"/bulkhead/{suites,modules}
cp /bin/busybox "$root/bin/busybox"
for app in $(/bin/busybox --list-full); do
	[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
done
install -m 755 "$guest/init" "$root/init"
cp "$guest/lib.sh" "$root/bulkhead/"
cp "$guest"/suites/*.sh "$root/bulkhead/suites/"
gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/bh-exit" "$guest/bh-exit.c"
make -s -C "$here/../../tools/bulkhead" >&2
mkdir -p "$root/bulkhead/bin"
cp "$here/../../build/tools/bulkhead/bulkhead" \
	"$here/../../build/tools/bulkhead/bulkhead.bpf.o" "$root/bulkhead/bin/"
ln -s /bulkhead/bin/bulkhead "$root/usr/sbin/bulkhead"
# the native protection-key tests, static (suite native)
make -s -C "$here/../native" guest >&2
mkdir -p "$root/bulkhead/native"
cp "$here"/../native/guest/* "$root/bulkhead/native/"
# e2fsck (e2fsprogs): the binary, every library ldd names, the loader
copy_elf() {
	local f
	for f in "$1" $(ldd "$1" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$f")"
		rm -f "$root$f"
		cp -L "$f" "$root$f"
	done
}
copy_elf /sbin/e2fsck
for m in "$@"; do
	cp "$m" "$root/bulkhead/modules/"
done
find "$kdir/.mods/lib/modules" -name '*.ko' -exec cp {} "$root/bulkhead/modules/" \;
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
