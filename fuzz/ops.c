// SPDX-License-Identifier: GPL-2.0
/*
 * The operations, the model they update and the checks (the oracle).
 *
 * Each region belongs to one worker, which runs one operation at a time on
 * it: the model of every page is exact. What an operation does to a page is
 * what the kernel under test must do (see /work/shared/design/semantics.md,
 * and README.md for the rules as implemented here).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fuzz.h"

#define MSG_TIMEOUT	10.0	/* s: a message that must come */
#define CHILD_TIMEOUT	60	/* s: a fork child checking and exiting */

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif

const char *const op_names[OP_NR] = {
	[OP_READ] = "read", [OP_WRITE] = "write", [OP_PROTECT] = "protect",
	[OP_UNPROTECT] = "unprotect", [OP_REGISTER] = "register",
	[OP_UNREGISTER] = "unregister", [OP_COPY] = "copy", [OP_ZEROPAGE] = "zeropage",
	[OP_DONTNEED] = "dontneed", [OP_PAGEOUT] = "pageout", [OP_PUNCH] = "punch",
	[OP_TRUNCATE] = "truncate", [OP_MPROTECT] = "mprotect", [OP_MIGRATE] = "migrate",
	[OP_FORK] = "fork", [OP_MREMAP] = "mremap", [OP_CLOSE] = "close",
	[OP_VERIFY] = "verify", [OP_VMFLAGS] = "vmflags",
};

static const unsigned int op_weight[OP_NR] = {
	[OP_READ] = 10, [OP_WRITE] = 18, [OP_PROTECT] = 12, [OP_UNPROTECT] = 3,
	[OP_REGISTER] = 4, [OP_UNREGISTER] = 1, [OP_COPY] = 4, [OP_ZEROPAGE] = 2,
	[OP_DONTNEED] = 6, [OP_PAGEOUT] = 3, [OP_PUNCH] = 5, [OP_TRUNCATE] = 2,
	[OP_MPROTECT] = 2, [OP_MIGRATE] = 3, [OP_FORK] = 2, [OP_MREMAP] = 1,
	[OP_CLOSE] = 1, [OP_VERIFY] = 1, [OP_VMFLAGS] = 1,
};

static const char *const reg_names[] = { "none", "MISSING", "WP", "MISSING|WP" };
static const char *const pte_names[] = { "none", "file", "zero", "anon" };
static const char *const res_names[] = { "COPY", "COPY|WP", "ZEROPAGE" };
static const char *const cache_names[] = { "none", "dirty", "clean" };

/* --- the model --- */

static bool is_huge(struct region *r)
{
	return r->cls == C_HUGE || r->cls == C_HUGE_PRIV;
}

static bool is_shared(struct region *r)
{
	return r->cls == C_SHMEM || r->cls == C_HUGE;
}

static bool is_private(struct region *r)
{
	return !is_shared(r);
}

/* What a read of page @i returns now (0: zeroes). */
static uint64_t vis(struct region *r, int i)
{
	struct page_model *p = &r->pg[i];

	if (p->pte == PTE_ANON)
		return p->adata;
	if (p->pte == PTE_ZERO || r->cls == C_ANON || r->cls == C_HUGE_PRIV)
		return 0;
	return p->cache ? p->fdata : 0;
}

static uint64_t tail_of(uint64_t v)
{
	return v ? ~v : 0;
}

enum { M_NO, M_YES, M_MAYBE };

/* Would an access to page @i be a missing fault, if the vma asked for them? */
static int missing_pred(struct region *r, int i)
{
	struct page_model *p = &r->pg[i];

	switch (r->cls) {
	case C_ANON:
	case C_HUGE_PRIV:
		return p->pte == PTE_NONE ? M_YES : M_NO;
	case C_SHMEM_PRIV:
		if (p->pte != PTE_NONE)
			return M_NO;
		/* fall through */
	default:
		return p->cache == CACHE_NO ? M_YES : p->cache == CACHE_CLEAN ? M_MAYBE : M_NO;
	}
}

/* The file gets a page where it has none: clean (shmem) or one that stays. */
static void file_page_in(struct region *r, struct page_model *p)
{
	if (p->cache == CACHE_NO) {
		p->cache = r->cls == C_HUGE ? CACHE_DIRTY : CACHE_CLEAN;
		p->fdata = 0;
	}
}

/* An access that is not a missing fault: what faulting the page in does. */
static void fault_in(struct region *r, int i)
{
	struct page_model *p = &r->pg[i];

	switch (r->cls) {
	case C_ANON:
		if (p->pte == PTE_NONE)
			p->pte = PTE_ZERO;
		break;
	case C_HUGE_PRIV:
		if (p->pte == PTE_NONE) {
			p->pte = PTE_ANON;
			p->adata = 0;
		}
		break;
	case C_SHMEM_PRIV:
		if (p->pte == PTE_NONE)
			file_page_in(r, p);
		break;
	case C_HUGE:
		p->pte = PTE_FILE;
		/* fall through */
	case C_SHMEM:
		file_page_in(r, p);
		break;
	}
}

/* A write, once the page is in (fault_in() or a fill) and writable. */
static void apply_write(struct region *r, int i, uint64_t s)
{
	struct page_model *p = &r->pg[i];

	if (is_private(r)) {
		p->pte = PTE_ANON;
		p->adata = s;
	} else {
		p->cache = CACHE_DIRTY;
		p->fdata = s;
		if (r->cls == C_HUGE)
			p->pte = PTE_FILE;
	}
}

/* UFFDIO_COPY (@res RES_COPY[_WP]) or UFFDIO_ZEROPAGE into an empty page */
static void apply_fill(struct region *r, int i, int res, uint64_t stamp)
{
	struct page_model *p = &r->pg[i];

	if (res == RES_ZERO) {
		if (is_private(r)) {
			p->pte = PTE_ZERO;
		} else {
			/* a new page cache page, dirty */
			p->cache = CACHE_DIRTY;
			p->fdata = 0;
		}
	} else {
		apply_write(r, i, stamp);
	}
	p->wp = res == RES_COPY_WP;
}

enum { T_EMPTY, T_FULL, T_UNKNOWN };

/* Can UFFDIO_COPY/ZEROPAGE fill page @i (none pte or marker, no page cache page)? */
static int copy_target(struct region *r, int i)
{
	struct page_model *p = &r->pg[i];

	switch (r->cls) {
	case C_ANON:
	case C_HUGE_PRIV:
		return p->pte == PTE_NONE ? T_EMPTY : T_FULL;
	case C_SHMEM_PRIV:
		if (p->pte != PTE_NONE)
			return T_FULL;
		/* the file page may be mapped (fault-around, a read): unknown */
		return p->cache != CACHE_NO ? T_UNKNOWN : T_EMPTY;
	default:
		/* a clean page may have been reclaimed */
		return p->cache == CACHE_NO ? T_EMPTY :
		       p->cache == CACHE_CLEAN ? T_UNKNOWN : T_FULL;
	}
}

/* --- reporting --- */

static const char *stamp_str(uint64_t v, char *buf, size_t len)
{
	if (!v)
		snprintf(buf, len, "zeroes");
	else
		snprintf(buf, len, "%#" PRIx64 " (region %d page %d gen %" PRIu64 ")", v,
			 (int)(v >> 48) - 1, (int)((v >> 40) & 0xff), (uint64_t)(v & ((1ULL << 40) - 1)));
	return buf;
}

static const char *page_str(struct region *r, int i, char *buf, size_t len)
{
	struct page_model *p = &r->pg[i];
	char a[80], b[80];

	snprintf(buf, len, "model of page %d: reg %s, wp %d, pte %s, cache %s, file %s, anon %s",
		 i, reg_names[p->reg], p->wp, pte_names[p->pte], cache_names[p->cache],
		 stamp_str(p->fdata, a, sizeof(a)), stamp_str(p->adata, b, sizeof(b)));
	return buf;
}

static void check(struct worker *w, struct region *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void check(struct worker *w, struct region *r, bool ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	r->checks++;
	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail(w, r, "%s", msg);
}

static void cur_add(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cur_add(struct worker *w, const char *fmt, ...)
{
	size_t n = strlen(w->cur);
	va_list ap;

	if (n >= sizeof(w->cur) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(w->cur + n, sizeof(w->cur) - n, fmt, ap);
	va_end(ap);
}

/* --- pagemap --- */

uint64_t pagemap_read(int fd, const void *addr)
{
	uint64_t ent;
	off_t off = (uintptr_t)addr / 4096 * sizeof(ent);

	if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent)) {
		fprintf(stderr, "pagemap read: %s\n", strerror(errno));
		return 0;
	}
	return ent;
}

static void check_pagemap_page(struct worker *w, struct region *r, int i, uint64_t ent,
			       const char *when)
{
	struct page_model *p = &r->pg[i];
	char buf[300];
	bool present;

	if (cfg.pagemap_wp)
		check(w, r, !!(ent & PM_UFFD_WP) == p->wp,
		      "page %d %s: pagemap PM_UFFD_WP %d, expected %d (pagemap %#" PRIx64 "; %s)",
		      i, when, !!(ent & PM_UFFD_WP), p->wp, ent, page_str(r, i, buf, sizeof(buf)));
	switch (r->cls) {
	case C_ANON:
		present = ent & (PM_PRESENT | PM_SWAP);
		check(w, r, present == (p->pte != PTE_NONE),
		      "page %d %s: pagemap present/swap %d, expected %d (pagemap %#" PRIx64 "; %s)",
		      i, when, present, p->pte != PTE_NONE, ent, page_str(r, i, buf, sizeof(buf)));
		break;
	case C_HUGE:
	case C_HUGE_PRIV:
		present = ent & PM_PRESENT;
		check(w, r, present == (p->pte != PTE_NONE),
		      "page %d %s: pagemap present %d, expected %d (pagemap %#" PRIx64 "; %s)",
		      i, when, present, p->pte != PTE_NONE, ent, page_str(r, i, buf, sizeof(buf)));
		break;
	case C_SHMEM_PRIV:
		if (p->pte == PTE_NONE)
			break;
		present = ent & (PM_PRESENT | (p->pte == PTE_ANON ? PM_SWAP : 0));
		check(w, r, present, "page %d %s: pagemap says not mapped (pagemap %#" PRIx64
		      "; %s)", i, when, ent, page_str(r, i, buf, sizeof(buf)));
		break;
	}
}

/* The model's own rules, then pagemap against the model for every page. */
void region_check(struct worker *w, struct region *r, const char *when)
{
	uint64_t ents[MAX_PAGES];
	char buf[300];
	int i;

	for (i = 0; i < r->npages; i++) {
		struct page_model *p = &r->pg[i];

		if ((p->wp && !(p->reg & REG_WP)) || (r->cls == C_ANON && p->wp && p->pte == PTE_NONE) ||
		    (r->cls == C_HUGE && p->pte == PTE_FILE && p->cache != CACHE_DIRTY) ||
		    (p->cache == CACHE_CLEAN && p->fdata))
			fail(w, r, "oracle bug: impossible %s", page_str(r, i, buf, sizeof(buf)));
	}
	if (is_huge(r)) {
		for (i = 0; i < r->npages; i++)
			ents[i] = pagemap_read(pagemap_fd, page_addr(r, i));
	} else {
		off_t off = (uintptr_t)r->m.addr / 4096 * sizeof(uint64_t);
		ssize_t n = pread(pagemap_fd, ents, r->npages * sizeof(uint64_t), off);

		if (n != (ssize_t)(r->npages * sizeof(uint64_t)))
			fail(w, r, "reading pagemap: %s", n < 0 ? strerror(errno) : "short read");
	}
	for (i = 0; i < r->npages; i++)
		check_pagemap_page(w, r, i, ents[i], when);
	i = (int)log_count(r);
	if ((unsigned int)i != r->consumed)
		fail(w, r, "%s: %u unexpected userfaultfd message(s) (first: #%u)", when,
		     i - r->consumed, r->consumed);
}

/* --- messages --- */

static const char *const log_type_names[] = { "WP", "MISSING", "FORK", "REMAP", "OTHER" };

/* Takes the next message, which must be of @type; fails if none comes. */
static struct logent *take(struct worker *w, struct region *r, int type, const char *what)
{
	struct logent *e = log_wait(w, r, r->consumed, MSG_TIMEOUT);

	if (!e)
		fail(w, r, "%s: expected a %s message, none came (%u logged)", what,
		     log_type_names[type], log_count(r));
	r->consumed++;
	if (e->type != type)
		fail(w, r, "%s: expected a %s message, got %s (addr %#" PRIx64 ", flags %#" PRIx64
		     ", event %d)", what, log_type_names[type], log_type_names[e->type], e->addr,
		     e->flags, e->event);
	return e;
}

static void expect_none(struct worker *w, struct region *r, const char *what)
{
	unsigned int n = log_count(r);
	struct logent *e;

	if (n == r->consumed)
		return;
	e = log_wait(w, r, r->consumed, 1.0);
	fail(w, r, "%s: unexpected %s message (addr %#" PRIx64 ", page %ld, flags %#" PRIx64
	     ", seen %#" PRIx64 ")", what, e ? log_type_names[e->type] : "?", e ? e->addr : 0,
	     e ? (long)((e->addr - (uint64_t)r->m.addr) / r->psize) : -1L, e ? e->flags : 0,
	     e ? e->seen_head : 0);
}

static void check_fault(struct worker *w, struct region *r, struct logent *e, int i,
			uint64_t flags, const char *what)
{
	uint64_t page = (uint64_t)page_addr(r, i);

	check(w, r, (e->addr & ~((uint64_t)r->psize - 1)) == page,
	      "%s: %s message for address %#" PRIx64 ", expected page %d at %#" PRIx64, what,
	      log_type_names[e->type], e->addr, i, page);
	check(w, r, e->flags == flags, "%s: %s message flags %#" PRIx64 ", expected %#" PRIx64,
	      what, log_type_names[e->type], e->flags, flags);
	if (r->features & UFFD_FEATURE_THREAD_ID)
		check(w, r, e->ptid == (uint32_t)w->tid, "%s: message ptid %u, expected %d",
		      what, e->ptid, w->tid);
	else
		check(w, r, e->ptid == 0, "%s: message ptid %u without UFFD_FEATURE_THREAD_ID",
		      what, e->ptid);
	check(w, r, !e->err, "%s: resolving the %s fault failed: %s", what,
	      log_type_names[e->type], strerror(-e->err));
}

/* --- accesses --- */

static uint64_t tail_off(struct region *r)
{
	return r->psize - TAIL_GAP;
}

/*
 * Reads or writes page @i and checks what the handler saw: a missing fault
 * where the model has no page and the vma asks for them, then (for a write)
 * one WP fault where the model says protected, with the old data still in
 * the page; then the data itself.
 */
static void access_page(struct worker *w, struct region *r, int i, bool write)
{
	struct page_model *p = &r->pg[i];
	volatile uint64_t *head = (uint64_t *)(page_addr(r, i) + HEAD_OFF);
	volatile uint64_t *tail = (uint64_t *)(page_addr(r, i) + tail_off(r));
	int miss = p->reg & REG_MISSING ? missing_pred(r, i) : M_NO;
	uint64_t s = write ? make_stamp(r, i, gen_next(r)) : 0, h = 0, t = 0, old;
	char what[64], a[80], b[80], buf[300];
	struct logent *e;

	snprintf(what, sizeof(what), "%s page %d", write ? "write" : "read", i);
	if (write) {
		*head = s;
		*tail = ~s;
	} else {
		h = *head;
		t = *tail;
	}
	if (miss == M_MAYBE) {
		/* a clean page, maybe reclaimed: was there a missing fault? */
		e = log_count(r) > r->consumed ? log_wait(w, r, r->consumed, MSG_TIMEOUT) : NULL;
		if (!e || e->type != LOG_MISSING ||
		    (e->addr & ~((uint64_t)r->psize - 1)) != (uint64_t)page_addr(r, i))
			miss = M_NO;
	}
	if (miss != M_NO) {
		e = take(w, r, LOG_MISSING, what);
		check_fault(w, r, e, i, write ? UFFD_PAGEFAULT_FLAG_WRITE : 0, what);
		if (e->err_wp)
			check(w, r, e->err_wp == -EINVAL && !(p->reg & REG_WP),
			      "%s: UFFDIO_COPY_MODE_WP into a %s vma: %s", what,
			      reg_names[p->reg], strerror(-e->err_wp));
		apply_fill(r, i, e->res, e->stamp);
		cur_add(w, " [p%d MISSING %s]", i, res_names[e->res]);
	} else {
		fault_in(r, i);
	}
	if (write) {
		old = vis(r, i);
		if (p->wp) {
			e = take(w, r, LOG_WP, what);
			check_fault(w, r, e, i, UFFD_PAGEFAULT_FLAG_WP | UFFD_PAGEFAULT_FLAG_WRITE,
				    what);
			check(w, r, e->seen_head == old && e->seen_tail == tail_of(old),
			      "%s: when the WP message came the page held %s (tail %#" PRIx64
			      "), expected the old %s: the write landed before the message",
			      what, stamp_str(e->seen_head, a, sizeof(a)), e->seen_tail,
			      stamp_str(old, b, sizeof(b)));
			p->wp = 0;
			cur_add(w, " [p%d WP]", i);
		}
		apply_write(r, i, s);
		h = *head;
		t = *tail;
	}
	expect_none(w, r, what);
	check(w, r, h == vis(r, i) && t == tail_of(vis(r, i)),
	      "%s: the page holds %s (tail %#" PRIx64 "), expected %s (%s)", what,
	      stamp_str(h, a, sizeof(a)), t, stamp_str(vis(r, i), b, sizeof(b)),
	      page_str(r, i, buf, sizeof(buf)));
}

/* --- ranges --- */

static void ensure_vmas(struct worker *w, struct region *r)
{
	if (!r->vma_valid)
		region_vmas(w, r);
}

/* What a range should preferably start at: the pages where things happen. */
enum pref {
	P_ANY,
	P_WP,		/* protected pages */
	P_REG_WP,	/* pages registered for WP */
	P_REG,		/* registered pages (any mode) */
	P_MISSING,	/* pages a read would be a missing fault for */
	P_EMPTY,	/* registered pages UFFDIO_COPY can fill */
};

static bool pref_ok(struct region *r, int i, int pref)
{
	struct page_model *p = &r->pg[i];

	switch (pref) {
	case P_WP:
		return p->wp;
	case P_REG_WP:
		return p->reg & REG_WP;
	case P_REG:
		return p->reg;
	case P_MISSING:
		return (p->reg & REG_MISSING) && missing_pred(r, i) != M_NO;
	case P_EMPTY:
		return p->reg && copy_target(r, i) == T_EMPTY;
	default:
		return true;
	}
}

/*
 * A random range [*a, *b) of pages below @n (false if @n is 0), at most
 * @maxlen long (0: any); three times in four it starts at a page that
 * satisfies @pref, if there is one.
 */
static bool pick_range(struct region *r, int n, int maxlen, int pref, int *a, int *b)
{
	unsigned int k, use_pref = rnd_below(&r->rng, 4), nok = 0;
	int len, i;

	if (n <= 0)
		return false;
	*a = (int)rnd_below(&r->rng, n);
	k = rnd_below(&r->rng, 1000000);
	for (i = 0; pref != P_ANY && use_pref && i < n; i++)
		nok += pref_ok(r, i, pref);
	if (nok) {
		k %= nok;
		for (i = 0; i < n; i++)
			if (pref_ok(r, i, pref) && !k--)
				break;
		*a = i;
	}
	k = rnd_below(&r->rng, 10);
	if (k < 4)
		len = 1;
	else if (k < 8)
		len = 1 + (int)rnd_below(&r->rng, (n - *a) < 8 ? n - *a : 8);
	else
		len = n - *a;
	if (maxlen && len > maxlen)
		len = maxlen;
	*b = *a + len;
	return true;
}

/* As pick_range(), mostly inside one vma; *@crosses if it is not. */
static bool pick_vma_range(struct worker *w, struct region *r, int n, int maxlen, int pref,
			   int *a, int *b, bool *crosses)
{
	int s, e;

	if (!pick_range(r, n, maxlen, pref, a, b))
		return false;
	ensure_vmas(w, r);
	region_vma_of(r, *a, &s, &e);
	if ((rnd_below(&r->rng, 10) < 9 || cfg.portable) && *b > e)
		*b = e;
	*crosses = *b > e;
	return true;
}

/* The registration of pages [a, b), which must be one vma's: the same everywhere. */
static int range_reg(struct worker *w, struct region *r, int a, int b)
{
	int i;

	for (i = a + 1; i < b; i++)
		if (r->pg[i].reg != r->pg[a].reg)
			fail(w, r, "oracle: pages %d (%s) and %d (%s) of one vma differ", a,
			     reg_names[r->pg[a].reg], i, reg_names[r->pg[i].reg]);
	return r->pg[a].reg;
}

/* --- the operations --- */

static void op_access(struct worker *w, struct region *r, bool write)
{
	int a, b, i;

	if (!pick_range(r, r->eof, write ? 4 : 0, write ? P_WP : P_MISSING, &a, &b)) {
		cur_add(w, " (nothing below EOF)");
		return;
	}
	cur_add(w, " p%d-%d", a, b - 1);
	for (i = a; i < b; i++)
		access_page(w, r, i, write);
}

static void op_verify(struct worker *w, struct region *r)
{
	int i;

	for (i = 0; i < r->eof; i++)
		access_page(w, r, i, false);
}

static void op_writeprotect(struct worker *w, struct region *r, bool protect)
{
	struct uffdio_writeprotect wp;
	int a, b, i, reg, expect, ret;
	bool crosses;

	pick_vma_range(w, r, r->npages, 0, protect ? P_REG_WP : P_WP, &a, &b, &crosses);
	reg = range_reg(w, r, a, crosses ? a + 1 : b);
	expect = crosses || !(reg & REG_WP) ? -ENOENT : 0;
	wp.range.start = (unsigned long)page_addr(r, a);
	wp.range.len = (unsigned long)(b - a) * r->psize;
	wp.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
	cur_add(w, " p%d-%d%s", a, b - 1, crosses ? " (crosses vmas)" : "");
	ret = uffd_ioctl_retry(r->uffd, UFFDIO_WRITEPROTECT, &wp);
	check(w, r, ret == expect, "UFFDIO_WRITEPROTECT(%s) of pages %d-%d (%s): %s, expected %s",
	      protect ? "WP" : "0", a, b - 1, reg_names[reg], strerror(-ret),
	      strerror(-expect));
	if (ret)
		return;
	for (i = a; i < b; i++)
		r->pg[i].wp = protect && (r->cls != C_ANON || r->pg[i].pte != PTE_NONE);
}

static void op_register(struct worker *w, struct region *r)
{
	/* mostly with WP: MISSING 1 in 5, WP 2 in 5, MISSING|WP 2 in 5 */
	unsigned int mode = "\1\2\2\3\3"[rnd_below(&r->rng, 5)];
	uint64_t ioctls = 0;
	int a, b, i, ret;
	bool bit;

	pick_range(r, r->npages, 0, P_ANY, &a, &b);
	/* 6.x leaves the ptes protected when WP goes: keep it (--portable) */
	for (i = a; cfg.portable && !(mode & REG_WP) && i < b; i++)
		if (r->pg[i].reg & REG_WP)
			mode |= REG_WP;
	cur_add(w, " p%d-%d %s", a, b - 1, reg_names[mode]);
	ret = uffd_register(r->uffd, page_addr(r, a), (size_t)(b - a) * r->psize,
			    (mode & REG_MISSING ? UFFDIO_REGISTER_MODE_MISSING : 0) |
			    (mode & REG_WP ? UFFDIO_REGISTER_MODE_WP : 0), &ioctls);
	r->vma_valid = false;
	check(w, r, !ret, "UFFDIO_REGISTER(%s) of pages %d-%d: %s", reg_names[mode], a, b - 1,
	      strerror(-ret));
	bit = ioctls & (1ULL << _UFFDIO_WRITEPROTECT);
	check(w, r, bit == !!(mode & REG_WP), "UFFDIO_REGISTER(%s): ioctls %#" PRIx64
	      " %s UFFDIO_WRITEPROTECT", reg_names[mode], ioctls, bit ? "with" : "without");
	bit = ioctls & (1ULL << _UFFDIO_ZEROPAGE);
	check(w, r, bit == !is_huge(r), "UFFDIO_REGISTER(%s): ioctls %#" PRIx64
	      " %s UFFDIO_ZEROPAGE", reg_names[mode], ioctls, bit ? "with" : "without");
	for (i = a; i < b; i++) {
		struct page_model *p = &r->pg[i];
		int next = (p->reg & (int)mode) == (int)mode ? p->reg : (int)mode;

		/* a vma that has every mode asked for is left as it is */
		if ((p->reg & REG_WP) && !(next & REG_WP))
			p->wp = 0;
		p->reg = next;
	}
}

/* The whole region, with a random mode: a start that is not all ENOENT */
void region_register_all(struct worker *w, struct region *r)
{
	unsigned int mode = "\1\2\2\3\3"[rnd_below(&r->rng, 5)];
	int i, ret;

	ret = uffd_register(r->uffd, r->m.addr, r->m.len,
			    (mode & REG_MISSING ? UFFDIO_REGISTER_MODE_MISSING : 0) |
			    (mode & REG_WP ? UFFDIO_REGISTER_MODE_WP : 0), NULL);
	r->vma_valid = false;
	check(w, r, !ret, "UFFDIO_REGISTER(%s) of the region: %s", reg_names[mode],
	      strerror(-ret));
	for (i = 0; i < r->npages; i++)
		r->pg[i].reg = mode;
	cur_add(w, " registered %s", reg_names[mode]);
}

static void op_unregister(struct worker *w, struct region *r)
{
	int a, b, i, ret;

	pick_range(r, r->npages, 0, P_REG, &a, &b);
	cur_add(w, " p%d-%d", a, b - 1);
	ret = uffd_unregister(r->uffd, page_addr(r, a), (size_t)(b - a) * r->psize);
	r->vma_valid = false;
	check(w, r, !ret, "UFFDIO_UNREGISTER of pages %d-%d: %s", a, b - 1, strerror(-ret));
	for (i = a; i < b; i++) {
		r->pg[i].reg = 0;
		r->pg[i].wp = 0;
	}
}

/* UFFDIO_COPY (@zero false, maybe MODE_WP) or UFFDIO_ZEROPAGE */
static void op_fill(struct worker *w, struct region *r, bool zero)
{
	int a, b, i, reg, expect, ret, full, maxlen = is_huge(r) ? COPY_MAX_HUGE : COPY_MAX_SMALL;
	bool crosses, wpmode = !zero && rnd_below(&r->rng, 2);
	uint64_t stamps[MAX_PAGES];
	int64_t done;

	if (!pick_vma_range(w, r, r->eof, maxlen, P_EMPTY, &a, &b, &crosses)) {
		cur_add(w, " (nothing below EOF)");
		return;
	}
	reg = range_reg(w, r, a, crosses ? a + 1 : b);
	/* stamps whatever happens: the generations do not depend on the kernel */
	for (i = a; i < b; i++)
		stamps[i] = make_stamp(r, i, gen_next(r));
	if (crosses || !reg)
		expect = -ENOENT;
	else if ((wpmode && !(reg & REG_WP)) || (zero && is_huge(r)))
		expect = -EINVAL;
	else
		expect = 0;
	if (!expect) {
		for (i = a; i < b; i++)
			if (copy_target(r, i) == T_UNKNOWN)
				break;
		if (i == a) {
			cur_add(w, " p%d: skipped (unknown pte)", a);
			return;
		}
		b = i;
	}
	cur_add(w, " p%d-%d%s%s", a, b - 1, wpmode ? " MODE_WP" : "",
		crosses ? " (crosses vmas)" : "");
	for (full = a; !expect && full < b; full++)
		if (copy_target(r, full) == T_FULL)
			break;
	if (zero) {
		struct uffdio_zeropage zp = {
			.range = { .start = (unsigned long)page_addr(r, a),
				   .len = (unsigned long)(b - a) * r->psize },
		};

		/* EAGAIN from mmap_changing leaves .zeropage as it was */
		do {
			zp.zeropage = -EAGAIN;
			ret = ioctl(r->uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
		} while (ret == -EAGAIN && zp.zeropage == -EAGAIN && !usleep(200));
		done = zp.zeropage;
	} else {
		struct uffdio_copy copy = {
			.dst = (unsigned long)page_addr(r, a),
			.src = (unsigned long)w->buf,
			.len = (unsigned long)(b - a) * r->psize,
			.mode = wpmode ? UFFDIO_COPY_MODE_WP : 0,
		};

		for (i = a; i < b; i++)
			fill_page(w->buf + (size_t)(i - a) * r->psize, r->psize, stamps[i]);
		do {
			copy.copy = -EAGAIN;
			ret = ioctl(r->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
		} while (ret == -EAGAIN && copy.copy == -EAGAIN && !usleep(200));
		done = copy.copy;
		for (i = a; i < b; i++)
			fill_page(w->buf + (size_t)(i - a) * r->psize, r->psize, 0);
	}
	if (expect) {
		check(w, r, ret == expect, "%s of pages %d-%d (%s%s): %s, expected %s",
		      zero ? "UFFDIO_ZEROPAGE" : "UFFDIO_COPY", a, b - 1, reg_names[reg],
		      crosses ? ", crossing vmas" : "", strerror(-ret), strerror(-expect));
		return;
	}
	/* pages [a, full) empty: filled; page full not: EEXIST there */
	if (full == a)
		expect = -EEXIST;
	else if (full < b)
		expect = -EAGAIN;
	check(w, r, ret == expect && (expect == -EEXIST ? done == -EEXIST :
				       done == (int64_t)(full - a) * (int64_t)r->psize),
	      "%s of pages %d-%d: %s, %" PRId64 " bytes done; expected %s with %d pages done "
	      "(page %d is %s)", zero ? "UFFDIO_ZEROPAGE" : "UFFDIO_COPY", a, b - 1,
	      strerror(-ret), done, strerror(-expect), full - a, full,
	      full < b ? "populated" : "-");
	for (i = a; i < full; i++)
		apply_fill(r, i, zero ? RES_ZERO : wpmode ? RES_COPY_WP : RES_COPY, stamps[i]);
}

static void op_dontneed(struct worker *w, struct region *r)
{
	int a, b, i, ret;

	pick_range(r, r->npages, 0, P_WP, &a, &b);
	cur_add(w, " p%d-%d", a, b - 1);
	ret = madvise(page_addr(r, a), (size_t)(b - a) * r->psize, MADV_DONTNEED) ? -errno : 0;
	check(w, r, !ret, "MADV_DONTNEED of pages %d-%d: %s", a, b - 1, strerror(-ret));
	for (i = a; i < b; i++) {
		struct page_model *p = &r->pg[i];

		/* anonymous memory drops the protection with the page */
		if (r->cls == C_ANON || cfg.selfcheck)
			p->wp = 0;
		p->pte = PTE_NONE;
	}
}

static void op_pageout(struct worker *w, struct region *r)
{
	int a, b, ret, expect = is_huge(r) ? -EINVAL : 0;

	pick_range(r, r->npages, 0, P_WP, &a, &b);
	cur_add(w, " p%d-%d", a, b - 1);
	ret = madvise(page_addr(r, a), (size_t)(b - a) * r->psize, MADV_PAGEOUT) ? -errno : 0;
	check(w, r, ret == expect, "MADV_PAGEOUT of pages %d-%d: %s, expected %s", a, b - 1,
	      strerror(-ret), strerror(-expect));
}

static void op_punch(struct worker *w, struct region *r)
{
	bool by_fd = r->m.fd >= 0 && (!is_shared(r) || rnd_below(&r->rng, 2));
	int a, b, i, ret;

	pick_range(r, r->npages, 0, P_WP, &a, &b);
	cur_add(w, " p%d-%d %s", a, b - 1, by_fd ? "fallocate" : "MADV_REMOVE");
	pthread_rwlock_rdlock(&fork_rw);
	if (by_fd)
		ret = fallocate(r->m.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)a * r->psize, (off_t)(b - a) * r->psize) ? -errno : 0;
	else
		ret = madvise(page_addr(r, a), (size_t)(b - a) * r->psize, MADV_REMOVE) ?
		      -errno : 0;
	pthread_rwlock_unlock(&fork_rw);
	check(w, r, !ret, "punching pages %d-%d: %s", a, b - 1, strerror(-ret));
	for (i = a; i < b; i++) {
		struct page_model *p = &r->pg[i];

		/* the protection stays (markers) */
		p->cache = CACHE_NO;
		p->fdata = 0;
		switch (r->cls) {
		case C_SHMEM_PRIV:
			/* private copies stay, the zero page goes (it has no page) */
			if (p->pte == PTE_ZERO)
				p->pte = PTE_NONE;
			break;
		case C_HUGE_PRIV:
			/* hugetlbfs removes the private pages too */
		default:
			p->pte = PTE_NONE;
			break;
		}
	}
}

static void op_truncate(struct worker *w, struct region *r)
{
	int k = (int)rnd_below(&r->rng, r->npages + 1), i, ret;

	if (k == r->eof)
		k = r->npages;
	cur_add(w, " to %d pages (from %d)", k, r->eof);
	pthread_rwlock_rdlock(&fork_rw);
	ret = ftruncate(r->m.fd, (off_t)k * r->psize) ? -errno : 0;
	pthread_rwlock_unlock(&fork_rw);
	check(w, r, !ret, "ftruncate to %d pages: %s", k, strerror(-ret));
	for (i = k; i < r->eof; i++) {
		r->pg[i].cache = CACHE_NO;
		r->pg[i].fdata = 0;
		r->pg[i].pte = PTE_NONE;
	}
	/*
	 * hugetlbfs zaps from the new size on, dropping the protection, at
	 * every size change (hugetlb_vmtruncate(), growing too: that only
	 * matters for markers beyond EOF). shmem zaps only when it shrinks,
	 * and keeps the protection.
	 */
	if (r->cls == C_HUGE)
		for (i = k; i < r->npages; i++)
			r->pg[i].wp = 0;
	r->eof = k;
}

static void op_mprotect(struct worker *w, struct region *r)
{
	int a, b, ret;

	pick_range(r, r->npages, 0, P_WP, &a, &b);
	cur_add(w, " p%d-%d", a, b - 1);
	ret = mprotect(page_addr(r, a), (size_t)(b - a) * r->psize, PROT_READ) ? -errno : 0;
	r->vma_valid = false;
	check(w, r, !ret, "mprotect(PROT_READ) of pages %d-%d: %s", a, b - 1, strerror(-ret));
	region_check(w, r, "read-only");
	ret = mprotect(page_addr(r, a), (size_t)(b - a) * r->psize, PROT_READ | PROT_WRITE) ?
	      -errno : 0;
	check(w, r, !ret, "mprotect(PROT_READ|PROT_WRITE) of pages %d-%d: %s", a, b - 1,
	      strerror(-ret));
}

static long sys_move_pages(unsigned long count, void **pages, const int *nodes, int *status,
			   int flags)
{
	return syscall(__NR_move_pages, 0, count, pages, nodes, status, flags);
}

static void op_migrate(struct worker *w, struct region *r)
{
	void *pages[MAX_PAGES], *mv[MAX_PAGES];
	int status[MAX_PAGES], nodes[MAX_PAGES], a, b, i, n = 0, moved = 0;
	long ret;

	pick_range(r, r->npages, 0, P_WP, &a, &b);
	cur_add(w, " p%d-%d", a, b - 1);
	for (i = a; i < b; i++)
		pages[i - a] = page_addr(r, i);
	ret = sys_move_pages(b - a, pages, NULL, status, 0);
	if (ret < 0 && (errno == ENOSYS || errno == ENODEV || errno == EPERM)) {
		cfg.migrate = false;
		cur_add(w, ": move_pages: %s, no more migrations", strerror(errno));
		return;
	}
	if (ret < 0) {
		cur_add(w, ": move_pages(query): %s", strerror(errno));
		return;
	}
	for (i = 0; i < b - a; i++) {
		if (status[i] < 0)
			continue;
		mv[n] = pages[i];
		nodes[n++] = status[i] ? 0 : 1;
	}
	if (!n) {
		cur_add(w, ": none mapped");
		return;
	}
	ret = sys_move_pages(n, mv, nodes, status, MPOL_MF_MOVE);
	for (i = 0; i < n; i++)
		moved += status[i] == nodes[i];
	cur_add(w, ": %d of %d moved%s%s", moved, n, ret < 0 ? ", " : "",
		ret < 0 ? strerror(errno) : "");
}

/* Pages the child may touch without a fault that nobody would resolve. */
static bool child_can_touch(struct region *r, int i, bool ev, bool write)
{
	struct page_model *p = &r->pg[i];

	if (!ev)
		return true;	/* the child is not registered at all */
	if ((p->reg & REG_MISSING) && missing_pred(r, i) != M_NO)
		return false;
	return !write || !p->wp;
}

static void op_fork(struct worker *w, struct region *r)
{
	bool ev = r->features & UFFD_FEATURE_EVENT_FORK, registered = false;
	char msg[512] = "";
	struct child_plan plan;
	int i, pfd[2], st = 0, nread = 0, nwrite = 0;
	size_t got = 0;
	double end;
	pid_t pid;

	memset(&plan, 0, sizeof(plan));
	plan.npages = r->npages;
	plan.check_wp = cfg.pagemap_wp;
	for (i = 0; i < r->npages; i++) {
		struct page_model *p = &r->pg[i];

		registered |= p->reg != 0;
		/* EVENT_FORK: the child's vmas are registered, its ptes keep uffd-wp */
		plan.expect_wp[i] = ev && p->wp;
		plan.expect[i] = vis(r, i);
		if (i >= r->eof)
			continue;
		plan.read[i] = rnd_below(&r->rng, 2) && child_can_touch(r, i, ev, false);
		plan.write[i] = rnd_below(&r->rng, 3) == 0 && child_can_touch(r, i, ev, true);
		if (plan.write[i])
			plan.stamp[i] = make_stamp(r, i, gen_next(r));
		nread += plan.read[i];
		nwrite += plan.write[i];
	}
	cur_add(w, " %s: child reads %d, writes %d pages", ev ? "EVENT_FORK" : "no EVENT_FORK",
		nread, nwrite);
	if (pipe(pfd))
		fail(w, r, "pipe: %s", strerror(errno));
	pthread_rwlock_wrlock(&fork_rw);
	__atomic_store_n(&r->forking, 1, __ATOMIC_SEQ_CST);
	pid = fork();
	if (pid < 0)
		fail(w, r, "fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[0]);
		child_main(r, &plan, pfd[1]);
	}
	w->child = pid;
	close(pfd[1]);
	handlers_idle(w);
	end = now() + CHILD_TIMEOUT;
	for (;;) {
		struct pollfd pl = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((end - now()) * 1000);
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			w->child = 0;
			fail(w, r, "fork: the child did not finish in %d s (its last steps: %s)",
			     CHILD_TIMEOUT, got ? msg : "none");
		}
		if (poll(&pl, 1, left) <= 0)
			continue;
		if (got > sizeof(msg) - 64) {
			/* keep the end: the progress and the verdict */
			memmove(msg, msg + got - 128, 128);
			got = 128;
		}
		n = read(pfd[0], msg + got, sizeof(msg) - 1 - got);
		if (n <= 0)
			break;
		got += n;
		msg[got] = 0;
	}
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		fail(w, r, "waitpid: %s", strerror(errno));
	w->child = 0;
	if (ev && registered)
		take(w, r, LOG_FORK, "fork");
	pthread_mutex_lock(&r->lock);
	if (r->fork_ufd >= 0)
		close(r->fork_ufd);
	r->fork_ufd = -1;
	pthread_mutex_unlock(&r->lock);
	__atomic_store_n(&r->forking, 0, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&fork_rw);
	expect_none(w, r, "fork");
	check(w, r, WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork: the child %s %d: %s",
	      WIFEXITED(st) ? "exited with" : "was killed by signal",
	      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), got ? msg : "no message");
	/* what the child did to the file, the parent sees */
	for (i = 0; i < r->npages; i++) {
		struct page_model *p = &r->pg[i];

		if (!plan.read[i] && !plan.write[i])
			continue;
		switch (r->cls) {
		case C_SHMEM:
		case C_HUGE:
			file_page_in(r, p);
			if (plan.write[i]) {
				p->cache = CACHE_DIRTY;
				p->fdata = plan.stamp[i];
			}
			break;
		case C_SHMEM_PRIV:
			/* the child's vma maps the file where ours has no private page */
			if (p->pte == PTE_NONE)
				file_page_in(r, p);
			break;
		}
	}
}

/* Moves the whole region, vma by vma, to a new address. */
static void op_mremap(struct worker *w, struct region *r)
{
	bool ev = r->features & UFFD_FEATURE_EVENT_REMAP;
	int from[MAX_PAGES], n, k, i, reg[MAX_PAGES], err;
	char *old = r->m.addr;
	size_t len[MAX_PAGES];

	for (i = 0; i < r->npages; i++)
		reg[i] = r->pg[i].reg;
	err = region_place(w, r, &n, from, len);
	check(w, r, !err, "mremap: %s", strerror(-err));
	cur_add(w, " %p -> %p in %d piece(s)%s", old, r->m.addr, n, ev ? " EVENT_REMAP" : "");
	for (k = 0; k < n; k++) {
		int first = from[k], last = first + (int)(len[k] / r->psize);

		if (!reg[first])
			continue;
		if (ev) {
			struct logent *e = take(w, r, LOG_REMAP, "mremap");

			check(w, r, e->addr == (uint64_t)(old + (size_t)first * r->psize) &&
			      e->flags == (uint64_t)page_addr(r, first) && e->len == len[k],
			      "mremap: REMAP event %#" PRIx64 " -> %#" PRIx64 " len %#" PRIx64
			      ", expected %p -> %p len %#zx", e->addr, e->flags, e->len,
			      old + (size_t)first * r->psize, page_addr(r, first), len[k]);
			continue;
		}
		/* no EVENT_REMAP: the moved vma is unregistered, and unprotected */
		for (i = first; i < last; i++) {
			r->pg[i].reg = 0;
			r->pg[i].wp = 0;
		}
	}
	expect_none(w, r, "mremap");
}

uint64_t random_features(struct region *r)
{
	uint64_t f = 0;

	if (rnd_below(&r->rng, 2))
		f |= UFFD_FEATURE_EVENT_FORK;
	if (rnd_below(&r->rng, 2))
		f |= UFFD_FEATURE_EVENT_REMAP;
	if (rnd_below(&r->rng, 2))
		f |= UFFD_FEATURE_THREAD_ID;
	return f;
}

static void op_close(struct worker *w, struct region *r)
{
	uint64_t f = random_features(r);
	int i, err;

	pthread_rwlock_rdlock(&fork_rw);
	uffd_stop(r);
	for (i = 0; i < r->npages; i++) {
		r->pg[i].reg = 0;
		r->pg[i].wp = 0;
	}
	r->vma_valid = false;
	err = uffd_start(r, f);
	pthread_rwlock_unlock(&fork_rw);
	check(w, r, !err, "reopening the userfaultfd: %s", strerror(-err));
	r->consumed = log_count(r);
	cur_add(w, ": new uffd, features %#" PRIx64, r->features);
	if (rnd_below(&r->rng, 2))
		region_register_all(w, r);
}

/* /proc/self/smaps VmFlags: "um" and "uw" as the model registered them */
static void op_vmflags(struct worker *w, struct region *r)
{
	uint64_t start = (uint64_t)r->m.addr, end = start + r->m.len;
	unsigned long s = 0, e = 0;
	char *line, *next;
	int fd, nvma = 0;
	size_t used = 0;

	fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	check(w, r, fd >= 0, "open /proc/self/smaps: %s", strerror(errno));
	for (;;) {
		ssize_t n;

		if (w->mapslen - used < 4096) {
			w->mapslen = w->mapslen ? 2 * w->mapslen : 65536;
			w->maps = realloc(w->maps, w->mapslen);
		}
		n = read(fd, w->maps + used, w->mapslen - used - 1);
		if (n <= 0)
			break;
		used += n;
	}
	close(fd);
	w->maps[used] = 0;
	for (line = w->maps; line && *line; line = next) {
		unsigned long a, b;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			s = a;
			e = b;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) || e <= start || s >= end) {
			continue;
		} else {
			int reg = (strstr(line, " um") ? REG_MISSING : 0) |
				  (strstr(line, " uw") ? REG_WP : 0);
			int p0 = s < start ? 0 : (int)((s - start) / r->psize);
			int p1 = e > end ? r->npages : (int)((e - start) / r->psize), i;

			nvma++;
			for (i = p0; i < p1; i++)
				check(w, r, r->pg[i].reg == reg,
				      "smaps: vma %#lx-%#lx (pages %d-%d) is registered %s, "
				      "the model says %s for page %d", s, e, p0, p1 - 1,
				      reg_names[reg], reg_names[r->pg[i].reg], i);
		}
	}
	cur_add(w, ": %d vmas", nvma);
}

/* --- a step --- */

static bool op_valid(struct region *r, int op)
{
	switch (op) {
	case OP_PUNCH:
		return r->m.fd >= 0 || is_shared(r);
	case OP_TRUNCATE:
		return r->m.fd >= 0 && is_shared(r);
	case OP_MIGRATE:
		return cfg.migrate;
	case OP_ZEROPAGE:
		return !cfg.portable;
	default:
		return true;
	}
}

static int pick_op(struct region *r)
{
	unsigned int total = 0, x;
	int op;

	for (op = 0; op < OP_NR; op++)
		if ((cfg.opmask & (1ULL << op)) && op_valid(r, op))
			total += op_weight[op];
	if (!total)
		return -1;
	x = rnd_below(&r->rng, total);
	for (op = 0; op < OP_NR; op++) {
		if (!(cfg.opmask & (1ULL << op)) || !op_valid(r, op))
			continue;
		if (x < op_weight[op])
			return op;
		x -= op_weight[op];
	}
	return -1;
}

uint64_t op_count[OP_NR], op_usec[OP_NR];

void worker_step(struct worker *w)
{
	struct region *r = w->regions[rnd_below(&w->rng, w->nreg)];
	int op = pick_op(r);

	w->cur_region = r;
	snprintf(w->cur, sizeof(w->cur), "#%" PRIu64 " r%d.%" PRIu64 " %s %s", w->ops, r->id, r->ops,
		 kind_name(r), op >= 0 ? op_names[op] : "(none)");
	w->step_start = now();
	if (op < 0) {
		/* nothing allowed on this type: a check only */
		region_check(w, r, "before anything");
		w->step_start = 0;
		return;
	}
	expect_none(w, r, "before the operation");
	switch (op) {
	case OP_READ:
		op_access(w, r, false);
		break;
	case OP_WRITE:
		op_access(w, r, true);
		break;
	case OP_PROTECT:
		op_writeprotect(w, r, true);
		break;
	case OP_UNPROTECT:
		op_writeprotect(w, r, false);
		break;
	case OP_REGISTER:
		op_register(w, r);
		break;
	case OP_UNREGISTER:
		op_unregister(w, r);
		break;
	case OP_COPY:
		op_fill(w, r, false);
		break;
	case OP_ZEROPAGE:
		op_fill(w, r, true);
		break;
	case OP_DONTNEED:
		op_dontneed(w, r);
		break;
	case OP_PAGEOUT:
		op_pageout(w, r);
		break;
	case OP_PUNCH:
		op_punch(w, r);
		break;
	case OP_TRUNCATE:
		op_truncate(w, r);
		break;
	case OP_MPROTECT:
		op_mprotect(w, r);
		break;
	case OP_MIGRATE:
		op_migrate(w, r);
		break;
	case OP_FORK:
		op_fork(w, r);
		break;
	case OP_MREMAP:
		op_mremap(w, r);
		break;
	case OP_CLOSE:
		op_close(w, r);
		break;
	case OP_VERIFY:
		op_verify(w, r);
		break;
	case OP_VMFLAGS:
		op_vmflags(w, r);
		break;
	}
	region_check(w, r, "after the operation");
	hist_add(w, "%s", w->cur);
	r->ops++;
	__atomic_add_fetch(&op_count[op], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&op_usec[op], (uint64_t)((now() - w->step_start) * 1e6),
			   __ATOMIC_RELAXED);
	w->step_start = 0;
}
