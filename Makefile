# uffd-wp for shmem and hugetlbfs on Linux 5.10: the workbench.
#   make demo    build and boot the patched kernel, run the demo
#   make check   every gate and test, patched kernel and unpatched base
#   make bench   the benchmarks (QEMU TCG -icount; bench/README.md)
#   make soak    the uffd-wp fuzzer for a long time (SOAK_OPTS=--seconds N ...)
# Developer loop (README): make tree, edit/commit in linux/, make export.
SHELL := /bin/bash
S := scripts
OUT := $(CURDIR)/out
KTREE := $(CURDIR)/linux
VARIANT ?= test
LIST ?= tests/lists/check.list
XFAIL ?= tests/expect/patched.xfail

.PHONY: all check demo bench soak deps base tree export roundtrip checkpatch kernel \
	base-kernel headers tests run run-base check-distro check-kasan bisect bisect-boot \
	cross clean

all: kernel tests

check:
	$(S)/check.sh

demo: deps tree
	$(S)/demo.sh

# Benchmarks: tables, bench/results/<date>/ (BENCH_OPTS=--quick: a smoke run)
bench: deps tree
	$(S)/bench.sh $(BENCH_OPTS)

# The check list on the KASAN kernel (built first); not part of `make check`
check-kasan: deps tree
	$(S)/build-kernel.sh $(KTREE) $(OUT)/kasan kasan
	$(MAKE) run VARIANT=kasan

# The fuzzer on the debug kernel (built first) for SOAK_OPTS (scripts/soak.sh)
soak: deps tree
	$(S)/build-kernel.sh $(KTREE) $(OUT)/debug debug
	$(MAKE) headers
	$(S)/soak.sh $(SOAK_OPTS)

deps:
	$(S)/deps.sh

base:
	$(S)/fetch-base.sh >/dev/null

tree:
	$(S)/mktree.sh

export:
	$(S)/export.sh

roundtrip:
	$(S)/roundtrip.sh

checkpatch:
	$(S)/checkpatch.sh

# Build the work tree as it is (committed or not): the edit loop.
kernel:
	$(S)/build-kernel.sh $(KTREE) $(OUT)/$(VARIANT) $(VARIANT)

base-kernel:
	$(S)/base-tree.sh
	$(S)/build-kernel.sh $(OUT)/base/linux $(OUT)/base/out/$(VARIANT) $(VARIANT)

headers:
	$(MAKE) -s -C $(KTREE) O=$(OUT)/headers-build INSTALL_HDR_PATH=$(OUT)/headers headers_install

tests: headers
	$(MAKE) -s -C tests O=$(OUT)/tests HDR=$(OUT)/headers/include KSRC=$(KTREE)
	$(MAKE) -s -C snap O=$(OUT)/tests HDR=$(OUT)/headers/include
	$(MAKE) -s -C fuzz O=$(OUT)/tests HDR=$(OUT)/headers/include
	$(MAKE) -s -C bench O=$(OUT)/tests HDR=$(OUT)/headers/include

# Boot a kernel with a test list: make run [VARIANT=debug] [LIST=...] [XFAIL=...]
run: tests
	$(S)/mkinitramfs.sh $(LIST) $(OUT)/tests $(OUT)/run.cpio
	$(S)/run-guest.sh $(OUT)/$(VARIANT)/arch/x86/boot/bzImage $(OUT)/run.cpio $(OUT)/logs/run.log
	$(S)/results.sh $(OUT)/logs/run.log $(XFAIL) $(VARIANT)

run-base: tests
	$(S)/mkinitramfs.sh $(LIST) $(OUT)/tests $(OUT)/run-base.cpio
	$(S)/run-guest.sh $(OUT)/base/out/$(VARIANT)/arch/x86/boot/bzImage $(OUT)/run-base.cpio $(OUT)/logs/run-base.log
	$(S)/results.sh $(OUT)/logs/run-base.log tests/expect/base.xfail base

# Every patch of the series, in order, must build (no new warnings).
bisect:
	$(S)/bisect-build.sh

# Every patch builds a bzImage and boots (slow: one build per patch)
bisect-boot: tests
	$(S)/bisect-boot.sh

# The touched code must build for i386, arm64 and s390 too
cross:
	$(S)/cross-build.sh i386
	$(S)/cross-build.sh arm64
	$(S)/cross-build.sh s390

# The same list on Debian's 5.10 and on bookworm's 6.1 (upstream's implementation).
check-distro: tests
	$(S)/check-distro.sh

clean:
	rm -rf $(OUT)
