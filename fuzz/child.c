// SPDX-License-Identifier: GPL-2.0
/*
 * The child of a fork operation: it checks its own view of the region
 * (pagemap uffd-wp bits, data) and writes the pages it was told to, then
 * exits 0, or reports what was wrong on the pipe and exits non-zero. It
 * also writes the page it is about to access ("r5 ", "w7 ") there.
 *
 * It was forked from a multithreaded process: no stdio, no malloc, no locks
 * another thread may have held; system calls and snprintf() only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fuzz.h"

#define REPORT_FD	3

#ifndef __NR_close_range
#define __NR_close_range	436
#endif

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char buf[480];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (write(REPORT_FD, buf, n) < 0)
		_exit(9);
}

static void child_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	report("child: signal %d at address %p", sig, si->si_addr);
	_exit(3);
}

void child_main(struct region *r, const struct child_plan *plan, int fd)
{
	struct sigaction sa = { 0 };
	int i, pm;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sa.sa_sigaction = child_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	/*
	 * Drop every inherited fd but the pipe: a userfaultfd of another
	 * region kept open here would delay its release when closed there.
	 */
	if (fd != REPORT_FD) {
		if (dup2(fd, REPORT_FD) < 0)
			_exit(8);
	}
	if (syscall(__NR_close_range, REPORT_FD + 1, ~0U, 0)) {
		for (i = REPORT_FD + 1; i < 4096; i++)
			close(i);
	}
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		report("child: open /proc/self/pagemap: %s", strerror(errno));
		_exit(4);
	}
	for (i = 0; plan->check_wp && i < plan->npages; i++) {
		uint64_t ent = pagemap_read(pm, page_addr(r, i));

		if (!!(ent & PM_UFFD_WP) != plan->expect_wp[i]) {
			report("child: page %d: pagemap PM_UFFD_WP %d, expected %d (pagemap %#"
			       PRIx64 ")", i, !!(ent & PM_UFFD_WP), plan->expect_wp[i], ent);
			_exit(2);
		}
	}
	for (i = 0; i < plan->npages; i++) {
		volatile uint64_t *head = (uint64_t *)(page_addr(r, i) + HEAD_OFF);
		volatile uint64_t *tail = (uint64_t *)(page_addr(r, i) + r->psize - TAIL_GAP);
		uint64_t h, t, v = plan->expect[i];

		if (!plan->read[i])
			continue;
		report("r%d ", i);	/* where it hangs, if it does */
		h = *head;
		t = *tail;
		if (h != v || t != (v ? ~v : 0)) {
			report("child: page %d holds %#" PRIx64 " (tail %#" PRIx64 "), expected %#"
			       PRIx64, i, h, t, v);
			_exit(2);
		}
	}
	for (i = 0; i < plan->npages; i++) {
		volatile uint64_t *head = (uint64_t *)(page_addr(r, i) + HEAD_OFF);
		volatile uint64_t *tail = (uint64_t *)(page_addr(r, i) + r->psize - TAIL_GAP);
		uint64_t s = plan->stamp[i];

		if (!plan->write[i])
			continue;
		report("w%d ", i);
		*head = s;
		*tail = ~s;
		if (*head != s || *tail != ~s) {
			report("child: page %d: wrote %#" PRIx64 ", reads back %#" PRIx64, i, s,
			       *head);
			_exit(2);
		}
	}
	_exit(0);
}
