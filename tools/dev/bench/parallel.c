/* Benchmark (figure 4): 8 threads x 500 API requests (GET /api/v1/users?limit=1, token
   cached) through ONE shared client, against 8 separate clients (one per thread), and against
   the same shared client serialised (config.http.max_parallel_requests = 1). Throughput in
   requests per second over the whole 4000; higher is better; target shared >= 0.9 x separate.

   Every variant gets new clients each round, warmed up before the clock starts (a token and a
   few requests per thread, so connections are open); rounds are interleaved.

   On loopback the single-threaded Node server is the bottleneck, which hides how much a
   client's own parallelism matters. The same three variants therefore also run (8 threads x
   LAT_REQS requests) against a server that answers every API request LAT_DELAY_MS late, as a
   network round trip to a real org would be (the server's 'slow' fault, one queued per
   request once the clients are warm), in the "_5ms" lines.

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
#define LAT_REQS 40
#define LAT_DELAY_MS 5
#define LAT_SUFFIX "_5ms"   /* keep in step with LAT_DELAY_MS */
#define WARMUP 5
#define PATH "/api/v1/users?limit=1"

#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
#define VARIANTS 3
#else
#define VARIANTS 2
#endif


typedef struct ctx {
    const char *org, *client_id, *key, *ca;
    int reqs, delay_ms;                 /* per thread; server delay per request (0: none) */
    okta_cc_client *clients[THREADS];
    pthread_barrier_t ready, go;
    int failures;
} ctx;

typedef struct worker {
    ctx *c;
    okta_cc_client *client;
} worker;

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    int i, bad = 0;
    for (i = 0; i < WARMUP; i++) bad += !bench_get(w->client, PATH);
    pthread_barrier_wait(&w->c->ready);
    pthread_barrier_wait(&w->c->go);
    for (i = 0; i < w->c->reqs; i++) bad += !bench_get(w->client, PATH);
    if (bad) __atomic_fetch_add(&w->c->failures, bad, __ATOMIC_RELAXED);
    return NULL;
}

static size_t discard(char *d, size_t s, size_t n, void *u) { (void)d; (void)u; return s * n; }

/* Queues one 'slow' fault per request to come: each API request is answered delay_ms late. */
static void queue_delays(ctx *c, int n)
{
    char url[512];
    long status = 0;
    size_t cap = 64 + (size_t)n * 40, len;
    char *json = (char *)malloc(cap);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    int i;
    if (!json) abort();
    len = (size_t)snprintf(json, cap, "{\"target\":\"api\",\"replace\":true,\"faults\":[");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"kind\":\"slow\",\"delay_ms\":%d}", i ? "," : "", c->delay_ms);
    snprintf(json + len, cap - len, "]}");
    snprintf(url, sizeof url, "%s/__test/faults", c->org);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (c->ca) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    free(json);
    if (status != 200) bench_die("queueing the server's delays", NULL);
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
    cfg.http.ca_file = c->ca;
#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
    if (max_parallel) cfg.http.max_parallel_requests = max_parallel;
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
    if (c->delay_ms) queue_delays(c, THREADS * c->reqs);
    t0 = bench_now_ns();
    pthread_barrier_wait(&c->go);
    for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    t1 = bench_now_ns();
    pthread_barrier_destroy(&c->ready);
    pthread_barrier_destroy(&c->go);
    for (i = 0; i < THREADS; i++)
        if (variant == 1 || i == 0) okta_cc_client_free(c->clients[i]);
    if (c->failures) bench_die("requests failed", NULL);
    return (double)THREADS * c->reqs / ((t1 - t0) / 1e9);
}

static void figure(ctx *c, int rounds, const char *suffix)
{
    double *vals = (double *)calloc((size_t)rounds * VARIANTS, sizeof *vals), m[3];
    char name[96], extra[256], what[64];
    int v;
    if (!vals) abort();
    bench_interleave(rounds, VARIANTS, round_fn, c, vals);
    for (v = 0; v < VARIANTS; v++) m[v] = bench_median(vals + v * rounds, (size_t)rounds);
    if (c->delay_ms) snprintf(what, sizeof what, "server_delay=%dms", c->delay_ms);
    else snprintf(what, sizeof what, "loopback");
    snprintf(name, sizeof name, "parallel_shared_vs_separate%s", suffix);
    snprintf(extra, sizeof extra, "rounds=%d threads=%d requests_per_thread=%d %s target>=0.9", rounds, THREADS,
             c->reqs, what);
    bench_line(name, 0, m[0], m[1], "req/s", 1, extra);
#ifdef OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS
    snprintf(name, sizeof name, "parallel_shared_vs_serialised%s", suffix);
    snprintf(extra, sizeof extra, "rounds=%d threads=%d requests_per_thread=%d %s max_parallel_requests=%d_vs_1",
             rounds, THREADS, c->reqs, what, OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS);
    bench_line(name, 0, m[0], m[2], "req/s", 1, extra);
#else
    printf("bench: SKIP parallel_shared_vs_serialised%s: okta_cc.h has no max_parallel_requests yet "
           "(no OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS); the shared client above runs one request at a time\n",
           suffix);
#endif
    free(vals);
}

int main(int argc, char **argv)
{
    ctx c;
    int rounds = argc > 5 ? atoi(argv[5]) : 9;
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
    c.reqs = REQS;
    figure(&c, rounds, "");
    c.reqs = LAT_REQS;
    c.delay_ms = LAT_DELAY_MS;
    figure(&c, rounds > 5 ? 5 : rounds, LAT_SUFFIX);
    curl_global_cleanup();
    return 0;
}
