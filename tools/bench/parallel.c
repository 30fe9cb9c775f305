/* Benchmark (figure 4): 8 threads x 500 API requests (GET /api/v1/users?limit=1, token
   cached) through ONE shared client, against 8 separate clients (one per thread), and against
   the same shared client serialised (config.max_parallel_requests = 1). Throughput in
   requests per second over the whole 4000; higher is better; target shared >= 0.9 x separate.

   Every variant gets new clients each round, warmed up before the clock starts (a token and a
   few requests per thread, so connections are open); rounds are interleaved.

   Needs max_parallel_requests (OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS) for the serialised
   variant; without it that line is skipped with a message.

   usage: parallel ORG_URL CLIENT_ID KEY.pem [CA_FILE|-] [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <curl/curl.h>
#include <pthread.h>

#define THREADS 8
#define REQS 500
#define WARMUP 5
#define PATH "/api/v1/users?limit=1"

#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
#define VARIANTS 3
#else
#define VARIANTS 2
#endif

static const char *variant_name[3] = {"shared", "separate", "serialised"};

typedef struct ctx {
    const char *org, *client_id, *key, *ca;
    okta_cc_client *clients[THREADS];
    pthread_barrier_t ready, go;
    int failures;
} ctx;

typedef struct worker {
    ctx *c;
    okta_cc_client *client;
} worker;

static int get(okta_cc_client *client)
{
    okta_cc_response resp;
    okta_cc_error err;
    okta_cc_result r = okta_cc_request(client, "GET", PATH, NULL, 0, NULL, &resp, &err);
    int ok = r == OKTA_CC_OK && resp.http.status == 200;
    if (!ok) fprintf(stderr, "bench: request failed: %s\n", err.message);
    okta_cc_response_free(&resp);
    return ok;
}

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    int i, bad = 0;
    for (i = 0; i < WARMUP; i++) bad += !get(w->client);
    pthread_barrier_wait(&w->c->ready);
    pthread_barrier_wait(&w->c->go);
    for (i = 0; i < REQS; i++) bad += !get(w->client);
    if (bad) __atomic_fetch_add(&w->c->failures, bad, __ATOMIC_RELAXED);
    return NULL;
}

static okta_cc_client *new_client(ctx *c, int max_parallel)
{
    okta_cc_config cfg;
    okta_cc_error err;
    okta_cc_client *client;
    okta_cc_config_init(&cfg);
    cfg.org_url = c->org;
    cfg.client_id = c->client_id;
    cfg.private_key = c->key;
    cfg.scopes = "okta.users.read";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.ca_file = c->ca;
#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
    if (max_parallel) cfg.max_parallel_requests = max_parallel;
#else
    (void)max_parallel;
#endif
    if (okta_cc_client_new(&client, &cfg, &err) != OKTA_CC_OK) bench_die("okta_cc_client_new", &err);
    return client;
}

/* variant 0: one shared client (default pool), 1: a client per thread, 2: one shared client
   with max_parallel_requests = 1. Requests per second. */
static double round_fn(void *user, int variant, int round)
{
    ctx *c = (ctx *)user;
    pthread_t th[THREADS];
    worker w[THREADS];
    double t0, t1;
    int i;
    (void)round;
    c->clients[0] = new_client(c, variant == 2 ? 1 : 0);
    for (i = 1; i < THREADS; i++) c->clients[i] = variant == 1 ? new_client(c, 0) : c->clients[0];
    pthread_barrier_init(&c->ready, NULL, THREADS + 1);
    pthread_barrier_init(&c->go, NULL, THREADS + 1);
    for (i = 0; i < THREADS; i++) {
        w[i].c = c;
        w[i].client = c->clients[i];
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0) bench_die("pthread_create", NULL);
    }
    pthread_barrier_wait(&c->ready);        /* every thread warmed up */
    t0 = bench_now_ns();
    pthread_barrier_wait(&c->go);
    for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    t1 = bench_now_ns();
    pthread_barrier_destroy(&c->ready);
    pthread_barrier_destroy(&c->go);
    for (i = 0; i < THREADS; i++)
        if (variant == 1 || i == 0) okta_cc_client_free(c->clients[i]);
    if (c->failures) bench_die("requests failed", NULL);
    return (double)THREADS * REQS / ((t1 - t0) / 1e9);
}

int main(int argc, char **argv)
{
    ctx c;
    int rounds = argc > 5 ? atoi(argv[5]) : 5, v;
    double *vals, m[3];
    char extra[256];
    if (argc < 4) {
        fprintf(stderr, "usage: %s ORG_URL CLIENT_ID KEY.pem [CA_FILE|-] [ROUNDS]\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&c, 0, sizeof c);
    c.org = argv[1];
    c.client_id = argv[2];
    c.key = argv[3];
    c.ca = argc > 4 && strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
    vals = (double *)calloc((size_t)rounds * VARIANTS, sizeof *vals);
    if (!vals) abort();
    bench_interleave(rounds, VARIANTS, round_fn, &c, vals);
    for (v = 0; v < VARIANTS; v++) m[v] = bench_median(vals + v * rounds, (size_t)rounds);
    snprintf(extra, sizeof extra, "rounds=%d threads=%d requests_per_thread=%d target>=0.9 %s=%.0f %s=%.0f", rounds,
             THREADS, REQS, variant_name[0], m[0], variant_name[1], m[1]);
    bench_line("parallel_shared_vs_separate", 0, m[0], m[1], "req/s", 1, extra);
#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
    snprintf(extra, sizeof extra, "rounds=%d threads=%d requests_per_thread=%d max_parallel_requests=%d vs 1", rounds,
             THREADS, REQS, OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS);
    bench_line("parallel_shared_vs_serialised", 0, m[0], m[2], "req/s", 1, extra);
#else
    printf("bench: SKIP parallel_shared_vs_serialised: okta_cc.h has no max_parallel_requests yet "
           "(no OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS); the shared client above runs one request at a time\n");
#endif
    free(vals);
    curl_global_cleanup();
    return 0;
}
