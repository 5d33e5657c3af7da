#!/bin/bash
# Prepare (or reuse) a kernel tree to compile the modules against, from a
# Debian linux-source-<series> package: `make modules_prepare` only, no
# vmlinux.  Context: host user space.  Prints the tree path on stdout.
#
#   tests/lib/compile-kernel.sh SERIES        (e.g. 6.12)
#
# The tree lives outside the clone, in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/bulkhead/linux-prep-<version>-<key>/
# where <key> hashes the source package version, compile-kernel.config and
# this script, like guest-kernel.sh does; a matching tree is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case ${1:-} in
-h | --help | "")
	sed -n '2,11s/^# \{0,1\}//p' "$0"
	[ -n "${1:-}" ]; exit ;;
esac
series=$1
pkg=linux-source-$series
src_tar=/usr/src/$pkg.tar.xz
frag=$here/compile-kernel.config
cache=${XDG_CACHE_HOME:-$HOME/.cache}/bulkhead

[ -f "$src_tar" ] || { echo "compile-kernel: $src_tar missing (apt-get install $pkg)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' "$pkg")
key=$( { echo "$ver"; cat "$frag" "$0"; } | sha256sum | cut -c1-12)
tree=$cache/linux-prep-$ver-$key
if [ -f "$tree/.bulkhead-prepared" ]; then
	echo "$tree"
	exit 0
fi

echo "compile-kernel: preparing $tree (cold, ~2 min)" >&2
# The marker is written last: an interrupted preparation is redone.
rm -rf "$tree"
mkdir -p "$tree"
tar -C "$tree" --strip-components=1 -xf "$src_tar"
cd "$tree"
make -s ARCH=x86_64 x86_64_defconfig >&2
./scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s ARCH=x86_64 olddefconfig >&2
missing=0
while read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	grep -qx "$line" .config || { echo "compile-kernel: fragment line lost: $line" >&2; missing=1; }
done < "$frag"
[ "$missing" = 0 ] || exit 1
make -s ARCH=x86_64 -j"$(nproc)" modules_prepare >&2
touch .bulkhead-prepared
echo "$tree"
