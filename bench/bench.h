/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uffd-bench: shared helpers. Every measurement is repeated; the median
 * is reported on one machine-parsable line:
 *
 *   BENCH group=G name=N kernel=R value=V unit=U reps=K min=A max=B raw=v1,v2,...
 *
 * Times come from clock_gettime(CLOCK_MONOTONIC): under QEMU -icount with
 * sleep=off the guest clock is proportional to the instructions executed.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_REPS	32
#define KSFT_SKIP	4

struct samples {
	double v[BENCH_MAX_REPS];
	int n;
};

/* Options common to every subcommand. */
struct bench_opts {
	size_t size;		/* bytes of 4 KiB-page memory */
	size_t huge_size;	/* bytes of hugetlb memory */
	size_t pages;		/* wpfault: 4 KiB pages per round */
	size_t huge_pages;	/* wpfault: huge pages per round */
	int reps;		/* repetitions (median reported) */
	int inner;		/* wpfault rounds, forks per repetition */
	bool pin;		/* wpfault: faulter and handler on one cpu */
	const char *only;	/* comma list of case names, NULL: all */
};

uint64_t now_ns(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void samples_add(struct samples *s, double v);
double samples_median(const struct samples *s);
/* Prints the BENCH line of @s (nothing if it is empty). */
void report(const char *group, const char *name, const char *unit, const struct samples *s);
/* A case the kernel cannot run: value=NA, and why. */
void report_na(const char *group, const char *name, const char *unit, const char *why);
bool want(const struct bench_opts *o, const char *name);

/* Writes one byte into every @page of [p, p + len). */
void touch(char *p, size_t len, size_t page);
/* PageTables: of /proc/meminfo, in KiB. */
long pagetables_kb(void);
/* VmPTE: of /proc/self/status (this process's page tables, exact), KiB. */
long vmpte_kb(void);
long hugepages_free(void);
/* Exits with a clear message unless @n huge pages of 2 MiB are free. */
void need_hugepages(size_t n);
int memfd(const char *name, size_t len, bool huge);
/* Quiet the background: NUMA balancing off until exit (restored by atexit). */
void quiet_system(void);

int cmd_overhead(const struct bench_opts *o);
int cmd_wpfault(const struct bench_opts *o);
int cmd_protect(const struct bench_opts *o);

#endif
