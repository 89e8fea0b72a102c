// SPDX-License-Identifier: GPL-2.0
#include "tap.h"

struct tap tap;

void tap_plan(int n)
{
	tap.planned = n;
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

static void tap_line(const char *status, const char *suffix, const char *fmt, va_list ap)
{
	printf("%s %d ", status, ++tap.n);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
	fflush(stdout);
}

void tap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(ok ? "ok" : "not ok", "", fmt, ap);
	va_end(ap);
	if (!ok)
		tap.failed++;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap.n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap.skipped++;
}

void tap_skip_rest(const char *why)
{
	while (tap.n < tap.planned)
		tap_skip("%s", why);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_FAIL);
}

void tap_exit(void)
{
	printf("# Totals: pass:%d fail:%d skip:%d\n",
	       tap.n - tap.failed - tap.skipped, tap.failed, tap.skipped);
	fflush(stdout);
	if (tap.failed || tap.n != tap.planned)
		exit(KSFT_FAIL);
	exit(tap.skipped == tap.n ? KSFT_SKIP : KSFT_PASS);
}
