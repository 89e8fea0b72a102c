/* SPDX-License-Identifier: GPL-2.0 */
/* The uffd-snap demo: a writing workload, chaos, and a verified snapshot. */
#ifndef SNAP_DEMO_H
#define SNAP_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap.h"

enum mem_kind {
	MEM_ANON,		/* MAP_PRIVATE|MAP_ANONYMOUS */
	MEM_MEMFD,		/* memfd_create(), MAP_SHARED */
	MEM_MEMFD_PRIVATE,	/* memfd_create(), MAP_PRIVATE */
	MEM_HUGETLBFS,		/* a file on a hugetlbfs mount, MAP_SHARED */
	MEM_HUGETLBFS_PRIVATE,	/* a file on a hugetlbfs mount, MAP_PRIVATE */
	MEM_HUGETLB_MEMFD,	/* memfd_create(MFD_HUGETLB), MAP_SHARED */
	MEM_NR_KINDS,
};

/* What the chaos thread does to the pages of the region. */
enum chaos_op {
	OP_DONTNEED,		/* MADV_DONTNEED */
	OP_PAGEOUT,		/* MADV_PAGEOUT (to zram swap) */
	OP_MIGRATE,		/* move_pages() to the other NUMA node */
	OP_PUNCH,		/* fallocate(PUNCH_HOLE|KEEP_SIZE) */
	OP_SPLIT,		/* split shmem THPs (debugfs split_huge_pages) */
	OP_NR,
};

struct opts {
	unsigned int kinds;	/* bit mask of enum mem_kind */
	size_t size;		/* bytes per region */
	int threads;		/* writer threads */
	double seconds;		/* workload time after the initial fill */
	double snap_delay;	/* seconds of writing before the snapshot instant */
	double rate_mibps;	/* copier limit, 0: none */
	bool chaos, thp;
	unsigned int ops;	/* bit mask of enum chaos_op the chaos thread may do */
	bool unsafe_discard;	/* negative control: discard unsaved pages too */
	unsigned int chaos_delay_us;
	const char *huge_dir;
	uint64_t seed;
};

enum result_status { R_VERIFIED, R_MISMATCH, R_UNSUPPORTED, R_ERROR };

struct chaos_count {
	uint64_t done[OP_NR];	/* successful actions */
	uint64_t failed[OP_NR];	/* the syscall failed */
	uint64_t refused;	/* discard of a page not saved yet: not done */
	uint64_t busy;		/* discard of a page a writer holds: not done */
	uint64_t planted;	/* --unsafe-discard: discards of unsaved pages */
	uint64_t moved;		/* pages move_pages() put on the other node */
	uint64_t evicted;	/* pages not resident right after MADV_PAGEOUT */
	uint64_t split_calls;	/* writes to split_huge_pages */
};

/* /proc/vmstat event counters, -1 where the kernel has none (tinyconfig). */
struct vmstat_delta {
	long long pswpout, pswpin, pgmigrate_success, thp_split_page;
};

struct result {
	enum mem_kind kind;
	enum result_status status;
	char why[640];		/* unsupported, error, or the first mismatch */
	size_t len;
	struct snap_stats st;
	uint64_t pause_ns;	/* writers parked: reference copy + snapshot start */
	uint64_t writes;	/* 4 KiB block writes of the workload */
	double run_s;		/* workload time after the initial fill */
	struct chaos_count chaos;
	struct vmstat_delta vm;
	char thp[160];		/* THP state of a memfd region */
	size_t mismatches;	/* pages that differ */
};

extern const char *const mem_kind_names[MEM_NR_KINDS];
extern const char *const chaos_op_names[OP_NR];

void run_kind(const struct opts *o, enum mem_kind kind, struct result *res);

#endif
