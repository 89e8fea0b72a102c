// SPDX-License-Identifier: GPL-2.0
/*
 * smaps-hugetlb-migrate [SECONDS]: one thread moves 4 MAP_HUGETLB pages
 * between NUMA nodes 0 and 1 with move_pages() while another reads
 * /proc/self/smaps, for SECONDS (default 60).
 *
 * 5.10 reads a huge pte for smaps without its page table lock and BUG()s
 * in migration_entry_to_page() when the migration ends in between
 * (series patch 44). On the unpatched base the kernel dies within about a
 * minute; with the series it must survive. Not in the check list, because
 * the base's crash would end that run: `make run LIST=tests/lists/smaps-race.list`
 * and `make run-base LIST=tests/lists/smaps-race.list`.
 *
 * Exit: 0 survived, 1 error, 4 skip (no huge pages or no second node).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HPAGE	(2UL << 20)
#define NR	4

static volatile int stop;

static void *smaps_reader(void *arg)
{
	static char buf[1 << 16];
	unsigned long *reads = arg;

	while (!stop) {
		int fd = open("/proc/self/smaps", O_RDONLY);

		if (fd < 0) {
			perror("open /proc/self/smaps");
			exit(1);
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		(*reads)++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 60;
	unsigned long moves = 0, reads = 0;
	char *area;
	pthread_t t;
	time_t end;
	int i;

	area = mmap(NULL, NR * HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (area == MAP_FAILED) {
		printf("# SKIP: mmap MAP_HUGETLB: %s\n", strerror(errno));
		return 4;
	}
	memset(area, 1, NR * HPAGE);
	if (pthread_create(&t, NULL, smaps_reader, &reads)) {
		perror("pthread_create");
		return 1;
	}
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		int nodes[NR], status[NR];
		void *pages[NR];

		for (i = 0; i < NR; i++) {
			pages[i] = area + i * HPAGE;
			nodes[i] = (moves + i) & 1;
		}
		if (syscall(SYS_move_pages, 0, NR, pages, nodes, status, 0) < 0) {
			stop = 1;
			if (errno == ENODEV || errno == ENOSYS) {
				printf("# SKIP: move_pages: %s\n", strerror(errno));
				return 4;
			}
			printf("# move_pages: %s\n", strerror(errno));
			return 1;
		}
		moves++;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("# %lu move_pages calls, %lu smaps reads, no crash\n", moves, reads);
	return 0;
}
