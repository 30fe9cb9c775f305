#define _POSIX_C_SOURCE 200809L
/* API request tests against the local Okta-compatible server (tests/live/api_suite.sh) with its
   seeded users, rate-limit headers and fault injection: listings, retries, 401 refresh, faults,
   DPoP, a client shared by threads, fork(). The same calls on a scripted transport are
   tests/unit/test_api.c. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

#include <pthread.h>
#include "live.h"

#include <time.h>
#include <unistd.h>

static okta_cc_client *live_client(const char *client_id, const char *scopes, long timeout_ms, int max_retries)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char path[1024];
    live_config(&cfg, env("OKTA_CC_TEST_URL"), client_id, path, sizeof path);
    cfg.scopes = scopes;
    cfg.http.timeout_ms = timeout_ms;
    cfg.max_retries = max_retries;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err.message);
    return c;
}

/* Counts users on every page; checks each page is a JSON array of user objects. */
static int count_users(okta_cc_client *c, const char *path, int *pages, char logins[][40])
{
    okta_cc_pager pg;
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_result r;
    int users = 0;
    okta_cc_json_token *tok = (okta_cc_json_token *)malloc(20000 * sizeof *tok);
    okta_cc_pager_begin(&pg, c, path, &err);
    while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        okta_cc_json_doc doc;
        long e;
        if (okta_cc_json_parse(page.http.body, page.http.body_len, tok, 20000, NULL, &doc, &err) != OKTA_CC_OK ||
            tok[0].type != OKTA_CC_JSON_ARRAY) {
            fprintf(stderr, "  page is not a JSON array: %s\n", err.message);
            users = -1000000;
        } else {
            for (e = okta_cc_json_first(&doc, 0); e >= 0; e = okta_cc_json_next(&doc, 0, (size_t)e)) {
                long profile = okta_cc_json_find(&doc, (size_t)e, "profile");
                long login = profile >= 0 ? okta_cc_json_find(&doc, (size_t)profile, "login") : -1;
                if (logins && users >= 0 && users < 300 && login >= 0)
                    okta_cc_json_get_string(&doc, (size_t)login, logins[users], 40, NULL, NULL);
                users++;
            }
        }
        okta_cc_response_free(&page);
    }
    if (r != OKTA_CC_END) { fprintf(stderr, "  pager: %s\n", err.message); users = -1; }
    *pages = pg.pages;
    okta_cc_pager_end(&pg);
    free(tok);
    return users;
}

static void test_live_all_250_users(void)
{
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 5000, 0);
    static char logins[300][40];
    int pages = 0, i, dups = 0;
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(count_users(c, "/api/v1/users", &pages, logins), 250);
    CHECK_EQ_INT(pages, 2);
    for (i = 1; i < 250; i++) dups += strcmp(logins[i - 1], logins[i]) == 0;
    CHECK_EQ_INT(dups, 0);
    CHECK_EQ_STR(logins[0], "user001@example.com");
    CHECK_EQ_INT(count_users(c, "/api/v1/users?limit=7", &pages, NULL), 250);
    CHECK_EQ_INT(pages, 36);
    CHECK_EQ_INT(count_users(c, "/api/v1/users?limit=250", &pages, NULL), 250);   /* clamped to 200 */
    CHECK_EQ_INT(pages, 2);
    okta_cc_client_free(c);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* For real, with a short Reset: two 429s, then success after waiting; retries reported. */
static void test_live_429_twice_then_success(void)
{
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 5000, 0);
    okta_cc_response r;
    okta_cc_error err;
    double t0;
    if (!c) { h_current_failed = 1; return; }
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":1},{\"kind\":\"status\",\"status\":429,\"reset_in\":1,\"duplicate_reset\":true}]");
    t0 = now_s();
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200);
    CHECK_EQ_INT(r.retries, 2);
    CHECK(now_s() - t0 >= 1.0 && now_s() - t0 < 6.0);
    okta_cc_response_free(&r);
    /* endless 429: the rate-limit error after the budget, in bounded time */
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":1},{\"kind\":\"status\",\"status\":429,\"reset_in\":1},"
          "{\"kind\":\"status\",\"status\":429,\"reset_in\":1},{\"kind\":\"status\",\"status\":429,\"reset_in\":1}]");
    t0 = now_s();
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK(now_s() - t0 < 8.0);
    CHECK_EQ_STR(err.okta_error_code, "E0000047");
    CHECK(err.okta_request_id[0] != '\0');
    CHECK_EQ_INT(r.retries, 2);
    okta_cc_response_free(&r);
    control(env("OKTA_CC_TEST_URL"), "/__test/clear_faults", "{}", NULL);
    okta_cc_client_free(c);
}

/* Sleeps counted, not slept. */
static void count_sleep(void *u, long ms) { (void)ms; ++*(int *)u; }

/* For real: each retry of an API call carries X-Okta-Retry-For (the X-Okta-Request-Id the
   server sent with the refused answer) and X-Okta-Retry-Count 1, 2 ...; the first attempt
   neither. */
static void test_live_retry_headers(void)
{
    const char *base = env("OKTA_CC_TEST_URL");
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_response r;
    okta_cc_error err;
    live_attempt a[8];
    char path[1024];
    int sleeps = 0, n, i, api = 0;
    live_config(&cfg, base, "0oa_api", path, sizeof path);
    cfg.sleep = count_sleep;
    cfg.sleep_user = &sleeps;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);  /* the token */
    okta_cc_response_free(&r);
    CHECK(control(base, "/__test/reset_stats", "{}", NULL) == 200);
    fault(base, "api", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":0},{\"kind\":\"status\",\"status\":503}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.retries == 2 && sleeps == 2);
    okta_cc_response_free(&r);
    n = live_attempts(base, a, 8);
    for (i = 0; i < n; i++) api += strcmp(a[i].target, "api") == 0;
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(api, 3);
    if (n == 3) {
        CHECK(a[0].status == 429 && a[1].status == 503 && a[2].status == 200);
        CHECK(a[0].retry_for[0] == '\0' && a[0].retry_count[0] == '\0');
        CHECK(a[0].request_id[0] != '\0');
        CHECK_EQ_STR(a[1].retry_for, a[0].request_id);
        CHECK_EQ_STR(a[1].retry_count, "1");
        CHECK_EQ_STR(a[2].retry_for, a[1].request_id);
        CHECK_EQ_STR(a[2].retry_count, "2");
    }
    control(base, "/__test/clear_faults", "{}", NULL);
    okta_cc_client_free(c);
}

static void test_live_401_expired_token_refetched_once(void)
{
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 5000, 0);
    okta_cc_response r;
    okta_cc_error err;
    long issued;
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    okta_cc_response_free(&r);
    issued = stat_value(env("OKTA_CC_TEST_URL"), "tokens_issued");
    CHECK(control(env("OKTA_CC_TEST_URL"), "/__test/expire_tokens", "{}", NULL) == 200);      /* the server forgets it */
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && r.retries == 1);
    CHECK_EQ_INT(stat_value(env("OKTA_CC_TEST_URL"), "tokens_issued") - issued, 1);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 2);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Every method on the one reused handle: HEAD gets no body and does not wait for one, and the
   requests after it are normal again. */
static void test_live_methods_on_one_handle(void)
{
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 3000, -1);
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_result got;
    double t0 = now_s();
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "HEAD", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && r.http.body_len == 0);
    okta_cc_response_free(&r);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && r.http.body_len > 10);
    okta_cc_response_free(&r);
    /* the server does not implement writes; what matters is a prompt, complete answer */
    got = okta_cc_request(c, "POST", "/api/v1/users", "{\"profile\":{}}", 14, NULL, &r, &err);
    CHECK(r.http.status >= 400 && got == OKTA_CC_ERR_HTTP);
    okta_cc_response_free(&r);
    got = okta_cc_request(c, "DELETE", "/api/v1/users/00unobody", NULL, 0, NULL, &r, &err);
    CHECK(r.http.status >= 400 && got == OKTA_CC_ERR_HTTP);
    okta_cc_response_free(&r);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=2", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200);
    okta_cc_response_free(&r);
    CHECK(now_s() - t0 < 2.0);
    okta_cc_client_free(c);
}

static void test_live_missing_scope(void)
{
    okta_cc_client *c = live_client("0oa_apps_only", "okta.apps.read", 5000, 0);
    okta_cc_response r;
    okta_cc_error err;
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK(r.http.status == 403);
    CHECK_EQ_STR(err.okta_error_code, "E0000006");
    CHECK(strstr(err.okta_error_summary, "You do not have permission") != NULL);
    CHECK(strstr(err.message, "E0000006") != NULL && err.okta_request_id[0]);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Truncated and broken bodies, 500, reset connections, a slow server: defined errors. */
static void test_live_faults(void)
{
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 1000, -1);   /* no retries */
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_json_doc doc;
    double t0;
    if (!c) { h_current_failed = 1; return; }
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"truncated\"}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_NETWORK);
    okta_cc_response_free(&r);
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"garbage\",\"status\":200}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(okta_cc_json_parse(r.http.body, r.http.body_len, NULL, 0, NULL, &doc, &err) == OKTA_CC_ERR_JSON_SYNTAX);
    okta_cc_response_free(&r);
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"status\",\"status\":500}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK(r.http.status == 500 && strcmp(err.okta_error_code, "E0000009") == 0);
    okta_cc_response_free(&r);
    /* Two resets: libcurl itself retries once when a reused connection dies before answering. */
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"reset\"},{\"kind\":\"reset\"}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_NETWORK);
    okta_cc_response_free(&r);
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"slow\",\"delay_ms\":3000}]");
    t0 = now_s();
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_TIMEOUT);
    CHECK(now_s() - t0 < 2.5);
    okta_cc_response_free(&r);
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"oversized\",\"bytes\":3000000}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_RESPONSE_TOO_LARGE);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
    /* with retries on, a reset and a 503 are ridden out */
    c = live_client("0oa_api", "okta.users.read", 5000, 0);
    if (!c) return;
    fault(env("OKTA_CC_TEST_URL"), "api", "[{\"kind\":\"reset\"},{\"kind\":\"reset\"},{\"kind\":\"status\",\"status\":503}]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=3", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && r.retries == 2);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Through libcurl and the local server: a 302 or a 500 on page 2 stops the listing with
   OKTA_CC_ERR_HTTP naming the status (a 302 used to end it quietly after page 1), the failed
   page holds nothing, and the next call fetches page 2 and ends the listing (issue 18, items
   12 and 13). */
static void test_live_listing_page_errors(void)
{
    static const char *const faults[] = {
        "[{\"kind\":\"slow\",\"delay_ms\":0},{\"kind\":\"status\",\"status\":302,\"headers\":{\"Location\":\"/login\"},\"body\":\"\"}]",
        "[{\"kind\":\"slow\",\"delay_ms\":0},{\"kind\":\"status\",\"status\":500}]",
    };
    static const long status[] = {302, 500};
    okta_cc_client *c = live_client("0oa_api", "okta.users.read", 5000, -1);
    okta_cc_pager pg;
    okta_cc_response page;
    okta_cc_error err;
    int i;
    if (!c) { h_current_failed = 1; return; }
    for (i = 0; i < 2; i++) {
        fault(env("OKTA_CC_TEST_URL"), "api", faults[i]);
        CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=200", &err) == OKTA_CC_OK);
        CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK && page.http.status == 200);
        okta_cc_response_free(&page);
        CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
        CHECK(err.http_status == status[i] && page.http.status == status[i]);
        CHECK(page.http.body == NULL && page.http.headers == NULL);
        CHECK(err.okta_request_id[0] != '\0');
        CHECK(okta_cc_pager_resume_url(&pg) && strstr(okta_cc_pager_resume_url(&pg), "after=") != NULL);
        CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK && page.http.status == 200);
        okta_cc_response_free(&page);
        CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END);
        CHECK_EQ_INT(pg.pages, 2);
        okta_cc_pager_end(&pg);
    }
    okta_cc_client_free(c);
}

/* A live client on base (the main server when NULL) in the given DPoP mode. */
static okta_cc_client *live_dpop_client(const char *base, const char *client_id, okta_cc_dpop_mode mode)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char path[1024];
    live_config(&cfg, base ? base : env("OKTA_CC_TEST_URL"), client_id, path, sizeof path);
    cfg.http.timeout_ms = 5000;
    cfg.dpop = mode;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err.message);
    return c;
}

/* AUTO, no DPoP setting at all, an app that requires DPoP: every user listed with DPoP. */
static void test_live_dpop_auto_lists_all_users(void)
{
    okta_cc_client *c = live_dpop_client(NULL, "0oa_api_dpop", OKTA_CC_DPOP_AUTO);
    const char *base = env("OKTA_CC_TEST_URL");
    okta_cc_token_info info;
    okta_cc_error err;
    char token[2048];
    int pages = 0;
    long dpop_tokens = stat_value(base, "dpop_proofs_seen");
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(count_users(c, "/api/v1/users", &pages, NULL), 250);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK(stat_value(base, "dpop_proofs_seen") - dpop_tokens >= 4);    /* 2 token requests + 2 pages */
    CHECK_EQ_INT(stat_value(base, "dpop_replays_refused"), 0);
    okta_cc_client_free(c);
}

/* --api-dpop-nonce, a 429 and a 401 injected mid-listing: every user, no proof replayed. */
static void test_live_dpop_resource_nonce_and_faults(void)
{
    const char *base = env("OKTA_CC_TEST_DPOP_URL");
    okta_cc_client *c = live_dpop_client(base, "0oa_api_dpop", OKTA_CC_DPOP_ALWAYS);
    okta_cc_pager pg;
    okta_cc_response page;
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_result res;
    int pages = 0, users = 0;
    long ch, served;
    if (!c) { h_current_failed = 1; return; }
    ch = stat_value(base, "dpop_nonce_challenges");
    served = stat_value(base, "faults_served");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=50", &err) == OKTA_CC_OK);
    while ((res = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        const char *p;
        for (p = page.http.body; (p = strstr(p, "\"login\":")) != NULL; p++) users++;
        okta_cc_response_free(&page);
        if (++pages == 2)
            fault(base, "api", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":1},{\"kind\":\"status\",\"status\":401}]");
    }
    CHECK(res == OKTA_CC_END);
    okta_cc_response_free(&page);
    okta_cc_pager_end(&pg);
    CHECK_EQ_INT(users, 250);
    CHECK_EQ_INT(pages, 5);
    CHECK(stat_value(base, "dpop_nonce_challenges") - ch >= 2);       /* token endpoint + resource */
    CHECK_EQ_INT(stat_value(base, "dpop_replays_refused"), 0);
    CHECK_EQ_INT(stat_value(base, "faults_served") - served, 2);   /* the 429 and the 401 happened */
    /* a login with @ percent-encoded: the proof's htu is the decoded path */
    CHECK(okta_cc_request(c, "GET", "/api/v1/users/user007%40example.com", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && strstr(r.http.body, "\"login\":\"user007@example.com\"") != NULL);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* One DPoP client shared by 8 threads, each listing every user with the resource nonce on:
   nonces and the DPoP key under the client's lock, one token for all, no proof ever reused. */
typedef struct dpop_thread {
    okta_cc_client *c;
    int users;
} dpop_thread;

static void *dpop_thread_run(void *arg)
{
    dpop_thread *t = (dpop_thread *)arg;
    int pages = 0;
    t->users = count_users(t->c, "/api/v1/users?limit=100", &pages, NULL);
    return NULL;
}

static void test_live_dpop_shared_by_threads(void)
{
    const char *base = env("OKTA_CC_TEST_DPOP_URL");
    okta_cc_client *c = live_dpop_client(base, "0oa_api_dpop", OKTA_CC_DPOP_AUTO);
    pthread_t th[8];
    dpop_thread t[8];
    long replays = stat_value(base, "dpop_replays_refused");
    int i;
    if (!c) { h_current_failed = 1; return; }
    for (i = 0; i < 8; i++) {
        t[i].c = c;
        t[i].users = -1;
        CHECK(pthread_create(&th[i], NULL, dpop_thread_run, &t[i]) == 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(t[i].users, 250);
    }
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 1);
    CHECK_EQ_INT(stat_value(base, "dpop_replays_refused") - replays, 0);
    okta_cc_client_free(c);
}

/* 16 threads on one client against a server that holds each API answer 50 ms, with 4 s
   tokens, for 5 s: the requests overlap (the server sees 16 in flight on 16 connections), every
   one succeeds, and the token is fetched once per lifetime (refresh ahead from 2 s, renewal at
   3 s), never twice for one expiry. The same client with max_parallel_requests = 1 is the
   contrast: one request at a time. */
typedef struct parallel_thread {
    okta_cc_client *c;
    int64_t until_ms;
    int ok, failed;
} parallel_thread;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *parallel_thread_run(void *arg)
{
    parallel_thread *t = (parallel_thread *)arg;
    while (wall_ms() < t->until_ms) {
        okta_cc_response r;
        if (okta_cc_request(t->c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, NULL) == OKTA_CC_OK &&
            r.http.status == 200) t->ok++;
        else t->failed++;
        okta_cc_response_free(&r);
    }
    return NULL;
}

/* Runs n threads on c for ms milliseconds; returns the requests that succeeded (-1 on a failure). */
static int run_parallel(okta_cc_client *c, int n, int64_t ms)
{
    pthread_t th[16];
    parallel_thread t[16];
    int i, ok = 0, failed = 0;
    for (i = 0; i < n; i++) {
        t[i].c = c;
        t[i].until_ms = wall_ms() + ms;
        t[i].ok = t[i].failed = 0;
        if (pthread_create(&th[i], NULL, parallel_thread_run, &t[i]) != 0) return -1;
    }
    for (i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += t[i].ok;
        failed += t[i].failed;
    }
    return failed ? -1 : ok;
}

static okta_cc_client *parallel_client(const char *base, int max_parallel)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char path[1024];
    live_config(&cfg, base, "0oa_api", path, sizeof path);
    cfg.http.max_parallel_requests = max_parallel;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err.message);
    return c;
}

static void test_live_shared_client_parallel(void)
{
    const char *base = env("OKTA_CC_TEST_PARALLEL_URL");
    okta_cc_client *c = parallel_client(base, 16);
    int64_t t0;
    int ok;
    long fetched, seconds;
    if (!c) { h_current_failed = 1; return; }
    CHECK(control(base, "/__test/reset_stats", "{}", NULL) == 200);
    t0 = wall_ms();
    ok = run_parallel(c, 16, 5000);
    seconds = (long)((wall_ms() - t0 + 999) / 1000);
    fetched = (long)okta_cc_client_token_fetches(c);
    CHECK(ok > 0);
    CHECK(stat_value(base, "api_inflight_max") >= 14);
    CHECK(stat_value(base, "connections_open_max") >= 14);
    CHECK(stat_value(base, "connections_opened") <= 20);       /* kept alive, not one per request */
    CHECK_EQ_INT(stat_value(base, "tokens_issued"), fetched);
    CHECK(fetched >= 2 && fetched <= seconds / 2 + 1);          /* each token used >= 2 s */
    CHECK_EQ_INT(stat_value(base, "api_errors"), 0);
    if (h_verbose) printf("  %d requests in %ld s, %ld tokens, %ld in flight at most\n", ok, seconds, fetched,
                          stat_value(base, "api_inflight_max"));
    okta_cc_client_free(c);
    /* the contrast: a pool of one handle runs one request at a time */
    c = parallel_client(base, 1);
    if (!c) { h_current_failed = 1; return; }
    CHECK(control(base, "/__test/reset_stats", "{}", NULL) == 200);
    CHECK(run_parallel(c, 16, 1000) > 0);
    CHECK_EQ_INT(stat_value(base, "api_inflight_max"), 1);
    okta_cc_client_free(c);
}

/* A Bearer-only app in NEVER mode: no proof is sent, everything as before. */
static void test_live_dpop_never_bearer(void)
{
    const char *base = env("OKTA_CC_TEST_DPOP_URL");
    okta_cc_client *c = live_dpop_client(base, "0oa_api", OKTA_CC_DPOP_NEVER);
    long proofs = stat_value(base, "dpop_proofs_seen");
    int pages = 0;
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(count_users(c, "/api/v1/users", &pages, NULL), 250);
    CHECK_EQ_INT(stat_value(base, "dpop_proofs_seen") - proofs, 0);
    okta_cc_client_free(c);
    /* and the DPoP app in NEVER mode is refused with the server's words */
    c = live_dpop_client(base, "0oa_api_dpop", OKTA_CC_DPOP_NEVER);
    if (!c) { h_current_failed = 1; return; }
    {
        okta_cc_response r;
        okta_cc_error err;
        CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_OAUTH);
        CHECK_EQ_STR(err.oauth_error_description, "The DPoP proof JWT header is missing.");
        okta_cc_response_free(&r);
    }
    CHECK_EQ_INT(stat_value(base, "dpop_proofs_seen") - proofs, 0);
    okta_cc_client_free(c);
}

/* fork() from a client with a warm connection, over HTTP (tests/live/test_tls.c: over HTTPS): the
   child must start a pool of its own and never touch the parent's connection (see THREADING). */
static void test_live_fork_parent_and_child_each_get_their_answers(void)
{
    const char *base = env("OKTA_CC_TEST_FORK_URL");
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char path[1024];
    if (!base) { h_current_failed = 1; return; }
    live_config(&cfg, base, "0oa_api", path, sizeof path);
    cfg.http.timeout_ms = 5000;
    cfg.max_retries = -1;       /* a broken stream must show, not be retried away */
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) { fprintf(stderr, "  client: %s\n", err.message); h_current_failed = 1; return; }
    CHECK_EQ_INT(live_fork_rounds(c, base, 50), 50);
    okta_cc_client_free(c);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h_begin("live_server_configured");
    CHECK(env("OKTA_CC_TEST_URL") != NULL);
    h_end();
    if (env("OKTA_CC_TEST_URL")) {
        RUN(test_live_all_250_users);
        RUN(test_live_429_twice_then_success);
        RUN(test_live_retry_headers);
        RUN(test_live_401_expired_token_refetched_once);
        RUN(test_live_methods_on_one_handle);
        RUN(test_live_missing_scope);
        RUN(test_live_faults);
        RUN(test_live_listing_page_errors);
        RUN(test_live_dpop_auto_lists_all_users);
        RUN(test_live_dpop_resource_nonce_and_faults);
        RUN(test_live_dpop_shared_by_threads);
        RUN(test_live_dpop_never_bearer);
        RUN(test_live_shared_client_parallel);
        RUN(test_live_fork_parent_and_child_each_get_their_answers);
    }
    curl_global_cleanup();
    return h_summary();
}
