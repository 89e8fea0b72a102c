/* SPDX-License-Identifier: GPL-2.0 */
/* The memory types under test, and userfaultfd helpers. */
#ifndef TESTS_MEM_H
#define TESTS_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/userfaultfd.h>

enum mem_kind {
	MEM_ANON,		/* MAP_PRIVATE|MAP_ANONYMOUS */
	MEM_MEMFD,		/* memfd_create(), MAP_SHARED */
	MEM_MEMFD_PRIVATE,	/* memfd_create(), MAP_PRIVATE */
	MEM_SHM_ANON,		/* MAP_SHARED|MAP_ANONYMOUS (shmem) */
	MEM_TMPFS,		/* a file on tmpfs (/dev/shm), MAP_SHARED */
	MEM_SYSV,		/* shmget()/shmat() */
	MEM_HUGETLB_MEMFD,	/* memfd_create(MFD_HUGETLB), MAP_SHARED */
	MEM_HUGETLBFS,		/* a file on hugetlbfs, MAP_SHARED */
	MEM_HUGETLBFS_PRIVATE,	/* a file on hugetlbfs, MAP_PRIVATE */
	MEM_MAP_HUGETLB,	/* MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB */
	MEM_NR_KINDS,
};

struct mem {
	enum mem_kind kind;
	const char *name;
	char *addr;
	size_t len;
	size_t page;		/* page size of the mapping */
	int fd;			/* backing file, or -1 */
	int shmid;		/* SysV segment, or -1 */
	bool shared;
};

#define HUGETLBFS_MNT "/mnt/huge"
#define HPAGE_2M (2UL << 20)

/*
 * The hugetlb kinds use 2 MiB pages on HUGETLBFS_MNT, unless the environment
 * says MEM_HUGEPAGE_MB=1024: then 1 GiB pages, on MEM_HUGETLBFS (the guest
 * mounts /mnt/huge1g when it booted with 1 GiB pages).
 */
size_t mem_hugepage_size(void);

const char *mem_kind_name(enum mem_kind kind);
int mem_kind_parse(const char *name);	/* -1 if unknown */
bool mem_kind_hugetlb(enum mem_kind kind);
/* Maps @npages pages of @kind (not touched). Returns -errno on failure. */
int mem_map(struct mem *m, enum mem_kind kind, size_t npages);
void mem_unmap(struct mem *m);
/* An unlinked file of @len bytes in @dir: its fd, or -errno. */
int mem_file_in(const char *dir, size_t len);

/* userfaultfd */
int uffd_open(uint64_t features, uint64_t *got_features); /* -errno on failure */
int uffd_register(int uffd, void *addr, size_t len, uint64_t mode, uint64_t *ioctls);
int uffd_unregister(int uffd, void *addr, size_t len);
int uffd_wp(int uffd, void *addr, size_t len, bool protect);

/* /proc/self/pagemap */
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_FILE		(1ULL << 61)
#define PM_UFFD_WP	(1ULL << 57)
uint64_t pagemap_entry(void *addr);

#endif
