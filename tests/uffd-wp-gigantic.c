// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-gigantic KIND...: uffd-wp on 1 GiB hugetlb pages. Their huge pte
 * is a pud, so markers, protection and zaps take pud-level paths that the
 * 2 MiB tests never reach. One page per case, a few cases per KIND:
 *
 *   unpopulated  protect a never-touched page: PM_UFFD_WP (a marker); a
 *                write gets one WP message, then lands
 *   dontneed     protect a written page, MADV_DONTNEED it: PM_UFFD_WP, not
 *                present; a read maps it again (shared: the data, private:
 *                zeros) still protected; a write gets one WP message
 *   punch-hole   (shared KINDs) protect a written page, punch it out of the
 *                file: still protected; a write gets one WP message
 *   fork         protect a written page, fork() without EVENT_FORK: the
 *                child writes without blocking (its vma is not registered),
 *                the parent gets no message, keeps PM_UFFD_WP and gets one
 *                WP message for its own write
 *   mremap       with EVENT_REMAP, protect a written page and move it to
 *                another 1 GiB aligned address: the protection moves along
 *   unprotect    protect, then un-protect: no PM_UFFD_WP, a write gets no
 *                message
 *
 * KINDs: hugetlbfs hugetlbfs-private hugetlb-memfd map-hugetlb, of 1 GiB
 * pages on MEM_HUGETLBFS (default /mnt/huge1g, which guest/init mounts when
 * the kernel command line reserved 1 GiB pages: tests/lists/gigantic.list).
 * Exit: 0 pass, 1 fail (also when the command line asked for 1 GiB pages
 * and fewer than 2 are free), 4 skip (no 1 GiB pages). On a kernel without
 * uffd-wp on hugetlbfs every case fails at registration (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lib/mem.h"
#include "lib/tap.h"

#define GIG		(1UL << 30)
#define GIG_DIR		"/mnt/huge1g"
#define FREE_1G		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
#define NR_CASES	6
#define CHILD_SECONDS	120	/* a private child copies 1 GiB: slow on a debug kernel */

/* Counts the messages of one case and resolves each WP fault. */
struct handler {
	int uffd, stop[2];
	int wp_msgs, remap_msgs, other_msgs, unprotect_err;
	pthread_t thread;
};

static void *handle(void *arg)
{
	struct handler *h = arg;
	struct pollfd pfd[2] = {
		{ .fd = h->uffd, .events = POLLIN },
		{ .fd = h->stop[0], .events = POLLIN },
	};
	struct uffd_msg msg;

	/* Until stopped: a write that blocks with no message is a hang. */
	while (poll(pfd, 2, -1) > 0 && !pfd[1].revents) {
		if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_REMAP) {
			h->remap_msgs++;
		} else if (msg.event == UFFD_EVENT_PAGEFAULT &&
			   (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
			void *page = (void *)(msg.arg.pagefault.address & ~(GIG - 1));

			h->wp_msgs++;
			h->unprotect_err = uffd_wp(h->uffd, page, GIG, false);
		} else {
			h->other_msgs++;
		}
	}
	return NULL;
}

static void handler_start(struct handler *h, int uffd)
{
	memset(h, 0, sizeof(*h));
	h->uffd = uffd;
	if (pipe(h->stop) || pthread_create(&h->thread, NULL, handle, h))
		tap_bail("handler thread: %s", strerror(errno));
}

static void handler_stop(struct handler *h)
{
	if (write(h->stop[1], "", 1) != 1)
		tap_bail("stop the handler: %s", strerror(errno));
	pthread_join(h->thread, NULL);
	close(h->stop[0]);
	close(h->stop[1]);
}

static bool wp_bit(void *addr)
{
	return pagemap_entry(addr) & PM_UFFD_WP;
}

/* One case: the mapping, its userfaultfd, and what the case found wrong. */
struct gcase {
	struct mem m;
	int uffd;
	char why[160];
};

#define fail(c, ...)	snprintf((c)->why, sizeof((c)->why), __VA_ARGS__)

/* Maps one page of @kind, registers it for WP (and @features), fills it if @fill. */
static int case_setup(struct gcase *c, enum mem_kind kind, uint64_t features, char fill)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->uffd = -1;
	err = mem_map(&c->m, kind, 1);
	if (err) {
		fail(c, "map: %s", strerror(-err));
		return err;
	}
	if (fill)
		memset(c->m.addr, fill, c->m.len);
	c->uffd = uffd_open(features, NULL);
	if (c->uffd < 0) {
		fail(c, "userfaultfd: %s", strerror(-c->uffd));
		return c->uffd;
	}
	err = uffd_register(c->uffd, c->m.addr, c->m.len, UFFDIO_REGISTER_MODE_WP, NULL);
	if (!err)
		err = uffd_wp(c->uffd, c->m.addr, c->m.len, true);
	if (err)
		fail(c, "register MODE_WP and protect: %s", strerrorname_np(-err));
	else if (!wp_bit(c->m.addr))
		fail(c, "protected, but no PM_UFFD_WP");
	return err;
}

static void case_end(struct gcase *c, const char *name)
{
	tap_result(!c->why[0], "%s: %s%s%s", c->m.name, name, c->why[0] ? ": " : "", c->why);
	if (c->uffd >= 0)
		close(c->uffd);
	mem_unmap(&c->m);
}

/* Writes @val to @p with a handler running: ok if @want_wp messages came and it landed. */
static void write_expect(struct gcase *c, char *p, char val, int want_wp)
{
	struct handler h;

	handler_start(&h, c->uffd);
	*(volatile char *)p = val;
	handler_stop(&h);
	if (h.wp_msgs != want_wp || h.other_msgs || h.unprotect_err)
		fail(c, "write: %d WP message(s), want %d; %d other; unprotect %s",
		     h.wp_msgs, want_wp, h.other_msgs,
		     h.unprotect_err ? strerrorname_np(-h.unprotect_err) : "ok");
	else if (*(volatile char *)p != val)
		fail(c, "write LOST");
}

/* After @what, the page must still be protected: one WP message for a write. */
static void expect_still_protected(struct gcase *c, const char *what)
{
	if (!wp_bit(c->m.addr))
		fail(c, "%s dropped the protection", what);
	else
		write_expect(c, c->m.addr, 'b', 1);
}

static void case_unpopulated(enum mem_kind kind)
{
	struct gcase c;

	if (!case_setup(&c, kind, 0, 0))
		write_expect(&c, c.m.addr + 4096, 'b', 1);
	case_end(&c, "unpopulated");
}

static void case_dontneed(enum mem_kind kind)
{
	struct gcase c;
	uint64_t ent;
	char want;

	if (case_setup(&c, kind, 0, 'a'))
		goto out;
	if (madvise(c.m.addr, c.m.len, MADV_DONTNEED)) {
		fail(&c, "MADV_DONTNEED: %s", strerror(errno));
		goto out;
	}
	ent = pagemap_entry(c.m.addr);
	if (!(ent & PM_UFFD_WP) || (ent & PM_PRESENT)) {
		fail(&c, "after MADV_DONTNEED: pagemap 0x%llx, want PM_UFFD_WP, not present",
		     (unsigned long long)ent);
		goto out;
	}
	want = c.m.shared ? 'a' : 0;
	if (c.m.addr[GIG - 1] != want) {
		fail(&c, "read after MADV_DONTNEED: 0x%x, want 0x%x", c.m.addr[GIG - 1], want);
		goto out;
	}
	expect_still_protected(&c, "the read fault");
out:
	case_end(&c, "dontneed");
}

static void case_punch_hole(enum mem_kind kind)
{
	struct gcase c;

	if (case_setup(&c, kind, 0, 'a'))
		goto out;
	if (fallocate(c.m.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, c.m.len)) {
		fail(&c, "punch hole: %s", strerror(errno));
		goto out;
	}
	expect_still_protected(&c, "the hole punch");
	if (!c.why[0] && c.m.addr[1] != 0)
		fail(&c, "the punched page still has its data");
out:
	case_end(&c, "punch-hole");
}

static void case_fork(enum mem_kind kind)
{
	struct handler h;
	struct gcase c;
	int status;
	pid_t pid;

	if (case_setup(&c, kind, 0, 'a'))
		goto out;
	handler_start(&h, c.uffd);
	pid = fork();
	if (pid == 0) {
		alarm(CHILD_SECONDS);	/* a blocked write fails the case */
		c.m.addr[0] = 'c';
		_exit(c.m.addr[0] == 'c' ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		tap_bail("fork: %s", strerror(errno));
	handler_stop(&h);
	if (WIFSIGNALED(status)) {
		fail(&c, "the child's write did not finish in %d s (signal %d)",
		     CHILD_SECONDS, WTERMSIG(status));
		goto out;
	}
	if (WEXITSTATUS(status)) {
		fail(&c, "the child's write did not land");
		goto out;
	}
	if (h.wp_msgs || h.other_msgs) {
		fail(&c, "the child's write sent %d WP message(s)", h.wp_msgs);
		goto out;
	}
	if (c.m.addr[0] != (c.m.shared ? 'c' : 'a')) {
		fail(&c, "after the child's write the parent reads 0x%x", c.m.addr[0]);
		goto out;
	}
	expect_still_protected(&c, "fork");
out:
	case_end(&c, "fork");
}

/* A free 1 GiB aligned address range of @len bytes, or NULL. */
static char *reserve_gig(size_t len)
{
	char *p = mmap(NULL, len + GIG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *start;

	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((unsigned long)p + GIG - 1) & ~(GIG - 1));
	if (start > p)
		munmap(p, start - p);
	munmap(start + len, p + len + GIG - (start + len));
	return start;
}

static void case_mremap(enum mem_kind kind)
{
	struct handler h;
	struct gcase c;
	char *to;
	void *p;

	if (case_setup(&c, kind, UFFD_FEATURE_EVENT_REMAP, 'a'))
		goto out;
	to = reserve_gig(c.m.len);
	if (!to)
		tap_bail("reserve 1 GiB aligned: %s", strerror(errno));
	handler_start(&h, c.uffd);
	p = mremap(c.m.addr, c.m.len, c.m.len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	handler_stop(&h);
	if (p == MAP_FAILED) {
		fail(&c, "mremap: %s", strerror(errno));
		munmap(to, c.m.len);
		goto out;
	}
	c.m.addr = p;
	if (h.remap_msgs != 1 || h.wp_msgs || h.other_msgs) {
		fail(&c, "mremap: %d REMAP event(s), want 1; %d other", h.remap_msgs,
		     h.wp_msgs + h.other_msgs);
		goto out;
	}
	if (c.m.addr[0] != 'a')
		fail(&c, "after mremap: data 0x%x", c.m.addr[0]);
	else
		expect_still_protected(&c, "mremap");
out:
	case_end(&c, "mremap");
}

static void case_unprotect(enum mem_kind kind)
{
	struct gcase c;
	int err;

	if (case_setup(&c, kind, 0, 'a'))
		goto out;
	err = uffd_wp(c.uffd, c.m.addr, c.m.len, false);
	if (err) {
		fail(&c, "un-protect: %s", strerrorname_np(-err));
		goto out;
	}
	if (wp_bit(c.m.addr)) {
		fail(&c, "un-protected, but PM_UFFD_WP");
		goto out;
	}
	write_expect(&c, c.m.addr, 'b', 0);
out:
	case_end(&c, "unprotect");
}

static long free_gigantic_pages(void)
{
	FILE *f = fopen(FREE_1G, "r");
	long n = 0;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

static bool rig_asked_for_gigantic_pages(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	return strstr(cmdline, "hugepagesz=1G");
}

int main(int argc, char **argv)
{
	int kinds[MEM_NR_KINDS], nkinds = argc - 1;

	if (!nkinds || nkinds > MEM_NR_KINDS)
		tap_bail("usage: %s KIND... (hugetlb KINDs)", argv[0]);
	for (int i = 0; i < nkinds; i++) {
		kinds[i] = mem_kind_parse(argv[i + 1]);
		if (kinds[i] < 0 || !mem_kind_hugetlb(kinds[i]))
			tap_bail("usage: %s KIND... (hugetlb KINDs)", argv[0]);
	}
	setenv("MEM_HUGEPAGE_MB", "1024", 1);
	setenv("MEM_HUGETLBFS", GIG_DIR, 0);
	tap_plan(nkinds * NR_CASES);
	if (free_gigantic_pages() < 2) {
		/* A rig that asked for them must have got them: not a skip. */
		if (rig_asked_for_gigantic_pages())
			tap_bail("hugepagesz=1G asked for, fewer than 2 free 1 GiB pages");
		tap_skip_rest("fewer than 2 free 1 GiB pages (hugepagesz=1G hugepages=2)");
		tap_exit();
	}
	tap_diag("free 1 GiB pages: %ld", free_gigantic_pages());

	for (int i = 0; i < nkinds; i++) {
		enum mem_kind kind = kinds[i];

		case_unpopulated(kind);
		case_dontneed(kind);
		if (kind == MEM_HUGETLBFS || kind == MEM_HUGETLB_MEMFD)
			case_punch_hole(kind);
		else
			tap_skip("%s: punch-hole: needs a shared mapping", mem_kind_name(kind));
		case_fork(kind);
		case_mremap(kind);
		case_unprotect(kind);
	}
	tap_exit();
}
