/* Helpers shared by the token client's scripted tests (tests/unit/test_token.c) and its tests
   against the local server (tests/live/test_token_live.c): the injected clock, the assertion
   log for the independent verifier, form bodies, single flight, the recording sleeper.
   Include after okta_cc.h (with its implementation) and harness.h. */
#ifndef OKTA_CC_TEST_TOKEN_HELPERS_H
#define OKTA_CC_TEST_TOKEN_HELPERS_H

#include <pthread.h>

static FILE *assertion_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* Records "client_id aud ttl key assertion" for the independent verifier; key names the public
   key to verify with ("-": the kid in the assertion's header). */
static __attribute__((unused)) void log_assertion_key(const char *client_id, const char *aud, int ttl,
                                                      const char *key, const char *jwt, size_t n)
{
    if (!assertion_log) return;
    pthread_mutex_lock(&log_lock);
    fprintf(assertion_log, "%s %s %d %s %.*s\n", client_id, aud, ttl, key ? key : "-", (int)n, jwt);
    pthread_mutex_unlock(&log_lock);
}

static __attribute__((unused)) void log_assertion(const char *client_id, const char *aud, int ttl, const char *jwt,
                                                  size_t n)
{
    log_assertion_key(client_id, aud, ttl, NULL, jwt, n);
}

/* Finds "name=" in a form body; returns the value (up to '&') and its length. */
static __attribute__((unused)) const char *form_value(const char *body, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    const char *p = body;
    while (p && *p) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            p += nl + 1;
            *len = strcspn(p, "&");
            return p;
        }
        p = strchr(p, '&');
        if (p) p++;
    }
    return NULL;
}

/* An injected clock the tests move by hand. */
typedef struct test_clock {
    volatile int64_t now;
} test_clock;

/* Read atomically: the single-flight test moves the clock from its threads (atomic adds). */
static __attribute__((unused)) int64_t clock_read(void *user)
{
    return __atomic_load_n(&((test_clock *)user)->now, __ATOMIC_SEQ_CST);
}

/* Creates a client from cfg, expecting result r; returns it (or NULL). */
static __attribute__((unused)) okta_cc_client *new_client(const okta_cc_config *cfg, okta_cc_result r,
                                                           okta_cc_error *err)
{
    okta_cc_client *c = NULL;
    okta_cc_result got = okta_cc_client_new(&c, cfg, err);
    if (got != r) fprintf(stderr, "  client_new: %s (%s)\n", okta_cc_result_str(got), err->message);
    CHECK(got == r);
    CHECK((c != NULL) == (r == OKTA_CC_OK));
    return c;
}

/* 16 threads x 1000 calls across three expiries: exactly one fetch per expiry. */
typedef struct sf_ctx {
    int64_t step;                   /* how far each expiry moves the clock */
    okta_cc_client *client;
    test_clock *clk;
    volatile long calls;
    int failures;
    pthread_mutex_t lock;
} sf_ctx;

/* OKTA_CC_TEST_LIGHT (set for the valgrind run) scales the big loops down tenfold. */
static __attribute__((unused)) int light(void) { return getenv("OKTA_CC_TEST_LIGHT") != NULL; }

static __attribute__((unused)) void *sf_thread(void *arg)
{
    sf_ctx *x = (sf_ctx *)arg;
    int i, per_thread = light() ? 100 : 1000;
    long quarter = 16L * per_thread / 4;
    for (i = 0; i < per_thread; i++) {
        char token[4096];
        long n = __sync_add_and_fetch(&x->calls, 1);
        okta_cc_error err;
        if (n == quarter || n == 2 * quarter || n == 3 * quarter) __sync_add_and_fetch(&x->clk->now, x->step);
        if (okta_cc_client_get_token(x->client, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK) {
            pthread_mutex_lock(&x->lock);
            x->failures++;
            pthread_mutex_unlock(&x->lock);
        }
    }
    return NULL;
}

static __attribute__((unused)) unsigned long run_single_flight(okta_cc_client *c, test_clock *clk, int64_t step,
                                                                int *failures)
{
    pthread_t th[16];
    sf_ctx x;
    int i;
    memset(&x, 0, sizeof x);
    x.client = c;
    x.clk = clk;
    x.step = step;
    pthread_mutex_init(&x.lock, NULL);
    for (i = 0; i < 16; i++) pthread_create(&th[i], NULL, sf_thread, &x);
    for (i = 0; i < 16; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&x.lock);
    *failures = x.failures;
    return okta_cc_client_token_fetches(c);
}

/* Sleeps are recorded, and move the test clock: nothing really waits. */
typedef struct sleeper {
    test_clock *clk;
    long slept[8];
    int sleeps;
} sleeper;

static __attribute__((unused)) void sleeper_sleep(void *u, long ms)
{
    sleeper *z = (sleeper *)u;
    if (z->sleeps < 8) z->slept[z->sleeps] = ms;
    z->sleeps++;
    __atomic_add_fetch(&z->clk->now, (ms + 999) / 1000, __ATOMIC_SEQ_CST);
}

/* Pairwise different and not empty: the jti of n assertions or proofs. */
static __attribute__((unused)) int all_different(const char (*v)[64], int n)
{
    int i, k;
    for (i = 0; i < n; i++) {
        if (!v[i][0]) return 0;
        for (k = 0; k < i; k++) if (strcmp(v[i], v[k]) == 0) return 0;
    }
    return 1;
}

#endif
