// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp-security PART KIND...: the security properties of uffd-wp on
 * shared memory. Protection is per mapping (per pte), never per page of the
 * file, and a marker is no swap entry.
 *
 * unpriv KIND...   (KINDs with a file: memfd tmpfs hugetlbfs hugetlb-memfd)
 *   With vm.unprivileged_userfaultfd=1 a process that dropped every
 *   privilege (uid/gid 65534, no capabilities) can create a userfaultfd,
 *   register and protect its own mapping of a shared file, and nothing else:
 *   UFFD_FEATURE_EVENT_FORK is refused (EPERM, needs CAP_SYS_PTRACE), the
 *   address where only another process maps the file is no vma for it
 *   (EINVAL); another unprivileged process (uid 65533) writes every page of
 *   its own mapping of the same file without blocking, the protecting
 *   process gets no message, sees the data, keeps its protection and still
 *   gets its own WP fault. With the sysctl 0, userfaultfd() fails with EPERM
 *   for the unprivileged process (5.10: no UFFD_USER_MODE_ONLY), and works
 *   for root (CAP_SYS_PTRACE). The sysctl is restored.
 *
 * shared KIND...   (shared KINDs: memfd tmpfs sysv shmem-anon hugetlbfs
 *                   hugetlb-memfd)
 *   Process A protects all of its mapping in each state: populated,
 *   unpopulated, and populated then zapped (MADV_DONTNEED: markers).
 *   Process B maps the same memory, either anew or as the copy fork() gave
 *   it (no UFFD_FEATURE_EVENT_FORK: not registered), reads every page (A's
 *   data) and writes it. B must finish under a watchdog, not much slower
 *   than when A protects nothing (a loose bound: 20x + 2 s, TCG is noisy),
 *   A must get no message, see B's data, keep its protection (pagemap
 *   PM_UFFD_WP) and still get a WP message for its own write.
 *
 * markers KIND...  (any KIND; anon is the reference: a zap drops its
 *                   protection, and it has no markers)
 *   After protect + MADV_DONTNEED: every page PM_UFFD_WP, none PM_SWAP nor
 *   PM_PRESENT, no frame; smaps Swap and SwapPss 0 kB; mincore as for the
 *   same memory zapped without uffd (shmem: the page cache decides);
 *   markers on never-populated pages: not resident; /proc/meminfo
 *   SwapTotal and SwapCached unchanged. Then, with pages paged out behind
 *   markers (MADV_PAGEOUT of a protected shared KIND: the pte becomes a
 *   marker, the swap entry goes into the file), swapoff(2) of the active
 *   swap device: returns 0, markers and protection stay, data intact,
 *   writes still fault; swapon(2) restores it.
 *
 * swapoff KIND...  as markers, and private KINDs (anon, memfd-private) are
 *   paged out too: their pages become anonymous swap entries that carry
 *   the uffd-wp bit in the pte, which swapoff must keep as well.
 *
 * Exit: 0 pass, 1 fail, 4 skip. On a kernel without uffd-wp for shmem the
 * registration line fails: "KIND: register MODE_WP and protect: EINVAL".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "lib/mem.h"
#include "lib/tap.h"

#define SMALL_PAGES	32	/* pages per mapping, small-page KINDs */
#define HUGE_PAGES	4	/* pages per mapping, hugetlb KINDs */
#define CHILD_SECONDS	30	/* watchdog of every child */
#define NOBODY		65534
#define OTHER_NOBODY	65533
#define SYSCTL		"/proc/sys/vm/unprivileged_userfaultfd"

static size_t npages_of(enum mem_kind kind)
{
	return mem_kind_hugetlb(kind) ? HUGE_PAGES : SMALL_PAGES;
}

static const char *errname(int err)
{
	return err ? strerrorname_np(-err) : "ok";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pages of @m whose first small page has all of @mask set */
static int count_pm(const struct mem *m, char *addr, size_t npages, uint64_t mask)
{
	int n = 0;

	for (size_t i = 0; i < npages; i++)
		n += (pagemap_entry(addr + i * m->page) & mask) == mask;
	return n;
}

/* Bytes 0 and page-1 of page @i */
static void put(const struct mem *m, char *addr, size_t i, char v)
{
	volatile char *p = addr + i * m->page;

	p[0] = v;
	p[m->page - 1] = v;
}

static bool has(const struct mem *m, char *addr, size_t i, char v)
{
	volatile char *p = addr + i * m->page;

	return p[0] == v && p[m->page - 1] == v;
}

/* Drains @uffd: the number of messages that were pending */
static int drain(int uffd)
{
	struct uffd_msg msg;
	int n = 0;

	while (read(uffd, &msg, sizeof(msg)) == sizeof(msg))
		n++;
	return n;
}

static int pending(int uffd, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 ? drain(uffd) : 0;
}

struct writer {
	volatile char *p;
	char v;
	volatile int done;
};

static void *writer(void *arg)
{
	struct writer *w = arg;

	*w->p = w->v;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A thread writes @v at @p: that must raise one WP message for @p's page,
 * after which the page is un-protected (waking the thread) and the write
 * lands. Returns NULL or what went wrong.
 */
static const char *wp_roundtrip(int uffd, char *p, size_t page, char v)
{
	char *pg = (char *)((uintptr_t)p & ~(uintptr_t)(page - 1));
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct writer w = { .p = p, .v = v };
	const char *why = NULL;
	struct uffd_msg msg;
	pthread_t t;

	if (pthread_create(&t, NULL, writer, &w))
		return "pthread_create failed";
	for (int ms = 0; ms < 10000 && poll(&pfd, 1, 100) != 1; ms += 100)
		if (__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) && poll(&pfd, 1, 0) != 1)
			break;
	if (poll(&pfd, 1, 0) != 1)
		why = w.done ? "the write landed with no WP message" : "no message within 10 s";
	else if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		why = "reading the message failed";
	else if (msg.event != UFFD_EVENT_PAGEFAULT)
		why = "not a page fault message";
	else if (!(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		why = "a page fault, but not a WP one";
	else if (msg.arg.pagefault.address < (uintptr_t)pg ||
		 msg.arg.pagefault.address >= (uintptr_t)pg + page)
		why = "a WP fault at the wrong address";
	uffd_wp(uffd, pg, page, false);
	pthread_join(t, NULL);
	if (!why && *(volatile char *)p != v)
		why = "the write did not land";
	return why;
}

/* Registers all of @m for WP and protects it */
static int arm(int uffd, const struct mem *m)
{
	int err = uffd_register(uffd, m->addr, m->len, UFFDIO_REGISTER_MODE_WP, NULL);

	return err ? err : uffd_wp(uffd, m->addr, m->len, true);
}

/* ---- TAP with the plan at the end, and reports from children ---- */

static void begin(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static void __attribute__((noreturn)) finish(void)
{
	printf("1..%d\n", tap.n);
	tap.planned = tap.n;
	tap_exit();
}

/* A child's result line, relayed to TAP by the parent */
static void __attribute__((format(printf, 3, 4))) report(int fd, bool ok, const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%d ", ok);
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) != n)
		_exit(3);
}

static void report_mark(int fd, const char *mark)
{
	dprintf(fd, "%s\n", mark);
}

/* Relays a child's lines up to @until (or EOF): 1 if @until came */
static int relay(FILE *f, const char *until)
{
	char line[600];

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (until && !strcmp(line, until))
			return 1;
		if ((line[0] == '0' || line[0] == '1') && line[1] == ' ')
			tap_result(line[0] == '1', "%s", line + 2);
		else
			tap_diag("child: %s", line);
	}
	return 0;
}

/* Waits for @pid up to @secs; kills it after. Returns its status, or -1 */
static int wait_child(pid_t pid, int secs)
{
	double end = now() + secs;
	int status;

	while (now() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static const char *describe_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "killed after %d s", CHILD_SECONDS + 10);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "%s", WTERMSIG(status) == SIGALRM ? "blocked (watchdog)" :
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	return buf;
}

/* ---- unpriv ---- */

static char saved_sysctl[16];
static pid_t main_pid;

static int sysctl_write(const char *v)
{
	int fd = open(SYSCTL, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void sysctl_restore(void)
{
	if (getpid() == main_pid && saved_sysctl[0])
		sysctl_write(saved_sysctl);
}

static int drop_to(uid_t id)
{
	if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id))
		return -errno;
	/* Keep /proc/self ours (pagemap) after the credential change */
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

static bool no_caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	bool none = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			none = strtoull(line + 7, NULL, 16) == 0;
	fclose(f);
	return none;
}

static char *map_fd(const struct mem *m)
{
	void *p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The unprivileged protector: reports on @out, waits for a byte on @go */
static void __attribute__((noreturn)) protector(const struct mem *m, size_t npages, int out, int go)
{
	const char *name = m->name, *why;
	int uffd, fd2, err, wp;
	char *p, c;
	size_t i;

	err = drop_to(NOBODY);
	report(out, !err && getuid() == NOBODY && no_caps(),
	       "%s: protector runs as uid %d with no capabilities%s%s", name, (int)getuid(),
	       err ? ": " : "", err ? errname(err) : "");
	if (err)
		goto out;
	p = map_fd(m);
	if (!p) {
		report(out, false, "%s: protector maps the file: %s", name, strerror(errno));
		goto out;
	}
	/* Only its own mapping from now on: the inherited one goes */
	munmap(m->addr, m->len);
	for (i = 0; i < npages / 2; i++)
		put(m, p, i, 'u');

	uffd = uffd_open(0, NULL);
	report(out, uffd >= 0, "%s: unprivileged userfaultfd() and UFFDIO_API: %s", name,
	       errname(uffd < 0 ? uffd : 0));
	if (uffd < 0)
		goto out;
	fd2 = uffd_open(UFFD_FEATURE_EVENT_FORK, NULL);
	report(out, fd2 == -EPERM, "%s: unprivileged UFFD_FEATURE_EVENT_FORK: %s (want EPERM)",
	       name, fd2 < 0 ? errname(fd2) : "ok");
	if (fd2 >= 0)
		close(fd2);

	err = arm(uffd, &(struct mem){ .addr = p, .len = m->len });
	report(out, !err, "%s: register MODE_WP and protect: %s", name, errname(err));
	if (err)
		goto out;
	wp = count_pm(m, p, npages, PM_UFFD_WP);
	report(out, wp == (int)npages, "%s: protector's pages uffd-wp: %d of %zu", name, wp,
	       npages);
	/* The parent still maps the file there; this process does not */
	err = uffd_register(uffd, m->addr, m->len, UFFDIO_REGISTER_MODE_WP, NULL);
	report(out, err == -EINVAL,
	       "%s: register where only another process maps the file: %s (want EINVAL)",
	       name, errname(err));

	report_mark(out, "READY");
	if (read(go, &c, 1) != 1)
		_exit(2);

	err = pending(uffd, 200);
	report(out, err == 0, "%s: no message for the other process's writes (%d)", name, err);
	wp = count_pm(m, p, npages, PM_UFFD_WP);
	report(out, wp == (int)npages, "%s: protection intact after them: %d of %zu uffd-wp",
	       name, wp, npages);
	for (i = 0; i < npages && has(m, p, i, 'o'); i++)
		;
	report(out, i == npages, "%s: protector reads the other process's data (%zu of %zu)",
	       name, i, npages);
	err = pending(uffd, 0);
	why = wp_roundtrip(uffd, p + m->len - m->page, m->page, 'U');
	report(out, !why && !err, "%s: protector's own write: %s", name,
	       why ? why : err ? "a message came for a read" : "one WP message, then lands");
out:
	report_mark(out, "READY");
	_exit(0);
}

/* Another unprivileged process writes every page of its own mapping */
static void __attribute__((noreturn)) other_writer(const struct mem *m, size_t npages)
{
	char *p;

	alarm(CHILD_SECONDS);
	if (drop_to(OTHER_NOBODY))
		_exit(10);
	p = map_fd(m);
	if (!p)
		_exit(11);
	munmap(m->addr, m->len);
	for (size_t i = 0; i < npages; i++)
		put(m, p, i, 'o');
	for (size_t i = 0; i < npages; i++)
		if (!has(m, p, i, 'o'))
			_exit(12);
	_exit(0);
}

static void unpriv_kind(enum mem_kind kind)
{
	size_t npages = npages_of(kind), i;
	int out[2], go[2], status, err, wp;
	char st[64];
	pid_t u, o;
	struct mem m;
	FILE *f;

	err = mem_map(&m, kind, npages);
	if (err || m.fd < 0) {
		tap_result(false, "%s: map: %s", mem_kind_name(kind),
			   err ? strerror(-err) : "no file: not a KIND for unpriv");
		if (!err)
			mem_unmap(&m);
		return;
	}
	/* The children map it through the inherited descriptor */
	if (pipe(out) || pipe(go))
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	u = fork();
	if (!u) {
		close(out[0]);
		close(go[1]);
		alarm(CHILD_SECONDS * 2);
		protector(&m, npages, out[1], go[0]);
	}
	close(out[1]);
	close(go[0]);
	f = fdopen(out[0], "r");
	if (!relay(f, "READY"))
		tap_result(false, "%s: protector died before it was ready", m.name);

	fflush(stdout);
	o = fork();
	if (!o)
		other_writer(&m, npages);
	status = wait_child(o, CHILD_SECONDS + 10);
	tap_result(status == 0, "%s: another unprivileged process writes every page: %s",
		   m.name, describe_status(status, st, sizeof(st)));

	/* The parent's (root's) mapping: untouched by the protection */
	for (i = 0; i < npages && has(&m, m.addr, i, 'o'); i++)
		;
	wp = count_pm(&m, m.addr, npages, PM_UFFD_WP);
	tap_result(i == npages && wp == 0,
		   "%s: a third mapping of the file reads the data (%zu of %zu), %d uffd-wp",
		   m.name, i, npages, wp);

	if (write(go[1], "g", 1) != 1)
		tap_diag("%s: protector gone", m.name);
	relay(f, "READY");
	relay(f, NULL);
	fclose(f);
	close(go[1]);
	status = wait_child(u, CHILD_SECONDS * 2);
	tap_result(status == 0, "%s: protector finished: %s", m.name,
		   describe_status(status, st, sizeof(st)));
	mem_unmap(&m);
}

static void unpriv_sysctl0(void)
{
	int err, fd, status;
	char st[64];
	pid_t pid;

	err = sysctl_write("0");
	tap_result(!err, "vm.unprivileged_userfaultfd=0: %s", errname(err));
	if (err)
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		alarm(CHILD_SECONDS);
		if (drop_to(NOBODY))
			_exit(100);
		fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		_exit(fd < 0 ? errno : 0);
	}
	status = wait_child(pid, CHILD_SECONDS + 10);
	tap_result(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
		   "sysctl 0: unprivileged userfaultfd(): %s (want EPERM)",
		   status != -1 && WIFEXITED(status) && WEXITSTATUS(status) < 100 ?
		   (WEXITSTATUS(status) ? strerrorname_np(WEXITSTATUS(status)) : "ok") :
		   describe_status(status, st, sizeof(st)));
	fd = uffd_open(0, NULL);
	tap_result(fd >= 0, "sysctl 0: root (CAP_SYS_PTRACE) userfaultfd(): %s",
		   errname(fd < 0 ? fd : 0));
	if (fd >= 0)
		close(fd);
}

static int part_unpriv(int *kinds, int nkinds)
{
	char now_val[16] = "";
	int fd, err, k;
	ssize_t n;

	if (geteuid()) {
		tap_skip("unpriv: needs root to change the sysctl and drop to uid %d", NOBODY);
		return 0;
	}
	fd = open(SYSCTL, O_RDONLY);
	if (fd < 0) {
		tap_skip("unpriv: no %s: %s", SYSCTL, strerror(errno));
		return 0;
	}
	n = read(fd, saved_sysctl, sizeof(saved_sysctl) - 1);
	close(fd);
	if (n <= 0)
		tap_bail("read %s", SYSCTL);
	saved_sysctl[strcspn(saved_sysctl, "\n")] = 0;
	atexit(sysctl_restore);
	tap_diag("%s was %s", SYSCTL, saved_sysctl);

	err = sysctl_write("1");
	tap_result(!err, "vm.unprivileged_userfaultfd=1: %s", errname(err));
	for (k = 0; !err && k < nkinds; k++)
		unpriv_kind(kinds[k]);
	unpriv_sysctl0();

	err = sysctl_write(saved_sysctl);
	fd = open(SYSCTL, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, now_val, sizeof(now_val) - 1);
		close(fd);
		if (n > 0)
			now_val[strcspn(now_val, "\n")] = 0;
	}
	tap_result(!err && !strcmp(now_val, saved_sysctl), "sysctl restored to %s (reads %s)",
		   saved_sysctl, now_val);
	return 0;
}

/* ---- shared ---- */

enum state { POPULATED, UNPOPULATED, ZAPPED, NR_STATES };
static const char *const state_names[] = { "populated", "unpopulated", "zapped (markers)" };
enum variant { CONTROL, FRESH, INHERITED, NR_VARIANTS };
static const char *const variant_names[] = { "control", "B maps it anew",
					     "B's copy from fork" };

struct bres {
	int err;	/* 0, or an errno of B's own setup */
	int bad_page;	/* the first page that did not read A's data, or -1 */
	double secs;	/* writing every page */
};

/* B's own new mapping of @m's memory, or NULL */
static char *map_again(const struct mem *m)
{
	char path[96];
	void *p;
	int fd;

	if (m->kind == MEM_SYSV) {
		p = shmat(m->shmid, NULL, 0);
		return p == (void *)-1 ? NULL : p;
	}
	if (m->fd >= 0)
		return map_fd(m);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)m->addr, (unsigned long)(m->addr + m->len));
	fd = open(path, O_RDWR);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void __attribute__((noreturn)) run_b(const struct mem *m, size_t npages,
					    enum variant v, enum state s, int out)
{
	struct bres r = { .bad_page = -1 };
	char *p = m->addr;
	double t0;

	alarm(CHILD_SECONDS);
	if (v != INHERITED) {
		p = map_again(m);
		if (!p) {
			r.err = errno;
			goto done;
		}
		if (m->kind == MEM_SYSV)
			shmdt(m->addr);
		else
			munmap(m->addr, m->len);
	}
	t0 = now();
	for (size_t i = 0; i < npages; i++) {
		if (r.bad_page < 0 && !has(m, p, i, s == UNPOPULATED ? 0 : 'a' + i))
			r.bad_page = i;
		put(m, p, i, 'b' + i);
	}
	r.secs = now() - t0;
done:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* One run; returns B's time, or -1 */
static double shared_run(enum mem_kind kind, enum state s, enum variant v, double control)
{
	size_t npages = npages_of(kind), i;
	const char *name = mem_kind_name(kind), *why;
	int uffd = -1, err, msgs = 0, status, out[2], wp;
	char tag[160], st[64];
	struct bres r = { .err = -1 };
	double end;
	struct mem m;
	pid_t pid;

	snprintf(tag, sizeof(tag), "%s, %s, %s", name, state_names[s], variant_names[v]);
	err = mem_map(&m, kind, npages);
	if (err) {
		tap_result(false, "%s: map: %s", tag, strerror(-err));
		return -1;
	}
	if (s != UNPOPULATED)
		for (i = 0; i < npages; i++)
			put(&m, m.addr, i, 'a' + i);
	if (v != CONTROL) {
		uffd = uffd_open(0, NULL);
		err = uffd < 0 ? uffd : arm(uffd, &m);
		if (!err && s == ZAPPED && madvise(m.addr, m.len, MADV_DONTNEED))
			err = -errno;
		wp = err ? 0 : count_pm(&m, m.addr, npages, PM_UFFD_WP);
		tap_result(!err && wp == (int)npages,
			   "%s: register MODE_WP and protect: %s (%d of %zu uffd-wp)",
			   tag, errname(err), wp, npages);
		if (err) {
			if (uffd >= 0)
				close(uffd);
			mem_unmap(&m);
			return -1;
		}
	} else if (s == ZAPPED && madvise(m.addr, m.len, MADV_DONTNEED)) {
		tap_diag("%s: MADV_DONTNEED: %s", tag, strerror(errno));
	}

	if (pipe(out))
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(out[0]);
		run_b(&m, npages, v, s, out[1]);
	}
	close(out[1]);
	/* A watches its userfaultfd while B runs */
	end = now() + CHILD_SECONDS + 10;
	for (;;) {
		struct pollfd pfd = { .fd = uffd, .events = POLLIN };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (uffd >= 0 && poll(&pfd, 1, 10) == 1) {
			msgs += drain(uffd);
			/* Never leave B blocked: A gives up its protection */
			uffd_wp(uffd, m.addr, m.len, false);
		} else if (uffd < 0) {
			usleep(10000);
		}
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = -1;
			break;
		}
	}
	if (read(out[0], &r, sizeof(r)) != sizeof(r))
		r.err = -1;
	close(out[0]);

	if (v == CONTROL) {
		if (status || r.err)
			tap_result(false, "%s: B: %s, %s", tag, describe_status(status, st,
				   sizeof(st)), r.err ? strerror(r.err) : "ok");
		else
			tap_diag("%s: B wrote %zu pages in %.1f ms", tag, npages, r.secs * 1e3);
		mem_unmap(&m);
		return status || r.err ? -1 : r.secs;
	}

	tap_result(status == 0 && r.err == 0, "%s: B finishes, never blocked: %s%s%s", tag,
		   describe_status(status, st, sizeof(st)), r.err ? ", " : "",
		   r.err ? strerror(r.err) : "");
	tap_result(msgs == 0, "%s: A gets no message while B works (%d)", tag, msgs);
	tap_result(status == 0 && r.bad_page < 0, "%s: B reads A's data (first bad page %d)",
		   tag, r.bad_page);
	if (control >= 0 && status == 0)
		tap_result(r.secs <= 20 * control + 2,
			   "%s: B not slowed: %.1f ms, %.1f ms unprotected (bound 20x + 2 s)",
			   tag, r.secs * 1e3, control * 1e3);
	else
		tap_result(false, "%s: B not slowed: no time to compare", tag);

	wp = count_pm(&m, m.addr, npages, PM_UFFD_WP);
	tap_result(wp == (int)npages, "%s: A's protection intact: %d of %zu uffd-wp", tag, wp,
		   npages);
	for (i = 0; i < npages && has(&m, m.addr, i, 'b' + i); i++)
		;
	err = pending(uffd, 0);
	tap_result(i == npages && err == 0,
		   "%s: A reads B's data (%zu of %zu pages), no message for reads (%d)",
		   tag, i, npages, err);
	why = wp_roundtrip(uffd, m.addr, m.page, 'A');
	if (!why)
		why = wp_roundtrip(uffd, m.addr + m.len - 1, m.page, 'Z');
	tap_result(!why, "%s: A's own writes fault: %s", tag, why ? why : "WP message, lands");
	close(uffd);
	mem_unmap(&m);
	return r.secs;
}

static int part_shared(int *kinds, int nkinds)
{
	for (int k = 0; k < nkinds; k++) {
		struct mem probe;

		if (mem_map(&probe, kinds[k], 1) == 0) {
			bool shared = probe.shared;

			mem_unmap(&probe);
			if (!shared) {
				tap_skip("%s: a private mapping shares no writes with B",
					 mem_kind_name(kinds[k]));
				continue;
			}
		}
		for (int s = 0; s < NR_STATES; s++) {
			double control = shared_run(kinds[k], s, CONTROL, -1);

			shared_run(kinds[k], s, FRESH, control);
			shared_run(kinds[k], s, INHERITED, control);
		}
	}
	return 0;
}

/* ---- markers ---- */

static long meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* A field of the smaps entry of the vma holding @addr, in kB; -1 if none */
static long smaps_kb(void *addr, const char *field)
{
	unsigned long s, e, a = (unsigned long)addr;
	size_t n = strlen(field);
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = a >= s && a < e;
			continue;
		}
		if (in && !strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	}
	fclose(f);
	return kb;
}

/* Resident small pages of @m's mapping, per mincore() */
static long resident(const struct mem *m)
{
	size_t n = m->len / getpagesize();
	unsigned char *vec = malloc(n);
	long r = 0;

	if (!vec || mincore(m->addr, m->len, vec)) {
		free(vec);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

/* "swapoff": also page out private KINDs (anonymous swap entries) */
static bool private_swap;

struct marked {
	enum mem_kind kind;
	struct mem zapped;	/* written, protected, MADV_DONTNEED */
	struct mem paged;	/* written, protected, MADV_PAGEOUT (not hugetlb) */
	int uffd;
	bool ok;
};

/* The active swap device from /proc/swaps, or NULL */
static char *swap_device(void)
{
	static char dev[256];
	char line[512];
	FILE *f = fopen("/proc/swaps", "r");
	char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (line[0] == '/' && sscanf(line, "%255s", dev) == 1) {
			found = dev;
			break;
		}
	fclose(f);
	return found;
}

static void markers_kind(struct marked *k)
{
	long swap_cached0 = meminfo_kb("SwapCached");
	const char *name = mem_kind_name(k->kind);
	size_t npages = npages_of(k->kind), i;
	bool anon = k->kind == MEM_ANON;
	int err, wp, swp, present, frames;
	long swap, swap_pss, r_mark, r_ctl;
	struct mem ctl, hole;

	k->uffd = uffd_open(0, NULL);
	err = k->uffd < 0 ? k->uffd : mem_map(&k->zapped, k->kind, npages);
	if (!err) {
		for (i = 0; i < npages; i++)
			put(&k->zapped, k->zapped.addr, i, 'a' + i);
		err = arm(k->uffd, &k->zapped);
	}
	tap_result(!err, "%s: register MODE_WP and protect: %s", name, errname(err));
	if (err)
		return;
	if (madvise(k->zapped.addr, k->zapped.len, MADV_DONTNEED)) {
		tap_result(false, "%s: MADV_DONTNEED: %s", name, strerror(errno));
		return;
	}
	k->ok = true;

	wp = count_pm(&k->zapped, k->zapped.addr, npages, PM_UFFD_WP);
	swp = count_pm(&k->zapped, k->zapped.addr, npages, PM_SWAP);
	present = count_pm(&k->zapped, k->zapped.addr, npages, PM_PRESENT);
	for (frames = 0, i = 0; i < npages; i++)
		frames += !!(pagemap_entry(k->zapped.addr + i * k->zapped.page) &
			     ((1ULL << 55) - 1));
	/* anon: a zap drops the protection, no marker is left */
	tap_result(wp == (anon ? 0 : (int)npages) && swp == 0 && present == 0 && frames == 0,
		   "%s: after protect + MADV_DONTNEED, pagemap: %d of %zu uffd-wp (want %zu), "
		   "%d swap, %d present, %d with a frame", name, wp, npages,
		   anon ? 0 : npages, swp, present, frames);

	swap = smaps_kb(k->zapped.addr, "Swap");
	swap_pss = smaps_kb(k->zapped.addr, "SwapPss");
	tap_result(swap == 0 && swap_pss == 0, "%s: smaps of the marked vma: Swap %ld kB, "
		   "SwapPss %ld kB", name, swap, swap_pss);

	/* mincore: a marker is a none pte; compare with no uffd at all */
	err = mem_map(&ctl, k->kind, npages);
	if (!err) {
		for (i = 0; i < npages; i++)
			put(&ctl, ctl.addr, i, 'a' + i);
		madvise(ctl.addr, ctl.len, MADV_DONTNEED);
	}
	r_mark = resident(&k->zapped);
	r_ctl = err ? -2 : resident(&ctl);
	tap_result(r_mark >= 0 && r_mark == r_ctl,
		   "%s: mincore of the marked range: %ld resident, %ld without uffd-wp",
		   name, r_mark, r_ctl);
	if (!err)
		mem_unmap(&ctl);

	/* Markers over pages that never existed: nothing resident */
	err = mem_map(&hole, k->kind, npages);
	if (!err)
		err = arm(k->uffd, &hole);
	if (!err) {
		wp = count_pm(&hole, hole.addr, npages, PM_UFFD_WP);
		r_mark = resident(&hole);
		tap_result(wp == (anon ? 0 : (int)npages) && r_mark == 0,
			   "%s: markers on never-written pages: %d uffd-wp, %ld resident",
			   name, wp, r_mark);
		uffd_unregister(k->uffd, hole.addr, hole.len);
		mem_unmap(&hole);
	} else {
		tap_result(false, "%s: protect never-written pages: %s", name, errname(err));
	}

	tap_result(meminfo_kb("SwapCached") <= swap_cached0,
		   "%s: SwapCached %ld kB, was %ld kB before the markers", name,
		   meminfo_kb("SwapCached"), swap_cached0);

	/*
	 * Pages behind markers in swap: shmem's swap entry is in the file.
	 * A private KIND's pages go to swap as anonymous swap entries, uffd-wp
	 * in the pte: no marker, only with "swapoff".
	 */
	if (mem_kind_hugetlb(k->kind) || (!k->zapped.shared && !private_swap))
		return;
	err = mem_map(&k->paged, k->kind, npages);
	if (!err) {
		for (i = 0; i < npages; i++)
			put(&k->paged, k->paged.addr, i, 'p' + i % 8);
		err = arm(k->uffd, &k->paged);
	}
	if (!err && madvise(k->paged.addr, k->paged.len, MADV_PAGEOUT))
		err = -errno;
	if (err) {
		tap_result(false, "%s: protect + MADV_PAGEOUT: %s", name, errname(err));
		k->paged.addr = NULL;
		return;
	}
	wp = count_pm(&k->paged, k->paged.addr, npages, PM_UFFD_WP);
	swp = count_pm(&k->paged, k->paged.addr, npages, PM_SWAP);
	present = count_pm(&k->paged, k->paged.addr, npages, PM_PRESENT);
	/* Shared: markers. Private: anonymous swap entries, uffd-wp in the pte */
	tap_result(wp == (int)npages && (k->paged.shared ? swp == 0 : true),
		   "%s: after protect + MADV_PAGEOUT: %d of %zu uffd-wp, %d swap, %d present, "
		   "smaps Swap %ld kB", name, wp, npages, swp, present,
		   smaps_kb(k->paged.addr, "Swap"));
}

static void markers_after_swapoff(struct marked *k)
{
	const char *name = mem_kind_name(k->kind), *why;
	size_t npages = npages_of(k->kind), i;
	bool anon = k->kind == MEM_ANON;
	int wp;

	if (!k->ok)
		return;
	wp = count_pm(&k->zapped, k->zapped.addr, npages, PM_UFFD_WP);
	tap_result(wp == (anon ? 0 : (int)npages), "%s: after swapoff, markers: %d of %zu uffd-wp",
		   name, wp, npages);
	for (i = 0; i < npages; i++)
		if (!has(&k->zapped, k->zapped.addr, i, k->zapped.shared ? 'a' + i : 0))
			break;
	tap_result(i == npages && !pending(k->uffd, 0),
		   "%s: after swapoff, the zapped pages read %s (%zu of %zu), no message",
		   name, k->zapped.shared ? "the file's data" : "zeroes", i, npages);
	if (anon) {
		tap_diag("%s: no protection to test after the zap", name);
	} else {
		why = wp_roundtrip(k->uffd, k->zapped.addr, k->zapped.page, 'W');
		tap_result(!why, "%s: after swapoff, a write on a marker: %s", name,
			   why ? why : "WP message, lands");
	}
	if (!k->paged.addr)
		return;
	wp = count_pm(&k->paged, k->paged.addr, npages, PM_UFFD_WP);
	tap_result(wp == (int)npages,
		   "%s: after swapoff, paged-out pages: %d of %zu uffd-wp", name, wp, npages);
	for (i = 0; i < npages && has(&k->paged, k->paged.addr, i, 'p' + i % 8); i++)
		;
	tap_result(i == npages && !pending(k->uffd, 0),
		   "%s: after swapoff, paged-out pages read their data (%zu of %zu), no message",
		   name, i, npages);
	why = wp_roundtrip(k->uffd, k->paged.addr + k->paged.page, k->paged.page, 'W');
	tap_result(!why, "%s: after swapoff, a write on a paged-out page: %s", name,
		   why ? why : "WP message, lands");
}

static int part_markers(int *kinds, int nkinds)
{
	struct marked *ks = calloc(nkinds, sizeof(*ks));
	long swap_total0 = meminfo_kb("SwapTotal"), swap_cached0 = meminfo_kb("SwapCached");
	char *dev = swap_device();
	double t;
	int k, err;

	tap_diag("SwapTotal %ld kB, SwapCached %ld kB, swap device %s", swap_total0,
		 swap_cached0, dev ? dev : "none");
	for (k = 0; k < nkinds; k++) {
		ks[k].kind = kinds[k];
		ks[k].uffd = -1;
		markers_kind(&ks[k]);
	}
	tap_result(meminfo_kb("SwapTotal") == swap_total0, "SwapTotal %ld kB, was %ld kB",
		   meminfo_kb("SwapTotal"), swap_total0);

	if (!dev || geteuid()) {
		tap_skip("swapoff: %s", dev ? "needs root" : "no active swap device");
		goto out;
	}
	t = now();
	err = swapoff(dev) ? -errno : 0;
	t = now() - t;
	tap_result(!err && meminfo_kb("SwapTotal") == 0,
		   "swapoff(%s) with markers in this process: %s in %.2f s, SwapTotal %ld kB",
		   dev, errname(err), t, meminfo_kb("SwapTotal"));
	for (k = 0; k < nkinds; k++)
		markers_after_swapoff(&ks[k]);
	if (!err) {
		err = swapon(dev, 0) ? -errno : 0;
		tap_result(!err && meminfo_kb("SwapTotal") == swap_total0,
			   "swapon(%s): %s, SwapTotal %ld kB, was %ld kB", dev, errname(err),
			   meminfo_kb("SwapTotal"), swap_total0);
	}
out:
	for (k = 0; k < nkinds; k++) {
		if (ks[k].zapped.addr)
			mem_unmap(&ks[k].zapped);
		if (ks[k].paged.addr)
			mem_unmap(&ks[k].paged);
		if (ks[k].uffd >= 0)
			close(ks[k].uffd);
	}
	free(ks);
	return 0;
}

int main(int argc, char **argv)
{
	int kinds[MEM_NR_KINDS], nkinds = 0, i;
	int (*part)(int *kinds, int nkinds) = NULL;

	main_pid = getpid();
	if (argc > 1 && !strcmp(argv[1], "unpriv"))
		part = part_unpriv;
	else if (argc > 1 && !strcmp(argv[1], "shared"))
		part = part_shared;
	else if (argc > 1 && !strcmp(argv[1], "markers"))
		part = part_markers;
	else if (argc > 1 && !strcmp(argv[1], "swapoff"))
		part = part_markers, private_swap = true;
	for (i = 2; part && i < argc; i++) {
		if (nkinds == MEM_NR_KINDS || (kinds[nkinds] = mem_kind_parse(argv[i])) < 0)
			part = NULL;
		nkinds++;
	}
	if (!part || !nkinds)
		tap_bail("usage: %s unpriv|shared|markers|swapoff KIND...", argv[0]);
	signal(SIGPIPE, SIG_IGN);
	begin();
	part(kinds, nkinds);
	finish();
}
