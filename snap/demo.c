// SPDX-License-Identifier: GPL-2.0
/*
 * The uffd-snap demo workload.
 *
 * Writer threads stamp 4 KiB blocks of the region: block b, generation g,
 * and filler derived from both, so that every block's content is known
 * from (b, g) alone. A chaos thread zaps the page tables and the page cache
 * under the writers' feet (MADV_DONTNEED, MADV_PAGEOUT, move_pages(), hole
 * punch, THP split). At the snapshot instant all of them park at a barrier;
 * a reference copy of the region is taken, the region is write-protected,
 * and they go on while the snapshot is saved. In the end the snapshot must
 * be byte for byte the reference.
 *
 * The model (cur[b]: the generation block b holds, 0 for zeroes) is kept
 * under a per-page lock shared by the page's writer and the chaos thread,
 * and checks the reference and the live region too, so a lost write is
 * caught even where it does not touch the snapshot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <linux/mempolicy.h>

#include "demo.h"
#include "snap.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define BLOCK		4096UL		/* unit of the writers' stamps */
#define WORDS		(BLOCK / sizeof(uint64_t))
#define PMD_SIZE	(2UL << 20)
#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define SPLIT_FILE	"/sys/kernel/debug/split_huge_pages"
#define MAX_REPORTS	5		/* mismatches printed per check */

const char *const mem_kind_names[MEM_NR_KINDS] = {
	[MEM_ANON] = "anon",
	[MEM_MEMFD] = "memfd",
	[MEM_MEMFD_PRIVATE] = "memfd-private",
	[MEM_HUGETLBFS] = "hugetlbfs",
	[MEM_HUGETLBFS_PRIVATE] = "hugetlbfs-private",
	[MEM_HUGETLB_MEMFD] = "hugetlb-memfd",
};

const char *const chaos_op_names[OP_NR] = {
	[OP_DONTNEED] = "dontneed",
	[OP_PAGEOUT] = "pageout",
	[OP_MIGRATE] = "migrate",
	[OP_PUNCH] = "punch",
	[OP_SPLIT] = "thp-split",
};

struct run;

struct writer {
	struct run *r;
	int id;
	pthread_t thread;
};

struct run {
	const struct opts *o;
	enum mem_kind kind;
	const char *name;
	bool shared, hugetlb;
	char *addr;
	size_t len, page, npages, bpp, nblocks;
	int fd;

	/* The model. gen[]: last generation written (owner writer only). */
	uint64_t *gen, *cur, *ref_cur;
	atomic_bool *lock;		/* per page: a writer or the chaos thread */
	char *ref;			/* reference copy at the snapshot instant */

	_Atomic(struct snap *) snap;	/* set while the workload is parked */
	atomic_bool stop, pause_req;
	pthread_mutex_t mtx;
	pthread_cond_t parked_cv, resume_cv;
	int parked;
	atomic_int filled;
	atomic_uint_fast64_t writes;

	/* Chaos: which ops, what they do to the data. */
	bool can[OP_NR];
	bool dontneed_zeroes;		/* private memory: DONTNEED loses the data */
	int nodes;
	struct chaos_count chaos;	/* chaos thread only; read after join */
	char thp_saved[16];		/* shmem_enabled to restore */

	struct writer *writers;
	int nwriters;
	pthread_t chaos_thread;
	bool chaos_started;
	uint64_t t0, t_run, t_last;	/* start, end of the fill, last progress */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double secs(uint64_t ns)
{
	return ns / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t rnd(uint64_t *x)
{
	/* xorshift64: per thread, good enough to pick pages. */
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The content of block @b at generation @g (g > 0). */
static void stamp(uint64_t *w, uint64_t b, uint64_t g)
{
	uint64_t x = b * 0x9e3779b97f4a7c15ULL ^ g * 0xc2b2ae3d27d4eb4fULL;

	w[0] = b;
	w[1] = g;
	for (size_t i = 2; i < WORDS; i++) {
		uint64_t z;

		x += 0x9e3779b97f4a7c15ULL;
		z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		w[i] = z ^ (z >> 27);
	}
}

static bool all_zero(const void *p, size_t n)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < n / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* What a block holds, in terms of the stamps. */
static void describe(char *out, size_t n, const void *blk, size_t b)
{
	const uint64_t *w = blk;
	uint64_t tmp[WORDS];

	if (all_zero(blk, BLOCK)) {
		snprintf(out, n, "zeroes");
		return;
	}
	if (w[0] == b && w[1]) {
		stamp(tmp, b, w[1]);
		snprintf(out, n, "gen %" PRIu64 "%s", w[1],
			 memcmp(tmp, blk, BLOCK) ? " (torn)" : "");
		return;
	}
	snprintf(out, n, "no stamp of block %zu (0x%016" PRIx64 " 0x%016" PRIx64 ")", b,
		 w[0], w[1]);
}

static void describe_expected(char *out, size_t n, uint64_t g)
{
	if (g)
		snprintf(out, n, "gen %" PRIu64, g);
	else
		snprintf(out, n, "zeroes");
}

static size_t first_diff(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

/* ---- the workload ------------------------------------------------------- */

static void page_lock(struct run *r, size_t p)
{
	/* Only the chaos thread competes, and it never waits while holding it. */
	while (atomic_exchange_explicit(&r->lock[p], true, memory_order_acquire))
		sched_yield();
}

static bool page_trylock(struct run *r, size_t p)
{
	return !atomic_exchange_explicit(&r->lock[p], true, memory_order_acquire);
}

static void page_unlock(struct run *r, size_t p)
{
	atomic_store_explicit(&r->lock[p], false, memory_order_release);
}

/* Writers and the chaos thread wait here while the main thread snapshots. */
static void park(struct run *r)
{
	pthread_mutex_lock(&r->mtx);
	r->parked++;
	pthread_cond_signal(&r->parked_cv);
	while (atomic_load(&r->pause_req))
		pthread_cond_wait(&r->resume_cv, &r->mtx);
	r->parked--;
	pthread_mutex_unlock(&r->mtx);
}

static void pause_all(struct run *r, int nthreads)
{
	pthread_mutex_lock(&r->mtx);
	atomic_store(&r->pause_req, true);
	while (r->parked < nthreads)
		pthread_cond_wait(&r->parked_cv, &r->mtx);
	pthread_mutex_unlock(&r->mtx);
}

static void resume_all(struct run *r)
{
	pthread_mutex_lock(&r->mtx);
	atomic_store(&r->pause_req, false);
	pthread_cond_broadcast(&r->resume_cv);
	pthread_mutex_unlock(&r->mtx);
}

static void write_block(struct run *r, size_t b)
{
	size_t p = b / r->bpp;
	uint64_t g;

	page_lock(r, p);
	g = ++r->gen[b];
	stamp((uint64_t *)(r->addr + b * BLOCK), b, g);
	r->cur[b] = g;
	page_unlock(r, p);
	atomic_fetch_add_explicit(&r->writes, 1, memory_order_relaxed);
}

/*
 * Writer @id owns the pages p with p % threads == id: it fills them all
 * once, then rewrites random blocks of them until told to stop.
 */
static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	struct run *r = w->r;
	size_t nt = r->o->threads, owned;
	uint64_t x = r->o->seed * 0x9e3779b97f4a7c15ULL + w->id + 1;

	owned = (size_t)w->id < r->npages ? (r->npages - w->id + nt - 1) / nt : 0;
	for (size_t p = w->id; p < r->npages && !atomic_load(&r->stop); p += nt)
		for (size_t b = p * r->bpp; b < (p + 1) * r->bpp; b++)
			write_block(r, b);
	atomic_fetch_add(&r->filled, 1);
	while (!atomic_load(&r->stop)) {
		size_t p;

		if (atomic_load(&r->pause_req)) {
			park(r);
			continue;
		}
		if (!owned) {
			sleep_ms(10);
			continue;
		}
		p = w->id + nt * (rnd(&x) % owned);
		write_block(r, p * r->bpp + rnd(&x) % r->bpp);
	}
	return NULL;
}

/* ---- chaos -------------------------------------------------------------- */

/*
 * Discards pages [first, first + n): hole punch, or MADV_DONTNEED where
 * that loses the data (private and anonymous memory).
 *
 * Discarding is not a write: it raises no write-protect fault, so nothing
 * saves the page first. On shmem and hugetlbfs the protection survives the
 * punch (a pte marker) but the data is gone, and the copier or the next
 * write's fault would save zeroes; on anonymous memory the protection goes
 * with the page and the next write is not even seen. Either way a page not
 * saved yet would be wrong in the snapshot. A snapshot tool must save a
 * page before it discards it, like QEMU, so during a snapshot only pages
 * already saved are discarded (--unsafe-discard drops this rule, to show
 * that the verification catches it).
 *
 * The page locks keep the model exact: no writer is half way through a
 * block of these pages.
 */
static void discard(struct run *r, size_t first, size_t n, enum chaos_op op)
{
	struct snap *s = atomic_load(&r->snap);
	size_t locked, off = first * r->page, len = n * r->page;
	bool unsaved = false;
	int ret;

	for (size_t p = first; s && p < first + n; p++)
		unsaved |= !snap_page_saved(s, p);
	if (unsaved && !r->o->unsafe_discard) {
		r->chaos.refused++;
		return;
	}
	for (locked = 0; locked < n; locked++)
		if (!page_trylock(r, first + locked))
			break;
	if (locked < n) {
		r->chaos.busy++;
		goto unlock;
	}
	if (op == OP_PUNCH)
		ret = fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	else
		ret = madvise(r->addr + off, len, MADV_DONTNEED);
	if (ret) {
		r->chaos.failed[op]++;
		goto unlock;
	}
	r->chaos.done[op]++;
	r->chaos.planted += unsaved;
	for (size_t b = first * r->bpp; b < (first + n) * r->bpp; b++)
		r->cur[b] = 0;
unlock:
	while (locked--)
		page_unlock(r, first + locked);
}

/* MADV_PAGEOUT, and how many of the pages left memory (zram swap). */
static void pageout(struct run *r, size_t first, size_t n)
{
	char *a = r->addr + first * r->page;
	unsigned char before[16], after[16];
	bool counted = !mincore(a, n * r->page, before);

	if (madvise(a, n * r->page, MADV_PAGEOUT)) {
		r->chaos.failed[OP_PAGEOUT]++;
		return;
	}
	r->chaos.done[OP_PAGEOUT]++;
	if (!counted || mincore(a, n * r->page, after))
		return;
	/* Resident before, gone after (a writer may bring one back at once). */
	for (size_t i = 0; i < n; i++)
		r->chaos.evicted += (before[i] & 1) && !(after[i] & 1);
}

static long sys_move_pages(unsigned long count, void **pages, const int *nodes,
			   int *status, int flags)
{
	return syscall(__NR_move_pages, 0, count, pages, nodes, status, flags);
}

/* Moves each page of the range to the node it is not on. */
static void migrate(struct run *r, size_t first, size_t n)
{
	void *pages[16];
	int nodes[16], status[16];
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		pages[i] = r->addr + (first + i) * r->page;
	if (sys_move_pages(n, pages, NULL, status, 0)) {
		r->chaos.failed[OP_MIGRATE]++;
		return;
	}
	/* Pages not present (status < 0) are left out. */
	for (size_t i = 0; i < n; i++) {
		if (status[i] < 0)
			continue;
		pages[k] = pages[i];
		nodes[k++] = status[i] == 0 ? 1 : 0;
	}
	if (!k)
		return;
	if (sys_move_pages(k, pages, nodes, status, MPOL_MF_MOVE) < 0) {
		r->chaos.failed[OP_MIGRATE]++;
		return;
	}
	r->chaos.done[OP_MIGRATE]++;
	for (size_t i = 0; i < k; i++)
		if (status[i] == nodes[i])
			r->chaos.moved++;
}

/*
 * Splits every THP of the system (shmem ones included): debugfs has no
 * narrower knob that both 5.10 and 6.1 understand. Scanning all memory is
 * slow, so not more than once a second.
 */
static void split_thps(struct run *r, uint64_t *last)
{
	uint64_t now = now_ns();
	int fd;

	if (now - *last < 1000000000ULL)
		return;
	*last = now;
	r->chaos.split_calls++;
	fd = open(SPLIT_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		r->chaos.failed[OP_SPLIT]++;
	else
		r->chaos.done[OP_SPLIT]++;
	if (fd >= 0)
		close(fd);
}

static void *chaos_thread(void *arg)
{
	struct run *r = arg;
	uint64_t x = r->o->seed * 0xbf58476d1ce4e5b9ULL + 77, last_split = 0;
	enum chaos_op ops[OP_NR];
	size_t nops = 0, maxn = r->hugetlb ? 2 : 16;

	for (int op = 0; op < OP_NR; op++)
		if (r->can[op])
			ops[nops++] = op;
	while (!atomic_load(&r->stop)) {
		enum chaos_op op;
		size_t first, n;

		if (atomic_load(&r->pause_req)) {
			park(r);
			continue;
		}
		if (!nops) {
			sleep_ms(10);
			continue;
		}
		op = ops[rnd(&x) % nops];
		first = rnd(&x) % r->npages;
		n = 1 + rnd(&x) % maxn;
		if (n > r->npages - first)
			n = r->npages - first;
		/* With THP, some punches take a whole 2 MiB, so THPs come back. */
		if (op == OP_PUNCH && r->can[OP_SPLIT] && r->npages >= PMD_SIZE / r->page &&
		    rnd(&x) % 4 == 0) {
			n = PMD_SIZE / r->page;
			first = first / n * n;
		}

		switch (op) {
		case OP_DONTNEED:
			if (r->dontneed_zeroes) {
				discard(r, first, n, op);
				break;
			}
			/* Shared memory keeps the data in the file: a pure zap. */
			if (madvise(r->addr + first * r->page, n * r->page, MADV_DONTNEED))
				r->chaos.failed[op]++;
			else
				r->chaos.done[op]++;
			break;
		case OP_PAGEOUT:
			pageout(r, first, n);
			break;
		case OP_MIGRATE:
			migrate(r, first, n);
			break;
		case OP_PUNCH:
			discard(r, first, n, op);
			break;
		case OP_SPLIT:
			split_thps(r, &last_split);
			break;
		default:
			break;
		}
		if (r->o->chaos_delay_us)
			usleep(r->o->chaos_delay_us);
	}
	return NULL;
}

/* ---- setup -------------------------------------------------------------- */

static int count_nodes(void)
{
	char path[64];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			return n;
		n++;
	}
}

/* Sum of the smaps fields @a and @b (kB) of the mapping holding @addr. */
static long smaps_kb(const void *addr, const char *a, const char *b)
{
	uintptr_t x = (uintptr_t)addr;
	bool in = false;
	char line[512];
	long kb = 0;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, ino;
		unsigned int major, minor;
		char perms[8];
		long v;

		/* "start-end perms offset major:minor inode [path]" opens a mapping. */
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &major,
			   &minor, &ino) == 7) {
			if (in)
				break;
			in = x >= lo && x < hi;
			continue;
		}
		if (!in)
			continue;
		if ((!strncmp(line, a, strlen(a)) && sscanf(line + strlen(a), "%ld", &v) == 1) ||
		    (!strncmp(line, b, strlen(b)) && sscanf(line + strlen(b), "%ld", &v) == 1))
			kb += v;
	}
	fclose(f);
	return kb;
}

static int read_text(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	return 0;
}

static int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static void read_vmstat(struct vmstat_delta *v)
{
	char line[128];
	FILE *f = fopen("/proc/vmstat", "re");

	*v = (struct vmstat_delta){ -1, -1, -1, -1 };
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		long long val;

		if (sscanf(line, "%63s %lld", name, &val) != 2)
			continue;
		if (!strcmp(name, "pswpout"))
			v->pswpout = val;
		else if (!strcmp(name, "pswpin"))
			v->pswpin = val;
		else if (!strcmp(name, "pgmigrate_success"))
			v->pgmigrate_success = val;
		else if (!strcmp(name, "thp_split_page"))
			v->thp_split_page = val;
	}
	fclose(f);
}

static long long vm_delta(long long before, long long after)
{
	return before < 0 || after < 0 ? -1 : after - before;
}

/*
 * Shmem THP for the memfd: the internal shm mount follows shmem_enabled;
 * "advise" plus MADV_HUGEPAGE gives THPs to this region only. The old
 * setting is put back in teardown.
 */
static void thp_prepare(struct run *r, struct result *res)
{
	char buf[128], *l, *e;
	int err;

	err = read_text(SHMEM_ENABLED, buf, sizeof(buf));
	if (err) {
		snprintf(res->thp, sizeof(res->thp), "none (%s: %s)", SHMEM_ENABLED,
			 strerror(-err));
		return;
	}
	l = strchr(buf, '[');
	e = l ? strchr(l, ']') : NULL;
	if (!e || e - l - 1 >= (long)sizeof(r->thp_saved)) {
		snprintf(res->thp, sizeof(res->thp), "none (cannot parse %s)", SHMEM_ENABLED);
		return;
	}
	*e = '\0';
	if (!strcmp(l + 1, "deny")) {
		snprintf(res->thp, sizeof(res->thp), "none (shmem_enabled is deny)");
		return;
	}
	if (!strcmp(l + 1, "never")) {
		err = write_text(SHMEM_ENABLED, "advise");
		if (err) {
			snprintf(res->thp, sizeof(res->thp), "none (writing %s: %s)",
				 SHMEM_ENABLED, strerror(-err));
			return;
		}
		strcpy(r->thp_saved, l + 1);
	}
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		snprintf(res->thp, sizeof(res->thp), "none (MADV_HUGEPAGE: %s)", strerror(errno));
}

/* After the fill: is the memfd backed by THPs? Only then split them. */
static void thp_check(struct run *r, struct result *res)
{
	long kb;

	if (res->thp[0])
		return;
	kb = smaps_kb(r->addr, "ShmemPmdMapped:", "FilePmdMapped:");
	if (kb <= 0) {
		snprintf(res->thp, sizeof(res->thp), "none (no PMD-mapped THP after the fill)");
		return;
	}
	snprintf(res->thp, sizeof(res->thp), "%ld MiB PMD-mapped after the fill", kb >> 10);
	if (access(SPLIT_FILE, W_OK)) {
		snprintf(res->thp + strlen(res->thp), sizeof(res->thp) - strlen(res->thp),
			 ", no %s", SPLIT_FILE);
		return;
	}
	r->can[OP_SPLIT] = true;
}

/* A 2 MiB aligned place for the region, so that THPs can be PMD-mapped. */
static char *map_aligned(size_t len, int flags, int fd)
{
	char *area, *a, *p;

	area = mmap(NULL, len + PMD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	a = (char *)(((uintptr_t)area + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (a > area)
		munmap(area, a - area);
	munmap(a + len, area + len + PMD_SIZE - (a + len));
	p = mmap(a, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		munmap(a, len);
	return p;
}

static int huge_file(struct run *r, char *why, size_t n)
{
	struct statfs sfs;
	char path[256];

	if (r->kind == MEM_HUGETLB_MEMFD) {
		r->fd = memfd_create("uffd-snap", MFD_HUGETLB | MFD_CLOEXEC);
		if (r->fd < 0) {
			snprintf(why, n, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
			return -1;
		}
	} else {
		snprintf(path, sizeof(path), "%s/uffd-snap.XXXXXX", r->o->huge_dir);
		r->fd = mkostemp(path, O_CLOEXEC);
		if (r->fd < 0) {
			snprintf(why, n, "creating a file in %s: %s", r->o->huge_dir,
				 strerror(errno));
			return -1;
		}
		unlink(path);
	}
	if (fstatfs(r->fd, &sfs) || sfs.f_type != HUGETLBFS_MAGIC) {
		snprintf(why, n, "%s is not a hugetlbfs mount", r->o->huge_dir);
		return -1;
	}
	r->page = sfs.f_bsize;
	return 0;
}

static int map_region(struct run *r, char *why, size_t n)
{
	int flags = r->shared ? MAP_SHARED : MAP_PRIVATE;

	r->fd = -1;
	r->page = BLOCK;
	switch (r->kind) {
	case MEM_ANON:
		flags |= MAP_ANONYMOUS;
		break;
	case MEM_MEMFD:
	case MEM_MEMFD_PRIVATE:
		r->fd = memfd_create("uffd-snap", MFD_CLOEXEC);
		if (r->fd < 0) {
			snprintf(why, n, "memfd_create: %s", strerror(errno));
			return -1;
		}
		break;
	default:
		if (huge_file(r, why, n))
			return -1;
		break;
	}
	r->len = (r->o->size + r->page - 1) / r->page * r->page;
	if (r->fd >= 0 && ftruncate(r->fd, r->len)) {
		snprintf(why, n, "ftruncate to %zu MiB: %s", r->len >> 20, strerror(errno));
		return -1;
	}
	r->addr = map_aligned(r->len, flags, r->fd);
	if (r->addr == MAP_FAILED) {
		r->addr = NULL;
		snprintf(why, n, "mmap of %zu MiB: %s%s", r->len >> 20, strerror(errno),
			 r->hugetlb ? " (not enough huge pages?)" : "");
		return -1;
	}
	r->npages = r->len / r->page;
	r->bpp = r->page / BLOCK;
	r->nblocks = r->len / BLOCK;
	return 0;
}

static void setup_chaos(struct run *r)
{
	bool file = r->kind != MEM_ANON;

	if (!r->o->chaos)
		return;
	r->nodes = count_nodes();
	r->can[OP_DONTNEED] = true;
	r->dontneed_zeroes = !r->shared;
	/* Reclaim does not take hugetlb pages. */
	r->can[OP_PAGEOUT] = !r->hugetlb;
	r->can[OP_MIGRATE] = r->nodes >= 2;
	/*
	 * Punching the file under a private mapping is left out: shmem keeps
	 * the private copies, hugetlbfs drops them, and the model would have
	 * to know which.
	 */
	r->can[OP_PUNCH] = file && r->shared;
	for (int op = 0; op < OP_NR; op++)
		r->can[op] &= !!(r->o->ops & (1U << op));
}

/* ---- verification ------------------------------------------------------- */

/* @data (the whole region's size) against the model @cur. */
static size_t check_model(struct run *r, const char *data, const uint64_t *cur,
			  const char *what, struct result *res)
{
	uint64_t want[WORDS];
	size_t bad = 0;

	for (size_t b = 0; b < r->nblocks; b++) {
		const char *got = data + b * BLOCK;
		char e[64], g[96];
		size_t off;

		if (cur[b])
			stamp(want, b, cur[b]);
		else
			memset(want, 0, BLOCK);
		if (!memcmp(want, got, BLOCK))
			continue;
		if (bad++ >= MAX_REPORTS)
			continue;
		off = first_diff((const char *)want, got, BLOCK);
		describe_expected(e, sizeof(e), cur[b]);
		describe(g, sizeof(g), got, b);
		printf("%s: MISMATCH in the %s: page %zu (block %zu), first difference at page offset 0x%zx: expected %s, got %s\n",
		       r->name, what, b / r->bpp, b, (b % r->bpp) * BLOCK + off, e, g);
		if (res->status != R_MISMATCH) {
			res->status = R_MISMATCH;
			snprintf(res->why, sizeof(res->why),
				 "%s: page %zu offset 0x%zx: expected %s, got %s", what,
				 b / r->bpp, (b % r->bpp) * BLOCK + off, e, g);
		}
	}
	if (bad > MAX_REPORTS)
		printf("%s: ... %zu blocks of the %s differ from the model\n", r->name, bad, what);
	return bad;
}

/* The snapshot against the reference copy, page by page. */
static size_t check_snapshot(struct run *r, const char *snap, struct result *res)
{
	size_t bad = 0;

	for (size_t p = 0; p < r->npages; p++) {
		size_t base = p * r->page, off, b;
		uint64_t ew, gw;
		char e[96], g[96];

		if (!memcmp(r->ref + base, snap + base, r->page))
			continue;
		if (bad++ >= MAX_REPORTS)
			continue;
		off = first_diff(r->ref + base, snap + base, r->page);
		b = (base + off) / BLOCK;
		memcpy(&ew, r->ref + base + (off & ~7UL), sizeof(ew));
		memcpy(&gw, snap + base + (off & ~7UL), sizeof(gw));
		describe(e, sizeof(e), r->ref + b * BLOCK, b);
		describe(g, sizeof(g), snap + b * BLOCK, b);
		printf("%s: MISMATCH page %zu: first difference at offset 0x%zx (block %zu): expected %s, got %s (u64 0x%016" PRIx64 " vs 0x%016" PRIx64 ")\n",
		       r->name, p, off, b, e, g, ew, gw);
		if (res->status != R_MISMATCH) {
			res->status = R_MISMATCH;
			snprintf(res->why, sizeof(res->why),
				 "page %zu offset 0x%zx: expected %s, got %s", p, off, e, g);
		}
	}
	if (bad > MAX_REPORTS)
		printf("%s: ... %zu pages of the snapshot differ\n", r->name, bad);
	return bad;
}

/* ---- one memory type ---------------------------------------------------- */

static void progress(struct run *r, const char *phase)
{
	struct snap *s = atomic_load(&r->snap);
	struct chaos_count *c = &r->chaos;
	uint64_t zaps = 0;
	char snapinfo[160] = "";

	/* Racy reads of the chaos counters: only for the eye. */
	for (int op = 0; op < OP_NR; op++)
		zaps += c->done[op];
	if (s) {
		struct snap_stats st;

		snap_get_stats(s, &st);
		snprintf(snapinfo, sizeof(snapinfo),
			 " saved %zu/%zu (faults %zu, copier %zu), wp faults %" PRIu64,
			 st.saved, st.pages, st.by_fault, st.by_copier, st.faults);
	}
	printf("%s: %5.1fs %-8s writes %" PRIu64 "%s, zaps %" PRIu64 "\n", r->name,
	       secs(now_ns() - r->t0), phase, (uint64_t)atomic_load(&r->writes), snapinfo, zaps);
	r->t_last = now_ns();
}

/* One step of a waiting loop: a progress line about once a second. */
static void tick(struct run *r, const char *phase)
{
	sleep_ms(20);
	if (now_ns() - r->t_last >= 1000000000ULL)
		progress(r, phase);
}

static int setup(struct run *r, struct result *res)
{
	const struct opts *o = r->o;

	r->shared = r->kind == MEM_MEMFD || r->kind == MEM_HUGETLBFS ||
		    r->kind == MEM_HUGETLB_MEMFD;
	r->hugetlb = r->kind >= MEM_HUGETLBFS;
	if (map_region(r, res->why, sizeof(res->why)))
		return -1;
	res->len = r->len;
	r->gen = calloc(r->nblocks, sizeof(*r->gen));
	r->cur = calloc(r->nblocks, sizeof(*r->cur));
	r->ref_cur = calloc(r->nblocks, sizeof(*r->ref_cur));
	r->lock = calloc(r->npages, sizeof(*r->lock));
	r->ref = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->ref == MAP_FAILED)
		r->ref = NULL;
	if (!r->gen || !r->cur || !r->ref_cur || !r->lock || !r->ref) {
		snprintf(res->why, sizeof(res->why), "out of memory for the model and reference");
		return -1;
	}
	if (r->kind == MEM_MEMFD && o->thp)
		thp_prepare(r, res);
	else if (r->kind == MEM_MEMFD)
		snprintf(res->thp, sizeof(res->thp), "none (--no-thp)");
	else if (r->kind == MEM_ANON && !o->thp && madvise(r->addr, r->len, MADV_NOHUGEPAGE))
		printf("%s: MADV_NOHUGEPAGE: %s\n", r->name, strerror(errno));
	setup_chaos(r);
	return 0;
}

static void teardown(struct run *r)
{
	if (r->thp_saved[0])
		write_text(SHMEM_ENABLED, r->thp_saved);
	if (r->addr)
		munmap(r->addr, r->len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->ref)
		munmap(r->ref, r->len);
	free(r->gen);
	free(r->cur);
	free(r->ref_cur);
	free(r->lock);
	free(r->writers);
}

static void print_plan(struct run *r)
{
	const char *rule = r->o->unsafe_discard ? "(ANY page: --unsafe-discard) " :
						  "(saved pages) ";

	printf("%s: %zu MiB, %zu pages of %zu KiB, %d writers, chaos: %s%s%s%s%s%s%s\n", r->name,
	       r->len >> 20, r->npages, r->page >> 10, r->o->threads,
	       r->can[OP_DONTNEED] ? (r->dontneed_zeroes ? "dontneed" : "dontneed ") : "",
	       r->can[OP_DONTNEED] && r->dontneed_zeroes ? rule : "",
	       r->can[OP_PAGEOUT] ? "pageout " : "", r->can[OP_MIGRATE] ? "migrate " : "",
	       r->can[OP_PUNCH] ? "punch" : "", r->can[OP_PUNCH] ? rule : "",
	       r->kind == MEM_MEMFD && r->o->chaos && r->o->thp ? "thp-split(if THP) " : "");
}

/* Writers fill the region; then the chaos thread joins them. */
static int start_workload(struct run *r, struct result *res)
{
	int n = r->o->threads;

	r->writers = calloc(n, sizeof(*r->writers));
	if (!r->writers) {
		snprintf(res->why, sizeof(res->why), "out of memory for the writers");
		return -1;
	}
	r->t0 = now_ns();
	r->t_last = r->t0;
	for (int i = 0; i < n; i++) {
		r->writers[i].r = r;
		r->writers[i].id = i;
		pthread_create(&r->writers[i].thread, NULL, writer_thread, &r->writers[i]);
		r->nwriters++;
	}
	/* The chaos thread starts after the fill, so that THPs can form. */
	while (atomic_load(&r->filled) < n)
		tick(r, "fill");
	if (r->kind == MEM_MEMFD && r->o->chaos)
		thp_check(r, res);
	pthread_create(&r->chaos_thread, NULL, chaos_thread, r);
	r->chaos_started = true;
	r->t_run = now_ns();
	printf("%s: filled in %.1fs%s%s\n", r->name, secs(r->t_run - r->t0),
	       res->thp[0] ? "; THP: " : "", res->thp);
	return 0;
}

/* Stops and joins whatever was started; can be called again. */
static void stop_workload(struct run *r)
{
	atomic_store(&r->stop, true);
	for (int i = 0; i < r->nwriters; i++)
		pthread_join(r->writers[i].thread, NULL);
	r->nwriters = 0;
	if (r->chaos_started)
		pthread_join(r->chaos_thread, NULL);
	r->chaos_started = false;
}

/*
 * The snapshot instant: park the writers and the chaos thread, copy the
 * region and the model as the reference, write-protect, let them go.
 */
static int snapshot_instant(struct run *r, struct snap *s, struct result *res)
{
	struct snap_stats st;
	uint64_t t0;
	int ret;

	pause_all(r, r->o->threads + 1);
	t0 = now_ns();
	memcpy(r->ref, r->addr, r->len);
	memcpy(r->ref_cur, r->cur, r->nblocks * sizeof(*r->cur));
	ret = snap_start(s, res->why, sizeof(res->why));
	if (!ret)
		atomic_store(&r->snap, s);
	res->pause_ns = now_ns() - t0;
	resume_all(r);
	if (ret)
		return ret;
	snap_get_stats(s, &st);
	printf("%s: snapshot instant at %.1fs: workload parked %.1f ms (reference copy, %s%.1f ms UFFDIO_WRITEPROTECT)\n",
	       r->name, secs(now_ns() - r->t0), res->pause_ns / 1e6,
	       st.populate_ns ? "populating anon, " : "", st.protect_ns / 1e6);
	return 0;
}

static void collect(struct run *r, struct snap *s, const struct vmstat_delta *vm0,
		    struct result *res)
{
	struct vmstat_delta vm1;

	read_vmstat(&vm1);
	res->run_s = secs(now_ns() - r->t_run);
	snap_get_stats(s, &res->st);
	res->writes = atomic_load(&r->writes);
	res->chaos = r->chaos;
	res->vm.pswpout = vm_delta(vm0->pswpout, vm1.pswpout);
	res->vm.pswpin = vm_delta(vm0->pswpin, vm1.pswpin);
	res->vm.pgmigrate_success = vm_delta(vm0->pgmigrate_success, vm1.pgmigrate_success);
	res->vm.thp_split_page = vm_delta(vm0->thp_split_page, vm1.thp_split_page);
	if (res->thp[0] && strncmp(res->thp, "none", 4)) {
		size_t l = strlen(res->thp);

		snprintf(res->thp + l, sizeof(res->thp) - l, ", %ld MiB at the end",
			 smaps_kb(r->addr, "ShmemPmdMapped:", "FilePmdMapped:") >> 10);
	}
	progress(r, "stopped");
}

/*
 * The reference must match the model (else the pause or the kernel lost a
 * write before the snapshot), the snapshot the reference, and the region at
 * the end the model (no write lost after the snapshot either).
 */
static void verify(struct run *r, struct snap *s, struct result *res)
{
	if (res->st.by_fault + res->st.by_copier != res->st.pages) {
		res->status = R_MISMATCH;
		snprintf(res->why, sizeof(res->why),
			 "%zu pages saved by faults + %zu by the copier != %zu",
			 res->st.by_fault, res->st.by_copier, res->st.pages);
	}
	check_model(r, r->ref, r->ref_cur, "reference", res);
	res->mismatches = check_snapshot(r, snap_data(s), res);
	check_model(r, r->addr, r->cur, "live region at the end", res);
	/* Without a write to a protected page, copy-before-write went untested. */
	if (res->status == R_VERIFIED && !res->st.by_fault) {
		res->status = R_ERROR;
		snprintf(res->why, sizeof(res->why),
			 "INCONCLUSIVE: no write hit a protected page during the snapshot");
	}
	if (res->status == R_VERIFIED) {
		snprintf(res->why, sizeof(res->why), "VERIFIED");
		printf("%s: snapshot VERIFIED: equal to the reference\n", r->name);
	} else {
		printf("%s: %s\n", r->name, res->why);
	}
}

void run_kind(const struct opts *o, enum mem_kind kind, struct result *res)
{
	struct run r = {
		.o = o, .kind = kind, .name = mem_kind_names[kind], .fd = -1,
		.mtx = PTHREAD_MUTEX_INITIALIZER,
		.parked_cv = PTHREAD_COND_INITIALIZER,
		.resume_cv = PTHREAD_COND_INITIALIZER,
	};
	struct vmstat_delta vm0;
	struct snap *s = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	res->kind = kind;
	if (setup(&r, res))
		goto error;
	/* Register first: a kernel that cannot do it is told before any work. */
	s = snap_create(r.addr, r.len, &err, res->why, sizeof(res->why));
	if (!s) {
		res->status = err == SNAP_EUNSUPPORTED ? R_UNSUPPORTED : R_ERROR;
		printf("%s: %s\n", r.name, res->why);
		goto out;
	}
	if (snap_page_size(s) != r.page) {
		snprintf(res->why, sizeof(res->why), "smaps says %zu-byte pages, statfs %zu",
			 snap_page_size(s), r.page);
		goto error;
	}
	if (o->rate_mibps > 0)
		snap_set_rate(s, (uint64_t)(o->rate_mibps * (1 << 20)));
	print_plan(&r);

	read_vmstat(&vm0);
	if (start_workload(&r, res))
		goto error;
	while (now_ns() - r.t_run < o->snap_delay * 1e9)
		tick(&r, "write");
	err = snapshot_instant(&r, s, res);
	/* The writers keep going until the snapshot is done and the time is up. */
	while (!err && (!snap_done(s) || now_ns() - r.t_run < o->seconds * 1e9))
		tick(&r, snap_done(s) ? "after" : "snapshot");
	if (!err && snap_wait(s))
		err = SNAP_EFAILED;
	stop_workload(&r);
	collect(&r, s, &vm0, res);
	if (err) {
		if (res->st.error)
			snprintf(res->why, sizeof(res->why), "snapshot: an ioctl failed: %s (%s)",
				 strerror(-res->st.error), strerrorname_np(-res->st.error));
		goto error;
	}
	verify(&r, s, res);
	goto out;
error:
	res->status = R_ERROR;
	printf("%s: %s\n", r.name, res->why);
out:
	stop_workload(&r);
	snap_destroy(s);
	teardown(&r);
}
