/* Counts malloc calls of the process it is preloaded into (LD_PRELOAD);
 * SIGUSR1 writes "mallocs N" to standard error. Used by
 * h2load_vs_nghttpd.py to count allocations per request of h2pb serve. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
static atomic_long count;

void* malloc(size_t n) {
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

static void report(int sig) {
    (void)sig;
    char b[64];
    int k = snprintf(b, sizeof b, "mallocs %ld\n", (long)atomic_load(&count));
    if (k > 0) (void)!write(2, b, (size_t)k);
}

__attribute__((constructor)) static void init(void) { signal(SIGUSR1, report); }
