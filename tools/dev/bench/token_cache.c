/* Benchmark (figure 2): okta_cc_client_get_token with the token cached - time and
   allocations per call, from 1 thread and from 8 threads sharing one client.

   Baseline: the least a thread-safe token cache can do - lock a mutex, compare the expiry with
   time(NULL), memcpy the same token into the caller's buffer, unlock. Both copy the same
   number of bytes into a buffer of the same size. Allocations are counted through a counting
   okta_cc_allocator given as cfg.alloc (the baseline makes none).

   Variant 2, reported as an extra field (err_null): the same call with err = NULL, which
   skips resetting the caller's okta_cc_error (a struct of about 2.3 KB).

   With 8 threads: "per thread" is each thread's own time per call (mean over the threads),
   "aggregate" is wall time / all calls (the inverse of the throughput).

   usage: token_cache ORG_URL CLIENT_ID KEY.pem [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <curl/curl.h>
#include <pthread.h>
#include <unistd.h>

#define THREADS 8

typedef struct bare_cache {
    pthread_mutex_t lock;
    char *token;
    size_t len;
    int64_t expires_at;
} bare_cache;

static int bare_get(bare_cache *b, char *out, size_t cap)
{
    int ok;
    pthread_mutex_lock(&b->lock);
    ok = (int64_t)time(NULL) < b->expires_at && cap > b->len;
    if (ok) memcpy(out, b->token, b->len + 1);
    pthread_mutex_unlock(&b->lock);
    return ok;
}

typedef struct ctx {
    okta_cc_client *client;
    bare_cache bare;
    bench_alloc_count count;
    int threads, calls;             /* per thread */
    pthread_barrier_t start;
    double thread_ns[THREADS];
    double thread_start[THREADS], thread_end[THREADS];  /* bench_now_ns() */
    int variant;
} ctx;

typedef struct worker {
    ctx *c;
    int index;
} worker;

static volatile char sink;

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    ctx *c = w->c;
    char token[8192];
    okta_cc_error err;
    double t0;
    int i;
    pthread_barrier_wait(&c->start);
    t0 = bench_now_ns();
    for (i = 0; i < c->calls; i++) {
        if (c->variant == 0) {
            if (okta_cc_client_get_token(c->client, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK)
                bench_die("okta_cc_client_get_token", &err);
        } else if (c->variant == 2) {
            if (okta_cc_client_get_token(c->client, token, sizeof token, NULL, NULL, NULL) != OKTA_CC_OK)
                bench_die("okta_cc_client_get_token", NULL);
        } else if (!bare_get(&c->bare, token, sizeof token)) {
            bench_die("bare cache", NULL);
        }
        sink ^= token[7];
    }
    c->thread_end[w->index] = bench_now_ns();
    c->thread_start[w->index] = t0;
    c->thread_ns[w->index] = (c->thread_end[w->index] - t0) / c->calls;
    return NULL;
}

/* One round with c->threads threads: the aggregate ns per call (from the first thread's start
   to the last one's end, over all calls; the threads take their own times, since the main
   thread may not run at all while they do); the per-thread figure is left in c->thread_ns. */
static double run_threads(ctx *c, int variant)
{
    pthread_t th[THREADS];
    worker w[THREADS];
    double first, last;
    int i;
    c->variant = variant;
    pthread_barrier_init(&c->start, NULL, (unsigned)c->threads + 1);
    for (i = 0; i < c->threads; i++) {
        w[i].c = c;
        w[i].index = i;
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0) bench_die("pthread_create", NULL);
    }
    pthread_barrier_wait(&c->start);
    for (i = 0; i < c->threads; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&c->start);
    first = c->thread_start[0];
    last = c->thread_end[0];
    for (i = 1; i < c->threads; i++) {
        if (c->thread_start[i] < first) first = c->thread_start[i];
        if (c->thread_end[i] > last) last = c->thread_end[i];
    }
    return (last - first) / ((double)c->calls * c->threads);
}

static double per_thread(const ctx *c)
{
    double s = 0;
    int i;
    for (i = 0; i < c->threads; i++) s += c->thread_ns[i];
    return s / c->threads;
}

/* Round values: variant v's aggregate in agg[v*rounds + r], per-thread in pt[...]. */
typedef struct rounds_ctx {
    ctx *c;
    double *pt;
    int rounds;
} rounds_ctx;

static double round_fn(void *user, int variant, int round)
{
    rounds_ctx *rc = (rounds_ctx *)user;
    double agg = run_threads(rc->c, variant);
    rc->pt[variant * rc->rounds + round] = per_thread(rc->c);
    return agg;
}

int main(int argc, char **argv)
{
    okta_cc_config cfg;
    okta_cc_error err;
    ctx c;
    rounds_ctx rc;
    char token[8192], extra[256];
    size_t len = 0;
    int rounds = argc > 4 ? atoi(argv[4]) : 21;
    double *agg, *pt;
    unsigned long m0, m1;
    double calls, allocs;
    if (argc < 4) {
        fprintf(stderr, "usage: %s ORG_URL CLIENT_ID KEY.pem [ROUNDS]\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&c, 0, sizeof c);
    okta_cc_config_init(&cfg);
    cfg.org_url = argv[1];
    cfg.client_id = argv[2];
    cfg.private_key = argv[3];
    cfg.scopes = "okta.users.read";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.alloc.malloc_fn = bench_count_malloc;
    cfg.alloc.free_fn = bench_count_free;
    cfg.alloc.user = &c.count;
    if (okta_cc_client_new(&c.client, &cfg, &err) != OKTA_CC_OK) bench_die("okta_cc_client_new", &err);
    if (okta_cc_client_get_token(c.client, token, sizeof token, &len, NULL, &err) != OKTA_CC_OK)
        bench_die("first token", &err);
    pthread_mutex_init(&c.bare.lock, NULL);
    c.bare.token = (char *)malloc(len + 1);
    if (!c.bare.token) abort();
    memcpy(c.bare.token, token, len + 1);
    c.bare.len = len;
    c.bare.expires_at = (int64_t)time(NULL) + 3600;
    agg = (double *)calloc((size_t)rounds * 3, sizeof *agg);
    pt = (double *)calloc((size_t)rounds * 3, sizeof *pt);
    if (!agg || !pt) abort();
    rc.c = &c;
    rc.pt = pt;
    rc.rounds = rounds;

    /* 1 thread, allocations counted over all of its rounds. */
    c.threads = 1;
    c.calls = 1000000;
    run_threads(&c, 0);
    run_threads(&c, 1);                                  /* warm-up */
    m0 = bench_mallocs(&c.count);
    bench_interleave(rounds, 3, round_fn, &rc, agg);
    m1 = bench_mallocs(&c.count);
    calls = (double)rounds * c.calls * 2;                /* variants 0 and 2 use the client */
    allocs = (double)(m1 - m0) / calls;
    snprintf(extra, sizeof extra, "rounds=%d calls=%d token_bytes=%lu err_null=%.1fns", rounds, c.calls,
             (unsigned long)len, bench_median(agg + 2 * rounds, (size_t)rounds));
    bench_line("get_token_cached_1thread", 1, bench_median(agg, (size_t)rounds),
               bench_median(agg + rounds, (size_t)rounds), "ns/call", 0, extra);
    snprintf(extra, sizeof extra, "calls=%.0f mallocs=%lu counted_via=cfg.alloc", calls, m1 - m0);
    bench_line("get_token_cached_allocs", 3, allocs, 0, "allocs/call", 0, extra);

    /* 8 threads on one client. */
    c.threads = THREADS;
    c.calls = 250000;
    run_threads(&c, 0);
    run_threads(&c, 1);
    m0 = bench_mallocs(&c.count);
    bench_interleave(rounds, 3, round_fn, &rc, agg);
    m1 = bench_mallocs(&c.count);
    {
        double mp = bench_median(pt, (size_t)rounds), bp = bench_median(pt + rounds, (size_t)rounds);
        double ma = bench_median(agg, (size_t)rounds), ba = bench_median(agg + rounds, (size_t)rounds);
        double allocs8 = (double)(m1 - m0) / ((double)rounds * c.calls * THREADS * 2);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        snprintf(extra, sizeof extra, "rounds=%d threads=%d calls_per_thread=%d cores=%ld allocs/call=%.3f "
                 "round_p10=%.1f/%.1f round_p90=%.1f/%.1f", rounds, THREADS, c.calls, cores, allocs8,
                 bench_quantile(pt, (size_t)rounds, 0.1), bench_quantile(pt + rounds, (size_t)rounds, 0.1),
                 bench_quantile(pt, (size_t)rounds, 0.9), bench_quantile(pt + rounds, (size_t)rounds, 0.9));
        bench_line("get_token_cached_8threads_per_thread", 1, mp, bp, "ns/call", 0, extra);
        snprintf(extra, sizeof extra, "rounds=%d threads=%d calls_per_thread=%d cores=%ld allocs/call=%.3f "
                 "round_p10=%.1f/%.1f round_p90=%.1f/%.1f", rounds, THREADS, c.calls, cores, allocs8,
                 bench_quantile(agg, (size_t)rounds, 0.1), bench_quantile(agg + rounds, (size_t)rounds, 0.1),
                 bench_quantile(agg, (size_t)rounds, 0.9), bench_quantile(agg + rounds, (size_t)rounds, 0.9));
        bench_line("get_token_cached_8threads_aggregate", 1, ma, ba, "ns/call", 0, extra);
    }

    okta_cc_client_free(c.client);
    free(c.bare.token);
    free(agg);
    free(pt);
    curl_global_cleanup();
    return 0;
}
