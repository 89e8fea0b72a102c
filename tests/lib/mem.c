// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "mem.h"
#include "tap.h"

static const char *const names[MEM_NR_KINDS] = {
	[MEM_ANON] = "anon",
	[MEM_MEMFD] = "memfd",
	[MEM_MEMFD_PRIVATE] = "memfd-private",
	[MEM_SHM_ANON] = "shmem-anon",
	[MEM_TMPFS] = "tmpfs",
	[MEM_SYSV] = "sysv",
	[MEM_HUGETLB_MEMFD] = "hugetlb-memfd",
	[MEM_HUGETLBFS] = "hugetlbfs",
	[MEM_HUGETLBFS_PRIVATE] = "hugetlbfs-private",
	[MEM_MAP_HUGETLB] = "map-hugetlb",
};

const char *mem_kind_name(enum mem_kind kind)
{
	return names[kind];
}

int mem_kind_parse(const char *name)
{
	for (int k = 0; k < MEM_NR_KINDS; k++)
		if (!strcmp(name, names[k]))
			return k;
	return -1;
}

bool mem_kind_hugetlb(enum mem_kind kind)
{
	return kind >= MEM_HUGETLB_MEMFD;
}

size_t mem_hugepage_size(void)
{
	const char *mb = getenv("MEM_HUGEPAGE_MB");

	return mb ? strtoul(mb, NULL, 10) << 20 : HPAGE_2M;
}

/*
 * The size bits of MAP_HUGETLB and MFD_HUGETLB (both at
 * HUGETLB_FLAG_ENCODE_SHIFT): log2 of the page size, none for the default.
 */
static int hugepage_size_bits(void)
{
	size_t size = mem_hugepage_size();

	return size == HPAGE_2M ? 0 : __builtin_ctzl(size) << MAP_HUGE_SHIFT;
}

static const char *hugetlbfs_dir(void)
{
	return getenv("MEM_HUGETLBFS") ?: HUGETLBFS_MNT;
}

int mem_file_in(const char *dir, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/uffd-test.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (ftruncate(fd, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int mem_map(struct mem *m, enum mem_kind kind, size_t npages)
{
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	void *p;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->name = names[kind];
	m->fd = -1;
	m->shmid = -1;
	m->page = mem_kind_hugetlb(kind) ? mem_hugepage_size() : (size_t)getpagesize();
	m->len = npages * m->page;

	switch (kind) {
	case MEM_ANON:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case MEM_MEMFD_PRIVATE:
		flags = MAP_PRIVATE;
		/* fall through */
	case MEM_MEMFD:
		m->fd = memfd_create("uffd-test", 0);
		if (m->fd < 0 || ftruncate(m->fd, m->len))
			return -errno;
		break;
	case MEM_SHM_ANON:
		flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	case MEM_TMPFS:
		m->fd = mem_file_in("/dev/shm", m->len);
		if (m->fd < 0)
			return m->fd;
		break;
	case MEM_SYSV:
		m->shmid = shmget(IPC_PRIVATE, m->len, IPC_CREAT | 0600);
		if (m->shmid < 0)
			return -errno;
		p = shmat(m->shmid, NULL, 0);
		shmctl(m->shmid, IPC_RMID, NULL);
		if (p == (void *)-1)
			return -errno;
		m->addr = p;
		m->shared = true;
		return 0;
	case MEM_HUGETLB_MEMFD:
		m->fd = memfd_create("uffd-test", MFD_HUGETLB | hugepage_size_bits());
		if (m->fd < 0 || ftruncate(m->fd, m->len))
			return -errno;
		break;
	case MEM_HUGETLBFS_PRIVATE:
		flags = MAP_PRIVATE;
		/* fall through */
	case MEM_HUGETLBFS:
		m->fd = mem_file_in(hugetlbfs_dir(), m->len);
		if (m->fd < 0)
			return m->fd;
		break;
	case MEM_MAP_HUGETLB:
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			hugepage_size_bits();
		break;
	default:
		return -EINVAL;
	}
	m->shared = flags & MAP_SHARED;
	p = mmap(NULL, m->len, prot, flags, m->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->addr = p;
	return 0;
}

void mem_unmap(struct mem *m)
{
	if (m->shmid >= 0 || m->kind == MEM_SYSV)
		shmdt(m->addr);
	else if (m->addr)
		munmap(m->addr, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->addr = NULL;
	m->fd = -1;
}

int uffd_open(uint64_t features, uint64_t *got_features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (got_features)
		*got_features = api.features;
	return fd;
}

int uffd_register(int uffd, void *addr, size_t len, uint64_t mode, uint64_t *ioctls)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = mode,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (ioctls)
		*ioctls = reg.ioctls;
	return 0;
}

int uffd_unregister(int uffd, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (unsigned long)addr, .len = len };

	return ioctl(uffd, UFFDIO_UNREGISTER, &range) ? -errno : 0;
}

int uffd_wp(int uffd, void *addr, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

uint64_t pagemap_entry(void *addr)
{
	static int fd = -1;
	static pid_t owner;
	uint64_t ent;
	off_t off = (uintptr_t)addr / getpagesize() * sizeof(ent);

	/* After fork() the inherited fd still reads the parent's pagemap. */
	if (fd >= 0 && owner != getpid()) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		owner = getpid();
	}
	if (fd < 0)
		tap_bail("open /proc/self/pagemap: %s", strerror(errno));
	if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		tap_bail("read /proc/self/pagemap: %s", strerror(errno));
	return ent;
}
