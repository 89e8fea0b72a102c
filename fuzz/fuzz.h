/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uffd-fuzz: randomized userfaultfd write-protect operations with an exact
 * per-page model (the oracle). See README.md.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mem.h"

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

#define MAX_PAGES	64		/* pages per region */
#define LOG_RING	256		/* handler log entries kept per region */
#define COPY_MAX_SMALL	16		/* pages of a worker's UFFDIO_COPY */
#define COPY_MAX_HUGE	2
#define HIST		32		/* operations kept per worker for a report */
#define HIST_LEN	240
#define HEAD_OFF	64		/* the stamp of a page: at this offset ... */
#define TAIL_GAP	64		/* ... and its complement this far from the end */

/* Registration mode bits of a page (the vma's VM_UFFD_MISSING / VM_UFFD_WP) */
#define REG_MISSING	1
#define REG_WP		2

/* How the page is mapped in this process, where the model can know it */
enum pte_state {
	PTE_NONE,	/* none or a marker; shows the file (or zeroes) */
	PTE_FILE,	/* hugetlb shared only: the page cache page is mapped */
	PTE_ZERO,	/* the zero page (UFFDIO_ZEROPAGE, or an anonymous read) */
	PTE_ANON,	/* a private (anonymous) page: adata */
};

/*
 * The file's page. A clean shmem page (faulted in by a read, never written)
 * may be dropped by reclaim at any time: it is all zeroes, nothing is lost,
 * but the next access may be a missing fault again.
 */
enum cache_state {
	CACHE_NO,	/* a hole */
	CACHE_DIRTY,	/* a page that stays (hugetlb pages always do) */
	CACHE_CLEAN,	/* a clean zero-filled shmem page, or a hole again */
};

/* Memory classes: what the model has to know of a memory kind */
enum mem_class {
	C_ANON,		/* anonymous private */
	C_SHMEM,	/* shmem MAP_SHARED: memfd, shmem-anon, tmpfs, sysv */
	C_SHMEM_PRIV,	/* shmem MAP_PRIVATE: memfd-private */
	C_HUGE,		/* hugetlb MAP_SHARED: hugetlbfs, hugetlb-memfd */
	C_HUGE_PRIV,	/* hugetlb MAP_PRIVATE: hugetlbfs-private, map-hugetlb */
};

struct page_model {
	uint64_t fdata;		/* the file page's stamp (0: zeroes) */
	uint64_t adata;		/* the private page's stamp (PTE_ANON) */
	uint8_t cache;		/* enum cache_state of the file's page at this index */
	uint8_t pte;		/* enum pte_state */
	uint8_t wp;		/* uffd-wp: pagemap PM_UFFD_WP must say so */
	uint8_t reg;		/* REG_* of the vma */
};

enum log_type { LOG_WP, LOG_MISSING, LOG_FORK, LOG_REMAP, LOG_OTHER };
enum fill_res { RES_COPY, RES_COPY_WP, RES_ZERO };

/* One message the handler read, and what it did about it. */
struct logent {
	int type;		/* enum log_type */
	int done;		/* resolved (or given up): the fields are final */
	uint64_t addr;		/* fault address; REMAP: from */
	uint64_t flags;		/* fault flags; REMAP: to */
	uint64_t len;		/* REMAP: len */
	uint32_t ptid;
	uint64_t seen_head;	/* WP: the page's stamp words when the message came */
	uint64_t seen_tail;
	int res;		/* MISSING: enum fill_res */
	uint64_t stamp;		/* MISSING: what was copied */
	int err_wp;		/* MISSING: COPY_MODE_WP refused (-errno), then plain COPY */
	int err;		/* resolving failed: -errno */
	int event;		/* LOG_OTHER: the event */
};

struct worker;

struct region {
	int id;
	struct worker *owner;
	struct mem m;		/* m.addr is where the region is now */
	int cls;		/* enum mem_class */
	uint64_t rng;		/* the region's operations: seed, worker, kind */
	int npages;
	int eof;		/* pages below EOF (shared files that can shrink) */
	size_t psize;
	struct page_model pg[MAX_PAGES];
	uint64_t gen;		/* stamp generations, also taken by the handler */
	unsigned int consumed;	/* log entries the worker has checked */

	/* the slot: a PROT_NONE reservation around the region */
	char *slot;
	size_t slot_len;

	/* vma boundaries inside the region (page indices), from /proc/self/maps */
	bool vma_valid;
	int nvma;
	int vma_start[MAX_PAGES + 1];

	/* userfaultfd and its handler thread */
	int uffd;
	uint64_t features;
	int ufd_gen;
	pthread_t handler;
	bool hrunning;
	int stopfd[2];
	uint64_t hrng;
	char *hbuf;		/* UFFDIO_COPY source of the handler, psize */
	volatile int forking;	/* our worker is in fork(): keep the FORK ufd */
	volatile int in_msg;	/* the handler has read (is reading) a message */
	int fork_ufd;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct logent log[LOG_RING];
	unsigned int nlog;	/* entries ever logged */

	/* statistics */
	uint64_t ops, wp_msgs, missing_msgs, events, checks, foreign_forks;
};

struct worker {
	int id;
	pthread_t thread;
	pid_t tid;
	uint64_t rng;
	struct region *regions[MEM_NR_KINDS];
	int nreg;
	char hist[HIST][HIST_LEN];
	unsigned int nhist;
	char cur[HIST_LEN];	/* the operation under way */
	volatile double step_start;	/* 0: not in a step */
	char *buf;		/* UFFDIO_COPY source, up to COPY_MAX bytes */
	size_t buflen;
	char *maps;		/* /proc/self/maps (smaps) buffer */
	size_t mapslen;
	volatile pid_t child;
	struct region *cur_region;
	uint64_t ops;
};

struct config {
	uint64_t seed;
	double seconds;
	uint64_t ops;		/* per worker */
	unsigned int types;	/* mask of enum mem_kind */
	int workers;
	int pages;		/* small pages per region */
	int hpages;		/* huge pages per region */
	int step_timeout;
	int verbose;
	bool portable;		/* avoid what differs between this series and 6.x */
	bool selfcheck;		/* negative control: the model is wrong on purpose */
	uint64_t opmask;	/* operations allowed */
	bool pagemap_wp;	/* pagemap reports PM_UFFD_WP */
	bool numa;		/* node 1 exists */
	bool migrate;		/* move_pages() works */
	uint64_t api_features;	/* what UFFDIO_API offers */
};

extern struct config cfg;
/* fork() (write) against what a child's copy of the mm or fds would disturb (read) */
extern pthread_rwlock_t fork_rw;
extern int pagemap_fd;
extern struct worker *workers;

/* operations */
enum op {
	OP_READ, OP_WRITE, OP_PROTECT, OP_UNPROTECT, OP_REGISTER, OP_UNREGISTER,
	OP_COPY, OP_ZEROPAGE, OP_DONTNEED, OP_PAGEOUT, OP_PUNCH, OP_TRUNCATE,
	OP_MPROTECT, OP_MIGRATE, OP_FORK, OP_MREMAP, OP_CLOSE, OP_VERIFY,
	OP_VMFLAGS, OP_NR,
};
extern const char *const op_names[OP_NR];

/* main.c */
double now(void);
uint64_t rnd(uint64_t *state);
unsigned int rnd_below(uint64_t *state, unsigned int n);
void fail(struct worker *w, struct region *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hist_add(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* region.c */
int region_create(struct region *r, int id, enum mem_kind kind, int npages, struct worker *w);
void region_destroy(struct region *r);
int region_place(struct worker *w, struct region *r, int *nmoved, int *from, size_t *len);
int region_vmas(struct worker *w, struct region *r);
int region_vma_of(struct region *r, int page, int *start, int *end);
int uffd_start(struct region *r, uint64_t features);
void uffd_stop(struct region *r);	/* caller holds fork_rw */
void handlers_idle(struct worker *w);
unsigned int log_mark(struct region *r);
struct logent *log_wait(struct worker *w, struct region *r, unsigned int idx, double timeout);
unsigned int log_count(struct region *r);
uint64_t gen_next(struct region *r);
uint64_t make_stamp(struct region *r, int page, uint64_t gen);
void fill_page(char *buf, size_t psize, uint64_t stamp);
int uffd_ioctl_retry(int fd, unsigned long req, void *arg);
const char *kind_name(struct region *r);

static inline char *page_addr(struct region *r, int i)
{
	return r->m.addr + (size_t)i * r->psize;
}

/* ops.c */
void worker_step(struct worker *w);
/* EVENT_FORK, EVENT_REMAP and THREAD_ID, each drawn at random */
uint64_t random_features(struct region *r);
extern uint64_t op_count[OP_NR], op_usec[OP_NR];
void region_register_all(struct worker *w, struct region *r);
void region_check(struct worker *w, struct region *r, const char *when);
uint64_t pagemap_read(int fd, const void *addr);

/* child.c */
struct child_plan {
	int npages;
	uint8_t read[MAX_PAGES];
	uint8_t write[MAX_PAGES];
	uint8_t expect_wp[MAX_PAGES];
	uint64_t expect[MAX_PAGES];
	uint64_t stamp[MAX_PAGES];
	bool check_wp;
};
void child_main(struct region *r, const struct child_plan *plan, int fd)
	__attribute__((noreturn));

#endif
