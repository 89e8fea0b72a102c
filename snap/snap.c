// SPDX-License-Identifier: GPL-2.0
/*
 * libsnap: live snapshots with userfaultfd write-protect. See snap.h.
 *
 * Every page has one atomic state: UNSAVED -> COPYING -> SAVED. Whoever
 * moves it out of UNSAVED (the copier or the fault handler) copies it, so
 * each page is copied exactly once, and always while it is still
 * write-protected: nobody un-protects a page before it is SAVED, so no write
 * can land in it before its copy is complete.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "snap.h"

/* Newer than the 5.10 headers: upstream's bit for uffd-wp on shmem/hugetlbfs. */
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif

enum { UNSAVED, COPYING, SAVED };
enum save_result { SAVED_NOW, SAVED_BEFORE, BUSY };

/* Pages the copier claims before it un-protects them with one ioctl. */
#define COPIER_BATCH_BYTES	(256UL << 10)

struct snap {
	char *addr;
	size_t len, page, npages;
	bool anon;
	int uffd;
	int stop_fd;			/* eventfd: stops the handler */
	uint64_t features;
	char *buf;			/* the snapshot */
	_Atomic uint8_t *state;		/* per page: UNSAVED, COPYING, SAVED */
	uint64_t rate;			/* copier bytes per second, 0: no limit */

	pthread_t copier, handler;
	bool started, copier_joined, finished;
	atomic_bool stop_copier;

	atomic_size_t saved, by_fault, by_copier;
	atomic_uint_fast64_t faults, stale_faults;
	atomic_int error;		/* first ioctl error, -errno */
	uint64_t t_start;		/* the snapshot instant */
	atomic_uint_fast64_t t_done;	/* the last page saved */

	uint64_t *stall;		/* handler latencies, ns */
	size_t nstall, stall_cap;
	struct snap_stats final;	/* percentiles, after snap_wait() */
	uint64_t populate_ns, protect_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void set_error(struct snap *s, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&s->error, &none, err);
}

static int wp_range(struct snap *s, size_t first, size_t n, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = {
			.start = (uintptr_t)s->addr + first * s->page,
			.len = n * s->page,
		},
		/* Mode 0 also wakes the writers waiting in this range. */
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	if (ioctl(s->uffd, UFFDIO_WRITEPROTECT, &wp)) {
		int err = -errno;

		set_error(s, err);
		return err;
	}
	return 0;
}

int snap_mapping_info(const void *addr, size_t *page_size, bool *anon, uintptr_t *end)
{
	uintptr_t a = (uintptr_t)addr, stop = 0;
	unsigned long long off, ino;
	bool found = false, got_size = false;
	unsigned int major, minor;
	char line[512], perms[8];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, kb;

		/* "start-end perms offset major:minor inode [path]" opens a mapping. */
		if (sscanf(line, "%lx-%lx %7s %llx %x:%x %llu", &lo, &hi, perms, &off,
			   &major, &minor, &ino) == 7) {
			if (found)
				break;
			if (a >= lo && a < hi) {
				found = true;
				stop = hi;
				/* Private with no inode: anonymous memory (not shmem, not hugetlb). */
				*anon = ino == 0 && perms[3] == 'p';
			}
			continue;
		}
		if (found && sscanf(line, "KernelPageSize: %lu kB", &kb) == 1) {
			*page_size = kb << 10;
			got_size = true;
		}
	}
	fclose(f);
	if (!found || !got_size)
		return -ENOENT;
	*end = stop;
	return 0;
}

/* Why registration failed, in the words of the features the kernel has. */
static void explain_features(char *msg, size_t msglen, uint64_t features, bool anon)
{
	if (anon)
		snprintf(msg, msglen, "UFFD_FEATURE_PAGEFAULT_FLAG_WP (1<<0) %s",
			 features & UFFD_FEATURE_PAGEFAULT_FLAG_WP ? "present" : "missing");
	else
		snprintf(msg, msglen, "UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1<<12) %s",
			 features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM ? "present" : "missing");
}

static int open_uffd(struct snap *s, char *msg, size_t msglen)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };

	s->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0) {
		int e = errno;

		snprintf(msg, msglen, "userfaultfd: %s (%s)%s", strerror(e), strerrorname_np(e),
			 e == EPERM ? "; see vm.unprivileged_userfaultfd" : "");
		return e == ENOSYS ? SNAP_EUNSUPPORTED : SNAP_EFAILED;
	}
	/* Ask for nothing: the answer lists every feature the kernel has. */
	if (ioctl(s->uffd, UFFDIO_API, &api)) {
		snprintf(msg, msglen, "UFFDIO_API: %s (%s)", strerror(errno),
			 strerrorname_np(errno));
		return SNAP_EFAILED;
	}
	s->features = api.features;
	return 0;
}

static int register_wp(struct snap *s, char *msg, size_t msglen)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)s->addr, .len = s->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	char why[128];

	if (ioctl(s->uffd, UFFDIO_REGISTER, &reg)) {
		int e = errno;

		explain_features(why, sizeof(why), s->features, s->anon);
		snprintf(msg, msglen,
			 "cannot write-protect: UFFDIO_REGISTER(MODE_WP): %s (%s); UFFDIO_API features 0x%" PRIx64 ": %s",
			 strerror(e), strerrorname_np(e), s->features, why);
		/* EINVAL is how a kernel says it cannot do WP on this vma. */
		return e == EINVAL ? SNAP_EUNSUPPORTED : SNAP_EFAILED;
	}
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) {
		snprintf(msg, msglen,
			 "cannot write-protect: UFFDIO_WRITEPROTECT is not among the ioctls 0x%llx of the registered range",
			 (unsigned long long)reg.ioctls);
		return SNAP_EUNSUPPORTED;
	}
	return 0;
}

struct snap *snap_create(void *addr, size_t len, int *err, char *msg, size_t msglen)
{
	struct snap *s;
	uintptr_t end;
	int ret;

	*err = SNAP_EFAILED;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	s->uffd = -1;
	s->stop_fd = -1;
	s->addr = addr;
	s->len = len;
	ret = snap_mapping_info(addr, &s->page, &s->anon, &end);
	if (ret) {
		snprintf(msg, msglen, "no mapping at %p in /proc/self/smaps: %s", addr,
			 strerror(-ret));
		goto fail;
	}
	if ((uintptr_t)addr % s->page || len % s->page || !len ||
	    (uintptr_t)addr + len > end) {
		snprintf(msg, msglen, "%p+%zu is not whole %zu-byte pages of one mapping",
			 addr, len, s->page);
		goto fail;
	}
	s->npages = len / s->page;
	s->state = calloc(s->npages, sizeof(*s->state));
	s->buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!s->state || s->buf == MAP_FAILED || s->stop_fd < 0) {
		snprintf(msg, msglen, "cannot allocate the snapshot: %s", strerror(errno));
		if (s->buf == MAP_FAILED)
			s->buf = NULL;
		goto fail;
	}
	ret = open_uffd(s, msg, msglen);
	if (!ret)
		ret = register_wp(s, msg, msglen);
	if (ret) {
		*err = ret;
		goto fail;
	}
	*err = 0;
	return s;
fail:
	snap_destroy(s);
	return NULL;
}

void snap_set_rate(struct snap *s, uint64_t bytes_per_sec)
{
	s->rate = bytes_per_sec;
}

/*
 * Saves page @i unless somebody else has or is doing it. Only the thread
 * that wins UNSAVED -> COPYING copies, hence exactly once per page.
 */
static enum save_result save_page(struct snap *s, size_t i)
{
	uint8_t expected = UNSAVED;
	size_t off = i * s->page;

	if (!atomic_compare_exchange_strong(&s->state[i], &expected, COPYING))
		return expected == SAVED ? SAVED_BEFORE : BUSY;
	memcpy(s->buf + off, s->addr + off, s->page);
	atomic_store_explicit(&s->state[i], SAVED, memory_order_release);
	if (atomic_fetch_add(&s->saved, 1) + 1 == s->npages)
		atomic_store(&s->t_done, now_ns());
	return SAVED_NOW;
}

static void record_stall(struct snap *s, uint64_t ns)
{
	if (s->nstall == s->stall_cap) {
		size_t cap = s->stall_cap ? 2 * s->stall_cap : 4096;
		uint64_t *p = realloc(s->stall, cap * sizeof(*p));

		if (!p)
			return;	/* only statistics are lost */
		s->stall = p;
		s->stall_cap = cap;
	}
	s->stall[s->nstall++] = ns;
}

/*
 * A writer hit a protected page: save the page if it is not yet, then
 * un-protect it, which wakes the writer. If the copier is copying it right
 * now, wait for that copy: un-protecting earlier would let the write in
 * while the copy is being made.
 */
static void handle_wp_fault(struct snap *s, uint64_t address)
{
	uint64_t t0 = now_ns();
	size_t i = (address - (uintptr_t)s->addr) / s->page;

	if (address < (uintptr_t)s->addr || i >= s->npages) {
		set_error(s, -ERANGE);
		return;
	}
	atomic_fetch_add(&s->faults, 1);
	switch (save_page(s, i)) {
	case SAVED_NOW:
		atomic_fetch_add(&s->by_fault, 1);
		break;
	case BUSY:
		while (atomic_load_explicit(&s->state[i], memory_order_acquire) != SAVED)
			sched_yield();
		/* fall through */
	case SAVED_BEFORE:
		/* A message for a page the copier saved; it may not have woken us yet. */
		atomic_fetch_add(&s->stale_faults, 1);
		break;
	}
	wp_range(s, i, 1, false);
	record_stall(s, now_ns() - t0);
}

static void *handler_thread(void *arg)
{
	struct snap *s = arg;
	struct pollfd pfd[2] = {
		{ .fd = s->uffd, .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
	};
	struct uffd_msg msgs[16];

	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			set_error(s, -errno);
			break;
		}
		if (pfd[1].revents)
			break;
		n = read(s->uffd, msgs, sizeof(msgs));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			set_error(s, -errno);
			break;
		}
		for (size_t k = 0; k < n / sizeof(msgs[0]); k++) {
			struct uffd_msg *m = &msgs[k];

			/* Only WP was registered: anything else is a kernel surprise. */
			if (m->event != UFFD_EVENT_PAGEFAULT ||
			    !(m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
				set_error(s, -EPROTO);
				continue;
			}
			handle_wp_fault(s, m->arg.pagefault.address);
		}
	}
	return NULL;
}

static void throttle(struct snap *s, size_t bytes_done)
{
	uint64_t due, now;

	if (!s->rate)
		return;
	due = s->t_start + (uint64_t)((double)bytes_done / s->rate * 1e9);
	now = now_ns();
	if (due > now) {
		struct timespec ts = {
			.tv_sec = (due - now) / 1000000000ULL,
			.tv_nsec = (due - now) % 1000000000ULL,
		};

		nanosleep(&ts, NULL);
	}
}

/*
 * Saves the pages in address order, a batch at a time, and un-protects
 * each run of pages it saved itself with one ioctl, so later writes to them
 * do not fault. Pages the handler saved, it un-protects itself.
 */
static void *copier_thread(void *arg)
{
	struct snap *s = arg;
	size_t batch = COPIER_BATCH_BYTES / s->page;

	if (!batch)
		batch = 1;
	for (size_t i = 0; i < s->npages && !atomic_load(&s->stop_copier); i += batch) {
		size_t end = i + batch < s->npages ? i + batch : s->npages;
		size_t run = i;

		for (size_t j = i; j < end; j++) {
			if (save_page(s, j) == SAVED_NOW) {
				atomic_fetch_add(&s->by_copier, 1);
				continue;
			}
			if (run < j)
				wp_range(s, run, j - run, false);
			run = j + 1;
		}
		if (run < end)
			wp_range(s, run, end - run, false);
		throttle(s, end * s->page);
	}
	return NULL;
}

/*
 * Anonymous memory has nothing to carry the protection of a page that is
 * not populated (no pte markers for anon on 5.10 and 6.1), so a write to it
 * would not fault. Reading every page in maps the zero page (or swaps the
 * page in), which can be protected.
 */
static void populate_anon(struct snap *s)
{
	for (size_t i = 0; i < s->npages; i++)
		(void)*(volatile char *)(s->addr + i * s->page);
}

int snap_start(struct snap *s, char *msg, size_t msglen)
{
	uint64_t t0;
	int ret;

	if (s->anon) {
		t0 = now_ns();
		populate_anon(s);
		s->populate_ns = now_ns() - t0;
	}
	t0 = now_ns();
	s->t_start = t0;
	ret = wp_range(s, 0, s->npages, true);
	s->protect_ns = now_ns() - t0;
	if (ret) {
		snprintf(msg, msglen, "UFFDIO_WRITEPROTECT of the region: %s (%s)",
			 strerror(-ret), strerrorname_np(-ret));
		return SNAP_EFAILED;
	}
	if (pthread_create(&s->handler, NULL, handler_thread, s)) {
		snprintf(msg, msglen, "cannot start the fault handler");
		wp_range(s, 0, s->npages, false);
		return SNAP_EFAILED;
	}
	if (pthread_create(&s->copier, NULL, copier_thread, s)) {
		uint64_t one = 1;

		snprintf(msg, msglen, "cannot start the copier");
		wp_range(s, 0, s->npages, false);
		if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
			abort();
		pthread_join(s->handler, NULL);
		return SNAP_EFAILED;
	}
	s->started = true;
	return 0;
}

bool snap_page_saved(const struct snap *s, size_t page)
{
	return atomic_load_explicit(&s->state[page], memory_order_acquire) == SAVED;
}

bool snap_done(const struct snap *s)
{
	return atomic_load(&s->saved) == s->npages;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t percentile(const uint64_t *v, size_t n, unsigned int pct)
{
	if (!n)
		return 0;
	return v[(n - 1) * pct / 100];
}

int snap_wait(struct snap *s)
{
	struct uffdio_range range = { .start = (uintptr_t)s->addr, .len = s->len };
	uint64_t one = 1;

	if (!s->started || s->finished)
		return atomic_load(&s->error) ? SNAP_EFAILED : 0;
	if (!s->copier_joined)
		pthread_join(s->copier, NULL);
	s->copier_joined = true;
	/* The copier has claimed every page; the handler may still be copying one. */
	while (!snap_done(s))
		sched_yield();
	/*
	 * Every page is saved: drop whatever protection is left (pages the
	 * handler has not un-protected yet) and wake whoever waits on it,
	 * before the handler goes away.
	 */
	wp_range(s, 0, s->npages, false);
	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		set_error(s, -errno);
	pthread_join(s->handler, NULL);
	if (ioctl(s->uffd, UFFDIO_UNREGISTER, &range))
		set_error(s, -errno);
	close(s->uffd);
	s->uffd = -1;
	s->finished = true;

	qsort(s->stall, s->nstall, sizeof(*s->stall), cmp_u64);
	s->final.stall_p50_ns = percentile(s->stall, s->nstall, 50);
	s->final.stall_p99_ns = percentile(s->stall, s->nstall, 99);
	s->final.stall_max_ns = s->nstall ? s->stall[s->nstall - 1] : 0;
	return atomic_load(&s->error) ? SNAP_EFAILED : 0;
}

void snap_get_stats(struct snap *s, struct snap_stats *st)
{
	uint64_t done = atomic_load(&s->t_done);

	memset(st, 0, sizeof(*st));
	st->pages = s->npages;
	st->page_size = s->page;
	st->saved = atomic_load(&s->saved);
	st->by_fault = atomic_load(&s->by_fault);
	st->by_copier = atomic_load(&s->by_copier);
	st->faults = atomic_load(&s->faults);
	st->stale_faults = atomic_load(&s->stale_faults);
	st->populate_ns = s->populate_ns;
	st->protect_ns = s->protect_ns;
	if (s->started)
		st->copy_ns = (done ? done : now_ns()) - s->t_start;
	st->features = s->features;
	st->error = atomic_load(&s->error);
	if (s->finished) {
		st->stall_p50_ns = s->final.stall_p50_ns;
		st->stall_p99_ns = s->final.stall_p99_ns;
		st->stall_max_ns = s->final.stall_max_ns;
	}
}

const void *snap_data(const struct snap *s)
{
	return s->buf;
}

size_t snap_page_size(const struct snap *s)
{
	return s->page;
}

void snap_destroy(struct snap *s)
{
	if (!s)
		return;
	if (s->started && !s->finished) {
		atomic_store(&s->stop_copier, true);
		pthread_join(s->copier, NULL);
		s->copier_joined = true;
		/* Save the rest so that snap_wait() can end; nobody waits forever. */
		for (size_t i = 0; i < s->npages; i++)
			save_page(s, i);
		snap_wait(s);
	}
	if (s->uffd >= 0)
		close(s->uffd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->buf)
		munmap(s->buf, s->len);
	free((void *)s->state);
	free(s->stall);
	free(s);
}
