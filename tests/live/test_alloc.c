#define _POSIX_C_SOURCE 200809L
/* Memory under attack, against the local Okta-compatible server (tests/live/alloc_suite.sh):
   - every allocation fails once: for each k, the k-th allocation of the client's allocator
     (cfg.alloc), then of libcurl's (curl_global_init_mem), fails along key load -> token fetch
     (Bearer, and DPoP with its nonce round trip) -> a paged listing. Each failure must come back
     as an error with a message (OKTA_CC_ERR_NO_MEMORY for ours), never a crash; the same call
     made again must then succeed on the same client, and at the end nothing may be left
     allocated;
   - secrets: every block handed back to the client's allocator is scanned for the access token,
     the client assertion, the DPoP proofs, and the bytes of both private keys (binary and PEM);
     none may be found. Log lines and error messages are scanned the same way. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "live.h"

#include <pthread.h>

/* ---- a counting allocator that can fail the k-th call and scans what is freed ------------- */

#define MARKERS 64
typedef struct tally {
    pthread_mutex_t lock;
    long calls;                 /* allocations so far */
    long fail_at;               /* fail that call (1-based); 0 = never */
    long live;                  /* blocks not yet freed */
    int injected;               /* a failure was injected */
    unsigned char marker[MARKERS][64];
    size_t marker_len[MARKERS];
    char marker_name[MARKERS][32];
    int markers;
    char found[128];            /* the first marker found in a freed block, "" none */
} tally;

/* Blocks carry their size in front (16 bytes keep any alignment malloc gives). */
#define HDR 16

static int contains(const unsigned char *p, size_t n, const unsigned char *m, size_t mn)
{
    size_t i;
    if (mn == 0 || n < mn) return 0;
    for (i = 0; i + mn <= n; i++)
        if (p[i] == m[0] && memcmp(p + i, m, mn) == 0) return 1;
    return 0;
}

/* The name of a marker found in p (n bytes), or NULL. Under t->lock. */
static const char *marker_in(tally *t, const void *p, size_t n)
{
    int i;
    for (i = 0; i < t->markers; i++)
        if (contains((const unsigned char *)p, n, t->marker[i], t->marker_len[i])) return t->marker_name[i];
    return NULL;
}

static void add_marker(tally *t, const char *name, const void *bytes, size_t n)
{
    pthread_mutex_lock(&t->lock);
    if (t->markers < MARKERS && n >= 8) {
        if (n > sizeof t->marker[0]) n = sizeof t->marker[0];
        memcpy(t->marker[t->markers], bytes, n);
        t->marker_len[t->markers] = n;
        snprintf(t->marker_name[t->markers], sizeof t->marker_name[0], "%s", name);
        t->markers++;
    }
    pthread_mutex_unlock(&t->lock);
}

static void *tally_malloc(tally *t, size_t size)
{
    unsigned char *p;
    pthread_mutex_lock(&t->lock);
    t->calls++;
    if (t->calls == t->fail_at) {
        t->injected = 1;
        pthread_mutex_unlock(&t->lock);
        return NULL;
    }
    pthread_mutex_unlock(&t->lock);
    p = (unsigned char *)malloc(size + HDR);
    if (!p) return NULL;
    /* Filled, so that a marker found at free was written while the block was ours, not left
       in recycled memory by someone else (libcurl does not wipe its buffers). */
    memset(p, 0xA5, size + HDR);
    memcpy(p, &size, sizeof size);
    pthread_mutex_lock(&t->lock);
    t->live++;
    pthread_mutex_unlock(&t->lock);
    return p + HDR;
}

static void tally_free(tally *t, void *ptr)
{
    unsigned char *p;
    size_t size;
    const char *m;
    if (!ptr) return;
    p = (unsigned char *)ptr - HDR;
    memcpy(&size, p, sizeof size);
    pthread_mutex_lock(&t->lock);
    t->live--;
    m = marker_in(t, ptr, size);
    if (m && !t->found[0]) snprintf(t->found, sizeof t->found, "%s (in a freed block of %lu bytes)", m, (unsigned long)size);
    if (m && env("OKTA_CC_TEST_ABORT_ON_FIND")) abort();      /* for a debugger's backtrace */
    pthread_mutex_unlock(&t->lock);
    free(p);
}

static void tally_arm(tally *t, long fail_at)
{
    pthread_mutex_lock(&t->lock);
    t->calls = 0;
    t->fail_at = fail_at;
    t->injected = 0;
    pthread_mutex_unlock(&t->lock);
}

static void tally_disarm(tally *t)
{
    pthread_mutex_lock(&t->lock);
    t->fail_at = 0;
    pthread_mutex_unlock(&t->lock);
}

static int tally_injected(tally *t)
{
    int v;
    pthread_mutex_lock(&t->lock);
    v = t->injected;
    pthread_mutex_unlock(&t->lock);
    return v;
}

static long tally_live(tally *t)
{
    long v;
    pthread_mutex_lock(&t->lock);
    v = t->live;
    pthread_mutex_unlock(&t->lock);
    return v;
}

/* The client's allocator. */
static tally ours;
static void *ours_malloc(void *user, size_t size) { return tally_malloc((tally *)user, size); }
static void ours_free(void *user, void *p) { tally_free((tally *)user, p); }

/* libcurl's, for every libcurl allocation of the process (curl_global_init_mem). */
static tally theirs;
static void *curl_m(size_t size) { return tally_malloc(&theirs, size); }
static void curl_f(void *p) { tally_free(&theirs, p); }
static void *curl_r(void *p, size_t size)
{
    size_t old = 0;
    void *q;
    if (!p) return curl_m(size);
    if (!size) { curl_f(p); return NULL; }
    memcpy(&old, (unsigned char *)p - HDR, sizeof old);
    q = curl_m(size);
    if (!q) return NULL;
    memcpy(q, p, old < size ? old : size);
    curl_f(p);
    return q;
}
static char *curl_s(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = (char *)curl_m(n);
    if (p) memcpy(p, s, n);
    return p;
}
static void *curl_c(size_t n, size_t size)
{
    void *p = n && size > ((size_t)-1) / n ? NULL : curl_m(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

/* ---- log lines and messages: scanned for the same markers ---------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_leak[160];
static long log_lines;

static void check_text(const char *what, const char *text)
{
    const char *m;
    pthread_mutex_lock(&ours.lock);
    m = marker_in(&ours, text, strlen(text));
    pthread_mutex_unlock(&ours.lock);
    pthread_mutex_lock(&log_lock);
    if (m && !log_leak[0]) snprintf(log_leak, sizeof log_leak, "%s in a %s", m, what);
    pthread_mutex_unlock(&log_lock);
}

static void scan_log(void *user, const char *line)
{
    (void)user;
    if (env("OKTA_CC_TEST_SWEEP_LOG")) fprintf(stderr, "    log: %s\n", line);
    pthread_mutex_lock(&log_lock);
    log_lines++;
    pthread_mutex_unlock(&log_lock);
    check_text("log line", line);
}

/* ---- one flow: client, token, every page ----------------------------------------------------- */

typedef struct flow {
    const char *base, *client_id;
    okta_cc_dpop_mode dpop;
    const char *dpop_key;
    tally *armed;               /* whose allocation fails */
    int ours_only;              /* failures must be OKTA_CC_ERR_NO_MEMORY */
    int may_repeat;             /* items may come twice (libcurl's sweep: see test_sweep_libcurl) */
    int wrong;                  /* a failure of the wrong kind, or no recovery */
    char why[800];
} flow;

static void flow_config(const flow *f, okta_cc_config *cfg, char *path, size_t cap)
{
    live_config(cfg, f->base, f->client_id, path, cap);
    cfg->dpop = f->dpop;
    cfg->dpop_key = f->dpop_key;
    cfg->alloc.malloc_fn = ours_malloc;
    cfg->alloc.free_fn = ours_free;
    cfg->alloc.user = &ours;
    cfg->log = scan_log;
    cfg->max_retries = -1;      /* a failure shows as itself, not as a retry that worked */
}

/* A failed call: is it the kind the injected failure allows? Then the injection stops. */
static void flow_failed(flow *f, const char *step, okta_cc_result r, const okta_cc_error *err)
{
    check_text("error message", err->message);
    if (!tally_injected(f->armed)) {
        f->wrong = 1;
        snprintf(f->why, sizeof f->why, "%s failed with nothing injected: %s", step, err->message);
    } else if ((f->ours_only && r != OKTA_CC_ERR_NO_MEMORY) || !err->message[0]) {
        f->wrong = 1;
        snprintf(f->why, sizeof f->why, "%s: %s, message \"%s\"", step, okta_cc_result_str(r), err->message);
    }
    tally_disarm(f->armed);
}

/* Every page, each failed call made again once. Returns the users listed. */
static int flow_list(flow *f, okta_cc_client *c)
{
    okta_cc_pager pg;
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_result r;
    int users = 0, tries = 0;
    r = okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=100", &err);
    if (r != OKTA_CC_OK) {
        flow_failed(f, "pager_begin", r, &err);
        r = okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=100", &err);
    }
    while (r == OKTA_CC_OK && (r = okta_cc_pager_next(&pg, &page, &err)) != OKTA_CC_END && tries < 50) {
        if (r == OKTA_CC_OK) {
            const char *p = page.http.body;
            while (p && (p = strstr(p, "\"login\":")) != NULL) { users++; p++; }
        } else {
            flow_failed(f, "pager_next", r, &err);
            tries++;
            r = OKTA_CC_OK;
        }
        okta_cc_response_free(&page);
    }
    okta_cc_pager_end(&pg);
    return users;
}

/* key load -> token -> listing on one client. 1 when the flow met the injected failure. */
static int flow_run(flow *f)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    okta_cc_result r;
    char path[1024], token[4096];
    int users;
    flow_config(f, &cfg, path, sizeof path);
    r = okta_cc_client_new(&c, &cfg, &err);
    if (r != OKTA_CC_OK) {
        flow_failed(f, "client_new", r, &err);
        return 1;
    }
    r = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    if (r != OKTA_CC_OK) {
        flow_failed(f, "get_token", r, &err);
        r = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
        if (r != OKTA_CC_OK && !f->wrong) {
            f->wrong = 1;
            snprintf(f->why, sizeof f->why, "get_token did not recover: %s", err.message);
        }
    }
    users = flow_list(f, c);
    if ((f->may_repeat ? users < 250 : users != 250) && !f->wrong) {
        f->wrong = 1;
        snprintf(f->why, sizeof f->why, "listed %d users, not 250", users);
    }
    okta_cc_client_free(c);
    return tally_injected(f->armed);
}

/* Fails allocation k = 1, 2, ... of `armed` until a flow runs through without meeting one.
   Returns the number of flows that met a failure (0: the sweep found nothing to fail). */
static long sweep(flow *f, long limit)
{
    long k, hit = 0;
    long ours_before = tally_live(&ours), theirs_before = tally_live(&theirs);
    /* OKTA_CC_TEST_SWEEP_FROM=k starts there, to look at one failure (with OKTA_CC_TEST_SWEEP_LOG=1) */
    for (k = env("OKTA_CC_TEST_SWEEP_FROM") ? atol(env("OKTA_CC_TEST_SWEEP_FROM")) : 1; k <= limit; k++) {
        tally_arm(f->armed, k);
        if (!flow_run(f)) break;
        hit++;
        if (f->wrong) {
            fprintf(stderr, "  allocation %ld: %s\n", k, f->why);
            break;
        }
        if (tally_live(&ours) != ours_before) {
            fprintf(stderr, "  allocation %ld failed: %ld blocks of the client's allocator left\n", k,
                    tally_live(&ours) - ours_before);
            f->wrong = 1;
            break;
        }
    }
    tally_arm(f->armed, 0);
    CHECK(k <= limit);                          /* the sweep reached a flow with no failure */
    CHECK(!f->wrong);
    CHECK_EQ_INT(tally_live(&ours), ours_before);
    /* libcurl keeps nothing of a client once it is freed (its global state is older) */
    CHECK_EQ_INT(tally_live(&theirs), theirs_before);
    return hit;
}

/* One sweep: a flow on (base, client_id, dpop) with the allocations of `armed` failing one by one;
   at least `least` of them along the way. */
static void sweep_case(const char *what, const char *base, const char *client_id, okta_cc_dpop_mode dpop,
                       tally *armed, long least)
{
    flow f;
    long n;
    memset(&f, 0, sizeof f);
    f.base = base;
    f.client_id = client_id;
    f.dpop = dpop;
    f.armed = armed;
    f.ours_only = armed == &ours;
    /* libcurl 7.88 (Debian 12) sends a request WITHOUT its query when an allocation in its URL
       parser fails, and reports success (fixed upstream: curl pull request 19594, "error for OOM
       when extracting URL query"): /api/v1/users?after=X&limit=100 becomes /api/v1/users, so a
       page may list users already listed. Nothing of ours can see that, so there the listing
       must only be complete; what is checked is that every failure is an error with a message,
       the next call works, and nothing leaks. */
    f.may_repeat = armed == &theirs && LIBCURL_VERSION_NUM < 0x081200;
    n = sweep(&f, 20000);
    printf("  %ld allocations %s failed one by one\n", n, what);
    CHECK(n > least);
}

static void test_sweep_ours_bearer(void)
{
    sweep_case("of the client's allocator (Bearer)", env("OKTA_CC_TEST_URL"), "0oa_api", OKTA_CC_DPOP_NEVER, &ours, 20);
}

/* AUTO: the switch to DPoP, the token endpoint's nonce, the resource server's nonce. */
static void test_sweep_ours_dpop(void)
{
    sweep_case("of the client's allocator (DPoP)", env("OKTA_CC_TEST_DPOP_URL"), "0oa_api_dpop", OKTA_CC_DPOP_AUTO,
               &ours, 50);
}

static void test_sweep_libcurl(void)
{
    sweep_case("of libcurl", env("OKTA_CC_TEST_URL"), "0oa_api", OKTA_CC_DPOP_NEVER, &theirs, 50);
}

/* ---- secrets ------------------------------------------------------------------------------ */

/* A transport around the libcurl one that learns the assertion and the DPoP proofs as they
   leave, so that the allocator can look for them in every block freed afterwards. */
typedef struct spy {
    okta_cc_transport inner;
} spy;

static void learn_signature(const char *what, const char *jwt, size_t n)
{
    const char *dot = NULL;
    size_t i;
    for (i = 0; i < n; i++) if (jwt[i] == '.') dot = jwt + i;
    if (dot && (size_t)(jwt + n - dot) > 20) add_marker(&ours, what, dot + 1, 40);
}

static okta_cc_result spy_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                  okta_cc_error *err)
{
    spy *s = (spy *)ctx;
    size_t i;
    if (req->body) {
        const char *a = strstr(req->body, "client_assertion=");
        if (a) learn_signature("the client assertion", a + 17, strcspn(a + 17, "&"));
    }
    for (i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], "DPoP: ", 6) == 0)
            learn_signature("a DPoP proof", req->headers[i] + 6, strlen(req->headers[i] + 6));
    return s->inner.perform(s->inner.ctx, req, resp, err);
}

/* The middle of a PEM file's base64 (the key material), and the raw private scalar. */
static void learn_key(const char *what, const char *path)
{
    okta_cc_key key;
    char text[4096], name[32];
    size_t n = 0;
    FILE *fp = fopen(path, "rb");
    if (fp) { n = fread(text, 1, sizeof text - 1, fp); fclose(fp); }
    text[n] = '\0';
    CHECK(n > 100);
    snprintf(name, sizeof name, "%s (PEM)", what);
    if (n > 100) add_marker(&ours, name, text + n / 2 - 16, 24);
    CHECK(okta_cc_key_load(&key, text, n, NULL, NULL) == OKTA_CC_OK);
    snprintf(name, sizeof name, "%s (bytes)", what);
    add_marker(&ours, name, key.d, key.d_len);
    okta_cc_key_wipe(&key);
}

/* A DPoP flow with everything a long-running client meets: token, pages, a refused request, a
   401 that refetches the token, invalidation, and the end. */
static void secrets_flow(okta_cc_client *c)
{
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_token_info info;
    char token[4096];
    flow f;
    memset(&f, 0, sizeof f);
    f.armed = &ours;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    add_marker(&ours, "the access token", token + strlen(token) / 2 - 12, 24);
    CHECK_EQ_INT(flow_list(&f, c), 250);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users/nobody-here", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    check_text("error message", err.message);
    okta_cc_response_free(&r);
    CHECK(control(env("OKTA_CC_TEST_DPOP_URL"), "/__test/expire_tokens", "{}", NULL) == 200);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.retries >= 1);                      /* the 401 and a new token */
    okta_cc_response_free(&r);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    add_marker(&ours, "the second token", token + strlen(token) / 2 - 12, 24);
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    add_marker(&ours, "the third token", token + strlen(token) / 2 - 12, 24);
    okta_cc_wipe(token, sizeof token);
}

static void test_no_secret_in_freed_memory_or_text(void)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    flow f;
    spy s;
    char path[1024], dpop_path[1024];
    memset(&f, 0, sizeof f);
    f.base = env("OKTA_CC_TEST_DPOP_URL");
    f.client_id = "0oa_api_dpop";
    f.dpop = OKTA_CC_DPOP_ALWAYS;
    snprintf(dpop_path, sizeof dpop_path, "%s/dpop.pem", env("OKTA_CC_TEST_KEYS"));
    f.dpop_key = dpop_path;
    flow_config(&f, &cfg, path, sizeof path);
    learn_key("the private key", path);
    learn_key("the DPoP key", dpop_path);
    CHECK(okta_cc_curl_transport_new(&s.inner, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) == OKTA_CC_OK);
    cfg.transport.perform = spy_perform;
    cfg.transport.ctx = &s;
    cfg.transport.concurrent = 1;
    CHECK(okta_cc_client_new(&c, &cfg, &err) == OKTA_CC_OK);
    if (c) secrets_flow(c);
    okta_cc_client_free(c);
    okta_cc_curl_transport_free(&s.inner);
    printf("  %d markers, %ld log lines scanned\n", ours.markers, log_lines);
    CHECK(ours.markers >= 9);                   /* keys (4), assertion, proofs, tokens (3) */
    CHECK(log_lines > 5);
    CHECK_EQ_STR(ours.found, "");
    CHECK_EQ_STR(log_leak, "");
    CHECK_EQ_INT(tally_live(&ours), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    pthread_mutex_init(&ours.lock, NULL);
    pthread_mutex_init(&theirs.lock, NULL);
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_m, curl_f, curl_r, curl_s, curl_c) != CURLE_OK) {
        fprintf(stderr, "curl_global_init_mem failed\n");
        return 1;
    }
    h_begin("live_server_configured");
    CHECK(env("OKTA_CC_TEST_URL") != NULL && env("OKTA_CC_TEST_DPOP_URL") != NULL);
    h_end();
    if (env("OKTA_CC_TEST_URL") && env("OKTA_CC_TEST_DPOP_URL")) {
        RUN(test_no_secret_in_freed_memory_or_text);
        RUN(test_sweep_ours_bearer);
        RUN(test_sweep_ours_dpop);
        RUN(test_sweep_libcurl);
    }
    curl_global_cleanup();
    return h_summary();
}
