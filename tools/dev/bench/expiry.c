/* Benchmark (figure 6b): API request latency across a token renewal, with and without
   proactive refresh (config.token_refresh_ahead; < 0 = off).

   Two clients run side by side against one server whose tokens live a few seconds
   (--token-ttl, e.g. 8: renewal token_skew = a quarter of that before expiry), each with
   THREADS threads issuing GET /api/v1/users?limit=1 every PACE_MS (paced, so that a few
   seconds give a few hundred requests and a handful of slow ones shows in the p99). After
   both clients have their first token, the server is told to answer the next token requests
   FETCH_DELAY_MS late (its 'slow' fault), as a far-away org would. The run ends one second
   after the renewal plus that delay, so every client crosses one renewal.
     without (token_refresh_ahead = -1): at renewal every thread waits for the one fetch.
     with (the default): the first caller inside the refresh-ahead window fetches the next
       token while the others keep using the cached one.
     with a timer: the same, plus an application thread calling okta_cc_client_refresh_token
       every 200 ms with a window of half the lifetime, so no request is the one that fetches.
   Each request's own latency is recorded (from its call to its return).

   Output: p50 and p99 lines, measured = with proactive refresh, baseline = without (lower is
   better), plus the slowest request, the requests slower than half the fetch delay and the
   token fetches. Without OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD in okta_cc.h only "without"
   runs and a SKIP line reports it.

   usage: expiry ORG_URL CLIENT_ID KEY.pem [THREADS] [PACE_MS] [FETCH_DELAY_MS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <curl/curl.h>
#include <pthread.h>

#define MAX_THREADS 16
#define MAX_SAMPLES 4096
#define PATH "/api/v1/users?limit=1"

/* without, with refresh ahead, and with refresh ahead plus an application timer thread calling
   okta_cc_client_refresh_token (so that no request fetches) */
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
#define CLIENTS 3
#else
#define CLIENTS 1
#endif

typedef struct run {
    okta_cc_client *client;
    double end_ns;
    double *lat[MAX_THREADS];       /* ms */
    int n[MAX_THREADS];
    int failures;
} run;

typedef struct worker {
    run *r;
    int index;
    double start_ns, pace_ns;
} worker;

static void sleep_until(double t_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(t_ns / 1e9);
    ts.tv_nsec = (long)(t_ns - (double)ts.tv_sec * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {}
}

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    run *r = w->r;
    double next = w->start_ns;
    int k;
    for (k = 0; next < r->end_ns && k < MAX_SAMPLES; k++) {
        okta_cc_response resp;
        okta_cc_error err;
        double t0;
        sleep_until(next);
        t0 = bench_now_ns();
        if (okta_cc_request(r->client, "GET", PATH, NULL, 0, NULL, &resp, &err) != OKTA_CC_OK ||
            resp.http.status != 200) {
            fprintf(stderr, "bench: request failed: %s\n", err.message);
            __atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED);
        }
        okta_cc_response_free(&resp);
        r->lat[w->index][k] = (bench_now_ns() - t0) / 1e6;
        r->n[w->index] = k + 1;
        next += w->pace_ns;
        if (next < bench_now_ns()) next = bench_now_ns();   /* late: go on at once */
    }
    return NULL;
}

#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
/* The application's timer: every 200 ms, the next token once renewal is within `within` s (wider
   than the client's own window, a quarter of the lifetime). */
typedef struct timer {
    run *r;
    int within;
} timer;

static void *timer_run(void *arg)
{
    timer *tm = (timer *)arg;
    double next = bench_now_ns();
    okta_cc_error err;
    while (next < tm->r->end_ns) {
        if (okta_cc_client_refresh_token(tm->r->client, tm->within, &err) != OKTA_CC_OK)
            fprintf(stderr, "bench: timer refresh failed: %s\n", err.message);
        next += 200e6;
        sleep_until(next);
    }
    return NULL;
}
#endif

static okta_cc_client *new_client(const char *org, const char *id, const char *key, int ahead)
{
    okta_cc_config cfg;
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_config_init(&cfg);
    cfg.org_url = org;
    cfg.client_id = id;
    cfg.private_key = key;
    cfg.scopes = "okta.users.read";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
    cfg.token_refresh_ahead = ahead ? OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD : -1;
#else
    (void)ahead;
#endif
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) bench_die("okta_cc_client_new", &err);
    return c;
}

static size_t discard(char *d, size_t s, size_t n, void *u) { (void)d; (void)u; return s * n; }

/* POST a JSON body to the server's control endpoint (plain libcurl). */
static void control(const char *org, const char *path, const char *json)
{
    char url[512];
    long status = 0;
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s%s", org, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (status != 200) bench_die("control endpoint", NULL);
}

typedef struct stats {
    double p50, p99, max;
    int n, slow;
    unsigned long fetches;
} stats;

static stats summarise(run *r, int threads, double slow_ms)
{
    stats s;
    double *all = (double *)malloc(sizeof(double) * MAX_SAMPLES * (size_t)threads);
    int t, i;
    memset(&s, 0, sizeof s);
    if (!all) abort();
    for (t = 0; t < threads; t++)
        for (i = 0; i < r->n[t]; i++) {
            all[s.n++] = r->lat[t][i];
            if (r->lat[t][i] > slow_ms) s.slow++;
        }
    s.p50 = bench_quantile(all, (size_t)s.n, 0.50);
    s.p99 = bench_quantile(all, (size_t)s.n, 0.99);
    s.max = bench_quantile(all, (size_t)s.n, 1.0);
    s.fetches = okta_cc_client_token_fetches(r->client);
    free(all);
    return s;
}

int main(int argc, char **argv)
{
    int threads = argc > 4 ? atoi(argv[4]) : 8, pace_ms = argc > 5 ? atoi(argv[5]) : 100;
    int delay_ms = argc > 6 ? atoi(argv[6]) : 500, c, t;
    run runs[CLIENTS];
    worker w[CLIENTS][MAX_THREADS];
    pthread_t th[CLIENTS][MAX_THREADS];
    stats s[CLIENTS];
    okta_cc_token_info info;
    okta_cc_error err;
    char token[8192], json[640], extra[320];
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
    timer tm;
    pthread_t timer_th;
#endif
    double start, renewal_ns = 0;
    if (argc < 4 || threads < 1 || threads > MAX_THREADS || pace_ms < 1) {
        fprintf(stderr, "usage: %s ORG_URL CLIENT_ID KEY.pem [THREADS<=16] [PACE_MS] [FETCH_DELAY_MS]\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(runs, 0, sizeof runs);
    control(argv[1], "/__test/clear_faults", "{}");
    for (c = 0; c < CLIENTS; c++) {
        int64_t skew;
        runs[c].client = new_client(argv[1], argv[2], argv[3], c >= 1);
        if (okta_cc_client_get_token(runs[c].client, token, sizeof token, NULL, &info, &err) != OKTA_CC_OK)
            bench_die("first token", &err);
        /* Renewal: token_skew (default 60 s) capped at a quarter of the lifetime. */
        skew = OKTA_CC_DEFAULT_TOKEN_SKEW < info.expires_in / 4 ? OKTA_CC_DEFAULT_TOKEN_SKEW : info.expires_in / 4;
        if (c == 0)
            renewal_ns = bench_now_ns() + (double)(info.expires_in - skew) * 1e9;
        for (t = 0; t < threads; t++) {
            runs[c].lat[t] = (double *)calloc(MAX_SAMPLES, sizeof(double));
            if (!runs[c].lat[t]) abort();
        }
    }
    /* Every token request from now on (one per client) is answered delay_ms late. */
    /* (several: the timer's client renews more than once during the run) */
    {
        size_t n = (size_t)snprintf(json, sizeof json, "{\"target\":\"token\",\"replace\":true,\"faults\":[");
        int k;
        for (k = 0; k < 8; k++)
            n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"kind\":\"slow\",\"delay_ms\":%d}", k ? "," : "", delay_ms);
        snprintf(json + n, sizeof json - n, "]}");
    }
    control(argv[1], "/__test/faults", json);
    start = bench_now_ns();
    for (c = 0; c < CLIENTS; c++) {
        runs[c].end_ns = renewal_ns + (double)delay_ms * 1e6 + 1e9;
        for (t = 0; t < threads; t++) {
            w[c][t].r = &runs[c];
            w[c][t].index = t;
            w[c][t].pace_ns = pace_ms * 1e6;
            w[c][t].start_ns = start + pace_ms * 1e6 * t / threads;     /* spread over the pace */
            if (pthread_create(&th[c][t], NULL, work, &w[c][t]) != 0) bench_die("pthread_create", NULL);
        }
    }
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
    tm.r = &runs[2];
    tm.within = (int)(info.expires_in / 2);     /* from half the lifetime on, before any caller */
    if (pthread_create(&timer_th, NULL, timer_run, &tm) != 0) bench_die("pthread_create", NULL);
#endif
    for (c = 0; c < CLIENTS; c++)
        for (t = 0; t < threads; t++) pthread_join(th[c][t], NULL);
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
    pthread_join(timer_th, NULL);
#endif
    control(argv[1], "/__test/clear_faults", "{}");
    for (c = 0; c < CLIENTS; c++) {
        if (runs[c].failures) bench_die("requests failed", NULL);
        s[c] = summarise(&runs[c], threads, delay_ms / 2.0);
        if (s[c].fetches < 2) bench_die("no token renewal happened during the run", NULL);
    }
#ifdef OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD
    snprintf(extra, sizeof extra,
             "threads=%d pace=%dms token_fetch_delay=%dms requests=%d/%d slow(>%dms)=%d/%d max=%.1f/%.1fms "
             "token_fetches=%lu/%lu (with/without)",
             threads, pace_ms, delay_ms, s[1].n, s[0].n, delay_ms / 2, s[1].slow, s[0].slow, s[1].max, s[0].max,
             s[1].fetches, s[0].fetches);
    bench_line("token_expiry_p50_refresh_ahead", 2, s[1].p50, s[0].p50, "ms", 0, extra);
    bench_line("token_expiry_p99_refresh_ahead", 2, s[1].p99, s[0].p99, "ms", 0, extra);
    snprintf(extra, sizeof extra, "threads=%d pace=%dms token_fetch_delay=%dms requests=%d/%d slow(>%dms)=%d/%d "
             "p99=%.2f/%.2fms token_fetches=%lu/%lu (timer/without) timer=okta_cc_client_refresh_token",
             threads, pace_ms, delay_ms, s[2].n, s[0].n, delay_ms / 2, s[2].slow, s[0].slow, s[2].p99, s[0].p99,
             s[2].fetches, s[0].fetches);
    bench_line("token_expiry_max_timer_refresh", 2, s[2].max, s[0].max, "ms", 0, extra);
#else
    printf("bench: SKIP token_expiry_refresh_ahead: okta_cc.h has no token_refresh_ahead yet "
           "(no OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD); without it: p50=%.2f ms p99=%.2f ms max=%.1f ms "
           "slow(>%dms)=%d of %d requests, token_fetches=%lu, threads=%d pace=%dms token_fetch_delay=%dms\n",
           s[0].p50, s[0].p99, s[0].max, delay_ms / 2, s[0].slow, s[0].n, s[0].fetches, threads, pace_ms, delay_ms);
    (void)extra;
#endif
    for (c = 0; c < CLIENTS; c++) {
        for (t = 0; t < threads; t++) free(runs[c].lat[t]);
        okta_cc_client_free(runs[c].client);
    }
    curl_global_cleanup();
    return 0;
}
