// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-probe KIND: can userfaultfd write-protect memory of this kind?
 *
 * Registers UFFDIO_REGISTER_MODE_WP, checks that UFFDIO_WRITEPROTECT is
 * among the returned ioctls, write-protects a populated page and checks that
 * a write to it is delivered as exactly one WP message before it lands.
 * On a kernel without uffd-wp for KIND, registration fails (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/tap.h"

struct handler {
	int uffd;
	int wp_msgs, other_msgs;
	int unprotect_err;
	char seen;		/* the byte in the page when the message came */
	char *page;
	size_t page_size;
};

static void *handle(void *arg)
{
	struct handler *h = arg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 10000) != 1 || read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return NULL;	/* no message: the main thread reports it */
	if (msg.event == UFFD_EVENT_PAGEFAULT &&
	    (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		h->wp_msgs++;
		h->seen = *(volatile char *)h->page;
	} else {
		h->other_msgs++;
	}
	/* Resolve whatever came, so the writer can go on. */
	h->unprotect_err = uffd_wp(h->uffd, h->page, h->page_size, false);
	return NULL;
}

int main(int argc, char **argv)
{
	struct handler h = { 0 };
	uint64_t features = 0, ioctls = 0;
	pthread_t thread;
	struct mem m;
	int kind, err, uffd;

	if (argc != 2 || (kind = mem_kind_parse(argv[1])) < 0)
		tap_bail("usage: %s KIND", argv[0]);
	tap_plan(4);

	err = mem_map(&m, kind, 1);
	if (err)
		tap_bail("map %s: %s", argv[1], strerror(-err));
	memset(m.addr, 'a', m.page);

	uffd = uffd_open(0, &features);
	if (uffd < 0)
		tap_bail("userfaultfd: %s", strerror(-uffd));
	tap_diag("UFFDIO_API features 0x%llx", (unsigned long long)features);

	err = uffd_register(uffd, m.addr, m.len, UFFDIO_REGISTER_MODE_WP, &ioctls);
	tap_result(!err, "register MODE_WP on %s%s%s", m.name,
		   err ? ": " : "", err ? strerrorname_np(-err) : "");
	if (err) {
		tap_skip_rest("no registration");
		tap_exit();
	}
	tap_result(ioctls & (1ULL << _UFFDIO_WRITEPROTECT),
		   "UFFDIO_WRITEPROTECT among the ioctls (0x%llx)", (unsigned long long)ioctls);

	err = uffd_wp(uffd, m.addr, m.len, true);
	tap_result(!err, "UFFDIO_WRITEPROTECT %s%s", err ? ": " : "",
		   err ? strerrorname_np(-err) : "");

	h.uffd = uffd;
	h.page = m.addr;
	h.page_size = m.page;
	pthread_create(&thread, NULL, handle, &h);
	*(volatile char *)m.addr = 'b';
	pthread_join(thread, NULL);
	tap_result(!err && h.wp_msgs == 1 && h.other_msgs == 0 && h.seen == 'a' &&
		   !h.unprotect_err && m.addr[0] == 'b',
		   "write to a protected page: %d WP message(s), %d other, unprotect %s, data %s",
		   h.wp_msgs, h.other_msgs, h.unprotect_err ? strerrorname_np(-h.unprotect_err) : "ok",
		   m.addr[0] == 'b' ? "ok" : "LOST");
	tap_exit();
}
