// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-fuzz [--seed N] [--seconds S] [--ops N] [--types T,...] [--workers K]
 *
 * Randomized userfaultfd write-protect operations on anonymous, shmem and
 * hugetlb memory, checked after every step against an exact per-page model.
 * Exit status: 0 every check passed; 1 a check failed, or the fuzzer hit an
 * error (a hang included); 4 no memory type could be write-protected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "fuzz.h"

#define WORKER_STACK	(512 << 10)

struct config cfg = {
	.seconds = 0,
	.workers = 2,
	.pages = 32,
	.hpages = 4,
	.step_timeout = 120,
	.opmask = (1ULL << OP_NR) - 1,
	.pagemap_wp = true,
};
pthread_rwlock_t fork_rw;
int pagemap_fd = -1;

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static int failing;
static __thread struct worker *tls_worker;
struct worker *workers;
static volatile int stop_all;

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: small, fast, and every state is a good state */
uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned int rnd_below(uint64_t *state, unsigned int n)
{
	return n ? (unsigned int)(rnd(state) % n) : 0;
}

void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&print_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

void hist_add(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->hist[w->nhist % HIST], HIST_LEN, fmt, ap);
	va_end(ap);
	if (cfg.verbose)
		say("w%d %s\n", w->id, w->hist[w->nhist % HIST]);
	w->nhist++;
}

static void print_history(struct worker *w)
{
	unsigned int i, first = w->nhist > HIST ? w->nhist - HIST : 0;

	printf("last %u operations of worker %d (oldest first; the last one failed):\n",
	       w->nhist - first, w->id);
	for (i = first; i < w->nhist; i++)
		printf("  %s\n", w->hist[i % HIST]);
}

static const char *const log_names[] = {
	[LOG_WP] = "WP", [LOG_MISSING] = "MISSING", [LOG_FORK] = "FORK",
	[LOG_REMAP] = "REMAP", [LOG_OTHER] = "OTHER",
};

static void print_log_tail(struct region *r)
{
	unsigned int i, n = r->nlog, first = n > 6 ? n - 6 : 0;

	printf("region %d (%s): %u messages logged, %u checked; the last ones:\n", r->id,
	       kind_name(r), n, r->consumed);
	for (i = first; i < n; i++) {
		struct logent *e = &r->log[i % LOG_RING];
		long pg = (long)((e->addr - (uint64_t)r->m.addr) / r->psize);

		printf("  #%u %s addr %#" PRIx64 " (page %ld) flags %#" PRIx64 " seen %#" PRIx64
		       " res %d stamp %#" PRIx64 " err %d/%d%s\n", i, log_names[e->type],
		       e->addr, e->addr >= (uint64_t)r->m.addr &&
		       e->addr < (uint64_t)r->m.addr + r->m.len ? pg : -1L, e->flags,
		       e->seen_head, e->res, e->stamp, e->err_wp, e->err,
		       e->done ? "" : " (not done)");
	}
}

void fail(struct worker *w, struct region *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&print_lock);
	if (failing) {
		/* another thread reports: it exits the process */
		pthread_mutex_unlock(&print_lock);
		for (;;)
			pause();
	}
	failing = 1;
	stop_all = 1;
	printf("FAIL seed %" PRIu64 "\n", cfg.seed);
	if (w)
		printf("FAIL: worker %d, op %s\n", w->id, w->cur);
	if (r)
		printf("FAIL: region %d (%s, %d pages of %zu KiB at %p, eof %d, uffd features %#"
		       PRIx64 ")\n", r->id, kind_name(r), r->npages, r->psize >> 10, r->m.addr,
		       r->eof, r->features);
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (r)
		print_log_tail(r);
	if (w) {
		if (w->nhist == 0 || strcmp(w->hist[(w->nhist - 1) % HIST], w->cur))
			snprintf(w->hist[w->nhist++ % HIST], HIST_LEN, "%s", w->cur);
		print_history(w);
		if (w->child > 0)
			kill(w->child, SIGKILL);
	}
	if (cfg.selfcheck) {
		printf("SELFCHECK: caught the model's deliberate error (MADV_DONTNEED "
		       "taken to unprotect file memory): the oracle works\n");
		fflush(stdout);
		_exit(0);
	}
	printf("reproduce: uffd-fuzz --seed %" PRIu64 " --workers %d --types %s... "
	       "(see README.md)\n", cfg.seed, cfg.workers, r ? kind_name(r) : "");
	fflush(stdout);
	_exit(1);
}

static void fatal_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fail(tls_worker, tls_worker ? tls_worker->cur_region : NULL,
	     "signal %d (%s) at address %p, code %d", sig, strsignal(sig), si->si_addr,
	     si->si_code);
}

/* --- the workers --- */

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	double deadline = cfg.seconds > 0 ? now() + cfg.seconds : 0;

	tls_worker = w;
	w->tid = (pid_t)syscall(SYS_gettid);
	while (!stop_all) {
		if (cfg.ops && w->ops >= cfg.ops)
			break;
		if (deadline && now() >= deadline)
			break;
		worker_step(w);
		w->ops++;
	}
	return NULL;
}

static void *watchdog_fn(void *arg)
{
	(void)arg;
	for (;;) {
		int i;

		usleep(500 * 1000);
		for (i = 0; i < cfg.workers; i++) {
			struct worker *w = &workers[i];
			double s = w->step_start;

			if (s && now() - s > cfg.step_timeout)
				fail(w, w->cur_region, "HANG: the operation has not completed in %d s",
				     cfg.step_timeout);
		}
	}
	return NULL;
}

/* --- probes --- */

/* Does pagemap report PM_UFFD_WP? Probed on a protected anonymous page. */
static bool probe_pagemap_wp(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = false;
	int fd;

	if (p == MAP_FAILED)
		return false;
	p[0] = 1;
	fd = uffd_open(0, NULL);
	if (fd >= 0 && !uffd_register(fd, p, ps, UFFDIO_REGISTER_MODE_WP, NULL) &&
	    !uffd_wp(fd, p, ps, true))
		ok = pagemap_read(pagemap_fd, p) & PM_UFFD_WP;
	if (fd >= 0)
		close(fd);
	munmap(p, ps);
	return ok;
}

/* NULL if @kind can be write-protected, else why not (*@unsupported: EINVAL). */
static const char *probe_kind(enum mem_kind kind, bool *unsupported)
{
	static char why[200];
	struct mem m;
	int err, fd;

	*unsupported = false;
	err = mem_map(&m, kind, 1);
	if (err) {
		snprintf(why, sizeof(why), "cannot map it: %s", strerror(-err));
		mem_unmap(&m);
		return why;
	}
	fd = uffd_open(0, NULL);
	if (fd < 0) {
		snprintf(why, sizeof(why), "userfaultfd: %s", strerror(-fd));
		mem_unmap(&m);
		return why;
	}
	err = uffd_register(fd, m.addr, m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	close(fd);
	mem_unmap(&m);
	if (!err)
		return NULL;
	if (err == -EINVAL) {
		*unsupported = true;
		snprintf(why, sizeof(why), "UFFDIO_REGISTER(MODE_WP): EINVAL: this kernel cannot "
			 "write-protect %s memory (UFFDIO_API features %#" PRIx64 "%s)",
			 mem_kind_name(kind), cfg.api_features,
			 cfg.api_features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM ? "" :
			 ", no UFFD_FEATURE_WP_HUGETLBFS_SHMEM");
	} else {
		snprintf(why, sizeof(why), "UFFDIO_REGISTER(MODE_WP): %s", strerror(-err));
	}
	return why;
}

static long meminfo(const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			val = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return val;
}

/* --- options --- */

static void usage(FILE *f)
{
	int i;

	fprintf(f,
		"usage: uffd-fuzz [options]\n"
		"  --seed N            random seed (default: from the clock); printed first\n"
		"  --seconds S         run for S seconds (default 10 unless --ops is given)\n"
		"  --ops N             operations per worker (with --seconds: whichever ends first)\n"
		"  --types T,...       memory kinds (default all):");
	for (i = 0; i < MEM_NR_KINDS; i++)
		fprintf(f, " %s", mem_kind_name(i));
	fprintf(f, "\n"
		"  --workers K         worker threads, each owning one region per type (default 2)\n"
		"  --pages N           small pages per region (default 32, max %d)\n"
		"  --hpages N          huge pages per hugetlb region (default 4)\n"
		"  --only-ops OP,...   only these operations\n"
		"  --no-ops OP,...     not these operations\n"
		"  --step-timeout S    a step taking longer is a hang (default 120)\n"
		"  --verbose           print every operation\n"
		"  --portable          avoid what this series does unlike upstream 6.x: ioctl\n"
		"                      ranges across vmas (ENOENT here), re-registering\n"
		"                      protected pages without WP (unprotects here),\n"
		"                      UFFDIO_ZEROPAGE over a marker (allowed here)\n"
		"  --selfcheck         negative control: the model takes MADV_DONTNEED to\n"
		"                      unprotect file memory too; exit 0 only if that is caught\n"
		"operations:", MAX_PAGES);
	for (i = 0; i < OP_NR; i++)
		fprintf(f, " %s", op_names[i]);
	fprintf(f, "\nexit: 0 passed, 1 failed, 4 nothing could be write-protected (skip)\n");
}

static uint64_t parse_ops(const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *t;
	uint64_t mask = 0;

	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < OP_NR; i++)
			if (!strcmp(t, op_names[i]))
				break;
		if (i == OP_NR) {
			fprintf(stderr, "uffd-fuzz: unknown operation '%s'\n", t);
			exit(2);
		}
		mask |= 1ULL << i;
	}
	free(copy);
	return mask;
}

static unsigned int parse_types(const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *t;
	unsigned int mask = 0;

	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k;

		if (!strcmp(t, "all")) {
			mask = (1U << MEM_NR_KINDS) - 1;
			continue;
		}
		k = mem_kind_parse(t);
		if (k < 0) {
			fprintf(stderr, "uffd-fuzz: unknown memory type '%s'\n", t);
			exit(2);
		}
		mask |= 1U << k;
	}
	free(copy);
	return mask;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "ops", required_argument, NULL, 'o' },
		{ "types", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "pages", required_argument, NULL, 'p' },
		{ "hpages", required_argument, NULL, 'H' },
		{ "only-ops", required_argument, NULL, 'O' },
		{ "no-ops", required_argument, NULL, 'N' },
		{ "step-timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "portable", no_argument, NULL, 'X' },
		{ "selfcheck", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	int c;

	cfg.types = (1U << MEM_NR_KINDS) - 1;
	while ((c = getopt_long(argc, argv, "s:S:o:t:w:p:H:O:N:T:vXCh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'S':
			cfg.seconds = atof(optarg);
			break;
		case 'o':
			cfg.ops = strtoull(optarg, NULL, 0);
			break;
		case 't':
			cfg.types = parse_types(optarg);
			break;
		case 'w':
			cfg.workers = atoi(optarg);
			break;
		case 'p':
			cfg.pages = atoi(optarg);
			break;
		case 'H':
			cfg.hpages = atoi(optarg);
			break;
		case 'O':
			cfg.opmask = parse_ops(optarg);
			break;
		case 'N':
			cfg.opmask &= ~parse_ops(optarg);
			break;
		case 'T':
			cfg.step_timeout = atoi(optarg);
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'X':
			cfg.portable = true;
			break;
		case 'C':
			cfg.selfcheck = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc || cfg.workers < 1 || cfg.workers > 64 || cfg.pages < 1 ||
	    cfg.pages > MAX_PAGES || cfg.hpages < 1 || cfg.hpages > MAX_PAGES ||
	    !cfg.types || !cfg.opmask || cfg.step_timeout < 1) {
		usage(stderr);
		exit(2);
	}
	if (!cfg.seconds && !cfg.ops)
		cfg.seconds = 10;
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = ((uint64_t)ts.tv_sec * 1000003ULL) ^ (uint64_t)ts.tv_nsec ^
			   ((uint64_t)getpid() << 16);
		cfg.seed %= 1000000000ULL;
	}
}

/* --- main --- */

int main(int argc, char **argv)
{
	static uint64_t ops[MEM_NR_KINDS], wpm[MEM_NR_KINDS], mism[MEM_NR_KINDS],
		ev[MEM_NR_KINDS], chk[MEM_NR_KINDS], ffork[MEM_NR_KINDS];
	unsigned int run = 0, huge_types = 0;
	pthread_rwlockattr_t rwattr;
	struct sigaction sa = { 0 };
	pthread_attr_t attr;
	pthread_t watchdog;
	struct utsname u;
	double t0, elapsed;
	uint64_t total = 0, got;
	int i, k, fd, rid = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	printf("seed %" PRIu64 "\n", cfg.seed);
	uname(&u);
	printf("kernel %s %s\n", u.release, u.version);

	pthread_rwlockattr_init(&rwattr);
	pthread_rwlockattr_setkind_np(&rwattr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fork_rw, &rwattr);
	sa.sa_sigaction = fatal_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0) {
		printf("FAIL seed %" PRIu64 ": open /proc/self/pagemap: %s\n", cfg.seed,
		       strerror(errno));
		return 1;
	}
	fd = uffd_open(0, &got);
	if (fd < 0) {
		printf("SKIP: userfaultfd: %s\n", strerror(-fd));
		return 4;
	}
	close(fd);
	cfg.api_features = got;
	cfg.pagemap_wp = probe_pagemap_wp();
	cfg.numa = !access("/sys/devices/system/node/node1", F_OK);
	cfg.migrate = cfg.numa;
	printf("UFFDIO_API features %#" PRIx64 "%s; pagemap PM_UFFD_WP %s; NUMA nodes %s\n",
	       got, got & UFFD_FEATURE_WP_HUGETLBFS_SHMEM ? " (WP_HUGETLBFS_SHMEM)" : "",
	       cfg.pagemap_wp ? "reported" : "NOT reported: pagemap checks are off",
	       cfg.numa ? "0 and 1" : "0 only: no migrations");

	for (k = 0; k < MEM_NR_KINDS; k++) {
		bool unsupported;
		const char *why;

		if (!(cfg.types & (1U << k)))
			continue;
		why = probe_kind(k, &unsupported);
		if (why) {
			printf("SKIP %s: %s\n", mem_kind_name(k), why);
			cfg.types &= ~(1U << k);
			continue;
		}
		if (mem_kind_hugetlb(k))
			huge_types++;
	}
	if (huge_types) {
		long free_pages = meminfo("HugePages_Free");
		long want = (long)cfg.workers * huge_types * cfg.hpages * 3;

		/* room for private copies, fork children and COW: three times the regions */
		while (want > free_pages && cfg.hpages > 1) {
			cfg.hpages--;
			want = (long)cfg.workers * huge_types * cfg.hpages * 3;
		}
		if (want > free_pages) {
			for (k = 0; k < MEM_NR_KINDS; k++) {
				if ((cfg.types & (1U << k)) && mem_kind_hugetlb(k)) {
					printf("SKIP %s: %ld free huge pages, %ld wanted\n",
					       mem_kind_name(k), free_pages, want);
					cfg.types &= ~(1U << k);
				}
			}
		}
	}
	for (k = 0; k < MEM_NR_KINDS; k++)
		run += !!(cfg.types & (1U << k));
	if (!run) {
		printf("SKIP: no memory type can be write-protected by this kernel\n");
		return 4;
	}

	workers = calloc(cfg.workers, sizeof(*workers));
	for (i = 0; i < cfg.workers; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->rng = cfg.seed * 0x100000001b3ULL + (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
		w->buflen = COPY_MAX_SMALL * 4096;
		if (huge_types && w->buflen < COPY_MAX_HUGE * HPAGE_2M)
			w->buflen = COPY_MAX_HUGE * HPAGE_2M;
		w->buf = mmap(NULL, w->buflen, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->buf == MAP_FAILED) {
			printf("FAIL seed %" PRIu64 ": mmap: %s\n", cfg.seed, strerror(errno));
			return 1;
		}
		memset(w->buf, 0, w->buflen);
		mlock(w->buf, w->buflen);
		tls_worker = w;
		for (k = 0; k < MEM_NR_KINDS; k++) {
			struct region *r;
			int err, n;

			if (!(cfg.types & (1U << k)))
				continue;
			r = calloc(1, sizeof(*r));
			n = mem_kind_hugetlb(k) ? cfg.hpages : cfg.pages;
			err = region_create(r, rid++, k, n, w);
			if (err) {
				printf("FAIL seed %" PRIu64 ": setting up %s: %s\n", cfg.seed,
				       mem_kind_name(k), strerror(-err));
				return 1;
			}
			w->regions[w->nreg++] = r;
		}
		tls_worker = NULL;
	}
	for (i = 0; i < cfg.workers; i++)
		for (k = 0; k < workers[i].nreg; k++) {
			struct region *r = workers[i].regions[k];
			if (uffd_start(r, random_features(r))) {
				printf("FAIL seed %" PRIu64 ": userfaultfd for %s\n", cfg.seed,
				       kind_name(r));
				return 1;
			}
			tls_worker = &workers[i];
			snprintf(workers[i].cur, sizeof(workers[i].cur), "setup r%d %s", r->id,
				 kind_name(r));
			region_register_all(&workers[i], r);
			hist_add(&workers[i], "%s", workers[i].cur);
			tls_worker = NULL;
		}

	printf("running: %d workers, %u types, %d pages per region (%d huge), %s%.0f s%s%" PRIu64
	       " ops per worker\n", cfg.workers, run, cfg.pages, cfg.hpages,
	       cfg.seconds ? "" : "no limit of ", cfg.seconds, cfg.ops ? ", " : ", no limit of ",
	       cfg.ops);
	t0 = now();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_create(&watchdog, &attr, watchdog_fn, NULL);
	for (i = 0; i < cfg.workers; i++)
		pthread_create(&workers[i].thread, &attr, worker_fn, &workers[i]);
	for (i = 0; i < cfg.workers; i++)
		pthread_join(workers[i].thread, NULL);
	elapsed = now() - t0;
	pthread_attr_destroy(&attr);

	for (i = 0; i < cfg.workers; i++) {
		struct worker *w = &workers[i];

		for (k = 0; k < w->nreg; k++) {
			struct region *r = w->regions[k];
			int kind = r->m.kind;

			/* a last look: nothing pending, pagemap and data as the model says */
			tls_worker = w;
			w->cur_region = r;
			snprintf(w->cur, sizeof(w->cur), "final check of region %d (%s)", r->id,
				 kind_name(r));
			region_check(w, r, "at the end");
			ops[kind] += r->ops;
			wpm[kind] += r->wp_msgs;
			mism[kind] += r->missing_msgs;
			ev[kind] += r->events;
			chk[kind] += r->checks;
			ffork[kind] += r->foreign_forks;
			region_destroy(r);
		}
		total += w->ops;
	}
	for (k = 0; k < MEM_NR_KINDS; k++) {
		if (!(cfg.types & (1U << k)))
			continue;
		printf("type %-17s ops %7" PRIu64 "  %8.1f ops/s  wp-msgs %6" PRIu64
		       "  missing-msgs %5" PRIu64 "  events %4" PRIu64 "  checks %8" PRIu64 "\n",
		       mem_kind_name(k), ops[k], ops[k] / elapsed, wpm[k], mism[k], ev[k], chk[k]);
	}
	printf("operations (count, mean ms):");
	for (k = 0; k < OP_NR; k++)
		if (op_count[k])
			printf(" %s %" PRIu64 "/%.1f", op_names[k], op_count[k],
			       op_usec[k] / 1000.0 / op_count[k]);
	printf("\n");
	if (cfg.selfcheck) {
		printf("SELFCHECK FAILED seed %" PRIu64 ": the model's deliberate error went "
		       "unnoticed in %" PRIu64 " ops\n", cfg.seed, total);
		return 1;
	}
	printf("PASS seed %" PRIu64 ": %" PRIu64 " ops in %.1f s (%.1f ops/s), %d workers, %u types\n",
	       cfg.seed, total, elapsed, total / elapsed, cfg.workers, run);
	return 0;
}
