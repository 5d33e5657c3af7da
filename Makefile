# Bulkhead top-level Makefile.  Context: host build.
#
#   make                 build the modules (bulkhead.ko and the test-only
#                        modules) against KDIR, with W=1
#   make modules-dist    only what a distribution kernel gets (dkms.conf):
#                        bulkhead, bhdomains, the glue modules, the block
#                        drivers native and isolated, bhpks; no test modules
#   make demo            the main job: build, boot the test machine on a
#                        VT-x engine, show what happened (tests/demo)
#   make check           every test (tests/run); closes "N passed, N failed"
#   make bench           every benchmark (tests/bench): build/bench.md, one
#                        table of figures and goals, and a throughput plot
#   make clean
#
# KDIR defaults to the test machine's kernel, built and cached by
# tests/lib/guest-kernel.sh; KDIR=/lib/modules/$(uname -r)/build builds
# for the running host.
KDIR ?= $(shell $(CURDIR)/tests/lib/guest-kernel.sh)
W ?= 1

all: modules

modules:
	@test -n "$(KDIR)" || { echo "make: no KDIR (guest kernel build failed?)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/guest/modules W=$(W) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers-isolated W=$(W) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/domains/pks W=$(W) modules
	# the out-of-tree example, as a driver author builds it (isolate.mk)
	$(MAKE) -C drivers-isolated/example KDIR=$(KDIR) BULKHEAD=$(CURDIR)

modules-dist:
	@test -n "$(KDIR)" || { echo "make: no KDIR: give KDIR=/lib/modules/<version>/build" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) BH_DIST=1 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers-isolated W=$(W) BH_DIST=1 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/domains/pks W=$(W) BH_DIST=1 modules

check:
	tests/run

demo:
	tests/demo

bench:
	tests/bench

clean:
	rm -rf build
	find . \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name 'modules.order' -o -name 'Module.symvers' \
		-o -name '*.o.d' \) -not -path './.git/*' -delete

.PHONY: all modules modules-dist check demo bench clean
