#!/bin/bash
# Install the Debian packages the build and the test machine need.
# Context: host user space (root installs; others get told what is missing).
#
#   tests/lib/deps.sh [PACKAGE...]   (default: what tests/run needs)
set -euo pipefail
pkgs=(build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	linux-source-6.1 busybox-static grub-pc-bin grub-common xorriso mtools
	bochs bochsbios vgabios qemu-system-x86 python3 perl
	clang libbpf-dev zlib1g-dev e2fsprogs)
[ $# -gt 0 ] && pkgs=("$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
