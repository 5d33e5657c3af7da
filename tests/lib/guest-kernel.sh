#!/bin/bash
# Build (or reuse) the test machine's Linux kernel.
# Context: host user space. Prints the kernel tree path (KDIR) on stdout.
#
# The tree lives outside the clone, in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/bulkhead/linux-<version>-<key>/
# where <key> hashes the source package version, the config fragment and
# any patches in tests/lib/kernel-patches/. A matching tree is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src_tar=/usr/src/linux-source-6.1.tar.xz
frag=$here/guest-kernel.config
cache=${XDG_CACHE_HOME:-$HOME/.cache}/bulkhead

[ -f "$src_tar" ] || { echo "guest-kernel: $src_tar missing (apt-get install linux-source-6.1)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "$ver"; cat "$frag"; cat "$here"/kernel-patches/*.patch 2>/dev/null || true; } | sha256sum | cut -c1-12)
tree=$cache/linux-$ver-$key
if [ -f "$tree/.bulkhead-built" ]; then
	echo "$tree"
	exit 0
fi

echo "guest-kernel: building $tree (cold, ~5 min on 2 cores)" >&2
# Built in place: the marker file is written last, so a build that was
# interrupted is thrown away and redone.
rm -rf "$tree"
mkdir -p "$tree"
tar -C "$tree" --strip-components=1 -xf "$src_tar"
for p in "$here"/kernel-patches/*.patch; do
	[ -f "$p" ] && patch -d "$tree" -p1 < "$p" >&2
done
cd "$tree"
make -s ARCH=x86_64 tinyconfig >&2
./scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s ARCH=x86_64 olddefconfig >&2
# Every line of the fragment must have survived olddefconfig.
missing=0
while read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	grep -qx "$line" .config || { echo "guest-kernel: fragment line lost: $line" >&2; missing=1; }
done < "$frag"
[ "$missing" = 0 ] || exit 1
make -s ARCH=x86_64 -j"$(nproc)" bzImage modules >&2
make -s ARCH=x86_64 INSTALL_MOD_PATH="$tree/.mods" modules_install >&2
touch .bulkhead-built
echo "$tree"
