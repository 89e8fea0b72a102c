/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsnap: a consistent live snapshot of a memory region taken with
 * userfaultfd write-protect (copy-before-write), while other threads keep
 * writing to the region.
 *
 *	s = snap_create(addr, len, &err);	register the region for WP
 *	(stop the writers)
 *	snap_start(s);				the snapshot instant: protect all
 *	(let the writers go on)
 *	snap_wait(s);				every page saved, protection gone
 *	use snap_data(s), snap_stats(s); snap_destroy(s);
 *
 * After snap_start() a background copier saves the pages in address order
 * and a fault handler saves a page first when a writer touches it; each page
 * is saved exactly once and un-protected right after.
 *
 * The one rule for the caller: a page must not be discarded (hole punch,
 * MADV_DONTNEED of private or anonymous memory, truncate) between
 * snap_start() and the moment it is saved (snap_page_saved()). Discarding
 * is not a write: it raises no write-protect fault, so the snapshot would
 * get the zeroes instead of the data of the snapshot instant. A snapshot
 * tool has to save a page before it discards it, like QEMU's live snapshot.
 */
#ifndef SNAP_H
#define SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return values of snap_create() and snap_start() besides 0. */
#define SNAP_EUNSUPPORTED	2	/* no uffd-wp for this memory type */
#define SNAP_EFAILED		1	/* anything else */

struct snap;

struct snap_stats {
	size_t pages;		/* pages in the region */
	size_t page_size;	/* bytes per page (from smaps) */
	size_t saved;		/* pages saved so far */
	size_t by_fault;	/* pages saved by the fault handler */
	size_t by_copier;	/* pages saved by the background copier */
	uint64_t faults;	/* write-protect fault messages read */
	uint64_t stale_faults;	/* ... for a page saved already (only un-protected) */
	uint64_t populate_ns;	/* reading unpopulated anonymous pages in */
	uint64_t protect_ns;	/* UFFDIO_WRITEPROTECT of the whole region */
	uint64_t copy_ns;	/* snapshot instant to the last page saved */
	/* Handler side fault stall: message read to page un-protected. */
	uint64_t stall_p50_ns, stall_p99_ns, stall_max_ns;
	uint64_t features;	/* UFFDIO_API features of the kernel */
	int error;		/* first ioctl error of the threads, -errno */
};

/*
 * Opens a userfaultfd and registers [addr, addr + len) with
 * UFFDIO_REGISTER_MODE_WP. The range must lie in one mapping; its page size
 * is taken from /proc/self/smaps. On failure returns NULL, sets *err to
 * SNAP_EUNSUPPORTED or SNAP_EFAILED and writes why to msg.
 */
struct snap *snap_create(void *addr, size_t len, int *err, char *msg, size_t msglen);

/* Limits the background copier to @bytes_per_sec (0: no limit). */
void snap_set_rate(struct snap *s, uint64_t bytes_per_sec);

/*
 * The snapshot instant: write-protects the whole region (populated or not)
 * and starts the copier and the fault handler. The caller must make sure
 * nothing writes to the region during this call.
 */
int snap_start(struct snap *s, char *msg, size_t msglen);

/* Has the page at index @page been saved? Once true it stays true. */
bool snap_page_saved(const struct snap *s, size_t page);
bool snap_done(const struct snap *s);

/*
 * Waits until every page is saved, removes the protection that is left,
 * stops the threads, unregisters and closes the userfaultfd. Returns 0, or
 * SNAP_EFAILED if an ioctl failed on the way (see stats.error).
 */
int snap_wait(struct snap *s);

/* Counters; can be called at any time (progress) and after snap_wait(). */
void snap_get_stats(struct snap *s, struct snap_stats *st);
const void *snap_data(const struct snap *s);
size_t snap_page_size(const struct snap *s);
void snap_destroy(struct snap *s);

/*
 * The mapping that holds @addr: page size (KernelPageSize), whether it is
 * anonymous private memory, and its end. 0 or -errno.
 */
int snap_mapping_info(const void *addr, size_t *page_size, bool *anon, uintptr_t *end);

#endif
