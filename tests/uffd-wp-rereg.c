// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-rereg KIND: re-registering a write-protected range without
 * UFFDIO_REGISTER_MODE_WP must drop the protection with VM_UFFD_WP, as
 * UFFDIO_UNREGISTER does: no pte and no marker may stay uffd-wp in a vma
 * that is no longer uffd-wp (a write would then make a writable uffd-wp
 * pte, and the markers would trap again on a later WP registration).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/tap.h"

#define NPAGES 4

int main(int argc, char **argv)
{
	struct pollfd pfd;
	struct mem m;
	int kind, err, uffd, i, wp = 0;

	if (argc != 2 || (kind = mem_kind_parse(argv[1])) < 0)
		tap_bail("usage: %s KIND", argv[0]);
	tap_plan(4);

	err = mem_map(&m, kind, NPAGES);
	if (err)
		tap_bail("map %s: %s", argv[1], strerror(-err));
	/* Populate half: present ptes and, once protected, markers */
	memset(m.addr, 'a', m.len / 2);

	uffd = uffd_open(0, NULL);
	if (uffd < 0)
		tap_bail("userfaultfd: %s", strerror(-uffd));
	err = uffd_register(uffd, m.addr, m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	if (!err)
		err = uffd_wp(uffd, m.addr, m.len, true);
	/* Positive control: all of it protected, populated or not */
	for (i = 0; !err && i < NPAGES; i++)
		wp += !!(pagemap_entry(m.addr + i * m.page) & PM_UFFD_WP);
	tap_result(!err && wp == NPAGES, "register MODE_WP and protect %s%s%s (%d of %d uffd-wp)",
		   m.name, err ? ": " : "", err ? strerrorname_np(-err) : "", wp, NPAGES);
	if (err || wp != NPAGES) {
		tap_skip_rest("no protection to drop");
		tap_exit();
	}

	err = uffd_register(uffd, m.addr, m.len, UFFDIO_REGISTER_MODE_MISSING, NULL);
	tap_result(!err, "re-register MODE_MISSING only%s%s",
		   err ? ": " : "", err ? strerrorname_np(-err) : "");

	for (wp = 0, i = 0; i < NPAGES; i++)
		wp += !!(pagemap_entry(m.addr + i * m.page) & PM_UFFD_WP);
	tap_result(wp == 0, "no page left uffd-wp in pagemap (%d of %d)", wp, NPAGES);

	/* Writes to the populated pages land; no WP message comes */
	for (i = 0; i < NPAGES / 2; i++)
		m.addr[i * m.page] = 'b';
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	err = poll(&pfd, 1, 100);
	tap_result(err == 0 && m.addr[0] == 'b',
		   "writes land with no userfaultfd message (poll %d)", err);
	tap_exit();
}
