// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-snap demo [options]: a consistent live snapshot of memory that
 * writer threads keep changing, taken with userfaultfd write-protect, on
 * anonymous, memfd (shmem) and hugetlbfs memory; verified page by page.
 *
 * Exit status: 0 every snapshot verified, 1 a mismatch or an error,
 * 2 the kernel cannot write-protect one of the memory types (and nothing
 * failed).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "demo.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uffd-snap demo [options]\n"
		"  --type T[,T...]     memory: anon memfd memfd-private hugetlbfs\n"
		"                      hugetlbfs-private hugetlb-memfd, or all (default memfd)\n"
		"  --size-mb N         region size (default 64; hugetlb: rounded up to 2 MiB)\n"
		"  --threads N         writer threads (default 3)\n"
		"  --seconds S         workload time after the initial fill (default 10;\n"
		"                      longer if the snapshot needs it)\n"
		"  --snap-delay S      writing before the snapshot instant (default 1)\n"
		"  --rate MIBPS        limit the background copier (default: no limit)\n"
		"  --no-chaos          no zapping thread\n"
		"  --no-thp            no shmem THPs for memfd, MADV_NOHUGEPAGE on anon\n"
		"  --chaos-delay-us N  pause between chaos actions (default 500)\n"
		"  --chaos-ops OP,...  only these: dontneed pageout migrate punch thp-split\n"
		"  --huge-dir DIR      hugetlbfs mount (default /mnt/huge)\n"
		"  --seed N            random seed (default 1)\n"
		"  --unsafe-discard    negative control: let the chaos thread punch and\n"
		"                      DONTNEED pages the snapshot has not saved yet; exit 0\n"
		"                      only if the verification reports the MISMATCH\n"
		"exit: 0 verified, 1 mismatch or error, 2 write-protect not supported\n");
}

/*
 * Parses a comma-separated list of names out of @names[@n] into the bit mask
 * *@mask ("all" sets every bit where @allow_all). An unknown name or an
 * empty list is an error, reported as a @what.
 */
static int parse_set(const char *arg, const char *const *names, int n, bool allow_all,
		     const char *what, unsigned int *mask)
{
	char *copy = strdup(arg), *save = NULL, *t;
	int ret = 0;

	*mask = 0;
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;

		if (allow_all && !strcmp(t, "all")) {
			*mask = (1U << n) - 1;
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(t, names[i]))
				break;
		if (i == n) {
			fprintf(stderr, "uffd-snap: unknown %s '%s'\n", what, t);
			ret = -1;
			break;
		}
		*mask |= 1U << i;
	}
	free(copy);
	if (!ret && !*mask) {
		fprintf(stderr, "uffd-snap: no %s given\n", what);
		ret = -1;
	}
	return ret;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_TYPE = 256, O_SIZE, O_THREADS, O_SECONDS, O_DELAY, O_RATE, O_NOCHAOS,
	       O_NOTHP, O_CDELAY, O_HUGEDIR, O_SEED, O_UNSAFE, O_OPS, O_HELP };
	static const struct option lopts[] = {
		{ "type", required_argument, NULL, O_TYPE },
		{ "size-mb", required_argument, NULL, O_SIZE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "snap-delay", required_argument, NULL, O_DELAY },
		{ "rate", required_argument, NULL, O_RATE },
		{ "no-chaos", no_argument, NULL, O_NOCHAOS },
		{ "no-thp", no_argument, NULL, O_NOTHP },
		{ "chaos-delay-us", required_argument, NULL, O_CDELAY },
		{ "huge-dir", required_argument, NULL, O_HUGEDIR },
		{ "seed", required_argument, NULL, O_SEED },
		{ "unsafe-discard", no_argument, NULL, O_UNSAFE },
		{ "chaos-ops", required_argument, NULL, O_OPS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){
		.kinds = 1U << MEM_MEMFD, .size = 64UL << 20, .threads = 3, .seconds = 10,
		.snap_delay = 1, .chaos = true, .thp = true, .chaos_delay_us = 500,
		.huge_dir = "/mnt/huge", .seed = 1, .ops = (1U << OP_NR) - 1,
	};
	if (argc < 2 || strcmp(argv[1], "demo")) {
		usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : -1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case O_TYPE:
			if (parse_set(optarg, mem_kind_names, MEM_NR_KINDS, true,
				      "memory type", &o->kinds))
				return -1;
			break;
		case O_SIZE:
			o->size = strtod(optarg, NULL) * (1 << 20);
			break;
		case O_THREADS:
			o->threads = atoi(optarg);
			break;
		case O_SECONDS:
			o->seconds = strtod(optarg, NULL);
			break;
		case O_DELAY:
			o->snap_delay = strtod(optarg, NULL);
			break;
		case O_RATE:
			o->rate_mibps = strtod(optarg, NULL);
			break;
		case O_NOCHAOS:
			o->chaos = false;
			break;
		case O_NOTHP:
			o->thp = false;
			break;
		case O_CDELAY:
			o->chaos_delay_us = atoi(optarg);
			break;
		case O_HUGEDIR:
			o->huge_dir = optarg;
			break;
		case O_SEED:
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case O_OPS:
			if (parse_set(optarg, chaos_op_names, OP_NR, false, "chaos op",
				      &o->ops))
				return -1;
			break;
		case O_UNSAFE:
			o->unsafe_discard = true;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || o->threads < 1 || o->threads > 64 || o->size < 4096 ||
	    o->seconds < 0 || o->snap_delay < 0) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static const char *status_name(enum result_status s)
{
	switch (s) {
	case R_VERIFIED:
		return "VERIFIED";
	case R_MISMATCH:
		return "MISMATCH";
	case R_UNSUPPORTED:
		return "not supported";
	default:
		return "ERROR";
	}
}

static void print_table(const struct result *res, int n)
{
	printf("\n%-17s %6s %5s %7s %7s %8s %8s %8s %7s %20s %7s  %s\n", "type", "MiB", "page",
	       "pages", "snap-s", "MiB/s", "by-fault", "by-copy", "pause", "stall p50/p99/max",
	       "writes", "result");
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];
		const struct snap_stats *st = &r->st;
		char stall[32];

		if (r->status == R_UNSUPPORTED || (r->status == R_ERROR && !st->pages)) {
			printf("%-17s %6zu %5s %7s %7s %8s %8s %8s %7s %20s %7s  %s\n",
			       mem_kind_names[r->kind], r->len >> 20, "-", "-", "-", "-", "-", "-",
			       "-", "-", "-", status_name(r->status));
			continue;
		}
		snprintf(stall, sizeof(stall), "%.0f/%.0f/%.0fus", st->stall_p50_ns / 1e3,
			 st->stall_p99_ns / 1e3, st->stall_max_ns / 1e3);
		printf("%-17s %6zu %4zuK %7zu %7.2f %8.1f %8zu %8zu %5.0fms %20s %6.0fk  %s\n",
		       mem_kind_names[r->kind], r->len >> 20, st->page_size >> 10, st->pages,
		       st->copy_ns / 1e9, st->copy_ns ? (r->len / 1048576.0) / (st->copy_ns / 1e9) : 0,
		       st->by_fault, st->by_copier, r->pause_ns / 1e6, stall, r->writes / 1e3,
		       status_name(r->status));
	}
	printf("\n");
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];
		const struct chaos_count *c = &r->chaos;

		if (r->status == R_UNSUPPORTED || !r->st.pages)
			continue;
		printf("%-17s wp faults %" PRIu64 " (%" PRIu64 " for saved pages); chaos:",
		       mem_kind_names[r->kind], r->st.faults, r->st.stale_faults);
		for (int op = 0; op < OP_NR; op++) {
			if (!c->done[op] && !c->failed[op])
				continue;
			printf(" %s %" PRIu64, chaos_op_names[op], c->done[op]);
			if (c->failed[op])
				printf(" (%" PRIu64 " failed)", c->failed[op]);
		}
		if (c->moved)
			printf(", pages moved %" PRIu64, c->moved);
		if (c->planted)
			printf(", unsaved pages discarded on purpose %" PRIu64, c->planted);
		if (c->refused || c->busy)
			printf(", discards held back: %" PRIu64 " unsaved, %" PRIu64 " busy",
			       c->refused, c->busy);
		if (c->evicted)
			printf(", pages evicted by pageout %" PRIu64, c->evicted);
		if (r->vm.pswpout < 0 && r->vm.thp_split_page < 0)
			printf("; no vmstat event counters\n");
		else
			printf("; vmstat: pswpout %lld pswpin %lld pgmigrate_success %lld thp_split_page %lld\n",
			       r->vm.pswpout, r->vm.pswpin, r->vm.pgmigrate_success,
			       r->vm.thp_split_page);
		if (r->thp[0])
			printf("%-17s THP: %s\n", "", r->thp);
		if (r->status != R_VERIFIED)
			printf("%-17s %s: %s\n", "", status_name(r->status), r->why);
	}
	/* Why the types that did not get as far as a snapshot stopped. */
	for (int i = 0; i < n; i++)
		if (res[i].status == R_UNSUPPORTED || !res[i].st.pages)
			printf("%s: %s\n", mem_kind_names[res[i].kind], res[i].why);
}

/*
 * --unsafe-discard plants damage (discards of pages not saved yet); the
 * verification has to find it. Nothing planted proves nothing either.
 */
static bool negative_control_caught(const struct result *r)
{
	const char *name = mem_kind_names[r->kind];

	if (r->status == R_UNSUPPORTED || r->status == R_ERROR)
		return true;	/* counted as such by the caller */
	if (!r->chaos.planted) {
		printf("%s: negative control INCONCLUSIVE: no unsaved page was discarded (slow the copier down with --rate)\n",
		       name);
		return false;
	}
	if (r->status == R_VERIFIED) {
		printf("%s: negative control FAILED: %" PRIu64 " discards of unsaved pages, yet the snapshot verified\n",
		       name, r->chaos.planted);
		return false;
	}
	printf("%s: negative control OK: %" PRIu64 " discards of unsaved pages, caught: %s\n", name,
	       r->chaos.planted, r->why);
	return true;
}

int main(int argc, char **argv)
{
	struct result res[MEM_NR_KINDS];
	bool failed = false, unsupported = false;
	struct utsname u;
	struct opts o;
	int n = 0;

	/* The guest log is a pipe: lines must come out as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &o))
		return 1;
	uname(&u);
	printf("uffd-snap: kernel %s, %zu MiB per region, %d writers, %.0fs, chaos %s\n", u.release,
	       o.size >> 20, o.threads, o.seconds, o.chaos ? "on" : "off");
	for (int k = 0; k < MEM_NR_KINDS; k++) {
		if (!(o.kinds & (1U << k)))
			continue;
		run_kind(&o, k, &res[n]);
		failed |= res[n].status == R_ERROR;
		if (o.unsafe_discard)
			failed |= !negative_control_caught(&res[n]);
		else
			failed |= res[n].status == R_MISMATCH;
		unsupported |= res[n].status == R_UNSUPPORTED;
		n++;
	}
	print_table(res, n);
	return failed ? 1 : unsupported ? 2 : 0;
}
