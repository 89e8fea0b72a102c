// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-bench overhead: paths that never see a userfaultfd, where the
 * series must cost nothing. Run on the patched kernel and on the base.
 *
 * shmem (a memfd, MAP_SHARED, 4 KiB pages), per repetition:
 *   fault-shmem      first touch of every page (allocates the pages)   ns/page
 *   mprotect-shmem   mprotect PROT_READ, then PROT_READ|PROT_WRITE     ms
 *   fork-shmem       fork() with the memory mapped (parent side,       us
 *                    median of the forks of a repetition)
 *   dontneed-shmem   MADV_DONTNEED of all of it (zap, pages stay)      ms
 *   refault-shmem    touch again: faults on page-cache pages          ns/page
 *   munmap-shmem     munmap of the populated mapping (zap)             ms
 * anon (MAP_PRIVATE|MAP_ANONYMOUS, MADV_NOHUGEPAGE):
 *   fault-anon, mprotect-anon, munmap-anon (zap and free)
 * hugetlb (an MFD_HUGETLB memfd, MAP_SHARED, 2 MiB pages):
 *   fault-hugetlb (ns per huge page), mprotect-hugetlb, fork-hugetlb
 *   (hugetlb page tables are copied on fork), munmap-hugetlb
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

#define G "overhead"
#define HPAGE (2UL << 20)

enum {
	FAULT_SHMEM, MPROTECT_SHMEM, FORK_SHMEM, DONTNEED_SHMEM, REFAULT_SHMEM, MUNMAP_SHMEM,
	FAULT_ANON, MPROTECT_ANON, MUNMAP_ANON,
	FAULT_HUGETLB, MPROTECT_HUGETLB, FORK_HUGETLB, MUNMAP_HUGETLB,
	NR_CASES,
};

static const struct {
	const char *name, *unit;
} cases[NR_CASES] = {
	[FAULT_SHMEM] = { "fault-shmem", "ns/page" },
	[MPROTECT_SHMEM] = { "mprotect-shmem", "ms" },
	[FORK_SHMEM] = { "fork-shmem", "us" },
	[DONTNEED_SHMEM] = { "dontneed-shmem", "ms" },
	[REFAULT_SHMEM] = { "refault-shmem", "ns/page" },
	[MUNMAP_SHMEM] = { "munmap-shmem", "ms" },
	[FAULT_ANON] = { "fault-anon", "ns/page" },
	[MPROTECT_ANON] = { "mprotect-anon", "ms" },
	[MUNMAP_ANON] = { "munmap-anon", "ms" },
	[FAULT_HUGETLB] = { "fault-hugetlb", "ns/page" },
	[MPROTECT_HUGETLB] = { "mprotect-hugetlb", "ms" },
	[FORK_HUGETLB] = { "fork-hugetlb", "us" },
	[MUNMAP_HUGETLB] = { "munmap-hugetlb", "ms" },
};

static struct samples res[NR_CASES];

static double ms_since(uint64_t t0)
{
	return (now_ns() - t0) / 1e6;
}

static char *map(size_t len, int flags, int fd)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap of %zu MiB: %s", len >> 20, strerror(errno));
	return p;
}

static void do_mprotect(char *p, size_t len, int c)
{
	uint64_t t0 = now_ns();

	if (mprotect(p, len, PROT_READ) || mprotect(p, len, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
	samples_add(&res[c], ms_since(t0));
}

/*
 * @n forks, each child exits at once: the median of the parent's fork()
 * times, in us. A median, not a mean: a timer tick or softirq that lands in
 * one fork would otherwise shift a 90 us figure by a few tenths of a percent,
 * as much as the differences this case is there to see. At most
 * BENCH_MAX_REPS forks count.
 */
static void do_fork(int n, int c)
{
	struct samples forks = { .n = 0 };

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		pid_t pid = fork();
		int status;

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid)
			_exit(0);
		samples_add(&forks, (now_ns() - t0) / 1e3);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			die("waitpid: %s", strerror(errno));
	}
	samples_add(&res[c], samples_median(&forks));
}

static void do_munmap(char *p, size_t len, int c)
{
	uint64_t t0 = now_ns();

	if (munmap(p, len))
		die("munmap: %s", strerror(errno));
	samples_add(&res[c], ms_since(t0));
}

static void shmem_rep(const struct bench_opts *o)
{
	size_t len = o->size, pages = len / 4096;
	int fd = memfd("bench-shmem", len, false);
	char *p = map(len, MAP_SHARED, fd);
	uint64_t t0;

	madvise(p, len, MADV_NOHUGEPAGE);
	t0 = now_ns();
	touch(p, len, 4096);
	samples_add(&res[FAULT_SHMEM], (double)(now_ns() - t0) / pages);
	do_mprotect(p, len, MPROTECT_SHMEM);
	do_fork(o->inner, FORK_SHMEM);
	t0 = now_ns();
	if (madvise(p, len, MADV_DONTNEED))
		die("MADV_DONTNEED: %s", strerror(errno));
	samples_add(&res[DONTNEED_SHMEM], ms_since(t0));
	t0 = now_ns();
	touch(p, len, 4096);
	samples_add(&res[REFAULT_SHMEM], (double)(now_ns() - t0) / pages);
	do_munmap(p, len, MUNMAP_SHMEM);
	close(fd);
}

static void anon_rep(const struct bench_opts *o)
{
	size_t len = o->size, pages = len / 4096;
	char *p = map(len, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64_t t0;

	/* 4 KiB pages, like shmem: the guest's THP default is "always". */
	if (madvise(p, len, MADV_NOHUGEPAGE))
		die("MADV_NOHUGEPAGE: %s", strerror(errno));
	t0 = now_ns();
	touch(p, len, 4096);
	samples_add(&res[FAULT_ANON], (double)(now_ns() - t0) / pages);
	do_mprotect(p, len, MPROTECT_ANON);
	do_munmap(p, len, MUNMAP_ANON);
}

static void hugetlb_rep(const struct bench_opts *o)
{
	size_t len = o->huge_size, pages = len / HPAGE;
	int fd = memfd("bench-hugetlb", len, true);
	char *p = map(len, MAP_SHARED, fd);
	uint64_t t0;

	t0 = now_ns();
	touch(p, len, HPAGE);
	samples_add(&res[FAULT_HUGETLB], (double)(now_ns() - t0) / pages);
	do_mprotect(p, len, MPROTECT_HUGETLB);
	do_fork(o->inner, FORK_HUGETLB);
	do_munmap(p, len, MUNMAP_HUGETLB);
	close(fd);
}

static bool any(const struct bench_opts *o, int first, int last)
{
	for (int c = first; c <= last; c++)
		if (want(o, cases[c].name))
			return true;
	return false;
}

int cmd_overhead(const struct bench_opts *o_in)
{
	struct bench_opts o = *o_in;
	bool shmem, anon, huge;

	if (!o.size)
		o.size = 1024UL << 20;
	if (!o.huge_size)
		o.huge_size = 512UL << 20;
	if (!o.inner)
		o.inner = 16;
	o.size &= ~4095UL;
	o.huge_size &= ~(HPAGE - 1);
	if (!o.size || !o.huge_size)
		die("sizes must be at least one page");
	shmem = any(&o, FAULT_SHMEM, MUNMAP_SHMEM);
	anon = any(&o, FAULT_ANON, MUNMAP_ANON);
	huge = any(&o, FAULT_HUGETLB, MUNMAP_HUGETLB);
	quiet_system();
	if (huge)
		need_hugepages(o.huge_size / HPAGE);
	note("overhead: %zu MiB shmem and anon, %zu MiB hugetlb, %d repetitions, %d forks each",
	     o.size >> 20, o.huge_size >> 20, o.reps, o.inner);
	for (int r = 0; r < o.reps; r++) {
		if (shmem)
			shmem_rep(&o);
		if (anon)
			anon_rep(&o);
		if (huge)
			hugetlb_rep(&o);
	}
	for (int c = 0; c < NR_CASES; c++)
		if (want(&o, cases[c].name))
			report(G, cases[c].name, cases[c].unit, &res[c]);
	return 0;
}
