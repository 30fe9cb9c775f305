/* Shared helpers for the make bench programs (tools/dev/bench/NAME.c): clocks, medians, interleaved
   rounds, a counting allocator and the one output format every figure uses:

     bench: NAME median=VALUE UNIT baseline=VALUE UNIT ratio=R better=lower|higher [extra fields]

   ratio is always measured / baseline. For times lower is better (ratio 1 = as fast as the
   baseline); for throughputs higher is better; better= says which. The extra fields after it
   (p10, p90, rounds, target ...) are for the reader. Include after okta_cc.h. */
#ifndef OKTA_CC_BENCH_H
#define OKTA_CC_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n values (sorted in place), nearest rank. */
static inline double bench_quantile(double *v, size_t n, double q)
{
    size_t i;
    if (!n) return 0;
    qsort(v, n, sizeof *v, bench_cmp_double);
    i = (size_t)(q * (double)n);
    if (i >= n) i = n - 1;
    return v[i];
}

static inline double bench_median(double *v, size_t n)
{
    double *c;
    double m;
    if (!n) return 0;
    c = (double *)malloc(n * sizeof *c);
    if (!c) abort();
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, bench_cmp_double);
    m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

/* Prints the figure line; extra (may be NULL) is appended after a space. */
static inline void bench_line(const char *name, int prec, double measured, double baseline, const char *unit,
                       int higher_is_better, const char *extra)
{
    printf("bench: %s median=%.*f %s baseline=%.*f %s ratio=%.3f better=%s%s%s\n", name, prec, measured, unit, prec,
           baseline, unit, baseline != 0 ? measured / baseline : (measured == 0 ? 1.0 : 1e9),
           higher_is_better ? "higher" : "lower", extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/* Interleaved rounds: round r runs every variant once, in the order 0..n-1 on even rounds and
   n-1..0 on odd ones, so that drift (CPU frequency, the neighbours on a shared machine, the
   server warming up) hits all variants alike. fn returns the round's value for a variant;
   values[v * rounds + r] receives it. */
typedef double (*bench_round_fn)(void *user, int variant, int round);

static inline void bench_interleave(int rounds, int variants, bench_round_fn fn, void *user, double *values)
{
    int r, i;
    for (r = 0; r < rounds; r++)
        for (i = 0; i < variants; i++) {
            int v = r % 2 ? variants - 1 - i : i;
            values[v * rounds + r] = fn(user, v, r);
        }
}

/* A counting allocator for okta_cc_config.alloc (thread-safe counters). */
typedef struct bench_alloc_count {
    unsigned long mallocs, frees;
} bench_alloc_count;

static inline void *bench_count_malloc(void *user, size_t size)
{
    bench_alloc_count *c = (bench_alloc_count *)user;
    __atomic_fetch_add(&c->mallocs, 1UL, __ATOMIC_RELAXED);
    return malloc(size);
}

static inline void bench_count_free(void *user, void *p)
{
    bench_alloc_count *c = (bench_alloc_count *)user;
    if (p) __atomic_fetch_add(&c->frees, 1UL, __ATOMIC_RELAXED);
    free(p);
}

static inline unsigned long bench_mallocs(bench_alloc_count *c)
{
    return __atomic_load_n(&c->mallocs, __ATOMIC_RELAXED);
}

static inline void bench_die(const char *what, const okta_cc_error *err)
{
    fprintf(stderr, "bench: FAILED: %s%s%s\n", what, err ? ": " : "", err ? err->message : "");
    exit(1);
}

/* One GET of path on client: 1 when it answered 200, else 0 with the reason on stderr. */
static inline int bench_get(okta_cc_client *client, const char *path)
{
    okta_cc_response resp;
    okta_cc_error err;
    okta_cc_result r = okta_cc_request(client, "GET", path, NULL, 0, NULL, &resp, &err);
    int ok = r == OKTA_CC_OK && resp.http.status == 200;
    if (!ok) fprintf(stderr, "bench: request failed: %s\n", err.message);
    okta_cc_response_free(&resp);
    return ok;
}

#endif
