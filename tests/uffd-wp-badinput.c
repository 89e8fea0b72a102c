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

/* What a case needs before its own step. */
enum setup {
	NONE,
	ARM,		/* all of the mapping registered for WP and protected */
	REG_MISSING,	/* all of the mapping registered for MISSING only */
	REG_FIRST,	/* the first page registered for WP */
};

static int do_setup(struct env *e, enum setup setup)
{
	int err = 0;

	switch (setup) {
	case NONE:
		break;
	case ARM:
		err = uffd_register(e->uffd, e->m.addr, e->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
		if (!err)
			err = uffd_wp(e->uffd, e->m.addr, e->m.len, true);
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
	struct uffdio_copy copy = {
		.dst = (unsigned long)e->m.addr,
		.len = e->m.page,
		.mode = UFFDIO_COPY_MODE_WP,
	};
	char *src = mmap(NULL, e->m.page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	if (src == MAP_FAILED)
		return -errno;
	copy.src = (unsigned long)src;
	err = ioctl(e->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
	munmap(src, e->m.page);
	return err;
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

struct bad_case {
	const char *name;
	enum setup setup;
	int (*fn)(struct env *e);
	int anon_err;		/* what anonymous uffd-wp returns on 5.10 */
};

static const struct bad_case cases[] = {
	{ "register, zero length",		NONE, reg_len0,		-EINVAL },
	{ "register, unaligned start",		NONE, reg_unaligned_start, -EINVAL },
	{ "register, unaligned length",		NONE, reg_unaligned_len, -EINVAL },
	{ "register, range wraps",		NONE, reg_overflow,	-EINVAL },
	{ "register, no mode",			NONE, reg_no_mode,	-EINVAL },
	{ "register, unknown mode bit",		NONE, reg_bad_mode,	-EINVAL },
	{ "register, no vma",			NONE, reg_hole,		-EINVAL },
	{ "register, spans an anon vma too",	NONE, reg_two_vmas,	0 },
	{ "writeprotect, not registered",	NONE, wp_first_page,	-ENOENT },
	{ "writeprotect, zero length",		ARM, wp_len0,		-EINVAL },
	{ "writeprotect, unaligned start",	ARM, wp_unaligned,	-EINVAL },
	{ "writeprotect, unknown mode bit",	ARM, wp_bad_mode,	-EINVAL },
	{ "writeprotect, WP|DONTWAKE",		ARM, wp_wp_dontwake,	-EINVAL },
	{ "writeprotect, registered MISSING only", REG_MISSING, wp_all,	-ENOENT },
	{ "writeprotect after unregister",	ARM, wp_after_unregister, -ENOENT },
	{ "writeprotect after munmap",		ARM, wp_after_munmap,	-ENOENT },
	{ "writeprotect beyond the registered range", REG_FIRST, wp_beyond_range, -ENOENT },
	{ "copy MODE_WP, not registered WP",	REG_MISSING, copy_wp_without_wp, -EINVAL },
	{ "writeprotect on a closed uffd",	ARM, closed_fd,		-EBADF },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* The result of a case: its errno, or why it could not be run. */
struct outcome {
	int err;
	const char *setup_failed;	/* the step that failed, or NULL */
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
	struct env e;

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
	}
	if (e.uffd >= 0)
		close(e.uffd);
	mem_unmap(&e.m);
	return o;
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
		struct outcome table = { .err = cases[n].anon_err };
		struct outcome anon = run_case(&cases[n], MEM_ANON);
		char a[96], b[96];

		tap_result(same(anon, table), "anon: %s: %s (table: %s)", cases[n].name,
			   describe(anon, a, sizeof(a)), describe(table, b, sizeof(b)));
		for (k = 0; k < nkinds; k++) {
			struct outcome got = run_case(&cases[n], kinds[k]);

			tap_result(same(got, anon), "%s: %s: %s (anon: %s)",
				   mem_kind_name(kinds[k]), cases[n].name,
				   describe(got, a, sizeof(a)), describe(anon, b, sizeof(b)));
		}
	}
	tap_exit();
}
