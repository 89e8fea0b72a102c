// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-unprotect-pin KIND: un-protecting touches only the ptes uffd-wp
 * protected. A pte the application never protected keeps its write bit
 * through UFFDIO_WRITEPROTECT(un-protect) of a range around it, through
 * UFFDIO_UNREGISTER and through close() of the userfaultfd. Were the write
 * bit lost, the next write to a private page would copy it whenever
 * someone else holds a reference (a pin for DMA, here a vmsplice() into a
 * pipe): the holder would keep the old data and never see the write.
 *
 * KIND: anon or memfd-private, where a write fault on a page with an extra
 * reference copies it. 5.10 itself fails the un-protect case: it rebuilt
 * every pte of the range from the vma's read-only protection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "lib/mem.h"
#include "lib/tap.h"

enum how { UNPROTECT, UNREGISTER, CLOSE, NR_HOW };

static const char *const how_name[NR_HOW] = {
	[UNPROTECT] = "UFFDIO_WRITEPROTECT(un-protect) of both pages",
	[UNREGISTER] = "UFFDIO_UNREGISTER",
	[CLOSE] = "close() of the userfaultfd",
};

/*
 * Vmsplices page @i into a pipe (the pipe holds a reference to the page),
 * writes @val into the page, and returns what the pipe reads: @val if the
 * write landed in the page the pipe holds, the old byte if it was copied.
 */
static char pinned_write(struct mem *m, int i, char val)
{
	struct iovec iov = { .iov_base = m->addr + i * m->page, .iov_len = 1 };
	int pipefd[2];
	char got = 0;

	if (pipe(pipefd))
		tap_bail("pipe: %s", strerror(errno));
	if (vmsplice(pipefd[1], &iov, 1, 0) != 1)
		tap_bail("vmsplice: %s", strerror(errno));
	m->addr[i * m->page] = val;
	if (read(pipefd[0], &got, 1) != 1)
		tap_bail("read of the pipe: %s", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
	return got;
}

static void one_case(enum mem_kind kind, enum how how)
{
	struct mem m;
	int uffd, err;
	char got0, got1;

	err = mem_map(&m, kind, 2);
	if (err)
		tap_bail("map: %s", strerror(-err));
	/*
	 * Two private pages of their own, mapped writable by small ptes: a
	 * huge pmd's write fault reuses the page by mapcount on 5.10, so a
	 * pipe's reference never makes it copy, and the test would see nothing.
	 */
	madvise(m.addr, m.len, MADV_NOHUGEPAGE);
	memset(m.addr, 'o', m.len);

	uffd = uffd_open(0, NULL);
	if (uffd < 0)
		tap_bail("userfaultfd: %s", strerror(-uffd));
	err = uffd_register(uffd, m.addr, m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	/* Only page 1 is protected; page 0 never is */
	if (!err)
		err = uffd_wp(uffd, m.addr + m.page, m.page, true);
	if (err)
		tap_bail("register and protect page 1 of %s: %s", m.name, strerrorname_np(-err));

	switch (how) {
	case UNPROTECT:
		err = uffd_wp(uffd, m.addr, m.len, false);
		break;
	case UNREGISTER:
		err = uffd_unregister(uffd, m.addr, m.len);
		break;
	case CLOSE:
		err = close(uffd) ? -errno : 0;
		uffd = -1;
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		tap_bail("%s: %s", how_name[how], strerrorname_np(-err));

	got0 = pinned_write(&m, 0, 'n');
	got1 = pinned_write(&m, 1, 'n');
	tap_result(got0 == 'n', "%s, %s: a write to the never-protected page lands in the page a pipe holds (the pipe reads '%c')",
		   m.name, how_name[how], got0);
	/*
	 * Control: the un-protected page 1 is read-only, and its write copies
	 * the page the pipe holds. It shows the test can see a copy.
	 */
	tap_result(got1 == 'o', "%s, %s: control: the write to the un-protected page copied it (the pipe reads '%c')",
		   m.name, how_name[how], got1);
	if (uffd >= 0)
		close(uffd);
	mem_unmap(&m);
}

int main(int argc, char **argv)
{
	int kind;

	if (argc != 2 || (kind = mem_kind_parse(argv[1])) < 0 ||
	    (kind != MEM_ANON && kind != MEM_MEMFD_PRIVATE))
		tap_bail("usage: %s anon|memfd-private", argv[0]);
	tap_plan(2 * NR_HOW);
	for (int how = 0; how < NR_HOW; how++)
		one_case(kind, how);
	tap_exit();
}
