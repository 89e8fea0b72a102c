// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-features present|absent: UFFDIO_API reports
 * UFFD_FEATURE_WP_HUGETLBFS_SHMEM exactly when the kernel can write-protect
 * shmem and hugetlbfs.
 *
 * present: the bit is reported, can be requested, and MODE_WP registers on a
 *          memfd and on hugetlbfs (a kernel with CONFIG_PTE_MARKER_UFFD_WP=y);
 * absent:  the bit is not reported, requesting it is EINVAL, and MODE_WP on a
 *          memfd or on hugetlbfs is EINVAL while anonymous memory still
 *          registers (CONFIG_PTE_MARKER_UFFD_WP=n, or the unpatched base).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/tap.h"

/* The feature bit, whether or not the uapi headers in use know it. */
#define FEATURE_WP_HUGETLBFS_SHMEM	(1ULL << 12)

static const char *errname(int err)
{
	return err ? strerrorname_np(-err) : "success";
}

/* Registers MODE_WP on one page of @kind: 0 or -errno. */
static int register_wp(enum mem_kind kind)
{
	struct mem m;
	int uffd, err;

	err = mem_map(&m, kind, 1);
	if (err)
		tap_bail("map %s: %s", mem_kind_name(kind), strerror(-err));
	uffd = uffd_open(0, NULL);
	if (uffd < 0)
		tap_bail("userfaultfd: %s", strerror(-uffd));
	err = uffd_register(uffd, m.addr, m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	close(uffd);
	mem_unmap(&m);
	return err;
}

int main(int argc, char **argv)
{
	static const enum mem_kind kinds[] = { MEM_MEMFD, MEM_HUGETLBFS };
	uint64_t features = 0;
	bool present;
	int uffd, err;
	size_t i;

	if (argc != 2 || (strcmp(argv[1], "present") && strcmp(argv[1], "absent")))
		tap_bail("usage: %s present|absent", argv[0]);
	present = !strcmp(argv[1], "present");
	tap_plan(5);

	uffd = uffd_open(0, &features);
	if (uffd < 0)
		tap_bail("userfaultfd: %s", strerror(-uffd));
	close(uffd);
	tap_result(!!(features & FEATURE_WP_HUGETLBFS_SHMEM) == present,
		   "UFFDIO_API features 0x%llx: UFFD_FEATURE_WP_HUGETLBFS_SHMEM %s, expected %s",
		   (unsigned long long)features,
		   features & FEATURE_WP_HUGETLBFS_SHMEM ? "reported" : "not reported",
		   present ? "reported" : "not reported");

	uffd = uffd_open(FEATURE_WP_HUGETLBFS_SHMEM, NULL);
	err = uffd < 0 ? uffd : 0;
	if (uffd >= 0)
		close(uffd);
	tap_result(present ? !err : err == -EINVAL,
		   "requesting UFFD_FEATURE_WP_HUGETLBFS_SHMEM: %s, expected %s",
		   errname(err), present ? "success" : "EINVAL");

	err = register_wp(MEM_ANON);
	tap_result(!err, "register MODE_WP on anon: %s", errname(err));

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		err = register_wp(kinds[i]);
		tap_result(present ? !err : err == -EINVAL,
			   "register MODE_WP on %s: %s, expected %s", mem_kind_name(kinds[i]),
			   errname(err), present ? "success" : "EINVAL");
	}
	tap_exit();
}
