// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-bench protect: UFFDIO_WRITEPROTECT of a whole memfd (MAP_SHARED,
 * registered with UFFDIO_REGISTER_MODE_WP), unpopulated and populated.
 *
 *   protect-unpop     protect the unpopulated memfd: the protection goes
 *                     into pte markers, so page tables are allocated   ms
 *   pt-unpop          page-table memory that took (PageTables: delta)  KiB
 *   vmpte-unpop       the same from VmPTE: of /proc/self/status        KiB
 *                     (the mapping had no page tables before)
 *   unprotect-unpop   un-protect it again                              ms
 *   protect-pop       protect the memfd with every page touched        ms
 *   pt-pop            page-table memory the protect took (PageTables:
 *                     delta): none, populating made them               KiB
 *   vmpte-pop         page tables of the populated, protected mapping
 *                     (VmPTE: delta from before the mmap)              KiB
 *   unprotect-pop     un-protect it again                              ms
 *
 * PageTables: is system-wide (nothing else runs in the guest; the per-cpu
 * counters are folded first); VmPTE: counts this process's page tables
 * exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "bench.h"
#include "mem.h"

#define G "protect"

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif

/* Per population state: protect, PageTables, VmPTE, un-protect (in this order). */
enum {
	PROT_UNPOP, PT_UNPOP, VMPTE_UNPOP, UNPROT_UNPOP,
	PROT_POP, PT_POP, VMPTE_POP, UNPROT_POP,
	NR_CASES,
};

static const struct {
	const char *name, *unit;
} cases[NR_CASES] = {
	[PROT_UNPOP] = { "protect-unpop", "ms" },
	[PT_UNPOP] = { "pt-unpop", "KiB" },
	[VMPTE_UNPOP] = { "vmpte-unpop", "KiB" },
	[UNPROT_UNPOP] = { "unprotect-unpop", "ms" },
	[PROT_POP] = { "protect-pop", "ms" },
	[PT_POP] = { "pt-pop", "KiB" },
	[VMPTE_POP] = { "vmpte-pop", "KiB" },
	[UNPROT_POP] = { "unprotect-pop", "ms" },
};

static struct samples res[NR_CASES];

/* Returns false if the kernel cannot write-protect a memfd at all. */
static bool one(size_t len, bool populate)
{
	int prot = populate ? PROT_POP : PROT_UNPOP;
	uint64_t features = 0, t0;
	long pt0, pt1, pte_map, pte0, pte1;
	int fd, uffd, ret;
	char *p;

	pte_map = vmpte_kb();
	fd = memfd("bench-protect", len, false);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap of %zu MiB: %s", len >> 20, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	if (populate)
		touch(p, len, 4096);
	uffd = uffd_open(0, &features);
	if (uffd < 0)
		die("userfaultfd + UFFDIO_API: %s", strerror(-uffd));
	ret = uffd_register(uffd, p, len, UFFDIO_REGISTER_MODE_WP, NULL);
	if (ret == -EINVAL && !(features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		close(uffd);
		munmap(p, len);
		close(fd);
		return false;
	}
	if (ret)
		die("UFFDIO_REGISTER_MODE_WP on a memfd: %s (features 0x%llx)", strerror(-ret),
		    (unsigned long long)features);

	pt0 = pagetables_kb();
	pte0 = vmpte_kb();
	t0 = now_ns();
	ret = uffd_wp(uffd, p, len, true);
	if (ret)
		die("UFFDIO_WRITEPROTECT: %s", strerror(-ret));
	samples_add(&res[prot], (now_ns() - t0) / 1e6);
	pt1 = pagetables_kb();
	pte1 = vmpte_kb();
	samples_add(&res[prot + 1], pt1 - pt0);
	samples_add(&res[prot + 2], populate ? pte1 - pte_map : pte1 - pte0);
	t0 = now_ns();
	ret = uffd_wp(uffd, p, len, false);
	if (ret)
		die("UFFDIO_WRITEPROTECT (un-protect): %s", strerror(-ret));
	samples_add(&res[prot + 3], (now_ns() - t0) / 1e6);

	if (uffd_unregister(uffd, p, len))
		die("UFFDIO_UNREGISTER: %s", strerror(errno));
	close(uffd);
	munmap(p, len);
	close(fd);
	return true;
}

static void __attribute__((noreturn)) unsupported(void)
{
	for (int c = 0; c < NR_CASES; c++)
		report_na(G, cases[c].name, cases[c].unit,
			  "UFFDIO_REGISTER_MODE_WP on a memfd: EINVAL, no UFFD_FEATURE_WP_HUGETLBFS_SHMEM");
	skip("this kernel cannot write-protect a memfd");
}

int cmd_protect(const struct bench_opts *o_in)
{
	struct bench_opts o = *o_in;
	bool unpop = false, pop = false;

	if (!o.size)
		o.size = 4096UL << 20;
	o.size &= ~4095UL;
	if (!o.size)
		die("--size-mb must be at least one page");
	for (int c = PROT_UNPOP; c <= UNPROT_UNPOP; c++)
		unpop |= want(&o, cases[c].name);
	for (int c = PROT_POP; c <= UNPROT_POP; c++)
		pop |= want(&o, cases[c].name);
	quiet_system();
	note("protect: a %zu MiB memfd, %d repetitions", o.size >> 20, o.reps);
	for (int r = 0; r < o.reps; r++)
		if ((unpop && !one(o.size, false)) || (pop && !one(o.size, true)))
			unsupported();
	for (int c = 0; c < NR_CASES; c++)
		if (want(&o, cases[c].name))
			report(G, cases[c].name, cases[c].unit, &res[c]);
	return 0;
}
