// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-badinput KIND...: bad input to the userfaultfd ioctls on each
 * memory KIND gets the errno that anonymous memory gets in the same
 * situation, and never a crash, a hang or a lost write.
 *
 * Two tables below.
 *
 * cases[]: every case runs on anonymous memory first and then on each KIND,
 * each time on a fresh mapping of NPAGES pages (of the KIND's page size:
 * "a page" is 2M on hugetlb) and a fresh userfaultfd. The "rule" column says
 * what each run is compared with:
 *
 *   LIKE_ANON    anon must get anon_err, what anonymous uffd-wp returns on
 *                5.10; every KIND must get what anon got.
 *   HUGETLB_OWN  as LIKE_ANON, except that hugetlb KINDs must get kind_err:
 *                a difference of hugetlb that predates uffd-wp on it (there
 *                is no UFFDIO_ZEROPAGE on hugetlb, and UFFDIO_REGISTER does
 *                not offer it there).
 *   BY_SHARING   a KIND mapped MAP_SHARED must get kind_err, a MAP_PRIVATE
 *                one private_err. Where anon has no such mapping (anon_err
 *                NO_ANON) its row is skipped, and the reference is the
 *                MODE_MISSING row of the same situation, which predates the
 *                series and must read the same. Where anon has a row, it
 *                is compared with anon_err as usual.
 *
 * unsupported[]: mappings that are neither anonymous, shmem nor hugetlb
 * (a file on ramfs, a VM_PFNMAP mapping, the aio ring, [vvar]). Anonymous
 * memory is no reference there: the row says the errno a 5.10 kernel
 * without the series returns for such a vma, and the series must not change
 * it (UFFDIO_REGISTER: EINVAL from vma_can_userfault(), before the
 * VM_MAYWRITE check; the range ioctls: ENOENT, the vma is not registered).
 * Each runs once, whatever the KINDs. The ramfs is mounted by the test on
 * RAMFS_DIR (root only; else its cases skip). The VM_PFNMAP mapping is an
 * io_uring SQ ring (remap_pfn_range; the test config has no /dev/mem).
 *
 * The fork cases run their step in a child forked without
 * UFFD_FEATURE_EVENT_FORK: the child's copy of the vma is not registered,
 * but the inherited descriptor still works on the parent's mm (it is bound
 * to the mm that created it), as on anonymous memory. The child writes
 * every page under a watchdog: a leftover protection in the child would
 * block the write for good, and that reads as ETIME; a page of the child
 * still uffd-wp in pagemap reads as ENOTRECOVERABLE, lost data as EIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>

#include "lib/mem.h"
#include "lib/tap.h"

#define NPAGES	4
#define CHILD_SECONDS 20	/* watchdog of a fork case's child */
#define PATTERN(i) ((char)('a' + (i)))
#define RAMFS_DIR "/tmp/uffd-badinput-ramfs"

/* Where ramfs is mounted, or NULL (then the ramfs cases are skipped) */
static const char *ramfs;

struct env {
	struct mem m;
	int uffd;
	const char *skip;	/* the case cannot be set up here, and why */
};

/* What a case needs before its own step. */
enum setup {
	NONE,
	ARM,		/* all of the mapping registered for WP and protected */
	REG_MISSING,	/* all of the mapping registered for MISSING only */
	REG_FIRST,	/* the first page registered for WP */
	ARM_DATA,	/* every page written, ARM, then the last page zapped */
};

static char *last_page(struct env *e)
{
	return e->m.addr + e->m.len - e->m.page;
}

static int do_setup(struct env *e, enum setup setup)
{
	int err = 0, i;

	switch (setup) {
	case NONE:
		break;
	case ARM_DATA:
		for (i = 0; i < NPAGES; i++)
			e->m.addr[i * e->m.page] = PATTERN(i);
		/* fall through */
	case ARM:
		err = uffd_register(e->uffd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
		if (!err)
			err = uffd_wp(e->uffd, e->m.addr, e->m.len, true);
		/* Leaves a marker behind on shmem and hugetlb */
		if (!err && setup == ARM_DATA && madvise(last_page(e), e->m.page, MADV_DONTNEED))
			err = -errno;
		break;
	case REG_MISSING:
		err = uffd_register(e->uffd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_MISSING,
				    NULL);
		break;
	case REG_FIRST:
		err = uffd_register(e->uffd, e->m.addr, e->m.page, UFFDIO_REGISTER_MODE_WP, NULL);
		break;
	}
	return err;
}

/* ---- helpers for the steps ---- */

static int copy_mode(int uffd, unsigned long dst, unsigned long src, unsigned long len,
		     __u64 mode)
{
	struct uffdio_copy copy = { .dst = dst, .src = src, .len = len, .mode = mode };

	return ioctl(uffd, UFFDIO_COPY, &copy) ? -errno : 0;
}

/* UFFDIO_COPY of @len bytes from a fresh source buffer to @dst */
static int copy_to(struct env *e, char *dst, unsigned long len, __u64 mode)
{
	size_t srclen = len && len <= 2 * e->m.len ? len : e->m.page;
	char *src = mmap(NULL, srclen, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	if (src == MAP_FAILED)
		return -errno;
	memset(src, 'z', srclen);
	err = copy_mode(e->uffd, (unsigned long)dst, (unsigned long)src, len, mode);
	munmap(src, srclen);
	return err;
}

static int zeropage(int uffd, unsigned long start, unsigned long len, __u64 mode)
{
	struct uffdio_zeropage zp = { .range = { .start = start, .len = len }, .mode = mode };

	return ioctl(uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
}

static int wake(int uffd, unsigned long start, unsigned long len)
{
	struct uffdio_range range = { .start = start, .len = len };

	return ioctl(uffd, UFFDIO_WAKE, &range) ? -errno : 0;
}

/* One small page mapped right after the mapping: a second vma */
static char *neighbour(struct env *e, int prot, int flags, int fd, off_t off)
{
	char *next = e->m.addr + e->m.len;
	void *p = mmap(next, getpagesize(), prot, flags | MAP_FIXED_NOREPLACE, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* A VM_PFNMAP mapping of one page: an io_uring SQ ring (remap_pfn_range) */
static char *pfnmap_page(void *at)
{
	struct io_uring_params p;
	int fd, err;
	void *ring;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 1, &p);
	if (fd < 0)
		return NULL;
	ring = mmap(at, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE | (at ? MAP_FIXED_NOREPLACE : 0),
		    fd, IORING_OFF_SQ_RING);
	err = errno;
	close(fd);	/* the mapping keeps the ring */
	errno = err;
	return ring == MAP_FAILED ? NULL : ring;
}

/* ---- the steps ---- */

static int reg_len0(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, 0, UFFDIO_REGISTER_MODE_WP, NULL);
}

static int reg_unaligned_start(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr + 1, e->m.page,
			     UFFDIO_REGISTER_MODE_WP, NULL);
}

static int reg_unaligned_len(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, getpagesize() + 1,
			     UFFDIO_REGISTER_MODE_WP, NULL);
}

/* Aligned to the small page, not to the mapping's page: unaligned on anon */
static int reg_half_page_start(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr + e->m.page / 2, e->m.page,
			     UFFDIO_REGISTER_MODE_WP, NULL);
}

static int reg_half_page_len(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, e->m.page + e->m.page / 2,
			     UFFDIO_REGISTER_MODE_WP, NULL);
}

static int reg_overflow(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, -(unsigned long)e->m.addr,
			     UFFDIO_REGISTER_MODE_WP, NULL);
}

static int reg_no_mode(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, e->m.len, 0, NULL);
}

static int reg_bad_mode(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, e->m.len,
			     UFFDIO_REGISTER_MODE_WP | (1ULL << 40), NULL);
}

/* Bit 2 is MODE_MINOR in later kernels; 5.10 does not know it */
static int reg_minor_mode(struct env *e)
{
	return uffd_register(e->uffd, e->m.addr, e->m.len,
			     UFFDIO_REGISTER_MODE_WP | (1ULL << 2), NULL);
}

/* A range with no vma at all: the mapping's last page, unmapped. */
static int reg_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return uffd_register(e->uffd, last, e->m.page, UFFDIO_REGISTER_MODE_WP, NULL);
}

/* The range spans the mapping and an anonymous page mapped right after it. */
static int reg_two_vmas(struct env *e)
{
	char *next = e->m.addr + e->m.len;
	void *p = mmap(next, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	int err;

	if (p == MAP_FAILED)
		return -errno;	/* EEXIST: something else lives there */
	err = uffd_register(e->uffd, e->m.addr, e->m.len + getpagesize(),
			    UFFDIO_REGISTER_MODE_WP, NULL);
	munmap(p, getpagesize());
	return err;
}

/* The range spans the mapping and a page of a file on ramfs after it */
static int span_ramfs(struct env *e, bool unregister)
{
	int fd, err;
	char *p;

	if (!ramfs) {
		e->skip = "no ramfs mounted";
		return 0;
	}
	fd = mem_file_in(ramfs, getpagesize());
	if (fd < 0)
		return fd;
	p = neighbour(e, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p ? 0 : -errno;
	close(fd);
	if (err)
		return err;
	if (unregister)
		err = uffd_unregister(e->uffd, e->m.addr, e->m.len + getpagesize());
	else
		err = uffd_register(e->uffd, e->m.addr, e->m.len + getpagesize(),
				    UFFDIO_REGISTER_MODE_WP, NULL);
	munmap(p, getpagesize());
	return err;
}

static int reg_span_ramfs(struct env *e)
{
	return span_ramfs(e, false);
}

static int unreg_span_ramfs(struct env *e)
{
	return span_ramfs(e, true);
}

/* The range spans the mapping and a VM_PFNMAP page after it */
static int reg_span_pfnmap(struct env *e)
{
	char *p = pfnmap_page(e->m.addr + e->m.len);
	int err;

	if (!p) {
		e->skip = "no io_uring ring to map (VM_PFNMAP)";
		return 0;
	}
	err = uffd_register(e->uffd, e->m.addr, e->m.len + getpagesize(),
			    UFFDIO_REGISTER_MODE_WP, NULL);
	munmap(p, getpagesize());
	return err;
}

/* Registered and protected while mapped PROT_READ: mprotect is not the point */
static int reg_prot_read(struct env *e)
{
	int err;

	if (mprotect(e->m.addr, e->m.len, PROT_READ))
		return -errno;
	err = uffd_register(e->uffd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	if (!err)
		err = uffd_wp(e->uffd, e->m.addr, e->m.len, true);
	if (!err)
		err = uffd_wp(e->uffd, e->m.addr, e->m.len, false);
	return err;
}

/*
 * The same memory mapped again from a descriptor opened O_RDONLY, shared
 * as the KIND is (MAP_SHARED or MAP_PRIVATE), PROT_READ. Shared, the vma
 * lacks VM_MAYWRITE: UFFDIO_REGISTER says EPERM, in any mode. Private, a
 * write would copy: VM_MAYWRITE stays and registration works.
 */
static int reg_readonly_file(struct env *e, __u64 mode)
{
	char path[96];
	int fd, err;
	char *p;

	if (e->m.kind == MEM_ANON) {
		e->skip = "anonymous memory has no file to open read-only";
		return 0;
	}
	if (e->m.kind == MEM_SYSV) {
		p = shmat(e->m.shmid, NULL, SHM_RDONLY);
		if (p == (void *)-1)
			return -errno;
		err = uffd_register(e->uffd, p, e->m.len, mode, NULL);
		shmdt(p);
		return err;
	}
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)e->m.addr, (unsigned long)(e->m.addr + e->m.len));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, e->m.len, PROT_READ, e->m.shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	err = uffd_register(e->uffd, p, e->m.len, mode, NULL);
	munmap(p, e->m.len);
	return err;
}

static int reg_readonly_file_wp(struct env *e)
{
	return reg_readonly_file(e, UFFDIO_REGISTER_MODE_WP);
}

static int reg_readonly_file_missing(struct env *e)
{
	return reg_readonly_file(e, UFFDIO_REGISTER_MODE_MISSING);
}

/* Another userfaultfd owns the range already */
static int reg_other_uffd(struct env *e)
{
	int fd = uffd_open(0, NULL), err;

	if (fd < 0)
		return fd;
	err = uffd_register(fd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	close(fd);
	return err;
}

/* A userfaultfd that never had its UFFDIO_API handshake */
static int reg_before_api(struct env *e)
{
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	err = uffd_register(fd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	close(fd);
	return err;
}

static int reg_closed_fd(struct env *e)
{
	int fd = e->uffd;

	close(fd);
	e->uffd = -1;
	return uffd_register(fd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
}

static int unreg_len0(struct env *e)
{
	return uffd_unregister(e->uffd, e->m.addr, 0);
}

static int unreg_unaligned(struct env *e)
{
	return uffd_unregister(e->uffd, e->m.addr + 1, e->m.page);
}

static int unreg_half_page_start(struct env *e)
{
	return uffd_unregister(e->uffd, e->m.addr + e->m.page / 2, e->m.page);
}

static int unreg_overflow(struct env *e)
{
	return uffd_unregister(e->uffd, e->m.addr, -(unsigned long)e->m.addr);
}

static int unreg_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return uffd_unregister(e->uffd, last, e->m.page);
}

static int unreg_twice(struct env *e)
{
	int err = uffd_unregister(e->uffd, e->m.addr, e->m.len);

	return err ? err : uffd_unregister(e->uffd, e->m.addr, e->m.len);
}

static int unreg_after_munmap(struct env *e)
{
	char *addr = e->m.addr;

	munmap(addr, e->m.len);
	e->m.addr = NULL;
	return uffd_unregister(e->uffd, addr, e->m.len);
}

static int wp_first_page(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, e->m.page, true);
}

static int wp_len0(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, 0, true);
}

static int wp_unaligned(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr + 1, e->m.page, false);
}

static int wp_half_page_start(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr + e->m.page / 2, e->m.page, true);
}

static int wp_half_page_len(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, e->m.page / 2, false);
}

static int wp_overflow(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, -(unsigned long)e->m.addr, true);
}

static int wp_mode(struct env *e, __u64 mode)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)e->m.addr, .len = e->m.len },
		.mode = mode,
	};

	return ioctl(e->uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

static int wp_bad_mode(struct env *e)
{
	return wp_mode(e, UFFDIO_WRITEPROTECT_MODE_WP | (1ULL << 40));
}

static int wp_wp_dontwake(struct env *e)
{
	return wp_mode(e, UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE);
}

static int wp_all(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, e->m.len, true);
}

static int wp_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return uffd_wp(e->uffd, last, e->m.page, true);
}

/* Both vmas registered; one ioctl may not cross from one to the other */
static int span_registered(struct env *e, bool copy)
{
	/* PROT_READ: never merged with the mapping, even on anon */
	char *p = neighbour(e, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t len = e->m.len + getpagesize();
	int err;

	if (!p)
		return -errno;
	err = uffd_register(e->uffd, e->m.addr, len, UFFDIO_REGISTER_MODE_WP, NULL);
	if (!err)
		err = copy ? copy_to(e, e->m.addr, len, UFFDIO_COPY_MODE_WP)
			   : uffd_wp(e->uffd, e->m.addr, len, true);
	munmap(p, getpagesize());
	return err;
}

static int wp_span_registered(struct env *e)
{
	return span_registered(e, false);
}

static int copy_span_registered(struct env *e)
{
	return span_registered(e, true);
}

static int wp_after_unregister(struct env *e)
{
	int err = uffd_unregister(e->uffd, e->m.addr, e->m.len);

	return err ? err : wp_all(e);
}

static int wp_after_munmap(struct env *e)
{
	char *addr = e->m.addr;

	munmap(addr, e->m.len);
	e->m.addr = NULL;	/* gone: mem_unmap() only closes what is left */
	return uffd_wp(e->uffd, addr, e->m.len, true);
}

/* Past the end of the registered first page, still inside the mapping. */
static int wp_beyond_range(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, 2 * e->m.page, true);
}

static int copy_wp_without_wp(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int copy_len0(struct env *e)
{
	return copy_to(e, e->m.addr, 0, UFFDIO_COPY_MODE_WP);
}

static int copy_unaligned(struct env *e)
{
	return copy_to(e, e->m.addr + 1, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int copy_half_page(struct env *e)
{
	return copy_to(e, e->m.addr + e->m.page / 2, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int copy_dst_overflow(struct env *e)
{
	return copy_to(e, e->m.addr, -(unsigned long)e->m.addr, UFFDIO_COPY_MODE_WP);
}

/* The source range wraps; the destination is fine */
static int copy_src_overflow(struct env *e)
{
	unsigned long src = -(unsigned long)e->m.page;

	return copy_mode(e->uffd, (unsigned long)e->m.addr, src, 2 * e->m.page,
			 UFFDIO_COPY_MODE_WP);
}

static int copy_bad_mode(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP | (1ULL << 40));
}

static int copy_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return copy_to(e, last, e->m.page, UFFDIO_COPY_MODE_WP);
}

/* Over a protected, never written page: a marker on shmem and hugetlb */
static int copy_wp_hole(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int copy_wp_dontwake_hole(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page,
		       UFFDIO_COPY_MODE_WP | UFFDIO_COPY_MODE_DONTWAKE);
}

static int copy_nowp_hole(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page, 0);
}

/* Over a page that was written before it was protected */
static int copy_wp_written(struct env *e)
{
	return copy_to(e, e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

/* Over the zapped last page: a marker on shmem and hugetlb, a hole on anon */
static int copy_wp_zapped(struct env *e)
{
	int err = copy_to(e, last_page(e), e->m.page, UFFDIO_COPY_MODE_WP);

	/* Shared memory keeps the written page: the copy must not replace it */
	if (err == -EEXIST && e->m.shared && *(volatile char *)last_page(e) != PATTERN(NPAGES - 1))
		return -EIO;
	return err;
}

static int copy_after_unregister(struct env *e)
{
	int err = uffd_unregister(e->uffd, e->m.addr, e->m.len);

	return err ? err : copy_to(e, e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int copy_after_munmap(struct env *e)
{
	char *addr = e->m.addr;

	munmap(addr, e->m.len);
	e->m.addr = NULL;
	return copy_to(e, addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int zp_len0(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr, 0, 0);
}

static int zp_unaligned(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr + 1, e->m.page, 0);
}

static int zp_half_page(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr + e->m.page / 2, e->m.page, 0);
}

static int zp_overflow(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr, -(unsigned long)e->m.addr, 0);
}

/* UFFDIO_ZEROPAGE has no MODE_WP: bit 1 is UFFDIO_COPY_MODE_WP's */
static int zp_mode_wp(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr, e->m.page, UFFDIO_COPY_MODE_WP);
}

static int zp_first_page(struct env *e)
{
	return zeropage(e->uffd, (unsigned long)e->m.addr, e->m.page, 0);
}

static int zp_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return zeropage(e->uffd, (unsigned long)last, e->m.page, 0);
}

static int wake_len0(struct env *e)
{
	return wake(e->uffd, (unsigned long)e->m.addr, 0);
}

static int wake_unaligned(struct env *e)
{
	return wake(e->uffd, (unsigned long)e->m.addr + 1, e->m.page);
}

/* UFFDIO_WAKE looks at no vma: a range with none is fine */
static int wake_hole(struct env *e)
{
	char *last = last_page(e);

	munmap(last, e->m.page);
	return wake(e->uffd, (unsigned long)last, e->m.page);
}

/*
 * Closing the userfaultfd un-protects its ranges: the ioctl on the closed
 * descriptor fails, and a write then lands (a leftover protection would
 * block here for good, which the harness reports as a timeout).
 */
static int closed_fd(struct env *e)
{
	int err;

	close(e->uffd);
	err = uffd_wp(e->uffd, e->m.addr, e->m.len, false);
	e->uffd = -1;
	*(volatile char *)e->m.addr = 1;
	if (*(volatile char *)e->m.addr != 1)
		return -EIO;
	return err;
}

/* ---- fork without UFFD_FEATURE_EVENT_FORK (setup ARM_DATA) ---- */

/* Runs @fn in a child; its errno comes back through the exit status */
static int in_child(struct env *e, int (*fn)(struct env *e))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int err;

		alarm(CHILD_SECONDS);
		err = fn(e);
		_exit(err < 0 ? -err : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGALRM ? -ETIME : -ECHILD;
	return -WEXITSTATUS(status);
}

/*
 * In the child: no page of its copy of the mapping is uffd-wp, each reads
 * what the parent left (the zapped last page: the file's data if shared,
 * zeroes if private) and takes a write.
 */
static int child_writes(struct env *e)
{
	int i;

	for (i = 0; i < NPAGES; i++) {
		volatile char *p = e->m.addr + i * e->m.page;
		char want = i == NPAGES - 1 && !e->m.shared ? 0 : PATTERN(i);

		if (pagemap_entry((char *)p) & PM_UFFD_WP)
			return -ENOTRECOVERABLE;
		if (*p != want)
			return -EIO;
		*p = 'C';
		if (*p != 'C')
			return -EIO;
	}
	return 0;
}

/* The parent's descriptor works on the parent's mm, not on the child's */
static int child_wp_via_parent(struct env *e)
{
	int err = uffd_wp(e->uffd, e->m.addr, e->m.len, true);
	int w = child_writes(e);

	return err ? err : w;
}

static int child_register_via_parent(struct env *e)
{
	int err = uffd_register(e->uffd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	int w = child_writes(e);

	return err ? err : w;
}

/* The child's own userfaultfd: its copy of the vma is not registered */
static int child_wp_own_uffd(struct env *e)
{
	int fd = uffd_open(0, NULL), err;

	if (fd < 0)
		return fd;
	err = uffd_wp(fd, e->m.addr, e->m.len, true);
	close(fd);
	if (!err)
		err = child_writes(e);
	return err;
}

static int fork_writes(struct env *e)
{
	return in_child(e, child_writes);
}

static int fork_wp_via_parent(struct env *e)
{
	return in_child(e, child_wp_via_parent);
}

static int fork_register_via_parent(struct env *e)
{
	return in_child(e, child_register_via_parent);
}

static int fork_wp_own_uffd(struct env *e)
{
	return in_child(e, child_wp_own_uffd);
}

/* After the child is gone the parent's protection still works */
static int fork_then_parent_wp(struct env *e)
{
	int err = in_child(e, child_writes);

	return err ? err : uffd_wp(e->uffd, e->m.addr, e->m.len, false);
}

enum rule {
	LIKE_ANON,
	HUGETLB_OWN,
	BY_SHARING,
};

struct bad_case {
	const char *name;
	enum setup setup;
	int (*fn)(struct env *e);
	int anon_err;		/* what anonymous uffd-wp returns on 5.10 */
	struct {
		enum rule how;
		int kind_err;		/* HUGETLB_OWN: hugetlb; BY_SHARING: MAP_SHARED */
		int private_err;	/* BY_SHARING: MAP_PRIVATE */
	} rule;
};

/* The rule column */
#define ANON			{ LIKE_ANON, 0, 0 }
#define HUGETLB(err)		{ HUGETLB_OWN, err, 0 }
#define SHARING(shared, private) { BY_SHARING, shared, private }

#define NO_ANON 1		/* anon_err of a BY_SHARING case with no anon row */

static const struct bad_case cases[] = {
	/* UFFDIO_REGISTER: ranges */
	{ "register, zero length",		NONE, reg_len0,		-EINVAL, ANON },
	{ "register, unaligned start",		NONE, reg_unaligned_start, -EINVAL, ANON },
	{ "register, unaligned length",		NONE, reg_unaligned_len, -EINVAL, ANON },
	{ "register, start half a page in",	NONE, reg_half_page_start, -EINVAL, ANON },
	{ "register, length a page and a half",	NONE, reg_half_page_len, -EINVAL, ANON },
	{ "register, range wraps",		NONE, reg_overflow,	-EINVAL, ANON },
	{ "register, no vma",			NONE, reg_hole,		-EINVAL, ANON },
	{ "register, spans an anon vma too",	NONE, reg_two_vmas,	0, ANON },
	{ "register, spans a ramfs file vma too", NONE, reg_span_ramfs,	-EINVAL, ANON },
	{ "register, spans a VM_PFNMAP vma too", NONE, reg_span_pfnmap, -EINVAL, ANON },
	/* UFFDIO_REGISTER: modes, descriptors, permissions */
	{ "register, no mode",			NONE, reg_no_mode,	-EINVAL, ANON },
	{ "register, unknown mode bit",		NONE, reg_bad_mode,	-EINVAL, ANON },
	{ "register, WP|bit 2 (MINOR, not in 5.10)", NONE, reg_minor_mode, -EINVAL, ANON },
	{ "register, owned by another uffd",	ARM, reg_other_uffd,	-EBUSY, ANON },
	{ "register, before UFFDIO_API",	NONE, reg_before_api,	-EINVAL, ANON },
	{ "register on a closed uffd",		NONE, reg_closed_fd,	-EBADF, ANON },
	{ "register+protect a PROT_READ mapping", NONE, reg_prot_read,	0, ANON },
	{ "register MISSING, file reopened O_RDONLY", NONE, reg_readonly_file_missing, NO_ANON,
	  SHARING(-EPERM, 0) },
	{ "register WP, file reopened O_RDONLY", NONE, reg_readonly_file_wp, NO_ANON,
	  SHARING(-EPERM, 0) },
	/* UFFDIO_UNREGISTER */
	{ "unregister, zero length",		ARM, unreg_len0,	-EINVAL, ANON },
	{ "unregister, unaligned start",	ARM, unreg_unaligned,	-EINVAL, ANON },
	{ "unregister, start half a page in",	ARM, unreg_half_page_start, -EINVAL, ANON },
	{ "unregister, range wraps",		ARM, unreg_overflow,	-EINVAL, ANON },
	{ "unregister, no vma",			ARM, unreg_hole,	-EINVAL, ANON },
	{ "unregister, spans a ramfs file vma too", ARM, unreg_span_ramfs, -EINVAL, ANON },
	{ "unregister twice",			ARM, unreg_twice,	0, ANON },
	{ "unregister after munmap",		ARM, unreg_after_munmap, -EINVAL, ANON },
	/* UFFDIO_WRITEPROTECT */
	{ "writeprotect, not registered",	NONE, wp_first_page,	-ENOENT, ANON },
	{ "writeprotect, zero length",		ARM, wp_len0,		-EINVAL, ANON },
	{ "writeprotect, unaligned start",	ARM, wp_unaligned,	-EINVAL, ANON },
	{ "writeprotect, start half a page in",	ARM, wp_half_page_start, -EINVAL, ANON },
	{ "writeprotect, length half a page",	ARM, wp_half_page_len,	-EINVAL, ANON },
	{ "writeprotect, range wraps",		ARM, wp_overflow,	-EINVAL, ANON },
	{ "writeprotect, no vma",		ARM, wp_hole,		-ENOENT, ANON },
	{ "writeprotect, spans two registered vmas", NONE, wp_span_registered, -ENOENT, ANON },
	{ "writeprotect, unknown mode bit",	ARM, wp_bad_mode,	-EINVAL, ANON },
	{ "writeprotect, WP|DONTWAKE",		ARM, wp_wp_dontwake,	-EINVAL, ANON },
	{ "writeprotect, registered MISSING only", REG_MISSING, wp_all,	-ENOENT, ANON },
	{ "writeprotect after unregister",	ARM, wp_after_unregister, -ENOENT, ANON },
	{ "writeprotect after munmap",		ARM, wp_after_munmap,	-ENOENT, ANON },
	{ "writeprotect beyond the registered range", REG_FIRST, wp_beyond_range, -ENOENT, ANON },
	/* UFFDIO_COPY */
	{ "copy MODE_WP, not registered WP",	REG_MISSING, copy_wp_without_wp, -EINVAL, ANON },
	{ "copy MODE_WP, not registered",	NONE, copy_wp_without_wp, -ENOENT, ANON },
	{ "copy, zero length",			ARM, copy_len0,		-EINVAL, ANON },
	{ "copy, unaligned dst",		ARM, copy_unaligned,	-EINVAL, ANON },
	{ "copy, dst half a page in",		ARM, copy_half_page,	-EINVAL, ANON },
	{ "copy, dst range wraps",		ARM, copy_dst_overflow,	-EINVAL, ANON },
	{ "copy, src range wraps",		ARM, copy_src_overflow,	-EINVAL, ANON },
	{ "copy, unknown mode bit",		ARM, copy_bad_mode,	-EINVAL, ANON },
	{ "copy, no vma",			ARM, copy_hole,		-ENOENT, ANON },
	{ "copy, spans two registered vmas",	NONE, copy_span_registered, -ENOENT, ANON },
	{ "copy MODE_WP into a protected hole",	ARM, copy_wp_hole,	0, ANON },
	{ "copy MODE_WP|DONTWAKE into a protected hole", ARM, copy_wp_dontwake_hole, 0, ANON },
	{ "copy (no WP) into a protected hole",	ARM, copy_nowp_hole,	0, ANON },
	{ "copy MODE_WP onto a written page",	ARM_DATA, copy_wp_written, -EEXIST, ANON },
	{ "copy MODE_WP onto the zapped page",	ARM_DATA, copy_wp_zapped, 0,
	  SHARING(-EEXIST, 0) },
	{ "copy MODE_WP after unregister",	ARM, copy_after_unregister, -ENOENT, ANON },
	{ "copy MODE_WP after munmap",		ARM, copy_after_munmap,	-ENOENT, ANON },
	/* UFFDIO_ZEROPAGE */
	{ "zeropage, zero length",		ARM, zp_len0,		-EINVAL, ANON },
	{ "zeropage, unaligned start",		ARM, zp_unaligned,	-EINVAL, ANON },
	{ "zeropage, start half a page in",	ARM, zp_half_page,	-EINVAL, ANON },
	{ "zeropage, range wraps",		ARM, zp_overflow,	-EINVAL, ANON },
	{ "zeropage, mode bit 1 (COPY's MODE_WP)", ARM, zp_mode_wp,	-EINVAL, ANON },
	{ "zeropage, not registered",		NONE, zp_first_page,	-ENOENT, ANON },
	{ "zeropage, no vma",			ARM, zp_hole,		-ENOENT, ANON },
	{ "zeropage into a protected hole",	ARM, zp_first_page,	0, HUGETLB(-EINVAL) },
	{ "zeropage onto a written page",	ARM_DATA, zp_first_page, -EEXIST,
	  HUGETLB(-EINVAL) },
	/* UFFDIO_WAKE */
	{ "wake, zero length",			ARM, wake_len0,		-EINVAL, ANON },
	{ "wake, unaligned start",		ARM, wake_unaligned,	-EINVAL, ANON },
	{ "wake, no vma",			ARM, wake_hole,		0, ANON },
	/* fork without EVENT_FORK, then in the child */
	{ "fork: child writes its copy",	ARM_DATA, fork_writes,	0, ANON },
	{ "fork: child protects via parent's uffd", ARM_DATA, fork_wp_via_parent, 0, ANON },
	{ "fork: child registers via parent's uffd", ARM_DATA, fork_register_via_parent, 0, ANON },
	{ "fork: child protects via its own uffd", ARM_DATA, fork_wp_own_uffd, -ENOENT, ANON },
	{ "fork: parent un-protects after the child", ARM_DATA, fork_then_parent_wp, 0, ANON },
	/* a closed descriptor */
	{ "writeprotect on a closed uffd",	ARM, closed_fd,		-EBADF, ANON },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* ---- unsupported mappings: run once, errno written down ---- */

enum odd_map {
	RAMFS_SHARED,		/* a file on ramfs, MAP_SHARED */
	RAMFS_PRIVATE,		/* a file on ramfs, MAP_PRIVATE */
	RAMFS_RDONLY,		/* a file on ramfs opened O_RDONLY, MAP_SHARED */
	PFNMAP,			/* an io_uring ring: VM_PFNMAP|VM_IO */
	AIO_RING,		/* the aio ring: a file on the aio pseudo fs */
	VVAR,			/* [vvar]: VM_PFNMAP, no VM_MAYWRITE */
};

enum odd_op { REG_WP, REG_MISSING_OP, WP, UNREG, COPY_WP, ZEROPAGE };

struct odd_case {
	const char *name;
	enum odd_map map;
	enum odd_op op;
	int err;		/* 5.10 with and without the series */
};

static const struct odd_case unsupported[] = {
	{ "ramfs file, MAP_SHARED: register WP",	RAMFS_SHARED, REG_WP,	-EINVAL },
	{ "ramfs file, MAP_SHARED: register MISSING",	RAMFS_SHARED, REG_MISSING_OP, -EINVAL },
	{ "ramfs file, MAP_SHARED: writeprotect",	RAMFS_SHARED, WP,	-ENOENT },
	{ "ramfs file, MAP_SHARED: unregister",		RAMFS_SHARED, UNREG,	-EINVAL },
	{ "ramfs file, MAP_SHARED: copy MODE_WP",	RAMFS_SHARED, COPY_WP,	-ENOENT },
	{ "ramfs file, MAP_SHARED: zeropage",		RAMFS_SHARED, ZEROPAGE,	-ENOENT },
	{ "ramfs file, MAP_PRIVATE: register WP",	RAMFS_PRIVATE, REG_WP,	-EINVAL },
	{ "ramfs file O_RDONLY, MAP_SHARED: register WP", RAMFS_RDONLY, REG_WP, -EINVAL },
	{ "VM_PFNMAP (io_uring ring): register WP",	PFNMAP, REG_WP,		-EINVAL },
	{ "VM_PFNMAP (io_uring ring): register MISSING", PFNMAP, REG_MISSING_OP, -EINVAL },
	{ "VM_PFNMAP (io_uring ring): writeprotect",	PFNMAP, WP,		-ENOENT },
	{ "aio ring (aio fs file): register WP",	AIO_RING, REG_WP,	-EINVAL },
	{ "[vvar] (VM_PFNMAP, read-only): register WP",	VVAR, REG_WP,		-EINVAL },
};

#define NODD	(sizeof(unsupported) / sizeof(unsupported[0]))

/* The vma around @addr from /proc/self/maps (@tag: its name, or NULL) */
static int maps_find(const char *tag, void *addr, char **start, size_t *len)
{
	unsigned long s, e;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if ((tag && strstr(line, tag)) ||
		    (!tag && (unsigned long)addr >= s && (unsigned long)addr < e)) {
			*start = (char *)s;
			*len = e - s;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

struct odd_env {
	char *addr;
	size_t len;
	aio_context_t aio;
	bool unmap;
};

static int odd_map(struct odd_env *o, enum odd_map map, const char **skip)
{
	int fd, ofd, err = 0;

	memset(o, 0, sizeof(*o));
	o->len = getpagesize();
	switch (map) {
	case RAMFS_SHARED:
	case RAMFS_PRIVATE:
	case RAMFS_RDONLY:
		if (!ramfs) {
			*skip = "no ramfs mounted";
			return 0;
		}
		fd = mem_file_in(ramfs, o->len);
		if (fd < 0)
			return fd;
		ofd = fd;
		if (map == RAMFS_RDONLY) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ofd = open(path, O_RDONLY);
			if (ofd < 0) {
				err = -errno;
				close(fd);
				return err;
			}
		}
		o->addr = mmap(NULL, o->len, map == RAMFS_RDONLY ? PROT_READ
					      : PROT_READ | PROT_WRITE,
			       map == RAMFS_PRIVATE ? MAP_PRIVATE : MAP_SHARED, ofd, 0);
		if (o->addr == MAP_FAILED)
			err = -errno;
		if (ofd != fd)
			close(ofd);
		close(fd);
		o->unmap = !err;
		return err;
	case PFNMAP:
		o->addr = pfnmap_page(NULL);
		if (!o->addr)
			*skip = "no io_uring ring to map";
		o->unmap = o->addr;
		return 0;
	case AIO_RING:
		if (syscall(__NR_io_setup, 1, &o->aio)) {
			*skip = "io_setup failed";
			return 0;
		}
		return maps_find(NULL, (void *)o->aio, &o->addr, &o->len);
	case VVAR:
		if (maps_find("[vvar]", NULL, &o->addr, &o->len))
			*skip = "no [vvar] in /proc/self/maps";
		return 0;
	}
	return -EINVAL;
}

static void odd_unmap(struct odd_env *o)
{
	if (o->unmap)
		munmap(o->addr, o->len);
	if (o->aio)
		syscall(__NR_io_destroy, o->aio);
}

static int odd_run(const struct odd_case *c, const char **skip)
{
	struct odd_env o;
	struct env e;
	int uffd, err;

	err = odd_map(&o, c->map, skip);
	if (err || *skip)
		return err;
	uffd = uffd_open(0, NULL);
	if (uffd < 0) {
		odd_unmap(&o);
		return uffd;
	}
	switch (c->op) {
	case REG_WP:
		err = uffd_register(uffd, o.addr, o.len, UFFDIO_REGISTER_MODE_WP, NULL);
		break;
	case REG_MISSING_OP:
		err = uffd_register(uffd, o.addr, o.len, UFFDIO_REGISTER_MODE_MISSING, NULL);
		break;
	case WP:
		err = uffd_wp(uffd, o.addr, o.len, true);
		break;
	case UNREG:
		err = uffd_unregister(uffd, o.addr, o.len);
		break;
	case COPY_WP:
		memset(&e, 0, sizeof(e));
		e.uffd = uffd;
		e.m.page = o.len;
		e.m.len = o.len;
		err = copy_to(&e, o.addr, o.len, UFFDIO_COPY_MODE_WP);
		break;
	case ZEROPAGE:
		err = zeropage(uffd, (unsigned long)o.addr, o.len, 0);
		break;
	}
	close(uffd);
	odd_unmap(&o);
	return err;
}

/* ---- running the tables ---- */

/* The result of a case: its errno, or why it could not be run. */
struct outcome {
	int err;
	const char *setup_failed;	/* the step that failed, or NULL */
	const char *skip;		/* cannot be set up here, and why */
};

static bool same(struct outcome a, struct outcome b)
{
	return !a.setup_failed && !b.setup_failed && a.err == b.err;
}

static const char *describe(struct outcome o, char *buf, size_t len)
{
	if (o.setup_failed)
		snprintf(buf, len, "%s failed: %s", o.setup_failed, strerror(-o.err));
	else if (!o.err)
		snprintf(buf, len, "success");
	else
		snprintf(buf, len, "%s", strerror(-o.err));
	return buf;
}

/* Runs @c on a fresh mapping of @kind and a fresh userfaultfd. */
static struct outcome run_case(const struct bad_case *c, enum mem_kind kind)
{
	struct outcome o = { 0 };
	struct env e = { .skip = NULL };

	o.err = mem_map(&e.m, kind, NPAGES);
	if (o.err) {
		o.setup_failed = "mapping";
		return o;
	}
	e.uffd = uffd_open(0, NULL);
	if (e.uffd < 0) {
		o.err = e.uffd;
		o.setup_failed = "userfaultfd";
	} else {
		o.err = do_setup(&e, c->setup);
		if (o.err)
			o.setup_failed = "registration";
		else
			o.err = c->fn(&e);
		o.skip = e.skip;
	}
	if (e.uffd >= 0)
		close(e.uffd);
	mem_unmap(&e.m);
	return o;
}

/* What @kind must get in case @c, given what anon got */
static struct outcome expected(const struct bad_case *c, enum mem_kind kind,
			       struct outcome anon, const char **why)
{
	struct outcome want = anon;

	*why = "anon";
	switch (c->rule.how) {
	case LIKE_ANON:
		break;
	case HUGETLB_OWN:
		if (mem_kind_hugetlb(kind)) {
			want = (struct outcome){ .err = c->rule.kind_err };
			*why = "hugetlb";
		}
		break;
	case BY_SHARING: {
		bool shared = kind == MEM_SYSV || kind == MEM_SHM_ANON ||
			      kind == MEM_MEMFD || kind == MEM_TMPFS ||
			      kind == MEM_HUGETLB_MEMFD || kind == MEM_HUGETLBFS;

		want = (struct outcome){ .err = shared ? c->rule.kind_err : c->rule.private_err };
		*why = shared ? "MAP_SHARED" : "MAP_PRIVATE";
		break;
	}
	}
	return want;
}

static void mount_ramfs(void)
{
	mkdir(RAMFS_DIR, 0700);
	if (!mount("ramfs", RAMFS_DIR, "ramfs", 0, "mode=0700"))
		ramfs = RAMFS_DIR;
	else
		tap_diag("cannot mount ramfs on %s: %s: its cases skip", RAMFS_DIR,
			 strerror(errno));
}

static void umount_ramfs(void)
{
	if (ramfs)
		umount2(ramfs, MNT_DETACH);
	rmdir(RAMFS_DIR);
}

int main(int argc, char **argv)
{
	int kinds[MEM_NR_KINDS], nkinds = 0, i, k;
	size_t n;

	for (i = 1; i < argc; i++) {
		if (nkinds == MEM_NR_KINDS || (kinds[nkinds] = mem_kind_parse(argv[i])) < 0)
			tap_bail("usage: %s KIND...", argv[0]);
		nkinds++;
	}
	mount_ramfs();
	tap_plan((int)NCASES * (nkinds + 1) + (int)NODD);
	for (n = 0; n < NCASES; n++) {
		const struct bad_case *c = &cases[n];
		struct outcome table = { .err = c->anon_err };
		struct outcome anon = { 0 };
		char a[96], b[96];

		if (c->rule.how == BY_SHARING && c->anon_err == NO_ANON) {
			tap_skip("anon: %s: anonymous memory has no such mapping", c->name);
		} else {
			anon = run_case(c, MEM_ANON);
			if (anon.skip)
				tap_skip("anon: %s: %s", c->name, anon.skip);
			else
				tap_result(same(anon, table), "anon: %s: %s (table: %s)", c->name,
					   describe(anon, a, sizeof(a)),
					   describe(table, b, sizeof(b)));
		}
		for (k = 0; k < nkinds; k++) {
			struct outcome got = run_case(c, kinds[k]);
			const char *why;
			struct outcome want = expected(c, kinds[k], anon, &why);

			if (got.skip)
				tap_skip("%s: %s: %s", mem_kind_name(kinds[k]), c->name, got.skip);
			else
				tap_result(same(got, want), "%s: %s: %s (%s: %s)",
					   mem_kind_name(kinds[k]), c->name,
					   describe(got, a, sizeof(a)), why,
					   describe(want, b, sizeof(b)));
		}
	}
	for (n = 0; n < NODD; n++) {
		const char *skip = NULL;
		struct outcome got = { .err = odd_run(&unsupported[n], &skip) };
		struct outcome want = { .err = unsupported[n].err };
		char a[96], b[96];

		if (skip)
			tap_skip("unsupported: %s: %s", unsupported[n].name, skip);
		else
			tap_result(same(got, want), "unsupported: %s: %s (expected: %s)",
				   unsupported[n].name, describe(got, a, sizeof(a)),
				   describe(want, b, sizeof(b)));
	}
	umount_ramfs();
	tap_exit();
}
