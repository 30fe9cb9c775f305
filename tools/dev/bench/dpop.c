/* Benchmark (figure 7): DPoP (Okta's default) on a shared client, with an RSA-2048 and an EC
   P-256 proof key, against the local server (HTTP, no nonce, token cached).

   7a. okta_cc_client_get_token with the token cached, timed call by call (clock_gettime
       around each call, its ~20 ns included on both sides) on one thread, one call every
       PACE_NS, while REQ_THREADS other threads make DPoP API requests through the same client -
       each request signs a proof - against the same calls on the same client with no request
       running. A call that waited counts for the calls an application would have made
       meanwhile too (HdrHistogram's correction for coordinated omission: a call of d ns also
       records d - PACE_NS, d - 2 PACE_NS ...); without it a call stuck 30 ms behind a convoy
       of signatures is one sample among thousands of quick ones made while the signers were
       waking up. The p50 of each round, median over the rounds; target < 100 ns. (0.6.0 signed
       proofs under the client's lock: every cached call waited for a signature, milliseconds
       with RSA-2048.) The requests of 7a go to an in-process transport that answers at once,
       so that the client's own work (the proofs) is measured, not the loopback server that
       shares the cores; 7b uses the server.
   7b. THREADS threads x REQS DPoP API requests through ONE shared client against THREADS
       clients (one per thread), in requests per second over the whole run; target shared >=
       0.9 x separate. New clients every round, warmed up (a token, WARMUP requests a thread)
       before the clock starts. Once against the server, once (_in_process) with 7a's
       transport, where the proofs are all the work and the server takes no core.

   Rounds are interleaved (measured and baseline alternate, the order flipping every round).

   usage: dpop ORG_URL CLIENT_ID KEY.pem RSA_DPOP_KEY.pem EC_DPOP_KEY.pem [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <curl/curl.h>
#include <pthread.h>
#include <unistd.h>

#define THREADS 8
#define REQ_THREADS 7                   /* 7a: threads making requests beside the timed one */
#define WARMUP 3
#define IDLE_NS 300e6                   /* 7a baseline: sampling time per round */
#define PACE_NS 20000.0                 /* 7a: one cached call every 20 us (spinning between) */
#define PATH "/api/v1/users?limit=1"

/* Latencies in a histogram: 1 ns buckets up to FINE ns, 1 us buckets up to COARSE us, then
   1 ms buckets up to 10 s. */
#define FINE 4096
#define COARSE 10000
#define LONG_MS 10000
typedef struct hist {
    unsigned long fine[FINE], coarse[COARSE], longer[LONG_MS], over, n;
} hist;

static void hist_add(hist *h, double ns)
{
    if (ns < 0) ns = 0;
    if (ns < FINE) h->fine[(size_t)ns]++;
    else if (ns < (double)COARSE * 1e3) h->coarse[(size_t)(ns / 1e3)]++;
    else if (ns < (double)LONG_MS * 1e6) h->longer[(size_t)(ns / 1e6)]++;
    else h->over++;
    h->n++;
}

/* A call of ns when one was due every interval ns: the calls due while it ran waited too. */
static void hist_add_corrected(hist *h, double ns, double interval)
{
    double v;
    hist_add(h, ns);
    for (v = ns - interval; v >= interval; v -= interval) hist_add(h, v);
}

/* The q-quantile (0..1), to the bucket: ns. */
static double hist_quantile(const hist *h, double q)
{
    unsigned long want = (unsigned long)(q * (double)h->n), seen = 0;
    size_t i;
    for (i = 0; i < FINE; i++)
        if ((seen += h->fine[i]) > want) return (double)i;
    for (i = 0; i < COARSE; i++)
        if ((seen += h->coarse[i]) > want) return (double)i * 1e3;
    for (i = 0; i < LONG_MS; i++)
        if ((seen += h->longer[i]) > want) return (double)i * 1e6;
    return (double)LONG_MS * 1e6;
}

typedef struct ctx {
    const char *org, *client_id, *key, *dpop_key, *key_name;
    int in_process;                     /* 7a: requests answered by answer_at_once */
    int reqs;                           /* per request thread */
    okta_cc_client *clients[THREADS];
    pthread_barrier_t ready, go;
    int failures, running;              /* running: request threads not yet done */
    hist *h;
} ctx;

typedef struct worker {
    ctx *c;
    okta_cc_client *client;
} worker;

/* 7a's transport: a DPoP token for the token endpoint, an empty page for the API. */
static okta_cc_result answer_at_once(void *ctx_, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                     okta_cc_error *err)
{
    static const char token[] = "{\"token_type\":\"DPoP\",\"expires_in\":3600,\"access_token\":\"in-process\"}";
    const char *body = strstr(req->url, "/oauth2/") ? token : "[]";
    (void)ctx_;
    (void)err;
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
    return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

static okta_cc_client *new_client(ctx *c)
{
    okta_cc_config cfg;
    okta_cc_error err;
    okta_cc_client *client;
    char token[8192];
    okta_cc_config_init(&cfg);
    cfg.org_url = c->org;
    cfg.client_id = c->client_id;
    cfg.private_key = c->key;
    cfg.scopes = "okta.users.read";
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    cfg.dpop_key = c->dpop_key;
    if (c->in_process) {
        cfg.transport.perform = answer_at_once;
        cfg.transport.concurrent = 1;
    }
    if (okta_cc_client_new(&client, &cfg, &err) != OKTA_CC_OK) bench_die("okta_cc_client_new", &err);
    if (okta_cc_client_get_token(client, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK)
        bench_die("the first token", &err);
    return client;
}

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    int i, bad = 0;
    for (i = 0; i < WARMUP; i++) bad += !bench_get(w->client, PATH);
    pthread_barrier_wait(&w->c->ready);
    pthread_barrier_wait(&w->c->go);
    for (i = 0; i < w->c->reqs; i++) bad += !bench_get(w->client, PATH);
    if (bad) __atomic_fetch_add(&w->c->failures, bad, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&w->c->running, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Starts n request threads on the clients (c->clients[i]) and waits until they are warm. */
static void start(ctx *c, pthread_t *th, worker *w, int n)
{
    int i;
    pthread_barrier_init(&c->ready, NULL, (unsigned)n + 1);
    pthread_barrier_init(&c->go, NULL, (unsigned)n + 1);
    c->running = n;
    for (i = 0; i < n; i++) {
        w[i].c = c;
        w[i].client = c->clients[i];
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0) bench_die("pthread_create", NULL);
    }
    pthread_barrier_wait(&c->ready);
}

static void finish(ctx *c, pthread_t *th, int n)
{
    int i;
    for (i = 0; i < n; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&c->ready);
    pthread_barrier_destroy(&c->go);
    if (c->failures) bench_die("DPoP requests failed", NULL);
}

/* 7a. variant 0: cached get_token while REQ_THREADS threads make DPoP requests on the same
   client; 1: the same client idle. The round's p50 (ns). */
static double cached_round(void *user, int variant, int round)
{
    ctx *c = (ctx *)user;
    pthread_t th[REQ_THREADS];
    worker w[REQ_THREADS];
    okta_cc_client *client = new_client(c);
    okta_cc_error err;
    char token[8192];
    double t_end = 0, p50;
    unsigned long calls = 0;
    int i;
    (void)round;
    memset(c->h, 0, sizeof *c->h);
    for (i = 0; i < REQ_THREADS; i++) c->clients[i] = client;
    if (variant == 0) {
        start(c, th, w, REQ_THREADS);
        pthread_barrier_wait(&c->go);
    } else {
        t_end = bench_now_ns() + IDLE_NS;
    }
    for (;;) {
        double t0 = bench_now_ns() + PACE_NS;
        while (bench_now_ns() < t0) {}
        t0 = bench_now_ns();
        if (okta_cc_client_get_token(client, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK)
            bench_die("okta_cc_client_get_token", &err);
        hist_add_corrected(c->h, bench_now_ns() - t0, PACE_NS);
        calls++;
        if (variant == 0 ? __atomic_load_n(&c->running, __ATOMIC_ACQUIRE) == 0 : t0 >= t_end) break;
    }
    if (variant == 0) finish(c, th, REQ_THREADS);
    p50 = hist_quantile(c->h, 0.5);
    if (variant == 0 && round == 0)
        fprintf(stderr, "bench: (7a %s, first round: %lu calls, %lu with the correction, p50 %.0f ns, p90 %.0f ns, "
                "p99 %.0f ns)\n", c->key_name, calls, c->h->n, p50, hist_quantile(c->h, 0.9), hist_quantile(c->h, 0.99));
    okta_cc_client_free(client);
    return p50;
}

/* 7b. variant 0: one shared client; 1: a client per thread. Requests per second. */
static double parallel_round(void *user, int variant, int round)
{
    ctx *c = (ctx *)user;
    pthread_t th[THREADS];
    worker w[THREADS];
    double t0, t1;
    int i;
    (void)round;
    c->clients[0] = new_client(c);
    for (i = 1; i < THREADS; i++) c->clients[i] = variant == 1 ? new_client(c) : c->clients[0];
    start(c, th, w, THREADS);
    t0 = bench_now_ns();
    pthread_barrier_wait(&c->go);
    finish(c, th, THREADS);
    t1 = bench_now_ns();
    for (i = 0; i < THREADS; i++)
        if (variant == 1 || i == 0) okta_cc_client_free(c->clients[i]);
    return (double)THREADS * c->reqs / ((t1 - t0) / 1e9);
}

static void figures(ctx *c, int rounds, int cached_reqs, int parallel_reqs)
{
    double *v = (double *)calloc((size_t)rounds * 2, sizeof *v);
    char name[96], extra[256];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (!v) abort();
    c->reqs = cached_reqs;
    c->in_process = 1;
    bench_interleave(rounds, 2, cached_round, c, v);
    c->in_process = 0;
    snprintf(name, sizeof name, "dpop_get_token_cached_p50_%s", c->key_name);
    snprintf(extra, sizeof extra, "rounds=%d request_threads=%d requests_per_thread=%d cores=%ld "
             "round_p50_range=%.0f..%.0f pace=%.0fus requests=in-process baseline=idle_client target<100ns", rounds,
             REQ_THREADS, cached_reqs, cores,
             bench_quantile(v, (size_t)rounds, 0), bench_quantile(v, (size_t)rounds, 1), PACE_NS / 1000);
    bench_line(name, 0, bench_median(v, (size_t)rounds), bench_median(v + rounds, (size_t)rounds), "ns/call", 0,
               extra);
    c->reqs = parallel_reqs;
    for (c->in_process = 0; c->in_process < 2; c->in_process++) {
        bench_interleave(rounds, 2, parallel_round, c, v);
        snprintf(name, sizeof name, "dpop_parallel_shared_vs_separate_%s%s", c->key_name,
                 c->in_process ? "_in_process" : "");
        snprintf(extra, sizeof extra, "rounds=%d threads=%d requests_per_thread=%d cores=%ld %s target>=0.9", rounds,
                 THREADS, parallel_reqs, cores, c->in_process ? "transport=in-process" : "loopback");
        bench_line(name, 0, bench_median(v, (size_t)rounds), bench_median(v + rounds, (size_t)rounds), "req/s", 1,
                   extra);
    }
    c->in_process = 0;
    free(v);
}

int main(int argc, char **argv)
{
    ctx c;
    int rounds = argc > 6 ? atoi(argv[6]) : 7;
    if (argc < 6 || rounds < 1) {
        fprintf(stderr, "usage: %s ORG_URL CLIENT_ID KEY.pem RSA_DPOP_KEY.pem EC_DPOP_KEY.pem [ROUNDS]\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&c, 0, sizeof c);
    c.h = (hist *)malloc(sizeof *c.h);
    if (!c.h) abort();
    c.org = argv[1];
    c.client_id = argv[2];
    c.key = argv[3];
    c.dpop_key = argv[4];
    c.key_name = "rsa2048";
    figures(&c, rounds, 40, 40);            /* an RSA-2048 signature: ~1-3 ms */
    c.dpop_key = argv[5];
    c.key_name = "ec_p256";
    figures(&c, rounds, 150, 150);
    free(c.h);
    curl_global_cleanup();
    return 0;
}
