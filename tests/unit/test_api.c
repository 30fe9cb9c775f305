#define _POSIX_C_SOURCE 200809L
/* API request tests, scripted: a scripted transport (canned responses), an injected clock and an
   injected sleep, so rate-limit waits, backoff, 401 refresh, origin checks, Link parsing and
   logging are checked exactly and without sleeping. The same calls against the local
   Okta-compatible server are tests/live/test_api_live.c. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

#include <pthread.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

/* ---- scripted transport ------------------------------------------------------------------- */

typedef struct canned {
    long status;
    const char *headers;        /* "Name: value\n" lines */
    const char *body;
    okta_cc_result fail;        /* non-OK: a transport failure */
    long transport_code;
    const char *raw_header;     /* one more header line of raw_len bytes (may hold a NUL) */
    size_t raw_len;
} canned;

typedef struct script {
    canned queue[16];
    int count, next;            /* API responses; when exhausted: 200 "[]", or "[0]" with the
                                   site's link (a page of the site holds an item) */
    const char *const *site;    /* URL, next link, URL, next link ..., NULL: pages that link on */
    int endless;                /* every page links to a new one: ?page=<API calls so far> */
    int api_calls, token_calls;
    char last_url[1024], last_auth[256], last_method[32], last_ctype[128];
    const char *token_type;     /* of the token endpoint's answers; NULL: Bearer */
    int token_refuse_from;      /* token calls from this one on (1, 2 ...) get 400 invalid_client */
    char dpop[8][2048];         /* the DPoP header of each API call ("" none) */
    char retry_for[8][128], retry_count[8][32];     /* X-Okta-Retry-* of each API call ("" none) */
    struct { long status; const char *headers; } token_answers[8];  /* before the 200s */
    int token_answer_count;
} script;

/* Status line, then "Name: value\n" lines, into resp. */
static void answer_head(okta_cc_http_response *resp, long status, const char *headers)
{
    char line[64];
    const char *h;
    snprintf(line, sizeof line, "HTTP/1.1 %ld X", status);
    okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
    for (h = headers; h && *h;) {
        size_t n = strcspn(h, "\n");
        okta_cc_http_response_header_line(resp, h, n, NULL);
        h += n + (h[n] == '\n');
    }
}

/* The Link header line of a page of the script's site, 0 when it has none. */
static int site_link(const script *s, const char *url, char *line, size_t cap)
{
    const char *const *p;
    if (s->endless) {
        snprintf(line, cap, "Link: <https://dev-1.okta.com/api/v1/users?page=%d>; rel=\"next\"", s->api_calls);
        return 1;
    }
    for (p = s->site; p && p[0]; p += 2) {
        if (strcmp(p[0], url) != 0) continue;
        snprintf(line, cap, "Link: <%s>; rel=\"next\"", p[1]);
        return 1;
    }
    return 0;
}

static okta_cc_result script_perform(void *ctx, const okta_cc_http_request *req,
                                     okta_cc_http_response *resp, okta_cc_error *err)
{
    script *s = (script *)ctx;
    char line[256];
    const canned *c;
    const char *h;
    size_t i;
    if (strstr(req->url, "/v1/token")) {
        static const char body[] = "{\"token_type\":\"%s\",\"expires_in\":3600,\"access_token\":\"tok-%d\",\"scope\":\"okta.users.read\"}";
        char b[256];
        s->token_calls++;
        if (s->token_calls <= s->token_answer_count) {
            static const char e47[] = "{\"errorCode\":\"E0000047\",\"errorSummary\":\"API call exceeded rate limit due to too many requests.\"}";
            answer_head(resp, s->token_answers[s->token_calls - 1].status, s->token_answers[s->token_calls - 1].headers);
            return okta_cc_http_response_append_body(resp, e47, sizeof e47 - 1, NULL);
        }
        if (s->token_refuse_from && s->token_calls >= s->token_refuse_from) {
            static const char refused[] = "{\"error\":\"invalid_client\",\"error_description\":\"refused\"}";
            okta_cc_http_response_header_line(resp, "HTTP/1.1 400 Bad Request", 24, NULL);
            return okta_cc_http_response_append_body(resp, refused, sizeof refused - 1, NULL);
        }
        okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
        snprintf(b, sizeof b, body, s->token_type ? s->token_type : "Bearer", s->token_calls);
        return okta_cc_http_response_append_body(resp, b, strlen(b), NULL);
    }
    s->api_calls++;
    snprintf(s->last_url, sizeof s->last_url, "%s", req->url);
    snprintf(s->last_method, sizeof s->last_method, "%s", req->method);
    s->last_auth[0] = s->last_ctype[0] = '\0';
    if (s->api_calls <= 8) {
        s->dpop[s->api_calls - 1][0] = '\0';
        request_header(req, "X-Okta-Retry-For", s->retry_for[s->api_calls - 1], sizeof s->retry_for[0]);
        request_header(req, "X-Okta-Retry-Count", s->retry_count[s->api_calls - 1], sizeof s->retry_count[0]);
    }
    for (i = 0; i < req->header_count; i++) {
        if (strncmp(req->headers[i], "DPoP: ", 6) == 0 && s->api_calls <= 8)
            snprintf(s->dpop[s->api_calls - 1], sizeof s->dpop[0], "%s", req->headers[i] + 6);
        if (strncmp(req->headers[i], "Authorization:", 14) == 0) snprintf(s->last_auth, sizeof s->last_auth, "%s", req->headers[i]);
        if (strncmp(req->headers[i], "Content-Type:", 13) == 0) snprintf(s->last_ctype, sizeof s->last_ctype, "%s", req->headers[i]);
    }
    if (s->next >= s->count) {
        okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
        if (site_link(s, req->url, line, sizeof line)) {
            okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
            return okta_cc_http_response_append_body(resp, "[0]", 3, NULL);
        }
        return okta_cc_http_response_append_body(resp, "[]", 2, NULL);
    }
    c = &s->queue[s->next++];
    if (c->fail != OKTA_CC_OK) {
        if (err) { err->code = c->fail; err->transport_code = c->transport_code; snprintf(err->message, sizeof err->message, "scripted"); }
        return c->fail;
    }
    snprintf(line, sizeof line, "HTTP/1.1 %ld X", c->status);
    okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
    for (h = c->headers; h && *h;) {
        size_t n = strcspn(h, "\n");
        okta_cc_http_response_header_line(resp, h, n, NULL);
        h += n + (h[n] == '\n');
    }
    if (c->raw_header) okta_cc_http_response_header_line(resp, c->raw_header, c->raw_len, NULL);
    return c->body ? okta_cc_http_response_append_body(resp, c->body, strlen(c->body), NULL) : OKTA_CC_OK;
}

static void push(script *s, long status, const char *headers, const char *body)
{
    canned *c = &s->queue[s->count++];
    memset(c, 0, sizeof *c);
    c->status = status;
    c->headers = headers;
    c->body = body;
}

static void push_fail(script *s, okta_cc_result r, long code)
{
    canned *c = &s->queue[s->count++];
    memset(c, 0, sizeof *c);
    c->fail = r;
    c->transport_code = code;
}

/* Injected time: the clock (seconds) and sleep (milliseconds) move together. */
typedef struct fake_time {
    int64_t ms;                 /* "now" in milliseconds */
    long slept[16];
    int sleeps;
} fake_time;

static int64_t fake_clock(void *u) { return ((fake_time *)u)->ms / 1000; }
static void fake_sleep(void *u, long ms)
{
    fake_time *t = (fake_time *)u;
    if (t->sleeps < 16) t->slept[t->sleeps] = ms;
    t->sleeps++;
    t->ms += ms;
}

typedef struct log_capture {
    char lines[32][1100];
    int n;
} log_capture;

static void capture_log(void *u, const char *line)
{
    log_capture *l = (log_capture *)u;
    if (l->n < 32) snprintf(l->lines[l->n], sizeof l->lines[0], "%s", line);
    l->n++;
}

static char key_path[1024];

/* A config wired to the scripted transport and the injected clock and sleep. */
static void scripted_config(okta_cc_config *cfg, script *s, fake_time *t, log_capture *lg, int max_retries)
{
    okta_cc_config_init(cfg);
    snprintf(key_path, sizeof key_path, "%s/jose/generated-ec-p256-pkcs8.pem", h_vectors_dir());
    cfg->org_url = "https://dev-1.okta.com";
    cfg->client_id = "0oa_api";
    cfg->private_key = key_path;
    cfg->scopes = "okta.users.read";
    cfg->transport.perform = script_perform;
    cfg->transport.ctx = s;
    cfg->clock = fake_clock;
    cfg->clock_user = t;
    cfg->sleep = fake_sleep;
    cfg->sleep_user = t;
    cfg->log = lg ? capture_log : NULL;
    cfg->log_user = lg;
    cfg->max_retries = max_retries;
}

static okta_cc_client *client_from(const okta_cc_config *cfg)
{
    okta_cc_client *c = NULL;
    okta_cc_error err;
    if (okta_cc_client_new(&c, cfg, &err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err.message);
    return c;
}

static okta_cc_client *scripted_client(script *s, fake_time *t, log_capture *lg, int max_retries)
{
    okta_cc_config cfg;
    scripted_config(&cfg, s, t, lg, max_retries);
    return client_from(&cfg);
}

#define T0 1764331200000LL      /* Fri, 28 Nov 2025 12:00:00 GMT, in ms */

/* ---- part 1 ---------------------------------------------------------------------------------- */

static void test_request_basics(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 200, "X-Rate-Limit-Limit: 600\nX-Rate-Limit-Remaining: 599\nX-Rate-Limit-Reset: 1764331260\nX-Okta-Request-Id: abc",
         "[{\"id\":\"00u1\"}]");
    push(&s, 201, NULL, "{}");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_url, "https://dev-1.okta.com/api/v1/users?limit=1");
    CHECK_EQ_STR(s.last_auth, "Authorization: Bearer tok-1");
    CHECK(s.last_ctype[0] == '\0');
    CHECK(r.http.status == 200 && r.retries == 0);
    CHECK(r.rate_limit.present && r.rate_limit.limit == 600 && r.rate_limit.remaining == 599 && r.rate_limit.reset == 1764331260);
    CHECK(r.http.body_len == 15 && strcmp(r.http.body, "[{\"id\":\"00u1\"}]") == 0);
    {
        size_t n;
        const char *v = okta_cc_http_response_header(&r.http, "x-okta-request-id", 0, &n);
        CHECK(v && n == 3 && strncmp(v, "abc", 3) == 0);
    }
    okta_cc_response_free(&r);
    /* a body: Content-Type, method, relative path without a slash */
    CHECK(okta_cc_request(c, "POST", "api/v1/users?activate=false", "{\"profile\":{}}", 14, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_method, "POST");
    CHECK_EQ_STR(s.last_url, "https://dev-1.okta.com/api/v1/users?activate=false");
    CHECK_EQ_STR(s.last_ctype, "Content-Type: application/json");
    CHECK(r.http.status == 201);
    okta_cc_response_free(&r);
    CHECK_EQ_INT(s.token_calls, 1);
    /* GET and HEAD take no body */
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", "{}", 2, NULL, &r, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_response_free(&r);
    /* a relative path whose query holds a URL is still a path */
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?search=profile.site%20eq%20%22https://x.example%22", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(strncmp(s.last_url, "https://dev-1.okta.com/api/v1/users?search=", 43) == 0);
    okta_cc_response_free(&r);
    /* an absolute URL on the org's origin is fine (default port spelled out too); it is sent
       on the org's normalised origin */
    CHECK(okta_cc_request(c, "GET", "https://DEV-1.okta.com:443/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_url, "https://dev-1.okta.com/api/v1/users");
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Absolute URLs off the org's origin are refused and nothing is sent. */
static void test_origin_refused_without_sending(void)
{
    static const char *bad[] = {"https://evil.example.com/api/v1/users", "http://dev-1.okta.com/api/v1/users",
                                "https://dev-1.okta.com:8443/api/v1/users", "https://dev-1.okta.com.evil.com/x",
                                "https://user@dev-1.okta.com/api/v1/users", "ftp://dev-1.okta.com/x"};
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    size_t i;
    memset(&s, 0, sizeof s);
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(okta_cc_request(c, "GET", bad[i], NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_ORIGIN);
        CHECK(strstr(err.message, "dev-1.okta.com") != NULL);
        okta_cc_response_free(&r);
    }
    CHECK_EQ_INT(s.api_calls, 0);
    CHECK_EQ_INT(s.token_calls, 0);           /* not even a token was fetched */
    okta_cc_client_free(c);
}

/* Methods, content types and paths that would rewrite the request line or add a header are
   refused before anything is sent: not even a token is fetched. */
static void test_request_values_with_ctl_refused(void)
{
    static const char *bad_methods[] = {"GET /smuggled HTTP/1.1\r\nX-Injected: yes\r\n\r\nGET", "GET\r\n", "GET\n",
                                        "", "GE T", "G\tET", "GET\x7f", "G(ET)", "G\"ET", "GET/", "G\xc3\x89T"};
    static const char *bad_ctypes[] = {"application/json\r\nX-Injected: yes", "application/json\n", "text/plain\x01",
                                       "a\x7f", "application/json;\tcharset=utf-8"};
    static const char *bad_paths[] = {"/api/v1/users\r\nX-Injected: yes", "/api/v1/users?q=a b", "/api/v1/users\n",
                                      "/api/v1/\tusers", "/api/v1/users\x7f", "https://dev-1.okta.com/api/v1/users?x=\r\n",
                                      "https://dev-1.okta.com/a b", "/api/v1/users\x01"};
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_request_options o;
    okta_cc_client *c;
    size_t i;
    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    for (i = 0; i < sizeof bad_methods / sizeof *bad_methods; i++) {
        CHECK_EQ_INT(okta_cc_request(c, bad_methods[i], "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(strchr(err.message, '\r') == NULL && strchr(err.message, '\n') == NULL);
        okta_cc_response_free(&r);
    }
    for (i = 0; i < sizeof bad_ctypes / sizeof *bad_ctypes; i++) {
        o.content_type = bad_ctypes[i];
        CHECK_EQ_INT(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, &o, &r, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(strchr(err.message, '\r') == NULL && strchr(err.message, '\n') == NULL);
        okta_cc_response_free(&r);
    }
    for (i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++) {
        CHECK_EQ_INT(okta_cc_request(c, "GET", bad_paths[i], NULL, 0, NULL, &r, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(strchr(err.message, '\r') == NULL && strchr(err.message, '\n') == NULL);
        okta_cc_response_free(&r);
    }
    CHECK_EQ_INT(s.api_calls, 0);
    CHECK_EQ_INT(s.token_calls, 0);
    /* what is allowed still goes out as given: any RFC 9110 token as the method, a content
       type with parameters */
    o.content_type = "application/merge-patch+json; charset=utf-8";
    CHECK(okta_cc_request(c, "PATCH", "/api/v1/users/00u1", "{}", 2, &o, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_method, "PATCH");
    CHECK_EQ_STR(s.last_ctype, "Content-Type: application/merge-patch+json; charset=utf-8");
    okta_cc_response_free(&r);
    CHECK(okta_cc_request(c, "X-Custom!#$%&'*+-.^_`|~9", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_method, "X-Custom!#$%&'*+-.^_`|~9");
    okta_cc_response_free(&r);
    CHECK_EQ_INT(s.api_calls, 2);
    okta_cc_client_free(c);
}

/* Two 429s then success: waits until Reset (against Date) + 1 s, plus < 250 ms jitter. */
static void test_429_twice_then_success(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    /* The server's clock is 100 s ahead of ours: the wait must come from its Date. */
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:01:40 GMT\nX-Rate-Limit-Reset: 1764331305\nX-Rate-Limit-Remaining: 0", "{\"errorCode\":\"E0000047\"}");
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:01:46 GMT\nX-Rate-Limit-Reset: 1764331320\nX-Rate-Limit-Reset: 1764331308", NULL);
    push(&s, 200, NULL, "[]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200);
    CHECK_EQ_INT(r.retries, 2);
    CHECK_EQ_INT(t.sleeps, 2);
    CHECK(t.slept[0] >= 6000 && t.slept[0] < 6250);     /* 1764331305 - 12:01:40 (..300) + 1 s */
    CHECK(t.slept[1] >= 3000 && t.slept[1] < 3250);     /* the smaller of two Resets: ..308 - ..306 + 1 */
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK_EQ_INT(s.token_calls, 1);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* A 429 whose Date is not a plausible IMF-fixdate: the wait comes from the local clock (and
   the offset learnt before), not from a two-digit year 2000 years back. */
static void test_429_with_malformed_date(void)
{
    static const char *dates[] = {"Fri, 28 Nov 25 12:00:00 GMT", "Fri, 28 Nov 2025 -9:-9:-9 GMT",
                                  "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 28 No 2025 12:00:00 GMT"};
    size_t i;
    for (i = 0; i < sizeof dates / sizeof *dates; i++) {
        script s;
        fake_time t = {T0, {0}, 0};
        okta_cc_response r;
        okta_cc_error err;
        okta_cc_client *c;
        char hdr[160];
        memset(&s, 0, sizeof s);
        snprintf(hdr, sizeof hdr, "Date: %s\nX-Rate-Limit-Reset: 1764331205", dates[i]);
        push(&s, 429, hdr, NULL);
        push(&s, 200, NULL, "[]");
        c = scripted_client(&s, &t, NULL, 0);
        if (!c) { h_current_failed = 1; return; }
        CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_OK);
        CHECK_EQ_INT(t.sleeps, 1);
        CHECK(t.slept[0] >= 6000 && t.slept[0] < 6250);        /* ..205 - local ..200 + 1 s */
        okta_cc_response_free(&r);
        okta_cc_client_free(c);
    }
}

/* Endless 429: the rate-limit error after the budget (default 2 retries), bounded time. */
static void test_429_forever(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    int i;
    memset(&s, 0, sizeof s);
    for (i = 0; i < 10; i++)
        push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Reset: 1764331210\nX-Okta-Request-Id: rl-1",
             "{\"errorCode\":\"E0000047\",\"errorSummary\":\"API call exceeded rate limit due to too many requests.\",\"errorId\":\"oaeRL\",\"errorCauses\":[]}");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK_EQ_INT(r.retries, 2);
    CHECK(r.http.status == 429);
    CHECK(t.ms - T0 < 2 * 11250);
    CHECK_EQ_STR(err.okta_error_code, "E0000047");
    CHECK_EQ_STR(err.okta_error_id, "oaeRL");
    CHECK_EQ_STR(err.okta_request_id, "rl-1");
    CHECK(err.http_status == 429 && strstr(err.message, "rate limit") != NULL);
    CHECK(err.rate_limit_reset == 1764331210 && strstr(err.message, "resets in 10 s") != NULL);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
    /* the deadline cuts it shorter: a Reset an hour away is not waited for */
    memset(&s, 0, sizeof s);
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Reset: 1764334800", NULL);
    t.ms = T0;
    t.sleeps = 0;
    c = scripted_client(&s, &t, NULL, 5);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(t.sleeps, 0);
    okta_cc_response_free(&r);
    /* retries turned off for one request */
    {
        okta_cc_request_options o;
        memset(&o, 0, sizeof o);
        o.max_retries = -1;
        memset(&s, 0, sizeof s);
        push(&s, 429, "X-Rate-Limit-Reset: 1764331201", NULL);
        CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, &o, &r, &err) == OKTA_CC_ERR_RATE_LIMITED);
        CHECK(s.api_calls == 1 && r.retries == 0);
        okta_cc_response_free(&r);
    }
    okta_cc_client_free(c);
}

/* Retry-After (RFC 9110 10.2.3), delta-seconds or an HTTP-date against the response's Date:
   the wait of a 429 without X-Rate-Limit-Reset, and of a 503/504 when longer than the backoff.
   X-Rate-Limit-Reset, when there is one, wins. */
static void test_retry_after(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 429, "Retry-After: 3", NULL);
    push(&s, 503, "Retry-After: 4", NULL);
    push(&s, 200, NULL, "[]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_OK);
    CHECK_EQ_INT(t.sleeps, 2);
    CHECK(t.slept[0] >= 3000 && t.slept[0] < 3250);
    CHECK(t.slept[1] >= 4000 && t.slept[1] < 4250);
    okta_cc_response_free(&r);
    memset(&s, 0, sizeof s);
    t.sleeps = 0;
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nRetry-After: Fri, 28 Nov 2025 12:00:07 GMT", NULL);
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Reset: 1764331201\nRetry-After: 30", NULL);
    push(&s, 200, NULL, "[]");
    CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_OK);
    CHECK_EQ_INT(t.sleeps, 2);
    CHECK(t.slept[0] >= 7000 && t.slept[0] < 7250);
    CHECK(t.slept[1] >= 2000 && t.slept[1] < 2250);     /* the Reset, not Retry-After */
    okta_cc_response_free(&r);
    /* a 503's Retry-After shorter than the backoff, or malformed: the backoff */
    memset(&s, 0, sizeof s);
    t.sleeps = 0;
    push(&s, 503, "Retry-After: 0", NULL);
    push(&s, 503, "Retry-After: soon", NULL);
    push(&s, 200, NULL, "[]");
    CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_OK);
    CHECK(t.slept[0] >= 500 && t.slept[0] < 625 && t.slept[1] >= 1000 && t.slept[1] < 1250);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

static void test_503_backoff_only_when_safe(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 503, NULL, NULL);
    push(&s, 504, NULL, NULL);
    push(&s, 200, NULL, "[]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.retries == 2 && t.sleeps == 2);
    CHECK(t.slept[0] >= 500 && t.slept[0] < 625 && t.slept[1] >= 1000 && t.slept[1] < 1250);
    okta_cc_response_free(&r);
    /* POST is not repeated after a 503: it may have been applied */
    memset(&s, 0, sizeof s);
    push(&s, 503, NULL, "{\"errorCode\":\"E0000010\",\"errorSummary\":\"Service is temporarily unavailable\"}");
    CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK(s.api_calls == 1 && r.retries == 0);
    CHECK_EQ_STR(err.okta_error_code, "E0000010");
    okta_cc_response_free(&r);
    /* a reset connection: GET retried, POST not, unless the connection was never made */
    memset(&s, 0, sizeof s);
    push_fail(&s, OKTA_CC_ERR_NETWORK, 56);
    push(&s, 200, NULL, "[]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.retries == 1);
    okta_cc_response_free(&r);
    memset(&s, 0, sizeof s);
    push_fail(&s, OKTA_CC_ERR_NETWORK, 56);
    CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, &err) == OKTA_CC_ERR_NETWORK);
    CHECK(s.api_calls == 1);
    okta_cc_response_free(&r);
    memset(&s, 0, sizeof s);
    push_fail(&s, OKTA_CC_ERR_CONNECT, 7);    /* CURLE_COULDNT_CONNECT */
    push(&s, 200, NULL, "{}");
    CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(s.api_calls == 2);
    okta_cc_response_free(&r);
    /* timeouts are not retried (the server may still be working on it) */
    memset(&s, 0, sizeof s);
    push_fail(&s, OKTA_CC_ERR_TIMEOUT, 28);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_TIMEOUT);
    CHECK(s.api_calls == 1);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Whether a failed exchange is repeated depends on the transport's result alone: CONNECT (no
   byte left) for any method, NETWORK (bytes may have left) only for idempotent ones. Neither
   the caller's error struct (NULL or not) nor a libcurl number plays a part. */
static void test_retry_decided_by_transport_result(void)
{
    static const struct { const char *method; okta_cc_result fail; int attempts; } cases[] = {
        {"POST", OKTA_CC_ERR_CONNECT, 3}, {"POST", OKTA_CC_ERR_NETWORK, 1},
        {"GET", OKTA_CC_ERR_CONNECT, 3}, {"GET", OKTA_CC_ERR_NETWORK, 3},
        {"DELETE", OKTA_CC_ERR_CONNECT, 3}, {"PUT", OKTA_CC_ERR_NETWORK, 1},
    };
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    size_t i;
    int with_err;
    memset(&s, 0, sizeof s);
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    for (with_err = 0; with_err < 2; with_err++) {
        for (i = 0; i < sizeof cases / sizeof *cases; i++) {
            const char *body = strcmp(cases[i].method, "GET") ? "{}" : NULL;
            int k;
            memset(&s, 0, sizeof s);
            for (k = 0; k < 4; k++) push_fail(&s, cases[i].fail, 0);    /* no libcurl code at all */
            t.sleeps = 0;
            CHECK(okta_cc_request(c, cases[i].method, "/api/v1/users", body, body ? 2 : 0, NULL, &r,
                                  with_err ? &err : NULL) == cases[i].fail);
            if (s.api_calls != cases[i].attempts)
                fprintf(stderr, "  %s %s, err %s:\n", cases[i].method, okta_cc_result_str(cases[i].fail), with_err ? "given" : "NULL");
            CHECK_EQ_INT(s.api_calls, cases[i].attempts);     /* the budget: 2 retries */
            CHECK_EQ_INT(r.retries, cases[i].attempts - 1);
            CHECK_EQ_INT(t.sleeps, cases[i].attempts - 1);    /* with backoff in between */
            if (with_err) CHECK(err.code == cases[i].fail && strstr(err.message, "scripted") != NULL);
            okta_cc_response_free(&r);
        }
        /* a connection that comes back: the POST goes through on the third attempt */
        memset(&s, 0, sizeof s);
        push_fail(&s, OKTA_CC_ERR_CONNECT, 0);
        push_fail(&s, OKTA_CC_ERR_CONNECT, 0);
        push(&s, 201, NULL, "{}");
        CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, with_err ? &err : NULL) == OKTA_CC_OK);
        CHECK(s.api_calls == 3 && r.http.status == 201 && r.retries == 2);
        okta_cc_response_free(&r);
    }
    okta_cc_client_free(c);
}

/* Token requests answered here, API requests sent through the real libcurl transport. */
typedef struct curl_for_api {
    okta_cc_transport curl;
    int api_calls;
    okta_cc_result last;
} curl_for_api;

static okta_cc_result curl_for_api_perform(void *ctx, const okta_cc_http_request *req,
                                           okta_cc_http_response *resp, okta_cc_error *err)
{
    curl_for_api *x = (curl_for_api *)ctx;
    static const char body[] = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"tok\"}";
    if (strstr(req->url, "/v1/token")) {
        okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
        return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
    }
    x->api_calls++;
    x->last = x->curl.perform(x->curl.ctx, req, resp, err);
    return x->last;
}

/* The libcurl transport says CONNECT for a refused connection, so a POST to it is tried up to
   the budget whether or not the caller passed an error struct (it was tried once with NULL). */
static void test_refused_connection_is_connect(void)
{
    fake_time t = {T0, {0}, 0};
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_response r;
    okta_cc_error err;
    curl_for_api x;
    char url[64];
    int with_err;
    memset(&x, 0, sizeof x);
    h_refused_url(url, sizeof url);
    scripted_config(&cfg, NULL, &t, NULL, 0);
    cfg.org_url = url;
    cfg.http.connect_timeout_ms = 2000;
    CHECK(okta_cc_curl_transport_new(&x.curl, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) == OKTA_CC_OK);
    cfg.transport.perform = curl_for_api_perform;
    cfg.transport.ctx = &x;
    c = client_from(&cfg);
    if (!c) { h_current_failed = 1; okta_cc_curl_transport_free(&x.curl); return; }
    for (with_err = 0; with_err < 2; with_err++) {
        x.api_calls = 0;
        CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, with_err ? &err : NULL) == OKTA_CC_ERR_CONNECT);
        CHECK_EQ_INT(x.api_calls, 3);
        CHECK(x.last == OKTA_CC_ERR_CONNECT);
        if (with_err) CHECK(err.code == OKTA_CC_ERR_CONNECT && err.transport_code == 7 && strstr(err.message, "POST http://127.0.0.1:"));
        okta_cc_response_free(&r);
    }
    okta_cc_client_free(c);
    okta_cc_curl_transport_free(&x.curl);
}

/* 401 with a token: exactly one new token, one retry. */
static void test_401_refreshes_once(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    static const char e11[] = "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\",\"errorLink\":\"E0000011\",\"errorId\":\"oae11\",\"errorCauses\":[]}";
    memset(&s, 0, sizeof s);
    push(&s, 401, NULL, e11);
    push(&s, 200, NULL, "[]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.token_calls, 2);
    CHECK_EQ_INT(s.api_calls, 2);
    CHECK_EQ_INT(r.retries, 1);
    CHECK_EQ_STR(s.last_auth, "Authorization: Bearer tok-2");
    okta_cc_response_free(&r);
    /* still 401 with a fresh token: the error, no loop */
    memset(&s, 0, sizeof s);
    push(&s, 401, NULL, e11);
    push(&s, 401, "X-Okta-Request-Id: r401", e11);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_INT(s.api_calls, 2);
    CHECK_EQ_INT(s.token_calls, 1);
    CHECK_EQ_STR(err.okta_error_code, "E0000011");
    CHECK_EQ_STR(err.okta_error_summary, "Invalid token provided");
    CHECK_EQ_STR(err.okta_request_id, "r401");
    CHECK(strstr(err.message, "E0000011") && strstr(err.message, "Invalid token provided"));
    okta_cc_response_free(&r);
    /* 403 missing scope: errorSummary and causes surfaced */
    memset(&s, 0, sizeof s);
    push(&s, 403, NULL, "{\"errorCode\":\"E0000006\",\"errorSummary\":\"You do not have permission to perform the requested action\","
                         "\"errorId\":\"oae6\",\"errorCauses\":[{\"errorSummary\":\"The access token is missing okta.users.read\"}]}");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.okta_error_summary, "You do not have permission to perform the requested action; The access token is missing okta.users.read");
    CHECK(s.api_calls == 1 && r.http.status == 403);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Another thread replaces token 1 while this request's 401 (sent with token 1) is on its way
   back: the newer token is kept and used, not thrown away for a third one. The log line of an
   exchange is written after the transport returns and before its status is acted on, so the
   "other thread" runs there, deterministically. */
typedef struct other_thread {
    okta_cc_client *client;
    int done;
    okta_cc_result got;
} other_thread;

static void refresh_after_first_401(void *u, const char *line)
{
    other_thread *o = (other_thread *)u;
    char token[256];
    if (o->done || !strstr(line, "-> 401")) return;
    o->done = 1;
    /* What a second request that also got 401 with token 1 does: drop it, fetch token 2. */
    okta_cc_client_invalidate_token(o->client);
    o->got = okta_cc_client_get_token(o->client, token, sizeof token, NULL, NULL, NULL);
}

static void test_stale_401_keeps_newer_token(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_config cfg;
    okta_cc_response r;
    okta_cc_error err;
    other_thread o;
    static const char e11[] = "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}";
    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
    push(&s, 401, NULL, e11);
    push(&s, 200, NULL, "[]");
    scripted_config(&cfg, &s, &t, NULL, 0);
    cfg.log = refresh_after_first_401;
    cfg.log_user = &o;
    o.client = client_from(&cfg);
    if (!o.client) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(o.client, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(o.done && o.got == OKTA_CC_OK);
    CHECK_EQ_INT(s.token_calls, 2);                       /* token 1, and the other thread's 2 */
    CHECK_EQ_INT(okta_cc_client_token_fetches(o.client), 2);
    CHECK_EQ_INT(s.api_calls, 2);
    CHECK_EQ_STR(s.last_auth, "Authorization: Bearer tok-2");
    CHECK_EQ_INT(r.retries, 1);
    okta_cc_response_free(&r);
    /* a 401 with the token still cached: that one is dropped and replaced, as before */
    memset(&s, 0, sizeof s);
    s.token_calls = 2;
    push(&s, 401, NULL, e11);
    push(&s, 200, NULL, "[]");
    CHECK(okta_cc_request(o.client, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.token_calls, 3);
    CHECK_EQ_STR(s.last_auth, "Authorization: Bearer tok-3");
    okta_cc_response_free(&r);
    okta_cc_client_free(o.client);
}

/* The Link header feeds back into a response whose headers are given as "Name: value\n" lines. */
static okta_cc_result next_link_of(const char *headers, char *out, size_t cap, size_t *out_len)
{
    okta_cc_response r;
    okta_cc_result got;
    memset(&r, 0, sizeof r);
    okta_cc_http_response_init(&r.http, NULL, 0);
    okta_cc_http_response_header_line(&r.http, "HTTP/1.1 200 OK", 15, NULL);
    while (*headers) {
        size_t n = strcspn(headers, "\n");
        okta_cc_http_response_header_line(&r.http, headers, n, NULL);
        headers += n + (headers[n] == '\n');
    }
    got = okta_cc_response_next_link(&r, out, cap, out_len, NULL);
    okta_cc_response_free(&r);
    return got;
}

/* RFC 8288: links split at commas outside quoted strings (with backslash escapes), only the
   first rel of a link counts, and a malformed Link header is an error (BAD_RESPONSE), whatever
   else comes with it, never a silent end of the list (NOT_FOUND). */
static void test_link_headers(void)
{
    static const struct { const char *headers, *want; okta_cc_result r; } cases[] = {
        {"link: <https://o/api/v1/users?limit=2>; rel=\"self\"\nlink: <https://o/api/v1/users?after=00u2&limit=2>; rel=\"next\"",
         "https://o/api/v1/users?after=00u2&limit=2", OKTA_CC_OK},
        {"Link: <https://o/a?x=1>; rel=\"self\", <https://o/a?after=b,c>; rel=\"next\"", "https://o/a?after=b,c", OKTA_CC_OK},
        {"Link: <https://o/n>; rel=next; type=\"application/json\"", "https://o/n", OKTA_CC_OK},
        {"Link: <https://o/n>; title=\"a;b\"; rel=\"prev next\"", "https://o/n", OKTA_CC_OK},
        {"Link: <https://o/N>; REL=NEXT", "https://o/N", OKTA_CC_OK},
        {"Link: <https://o/a>, <https://o/b>; rel=\"self\", <https://o/c>;rel=next", "https://o/c", OKTA_CC_OK},
        /* '<' and '>' inside quoted strings */
        {"Link: <https://o/p2>; rel=\"next\"; title=\"a<b\"", "https://o/p2", OKTA_CC_OK},
        {"Link: <https://o/p2>; title=\"a<b\"; rel=\"next\"", "https://o/p2", OKTA_CC_OK},
        {"Link: <https://o/p1>; rel=\"prev\"; title=\"<x>\", <https://o/p3>; rel=\"next\"", "https://o/p3", OKTA_CC_OK},
        {"Link: <https://o/p1>; title=\"<x>\"; rel=\"next\"", "https://o/p1", OKTA_CC_OK},
        /* commas and fake links inside quoted strings, escaped quotes and backslashes */
        {"Link: <https://o/p1>; title=\"a, <https://o/evil>; rel=next\", <https://o/p2>; rel=\"next\"", "https://o/p2", OKTA_CC_OK},
        {"Link: <https://o/p1>; title=\"say \\\"hi\\\", <https://o/x>; rel=next\"; rel=prev, <https://o/p2>; rel=next", "https://o/p2", OKTA_CC_OK},
        {"Link: <https://o/p1>; title=\"a\\\\\"; rel=\"next\"", "https://o/p1", OKTA_CC_OK},
        {"Link: <https://o/p1>; rel=\"ne\\xt\"", "https://o/p1", OKTA_CC_OK},
        {"Link: <https://o/p1>; rel=\"ne\\ xt\"", NULL, OKTA_CC_ERR_NOT_FOUND},
        /* several Link headers, quotes in each; the first next link wins */
        {"Link: <https://o/s>; rel=\"self\"; title=\"<z>, <https://o/z>; rel=next\"\nLink: <https://o/n>; title=\"x,y<\"; rel=\"next\"\n"
         "Link: <https://o/m>; rel=next", "https://o/n", OKTA_CC_OK},
        /* empty list elements, parameters without a value, extended parameters */
        {"Link: , <https://o/n>; crossorigin; rel=next,", "https://o/n", OKTA_CC_OK},
        {"Link: <https://o/n>; title*=UTF-8'de'n%c3%a4chstes; rel = \"next\"", "https://o/n", OKTA_CC_OK},
        /* no next link */
        {"Link: <https://o/s>; rel=\"self\"", NULL, OKTA_CC_ERR_NOT_FOUND},
        {"Link: <https://o/s>; rel=\"nextish\"", NULL, OKTA_CC_ERR_NOT_FOUND},
        {"Link: <https://o/t>; title=\"x; rel=next\"", NULL, OKTA_CC_ERR_NOT_FOUND},
        {"Link: <https://o/t>; title=\"x, <https://o/u>; rel=next\"", NULL, OKTA_CC_ERR_NOT_FOUND},
        {"Link: <https://o/a>; rel=\"self\"; rel=\"next\"", NULL, OKTA_CC_ERR_NOT_FOUND},   /* only the first rel */
        {"Link: ", NULL, OKTA_CC_ERR_NOT_FOUND},
        {"", NULL, OKTA_CC_ERR_NOT_FOUND},
        /* malformed: an error, wherever the next link is */
        {"Link: garbage", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <unterminated; rel=\"next\"", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=\"next", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=\"next\"; title=\"a\\", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n> rel=next", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=\"next\"; title=\"x\"junk", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; =x; rel=next", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=; title=x", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/a b>; rel=next", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=next\nLink: garbage", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: garbage\nLink: <https://o/n>; rel=next", NULL, OKTA_CC_ERR_BAD_RESPONSE},
        {"Link: <https://o/n>; rel=next, garbage", NULL, OKTA_CC_ERR_BAD_RESPONSE},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256];
        size_t len = 0, need = 0;
        okta_cc_result got = next_link_of(cases[i].headers, out, sizeof out, &len);
        okta_cc_result none = next_link_of(cases[i].headers, NULL, 0, &need);
        if (got != cases[i].r) fprintf(stderr, "  case %u: %s\n", (unsigned)i, okta_cc_result_str(got));
        CHECK(got == cases[i].r);
        if (cases[i].want && got == OKTA_CC_OK) CHECK_EQ_STR(out, cases[i].want);
        if (cases[i].want && got == OKTA_CC_OK) CHECK_EQ_INT(len, strlen(cases[i].want));
        /* without a buffer: the same verdict, and a size query tells the size with the NUL */
        CHECK(none == (cases[i].r == OKTA_CC_OK ? OKTA_CC_ERR_BUFFER_TOO_SMALL : cases[i].r));
        if (cases[i].want && none == OKTA_CC_ERR_BUFFER_TOO_SMALL) CHECK_EQ_INT(need, strlen(cases[i].want) + 1);
    }
}

/* okta_cc_response_next_link follows the buffer convention: a size query (NULL, 0) tells the
   size with the NUL, exactly that size works, one byte less is BUFFER_TOO_SMALL with the same
   size, and NULL where a pointer is needed is INVALID_ARGUMENT. The pager asks for the size, so
   a next link far longer than any fixed guess is followed. */
static void test_next_link_size_query(void)
{
    static const char want[] = "https://o/api/v1/users?after=00u2&limit=2";
    okta_cc_response r;
    okta_cc_error err;
    char out[sizeof want], tiny[4];
    size_t need = 0, len = 0;
    memset(&r, 0, sizeof r);
    okta_cc_http_response_init(&r.http, NULL, 0);
    okta_cc_http_response_header_line(&r.http, "HTTP/1.1 200 OK", 15, NULL);
    okta_cc_http_response_header_line(&r.http, "Link: <https://o/api/v1/users?after=00u2&limit=2>; rel=next", 59, NULL);
    CHECK(okta_cc_response_next_link(&r, NULL, 0, &need, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, sizeof want);
    CHECK(err.code == OKTA_CC_ERR_BUFFER_TOO_SMALL && strstr(err.message, "bytes") != NULL);
    need = 0;
    CHECK(okta_cc_response_next_link(&r, out, sizeof want - 1, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, sizeof want);
    CHECK(okta_cc_response_next_link(&r, out, sizeof want, &len, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(out, want);
    CHECK_EQ_INT(len, sizeof want - 1);
    CHECK(okta_cc_response_next_link(NULL, out, sizeof out, &len, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_response_next_link(&r, NULL, sizeof tiny, &len, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_response_free(&r);
    /* a page without a next link says so in err */
    memset(&r, 0, sizeof r);
    okta_cc_http_response_init(&r.http, NULL, 0);
    CHECK(okta_cc_response_next_link(&r, tiny, sizeof tiny, NULL, &err) == OKTA_CC_ERR_NOT_FOUND);
    CHECK(err.code == OKTA_CC_ERR_NOT_FOUND && err.message[0]);
    okta_cc_response_free(&r);
}

/* okta_cc_pager_begin says what is wrong like every other fallible call. */
static void test_pager_begin_arguments(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(NULL, c, "/api/v1/users", &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(err.code == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
    CHECK(okta_cc_pager_begin(&pg, NULL, "/api/v1/users", &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_pager_end(&pg);
    CHECK(okta_cc_pager_begin(&pg, c, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_pager_end(&pg);
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK && pg.pages == 0);
    okta_cc_pager_end(&pg);
    CHECK_EQ_INT(s.api_calls, 0);
    okta_cc_client_free(c);
}

static void test_pager_follows_a_long_next_link(void)
{
    static char header[20100];
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    int n = snprintf(header, sizeof header, "Link: <https://dev-1.okta.com/api/v1/users?after=");
    memset(header + n, 'a', 20000);
    snprintf(header + n + 20000, sizeof header - (size_t)n - 20000, ">; rel=\"next\"");
    memset(&s, 0, sizeof s);
    push(&s, 200, header, "[1]");
    push(&s, 200, NULL, "[2]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    CHECK(strncmp(s.last_url, "https://dev-1.okta.com/api/v1/users?after=aaaa", 46) == 0);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END);
    CHECK_EQ_INT(s.api_calls, 2);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* One pass over the header block: 64 KiB of Link headers full of quotes, commas and angle
   brackets, read 50 times, take a fraction of a second even under valgrind. */
static void test_link_parsing_linear(void)
{
    static const char one[] = "Link: <https://o/s>; rel=\"self\"; title=\"<a>, \\\"b\\\", <c>; rel=next\"\n";
    size_t n = 0, k;
    char *h = (char *)malloc(70000), out[64];
    clock_t t0;
    int i;
    okta_cc_result r = OKTA_CC_OK;
    if (!h) { h_current_failed = 1; return; }
    while (n + 2 * sizeof one < 64000) { memcpy(h + n, one, sizeof one - 1); n += sizeof one - 1; }
    k = (size_t)snprintf(h + n, 70000 - n, "Link: <https://o/last>; rel=next");
    n += k;
    h[n] = '\0';
    t0 = clock();
    for (i = 0; i < 50; i++) r = next_link_of(h, out, sizeof out, NULL);
    CHECK(r == OKTA_CC_OK);
    CHECK_EQ_STR(out, "https://o/last");
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    free(h);
}

/* The pager follows next links verbatim and refuses one that leaves the org. */
static void test_pager_and_foreign_next_link(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    okta_cc_result r;
    int pages = 0;
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=a%40b&limit=1>; rel=\"next\"", "[1]");
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=c&limit=1>; rel=\"next\"", "[2]");
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?limit=1>; rel=\"self\"", "[3]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=1", &err) == OKTA_CC_OK);
    while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        pages++;
        if (pages == 2) CHECK_EQ_STR(s.last_url, "https://dev-1.okta.com/api/v1/users?after=a%40b&limit=1");
        okta_cc_response_free(&page);
    }
    CHECK(r == OKTA_CC_END);
    CHECK_EQ_INT(pages, 3);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END);
    okta_cc_pager_end(&pg);
    /* an error keeps the pager's place: the next call fetches the same page again */
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=p2>; rel=\"next\"", "[1]");
    push(&s, 500, NULL, "{\"errorCode\":\"E0000009\"}");
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=p3>; rel=\"next\"", "[2]");
    push(&s, 200, NULL, "[3]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK_EQ_STR(okta_cc_pager_resume_url(&pg), "/api/v1/users");
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
    okta_cc_response_free(&page);
    /* the page that failed is where a later run resumes */
    CHECK_EQ_STR(okta_cc_pager_resume_url(&pg), "https://dev-1.okta.com/api/v1/users?after=p2");
    pages = 1;
    while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        pages++;
        okta_cc_response_free(&page);
    }
    CHECK(r == OKTA_CC_END);
    CHECK(okta_cc_pager_resume_url(&pg) == NULL);
    CHECK(okta_cc_pager_resume_url(NULL) == NULL);
    CHECK_EQ_INT(pages, 3);
    CHECK_EQ_INT(s.api_calls, 4);
    okta_cc_pager_end(&pg);
    /* a next link to another origin: page 1 is fine, then ORIGIN and nothing sent */
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://attacker.example/api/v1/users?after=x>; rel=\"next\"", "[1]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_ORIGIN);
    CHECK_EQ_INT(s.api_calls, 1);
    okta_cc_response_free(&page);
    okta_cc_pager_end(&pg);
    /* a next link with a space is the server's error, not the caller's: like any malformed
       link, the page that carried it is delivered and the next call refuses to go on */
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=a b>; rel=\"next\"", "[1]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    okta_cc_response_free(&page);
    CHECK_EQ_INT(s.api_calls, 1);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* The pager reads quoted Link parameters right, and a malformed Link header stops it with an
   error before anything more is sent, never with a quiet OKTA_CC_END. */
static void test_pager_link_quoting_and_malformed(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    okta_cc_result r;
    int pages = 0;
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=2>; title=\"a<b\"; rel=\"next\"", "[1]");
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=2>; rel=\"self\"; title=\"<x>\", "
                  "<https://dev-1.okta.com/api/v1/users?after=3>; rel=\"next\"", "[2]");
    push(&s, 200, NULL, "[3]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        pages++;
        okta_cc_response_free(&page);
    }
    CHECK(r == OKTA_CC_END);
    CHECK_EQ_INT(pages, 3);
    CHECK_EQ_STR(s.last_url, "https://dev-1.okta.com/api/v1/users?after=3");
    okta_cc_pager_end(&pg);
    /* an unterminated quoted string: page 1 is delivered, then the error, again and again */
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=2>; rel=\"next", "[1]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    CHECK(page.http.status == 200 && strcmp(page.http.body, "[1]") == 0);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    CHECK(strstr(err.message, "Link header") != NULL);
    okta_cc_response_free(&page);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    okta_cc_response_free(&page);
    CHECK_EQ_INT(s.api_calls, 1);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* ---- DPoP on API calls (scripted) --------------------------------------------------------- */

/* A string claim of the proof sent with API call i ("" when none). */
static void proof_claim(const script *s, int i, const char *name, char *out, size_t cap)
{
    const char *p = s->dpop[i], *d1 = strchr(p, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    char claims[4096];
    size_t n;
    okta_cc_json_token tok[32];
    okta_cc_json_doc doc;
    out[0] = '\0';
    if (!d2 || okta_cc_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), claims, sizeof claims - 1, &n, NULL) != OKTA_CC_OK)
        return;
    claims[n] = '\0';
    if (okta_cc_json_parse(claims, n, tok, 32, NULL, &doc, NULL) == OKTA_CC_OK)
        okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, name), out, cap, NULL, NULL);
}

static okta_cc_client *dpop_api_client(script *s, fake_time *t, int max_retries)
{
    okta_cc_config cfg;
    scripted_config(&cfg, s, t, NULL, max_retries);
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    s->token_type = "DPoP";
    return client_from(&cfg);
}

/* Authorization: DPoP, and a new proof (jti) for the retry after a 429. */
static void test_dpop_api_new_proof_per_retry(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    char v[2][256], ath[64];
    memset(&s, 0, sizeof s);
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Reset: 1764331201", NULL);
    push(&s, 200, NULL, "[]");
    c = dpop_api_client(&s, &t, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=2", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.api_calls, 2);
    CHECK_EQ_STR(s.last_auth, "Authorization: DPoP tok-1");
    proof_claim(&s, 0, "jti", v[0], sizeof v[0]);
    proof_claim(&s, 1, "jti", v[1], sizeof v[1]);
    CHECK(v[0][0] && v[1][0] && strcmp(v[0], v[1]) != 0);
    proof_claim(&s, 1, "htm", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "GET");
    proof_claim(&s, 1, "htu", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "https://dev-1.okta.com/api/v1/users");
    proof_claim(&s, 1, "ath", v[0], sizeof v[0]);
    CHECK(okta_cc_dpop_ath("tok-1", 5, ath, sizeof ath, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(v[0], ath);
    okta_cc_response_free(&r);
    /* the htu of a percent-encoded path is decoded the way Okta compares it */
    CHECK(okta_cc_request(c, "GET", "/api/v1/users/user001%40example.com", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    proof_claim(&s, 2, "htu", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "https://dev-1.okta.com/api/v1/users/user001@example.com");
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

#define USE_NONCE "WWW-Authenticate: DPoP algs=\"ES256\", error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof.\"\nDPoP-Nonce: rs-nonce-1"

/* A 401 use_dpop_nonce is retried once with that nonce, even with no retries allowed, and
   without fetching a token; the nonce is kept for the next request. */
static void test_dpop_api_resource_nonce(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    char v[256];
    memset(&s, 0, sizeof s);
    push(&s, 401, USE_NONCE, "{\"errorCode\":\"E0000011\"}");
    push(&s, 200, NULL, "[]");
    c = dpop_api_client(&s, &t, -1);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(r.http.status == 200 && r.retries == 1);
    CHECK_EQ_INT(s.api_calls, 2);
    CHECK_EQ_INT(s.token_calls, 1);
    proof_claim(&s, 0, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "");
    proof_claim(&s, 1, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "rs-nonce-1");
    okta_cc_response_free(&r);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    proof_claim(&s, 2, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "rs-nonce-1");
    okta_cc_response_free(&r);
    /* a refused proof: its description reaches err */
    push(&s, 401, "WWW-Authenticate: DPoP error=\"invalid_dpop_proof\", error_description=\"'htu' claim in the DPoP proof JWT is invalid.\"", "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}");
    push(&s, 401, "WWW-Authenticate: DPoP error=\"invalid_dpop_proof\", error_description=\"'htu' claim in the DPoP proof JWT is invalid.\"", "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.oauth_error, "invalid_dpop_proof");
    CHECK_EQ_STR(err.oauth_error_description, "'htu' claim in the DPoP proof JWT is invalid.");
    CHECK(strstr(err.message, "'htu' claim") != NULL);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* A DPoP-Nonce with a NUL inside is no valid nonce (found by tests/fuzz/fuzz_dpop_challenge.c):
   it is ignored like any other invalid one, and the proofs keep the nonce learnt before. It was
   taken as the C string up to the NUL, so proofs carried a prefix the server never sent. */
static void test_dpop_nonce_with_nul_ignored(void)
{
    static const char raw[] = "DPoP-Nonce: rs-nonce-2\0evil";
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    char v[256];
    memset(&s, 0, sizeof s);
    push(&s, 401, USE_NONCE, "{\"errorCode\":\"E0000011\"}");
    push(&s, 200, NULL, "[]");
    push(&s, 401, "WWW-Authenticate: DPoP error=\"use_dpop_nonce\"", "{\"errorCode\":\"E0000011\"}");
    s.queue[2].raw_header = raw;
    s.queue[2].raw_len = sizeof raw - 1;
    push(&s, 200, NULL, "[]");
    c = dpop_api_client(&s, &t, -1);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    okta_cc_response_free(&r);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.api_calls, 4);
    proof_claim(&s, 1, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "rs-nonce-1");
    proof_claim(&s, 3, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "rs-nonce-1");              /* not "rs-nonce-2" */
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* X-Okta-Request-Id reaches err->okta_request_id on one line, like every string of the error
   (found by tests/fuzz/fuzz_dpop_challenge.c): a CR inside the header value was copied as is. */
static void test_request_id_one_line(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 404, "X-Okta-Request-Id: req-1\rX-Injected: yes", "{\"errorCode\":\"E0000007\",\"errorSummary\":\"Not found\"}");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users/x", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.okta_request_id, "req-1 X-Injected: yes");
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* A transport that returns OKTA_CC_OK without a status line has delivered no HTTP response:
   OKTA_CC_ERR_BAD_RESPONSE, not success with status 0 (found by tests/fuzz/fuzz_flow.c). The
   token endpoint likewise (it said "HTTP 0"). */
static void test_response_without_status_line(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 0, NULL, "[]");                    /* "HTTP/1.1 0 X" is refused: no status */
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    CHECK_EQ_INT(s.api_calls, 1);               /* not retried */
    CHECK(r.http.status == 0 && strstr(err.message, "no HTTP status line") != NULL);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* A 401, then no new token: the request fails with the token endpoint's error, and resp holds
   no response (status 0), not the 401 of the attempt before (found by tests/fuzz/fuzz_flow.c:
   err said HTTP 400 from the token endpoint while resp still showed the API's 401). */
static void test_401_then_token_refused_empties_resp(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 401, NULL, "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}");
    s.token_refuse_from = 2;
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_INT(s.api_calls, 1);
    CHECK_EQ_INT(s.token_calls, 2);
    CHECK_EQ_STR(err.oauth_error, "invalid_client");
    CHECK(err.http_status == 400 && r.http.status == 0 && r.http.body_len == 0);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Every retry of an API call says which refused request it repeats and how many retries came
   before, as Okta's SDKs do (X-Okta-Retry-For: <X-Okta-Request-Id of the refused response>,
   X-Okta-Retry-Count: n), so the org's support can tie the attempts together; first attempts
   carry neither, and a refused attempt without a usable request id gives the count alone. */
static void test_retry_headers_on_api_retries(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    memset(&s, 0, sizeof s);
    push(&s, 429, "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Reset: 1764331201\nX-Okta-Request-Id: rid-429", NULL);
    push(&s, 503, "X-Okta-Request-Id: rid-503", NULL);
    push(&s, 200, "X-Okta-Request-Id: rid-ok", "[]");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK_EQ_STR(s.retry_for[0], "");
    CHECK_EQ_STR(s.retry_count[0], "");
    CHECK_EQ_STR(s.retry_for[1], "rid-429");
    CHECK_EQ_STR(s.retry_count[1], "1");
    CHECK_EQ_STR(s.retry_for[2], "rid-503");
    CHECK_EQ_STR(s.retry_count[2], "2");
    okta_cc_response_free(&r);
    /* the next call starts afresh */
    memset(&s, 0, sizeof s);
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK(s.api_calls == 1 && !s.retry_for[0][0] && !s.retry_count[0][0]);
    okta_cc_response_free(&r);
    /* a connection never made has no request id: the count alone; a 401's retry has both */
    memset(&s, 0, sizeof s);
    push_fail(&s, OKTA_CC_ERR_CONNECT, 7);
    push(&s, 401, "X-Okta-Request-Id: rid-401", "{\"errorCode\":\"E0000011\"}");
    push(&s, 201, NULL, "{}");
    CHECK(okta_cc_request(c, "POST", "/api/v1/users", "{}", 2, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK_EQ_STR(s.retry_for[1], "");
    CHECK_EQ_STR(s.retry_count[1], "1");
    CHECK_EQ_STR(s.retry_for[2], "rid-401");
    CHECK_EQ_STR(s.retry_count[2], "2");
    okta_cc_response_free(&r);
    /* a request id that is not one (a space, over 63 bytes) is not echoed into a header */
    memset(&s, 0, sizeof s);
    push(&s, 503, "X-Okta-Request-Id: rid with space", NULL);
    push(&s, 503, "X-Okta-Request-Id: 0123456789012345678901234567890123456789012345678901234567890123", NULL);
    push(&s, 200, NULL, "[]");
    CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK(!s.retry_for[1][0] && !s.retry_for[2][0]);
    CHECK_EQ_STR(s.retry_count[2], "2");
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* The token endpoint's rate limit reached through an API call: the token fetch waits it out
   itself (within the client's budget), and the API call does not repeat the fetch on top: a
   persistent limit is OKTA_CC_ERR_RATE_LIMITED after max_retries + 1 token requests. */
static void test_token_rate_limit_through_api(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_client *c;
    log_capture lg;
    int i;
    memset(&s, 0, sizeof s);
    memset(&lg, 0, sizeof lg);
    s.token_answers[0].status = 429;
    s.token_answers[0].headers = "Date: Fri, 28 Nov 2025 12:00:00 GMT\nX-Rate-Limit-Limit: 600\nX-Rate-Limit-Remaining: 0\nX-Rate-Limit-Reset: 1764331203";
    s.token_answer_count = 1;
    c = scripted_client(&s, &t, &lg, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_OK);
    /* the log says it as for API calls: the 429, its rate limit, then retry 1 */
    CHECK(lg.n == 3 && strstr(lg.lines[0], "POST https://dev-1.okta.com/oauth2/v1/token -> 429 (") &&
          strstr(lg.lines[0], "retry 0, rate limit remaining 0)") && strstr(lg.lines[1], "-> 200 (") &&
          strstr(lg.lines[1], "retry 1)"));
    CHECK_EQ_INT(s.token_calls, 2);
    CHECK_EQ_INT(s.api_calls, 1);
    CHECK_EQ_INT(t.sleeps, 1);
    CHECK(t.slept[0] >= 4000 && t.slept[0] < 4250);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
    /* for good: the rate-limit result, the token requests bounded by the budget */
    memset(&s, 0, sizeof s);
    for (i = 0; i < 8; i++) {
        s.token_answers[i].status = 429;
        s.token_answers[i].headers = "Date: Fri, 28 Nov 2025 12:00:10 GMT\nX-Rate-Limit-Reset: 1764331215";
    }
    s.token_answer_count = 8;
    t.ms = T0 + 10000;
    t.sleeps = 0;
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK_EQ_INT(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err), OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(s.token_calls, 3);
    CHECK_EQ_INT(s.api_calls, 0);
    CHECK_EQ_INT(t.sleeps, 2);
    CHECK(err.http_status == 429 && err.rate_limit_reset == 1764331215);
    CHECK_EQ_STR(err.okta_error_code, "E0000047");
    CHECK(strstr(err.message, "/oauth2/v1/token") != NULL && strstr(err.message, "rate limited") != NULL);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* An allocator that counts the blocks alive, to show that the pager gives back what it took. */
typedef struct counting_alloc {
    long live;
} counting_alloc;

static void *count_malloc(void *u, size_t n) { ((counting_alloc *)u)->live++; return malloc(n); }
static void count_free(void *u, void *p) { if (p) ((counting_alloc *)u)->live--; free(p); }

/* Follows the pager until it stops (at most 40 calls); the number of pages delivered. */
static int pages_until_stop(okta_cc_pager *pg, okta_cc_result *r, okta_cc_error *err)
{
    okta_cc_response page;
    int pages = 0;
    while ((*r = okta_cc_pager_next(pg, &page, err)) == OKTA_CC_OK && pages < 40) {
        pages++;
        okta_cc_response_free(&page);
    }
    okta_cc_response_free(&page);
    return pages;
}

#define PAGE_A "https://dev-1.okta.com/api/v1/users"
#define PAGE_B "https://dev-1.okta.com/api/v1/users?after=b"
#define PAGE_C "https://dev-1.okta.com/api/v1/users?after=c"

/* A next link to any page already fetched is refused before it is sent, every time it is asked
   for, and the pager gives back all it allocated. */
static void test_pager_refuses_cycles(void)
{
    static const char *const a_b_a[] = {PAGE_A, PAGE_B, PAGE_B, PAGE_A, NULL};
    static const char *const a_b_c_b[] = {PAGE_A, PAGE_B, PAGE_B, PAGE_C, PAGE_C, PAGE_B, NULL};
    static const char *const a_a[] = {PAGE_A, PAGE_A, NULL};
    static const char *const a_b_path_a[] = {PAGE_A, PAGE_B, PAGE_B, "/api/v1/users", NULL};
    static const char *const a_b_b[] = {PAGE_A, PAGE_B, PAGE_B, PAGE_B, NULL};
    static const struct { const char *const *site; int pages; } cases[] = {
        {a_b_a, 2}, {a_b_c_b, 3}, {a_b_path_a, 2},
    };
    /* a page whose next link is itself is not a cycle: a polling listing ends there */
    static const struct { const char *const *site; int pages; const char *resume; } polled[] = {
        {a_a, 1, PAGE_A}, {a_b_b, 2, PAGE_B},
    };
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_config cfg;
    okta_cc_response r;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    counting_alloc counter = {0};
    okta_cc_result got;
    long live;
    size_t i;
    memset(&s, 0, sizeof s);
    scripted_config(&cfg, &s, &t, NULL, 0);
    cfg.alloc.malloc_fn = count_malloc;
    cfg.alloc.free_fn = count_free;
    cfg.alloc.user = &counter;
    c = client_from(&cfg);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/ping", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);  /* token cached */
    okta_cc_response_free(&r);
    live = counter.live;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&s, 0, sizeof s);
        s.site = cases[i].site;
        CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
        CHECK_EQ_INT(pages_until_stop(&pg, &got, &err), cases[i].pages);
        CHECK(got == OKTA_CC_ERR_BAD_RESPONSE);
        CHECK(strstr(err.message, "cycle") != NULL);
        CHECK_EQ_INT(s.api_calls, cases[i].pages);              /* the cycle's link was not sent */
        CHECK_EQ_INT(pg.pages, cases[i].pages);
        CHECK(okta_cc_pager_next(&pg, &r, &err) == OKTA_CC_ERR_BAD_RESPONSE);   /* and stays refused */
        okta_cc_response_free(&r);
        CHECK_EQ_INT(s.api_calls, cases[i].pages);
        okta_cc_pager_end(&pg);
        CHECK_EQ_INT(counter.live, live);
    }
    for (i = 0; i < sizeof polled / sizeof *polled; i++) {
        memset(&s, 0, sizeof s);
        s.site = polled[i].site;
        CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
        CHECK_EQ_INT(pages_until_stop(&pg, &got, &err), polled[i].pages);
        CHECK(got == OKTA_CC_END);
        CHECK_EQ_INT(s.api_calls, polled[i].pages);
        CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), polled[i].resume) == 0);
        okta_cc_pager_end(&pg);
        CHECK_EQ_INT(counter.live, live);
    }
    okta_cc_client_free(c);
    CHECK_EQ_INT(counter.live, 0);
}

#define LOGS "https://dev-1.okta.com/api/v1/logs"

/* Follows the pager to its end, the bodies of its pages joined into out; the last result. */
static okta_cc_result pages_joined(okta_cc_pager *pg, char *out, size_t cap, okta_cc_error *err)
{
    okta_cc_response page;
    okta_cc_result r;
    int n = 0;
    out[0] = '\0';
    while ((r = okta_cc_pager_next(pg, &page, err)) == OKTA_CC_OK && n++ < 40) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%.*s", (int)page.http.body_len, page.http.body);
        okta_cc_response_free(&page);
    }
    okta_cc_response_free(&page);
    return r;
}

/* Issue 22: a polling listing (the System Log without "until") always has a next link; with
   nothing new its page is [] and the link repeats the cursor. The pager ends it cleanly
   (OKTA_CC_END, no cycle error) with the URL to poll later, and a poll started there later
   lists only what is new. A bounded listing still ends at its last page with nothing to resume. */
static void test_pager_polling_listing(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    char got[256], resume[256];
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <" LOGS "?since=T>; rel=\"self\"\nLink: <" LOGS "?after=c1>; rel=\"next\"", "[{\"uuid\":\"e1\"},{\"uuid\":\"e2\"}]");
    push(&s, 200, "Link: <" LOGS "?after=c1>; rel=\"self\"\nLink: <" LOGS "?after=c2>; rel=\"next\"", "[{\"uuid\":\"e3\"}]");
    push(&s, 200, "Link: <" LOGS "?after=c2>; rel=\"self\"\nLink: <" LOGS "?after=c2>; rel=\"next\"", " [ \r\n ] ");
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/logs?since=T", &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[{\"uuid\":\"e1\"},{\"uuid\":\"e2\"}][{\"uuid\":\"e3\"}] [ \r\n ] ");
    CHECK_EQ_INT(pg.pages, 3);
    CHECK_EQ_INT(s.api_calls, 3);
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c2") == 0);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END);     /* stays ended, sends nothing */
    okta_cc_response_free(&page);
    CHECK_EQ_INT(s.api_calls, 3);
    snprintf(resume, sizeof resume, "%s", okta_cc_pager_resume_url(&pg));
    okta_cc_pager_end(&pg);
    /* later: the same cursor again; nothing new is one empty page, the same URL to poll */
    push(&s, 200, "Link: <" LOGS "?after=c2>; rel=\"next\"", "[]");
    CHECK(okta_cc_pager_begin(&pg, c, resume, &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[]");
    CHECK_EQ_STR(s.last_url, LOGS "?after=c2");
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c2") == 0);
    okta_cc_pager_end(&pg);
    /* later still: two new events, then the empty page with the next cursor */
    push(&s, 200, "Link: <" LOGS "?after=c3>; rel=\"next\"", "[{\"uuid\":\"e4\"}]");
    push(&s, 200, "Link: <" LOGS "?after=c3>; rel=\"next\"", "[]");
    CHECK(okta_cc_pager_begin(&pg, c, resume, &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[{\"uuid\":\"e4\"}][]");
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c3") == 0);
    okta_cc_pager_end(&pg);
    /* the first poll of an org with nothing since: one empty page, its cursor to poll */
    push(&s, 200, "Link: <" LOGS "?after=c0>; rel=\"next\"", "[]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/logs?since=T", &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_INT(pg.pages, 1);
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c0") == 0);
    okta_cc_pager_end(&pg);
    /* a page with events whose next link is itself ends the listing too, not as a cycle */
    push(&s, 200, "Link: <" LOGS "?after=c4>; rel=\"next\"", "[{\"uuid\":\"e5\"}]");
    CHECK(okta_cc_pager_begin(&pg, c, LOGS "?after=c4", &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[{\"uuid\":\"e5\"}]");
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c4") == 0);
    okta_cc_pager_end(&pg);
    /* bounded (since and until): pages to the last, which has no next link; nothing to resume */
    push(&s, 200, "Link: <" LOGS "?until=U&after=b1>; rel=\"next\"", "[{\"uuid\":\"e1\"}]");
    push(&s, 200, "Link: <" LOGS "?until=U&after=b1>; rel=\"self\"", "[{\"uuid\":\"e2\"}]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/logs?since=T&until=U", &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[{\"uuid\":\"e1\"}][{\"uuid\":\"e2\"}]");
    CHECK(okta_cc_pager_resume_url(&pg) == NULL);
    okta_cc_pager_end(&pg);
    /* "[ 0 ]", "[[]]", "[" are not empty pages: the listing goes on (here to the next link) */
    push(&s, 200, "Link: <" LOGS "?after=x1>; rel=\"next\"", "[[]]");
    push(&s, 200, "Link: <" LOGS "?after=x2>; rel=\"next\"", "[ 0 ]");
    push(&s, 200, NULL, "[]");
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/logs?since=T&until=U", &err) == OKTA_CC_OK);
    CHECK(pages_joined(&pg, got, sizeof got, &err) == OKTA_CC_END);
    CHECK_EQ_STR(got, "[[]][ 0 ][]");
    CHECK(okta_cc_pager_resume_url(&pg) == NULL);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* A poll started from a saved URL (a state file) is checked like a next link: on another
   origin nothing is sent, not even a token request; on the org's origin, spelt otherwise, it is
   sent on the org URL's spelling. */
static void test_pager_saved_url_origin(void)
{
    static const char *const foreign[] = {
        "https://attacker.example/api/v1/logs?after=c1", "http://dev-1.okta.com/api/v1/logs?after=c1",
        "https://dev-1.okta.com:8443/api/v1/logs?after=c1", "https://dev-1.okta.com.attacker.example/api/v1/logs",
        "https://dev-1.okta.com@attacker.example/api/v1/logs",
    };
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    size_t i;
    memset(&s, 0, sizeof s);
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    for (i = 0; i < sizeof foreign / sizeof *foreign; i++) {
        CHECK(okta_cc_pager_begin(&pg, c, foreign[i], &err) == OKTA_CC_OK);
        CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_ORIGIN);
        okta_cc_response_free(&page);
        CHECK(strstr(err.message, "outside https://dev-1.okta.com") != NULL);
        okta_cc_pager_end(&pg);
    }
    CHECK_EQ_INT(s.api_calls, 0);
    CHECK_EQ_INT(s.token_calls, 0);
    push(&s, 200, "Link: <" LOGS "?after=c1>; rel=\"next\"", "[]");
    CHECK(okta_cc_pager_begin(&pg, c, "HTTPS://DEV-1.OKTA.COM:443/api/v1/logs?after=c1", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    CHECK_EQ_STR(s.last_url, LOGS "?after=c1");
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END);
    CHECK(okta_cc_pager_resume_url(&pg) && strcmp(okta_cc_pager_resume_url(&pg), LOGS "?after=c1") == 0);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* A failed page leaves nothing to free (issue 18, item 12: the README's loop, the header's and
   the examples' freed pages only inside the loop, so every HTTP error leaked the failed page):
   its body and headers are gone, what they said is in err, and http.status, rate_limit and
   retries stay. A page that is not 2xx is an error (item 13: a 3xx page ended the listing
   quietly, as if it were the last), and the pager keeps its place. */
static void test_pager_failed_page_holds_nothing(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_config cfg;
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    counting_alloc counter = {0};
    okta_cc_result r;
    long live;
    int pages = 0;
    memset(&s, 0, sizeof s);
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=p2>; rel=\"next\"", "[1]");
    push(&s, 500, "X-Okta-Request-Id: req-500\nContent-Type: application/json",
         "{\"errorCode\":\"E0000009\",\"errorSummary\":\"Internal Server Error\",\"errorId\":\"oae500\"}");
    push(&s, 302, "Location: https://dev-1.okta.com/login\nX-Okta-Request-Id: req-302", "<html>moved</html>");
    push(&s, 301, "Location: https://dev-1.okta.com/api/v1/users?after=p2", "");
    push(&s, 429, "X-Rate-Limit-Limit: 600\nX-Rate-Limit-Remaining: 0\nX-Rate-Limit-Reset: 1764331260",
         "{\"errorCode\":\"E0000047\",\"errorSummary\":\"API call exceeded rate limit due to too many requests.\"}");
    push(&s, 200, "Link: <https://dev-1.okta.com/api/v1/users?after=p3>; rel=\"next\"", "[2]");
    push(&s, 204, NULL, NULL);
    scripted_config(&cfg, &s, &t, NULL, -1);          /* no retries: each answer is final */
    cfg.alloc.malloc_fn = count_malloc;
    cfg.alloc.free_fn = count_free;
    cfg.alloc.user = &counter;
    c = client_from(&cfg);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_OK);
    okta_cc_response_free(&page);
    live = counter.live;
    /* 500: Okta's error in err, nothing left to free (the page is not freed here) */
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_INT(counter.live, live);
    CHECK(page.http.body == NULL && page.http.headers == NULL && page.http.body_len == 0);
    CHECK(page.http.status == 500 && err.http_status == 500);
    CHECK_EQ_STR(err.okta_error_code, "E0000009");
    CHECK_EQ_STR(err.okta_error_summary, "Internal Server Error");
    CHECK_EQ_STR(err.okta_error_id, "oae500");
    CHECK_EQ_STR(err.okta_request_id, "req-500");
    okta_cc_response_free(&page);                     /* harmless */
    okta_cc_response_free(&page);
    CHECK_EQ_INT(counter.live, live);
    /* 302 and 301: errors naming the status, not a quiet end; the same page is asked again */
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
    CHECK(page.http.status == 302 && err.http_status == 302 && page.http.body == NULL);
    CHECK(strstr(err.message, "HTTP 302") != NULL);
    CHECK_EQ_STR(err.okta_request_id, "req-302");
    CHECK_EQ_INT(counter.live, live);
    CHECK_EQ_STR(okta_cc_pager_resume_url(&pg), "https://dev-1.okta.com/api/v1/users?after=p2");
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
    CHECK(err.http_status == 301 && strstr(err.message, "HTTP 301") != NULL);
    CHECK_EQ_INT(counter.live, live);
    /* 429 past the retry budget: the reset time stays readable */
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK(page.rate_limit.present && page.rate_limit.reset == 1764331260 && page.http.body == NULL);
    CHECK(err.http_status == 429 && strcmp(err.okta_error_code, "E0000047") == 0);
    CHECK_EQ_INT(counter.live, live);
    CHECK_EQ_INT(pg.pages, 1);
    /* then the listing goes on where it stopped, and a 204 ends it as an empty page */
    while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
        pages++;
        okta_cc_response_free(&page);
    }
    CHECK(r == OKTA_CC_END);
    CHECK_EQ_INT(pages, 2);
    CHECK_EQ_INT(s.api_calls, 7);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_END && page.http.body == NULL);
    okta_cc_pager_end(&pg);
    /* a 1xx as the final answer (a transport that stopped there) is no page either */
    memset(&s, 0, sizeof s);
    push(&s, 103, "Link: </style.css>; rel=preload", NULL);
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK(okta_cc_pager_next(&pg, &page, &err) == OKTA_CC_ERR_HTTP);
    CHECK(err.http_status == 103 && page.http.headers == NULL);
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
    CHECK_EQ_INT(counter.live, 0);
}

/* Distinct pages without end: the pager stops at max_pages, and its memory stays small. */
static void test_pager_page_cap(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_error err;
    okta_cc_pager pg;
    okta_cc_client *c;
    okta_cc_result got;
    memset(&s, 0, sizeof s);
    s.endless = 1;
    c = scripted_client(&s, &t, NULL, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_pager_begin(&pg, c, "/api/v1/users", &err) == OKTA_CC_OK);
    CHECK_EQ_INT(pg.max_pages, OKTA_CC_PAGER_MAX_PAGES);
    CHECK_EQ_INT(OKTA_CC_PAGER_MAX_PAGES, 100000);
    pg.max_pages = 25;
    CHECK_EQ_INT(pages_until_stop(&pg, &got, &err), 25);
    CHECK(got == OKTA_CC_ERR_BAD_RESPONSE);
    CHECK(strstr(err.message, "25 pages") != NULL);
    CHECK_EQ_INT(s.api_calls, 25);
    CHECK(pg._seen_cap <= 4 * 25);                             /* 8 bytes a slot, half full or more */
    okta_cc_pager_end(&pg);
    okta_cc_client_free(c);
}

/* One line per exchange; no token, no Authorization, no secret query values. */
static void test_logger_redacts(void)
{
    script s;
    fake_time t = {T0, {0}, 0};
    okta_cc_response r;
    okta_cc_error err;
    log_capture lg;
    okta_cc_client *c;
    int i;
    memset(&s, 0, sizeof s);
    memset(&lg, 0, sizeof lg);
    push(&s, 429, "X-Rate-Limit-Reset: 1764331201\nX-Rate-Limit-Remaining: 0", NULL);
    push(&s, 200, "X-Rate-Limit-Remaining: 41", "[]");
    c = scripted_client(&s, &t, &lg, 0);
    if (!c) { h_current_failed = 1; return; }
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?search=x&access_token=SECRET1&client_secret=SECRET2", NULL, 0, NULL, &r, &err) == OKTA_CC_OK);
    okta_cc_response_free(&r);
    CHECK_EQ_INT(lg.n, 3);   /* token, 429, 200 */
    CHECK(strncmp(lg.lines[0], "POST https://dev-1.okta.com/oauth2/v1/token -> 200 (", 52) == 0);
    CHECK(strstr(lg.lines[1], "GET https://dev-1.okta.com/api/v1/users?search=x&access_token=***&client_secret=*** -> 429") != NULL);
    CHECK(strstr(lg.lines[1], "retry 0, rate limit remaining 0)") != NULL);
    CHECK(strstr(lg.lines[2], "-> 200") && strstr(lg.lines[2], "retry 1, rate limit remaining 41)"));
    for (i = 0; i < lg.n && i < 32; i++) {
        CHECK(strstr(lg.lines[i], "SECRET") == NULL);
        CHECK(strstr(lg.lines[i], "tok-") == NULL && strstr(lg.lines[i], "Bearer") == NULL);
        CHECK(strstr(lg.lines[i], "eyJ") == NULL);        /* no assertion */
    }
    okta_cc_client_free(c);
}

/* ---- fork(): the libcurl transport's pool (the live tests fork for real) ---------------- */

/* A forked child finds its parent's pool (another pid). Pretending so here, in one process,
   shows what the child does with it: the pool is replaced once however many threads find it
   at once (the allocator holds each new pool until all 4 threads have one, so 3 lose the
   race every round and must free theirs: ASan and valgrind see no leak), and the inherited
   one is never used or freed, not even when the transport is freed (it is freed by hand
   below: a double free would show). */
typedef struct own_race {
    okta_cc__curl *t;
    pthread_barrier_t *go;
    okta_cc__curl_pool *got;
    okta_cc_result r;
} own_race;

static pthread_barrier_t own_race_made;
static int own_race_armed;              /* set while the threads race */

static void *own_race_malloc(void *user, size_t n)
{
    (void)user;
    if (own_race_armed && n == sizeof(okta_cc__curl_pool)) pthread_barrier_wait(&own_race_made);
    return malloc(n);
}

static void own_race_free(void *user, void *p)
{
    (void)user;
    free(p);
}

static void *own_race_run(void *arg)
{
    own_race *o = (own_race *)arg;
    pthread_barrier_wait(o->go);
    o->r = okta_cc__curl_own(o->t, &o->got, NULL);
    return NULL;
}

static void test_curl_pool_of_another_process_left_alone(void)
{
    okta_cc_config cfg;
    okta_cc_transport tr;
    okta_cc_error err;
    okta_cc__curl *t, settings;
    okta_cc__curl_pool *inherited, *mine;
    pthread_barrier_t go;
    own_race o[4];
    pthread_t th[4];
    int round, i;
    okta_cc_config_init(&cfg);
    cfg.alloc.malloc_fn = own_race_malloc;
    cfg.alloc.free_fn = own_race_free;
    if (okta_cc_curl_transport_new(&tr, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) != OKTA_CC_OK) { fprintf(stderr, "  %s\n", err.message); h_current_failed = 1; return; }
    t = (okta_cc__curl *)tr.ctx;
    pthread_barrier_init(&go, NULL, 4);
    pthread_barrier_init(&own_race_made, NULL, 4);
    for (round = 0; round < 20; round++) {
        inherited = t->pool;
        CHECK(inherited->pid == (long)getpid());
        inherited->pid = -1;                /* a parent's pool */
        own_race_armed = 1;
        for (i = 0; i < 4; i++) {
            o[i].t = t, o[i].go = &go, o[i].got = NULL, o[i].r = OKTA_CC_ERR_THREAD;
            CHECK(pthread_create(&th[i], NULL, own_race_run, &o[i]) == 0);
        }
        for (i = 0; i < 4; i++) pthread_join(th[i], NULL);
        own_race_armed = 0;
        mine = t->pool;
        CHECK(mine != inherited && mine->pid == (long)getpid() && mine->t == t);
        CHECK(mine->made == 0 && mine->handles[0].easy == NULL);   /* made on first use */
        CHECK(inherited->handles[0].easy != NULL);                  /* the parent's, untouched */
        for (i = 0; i < 4; i++) CHECK(o[i].r == OKTA_CC_OK && o[i].got == mine);
        inherited->pid = (long)getpid();    /* really this process's: free it for the leak checkers */
        okta_cc__curl_pool_free(inherited);
        CHECK(okta_cc__curl_handle_make(&mine->handles[0], &err) == OKTA_CC_OK);   /* as a request would */
        mine->made = 1;
    }
    pthread_barrier_destroy(&own_race_made);
    pthread_barrier_destroy(&go);
    /* freed in a child: only the settings go */
    inherited = t->pool;
    inherited->pid = -1;
    settings = *t;
    okta_cc_curl_transport_free(&tr);
    CHECK(tr.ctx == NULL && tr.perform == NULL);
    inherited->t = &settings;
    inherited->pid = (long)getpid();
    okta_cc__curl_pool_free(inherited);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_request_basics);
    RUN(test_origin_refused_without_sending);
    RUN(test_request_values_with_ctl_refused);
    RUN(test_429_twice_then_success);
    RUN(test_429_forever);
    RUN(test_429_with_malformed_date);
    RUN(test_503_backoff_only_when_safe);
    RUN(test_retry_after);
    RUN(test_retry_decided_by_transport_result);
    RUN(test_refused_connection_is_connect);
    RUN(test_401_refreshes_once);
    RUN(test_stale_401_keeps_newer_token);
    RUN(test_link_headers);
    RUN(test_link_parsing_linear);
    RUN(test_next_link_size_query);
    RUN(test_pager_follows_a_long_next_link);
    RUN(test_pager_begin_arguments);
    RUN(test_pager_and_foreign_next_link);
    RUN(test_pager_link_quoting_and_malformed);
    RUN(test_pager_refuses_cycles);
    RUN(test_pager_polling_listing);
    RUN(test_pager_saved_url_origin);
    RUN(test_pager_page_cap);
    RUN(test_pager_failed_page_holds_nothing);
    RUN(test_logger_redacts);
    RUN(test_dpop_api_new_proof_per_retry);
    RUN(test_dpop_api_resource_nonce);
    RUN(test_dpop_nonce_with_nul_ignored);
    RUN(test_request_id_one_line);
    RUN(test_response_without_status_line);
    RUN(test_401_then_token_refused_empties_resp);
    RUN(test_curl_pool_of_another_process_left_alone);
    RUN(test_retry_headers_on_api_retries);
    RUN(test_token_rate_limit_through_api);
    curl_global_cleanup();
    return h_summary();
}
