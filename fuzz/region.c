// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: a mapping of one memory kind owned by one worker, its slot (a
 * PROT_NONE reservation around it, so that it never merges with another
 * region's vma), its userfaultfd and the handler thread that resolves the
 * faults and logs every message for the worker to check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fuzz.h"

#define HANDLER_STACK	(256 << 10)
#define RETRY_SECONDS	30	/* an ioctl keeps failing with EAGAIN: give up */

const char *kind_name(struct region *r)
{
	return mem_kind_name(r->m.kind);
}

static int kind_class(enum mem_kind kind)
{
	switch (kind) {
	case MEM_ANON:
		return C_ANON;
	case MEM_MEMFD_PRIVATE:
		return C_SHMEM_PRIV;
	case MEM_HUGETLB_MEMFD:
	case MEM_HUGETLBFS:
		return C_HUGE;
	case MEM_HUGETLBFS_PRIVATE:
	case MEM_MAP_HUGETLB:
		return C_HUGE_PRIV;
	default:
		return C_SHMEM;
	}
}

uint64_t gen_next(struct region *r)
{
	return __atomic_add_fetch(&r->gen, 1, __ATOMIC_SEQ_CST);
}

/* Never 0: a page that holds 0 is a page of zeroes. */
uint64_t make_stamp(struct region *r, int page, uint64_t gen)
{
	return ((uint64_t)(r->id + 1) << 48) | ((uint64_t)(page & 0xff) << 40) |
	       (gen & ((1ULL << 40) - 1));
}

/* The copy buffers are zeroes but for the stamp words. */
void fill_page(char *buf, size_t psize, uint64_t stamp)
{
	*(uint64_t *)(buf + HEAD_OFF) = stamp;
	*(uint64_t *)(buf + psize - TAIL_GAP) = stamp ? ~stamp : 0;
}

/* --- the handler's log --- */

unsigned int log_count(struct region *r)
{
	unsigned int n;

	pthread_mutex_lock(&r->lock);
	n = r->nlog;
	pthread_mutex_unlock(&r->lock);
	return n;
}

unsigned int log_mark(struct region *r)
{
	return log_count(r);
}

static struct logent *log_new(struct region *r, int type)
{
	struct logent *e;

	pthread_mutex_lock(&r->lock);
	e = &r->log[r->nlog % LOG_RING];
	memset(e, 0, sizeof(*e));
	e->type = type;
	r->nlog++;
	pthread_mutex_unlock(&r->lock);
	return e;
}

static void log_done(struct region *r, struct logent *e)
{
	pthread_mutex_lock(&r->lock);
	e->done = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Entry @idx once it is complete, waiting up to @timeout seconds for it;
 * NULL if it did not come (or was overwritten).
 */
struct logent *log_wait(struct worker *w, struct region *r, unsigned int idx, double timeout)
{
	struct logent *e = NULL;
	double end = now() + timeout;
	struct timespec ts;

	(void)w;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (r->nlog > idx && r->nlog - idx <= LOG_RING &&
		    r->log[idx % LOG_RING].done) {
			e = &r->log[idx % LOG_RING];
			break;
		}
		if (r->nlog > idx && r->nlog - idx > LOG_RING)
			break;
		if (now() >= end)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
	pthread_mutex_unlock(&r->lock);
	return e;
}

/* --- ioctls that may meet mmap_changing (EAGAIN) --- */

static void handle_msg(struct region *r, const struct uffd_msg *msg);

/*
 * Reads what is pending on the uffd while an ioctl of the handler keeps
 * failing with EAGAIN: a fork() of another worker waits for us to read its
 * UFFD_EVENT_FORK, and sets mmap_changing until we do.
 */
static void handler_drain(struct region *r)
{
	struct uffd_msg msg;

	while (read(r->uffd, &msg, sizeof(msg)) == sizeof(msg)) {
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			fail(r->owner, r, "handler: a second fault (%#llx) while one is resolved",
			     (unsigned long long)msg.arg.pagefault.address);
		handle_msg(r, &msg);
	}
}

/*
 * ioctl() on the uffd of @r, repeated while it fails with EAGAIN and did
 * nothing (*@done == -EAGAIN for COPY/ZEROPAGE). Returns 0 or -errno.
 */
static int region_ioctl(struct region *r, bool in_handler, unsigned long req, void *arg,
			__s64 *done)
{
	double end = now() + RETRY_SECONDS;

	for (;;) {
		/* EAGAIN from mmap_changing leaves the field as it was */
		if (done)
			*done = -EAGAIN;
		if (!ioctl(r->uffd, req, arg))
			return 0;
		if (errno != EAGAIN || (done && *done != -EAGAIN) || now() > end)
			return -errno;
		if (in_handler)
			handler_drain(r);
		usleep(200);
	}
}

int uffd_ioctl_retry(int fd, unsigned long req, void *arg)
{
	double end = now() + RETRY_SECONDS;

	for (;;) {
		if (!ioctl(fd, req, arg))
			return 0;
		if (errno != EAGAIN || now() > end)
			return -errno;
		usleep(200);
	}
}

/* --- the handler thread --- */

static void resolve_wp(struct region *r, struct logent *e, uint64_t page)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = page, .len = r->psize },
		.mode = 0,
	};

	e->seen_head = *(volatile uint64_t *)(page + HEAD_OFF);
	e->seen_tail = *(volatile uint64_t *)(page + r->psize - TAIL_GAP);
	e->err = region_ioctl(r, true, UFFDIO_WRITEPROTECT, &wp, NULL);
	__atomic_add_fetch(&r->wp_msgs, 1, __ATOMIC_RELAXED);
}

static int fill_copy(struct region *r, uint64_t page, uint64_t mode)
{
	struct uffdio_copy copy = {
		.dst = page,
		.src = (unsigned long)r->hbuf,
		.len = r->psize,
		.mode = mode,
	};
	int ret = region_ioctl(r, true, UFFDIO_COPY, &copy, &copy.copy);

	return ret;
}

static void resolve_missing(struct region *r, struct logent *e, uint64_t page)
{
	int idx = (int)((page - (uint64_t)r->m.addr) / r->psize);
	unsigned int pick = rnd_below(&r->hrng, 10);
	bool huge = mem_kind_hugetlb(r->m.kind);

	if (huge || cfg.portable)
		e->res = pick < 5 ? RES_COPY : RES_COPY_WP;
	else
		e->res = pick < 4 ? RES_COPY : pick < 7 ? RES_COPY_WP : RES_ZERO;
	if (e->res == RES_ZERO) {
		struct uffdio_zeropage zp = {
			.range = { .start = page, .len = r->psize },
		};

		e->err = region_ioctl(r, true, UFFDIO_ZEROPAGE, &zp, &zp.zeropage);
	} else {
		e->stamp = make_stamp(r, idx, gen_next(r));
		fill_page(r->hbuf, r->psize, e->stamp);
		if (e->res == RES_COPY_WP) {
			e->err_wp = fill_copy(r, page, UFFDIO_COPY_MODE_WP);
			if (e->err_wp == -EINVAL)
				e->res = RES_COPY;	/* the vma is not uffd-wp */
			else
				e->err = e->err_wp;
		}
		if (e->res == RES_COPY)
			e->err = fill_copy(r, page, 0);
	}
	__atomic_add_fetch(&r->missing_msgs, 1, __ATOMIC_RELAXED);
}

static void handle_msg(struct region *r, const struct uffd_msg *msg)
{
	struct logent *e;

	switch (msg->event) {
	case UFFD_EVENT_PAGEFAULT: {
		uint64_t flags = msg->arg.pagefault.flags;
		uint64_t page = msg->arg.pagefault.address & ~((uint64_t)r->psize - 1);

		e = log_new(r, flags & UFFD_PAGEFAULT_FLAG_WP ? LOG_WP : LOG_MISSING);
		e->addr = msg->arg.pagefault.address;
		e->flags = flags;
		e->ptid = msg->arg.pagefault.feat.ptid;
		if (page < (uint64_t)r->m.addr || page >= (uint64_t)r->m.addr + r->m.len) {
			/* not ours: let the worker report it, do not touch it */
			struct uffdio_range wake = { .start = page, .len = r->psize };

			e->err = -ERANGE;
			ioctl(r->uffd, UFFDIO_WAKE, &wake);
		} else if (e->type == LOG_WP) {
			resolve_wp(r, e, page);
		} else {
			resolve_missing(r, e, page);
		}
		if (e->err) {
			/* Wake the faulting thread: it faults again, nothing hangs here. */
			struct uffdio_range wake = { .start = page, .len = r->psize };

			ioctl(r->uffd, UFFDIO_WAKE, &wake);
		}
		log_done(r, e);
		break;
	}
	case UFFD_EVENT_FORK:
		if (!__atomic_load_n(&r->forking, __ATOMIC_SEQ_CST)) {
			/* Another worker's fork: its child's copy of this region goes. */
			close(msg->arg.fork.ufd);
			__atomic_add_fetch(&r->foreign_forks, 1, __ATOMIC_RELAXED);
			break;
		}
		e = log_new(r, LOG_FORK);
		e->addr = msg->arg.fork.ufd;	/* for a report */
		pthread_mutex_lock(&r->lock);
		if (r->fork_ufd >= 0)
			close(r->fork_ufd);
		r->fork_ufd = msg->arg.fork.ufd;
		pthread_mutex_unlock(&r->lock);
		__atomic_add_fetch(&r->events, 1, __ATOMIC_RELAXED);
		log_done(r, e);
		break;
	case UFFD_EVENT_REMAP:
		e = log_new(r, LOG_REMAP);
		e->addr = msg->arg.remap.from;
		e->flags = msg->arg.remap.to;
		e->len = msg->arg.remap.len;
		__atomic_add_fetch(&r->events, 1, __ATOMIC_RELAXED);
		log_done(r, e);
		break;
	default:
		e = log_new(r, LOG_OTHER);
		e->event = msg->event;
		log_done(r, e);
		break;
	}
}

static void *handler_fn(void *arg)
{
	struct region *r = arg;
	struct pollfd pfd[2];
	struct uffd_msg msg;

	pfd[0].fd = r->uffd;
	pfd[0].events = POLLIN;
	pfd[1].fd = r->stopfd[0];
	pfd[1].events = POLLIN;
	for (;;) {
		ssize_t got;
		int n = poll(pfd, 2, 1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(r->owner, r, "handler: poll: %s", strerror(errno));
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		if (pfd[0].revents & POLLERR)
			fail(r->owner, r, "handler: POLLERR on the userfaultfd");
		__atomic_store_n(&r->in_msg, 1, __ATOMIC_SEQ_CST);
		got = read(r->uffd, &msg, sizeof(msg));
		if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
			__atomic_store_n(&r->in_msg, 0, __ATOMIC_SEQ_CST);
			continue;
		}
		if (got != sizeof(msg))
			fail(r->owner, r, "handler: read of the userfaultfd: %zd (%s)", got,
			     got < 0 ? strerror(errno) : "short");
		handle_msg(r, &msg);
		__atomic_store_n(&r->in_msg, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Opens a uffd with (what the kernel offers of) @features and starts its handler. */
int uffd_start(struct region *r, uint64_t features)
{
	pthread_attr_t attr;
	uint64_t got;
	int fd, err;

	features &= cfg.api_features;
	fd = uffd_open(features, &got);
	if (fd == -EPERM && (features & UFFD_FEATURE_EVENT_FORK)) {
		/* EVENT_FORK wants CAP_SYS_PTRACE */
		features &= ~(uint64_t)UFFD_FEATURE_EVENT_FORK;
		cfg.api_features &= ~(uint64_t)UFFD_FEATURE_EVENT_FORK;
		fd = uffd_open(features, &got);
	}
	if (fd < 0)
		return fd;
	r->uffd = fd;
	r->features = features;
	r->ufd_gen++;
	r->hrng = cfg.seed ^ ((uint64_t)(r->owner->id + 1) << 40) ^
		  ((uint64_t)(r->m.kind + 1) << 32) ^ ((uint64_t)r->ufd_gen << 20) ^
		  0x9e3779b97f4a7c15ULL;
	if (pipe2(r->stopfd, O_CLOEXEC))
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HANDLER_STACK);
	err = pthread_create(&r->handler, &attr, handler_fn, r);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	r->hrunning = true;
	return 0;
}

/*
 * Waits until no handler is between reading a message and being done with
 * it. Called by a worker right after fork() returned, which it does once
 * every UFFD_EVENT_FORK of it has been read: then each was handled while
 * the forking region, and only it, had ->forking set.
 */
void handlers_idle(struct worker *w)
{
	double end = now() + RETRY_SECONDS;
	int i, k;

	for (i = 0; i < cfg.workers; i++) {
		for (k = 0; k < workers[i].nreg; k++) {
			struct region *r = workers[i].regions[k];

			while (__atomic_load_n(&r->in_msg, __ATOMIC_SEQ_CST)) {
				if (now() > end)
					fail(w, r, "fork: the handler of region %d is stuck", r->id);
				usleep(100);
			}
		}
	}
}

/* Stops the handler and closes the uffd (the caller holds fork_rw). */
void uffd_stop(struct region *r)
{
	char c = 0;

	if (r->hrunning) {
		if (write(r->stopfd[1], &c, 1) != 1)
			fail(r->owner, r, "stopping the handler: %s", strerror(errno));
		pthread_join(r->handler, NULL);
		r->hrunning = false;
		close(r->stopfd[0]);
		close(r->stopfd[1]);
	}
	if (r->fork_ufd >= 0) {
		close(r->fork_ufd);
		r->fork_ufd = -1;
	}
	if (r->uffd >= 0) {
		close(r->uffd);
		r->uffd = -1;
	}
}

/* --- vmas and placement --- */

static int read_file_into(struct worker *w, const char *path)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (w->mapslen - used < 4096) {
			w->mapslen = w->mapslen ? 2 * w->mapslen : 65536;
			w->maps = realloc(w->maps, w->mapslen);
			if (!w->maps)
				fail(w, NULL, "out of memory");
		}
		n = read(fd, w->maps + used, w->mapslen - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (!n)
			break;
		used += n;
	}
	close(fd);
	w->maps[used] = 0;
	return 0;
}

/* Reads the vma boundaries inside the region from /proc/self/maps. */
int region_vmas(struct worker *w, struct region *r)
{
	uint64_t start = (uint64_t)r->m.addr, end = start + r->m.len, next = start;
	char *line;
	int err;

	err = read_file_into(w, "/proc/self/maps");
	if (err)
		fail(w, r, "reading /proc/self/maps: %s", strerror(-err));
	r->nvma = 0;
	for (line = w->maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if (e <= start || s >= end)
			continue;
		if (s > next)
			fail(w, r, "maps: a hole in the region at %#lx (expected a vma at %#llx)",
			     s, (unsigned long long)next);
		if (r->nvma >= MAX_PAGES)
			fail(w, r, "maps: more vmas than pages in the region");
		r->vma_start[r->nvma++] = (int)((next - start) / r->psize);
		next = e;
		if (e >= end)
			break;
	}
	if (next < end)
		fail(w, r, "maps: the region ends at %#llx, expected %#llx",
		     (unsigned long long)next, (unsigned long long)end);
	r->vma_start[r->nvma] = r->npages;
	r->vma_valid = true;
	return r->nvma;
}

/* The vma of page @page: [*start, *end) in pages; returns its index. */
int region_vma_of(struct region *r, int page, int *start, int *end)
{
	int i;

	for (i = 0; i < r->nvma; i++) {
		if (page < r->vma_start[i + 1]) {
			*start = r->vma_start[i];
			*end = r->vma_start[i + 1];
			return i;
		}
	}
	*start = *end = 0;
	return -1;
}

/*
 * Moves the region, vma by vma, to the middle of a new slot (mremap with
 * MREMAP_FIXED), then drops the old slot. @from[] (page index) and @len[]
 * (bytes) describe the pieces moved, *@nmoved of them. Returns 0 or -errno
 * of the first mremap() that failed (the region is then in pieces: fatal).
 */
int region_place(struct worker *w, struct region *r, int *nmoved, int *from, size_t *len)
{
	size_t align = r->psize, slot_len = r->m.len + 3 * align;
	char *slot, *base;
	int i;

	region_vmas(w, r);
	slot = mmap(NULL, slot_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (slot == MAP_FAILED)
		return -errno;
	base = (char *)(((uintptr_t)slot + align + align - 1) & ~(uintptr_t)(align - 1));
	*nmoved = 0;
	for (i = 0; i < r->nvma; i++) {
		size_t off = (size_t)r->vma_start[i] * r->psize;
		size_t plen = (size_t)(r->vma_start[i + 1] - r->vma_start[i]) * r->psize;
		void *p = mremap(r->m.addr + off, plen, plen, MREMAP_MAYMOVE | MREMAP_FIXED,
				 base + off);

		if (p == MAP_FAILED) {
			int err = -errno;

			if (i)
				fail(w, r, "mremap of piece %d of the region: %s", i, strerror(-err));
			munmap(slot, slot_len);
			return err;
		}
		from[*nmoved] = r->vma_start[i];
		len[*nmoved] = plen;
		(*nmoved)++;
	}
	if (r->slot)
		munmap(r->slot, r->slot_len);
	r->slot = slot;
	r->slot_len = slot_len;
	r->m.addr = base;
	r->vma_valid = false;
	return 0;
}

int region_create(struct region *r, int id, enum mem_kind kind, int npages, struct worker *w)
{
	int from[MAX_PAGES], n, err, i;
	size_t len[MAX_PAGES];

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->owner = w;
	r->uffd = -1;
	r->fork_ufd = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	err = mem_map(&r->m, kind, npages);
	if (err)
		return err;
	r->cls = kind_class(kind);
	/* independent of the other types: --types can be narrowed to replay it */
	r->rng = cfg.seed * 0x100000001b3ULL + ((uint64_t)w->id << 8) + (uint64_t)kind +
		 0x2545f4914f6cdd1dULL;
	r->npages = npages;
	r->eof = npages;
	r->psize = r->m.page;
	if (!mem_kind_hugetlb(kind))
		madvise(r->m.addr, r->m.len, MADV_NOHUGEPAGE);
	err = region_place(w, r, &n, from, len);
	if (err)
		return err;
	for (i = 0; i < npages; i++)
		r->pg[i].pte = PTE_NONE;
	r->hbuf = mmap(NULL, r->psize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (r->hbuf == MAP_FAILED)
		return -errno;
	memset(r->hbuf, 0, r->psize);
	mlock(r->hbuf, r->psize);	/* no fallback path of UFFDIO_COPY: best effort */
	return 0;
}

void region_destroy(struct region *r)
{
	uffd_stop(r);
	if (r->m.addr)
		munmap(r->m.addr, r->m.len);
	if (r->slot)
		munmap(r->slot, r->slot_len);
	if (r->m.fd >= 0)
		close(r->m.fd);
	if (r->hbuf && r->hbuf != MAP_FAILED)
		munmap(r->hbuf, r->psize);
	r->m.addr = NULL;
	r->slot = NULL;
}
