/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output for the project's tests (kselftest exit codes). */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

struct tap {
	int planned, n, failed, skipped;
};
extern struct tap tap;

void tap_plan(int n);
void tap_result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Skips every planned test not reported yet, for @why. */
void tap_skip_rest(const char *why);
/* A fatal error of the test itself (not of the kernel under test). */
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Prints the totals, exits KSFT_FAIL/KSFT_SKIP/KSFT_PASS. */
void tap_exit(void) __attribute__((noreturn));

#endif
