// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-persist: does userfaultfd write-protection (UFFDIO_REGISTER_MODE_WP)
 * survive the events that zap, move or copy the page-table entry of a
 * protected page while the page itself lives on (page cache, swap, another
 * node, another address)?
 *
 * Usage: uffd-wp-persist [TYPE...]	(default: every type)
 *
 * Every memory type runs every case, each in its own process with a fresh
 * mapping and a fresh userfaultfd; a case that does not apply to a type is
 * reported as skipped, as are the cases of a type that cannot be registered
 * for write-protection at all (UFFDIO_REGISTER fails with EINVAL).
 *
 * Protection is checked three ways:
 *  1. pagemap: bit 57 (PM_UFFD_WP) of the page's /proc/self/pagemap entry
 *     (for hugetlb, the entry of the first 4 KiB of the huge page);
 *  2. delivery: a write to a protected page produces exactly one uffd
 *     message with UFFD_PAGEFAULT_FLAG_WP for that page before it lands: a
 *     handler thread records each message and the content of the page at
 *     that moment, then un-protects the page so that the writer continues;
 *  3. data: the written page holds the new data, the others their old data
 *     (or zeroes where the page was dropped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "../kselftest.h"

/* Fallbacks for the 5.10 uapi headers and older libcs. */
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE		9
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))
#endif

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC		0x958458f6
#endif

#define PM_UFFD_WP		(1ULL << 57)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)

#define NPAGES		4		/* pages per case */
#define HPAGE_SIZE	(2UL << 20)	/* hugetlb and THP page size */
#define CASE_TIMEOUT	60		/* s, for one case (alarm) */
#define CHILD_TIMEOUT	15		/* s, for a helper process of a case */
#define WRITE_TIMEOUT	10		/* s, for one write to a page */
#define EVENT_TIMEOUT	5		/* s, for a uffd event to be logged */
#define MAX_MSGS	64		/* uffd messages logged per case */
#define NO_TRAP		(-1)		/* write_check(): no message expected */
/* Where a hugetlbfs is mounted: $HUGETLBFS_DIR, or this */
#define HUGETLBFS_DIR	"/mnt/huge"
#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* Page contents: old (filled), new (written by the case), written by a child */
#define OLD(i)		((uint8_t)(0x10 + (i) % 64))
#define NEW(i)		((uint8_t)(0x80 + (i) % 64))
#define CHILD_VAL(i)	((uint8_t)(0xc0 + (i) % 64))

/* Properties of a memory type, and what a case needs of it. */
enum {
	F_SHARED	= 1 << 0,	/* MAP_SHARED: every mapping sees the data */
	F_PRIVATE	= 1 << 1,	/* MAP_PRIVATE */
	F_MARKER	= 1 << 2,	/* not anonymous: a none pte can be protected */
	F_SHMEM		= 1 << 3,
	F_HUGETLB	= 1 << 4,
	F_FD		= 1 << 5,	/* a file descriptor (fallocate, ftruncate) */
	F_REMAP		= 1 << 6,	/* the object can be mapped a second time */
	F_THP		= 1 << 7,	/* shmem THP can be set up (memfd, tmpfs) */
};

static const char *const flag_desc[] = {
	"a shared mapping", "a private mapping",
	"memory that is not anonymous (pte markers)", "shmem", "hugetlb",
	"a file descriptor", "an object that can be mapped again",
	"shmem THP (memfd or tmpfs)",
};

enum type_id {
	T_ANON, T_MEMFD, T_MEMFD_PRIVATE, T_SHMEM_ANON, T_TMPFS, T_SYSV,
	T_HUGETLBFS, T_HUGETLBFS_PRIVATE, T_HUGETLB_MEMFD, T_MAP_HUGETLB,
};

struct area {
	char *addr;
	size_t len;
	size_t psize;		/* page size: 4 KiB, or 2 MiB for hugetlb */
	int npages;
	int fd;			/* backing file, or -1 */
	int shmid;		/* SysV segment, or -1 */
	int mflags;		/* mmap() flags, to map the file again */
};

struct mem_type {
	const char *name;
	enum type_id id;
	unsigned int flags;
	int (*setup)(struct area *a);		/* -errno on failure */
	void (*teardown)(struct area *a);
};

struct msg_log {
	int event;		/* UFFD_EVENT_* */
	unsigned long addr;	/* fault address; FORK: new uffd; REMAP: from */
	unsigned long long flags; /* fault flags; REMAP: to */
	int seen;		/* the byte at the start of the page at that time */
	int err;		/* resolving it failed: -errno */
};

/* The thread that reads the uffd and resolves write-protect faults. */
struct handler {
	pthread_t thread;
	bool running;
	volatile bool stop;
	int uffd;
	size_t psize;
	pthread_mutex_t lock;
	int nmsgs;		/* logged (at most MAX_MSGS) */
	int overflow;		/* not logged */
	struct msg_log log[MAX_MSGS];
	int fork_ufd;		/* from UFFD_EVENT_FORK, or -1 */
};

struct ctx {
	const struct mem_type *t;
	struct area a;
	int uffd;
	struct handler h;
	bool stuck;		/* a write never completed: end the case */
};

struct test_case {
	const char *name;
	int (*fn)(struct ctx *c);	/* KSFT_PASS, KSFT_FAIL or KSFT_SKIP */
	unsigned int needs;		/* F_* every one of which the type must have */
	bool own_area;			/* fn() maps its own memory */
	void (*prepare)(const struct mem_type *t);	/* in the parent, before */
	void (*cleanup)(const struct mem_type *t);	/* in the parent, after */
};

/* The outcome of a case, written by the case process, read by the parent. */
struct result {
	char reason[256];
};

static struct result *result;
static bool pagemap_wp;		/* pagemap reports PM_UFFD_WP at all */
static uint64_t uffd_features;	/* what UFFDIO_API offers */
static size_t page_size;
static char thp_dir[64];	/* tmpfs mounted with huge=always */
static char thp_skip[160];	/* why shmem THP cannot be had */
static char shmem_enabled_saved[32];

/* --- small helpers --- */

static int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->reason, sizeof(result->reason), fmt, ap);
	va_end(ap);
	return KSFT_SKIP;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->reason, sizeof(result->reason), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s\n", result->reason);
	return KSFT_FAIL;
}

static inline char *page_at(struct area *a, int i)
{
	return a->addr + (size_t)i * a->psize;
}

static bool is_hugetlb(const struct ctx *c)
{
	return c->t->flags & F_HUGETLB;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static bool swap_active(void)
{
	char buf[1024];

	/* /proc/swaps has a header line, then one line per active device. */
	return !read_file("/proc/swaps", buf, sizeof(buf)) && strchr(buf, '\n') &&
	       strchr(buf, '\n')[1] != '\0';
}

static long meminfo(const char *key)
{
	char buf[4096], *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

/*
 * Waits for @pid for at most @timeout seconds, kills it if it is not done.
 * Returns its exit status, or -1 (timeout, killed by a signal).
 */
static int reap(pid_t pid, int timeout, const char *what)
{
	double end = now() + timeout;
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now() < end)
		usleep(5000);
	if (r == 0) {
		ksft_print_msg("%s (pid %d) still running after %d s: killed\n",
			       what, pid, timeout);
		kill(pid, SIGKILL);
		end = now() + 10;
		while (waitpid(pid, &status, WNOHANG) == 0 && now() < end)
			usleep(5000);
		return -1;
	}
	if (r < 0) {
		ksft_print_msg("waitpid %s: %s\n", what, strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		ksft_print_msg("%s killed by signal %d (%s)\n", what,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	return WEXITSTATUS(status);
}

/* fork() for the helper process of a case; it dies with the case. */
static pid_t spawn(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(CHILD_TIMEOUT);
	} else if (pid < 0) {
		ksft_print_msg("fork: %s\n", strerror(errno));
	}
	return pid;
}

static void child_exit(int code)
{
	fflush(stdout);
	_exit(code);
}

/* A PROT_NONE reservation of @len bytes aligned to @align. */
static char *reserve(size_t len, size_t align)
{
	size_t span = len + align;
	char *p, *q;

	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	q = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (q > p)
		munmap(p, q - p);
	if (q + len < p + span)
		munmap(q + len, p + span - (q + len));
	return q;
}

/* --- /proc/self/pagemap --- */

static uint64_t pagemap_entry(const void *addr)
{
	/* Opened each time: an fd inherited over fork() reads the parent's. */
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t ent = 0;
	off_t off = (uintptr_t)addr / page_size * sizeof(ent);

	if (fd < 0 || pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		ksft_print_msg("read /proc/self/pagemap at %p: %s\n", addr, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ent;
}

/* Checks that pages [first, first + n) of @base have PM_UFFD_WP == @expect. */
static bool check_wp_at(char *base, size_t psize, int first, int n, bool expect,
			const char *what)
{
	int i, bad = 0;

	if (!pagemap_wp)
		return true;
	for (i = first; i < first + n; i++) {
		uint64_t ent = pagemap_entry(base + (size_t)i * psize);

		if (!!(ent & PM_UFFD_WP) == expect)
			continue;
		if (bad++ >= 4)
			continue;
		ksft_print_msg("%s: page %d: uffd-wp %d, expected %d (pagemap %#" PRIx64 ")\n",
			       what, i, !expect, expect, ent);
	}
	if (bad > 4)
		ksft_print_msg("%s: %d pages with the wrong uffd-wp bit\n", what, bad);
	return !bad;
}

static bool check_wp(struct area *a, int first, int n, bool expect, const char *what)
{
	return check_wp_at(a->addr, a->psize, first, n, expect, what);
}

static int count_present(struct area *a)
{
	int i, n = 0;

	for (i = 0; i < a->npages; i++)
		n += !!(pagemap_entry(page_at(a, i)) & PM_PRESENT);
	return n;
}

/* --- data --- */

static void fill(struct area *a, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		memset(page_at(a, i), OLD(i), a->psize);
}

/* Checks that page @i holds @first at offset 0 and @rest everywhere else. */
static bool check_page(struct area *a, int i, int first, int rest, const char *what)
{
	volatile uint8_t *p = (volatile uint8_t *)page_at(a, i);
	size_t off;

	if (p[0] != first) {
		ksft_print_msg("%s: page %d: byte 0 is 0x%02x, expected 0x%02x\n",
			       what, i, p[0], first);
		return false;
	}
	for (off = 1; off < a->psize; off++) {
		if (p[off] != rest) {
			ksft_print_msg("%s: page %d: byte %zu is 0x%02x, expected 0x%02x\n",
				       what, i, off, p[off], rest);
			return false;
		}
	}
	return true;
}

/* Pages [first, first + n) hold their old content, or zeroes. */
static bool check_old(struct area *a, int first, int n, bool zero, const char *what)
{
	bool ok = true;
	int i;

	for (i = first; i < first + n; i++)
		ok &= check_page(a, i, zero ? 0 : OLD(i), zero ? 0 : OLD(i), what);
	return ok;
}

/* --- userfaultfd --- */

static int uffd_open(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd, err;

	/* Ask for uffd-wp on shmem/hugetlbfs where the kernel advertises it. */
	api.features |= uffd_features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int uffd_register(int uffd, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT)))
		return -EPROTONOSUPPORT;
	return 0;
}

static int uffd_unregister(int uffd, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (unsigned long)addr, .len = len };

	return ioctl(uffd, UFFDIO_UNREGISTER, &range) ? -errno : 0;
}

static int uffd_wp(int uffd, void *addr, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};
	int tries;

	/* EAGAIN while a non-cooperative event (fork, mremap) is pending */
	for (tries = 0; tries < 1000; tries++) {
		if (!ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
			return 0;
		if (errno != EAGAIN)
			break;
		usleep(1000);
	}
	return -errno;
}

/* --- the fault handler thread --- */

static int handler_log(struct handler *h, const struct msg_log *rec)
{
	int idx = -1;

	pthread_mutex_lock(&h->lock);
	if (h->nmsgs < MAX_MSGS) {
		idx = h->nmsgs++;
		h->log[idx] = *rec;
	} else {
		h->overflow++;
	}
	pthread_mutex_unlock(&h->lock);
	return idx;
}

static void handle_msg(struct handler *h, const struct uffd_msg *msg)
{
	struct msg_log rec = { .event = msg->event, .seen = -1 };
	struct uffdio_range range;
	unsigned long page;
	int idx, err = 0;

	switch (msg->event) {
	case UFFD_EVENT_PAGEFAULT:
		rec.addr = msg->arg.pagefault.address;
		rec.flags = msg->arg.pagefault.flags;
		page = rec.addr & ~(unsigned long)(h->psize - 1);
		/* What the page holds while the writer waits: the old data. */
		rec.seen = *(volatile uint8_t *)page;
		idx = handler_log(h, &rec);
		if (rec.flags & UFFD_PAGEFAULT_FLAG_WP)
			err = uffd_wp(h->uffd, (void *)page, h->psize, false);
		else
			err = -EINVAL;	/* not ours to resolve */
		if (err) {
			/* Never leave the writer stuck: wake it, it will retry. */
			range.start = page;
			range.len = h->psize;
			ioctl(h->uffd, UFFDIO_WAKE, &range);
			pthread_mutex_lock(&h->lock);
			if (idx >= 0)
				h->log[idx].err = err;
			pthread_mutex_unlock(&h->lock);
		}
		break;
	case UFFD_EVENT_FORK:
		rec.addr = msg->arg.fork.ufd;
		pthread_mutex_lock(&h->lock);
		if (h->fork_ufd < 0)
			h->fork_ufd = msg->arg.fork.ufd;
		else
			close(msg->arg.fork.ufd);
		pthread_mutex_unlock(&h->lock);
		handler_log(h, &rec);
		break;
	case UFFD_EVENT_REMAP:
		rec.addr = msg->arg.remap.from;
		rec.flags = msg->arg.remap.to;
		handler_log(h, &rec);
		break;
	default:
		handler_log(h, &rec);
		break;
	}
}

static void *handler_fn(void *arg)
{
	struct handler *h = arg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!h->stop) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP)) {
			usleep(20000);
			continue;
		}
		while (read(h->uffd, &msg, sizeof(msg)) == sizeof(msg))
			handle_msg(h, &msg);
	}
	return NULL;
}

static bool handler_start(struct handler *h, int uffd, size_t psize)
{
	h->uffd = uffd;
	h->psize = psize;
	h->stop = false;
	h->nmsgs = 0;
	h->overflow = 0;
	h->fork_ufd = -1;
	pthread_mutex_init(&h->lock, NULL);
	if (pthread_create(&h->thread, NULL, handler_fn, h)) {
		ksft_print_msg("pthread_create failed\n");
		return false;
	}
	h->running = true;
	return true;
}

static void handler_stop(struct handler *h)
{
	if (!h->running)
		return;
	h->stop = true;
	pthread_join(h->thread, NULL);
	h->running = false;
	if (h->fork_ufd >= 0)
		close(h->fork_ufd);
	h->fork_ufd = -1;
}

static int handler_mark(struct handler *h)
{
	int n;

	pthread_mutex_lock(&h->lock);
	n = h->nmsgs + h->overflow;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* No message at all since @mark. */
static bool expect_no_msgs(struct handler *h, int mark, const char *what)
{
	int n = handler_mark(h) - mark;

	if (n)
		ksft_print_msg("%s: %d unexpected uffd message(s)\n", what, n);
	return !n;
}

/* Counts the messages since @mark with @event (and for faults, on @page). */
static int count_msgs(struct handler *h, int mark, int event, unsigned long page,
		      size_t psize, struct msg_log *first)
{
	int i, n = 0;

	pthread_mutex_lock(&h->lock);
	for (i = mark; i < h->nmsgs; i++) {
		struct msg_log *m = &h->log[i];

		if (m->event != event)
			continue;
		if (event == UFFD_EVENT_PAGEFAULT &&
		    (!(m->flags & UFFD_PAGEFAULT_FLAG_WP) ||
		     (m->addr & ~(unsigned long)(psize - 1)) != page))
			continue;
		if (!n++ && first)
			*first = *m;
	}
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Waits for @n events since @mark (read() completes them before logging). */
static int wait_msgs(struct handler *h, int mark, int event, int n)
{
	double end = now() + EVENT_TIMEOUT;
	int got;

	while ((got = count_msgs(h, mark, event, 0, h->psize, NULL)) < n && now() < end)
		usleep(1000);
	return got;
}

struct writer {
	volatile uint8_t *p;
	uint8_t val;
	int done;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	*w->p = w->val;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Writes @val to @p from a thread, so that a write that never completes (an
 * unresolved fault, a fault loop in the kernel) is reported instead of
 * hanging the case. After a stuck write the case ends without unmapping.
 */
static bool timed_write(struct ctx *c, char *p, uint8_t val, const char *what)
{
	struct writer *w;
	pthread_t thread;
	double end;

	if (c->stuck)
		return false;
	w = calloc(1, sizeof(*w));
	if (!w)
		return false;
	w->p = (volatile uint8_t *)p;
	w->val = val;
	if (pthread_create(&thread, NULL, writer_fn, w)) {
		ksft_print_msg("pthread_create failed\n");
		free(w);
		return false;
	}
	end = now() + WRITE_TIMEOUT;
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) && now() < end)
		usleep(1000);
	if (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		ksft_print_msg("%s: write to %p did not complete in %d s\n", what, p,
			       WRITE_TIMEOUT);
		c->stuck = true;
		return false;	/* the writer goes with the process */
	}
	pthread_join(thread, NULL);
	free(w);
	return true;
}

/*
 * Writes @val to the start of @page. With @old >= 0 the write must be
 * trapped: exactly one WP message for that page, and nothing else, with
 * @old still in the page when it came. With NO_TRAP it must land without any
 * message. Either way the page holds @val afterwards.
 */
static bool write_check(struct ctx *c, char *page, uint8_t val, int old, const char *what)
{
	struct handler *h = &c->h;
	struct msg_log first = { 0 };
	int mark = handler_mark(h), total, nwp;
	bool ok = true;

	if (!timed_write(c, page, val, what))
		return false;
	total = handler_mark(h) - mark;
	nwp = count_msgs(h, mark, UFFD_EVENT_PAGEFAULT, (unsigned long)page, h->psize, &first);
	if (old == NO_TRAP) {
		if (total) {
			ksft_print_msg("%s: write to %p trapped: %d uffd message(s)\n",
				       what, page, total);
			ok = false;
		}
	} else {
		if (nwp != 1 || total != 1) {
			ksft_print_msg("%s: write to %p: %d WP message(s), %d in all; expected 1\n",
				       what, page, nwp, total);
			ok = false;
		}
		if (nwp && first.seen != old) {
			ksft_print_msg("%s: page held 0x%02x at the WP message, not 0x%02x\n",
				       what, first.seen, old);
			ok = false;
		}
		if (nwp && first.err) {
			ksft_print_msg("%s: un-protecting the page: %s\n", what,
				       strerror(-first.err));
			ok = false;
		}
	}
	if (*(volatile uint8_t *)page != val) {
		ksft_print_msg("%s: write to %p lost: 0x%02x, expected 0x%02x\n", what, page,
			       *(volatile uint8_t *)page, val);
		ok = false;
	}
	return ok;
}

/* Opens a uffd with @features, registers the whole area for WP, starts the handler. */
static bool arm(struct ctx *c, uint64_t features)
{
	int err;

	c->uffd = uffd_open(features);
	if (c->uffd < 0) {
		ksft_print_msg("userfaultfd (features 0x%" PRIx64 "): %s\n", features,
			       strerror(-c->uffd));
		return false;
	}
	err = uffd_register(c->uffd, c->a.addr, c->a.len);
	if (err) {
		ksft_print_msg("UFFDIO_REGISTER MODE_WP: %s\n", strerror(-err));
		return false;
	}
	return handler_start(&c->h, c->uffd, c->a.psize);
}

static bool protect(struct ctx *c, int first, int n, bool on)
{
	int err = uffd_wp(c->uffd, page_at(&c->a, first), (size_t)n * c->a.psize, on);

	if (err)
		ksft_print_msg("UFFDIO_WRITEPROTECT %s pages %d-%d: %s\n", on ? "on" : "off",
			       first, first + n - 1, strerror(-err));
	return !err;
}

/*
 * The common start of a case: fill every page (or leave them untouched),
 * arm a uffd, protect every page and check that the pagemap says so.
 */
static bool prologue(struct ctx *c, uint64_t features, bool populate)
{
	if (populate)
		fill(&c->a, 0, c->a.npages);
	return arm(c, features) && protect(c, 0, c->a.npages, true) &&
	       check_wp(&c->a, 0, c->a.npages, true, "after protecting");
}

/* --- memory types --- */

static int map_fd(struct area *a, int fd, int flags)
{
	void *p = mmap(NULL, a->len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	a->addr = p;
	a->fd = fd;
	a->mflags = flags;
	return 0;
}

static int new_file(const char *dir, size_t len)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/uffd-wp-persist.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (ftruncate(fd, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int new_memfd(unsigned int flags, size_t len)
{
	int fd = memfd_create("uffd-wp-persist", MFD_CLOEXEC | flags), err;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int setup_file(struct area *a, const char *dir, int flags)
{
	int fd = new_file(dir, a->len);

	return fd < 0 ? fd : map_fd(a, fd, flags);
}

static int setup_memfd_flags(struct area *a, unsigned int mfd_flags, int flags)
{
	int fd = new_memfd(mfd_flags, a->len);

	return fd < 0 ? fd : map_fd(a, fd, flags);
}

static int setup_anon(struct area *a)
{
	return map_fd(a, -1, MAP_PRIVATE | MAP_ANONYMOUS);
}

static int setup_memfd(struct area *a)
{
	return setup_memfd_flags(a, 0, MAP_SHARED);
}

static int setup_memfd_private(struct area *a)
{
	return setup_memfd_flags(a, 0, MAP_PRIVATE);
}

static int setup_shmem_anon(struct area *a)
{
	return map_fd(a, -1, MAP_SHARED | MAP_ANONYMOUS);
}

static int setup_tmpfs(struct area *a)
{
	return setup_file(a, "/dev/shm", MAP_SHARED);
}

static int setup_sysv(struct area *a)
{
	void *p;

	a->shmid = shmget(IPC_PRIVATE, a->len, IPC_CREAT | 0600);
	if (a->shmid < 0)
		return -errno;
	p = shmat(a->shmid, NULL, 0);
	/* Gone with the last detach; Linux still lets it be attached again. */
	shmctl(a->shmid, IPC_RMID, NULL);
	if (p == (void *)-1)
		return -errno;
	a->addr = p;
	return 0;
}

static int setup_hugetlbfs_flags(struct area *a, int flags)
{
	const char *dir = getenv("HUGETLBFS_DIR") ?: HUGETLBFS_DIR;
	struct statfs st;

	if (statfs(dir, &st))
		return -errno;
	if (st.f_type != HUGETLBFS_MAGIC)
		return -ENODEV;	/* not a hugetlbfs mount */
	return setup_file(a, dir, flags);
}

static int setup_hugetlbfs(struct area *a)
{
	return setup_hugetlbfs_flags(a, MAP_SHARED);
}

static int setup_hugetlbfs_private(struct area *a)
{
	return setup_hugetlbfs_flags(a, MAP_PRIVATE);
}

static int setup_hugetlb_memfd(struct area *a)
{
	return setup_memfd_flags(a, MFD_HUGETLB, MAP_SHARED);
}

static int setup_map_hugetlb(struct area *a)
{
	return map_fd(a, -1, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB);
}

static void unmap_at(struct area *a, char *addr)
{
	if (a->shmid >= 0)
		shmdt(addr);
	else
		munmap(addr, a->len);
}

static void teardown(struct area *a)
{
	if (a->addr)
		unmap_at(a, a->addr);
	if (a->fd >= 0)
		close(a->fd);
	a->addr = NULL;
	a->fd = -1;
}

/* A second mapping of the same object, at a new address. */
static char *map_again(struct area *a)
{
	void *p;

	if (a->shmid >= 0) {
		p = shmat(a->shmid, NULL, 0);
		return p == (void *)-1 ? NULL : p;
	}
	p = mmap(NULL, a->len, PROT_READ | PROT_WRITE, a->mflags, a->fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static const struct mem_type types[] = {
	{ "anon", T_ANON, F_PRIVATE, setup_anon, teardown },
	{ "memfd", T_MEMFD, F_SHARED | F_MARKER | F_SHMEM | F_FD | F_REMAP | F_THP,
	  setup_memfd, teardown },
	{ "memfd-private", T_MEMFD_PRIVATE, F_PRIVATE | F_MARKER | F_SHMEM | F_FD | F_REMAP,
	  setup_memfd_private, teardown },
	{ "shmem-anon", T_SHMEM_ANON, F_SHARED | F_MARKER | F_SHMEM,
	  setup_shmem_anon, teardown },
	{ "tmpfs", T_TMPFS, F_SHARED | F_MARKER | F_SHMEM | F_FD | F_REMAP | F_THP,
	  setup_tmpfs, teardown },
	{ "sysv", T_SYSV, F_SHARED | F_MARKER | F_SHMEM | F_REMAP, setup_sysv, teardown },
	{ "hugetlbfs", T_HUGETLBFS, F_SHARED | F_MARKER | F_HUGETLB | F_FD | F_REMAP,
	  setup_hugetlbfs, teardown },
	{ "hugetlbfs-private", T_HUGETLBFS_PRIVATE,
	  F_PRIVATE | F_MARKER | F_HUGETLB | F_FD | F_REMAP,
	  setup_hugetlbfs_private, teardown },
	{ "hugetlb-memfd", T_HUGETLB_MEMFD, F_SHARED | F_MARKER | F_HUGETLB | F_FD | F_REMAP,
	  setup_hugetlb_memfd, teardown },
	{ "map-hugetlb", T_MAP_HUGETLB, F_PRIVATE | F_MARKER | F_HUGETLB,
	  setup_map_hugetlb, teardown },
};

#define NR_TYPES ARRAY_SIZE(types)

static int area_setup(const struct mem_type *t, struct area *a)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->shmid = -1;
	a->npages = NPAGES;
	a->psize = (t->flags & F_HUGETLB) ? HPAGE_SIZE : page_size;
	a->len = (size_t)a->npages * a->psize;
	return t->setup(a);
}

/* Moves the area to a new address with mremap(); -errno on failure. */
static int move_area(struct area *a)
{
	char *to = reserve(a->len, a->psize);
	void *p;
	int err;

	if (!to)
		return -ENOMEM;
	p = mremap(a->addr, a->len, a->len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (p == MAP_FAILED) {
		err = -errno;
		munmap(to, a->len);
		return err;
	}
	a->addr = p;
	return 0;
}

/* Punches a hole over page @i: fallocate() where there is an fd, else MADV_REMOVE. */
static int punch(struct area *a, int i)
{
	int r;

	if (a->fd >= 0)
		r = fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)i * a->psize, a->psize);
	else
		r = madvise(page_at(a, i), a->psize, MADV_REMOVE);
	return r ? -errno : 0;
}

/* --- the cases --- */

static int case_protect_populated(struct ctx *c)
{
	struct area *a = &c->a;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	ok = write_check(c, page_at(a, 1), NEW(1), OLD(1), "write page 1");
	ok &= check_page(a, 1, NEW(1), OLD(1), "written page");
	ok &= check_old(a, 0, 1, false, "other page") & check_old(a, 2, 2, false, "other page");
	ok &= check_wp(a, 1, 1, false, "written (un-protected) page");
	ok &= check_wp(a, 0, 1, true, "other page") & check_wp(a, 2, 2, true, "other page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_protect_unpopulated(struct ctx *c)
{
	struct area *a = &c->a;
	int mark;
	bool ok;

	/* Nothing touched: for shared shmem the page cache is empty. */
	if (!prologue(c, 0, false))
		return KSFT_FAIL;
	mark = handler_mark(&c->h);
	ok = check_old(a, 0, 1, true, "read page 0");
	ok &= expect_no_msgs(&c->h, mark, "read page 0");
	ok &= check_wp(a, 0, 1, true, "page 0 after the read");
	ok &= write_check(c, page_at(a, 0), NEW(0), 0, "write page 0 (read before)");
	/* Never touched: faulted in read-only first, then the WP message. */
	ok &= write_check(c, page_at(a, 2), NEW(2), 0, "write page 2 (never touched)");
	ok &= check_page(a, 0, NEW(0), 0, "page 0") & check_page(a, 2, NEW(2), 0, "page 2");
	ok &= check_wp(a, 1, 1, true, "untouched page") & check_wp(a, 3, 1, true, "untouched page");
	ok &= check_old(a, 1, 1, true, "page 1") & check_old(a, 3, 1, true, "page 3");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_dontneed(struct ctx *c)
{
	struct area *a = &c->a;
	/*
	 * Anonymous memory has nothing behind the pte: upstream (and 6.1)
	 * drops the page and its protection together, no marker is left and
	 * the next write is not trapped. Everything else keeps a marker.
	 */
	bool marker = c->t->flags & F_MARKER;
	bool zero = !(c->t->flags & F_SHARED);	/* private data is gone */
	int old = marker ? (zero ? 0 : OLD(0)) : NO_TRAP;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	if (madvise(a->addr, a->len, MADV_DONTNEED)) {
		if (errno == EINVAL && is_hugetlb(c))
			return skip("MADV_DONTNEED on hugetlb: EINVAL (unsupported before 5.18)");
		return fail("MADV_DONTNEED: %s", strerror(errno));
	}
	ok = check_wp(a, 0, a->npages, marker, "after MADV_DONTNEED");
	ok &= write_check(c, page_at(a, 0), NEW(0), old, "write page 0");
	ok &= check_page(a, 0, NEW(0), zero ? 0 : OLD(0), "written page");
	ok &= check_old(a, 1, a->npages - 1, zero, "other page");
	ok &= check_wp(a, 1, a->npages - 1, marker, "other pages after reading them");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_pageout(struct ctx *c)
{
	struct area *a = &c->a;
	int resident, mark;
	bool ok;

	if (is_hugetlb(c))
		return skip("hugetlb pages cannot be paged out");
	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	if (madvise(a->addr, a->len, MADV_PAGEOUT)) {
		if (errno == EINVAL)
			return skip("MADV_PAGEOUT: EINVAL (kernel before 5.4?)");
		return fail("MADV_PAGEOUT: %s", strerror(errno));
	}
	/*
	 * Without swap, anonymous pages stay put; shmem pages are unmapped
	 * anyway (and kept in the page cache), which zaps the ptes just the
	 * same: the case runs whenever the pages left the page table.
	 */
	resident = count_present(a);
	if (resident)
		return skip("%d of %d pages still mapped after MADV_PAGEOUT (%s)", resident,
			    a->npages, swap_active() ? "swap active" : "no swap");
	ok = check_wp(a, 0, a->npages, true, "after MADV_PAGEOUT");
	mark = handler_mark(&c->h);
	ok &= check_old(a, 0, a->npages, false, "read back");
	ok &= expect_no_msgs(&c->h, mark, "read back");
	ok &= check_wp(a, 0, a->npages, true, "after reading back");
	ok &= write_check(c, page_at(a, 0), NEW(0), OLD(0), "write page 0");
	ok &= check_page(a, 0, NEW(0), OLD(0), "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* ShmemPmdMapped (or FilePmdMapped) of the mapping at @addr, in kB. */
static long smaps_pmd_kb(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	unsigned long start, end;
	char line[512];
	bool in = false;
	long kb = -1, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && (sscanf(line, "ShmemPmdMapped: %ld kB", &v) == 1 ||
			   sscanf(line, "FilePmdMapped: %ld kB", &v) == 1) && v > kb)
			kb = v;
	}
	fclose(f);
	return kb;
}

static void thp_prepare(const struct mem_type *t)
{
	char buf[256], *l, *r;
	int err;

	thp_skip[0] = '\0';
	thp_dir[0] = '\0';
	shmem_enabled_saved[0] = '\0';
	if (t->id == T_TMPFS) {
		strcpy(thp_dir, "/tmp/uffd-wp-thp.XXXXXX");
		if (!mkdtemp(thp_dir)) {
			snprintf(thp_skip, sizeof(thp_skip), "mkdtemp: %s", strerror(errno));
			thp_dir[0] = '\0';
		} else if (mount("uffd-wp-thp", thp_dir, "tmpfs", 0, "huge=always,size=16m")) {
			snprintf(thp_skip, sizeof(thp_skip),
				 "no THP: cannot mount a tmpfs with huge=always: %s",
				 strerror(errno));
			rmdir(thp_dir);
			thp_dir[0] = '\0';
		}
		return;
	}
	/* memfd: pages of the internal shm mount follow shmem_enabled */
	err = read_file(SHMEM_ENABLED, buf, sizeof(buf));
	if (err) {
		snprintf(thp_skip, sizeof(thp_skip), "no THP: %s: %s", SHMEM_ENABLED,
			 strerror(-err));
		return;
	}
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r || r - l - 1 >= (long)sizeof(shmem_enabled_saved)) {
		snprintf(thp_skip, sizeof(thp_skip), "cannot parse %s", SHMEM_ENABLED);
		return;
	}
	memcpy(shmem_enabled_saved, l + 1, r - l - 1);
	shmem_enabled_saved[r - l - 1] = '\0';
	err = write_file(SHMEM_ENABLED, "always");
	if (err) {
		snprintf(thp_skip, sizeof(thp_skip), "no THP: cannot write %s: %s", SHMEM_ENABLED,
			 strerror(-err));
		shmem_enabled_saved[0] = '\0';
	}
}

static void thp_cleanup(const struct mem_type *t)
{
	(void)t;
	if (thp_dir[0]) {
		if (umount(thp_dir))
			ksft_print_msg("umount %s: %s\n", thp_dir, strerror(errno));
		rmdir(thp_dir);
		thp_dir[0] = '\0';
	}
	if (shmem_enabled_saved[0] && write_file(SHMEM_ENABLED, shmem_enabled_saved))
		ksft_print_msg("cannot restore %s to %s\n", SHMEM_ENABLED, shmem_enabled_saved);
	shmem_enabled_saved[0] = '\0';
}

static int case_thp_split(struct ctx *c)
{
	struct area *a = &c->a;
	const int mid = 256, n = HPAGE_SIZE / page_size;
	char *p;
	long kb;
	bool ok;
	int fd;

	if (thp_skip[0])
		return skip("%s", thp_skip);
	/* One 2 MiB aligned THP, handled as 512 small pages. */
	memset(a, 0, sizeof(*a));
	a->shmid = -1;
	a->psize = page_size;
	a->npages = n;
	a->len = HPAGE_SIZE;
	fd = c->t->id == T_TMPFS ? new_file(thp_dir, HPAGE_SIZE) : new_memfd(0, HPAGE_SIZE);
	if (fd < 0)
		return fail("creating the THP file: %s", strerror(-fd));
	a->fd = fd;
	p = reserve(HPAGE_SIZE, HPAGE_SIZE);
	if (!p || mmap(p, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != p)
		return fail("mapping the THP file 2 MiB aligned: %s", strerror(errno));
	a->addr = p;
	fill(a, 0, n);
	kb = smaps_pmd_kb(p);
	if (kb < (long)(HPAGE_SIZE >> 10))
		return skip("no THP: the filled 2 MiB is not PMD-mapped (%ld kB)", kb);
	/* Register all of it, protect one small page in the middle. */
	if (!arm(c, 0) || !protect(c, mid, 1, true))
		return KSFT_FAIL;
	ok = check_wp(a, 0, mid, false, "left of the protected page");
	ok &= check_wp(a, mid, 1, true, "protected page");
	ok &= check_wp(a, mid + 1, n - mid - 1, false, "right of the protected page");
	ok &= write_check(c, page_at(a, mid), NEW(mid), OLD(mid), "write the protected page");
	ok &= write_check(c, page_at(a, mid + 1), NEW(mid + 1), NO_TRAP, "write right neighbour");
	ok &= write_check(c, page_at(a, mid - 1), NEW(mid - 1), NO_TRAP, "write left neighbour");
	ok &= check_page(a, mid, NEW(mid), OLD(mid), "protected page");
	ok &= check_page(a, mid + 1, NEW(mid + 1), OLD(mid + 1), "right neighbour");
	ok &= check_page(a, mid - 1, NEW(mid - 1), OLD(mid - 1), "left neighbour");
	ok &= check_old(a, 0, mid - 1, false, "other page");
	ok &= check_old(a, mid + 2, n - mid - 2, false, "other page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static long sys_move_pages(unsigned long count, void **pages, const int *nodes, int *status,
			   int flags)
{
	return syscall(__NR_move_pages, 0, count, pages, nodes, status, flags);
}

static int case_migrate(struct ctx *c)
{
	struct area *a = &c->a;
	void *pages[NPAGES];
	int nodes[NPAGES], status[NPAGES], i;
	bool ok = true;
	long r;

	if (access("/sys/devices/system/node/node1", F_OK))
		return skip("needs a second NUMA node");
	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	for (i = 0; i < a->npages; i++)
		pages[i] = page_at(a, i);
	if (sys_move_pages(a->npages, pages, NULL, status, 0)) {
		if (errno == ENOSYS)
			return skip("move_pages: ENOSYS (no CONFIG_MIGRATION)");
		return fail("move_pages (query): %s", strerror(errno));
	}
	for (i = 0; i < a->npages; i++) {
		if (status[i] < 0)
			return fail("page %d: move_pages status %d", i, status[i]);
		nodes[i] = status[i] ? 0 : 1;
	}
	r = sys_move_pages(a->npages, pages, nodes, status, MPOL_MF_MOVE_ALL);
	if (r < 0)
		return fail("move_pages: %s", strerror(errno));
	for (i = 0; i < a->npages; i++) {
		if (status[i] == -ENOMEM)
			return skip("page %d: no free memory on node %d", i, nodes[i]);
		if (status[i] != nodes[i])
			return fail("page %d: not migrated to node %d (status %d)", i, nodes[i],
				    status[i]);
	}
	/* Check again, the way a later reader would. */
	if (sys_move_pages(a->npages, pages, NULL, status, 0))
		return fail("move_pages (query): %s", strerror(errno));
	for (i = 0; i < a->npages; i++) {
		if (status[i] != nodes[i]) {
			ksft_print_msg("page %d: on node %d after migration to %d\n", i, status[i],
				       nodes[i]);
			ok = false;
		}
	}
	ok &= check_wp(a, 0, a->npages, true, "after migration");
	ok &= check_old(a, 0, a->npages, false, "after migration");
	/* Every migrated page must still trap its write (not silently writable). */
	for (i = 0; i < a->npages; i++)
		ok &= write_check(c, page_at(a, i), NEW(i), OLD(i), "write a migrated page");
	for (i = 0; i < a->npages; i++)
		ok &= check_page(a, i, NEW(i), OLD(i), "migrated page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * The child of the fork cases: checks its own pagemap (PM_UFFD_WP ==
 * @expect_wp) and data, then writes page 0 if @do_write. Exits with a mask:
 * 1 wrong pagemap, 2 wrong data.
 */
static void fork_child(struct area *a, bool expect_wp, bool do_write)
{
	int ret = 0;

	if (!check_wp(a, 0, a->npages, expect_wp, "child"))
		ret |= 1;
	if (!check_old(a, 0, a->npages, false, "child"))
		ret |= 2;
	if (do_write) {
		*(volatile uint8_t *)page_at(a, 0) = CHILD_VAL(0);
		if (!check_page(a, 0, CHILD_VAL(0), OLD(0), "child, written page"))
			ret |= 2;
	}
	child_exit(ret);
}

static int case_fork(struct ctx *c)
{
	struct area *a = &c->a;
	bool shared = c->t->flags & F_SHARED, ok;
	int mark, st;
	pid_t pid;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	mark = handler_mark(&c->h);
	/* Without UFFD_FEATURE_EVENT_FORK the child is not registered at all. */
	pid = spawn();
	if (pid < 0)
		return KSFT_FAIL;
	if (!pid)
		fork_child(a, false, true);
	st = reap(pid, CHILD_TIMEOUT, "child writing to its copy");
	ok = st == 0;
	if (st > 0)
		ksft_print_msg("child: %s%s\n", st & 1 ? "wrong pagemap; " : "",
			       st & 2 ? "wrong data" : "");
	ok &= expect_no_msgs(&c->h, mark, "child's write");
	ok &= check_wp(a, 0, a->npages, true, "parent after fork");
	ok &= check_page(a, 0, shared ? CHILD_VAL(0) : OLD(0), OLD(0), "parent, page 0");
	ok &= write_check(c, page_at(a, 1), NEW(1), OLD(1), "parent writes page 1");
	ok &= check_page(a, 1, NEW(1), OLD(1), "parent, page 1");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_fork_event(struct ctx *c)
{
	struct area *a = &c->a;
	bool marker = c->t->flags & F_MARKER, zero = false, ok;
	int mark, st, old;
	pid_t pid;

	if (!prologue(c, UFFD_FEATURE_EVENT_FORK, true))
		return KSFT_FAIL;
	mark = handler_mark(&c->h);
	/* fork() waits until the handler has read the UFFD_EVENT_FORK. */
	pid = spawn();
	if (pid < 0)
		return KSFT_FAIL;
	if (!pid)
		fork_child(a, true, false);
	st = reap(pid, CHILD_TIMEOUT, "child checking its pagemap");
	ok = st == 0;
	if (st > 0)
		ksft_print_msg("child: %s%s\n", st & 1 ? "wrong pagemap; " : "",
			       st & 2 ? "wrong data" : "");
	pthread_mutex_lock(&c->h.lock);
	if (c->h.fork_ufd >= 0)
		close(c->h.fork_ufd);
	c->h.fork_ufd = -1;
	pthread_mutex_unlock(&c->h.lock);
	st = wait_msgs(&c->h, mark, UFFD_EVENT_FORK, 1);
	if (st != 1 || handler_mark(&c->h) - mark != 1) {
		ksft_print_msg("%d UFFD_EVENT_FORK message(s), %d in all; expected exactly 1\n", st,
			       handler_mark(&c->h) - mark);
		ok = false;
	}
	ok &= check_wp(a, 0, a->npages, true, "parent after fork");
	old = OLD(0);
	if (marker) {
		/* The parent's protection survives a zap after the fork too. */
		if (madvise(a->addr, a->len, MADV_DONTNEED)) {
			ksft_print_msg("MADV_DONTNEED: %s: not checked after fork\n",
				       strerror(errno));
		} else {
			ok &= check_wp(a, 0, a->npages, true, "parent, fork, MADV_DONTNEED");
			zero = !(c->t->flags & F_SHARED);
			old = zero ? 0 : OLD(0);
		}
	}
	ok &= write_check(c, page_at(a, 0), NEW(0), old, "parent writes page 0");
	ok &= check_page(a, 0, NEW(0), zero ? 0 : OLD(0), "parent, page 0");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_mremap(struct ctx *c)
{
	struct area *a = &c->a;
	bool ok;
	int err;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	err = move_area(a);
	if (err == -EINVAL && is_hugetlb(c))
		return skip("mremap of hugetlb: EINVAL (unsupported by this kernel)");
	if (err)
		return fail("mremap: %s", strerror(-err));
	/*
	 * Without UFFD_FEATURE_EVENT_REMAP the new vma is not registered and
	 * its ptes must not stay protected either: upstream clears them since
	 * "mm: clear uffd-wp PTE/PMD state on mremap()" (CVE-2025-21696).
	 * Debian's 6.1 still moves the bits along (and then loops forever on a
	 * write fault to such a hugetlb page).
	 */
	ok = check_wp(a, 0, a->npages, false, "new address, no EVENT_REMAP");
	ok &= check_old(a, 0, a->npages, false, "new address");
	ok &= write_check(c, page_at(a, 0), NEW(0), NO_TRAP, "write at the new address");
	ok &= check_page(a, 0, NEW(0), OLD(0), "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_mremap_event(struct ctx *c)
{
	struct area *a = &c->a;
	struct msg_log ev = { 0 };
	char *from = a->addr;
	int err, mark, n;
	bool ok = true;

	if (!prologue(c, UFFD_FEATURE_EVENT_REMAP, true))
		return KSFT_FAIL;
	mark = handler_mark(&c->h);
	err = move_area(a);
	if (err == -EINVAL && is_hugetlb(c))
		return skip("mremap of hugetlb: EINVAL (unsupported by this kernel)");
	if (err)
		return fail("mremap: %s", strerror(-err));
	wait_msgs(&c->h, mark, UFFD_EVENT_REMAP, 1);
	n = count_msgs(&c->h, mark, UFFD_EVENT_REMAP, 0, a->psize, &ev);
	if (n != 1 || handler_mark(&c->h) - mark != 1 || ev.addr != (unsigned long)from ||
	    ev.flags != (unsigned long)a->addr) {
		ksft_print_msg("%d REMAP event(s) (%#lx -> %#llx), %d in all; expected %p -> %p\n",
			       n, ev.addr, ev.flags, handler_mark(&c->h) - mark, from, a->addr);
		ok = false;
	}
	ok &= check_wp(a, 0, a->npages, true, "new address, EVENT_REMAP");
	ok &= check_old(a, 0, a->npages, false, "new address");
	ok &= write_check(c, page_at(a, 0), NEW(0), OLD(0), "write at the new address");
	ok &= check_page(a, 0, NEW(0), OLD(0), "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_mremap_unpopulated(struct ctx *c)
{
	struct area *a = &c->a;
	int err, mark;
	bool ok;

	if (!prologue(c, 0, false))
		return KSFT_FAIL;
	err = move_area(a);
	if (err == -EINVAL && is_hugetlb(c))
		return skip("mremap of hugetlb: EINVAL (unsupported by this kernel)");
	if (err)
		return fail("mremap: %s", strerror(-err));
	ok = check_wp(a, 0, a->npages, false, "new address of unpopulated pages, no EVENT_REMAP");
	mark = handler_mark(&c->h);
	ok &= check_old(a, 0, a->npages, true, "new address");
	ok &= expect_no_msgs(&c->h, mark, "reading the new address");
	ok &= write_check(c, page_at(a, 0), NEW(0), NO_TRAP, "write at the new address");
	ok &= check_page(a, 0, NEW(0), 0, "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_mprotect(struct ctx *c)
{
	struct area *a = &c->a;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	if (mprotect(a->addr, a->len, PROT_READ) ||
	    mprotect(a->addr, a->len, PROT_READ | PROT_WRITE))
		return fail("mprotect: %s", strerror(errno));
	ok = check_wp(a, 0, a->npages, true, "after mprotect RO then RW");
	ok &= write_check(c, page_at(a, 0), NEW(0), OLD(0), "write page 0");
	ok &= check_page(a, 0, NEW(0), OLD(0), "written page");
	ok &= check_old(a, 1, a->npages - 1, false, "other page");
	ok &= check_wp(a, 1, a->npages - 1, true, "other page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_punch_hole(struct ctx *c)
{
	struct area *a = &c->a;
	int err, mark;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	err = punch(a, 1);
	if (err)
		return fail("punching a hole over page 1: %s", strerror(-err));
	ok = check_wp(a, 0, a->npages, true, "after punching page 1");
	mark = handler_mark(&c->h);
	ok &= check_old(a, 1, 1, true, "the hole");
	ok &= expect_no_msgs(&c->h, mark, "reading the hole");
	ok &= check_wp(a, 1, 1, true, "the hole, read");
	ok &= write_check(c, page_at(a, 1), NEW(1), 0, "write the hole");
	ok &= write_check(c, page_at(a, 0), NEW(0), OLD(0), "write page 0");
	ok &= check_page(a, 1, NEW(1), 0, "the hole, written");
	ok &= check_page(a, 0, NEW(0), OLD(0), "page 0");
	ok &= check_old(a, 2, 2, false, "other page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_truncate(struct ctx *c)
{
	struct area *a = &c->a;
	/*
	 * shmem keeps the markers of truncated pages; hugetlbfs drops them
	 * (hugetlb_vmtruncate() zaps with ZAP_FLAG_DROP_MARKER), as 6.1 does.
	 */
	bool keep = !is_hugetlb(c);
	int mark;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	if (ftruncate(a->fd, 0) || ftruncate(a->fd, a->len))
		return fail("ftruncate: %s", strerror(errno));
	ok = check_wp(a, 0, a->npages, keep, "after truncating and extending");
	mark = handler_mark(&c->h);
	ok &= check_old(a, 0, a->npages, true, "after truncation");
	ok &= expect_no_msgs(&c->h, mark, "reading after truncation");
	ok &= check_wp(a, 0, a->npages, keep, "after reading");
	ok &= write_check(c, page_at(a, 0), NEW(0), keep ? 0 : NO_TRAP, "write page 0");
	ok &= check_page(a, 0, NEW(0), 0, "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_munmap(struct ctx *c)
{
	struct area *a = &c->a;
	bool zero = !(c->t->flags & F_SHARED);	/* private data was not in the file */
	char *again;
	int err;
	bool ok;

	if (!prologue(c, 0, true))
		return KSFT_FAIL;
	/* Mapped again before the unmap, so that it gets a new address. */
	again = map_again(a);
	if (!again)
		return fail("mapping it again: %s", strerror(errno));
	unmap_at(a, a->addr);
	a->addr = again;
	err = uffd_register(c->uffd, a->addr, a->len);
	if (err)
		return fail("UFFDIO_REGISTER of the new mapping: %s", strerror(-err));
	ok = check_wp(a, 0, a->npages, false, "new mapping, registered, not protected");
	ok &= check_old(a, 0, a->npages, zero, "new mapping");
	ok &= write_check(c, page_at(a, 0), NEW(0), NO_TRAP, "write to the new mapping");
	ok &= check_page(a, 0, NEW(0), zero ? 0 : OLD(0), "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * unregister and close: protect populated pages (and for non-anonymous
 * memory unpopulated ones too), drop the registration, write everything.
 * Upstream un-protects everything on unregister (since 6.0) and on close
 * (since 6.5); Debian's 6.1 leaves the bits in place on close.
 */
static int drop_registration(struct ctx *c, bool by_close)
{
	struct area *a = &c->a;
	int populated = (c->t->flags & F_MARKER) ? 2 : a->npages, i, err;
	bool ok;

	fill(a, 0, populated);
	if (!prologue(c, 0, false))
		return KSFT_FAIL;
	if (by_close) {
		handler_stop(&c->h);
		close(c->uffd);
		c->uffd = -1;
	} else {
		err = uffd_unregister(c->uffd, a->addr, a->len);
		if (err)
			return fail("UFFDIO_UNREGISTER: %s", strerror(-err));
	}
	ok = check_wp(a, 0, a->npages, false, by_close ? "after closing the uffd" :
		      "after UFFDIO_UNREGISTER");
	for (i = 0; i < a->npages && !c->stuck; i++) {
		if (by_close)
			ok &= timed_write(c, page_at(a, i), NEW(i), "write");
		else
			ok &= write_check(c, page_at(a, i), NEW(i), NO_TRAP, "write");
		ok &= check_page(a, i, NEW(i), i < populated ? OLD(i) : 0, "written page");
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_unregister(struct ctx *c)
{
	return drop_registration(c, false);
}

static int case_close(struct ctx *c)
{
	return drop_registration(c, true);
}

static int case_other_process(struct ctx *c)
{
	struct area *a = &c->a;
	struct pollfd pfd;
	int go[2], i, mark, st;
	bool ok = true;
	char b = 0;
	pid_t pid;

	fill(a, 0, a->npages);
	if (pipe(go))
		return fail("pipe: %s", strerror(errno));
	/* Forked before registering: the other process is not registered. */
	pid = spawn();
	if (pid < 0)
		return KSFT_FAIL;
	if (!pid) {
		pfd.fd = go[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, CHILD_TIMEOUT * 1000) != 1 || read(go[0], &b, 1) != 1)
			child_exit(3);
		for (i = 0; i < a->npages; i++)
			*(volatile uint8_t *)page_at(a, i) = CHILD_VAL(i);
		for (i = 0; i < a->npages; i++)
			if (!check_page(a, i, CHILD_VAL(i), OLD(i), "other process"))
				child_exit(2);
		child_exit(0);
	}
	if (!prologue(c, 0, false)) {
		kill(pid, SIGKILL);
		reap(pid, CHILD_TIMEOUT, "other process");
		return KSFT_FAIL;
	}
	mark = handler_mark(&c->h);
	if (write(go[1], &b, 1) != 1)
		ksft_print_msg("write to the pipe: %s\n", strerror(errno));
	st = reap(pid, CHILD_TIMEOUT, "other process writing the pages");
	if (st) {
		ksft_print_msg("other process: exit status %d\n", st);
		ok = false;
	}
	ok &= expect_no_msgs(&c->h, mark, "the other process's writes");
	for (i = 0; i < a->npages; i++)
		ok &= check_page(a, i, CHILD_VAL(i), OLD(i), "written by the other process");
	ok &= check_wp(a, 0, a->npages, true, "this process, after the other's writes");
	ok &= write_check(c, page_at(a, 1), NEW(1), CHILD_VAL(1), "this process writes page 1");
	ok &= check_page(a, 1, NEW(1), OLD(1), "page 1");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* Known hugetlb bugs */

static int case_hugetlb_unregister_write(struct ctx *c)
{
	struct area *a = &c->a;
	int err;
	bool ok;

	fill(a, 0, a->npages);
	if (!arm(c, 0) || !protect(c, 0, 1, true))
		return KSFT_FAIL;
	ok = check_wp(a, 0, 1, true, "protected page");
	err = uffd_unregister(c->uffd, a->addr, a->len);
	if (err)
		return fail("UFFDIO_UNREGISTER: %s", strerror(-err));
	/* A SIGBUS here kills the case: reported by the parent. */
	ok &= write_check(c, page_at(a, 0), NEW(0), NO_TRAP, "write after unregister");
	ok &= check_page(a, 0, NEW(0), OLD(0), "written page");
	ok &= check_wp(a, 0, 1, false, "after unregister and write");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_hugetlb_reprotect_punch(struct ctx *c)
{
	struct area *a = &c->a;
	int err;
	bool ok;

	if (!arm(c, 0) || !protect(c, 0, 1, true) || !protect(c, 0, 1, true))
		return KSFT_FAIL;
	ok = check_wp(a, 0, 1, true, "marker protected twice");
	if (!protect(c, 0, 1, false))
		return KSFT_FAIL;
	ok &= check_wp(a, 0, 1, false, "marker un-protected");
	err = punch(a, 0);
	if (err)
		return fail("punching a hole over page 0: %s", strerror(-err));
	ok &= write_check(c, page_at(a, 0), NEW(0), NO_TRAP, "write after the punch");
	ok &= check_page(a, 0, NEW(0), 0, "written page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_hugetlb_private_unpopulated(struct ctx *c)
{
	struct area *a = &c->a;
	bool ok;

	if (!prologue(c, 0, false))
		return KSFT_FAIL;
	/* The first access is the write: no CoW shortcut past the protection. */
	ok = write_check(c, page_at(a, 0), NEW(0), 0, "first access is a write");
	ok &= check_page(a, 0, NEW(0), 0, "written page");
	ok &= check_wp(a, 1, a->npages - 1, true, "other page");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int case_hugetlb_mincore(struct ctx *c)
{
	struct area *a = &c->a;
	size_t i, n = a->len / page_size, per = a->psize / page_size, bad = 0;
	unsigned char *vec = calloc(n, 1);
	bool ok;

	if (!vec)
		return fail("calloc failed");
	if (!prologue(c, 0, false))
		return KSFT_FAIL;
	if (mincore(a->addr, a->len, vec))
		return fail("mincore: %s", strerror(errno));
	for (i = 0; i < n; i++)
		bad += vec[i] & 1;
	if (bad)
		ksft_print_msg("mincore: %zu of %zu small pages of protected holes resident\n",
			       bad, n);
	ok = !bad;
	/* Read page 0 in: now it is resident, the others still are not. */
	ok &= check_old(a, 0, 1, true, "page 0");
	if (mincore(a->addr, a->len, vec))
		return fail("mincore: %s", strerror(errno));
	for (i = 0, bad = 0; i < n; i++)
		bad += (vec[i] & 1) != (i < per);
	if (bad)
		ksft_print_msg("mincore after reading page 0: %zu small pages wrong\n", bad);
	ok &= !bad;
	free(vec);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static const struct test_case cases[] = {
	{ .name = "protect-populated", .fn = case_protect_populated },
	{ .name = "protect-unpopulated", .fn = case_protect_unpopulated, .needs = F_MARKER },
	{ .name = "dontneed", .fn = case_dontneed },
	{ .name = "pageout", .fn = case_pageout },
	{ .name = "thp-split", .fn = case_thp_split, .needs = F_THP, .own_area = true,
	  .prepare = thp_prepare, .cleanup = thp_cleanup },
	{ .name = "migrate", .fn = case_migrate },
	{ .name = "fork", .fn = case_fork },
	{ .name = "fork-event", .fn = case_fork_event },
	{ .name = "mremap", .fn = case_mremap },
	{ .name = "mremap-event", .fn = case_mremap_event },
	{ .name = "mremap-unpopulated", .fn = case_mremap_unpopulated, .needs = F_MARKER },
	{ .name = "mprotect", .fn = case_mprotect },
	{ .name = "punch-hole", .fn = case_punch_hole, .needs = F_SHARED },
	{ .name = "truncate", .fn = case_truncate, .needs = F_SHARED | F_FD },
	{ .name = "munmap", .fn = case_munmap, .needs = F_REMAP },
	{ .name = "unregister", .fn = case_unregister },
	{ .name = "close", .fn = case_close },
	{ .name = "other-process", .fn = case_other_process, .needs = F_SHARED },
	{ .name = "hugetlb-unregister-write", .fn = case_hugetlb_unregister_write,
	  .needs = F_HUGETLB | F_SHARED },
	{ .name = "hugetlb-reprotect-punch", .fn = case_hugetlb_reprotect_punch,
	  .needs = F_HUGETLB | F_FD },
	{ .name = "hugetlb-private-unpopulated", .fn = case_hugetlb_private_unpopulated,
	  .needs = F_HUGETLB | F_PRIVATE },
	{ .name = "hugetlb-mincore", .fn = case_hugetlb_mincore, .needs = F_HUGETLB },
};

#define NR_CASES ARRAY_SIZE(cases)

/* --- running --- */

/* In the case process: set up, run, report through the exit status. */
static void case_main(const struct mem_type *t, const struct test_case *tc)
{
	struct ctx c = { .t = t, .uffd = -1 };
	int code, err;

	alarm(CASE_TIMEOUT);
	c.a.fd = -1;
	c.a.shmid = -1;
	if (!tc->own_area) {
		err = area_setup(t, &c.a);
		if (err == -ENOMEM && (t->flags & F_HUGETLB))
			child_exit(skip("mapping %s: ENOMEM (not enough free hugepages)", t->name));
		if (err)
			child_exit(fail("mapping %s: %s", t->name, strerror(-err)));
	}
	code = tc->fn(&c);
	if (c.stuck)	/* unmapping under the stuck writer would SIGSEGV it */
		child_exit(KSFT_FAIL);
	handler_stop(&c.h);
	if (c.h.overflow)
		ksft_print_msg("%d more uffd messages than logged\n", c.h.overflow);
	if (c.uffd >= 0)
		close(c.uffd);
	t->teardown(&c.a);
	child_exit(code);
}

static void run_case(const struct mem_type *t, const struct test_case *tc, const char *type_skip,
		     bool type_fail)
{
	static const unsigned int order[] = {
		F_HUGETLB, F_THP, F_SHMEM, F_SHARED, F_PRIVATE, F_MARKER, F_FD, F_REMAP,
	};
	unsigned int missing = tc->needs & ~t->flags;
	int status, i;
	pid_t pid;

	if (type_skip && !type_fail) {
		ksft_test_result_skip("%s: %s: %s\n", t->name, tc->name, type_skip);
		return;
	}
	if (missing) {
		for (i = 0; !(missing & order[i]); i++)
			;
		ksft_test_result_skip("%s: %s: needs %s\n", t->name, tc->name,
				      flag_desc[__builtin_ctz(order[i])]);
		return;
	}
	if (type_fail) {
		ksft_test_result_fail("%s: %s: %s\n", t->name, tc->name, type_skip);
		return;
	}
	if (tc->prepare)
		tc->prepare(t);
	result->reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		case_main(t, tc);
	if (pid < 0) {
		ksft_test_result_fail("%s: %s: fork: %s\n", t->name, tc->name, strerror(errno));
		goto out;
	}
	status = reap(pid, CASE_TIMEOUT + 10, "case");
	switch (status) {
	case KSFT_PASS:
		ksft_test_result_pass("%s: %s\n", t->name, tc->name);
		break;
	case KSFT_SKIP:
		ksft_test_result_skip("%s: %s: %s\n", t->name, tc->name, result->reason);
		break;
	default:
		if (status < 0)
			ksft_print_msg("%s: %s: the case process died (SIGALRM: over %d s)\n",
				       t->name, tc->name, CASE_TIMEOUT);
		ksft_test_result_fail("%s: %s\n", t->name, tc->name);
		break;
	}
out:
	if (tc->cleanup)
		tc->cleanup(t);
}

/*
 * Can this memory type be registered for uffd-wp at all? Returns NULL if it
 * can; else the reason, with *failed set when that is an error rather than
 * a missing feature or resource.
 */
/* -r: the types asked for must support uffd-wp */
static bool require_wp;

static const char *probe_type(const struct mem_type *t, bool *failed)
{
	static char reason[200];
	struct area a;
	int uffd, err;

	*failed = false;
	if (t->flags & F_HUGETLB) {
		long nfree = meminfo("HugePages_Free:");

		if (nfree < 2 * NPAGES) {
			snprintf(reason, sizeof(reason), "needs %d free 2 MiB hugepages, %ld free",
				 2 * NPAGES, nfree);
			return reason;
		}
	}
	err = area_setup(t, &a);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot map %s: %s", t->name, strerror(-err));
		*failed = !(t->flags & F_HUGETLB);
		return reason;
	}
	uffd = uffd_open(0);
	if (uffd < 0) {
		snprintf(reason, sizeof(reason), "userfaultfd: %s", strerror(-uffd));
		t->teardown(&a);
		return reason;
	}
	err = uffd_register(uffd, a.addr, a.len);
	close(uffd);
	t->teardown(&a);
	if (!err)
		return NULL;
	if (err == -EINVAL) {
		snprintf(reason, sizeof(reason),
			 "UFFDIO_REGISTER MODE_WP: EINVAL (no uffd-wp for %s here)", t->name);
		/* With -r the kernel under test must support the type */
		*failed = require_wp;
		return reason;
	}
	snprintf(reason, sizeof(reason), "UFFDIO_REGISTER MODE_WP: %s", strerror(-err));
	*failed = true;
	return reason;
}

/* Does pagemap report PM_UFFD_WP (5.13+, or backported)? Probed on anon memory. */
static bool probe_pagemap_wp(void)
{
	char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ret = false;
	int uffd;

	if (p == MAP_FAILED)
		return false;
	memset(p, 1, page_size);
	uffd = uffd_open(0);
	if (uffd >= 0 && !uffd_register(uffd, p, page_size) && !uffd_wp(uffd, p, page_size, true))
		ret = pagemap_entry(p) & PM_UFFD_WP;
	if (uffd >= 0)
		close(uffd);
	munmap(p, page_size);
	return ret;
}

static void print_environment(void)
{
	struct utsname u;

	uname(&u);
	ksft_print_msg("kernel %s %s\n", u.release, u.version);
	ksft_print_msg("UFFDIO_API features 0x%" PRIx64 "%s\n", uffd_features,
		       uffd_features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM ?
		       " (WP_HUGETLBFS_SHMEM)" : "");
	ksft_print_msg("pagemap PM_UFFD_WP: %s\n", pagemap_wp ? "reported" :
		       "NOT reported (no pagemap uffd-wp export): pagemap checks skipped");
	ksft_print_msg("swap: %s; second NUMA node: %s; free 2 MiB hugepages: %ld\n",
		       swap_active() ? "active" : "none",
		       access("/sys/devices/system/node/node1", F_OK) ? "no" : "yes",
		       meminfo("HugePages_Free:"));
}

static void usage(const char *prog)
{
	unsigned int j;

	fprintf(stderr, "usage: %s [-r] [TYPE...]\n"
		"  -r  require uffd-wp on every TYPE: EINVAL fails instead of skipping\ntypes:",
		prog);
	for (j = 0; j < NR_TYPES; j++)
		fprintf(stderr, " %s", types[j].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const struct mem_type *selected[NR_TYPES];
	struct uffdio_api api = { .api = UFFD_API };
	unsigned int nsel = 0, i, j;
	const char *uffd_skip = NULL;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-r")) {
			require_wp = true;
			continue;
		}
		for (j = 0; j < NR_TYPES && strcmp(argv[i], types[j].name); j++)
			;
		if (j == NR_TYPES) {
			usage(argv[0]);
			return KSFT_FAIL;
		}
		selected[nsel++] = &types[j];
	}
	if (!nsel)
		for (j = 0; j < NR_TYPES; j++)
			selected[nsel++] = &types[j];

	ksft_print_header();
	ksft_set_plan(nsel * NR_CASES);

	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		uffd_skip = errno == ENOSYS ? "no userfaultfd (ENOSYS)" : strerror(errno);
	else
		uffd_features = api.features;
	if (fd >= 0)
		close(fd);
	pagemap_wp = !uffd_skip && probe_pagemap_wp();
	print_environment();

	for (i = 0; i < nsel; i++) {
		const struct mem_type *t = selected[i];
		const char *why = uffd_skip;
		bool failed = false;

		if (!why)
			why = probe_type(t, &failed);
		if (!why && (t->flags & F_MARKER) && !pagemap_wp) {
			/* Every kernel with uffd-wp beyond anon reports it (5.13+). */
			why = "uffd-wp registers, but pagemap does not report PM_UFFD_WP";
			failed = true;
		}
		ksft_print_msg("%s: %s%s\n", t->name, why ? (failed ? "ERROR: " : "skipped: ") :
			       "uffd-wp registration works", why ? why : "");
		for (j = 0; j < NR_CASES; j++)
			run_case(t, &cases[j], why, failed);
	}

	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	if (!ksft_get_pass_cnt()) {
		ksft_print_cnts();
		return KSFT_SKIP;
	}
	ksft_exit_pass();
	return KSFT_PASS;
}
