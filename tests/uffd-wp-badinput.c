// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-badinput KIND...: bad input to the userfaultfd write-protect ioctls
 * on each memory KIND gets the errno that anonymous memory gets in the same
 * situation, and never a crash, a hang or a lost write.
 *
 * The table below says what anonymous uffd-wp returns on 5.10; every case
 * runs on anonymous memory first (which must match the table) and then on
 * each KIND (which must match anonymous memory). Each case gets a fresh
 * mapping of NPAGES pages and a fresh userfaultfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/tap.h"

#define NPAGES	4

struct env {
	struct mem m;
	int uffd;
};

/* Register all of the mapping for WP and protect it; 0 or -errno. */
static int arm(struct env *e)
{
	int err = uffd_register(e->uffd, e->m.addr, e->m.len,
				UFFDIO_REGISTER_MODE_WP, NULL);

	return err ? err : uffd_wp(e->uffd, e->m.addr, e->m.len, true);
}

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

/* A range with no vma at all: the mapping's last page, unmapped. */
static int reg_hole(struct env *e)
{
	char *last = e->m.addr + e->m.len - e->m.page;

	if (munmap(last, e->m.page))
		return -1000 - errno;
	return uffd_register(e->uffd, last, e->m.page, UFFDIO_REGISTER_MODE_WP, NULL);
}

/* The range spans the mapping and an anonymous one placed right after it. */
static int reg_two_vmas(struct env *e)
{
	char *next = e->m.addr + e->m.len;
	void *p = mmap(next, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	int err;

	if (p != next)
		return -1000 - EEXIST;
	err = uffd_register(e->uffd, e->m.addr, e->m.len + getpagesize(),
			    UFFDIO_REGISTER_MODE_WP, NULL);
	munmap(next, getpagesize());
	return err;
}

static int wp_unregistered(struct env *e)
{
	return uffd_wp(e->uffd, e->m.addr, e->m.page, true);
}

static int wp_len0(struct env *e)
{
	int err = arm(e);

	return err ? -1000 + err : uffd_wp(e->uffd, e->m.addr, 0, true);
}

static int wp_unaligned(struct env *e)
{
	int err = arm(e);

	return err ? -1000 + err : uffd_wp(e->uffd, e->m.addr + 1, e->m.page, false);
}

static int wp_bad_mode(struct env *e)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)e->m.addr, .len = e->m.len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP | (1ULL << 40),
	};
	int err = arm(e);

	if (err)
		return -1000 + err;
	return ioctl(e->uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

static int wp_wp_dontwake(struct env *e)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)e->m.addr, .len = e->m.len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
	};
	int err = arm(e);

	if (err)
		return -1000 + err;
	return ioctl(e->uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

static int wp_missing_only(struct env *e)
{
	int err = uffd_register(e->uffd, e->m.addr, e->m.len,
				UFFDIO_REGISTER_MODE_MISSING, NULL);

	return err ? -1000 + err : uffd_wp(e->uffd, e->m.addr, e->m.len, true);
}

static int wp_after_unregister(struct env *e)
{
	int err = arm(e);

	if (!err)
		err = uffd_unregister(e->uffd, e->m.addr, e->m.len);
	return err ? -1000 + err : uffd_wp(e->uffd, e->m.addr, e->m.len, true);
}

static int wp_after_munmap(struct env *e)
{
	int err = arm(e);

	if (err)
		return -1000 + err;
	if (munmap(e->m.addr, e->m.len))
		return -1000 - errno;
	err = uffd_wp(e->uffd, e->m.addr, e->m.len, true);
	e->m.addr = NULL;	/* gone: mem_unmap() must not unmap again */
	return err;
}

/* Past the end of the registered range, still inside the mapping. */
static int wp_beyond_range(struct env *e)
{
	int err = uffd_register(e->uffd, e->m.addr, e->m.page,
				UFFDIO_REGISTER_MODE_WP, NULL);

	return err ? -1000 + err : uffd_wp(e->uffd, e->m.addr, 2 * e->m.page, true);
}

static int copy_wp_without_wp(struct env *e)
{
	struct uffdio_copy copy = {
		.dst = (unsigned long)e->m.addr,
		.len = e->m.page,
		.mode = UFFDIO_COPY_MODE_WP,
	};
	char *src = mmap(NULL, e->m.page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = uffd_register(e->uffd, e->m.addr, e->m.len,
				UFFDIO_REGISTER_MODE_MISSING, NULL);

	if (src == MAP_FAILED)
		return -1000 - ENOMEM;
	if (!err)
		err = ioctl(e->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
	else
		err = -1000 + err;
	munmap(src, e->m.page);
	return err;
}

static int closed_fd(struct env *e)
{
	int err = arm(e);

	if (err)
		return -1000 + err;
	close(e->uffd);
	err = uffd_wp(e->uffd, e->m.addr, e->m.len, false);
	e->uffd = -1;
	/* The write must land: closing un-protected the range. */
	e->m.addr[0] = 1;
	return err;
}

struct bad_case {
	const char *name;
	int (*fn)(struct env *e);
	int anon_err;		/* what anonymous uffd-wp returns on 5.10 */
};

static const struct bad_case cases[] = {
	{ "register, zero length",		reg_len0,		-EINVAL },
	{ "register, unaligned start",		reg_unaligned_start,	-EINVAL },
	{ "register, unaligned length",		reg_unaligned_len,	-EINVAL },
	{ "register, range wraps",		reg_overflow,		-EINVAL },
	{ "register, no mode",			reg_no_mode,		-EINVAL },
	{ "register, unknown mode bit",		reg_bad_mode,		-EINVAL },
	{ "register, no vma",			reg_hole,		-EINVAL },
	{ "register, spans an anon vma too",	reg_two_vmas,		0 },
	{ "writeprotect, not registered",	wp_unregistered,	-ENOENT },
	{ "writeprotect, zero length",		wp_len0,		-EINVAL },
	{ "writeprotect, unaligned start",	wp_unaligned,		-EINVAL },
	{ "writeprotect, unknown mode bit",	wp_bad_mode,		-EINVAL },
	{ "writeprotect, WP|DONTWAKE",		wp_wp_dontwake,		-EINVAL },
	{ "writeprotect, registered MISSING only", wp_missing_only,	-ENOENT },
	{ "writeprotect after unregister",	wp_after_unregister,	-ENOENT },
	{ "writeprotect after munmap",		wp_after_munmap,	-ENOENT },
	{ "writeprotect beyond the registered range", wp_beyond_range,	-ENOENT },
	{ "copy MODE_WP, not registered WP",	copy_wp_without_wp,	-EINVAL },
	{ "writeprotect on a closed uffd",	closed_fd,		-EBADF },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* @err in words, into @buf (two of them can be in one message). */
static const char *err_name(int err, char *buf, size_t len)
{
	if (err <= -1000)
		snprintf(buf, len, "setup failed: %s", strerror(-1000 - err));
	else if (!err)
		snprintf(buf, len, "success");
	else
		snprintf(buf, len, "%s", strerror(-err));
	return buf;
}

/* Runs @c on a fresh mapping of @kind; the errno, or <= -1000 on setup failure. */
static int run_case(const struct bad_case *c, enum mem_kind kind)
{
	struct env e;
	int err = mem_map(&e.m, kind, NPAGES);

	if (err)
		return -1000 + err;
	e.uffd = uffd_open(0, NULL);
	if (e.uffd < 0) {
		mem_unmap(&e.m);
		return -1000 + e.uffd;
	}
	err = c->fn(&e);
	if (e.uffd >= 0)
		close(e.uffd);
	if (e.m.addr)
		mem_unmap(&e.m);
	return err;
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
	tap_plan((int)NCASES * (nkinds + 1));
	for (n = 0; n < NCASES; n++) {
		int anon = run_case(&cases[n], MEM_ANON);
		char a[64], b[64];

		tap_result(anon == cases[n].anon_err, "anon: %s: %s (table: %s)", cases[n].name,
			   err_name(anon, a, sizeof(a)), err_name(cases[n].anon_err, b, sizeof(b)));
		for (k = 0; k < nkinds; k++) {
			int got = run_case(&cases[n], kinds[k]);

			tap_result(got == anon, "%s: %s: %s (anon: %s)", mem_kind_name(kinds[k]),
				   cases[n].name, err_name(got, a, sizeof(a)),
				   err_name(anon, b, sizeof(b)));
		}
	}
	tap_exit();
}
