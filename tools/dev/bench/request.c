/* Benchmark (figure 3): one API request with a cached token over a reused connection,
   okta_cc_request(GET /api/v1/users?limit=1), against a bare libcurl loop doing the same GET on
   one easy handle with the same options: the same URL, the same request headers
   (Authorization: Bearer <the same token>, Accept: application/json, the library's
   User-Agent), the same timeouts, protocols and TLS settings, the body collected into a
   reused growable buffer and the header lines into another (as the library keeps both).

   Interleaved request by request; a round is REQS requests of each, its value per variant
   the median latency of those; the figure is the median over the rounds. Extra fields: allocations per request, the library's own (through
   cfg.alloc) and libcurl's (counted with curl_global_init_mem, both sides).

   usage: request CLIENT_ID KEY.pem HTTP_URL [HTTPS_URL CA_FILE] [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <curl/curl.h>

#define PATH "/api/v1/users?limit=1"
#define REQS 100

/* libcurl's allocations, counted (single-threaded here). */
static unsigned long curl_allocs;
static void *c_malloc(size_t n) { curl_allocs++; return malloc(n); }
static void c_free(void *p) { free(p); }
static void *c_realloc(void *p, size_t n) { curl_allocs++; return realloc(p, n); }
static char *c_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    curl_allocs++;
    if (d) memcpy(d, s, n);
    return d;
}
static void *c_calloc(size_t a, size_t b) { curl_allocs++; return calloc(a, b); }

typedef struct growbuf {
    char *p;
    size_t len, cap;
} growbuf;

static size_t grow_append(char *d, size_t s, size_t n, void *u)
{
    growbuf *b = (growbuf *)u;
    size_t add = s * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *p;
        while (cap < b->len + add + 1) cap *= 2;
        p = (char *)realloc(b->p, cap);
        if (!p) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

typedef struct ctx {
    okta_cc_client *client;
    bench_alloc_count count;
    CURL *easy;
    struct curl_slist *headers;
    growbuf body, head;
    unsigned long lib_allocs[2], curl_allocs[2];
    int requests[2];
} ctx;

static void bare_get(ctx *c)
{
    long status = 0;
    CURLcode rc;
    c->body.len = c->head.len = 0;
    rc = curl_easy_perform(c->easy);
    if (rc == CURLE_OK) curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200 || c->body.len < 2) {
        fprintf(stderr, "bench: bare libcurl GET failed: %s, HTTP %ld\n", curl_easy_strerror(rc), status);
        exit(1);
    }
}

static void lib_get(ctx *c)
{
    okta_cc_response resp;
    okta_cc_error err;
    if (okta_cc_request(c->client, "GET", PATH, NULL, 0, NULL, &resp, &err) != OKTA_CC_OK ||
        resp.http.status != 200 || resp.http.body_len < 2)
        bench_die("okta_cc_request", &err);
    okta_cc_response_free(&resp);
}

/* One round: REQS requests of each variant, alternating request by request (A B A B ... on
   even rounds, B A B A ... on odd ones), each timed on its own; the round's value for a
   variant is the median of its REQS latencies (robust against a garbage collection in the
   server or a neighbour on the machine hitting a few requests). Microseconds. */
static void round_pairs(ctx *c, int round, double *out /* [2] */)
{
    double lat[2][REQS];
    int i, k;
    for (i = 0; i < REQS; i++)
        for (k = 0; k < 2; k++) {
            int v = (k + round) % 2;
            unsigned long m0 = bench_mallocs(&c->count), k0 = curl_allocs;
            double t0 = bench_now_ns();
            if (v == 0) lib_get(c);
            else bare_get(c);
            lat[v][i] = (bench_now_ns() - t0) / 1e3;
            c->lib_allocs[v] += bench_mallocs(&c->count) - m0;
            c->curl_allocs[v] += curl_allocs - k0;
            c->requests[v]++;
        }
    for (k = 0; k < 2; k++) out[k] = bench_median(lat[k], REQS);
}

static void run(const char *name, const char *client_id, const char *key, const char *org, const char *ca, int rounds)
{
    okta_cc_config cfg;
    okta_cc_error err;
    ctx c;
    char token[8192], auth[8300], url[512], ua[256], extra[256];
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    double *vals = (double *)calloc((size_t)rounds * 2, sizeof *vals);
    int i;
    if (!vals) abort();
    memset(&c, 0, sizeof c);
    okta_cc_config_init(&cfg);
    cfg.org_url = org;
    cfg.client_id = client_id;
    cfg.private_key = key;
    cfg.scopes = "okta.users.read";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.http.ca_file = ca;
    cfg.alloc.malloc_fn = bench_count_malloc;
    cfg.alloc.free_fn = bench_count_free;
    cfg.alloc.user = &c.count;
    if (okta_cc_client_new(&c.client, &cfg, &err) != OKTA_CC_OK) bench_die("okta_cc_client_new", &err);
    if (okta_cc_client_get_token(c.client, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK)
        bench_die("token", &err);

    /* The bare handle, set up as the library sets up its own. */
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(url, sizeof url, "%s%s", org, PATH);
    snprintf(ua, sizeof ua, "okta-cc/%s libcurl/%s", OKTA_CC_VERSION_STRING, v ? v->version : "?");
    c.headers = curl_slist_append(curl_slist_append(NULL, auth), "Accept: application/json");
    c.easy = curl_easy_init();
    curl_easy_setopt(c.easy, CURLOPT_URL, url);
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_easy_setopt(c.easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.easy, CURLOPT_USERAGENT, ua);
    curl_easy_setopt(c.easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c.easy, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, grow_append);
    curl_easy_setopt(c.easy, CURLOPT_WRITEDATA, &c.body);
    curl_easy_setopt(c.easy, CURLOPT_HEADERFUNCTION, grow_append);
    curl_easy_setopt(c.easy, CURLOPT_HEADERDATA, &c.head);
    curl_easy_setopt(c.easy, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c.easy, CURLOPT_PROTOCOLS_STR, "https,http");
#else
    curl_easy_setopt(c.easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
    curl_easy_setopt(c.easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c.easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca) {
        curl_easy_setopt(c.easy, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(c.easy, CURLOPT_CAINFO, ca);
    }
    for (i = 0; i < 20; i++) {                          /* warm-up: connections, server JIT */
        lib_get(&c);
        bare_get(&c);
    }
    memset(c.lib_allocs, 0, sizeof c.lib_allocs);
    memset(c.curl_allocs, 0, sizeof c.curl_allocs);
    memset(c.requests, 0, sizeof c.requests);
    for (i = 0; i < rounds; i++) {
        double pair[2];
        round_pairs(&c, i, pair);
        vals[i] = pair[0];
        vals[rounds + i] = pair[1];
    }
    snprintf(extra, sizeof extra,
             "rounds=%d requests_per_round=%d round_p10=%.1f/%.1f round_p90=%.1f/%.1f allocs/req: lib=%.1f curl=%.1f vs bare curl=%.1f "
             "target<=1.05",
             rounds, REQS, bench_quantile(vals, (size_t)rounds, 0.1), bench_quantile(vals + rounds, (size_t)rounds, 0.1),
             bench_quantile(vals, (size_t)rounds, 0.9), bench_quantile(vals + rounds, (size_t)rounds, 0.9),
             (double)c.lib_allocs[0] / c.requests[0], (double)c.curl_allocs[0] / c.requests[0],
             (double)c.curl_allocs[1] / c.requests[1]);
    bench_line(name, 1, bench_median(vals, (size_t)rounds), bench_median(vals + rounds, (size_t)rounds), "us/req", 0,
               extra);
    curl_easy_cleanup(c.easy);
    curl_slist_free_all(c.headers);
    free(c.body.p);
    free(c.head.p);
    okta_cc_client_free(c.client);
    free(vals);
}

int main(int argc, char **argv)
{
    int rounds;
    if (argc < 4) {
        fprintf(stderr, "usage: %s CLIENT_ID KEY.pem HTTP_URL [HTTPS_URL CA_FILE] [ROUNDS]\n", argv[0]);
        return 2;
    }
    rounds = argc > 6 ? atoi(argv[6]) : 31;
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, c_malloc, c_free, c_realloc, c_strdup, c_calloc);
    run("api_request_http", argv[1], argv[2], argv[3], NULL, rounds);
    if (argc > 5) run("api_request_https", argv[1], argv[2], argv[4], argv[5], rounds);
    curl_global_cleanup();
    return 0;
}
