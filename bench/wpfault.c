// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-bench wpfault: the write-protect fault round trip.
 *
 * A handler thread polls the userfaultfd; the main thread writes one byte
 * into each page of a write-protected range. Each write faults, the kernel
 * queues a WP message, the handler reads it and un-protects the page with
 * UFFDIO_WRITEPROTECT (mode 0), which wakes the writer, whose write is
 * retried and succeeds. Reported: ns per round trip, for
 *   anon            MAP_PRIVATE|MAP_ANONYMOUS, populated (4 KiB pages)
 *   memfd           memfd, MAP_SHARED, populated (4 KiB pages)
 *   hugetlb         MFD_HUGETLB memfd, MAP_SHARED, populated (2 MiB pages)
 *   memfd-marker    memfd with its pages punched out, protected: the
 *                   protection sits in pte markers; the retry allocates
 *                   the page (information only, anon has no such case)
 * Faulter and handler are pinned to one cpu (unless --no-pin), so that the
 * round trip is two context switches and no cross-cpu wakeup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "bench.h"
#include "mem.h"

#define G "wpfault"
#define HPAGE (2UL << 20)

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif

enum { K_ANON, K_MEMFD, K_HUGETLB, K_MARKER, NR_KINDS };

static const char *const kind_names[NR_KINDS] = {
	[K_ANON] = "anon", [K_MEMFD] = "memfd", [K_HUGETLB] = "hugetlb",
	[K_MARKER] = "memfd-marker",
};

struct ctx {
	int uffd, stop_fd, fd;
	char *addr;
	size_t len, page;
	atomic_ulong msgs;
	atomic_int err;		/* first error of the handler, -errno or -EPROTO */
	pthread_t thread;
};

static void *handler(void *arg)
{
	struct ctx *c = arg;
	struct pollfd pfd[2] = {
		{ .fd = c->uffd, .events = POLLIN },
		{ .fd = c->stop_fd, .events = POLLIN },
	};
	struct uffd_msg msgs[8];

	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			atomic_store(&c->err, -errno);
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		n = read(c->uffd, msgs, sizeof(msgs));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			atomic_store(&c->err, -errno);
			return NULL;
		}
		for (size_t i = 0; i < n / sizeof(msgs[0]); i++) {
			struct uffd_msg *m = &msgs[i];
			uint64_t a = m->arg.pagefault.address & ~(uint64_t)(c->page - 1);
			int ret;

			if (m->event != UFFD_EVENT_PAGEFAULT ||
			    !(m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
				atomic_store(&c->err, -EPROTO);
				continue;
			}
			atomic_fetch_add(&c->msgs, 1);
			ret = uffd_wp(c->uffd, (void *)(uintptr_t)a, c->page, false);
			if (ret)
				atomic_store(&c->err, ret);
		}
	}
}

static void pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(cpu 0): %s", strerror(errno));
}

/* Maps and registers @kind; false (and a value=NA line) if the kernel cannot. */
static bool setup(struct ctx *c, int kind, const struct bench_opts *o, int *unsupported)
{
	uint64_t features = 0, ioctls = 0;
	int flags = MAP_SHARED, ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->page = kind == K_HUGETLB ? HPAGE : 4096;
	c->len = (kind == K_HUGETLB ? o->huge_pages : o->pages) * c->page;
	if (kind == K_HUGETLB)
		need_hugepages(o->huge_pages);
	if (kind == K_ANON)
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
	else
		c->fd = memfd("bench-wp", c->len, kind == K_HUGETLB);
	c->addr = mmap(NULL, c->len, PROT_READ | PROT_WRITE, flags, c->fd, 0);
	if (c->addr == MAP_FAILED)
		die("%s: mmap of %zu MiB: %s", kind_names[kind], c->len >> 20, strerror(errno));
	if (kind != K_HUGETLB)
		madvise(c->addr, c->len, MADV_NOHUGEPAGE);
	if (kind != K_MARKER)
		touch(c->addr, c->len, c->page);
	c->uffd = uffd_open(0, &features);
	if (c->uffd < 0)
		die("userfaultfd + UFFDIO_API: %s", strerror(-c->uffd));
	ret = uffd_register(c->uffd, c->addr, c->len, UFFDIO_REGISTER_MODE_WP, &ioctls);
	if (ret == -EINVAL && kind != K_ANON && !(features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		report_na(G, kind_names[kind], "ns/fault",
			  "UFFDIO_REGISTER_MODE_WP: EINVAL, no UFFD_FEATURE_WP_HUGETLBFS_SHMEM");
		(*unsupported)++;
		close(c->uffd);
		munmap(c->addr, c->len);
		if (c->fd >= 0)
			close(c->fd);
		return false;
	}
	if (ret)
		die("%s: UFFDIO_REGISTER_MODE_WP: %s (features 0x%llx)", kind_names[kind],
		    strerror(-ret), (unsigned long long)features);
	if (!(ioctls & (1ULL << _UFFDIO_WRITEPROTECT)))
		die("%s: no UFFDIO_WRITEPROTECT for the registered range", kind_names[kind]);
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->stop_fd < 0)
		die("eventfd: %s", strerror(errno));
	if (pthread_create(&c->thread, NULL, handler, c))
		die("pthread_create failed");
	return true;
}

static void teardown(struct ctx *c)
{
	uint64_t one = 1;

	if (write(c->stop_fd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write: %s", strerror(errno));
	pthread_join(c->thread, NULL);
	if (uffd_unregister(c->uffd, c->addr, c->len))
		die("UFFDIO_UNREGISTER: %s", strerror(errno));
	close(c->uffd);
	close(c->stop_fd);
	munmap(c->addr, c->len);
	if (c->fd >= 0)
		close(c->fd);
}

/* One round: protect everything, then write to every page. ns spent writing. */
static uint64_t round_trip(struct ctx *c, int kind)
{
	size_t n = c->len / c->page;
	unsigned long before;
	uint64_t t0, t;
	int ret;

	if (kind == K_MARKER &&
	    fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, c->len))
		die("%s: punching the memfd: %s", kind_names[kind], strerror(errno));
	ret = uffd_wp(c->uffd, c->addr, c->len, true);
	if (ret)
		die("%s: UFFDIO_WRITEPROTECT: %s", kind_names[kind], strerror(-ret));
	before = atomic_load(&c->msgs);
	t0 = now_ns();
	touch(c->addr, c->len, c->page);
	t = now_ns() - t0;
	if (atomic_load(&c->err))
		die("%s: fault handler: %s", kind_names[kind], strerror(-atomic_load(&c->err)));
	if (atomic_load(&c->msgs) - before != n)
		die("%s: %zu protected pages written, %lu WP messages: protection lost?",
		    kind_names[kind], n, atomic_load(&c->msgs) - before);
	return t;
}

int cmd_wpfault(const struct bench_opts *o_in)
{
	struct bench_opts o = *o_in;
	int unsupported = 0;

	if (!o.inner)
		o.inner = 4;
	if (!o.pages || !o.huge_pages)
		die("--pages and --huge-pages must be at least 1");
	quiet_system();
	if (o.pin)
		pin();
	note("wpfault: %zu pages of 4 KiB, %zu of 2 MiB, %d rounds x %d repetitions, %s",
	     o.pages, o.huge_pages, o.inner, o.reps,
	     o.pin ? "faulter and handler on cpu 0" : "not pinned");
	for (int k = 0; k < NR_KINDS; k++) {
		struct samples s = { .n = 0 };
		struct ctx c;

		if (!want(&o, kind_names[k]) || !setup(&c, k, &o, &unsupported))
			continue;
		for (int r = 0; r < o.reps; r++) {
			uint64_t total = 0;

			for (int i = 0; i < o.inner; i++)
				total += round_trip(&c, k);
			samples_add(&s, (double)total / o.inner / (c.len / c.page));
		}
		teardown(&c);
		report(G, kind_names[k], "ns/fault", &s);
	}
	if (unsupported)
		skip("%d memory type(s) cannot be write-protected by this kernel", unsupported);
	return 0;
}
