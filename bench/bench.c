// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-bench: microbenchmarks of the uffd-wp series.
 *
 *   uffd-bench overhead [options]   paths that do not use userfaultfd
 *   uffd-bench wpfault [options]    write-protect fault round trip
 *   uffd-bench protect [options]    UFFDIO_WRITEPROTECT of a big memfd
 *
 * Exit status: 0 done, 1 error, 4 skipped (the kernel lacks a feature a
 * case needs, e.g. uffd-wp on shmem on the unpatched base).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/utsname.h>

#include "bench.h"

#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

static char kernel_release[65];
static char numa_saved[16];

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "uffd-bench: ERROR: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

void skip(const char *fmt, ...)
{
	va_list ap;

	printf("uffd-bench: SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(KSFT_SKIP);
}

void note(const char *fmt, ...)
{
	va_list ap;

	printf("uffd-bench: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void samples_add(struct samples *s, double v)
{
	if (s->n < BENCH_MAX_REPS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double samples_median(const struct samples *s)
{
	double v[BENCH_MAX_REPS];

	if (!s->n)
		return 0;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

void report(const char *group, const char *name, const char *unit, const struct samples *s)
{
	double lo, hi;

	if (!s->n)
		return;
	lo = hi = s->v[0];
	for (int i = 1; i < s->n; i++) {
		lo = s->v[i] < lo ? s->v[i] : lo;
		hi = s->v[i] > hi ? s->v[i] : hi;
	}
	printf("BENCH group=%s name=%s kernel=%s value=%.6g unit=%s reps=%d min=%.6g max=%.6g raw=",
	       group, name, kernel_release, samples_median(s), unit, s->n, lo, hi);
	for (int i = 0; i < s->n; i++)
		printf("%s%.6g", i ? "," : "", s->v[i]);
	printf("\n");
}

void report_na(const char *group, const char *name, const char *unit, const char *why)
{
	printf("BENCH group=%s name=%s kernel=%s value=NA unit=%s reps=0 why=\"%s\"\n", group,
	       name, kernel_release, unit, why);
}

bool want(const struct bench_opts *o, const char *name)
{
	const char *p = o->only;
	size_t n = strlen(name);

	if (!p)
		return true;
	while (*p) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == n && !strncmp(p, name, n))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

void touch(char *p, size_t len, size_t page)
{
	for (size_t off = 0; off < len; off += page)
		*(volatile char *)(p + off) = 1;
}

static long meminfo_field(const char *field)
{
	char line[128];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		die("open /proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && sscanf(line + n, "%ld", &v) == 1)
			break;
	fclose(f);
	if (v < 0)
		die("no %s in /proc/meminfo", field);
	return v;
}

/*
 * The vmstat counters are per cpu with a threshold: fold them first (as
 * root), else PageTables: can be off by a few hundred KiB.
 */
long pagetables_kb(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			note("stat_refresh: %s", strerror(errno));
		close(fd);
	}
	return meminfo_field("PageTables:");
}

long vmpte_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		die("open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld", &v) == 1)
			break;
	fclose(f);
	if (v < 0)
		die("no VmPTE: in /proc/self/status");
	return v;
}

long hugepages_free(void)
{
	return meminfo_field("HugePages_Free:");
}

void need_hugepages(size_t n)
{
	long free = hugepages_free();

	if (free < (long)n)
		die("%zu huge pages of 2 MiB needed, %ld free (boot with more, e.g. GUEST_HUGEPAGES)",
		    n, free);
}

int memfd(const char *name, size_t len, bool huge)
{
	int fd = memfd_create(name, MFD_CLOEXEC | (huge ? MFD_HUGETLB : 0));

	if (fd < 0)
		die("memfd_create(%s): %s", huge ? "MFD_HUGETLB" : "0", strerror(errno));
	if (ftruncate(fd, len))
		die("ftruncate memfd to %zu MiB: %s", len >> 20, strerror(errno));
	return fd;
}

static void restore_numa(void)
{
	int fd = open(NUMA_BALANCING, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, numa_saved, strlen(numa_saved)) < 0)
		note("cannot restore %s", NUMA_BALANCING);
	close(fd);
}

void quiet_system(void)
{
	char buf[64] = "", numa[64] = "no NUMA balancing";
	ssize_t n;
	int fd;

	fd = open(NUMA_BALANCING, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, numa_saved, sizeof(numa_saved) - 1);
		numa_saved[n > 0 ? n : 0] = '\0';
		snprintf(numa, sizeof(numa), "NUMA balancing off");
		if (n > 0 && numa_saved[0] != '0') {
			if (pwrite(fd, "0", 1, 0) == 1)
				atexit(restore_numa);
			else
				snprintf(numa, sizeof(numa), "NUMA balancing ON (cannot turn it off: %s)",
					 strerror(errno));
		}
		close(fd);
	}
	fd = open("/sys/kernel/mm/transparent_hugepage/shmem_enabled", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	note("kernel %s, %s, address-space randomization %s, shmem_enabled %s, %ld huge pages free",
	     kernel_release, numa, personality(0xffffffff) & ADDR_NO_RANDOMIZE ? "off" : "ON",
	     buf[0] ? buf : "(none)", hugepages_free());
}

/*
 * The same address-space layout in every run and on every kernel: how a
 * range falls on page-table boundaries changes what fork, zap and mprotect
 * cost (by up to 7 % for fork with hugetlb mapped, from boot to boot).
 * Re-executes itself once with ADDR_NO_RANDOMIZE.
 */
static void no_aslr(char **argv)
{
	int pers = personality(0xffffffff);

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE))
		return;
	if (personality(pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
	note("cannot re-execute without address-space randomization: %s", strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uffd-bench overhead|wpfault|protect [options]\n"
		"  overhead   no userfaultfd: first-touch faults (shmem, anon, hugetlb), zap\n"
		"             (munmap, MADV_DONTNEED), fork and mprotect with the memory mapped\n"
		"  wpfault    write -> uffd message -> UFFDIO_WRITEPROTECT un-protect -> retry,\n"
		"             on anon, memfd (shmem) and a hugetlb memfd\n"
		"  protect    UFFDIO_WRITEPROTECT of an unpopulated and a populated memfd:\n"
		"             time, and page-table memory (PageTables: of /proc/meminfo)\n"
		"options:\n"
		"  --size-mb N        4 KiB-page memory (default: overhead 1024, protect 4096)\n"
		"  --huge-mb N        hugetlb memory (default: overhead 512)\n"
		"  --pages N          wpfault: 4 KiB pages per round (default 8192)\n"
		"  --huge-pages N     wpfault: 2 MiB pages per round (default 64)\n"
		"  --reps N           repetitions, the median is reported (default 3, max %d)\n"
		"  --inner N          wpfault rounds / forks per repetition (default 4 / 16;\n"
		"                     a fork figure is the median of at most 32 forks)\n"
		"  --no-pin           wpfault: do not pin faulter and handler to one cpu\n"
		"  --only A,B         only these cases (the names of the BENCH lines)\n",
		BENCH_MAX_REPS);
}

int main(int argc, char **argv)
{
	enum { O_SIZE = 256, O_HUGE, O_PAGES, O_HPAGES, O_REPS, O_INNER, O_NOPIN, O_ONLY };
	static const struct option lopts[] = {
		{ "size-mb", required_argument, NULL, O_SIZE },
		{ "huge-mb", required_argument, NULL, O_HUGE },
		{ "pages", required_argument, NULL, O_PAGES },
		{ "huge-pages", required_argument, NULL, O_HPAGES },
		{ "reps", required_argument, NULL, O_REPS },
		{ "inner", required_argument, NULL, O_INNER },
		{ "no-pin", no_argument, NULL, O_NOPIN },
		{ "only", required_argument, NULL, O_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .reps = 3, .pin = true, .pages = 8192, .huge_pages = 64 };
	const char *cmd;
	struct utsname u;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	no_aslr(argv);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_SIZE:
			o.size = strtoull(optarg, NULL, 0) << 20;
			break;
		case O_HUGE:
			o.huge_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case O_PAGES:
			o.pages = strtoull(optarg, NULL, 0);
			break;
		case O_HPAGES:
			o.huge_pages = strtoull(optarg, NULL, 0);
			break;
		case O_REPS:
			o.reps = atoi(optarg);
			break;
		case O_INNER:
			o.inner = atoi(optarg);
			break;
		case O_NOPIN:
			o.pin = false;
			break;
		case O_ONLY:
			o.only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || o.reps < 1 || o.reps > BENCH_MAX_REPS || o.inner < 0) {
		usage(stderr);
		return 1;
	}
	uname(&u);
	snprintf(kernel_release, sizeof(kernel_release), "%s", u.release);
	if (!strcmp(cmd, "overhead"))
		return cmd_overhead(&o);
	if (!strcmp(cmd, "wpfault"))
		return cmd_wpfault(&o);
	if (!strcmp(cmd, "protect"))
		return cmd_protect(&o);
	fprintf(stderr, "uffd-bench: unknown command '%s'\n", cmd);
	usage(stderr);
	return 1;
}
