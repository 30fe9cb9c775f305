#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
/* The default allocator macros count their calls in this file: a client given cfg.alloc must
   never reach them (test_client_allocates_only_through_cfg_alloc); standalone key loading is
   documented to use them. OKTA_CC_REALLOC is never called at all. */
static unsigned long macro_mallocs, macro_frees;
static void *counted_macro_malloc(size_t n)
{
    __sync_fetch_and_add(&macro_mallocs, 1);
    return malloc(n);
}
static void counted_macro_free(void *p)
{
    if (p) __sync_fetch_and_add(&macro_frees, 1);
    free(p);
}
#define OKTA_CC_MALLOC(n) counted_macro_malloc(n)
#define OKTA_CC_REALLOC(p, n) (abort(), (p), (n), (void *)0)
#define OKTA_CC_FREE(p) counted_macro_free(p)
/* Token client tests, scripted: the client driven through a scripted transport and an injected
   clock (no network, no sleeping): assertions, URLs, configuration, form bodies, response
   parsing, caching, clock offset, single flight, DPoP, retries. The same client against the local
   Okta-compatible server is tests/live/test_token_live.c. With $OKTA_CC_TEST_ASSERTIONS set
   (tests/unit/token_assertions.sh), every assertion made is appended to it for PyJWT to verify. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "../token_helpers.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

/* Decodes the claims of a compact JWT into out. */
static int jwt_claims(const char *jwt, size_t n, char *out, size_t cap)
{
    const char *dot1 = memchr(jwt, '.', n), *dot2;
    size_t len;
    if (!dot1) return 0;
    dot2 = memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - jwt));
    if (!dot2) return 0;
    if (okta_cc_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), out, cap - 1, &len, NULL) != OKTA_CC_OK) return 0;
    out[len] = '\0';
    return 1;
}

static int64_t claim_int(const char *claims, const char *key)
{
    okta_cc_json_token tok[32];
    okta_cc_json_doc doc;
    int64_t v = -1;
    if (okta_cc_json_parse(claims, strlen(claims), tok, 32, NULL, &doc, NULL) == OKTA_CC_OK)
        okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, key), &v, NULL);
    return v;
}

static void claim_str(const char *claims, const char *key, char *out, size_t cap)
{
    okta_cc_json_token tok[32];
    okta_cc_json_doc doc;
    out[0] = '\0';
    if (okta_cc_json_parse(claims, strlen(claims), tok, 32, NULL, &doc, NULL) == OKTA_CC_OK)
        okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, key), out, cap, NULL, NULL);
}


/* ---- the scripted transport ------------------------------------------------------------- */

typedef struct script {
    pthread_mutex_t lock;
    int calls;
    long status;
    const char *headers;        /* "Name: value\n" lines */
    const char *body;
    okta_cc_result fail;        /* non-OK: fail like a transport would */
    char last_url[512], last_method[16], last_body[16384], last_headers[4][512];
    size_t last_header_count;
} script;

static okta_cc_result script_perform(void *ctx, const okta_cc_http_request *req,
                                     okta_cc_http_response *resp, okta_cc_error *err)
{
    script *s = (script *)ctx;
    const char *h;
    size_t i;
    pthread_mutex_lock(&s->lock);
    s->calls++;
    snprintf(s->last_url, sizeof s->last_url, "%s", req->url);
    snprintf(s->last_method, sizeof s->last_method, "%s", req->method);
    snprintf(s->last_body, sizeof s->last_body, "%.*s", (int)req->body_len, req->body ? req->body : "");
    s->last_header_count = req->header_count;
    for (i = 0; i < req->header_count && i < 4; i++) snprintf(s->last_headers[i], 512, "%s", req->headers[i]);
    pthread_mutex_unlock(&s->lock);
    if (s->fail != OKTA_CC_OK) {
        if (err) { err->code = s->fail; snprintf(err->message, sizeof err->message, "scripted failure"); }
        return s->fail;
    }
    okta_cc_http_response_header_line(resp, "HTTP/1.1 100 Continue\r\n", 23, NULL);
    okta_cc_http_response_header_line(resp, "X-Stale: yes\r\n", 14, NULL);
    {
        char status[32];
        snprintf(status, sizeof status, "HTTP/1.1 %ld X\r\n", s->status);
        okta_cc_http_response_header_line(resp, status, strlen(status), NULL);
    }
    for (h = s->headers; h && *h;) {
        size_t n = strcspn(h, "\n");
        okta_cc_http_response_header_line(resp, h, n, NULL);
        h += n + (h[n] == '\n');
    }
    if (s->body) {
        okta_cc_result r = okta_cc_http_response_append_body(resp, s->body, strlen(s->body), NULL);
        if (r != OKTA_CC_OK) {
            if (err) err->code = r;
            return r;
        }
    }
    return OKTA_CC_OK;
}

static const char *ok_body = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"tok-abc.def\",\"scope\":\"okta.users.read\"}";

static void script_init(script *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->status = 200;
    s->body = ok_body;
}

static char vector_key_path[1024];

/* A config wired to the scripted transport and the test clock, with the RFC 7515 A.2 key. */
static void scripted_config(okta_cc_config *cfg, script *s, test_clock *clk)
{
    okta_cc_config_init(cfg);
    snprintf(vector_key_path, sizeof vector_key_path, "%s/jose/rfc7515-a2-rsa-pkcs8.pem", h_vectors_dir());
    cfg->org_url = "https://dev-123.okta.com/";
    cfg->client_id = "0oa_unit";
    cfg->private_key = vector_key_path;
    cfg->key_id = "kid-unit";
    cfg->scopes = "okta.users.read";
    cfg->transport.perform = script_perform;
    cfg->transport.ctx = s;
    cfg->clock = clock_read;
    cfg->clock_user = clk;
}

/* ---- part 1: no network ------------------------------------------------------------------ */

/* The computed vector: our claims order and header reproduce it byte for byte. */
static void test_assertion_matches_computed_vector(void)
{
    okta_cc_key key;
    okta_cc_assertion a;
    char out[4096], want[4096];
    size_t len;
    char *text = h_read_vector("jose/computed-client-assertion-and-dpop-rs256.json", &len);
    okta_cc_json_token *tok = (okta_cc_json_token *)malloc(512 * sizeof *tok);
    okta_cc_json_doc doc;
    char path[1024];
    CHECK(text && tok && okta_cc_json_parse(text, len, tok, 512, NULL, &doc, NULL) == OKTA_CC_OK);
    snprintf(path, sizeof path, "%s/jose/rfc7515-a2-rsa-pkcs1.pem", h_vectors_dir());
    CHECK(okta_cc_key_load_file(&key, path, NULL, NULL) == OKTA_CC_OK);
    if (!h_current_failed) {
        long v = okta_cc_json_first(&doc, (size_t)okta_cc_json_find(&doc, 0, "vectors"));
        okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, (size_t)v, "compact"), want, sizeof want, NULL, NULL);
        memset(&a, 0, sizeof a);
        a.client_id = "s6BhdRkqt3";
        a.audience = "https://server.example.com/token";
        a.issued_at = 1562262616;
        a.ttl = 300;
        a.jti = "ca-0001-8f3c2b1a";
        a.kid = "";
        CHECK(okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &a, NULL, out, sizeof out, &len, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(out, want);
    }
    okta_cc_key_wipe(&key);
    free(text);
    free(tok);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* 10 000 assertions: fresh 192-bit jti each, exp - iat = ttl; all logged for PyJWT. */
static void test_assertions_unique_jti_10000(void)
{
    int N = light() ? 1000 : 10000;
    okta_cc_key key;
    okta_cc_rng rng;
    okta_cc_assertion a;
    okta_cc_error err;
    char **jtis = (char **)calloc((size_t)N, sizeof *jtis);
    char path[1024], out[2048], claims[1024];
    int i, dups = 0;
    snprintf(path, sizeof path, "%s/jose/generated-ec-p256-pkcs8.pem", h_vectors_dir());
    CHECK(okta_cc_key_load_file(&key, path, "ec-vector", NULL) == OKTA_CC_OK);
    CHECK(okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK);
    memset(&a, 0, sizeof a);
    a.client_id = "0oa_vector";
    a.audience = "https://dev-123.okta.com/oauth2/v1/token";
    a.issued_at = (int64_t)time(NULL);
    a.ttl = 120;
    for (i = 0; i < N && !h_current_failed; i++) {
        size_t len;
        CHECK(okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &a, &rng, out, sizeof out, &len, &err) == OKTA_CC_OK);
        CHECK(jwt_claims(out, len, claims, sizeof claims));
        jtis[i] = (char *)malloc(64);
        claim_str(claims, "jti", jtis[i], 64);
        CHECK(strlen(jtis[i]) == 32);                       /* 24 random bytes */
        CHECK(claim_int(claims, "exp") - claim_int(claims, "iat") == 120);
        log_assertion(a.client_id, a.audience, a.ttl, out, len);
    }
    if (!h_current_failed) {
        qsort(jtis, (size_t)N, sizeof *jtis, cmp_str);
        for (i = 1; i < N; i++) dups += strcmp(jtis[i - 1], jtis[i]) == 0;
        CHECK_EQ_INT(dups, 0);
    }
    for (i = 0; i < N; i++) free(jtis[i]);
    free(jtis);
    a.ttl = 3601;
    CHECK(okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &a, &rng, out, sizeof out, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "3600") != NULL);
    a.ttl = 0;
    CHECK(okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &a, NULL, out, sizeof out, NULL, &err) == OKTA_CC_ERR_RANDOM);
    a.audience = NULL;
    CHECK(okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &a, &rng, out, sizeof out, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_key_wipe(&key);
    okta_cc_rng_wipe(&rng);
}

/* One GET through okta_cc_request; 1 when it succeeded (the response is freed). */
static int request_ok(okta_cc_client *c, const char *path_or_url, okta_cc_response *r, okta_cc_error *err)
{
    okta_cc_result got = okta_cc_request(c, "GET", path_or_url, NULL, 0, NULL, r, err);
    if (got != OKTA_CC_OK) fprintf(stderr, "  request %s: %s\n", path_or_url, err->message);
    okta_cc_response_free(r);
    return got == OKTA_CC_OK;
}


static void test_token_urls(void)
{
    static const struct { const char *org, *as, *explicit_url, *want; okta_cc_result r; } cases[] = {
        {"https://dev-1.okta.com", NULL, NULL, "https://dev-1.okta.com/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com/", NULL, NULL, "https://dev-1.okta.com/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com///", "default", NULL, "https://dev-1.okta.com/oauth2/default/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com", "aus1x2y3", NULL, "https://dev-1.okta.com/oauth2/aus1x2y3/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com", NULL, "https://login.example.com/oauth2/v1/token", "https://login.example.com/oauth2/v1/token", OKTA_CC_OK},
        {"http://127.0.0.1:8080/", NULL, NULL, "http://127.0.0.1:8080/oauth2/v1/token", OKTA_CC_OK},
        {"http://localhost:9", NULL, NULL, "http://localhost:9/oauth2/v1/token", OKTA_CC_OK},
        {"http://[::1]:9", NULL, NULL, "http://[::1]:9/oauth2/v1/token", OKTA_CC_OK},
        {"http://dev-1.okta.com", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"http://127.0.0.1.evil.com", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},    /* not loopback */
        {"http://localhost.evil.com", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"http://127.1", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"http://localhost", NULL, NULL, "http://localhost/oauth2/v1/token", OKTA_CC_OK},
        {"http://127.0.0.2:1/", NULL, NULL, "http://127.0.0.2:1/oauth2/v1/token", OKTA_CC_OK},
        {"dev-1.okta.com", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com?x=1", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com", "bad/id", NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com", NULL, "http://login.example.com/token", NULL, OKTA_CC_ERR_CONFIG},
        /* userinfo: libcurl would connect to the host after the "@" */
        {"http://[::1]@evil.example", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"http://localhost:80@evil.example", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com@evil.example", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com", NULL, "http://127.0.0.1:1@evil.example/oauth2/v1/token", NULL, OKTA_CC_ERR_CONFIG},
        {"http://[::1]x", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {NULL, NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        /* one normalised org URL: scheme and host in lower case, no default port */
        {"https://X.Okta.COM:443/", NULL, NULL, "https://x.okta.com/oauth2/v1/token", OKTA_CC_OK},
        {"http://LOCALHOST:80", NULL, NULL, "http://localhost/oauth2/v1/token", OKTA_CC_OK},
        {"HTTPS://dev-1.okta.com", "default", NULL, "https://dev-1.okta.com/oauth2/default/v1/token", OKTA_CC_OK},
        {"Http://127.0.0.1:080/", NULL, NULL, "http://127.0.0.1/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com:", NULL, NULL, "https://dev-1.okta.com/oauth2/v1/token", OKTA_CC_OK},
        {"https://Dev-1.okta.com:8443", NULL, NULL, "https://dev-1.okta.com:8443/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com:80", NULL, NULL, "https://dev-1.okta.com:80/oauth2/v1/token", OKTA_CC_OK},
        {"http://localhost:443", NULL, NULL, "http://localhost:443/oauth2/v1/token", OKTA_CC_OK},
        {"http://[::1]:80", NULL, NULL, "http://[::1]/oauth2/v1/token", OKTA_CC_OK},
        {"https://[2001:DB8::1]:443", NULL, NULL, "https://[2001:db8::1]/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com", NULL, "HTTPS://Login.Example.COM:443/oauth2/v1/token",
         "https://login.example.com/oauth2/v1/token", OKTA_CC_OK},
        {"https://dev-1.okta.com:0", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com:65536", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com:44a", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com:-443", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com/oauth2", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com#x", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com!", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://dev-1.okta.com%2e", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://[::1", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
        {"https://:443", NULL, NULL, NULL, OKTA_CC_ERR_CONFIG},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        okta_cc_config cfg;
        script s;
        test_clock clk = {1000};
        okta_cc_error err;
        okta_cc_client *c;
        script_init(&s);
        scripted_config(&cfg, &s, &clk);
        cfg.org_url = cases[i].org;
        cfg.auth_server_id = cases[i].as;
        cfg.token_url = cases[i].explicit_url;
        c = new_client(&cfg, cases[i].r, &err);
        if (c) CHECK_EQ_STR(okta_cc_client_token_url(c), cases[i].want);
        else CHECK(err.code == cases[i].r && err.message[0]);
        okta_cc_client_free(c);
    }
}

/* The org URL is normalised once: the token URL, the assertion's aud, API URLs and the origin
   check all come from that one value, so "https://x.okta.com:443" does not sign an aud with
   ":443" that Okta (which sees Host: x.okta.com) refuses. */
static void expect_normalised(const char *org, const char *want_origin)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1700000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_response r;
    char token[64], claims[2048], aud[256], want[256];
    const char *a;
    size_t n;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.org_url = org;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    snprintf(want, sizeof want, "%s/oauth2/v1/token", want_origin);
    CHECK_EQ_STR(okta_cc_client_token_url(c), want);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.last_url, want);
    a = form_value(s.last_body, "client_assertion", &n);
    CHECK(a && jwt_claims(a, n, claims, sizeof claims));
    claim_str(claims, "aud", aud, sizeof aud);
    CHECK_EQ_STR(aud, want);
    log_assertion("0oa_unit", want, 300, a, n);
    CHECK(request_ok(c, "/api/v1/users", &r, &err));
    snprintf(want, sizeof want, "%s/api/v1/users", want_origin);
    CHECK_EQ_STR(s.last_url, want);
    okta_cc_client_free(c);
}

static void test_org_url_normalised_everywhere(void)
{
    expect_normalised("https://X.Okta.COM:443/", "https://x.okta.com");
    expect_normalised("http://LOCALHOST:80", "http://localhost");
    expect_normalised("https://x.okta.com:8443", "https://x.okta.com:8443");
    expect_normalised("http://127.0.0.1:8080/", "http://127.0.0.1:8080");
}

/* Absolute URLs given to okta_cc_request that spell the org's origin differently are accepted
   and sent on the normalised origin; other origins are refused and nothing is sent. */
static void test_request_origin_spellings(void)
{
    static const char *same[] = {"https://x.okta.com/api/v1/users?limit=1", "https://X.OKTA.com:443/api/v1/users?limit=1",
                                 "HTTPS://x.okta.com:0443/api/v1/users?limit=1", "https://x.okta.com:/api/v1/users?limit=1"};
    static const char *other[] = {"https://x.okta.com:8443/api/v1/users", "http://x.okta.com/api/v1/users",
                                  "http://x.okta.com:443/api/v1/users", "https://x.okta.com.evil.example/api/v1/users",
                                  "https://evil.example@x.okta.com/api/v1/users", "https://x.okta.com:99999/api/v1/users",
                                  "https://x.okta.com:44x/api/v1/users", "ftp://x.okta.com/api/v1/users"};
    okta_cc_config cfg;
    script s;
    test_clock clk = {1700000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_response r;
    size_t i;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.org_url = "https://x.okta.com";
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    for (i = 0; i < sizeof same / sizeof *same; i++) {
        CHECK(request_ok(c, same[i], &r, &err));
        CHECK_EQ_STR(s.last_url, "https://x.okta.com/api/v1/users?limit=1");
    }
    s.calls = 0;
    for (i = 0; i < sizeof other / sizeof *other; i++) {
        CHECK_EQ_INT(okta_cc_request(c, "GET", other[i], NULL, 0, NULL, &r, &err), OKTA_CC_ERR_ORIGIN);
        okta_cc_response_free(&r);
    }
    CHECK_EQ_INT(s.calls, 0);
    okta_cc_client_free(c);
}

static void test_config_validation(void)
{
    okta_cc_client *c_unused = NULL;
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000};
    okta_cc_error err;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.client_id = NULL;
    new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
    CHECK(strstr(err.message, "OKTA_CLIENT_CLIENTID") != NULL);
    /* No scopes (or only separators): the client signs assertions, but asks for no token. */
    {
        static const char *no_scopes[] = {NULL, "", " , "};
        size_t k;
        for (k = 0; k < 3; k++) {
            okta_cc_client *c;
            char buf[4096];
            size_t len = 0;
            scripted_config(&cfg, &s, &clk);
            cfg.scopes = no_scopes[k];
            c = new_client(&cfg, OKTA_CC_OK, &err);
            if (!c) continue;
            CHECK(okta_cc_client_sign_assertion(c, buf, sizeof buf, &len, &err) == OKTA_CC_OK && len > 0);
            s.calls = 0;
            CHECK(okta_cc_client_get_token(c, buf, sizeof buf, &len, NULL, &err) == OKTA_CC_ERR_CONFIG);
            CHECK(strstr(err.message, "OKTA_CLIENT_SCOPES") != NULL && strstr(err.message, "no scopes") != NULL);
            CHECK(s.calls == 0);                                /* nothing was sent */
            okta_cc_client_free(c);
        }
    }
    scripted_config(&cfg, &s, &clk);
    cfg.private_key = NULL;
    new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
    CHECK(strstr(err.message, "OKTA_CLIENT_PRIVATEKEY") != NULL);
    scripted_config(&cfg, &s, &clk);
    cfg.private_key = "/nonexistent.pem";
    new_client(&cfg, OKTA_CC_ERR_IO, &err);
    /* a private key setting that is neither text we recognise nor a file is never echoed */
    {
        static const char *secretish[] = {"'{\"kty\":\"EC\",\"d\":\"nUL-b8JB5cHS-Osq_-f8OT8t_cojizTQ7y6UzHIdoF4\"}'",
                                          "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnULb8JB5cHS"};
        size_t k;
        for (k = 0; k < 2; k++) {
            scripted_config(&cfg, &s, &clk);
            cfg.private_key = secretish[k];
            CHECK(okta_cc_client_new(&c_unused, &cfg, &err) != OKTA_CC_OK);
            CHECK(strstr(err.message, "nUL") == NULL && strstr(err.message, "MIG") == NULL);
            CHECK(strstr(err.message, "not shown") != NULL || err.code == OKTA_CC_ERR_KEY_FORMAT);
        }
    }
    scripted_config(&cfg, &s, &clk);
    cfg.assertion_ttl = 3601;
    new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
    scripted_config(&cfg, &s, &clk);
    cfg.alg = OKTA_CC_ALG_ES256;
    new_client(&cfg, OKTA_CC_ERR_ALG_MISMATCH, &err);
    /* a client secret at the org server is refused with the reason */
    scripted_config(&cfg, &s, &clk);
    cfg.auth_method = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    cfg.client_secret = "shh";
    new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
    CHECK(strstr(err.message, "private_key_jwt") != NULL && strstr(err.message, "shh") == NULL);
    cfg.client_secret = NULL;
    cfg.auth_server_id = "default";
    new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
    CHECK(strstr(err.message, "secret") != NULL);
    CHECK(okta_cc_client_new(NULL, &cfg, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
}

/* Configuration strings with control characters are refused by okta_cc_client_new: a user
   agent with CR LF would add a header to every request, a CTL in a URL would reach libcurl. */
static void test_config_values_with_ctl_refused(void)
{
    static const struct { int field; const char *value; } bad[] = {
        {0, "app/1\r\nX-Injected: yes"}, {0, "app/1\n"}, {0, "app\x01"}, {0, "app\x7f"}, {0, "app\t1"},
        {1, "0oa_unit\r\nX-Injected: yes"}, {1, "0oa_unit\n"}, {1, "0oa\x7f"},
        {2, "okta.users.read\r\nX-Injected: yes"}, {2, "okta.users.read\n"}, {2, "okta.users.read\x1f"},
        {3, "kid-unit\r\nX-Injected: yes"}, {3, "kid\x1b[31m"}, {3, "kid\x7f"},
        {4, "aus1\r\nX-Injected: yes"}, {4, "aus 1"}, {4, ".."}, {4, "."}, {4, "aus\x7f"},
        {5, "https://dev-123.okta.com\r\nX-Injected: yes"}, {5, "https://dev-123.okta.com\n"},
        {5, "https://dev-123 .okta.com"}, {5, "https://dev-123.okta.com\t"}, {5, " https://dev-123.okta.com"},
        {5, "https://dev-123.okta.com\x7f"}, {5, "https://dev\x01.okta.com"},
        {6, "https://dev-123.okta.com/oauth2/v1/token\r\nX-Injected: yes"},
        {6, "https://dev-123.okta.com/oauth2/v1/token?a=b c"}, {6, "https://dev-123.okta.com/oauth2/v1/token\x7f"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        okta_cc_config cfg;
        script s;
        test_clock clk = {1000};
        okta_cc_error err;
        okta_cc_client *c = NULL;
        okta_cc_result got;
        const char *v = bad[i].value;
        script_init(&s);
        scripted_config(&cfg, &s, &clk);
        if (bad[i].field == 0) cfg.http.user_agent = v;
        if (bad[i].field == 1) cfg.client_id = v;
        if (bad[i].field == 2) cfg.scopes = v;
        if (bad[i].field == 3) cfg.key_id = v;
        if (bad[i].field == 4) cfg.auth_server_id = v;
        if (bad[i].field == 5) cfg.org_url = v;
        if (bad[i].field == 6) cfg.token_url = v;
        got = okta_cc_client_new(&c, &cfg, &err);
        if (got != OKTA_CC_ERR_CONFIG) fprintf(stderr, "  case %lu: %s\n", (unsigned long)i, okta_cc_result_str(got));
        CHECK_EQ_INT(got, OKTA_CC_ERR_CONFIG);
        CHECK(c == NULL);
        CHECK(strchr(err.message, '\r') == NULL && strchr(err.message, '\n') == NULL);
        CHECK(strstr(err.message, "Injected") == NULL);
        if (c) okta_cc_client_get_token(c, NULL, 0, NULL, NULL, &err);
        CHECK_EQ_INT(s.calls, 0);
        okta_cc_client_free(c);
    }
    {   /* the libcurl transport on its own refuses such a user agent too */
        okta_cc_config cfg;
        okta_cc_transport t;
        okta_cc_error err;
        memset(&t, 0, sizeof t);
        okta_cc_config_init(&cfg);
        cfg.http.user_agent = "app/1\r\nX-Injected: yes";
        CHECK_EQ_INT(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err), OKTA_CC_ERR_CONFIG);
        CHECK(t.perform == NULL);
        okta_cc_curl_transport_free(&t);
    }
}

/* A client id holds only what Okta allows in one (letters, digits and $-_.+!*'(), says
   ApplicationCredentialsOAuthClient): anything else - a space, a quote, a slash, non-ASCII - is a
   typo or a pasted fragment, refused before anything is sent, naming the setting. */
static void test_client_id_characters(void)
{
    static const char *const bad[] = {"0oa id", "0oa_unit ", " 0oa_unit", "0oa\"x", "0oa/x", "0oa\\x", "0oa<x>",
                                      "0oa;x", "0oa%20x", "0oa:x", "0oa~x", "0oa\xc3\xa9", "0oa\x80", "0oa#x"};
    static const char *const good[] = {"0oa1b2c3d4E5F6g7H8i9", "0oa_unit", "a-b.c+d!e*f'g(h)i,j$k", "Z", "s6BhdRkqt3"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad + sizeof good / sizeof *good; i++) {
        int is_bad = i < sizeof bad / sizeof *bad;
        const char *id = is_bad ? bad[i] : good[i - sizeof bad / sizeof *bad];
        okta_cc_config cfg;
        script s;
        test_clock clk = {1000};
        okta_cc_error err;
        okta_cc_client *c = NULL;
        okta_cc_result got;
        char token[64];
        script_init(&s);
        scripted_config(&cfg, &s, &clk);
        cfg.client_id = id;
        got = okta_cc_client_new(&c, &cfg, &err);
        if (got != (is_bad ? OKTA_CC_ERR_CONFIG : OKTA_CC_OK)) fprintf(stderr, "  client id '%s': %s\n", id, err.message);
        if (is_bad) {
            CHECK_EQ_INT(got, OKTA_CC_ERR_CONFIG);
            CHECK(c == NULL);
            CHECK(strstr(err.message, "client id") != NULL && strstr(err.message, "OKTA_CLIENT_CLIENTID") != NULL);
        } else {
            CHECK_EQ_INT(got, OKTA_CC_OK);
            if (c) CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        }
        CHECK_EQ_INT(s.calls, is_bad ? 0 : 1);
        okta_cc_client_free(c);
    }
}

/* The libcurl transport itself refuses a request whose method, URL or header lines hold control
   characters, before it connects (port 1 on loopback would be a refused connection). */
static void test_curl_transport_refuses_ctl(void)
{
    static const char *methods[] = {"GET", "GET /smuggled HTTP/1.1\r\nX-Injected: yes\r\n\r\nGET", "GET", "GET", ""};
    static const char *urls[] = {"http://127.0.0.1:1/x\r\nX-Injected: yes", "http://127.0.0.1:1/x", "http://127.0.0.1:1/x y",
                                 "http://127.0.0.1:1/x", "http://127.0.0.1:1/x"};
    static const char *headers[] = {"Accept: */*", "Accept: */*", "Accept: */*", "Accept: */*\r\nX-Injected: yes", "Accept: */*"};
    okta_cc_config cfg;
    okta_cc_transport t;
    size_t i;
    okta_cc_config_init(&cfg);
    cfg.http.connect_timeout_ms = 2000;
    if (okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, NULL) != OKTA_CC_OK) { h_current_failed = 1; return; }
    for (i = 0; i < sizeof methods / sizeof *methods; i++) {
        okta_cc_http_request req;
        okta_cc_http_response resp;
        okta_cc_error err;
        const char *h[1];
        memset(&req, 0, sizeof req);
        memset(&err, 0, sizeof err);
        h[0] = headers[i];
        req.method = methods[i];
        req.url = urls[i];
        req.headers = h;
        req.header_count = 1;
        okta_cc_http_response_init(&resp, NULL, 0);
        CHECK_EQ_INT(t.perform(t.ctx, &req, &resp, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(err.transport_code == 0);                 /* libcurl never saw it */
        CHECK(strstr(err.message, "Injected") == NULL);
        okta_cc_http_response_free(&resp);
    }
    okta_cc_curl_transport_free(&t);
}

/* An allocator for cfg.alloc that counts. */
typedef struct counting_alloc {
    unsigned long mallocs, frees;
} counting_alloc;

static void *counting_malloc(void *user, size_t n)
{
    __sync_fetch_and_add(&((counting_alloc *)user)->mallocs, 1);
    return malloc(n);
}

static void counting_free(void *user, void *p)
{
    __sync_fetch_and_add(&((counting_alloc *)user)->frees, 1);
    free(p);
}

/* The text of the "jwk" member of a vector file, in a malloc'd buffer. */
static char *vector_jwk_text(const char *rel)
{
    size_t len;
    char *text = h_read_vector(rel, &len), *out = NULL;
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    long k;
    if (text && okta_cc_json_parse(text, len, tok, 64, NULL, &doc, NULL) == OKTA_CC_OK &&
        (k = okta_cc_json_find(&doc, 0, "jwk")) >= 0 && (out = (char *)malloc(len + 1)) != NULL) {
        memcpy(out, text + tok[k].start, tok[k].end - tok[k].start);
        out[tok[k].end - tok[k].start] = '\0';
    }
    free(text);
    return out;
}

/* Everything a client does, from client_new with each key form through a token fetch that
   fails with a long error body, a good token, an API call with a long Okta error body, to
   client_free, allocates through cfg.alloc only (never OKTA_CC_MALLOC/FREE), and frees all. */
static void client_path_with_counting_alloc(const char *private_key, int use_curl)
{
    static char long_text[2000];
    char oauth_body[2300], okta_body[2300], token[64];
    okta_cc_config cfg;
    script s;
    test_clock clk = {1764331200};
    okta_cc_error err;
    okta_cc_response r;
    okta_cc_client *c;
    counting_alloc ca = {0, 0};
    unsigned long m0 = macro_mallocs, f0 = macro_frees;
    memset(long_text, 'x', sizeof long_text - 1);
    snprintf(oauth_body, sizeof oauth_body, "{\"error\":\"invalid_client\",\"error_description\":\"%s\"}", long_text);
    snprintf(okta_body, sizeof okta_body, "{\"errorCode\":\"E0000006\",\"errorSummary\":\"%s\",\"errorId\":\"oae1\"}", long_text);
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.private_key = private_key;
    cfg.alloc.malloc_fn = counting_malloc;
    cfg.alloc.free_fn = counting_free;
    cfg.alloc.user = &ca;
    if (use_curl) cfg.transport.perform = NULL;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (c && !use_curl) {
        s.status = 401;
        s.body = oauth_body;
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
        CHECK(strlen(err.oauth_error_description) == sizeof err.oauth_error_description - 1);
        s.status = 200;
        s.body = ok_body;
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        s.status = 403;
        s.body = okta_body;
        CHECK(okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
        CHECK(strlen(err.okta_error_summary) == sizeof err.okta_error_summary - 1);
        okta_cc_response_free(&r);
    }
    okta_cc_client_free(c);
    CHECK_EQ_INT(macro_mallocs - m0, 0);
    CHECK_EQ_INT(macro_frees - f0, 0);
    CHECK(ca.mallocs > 0);
    CHECK_EQ_INT(ca.mallocs, ca.frees);
}

static void test_client_allocates_only_through_cfg_alloc(void)
{
    size_t len;
    char path[1024];
    char *pem = h_read_vector("jose/rfc7515-a2-rsa-pkcs1.pem", &len), *jwk = vector_jwk_text("jose/generated-ec-p256.jwk.json");
    okta_cc_key key;
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000};
    okta_cc_error err;
    okta_cc_client *c = NULL;
    counting_alloc ca = {0, 0};
    unsigned long m0, f0;
    snprintf(path, sizeof path, "%s/jose/rfc7515-a2-rsa-pkcs8.pem", h_vectors_dir());
    CHECK(pem && jwk);
    if (!pem || !jwk) { free(pem); free(jwk); return; }
    client_path_with_counting_alloc(path, 0);          /* a key file */
    client_path_with_counting_alloc(pem, 0);           /* PEM text */
    client_path_with_counting_alloc(jwk, 0);           /* JWK text */
    client_path_with_counting_alloc(path, 1);          /* the libcurl transport */
    /* standalone key loading takes no allocator: it uses the macros, as documented */
    m0 = macro_mallocs, f0 = macro_frees;
    CHECK(okta_cc_key_load_file(&key, path, NULL, &err) == OKTA_CC_OK);
    CHECK(macro_mallocs > m0);
    CHECK_EQ_INT(macro_mallocs - m0, macro_frees - f0);
    okta_cc_key_wipe(&key);
    /* half an allocator would free one allocator's memory with the other: refused */
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.alloc.malloc_fn = counting_malloc;
    cfg.alloc.user = &ca;
    CHECK_EQ_INT(okta_cc_client_new(&c, &cfg, &err), OKTA_CC_ERR_CONFIG);
    CHECK(c == NULL && ca.mallocs == 0);
    okta_cc_client_free(c);
    free(pem);
    free(jwk);
}

/* Reading a key file costs about the key's size, not the 1 MiB the file may reach: on a device
   a client of a 2 KB key must not ask for a megabyte at start (it did before 0.6.0). */
static size_t biggest_block;
static void *biggest_malloc(void *user, size_t n)
{
    (void)user;
    if (n > biggest_block) biggest_block = n;
    return malloc(n);
}
static void plain_free(void *user, void *p) { (void)user; free(p); }

static void test_key_file_read_in_proportion(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000};
    okta_cc_error err;
    okta_cc_client *c;
    char path[1024];
    snprintf(path, sizeof path, "%s/jose/rfc7515-a2-rsa-pkcs8.pem", h_vectors_dir());
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.private_key = path;
    cfg.alloc.malloc_fn = biggest_malloc;
    cfg.alloc.free_fn = plain_free;
    biggest_block = 0;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    okta_cc_client_free(c);
    CHECK(biggest_block > 0 && biggest_block <= 16384);
}

static void test_config_from_env_precedence(void)
{
    okta_cc_config cfg;
    setenv("OKTA_CLIENT_ORGURL", "https://env.okta.com", 1);
    setenv("OKTA_CLIENT_CLIENTID", "0oa_env", 1);
    setenv("OKTA_CLIENT_PRIVATEKEY", "/env/key.pem", 1);
    unsetenv("OKTA_CLIENT_PRIVATEKEYID");
    setenv("OKTA_CLIENT_KID", "kid-from-KID", 1);
    setenv("OKTA_CLIENT_SCOPES", "okta.users.read,okta.apps.read", 1);
    setenv("OKTA_CLIENT_AUTHSERVERID", "aus_env", 1);
    setenv("OKTA_CC_CA_FILE", "/env/ca.pem", 1);
    okta_cc_config_init(&cfg);
    cfg.client_id = "0oa_explicit";
    okta_cc_config_from_env(&cfg);
    CHECK_EQ_STR(cfg.org_url, "https://env.okta.com");
    CHECK_EQ_STR(cfg.client_id, "0oa_explicit");            /* explicit wins */
    CHECK_EQ_STR(cfg.private_key, "/env/key.pem");
    CHECK_EQ_STR(cfg.key_id, "kid-from-KID");
    CHECK_EQ_STR(cfg.scopes, "okta.users.read,okta.apps.read");
    CHECK_EQ_STR(cfg.auth_server_id, "aus_env");
    CHECK_EQ_STR(cfg.http.ca_file, "/env/ca.pem");
    setenv("OKTA_CLIENT_PRIVATEKEYID", "kid-from-PRIVATEKEYID", 1);
    okta_cc_config_init(&cfg);
    okta_cc_config_from_env(&cfg);
    CHECK_EQ_STR(cfg.key_id, "kid-from-PRIVATEKEYID");      /* the SDK name first */
    setenv("OKTA_CLIENT_ORGURL", "", 1);                     /* empty counts as unset */
    okta_cc_config_init(&cfg);
    okta_cc_config_from_env(&cfg);
    CHECK(cfg.org_url == NULL);
    unsetenv("OKTA_CLIENT_ORGURL"); unsetenv("OKTA_CLIENT_CLIENTID"); unsetenv("OKTA_CLIENT_PRIVATEKEY");
    unsetenv("OKTA_CLIENT_PRIVATEKEYID"); unsetenv("OKTA_CLIENT_KID"); unsetenv("OKTA_CLIENT_SCOPES");
    unsetenv("OKTA_CLIENT_AUTHSERVERID"); unsetenv("OKTA_CC_CA_FILE");
}

/* The request: form body, headers, assertion claims; and the token comes back. */
static void test_token_request_shape(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1700000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    char token[64], claims[2048], value[64];
    const char *a;
    size_t n;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.scopes = "okta.users.read, okta.apps.read";
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, &n, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(token, "tok-abc.def");
    CHECK(n == 11);
    CHECK_EQ_STR(info.token_type, "Bearer");
    CHECK(info.expires_in == 3600 && info.expires_at == 1700000000 + 3600);
    CHECK_EQ_STR(info.scope, "okta.users.read");
    CHECK_EQ_STR(s.last_method, "POST");
    CHECK_EQ_STR(s.last_url, "https://dev-123.okta.com/oauth2/v1/token");
    CHECK(strncmp(s.last_body, "grant_type=client_credentials&scope=okta.users.read+okta.apps.read&"
                               "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&"
                               "client_assertion=", 170) == 0);
    CHECK(strstr(s.last_body, "client_secret") == NULL && strstr(s.last_body, "client_id=") == NULL);
    CHECK_EQ_STR(s.last_headers[0], "Content-Type: application/x-www-form-urlencoded");
    CHECK_EQ_STR(s.last_headers[1], "Accept: application/json");
    CHECK(s.last_header_count == 2);                          /* no Authorization header */
    a = form_value(s.last_body, "client_assertion", &n);
    CHECK(a && jwt_claims(a, n, claims, sizeof claims));
    claim_str(claims, "iss", value, sizeof value);
    CHECK_EQ_STR(value, "0oa_unit");
    claim_str(claims, "sub", value, sizeof value);
    CHECK_EQ_STR(value, "0oa_unit");
    claim_str(claims, "aud", value, sizeof value);
    CHECK_EQ_STR(value, "https://dev-123.okta.com/oauth2/v1/token");
    CHECK(claim_int(claims, "iat") == 1700000000 && claim_int(claims, "exp") == 1700000300);
    {
        char header[256];
        size_t hl;
        okta_cc_b64url_decode(a, strcspn(a, "."), header, sizeof header - 1, &hl, NULL);
        header[hl] = '\0';
        CHECK_EQ_STR(header, "{\"alg\":\"RS256\",\"kid\":\"kid-unit\",\"typ\":\"JWT\"}");
    }
    log_assertion("0oa_unit", "https://dev-123.okta.com/oauth2/v1/token", 300, a, n);
    okta_cc_client_free(c);
}

static void test_client_secret_methods(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000};
    okta_cc_error err;
    okta_cc_client *c;
    char token[64];
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.private_key = NULL;
    cfg.auth_server_id = "default";
    cfg.client_id = "0oa(id)";
    cfg.client_secret = "p@ss:w+rd x";
    cfg.auth_method = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    /* base64("0oa%28id%29:p%40ss%3Aw%2Brd%20x"): RFC 6749 2.3.1 form encoding, space as %20 */
    CHECK_EQ_STR(s.last_headers[2], "Authorization: Basic MG9hJTI4aWQlMjk6cCU0MHNzJTNBdyUyQnJkJTIweA==");
    CHECK(strstr(s.last_body, "client_assertion") == NULL && strstr(s.last_body, "client_secret") == NULL);
    okta_cc_client_free(c);
    cfg.auth_method = OKTA_CC_AUTH_CLIENT_SECRET_POST;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK(strstr(s.last_body, "&client_id=0oa%28id%29&client_secret=p%40ss%3Aw%2Brd+x") != NULL);
    CHECK(s.last_header_count == 2);
    okta_cc_client_free(c);
}

/* A 200 with a missing or malformed field is an error, never an empty token. */
static void test_token_response_validation(void)
{
    static const char *bad[] = {
        "", "not json", "[]", "{\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":\"\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":5,\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":\"t\",\"expires_in\":3600}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":\"3600\"}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":-5}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":1.5}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":99999999999999999999}",
        "{\"access_token\":\"a\\u0000b\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":\"a b\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":7}",
        "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":3600",
        "{\"access_token\":\"t\",\"token_type\":\"DPoP\",\"expires_in\":3600}",
        "{\"access_token\":\"t\",\"token_type\":\"Beaver\",\"expires_in\":3600}",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        okta_cc_config cfg;
        script s;
        test_clock clk = {1000};
        okta_cc_error err;
        okta_cc_client *c;
        char token[64] = "untouched";
        script_init(&s);
        s.body = bad[i];
        scripted_config(&cfg, &s, &clk);
        c = new_client(&cfg, OKTA_CC_OK, &err);
        if (!c) continue;
        if (okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) != OKTA_CC_ERR_BAD_RESPONSE) {
            fprintf(stderr, "  accepted token response: %s\n", bad[i]);
            h_current_failed = 1;
        }
        CHECK_EQ_STR(token, "untouched");
        if (!err.message[0]) fprintf(stderr, "  no message for: %s\n", bad[i]);
        CHECK(err.message[0] != '\0');
        okta_cc_client_free(c);
    }
}

static void test_error_bodies(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000};
    okta_cc_error err;
    okta_cc_client *c;
    char token[64];
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    s.status = 401;
    s.headers = "X-Okta-Request-Id: req-123\n";
    s.body = "{\"error\":\"invalid_client\",\"error_description\":\"The client_assertion token is expired.\"}";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK(err.http_status == 401);
    CHECK_EQ_STR(err.oauth_error, "invalid_client");
    CHECK_EQ_STR(err.oauth_error_description, "The client_assertion token is expired.");
    CHECK_EQ_STR(err.okta_request_id, "req-123");
    CHECK(strstr(err.message, "invalid_client") && strstr(err.message, "is expired"));
    s.status = 403;
    s.body = "{\"errorCode\":\"E0000006\",\"errorSummary\":\"You do not have permission\",\"errorLink\":\"E0000006\","
             "\"errorId\":\"oaeXYZ\",\"errorCauses\":[{\"errorSummary\":\"cause one\"},{\"errorSummary\":\"cause two\"}]}";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.okta_error_code, "E0000006");
    CHECK_EQ_STR(err.okta_error_summary, "You do not have permission; cause one; cause two");
    CHECK_EQ_STR(err.okta_error_id, "oaeXYZ");
    s.status = 502;
    s.headers = NULL;
    s.body = "<html>bad gateway</html>";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_HTTP);
    CHECK(err.http_status == 502 && strstr(err.message, "502"));
    s.fail = OKTA_CC_ERR_NETWORK;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_NETWORK);
    okta_cc_client_free(c);
}

/* Every OKTA_* variable at 1 MiB, one at a time, set in-process (execve refuses a single
   environment string over 128 KiB, MAX_ARG_STRLEN, so tests/cli/cli_io.sh can hand the CLI at most
   that): okta_cc_config_from_env and the client take it without a crash, and any refusal is one
   line (client_new, or the token fetch on the scripted transport). */
static void test_env_values_of_one_mebibyte(void)
{
    static const char *const vars[] = {
        "OKTA_CLIENT_ORGURL", "OKTA_CLIENT_CLIENTID", "OKTA_CLIENT_PRIVATEKEY", "OKTA_CLIENT_PRIVATEKEYID",
        "OKTA_CLIENT_KID", "OKTA_CLIENT_SCOPES", "OKTA_CLIENT_AUTHSERVERID", "OKTA_CLIENT_CLIENTSECRET",
        "OKTA_CLIENT_DPOPKEY", "OKTA_CC_CA_FILE", "OKTA_CLIENT_DPOPENABLED"};
    size_t big_len = (size_t)1 << 20, i, k;
    char *big = (char *)malloc(big_len + 1);
    script s;
    test_clock clk = {1000};
    CHECK(big != NULL);
    if (!big) return;
    memset(big, 'a', big_len);
    big[big_len] = '\0';
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        okta_cc_config cfg;
        okta_cc_client *c = NULL;
        okta_cc_error err;
        okta_cc_result r;
        char token[4096];
        for (k = 0; k < sizeof vars / sizeof vars[0]; k++) unsetenv(vars[k]);
        CHECK(setenv(vars[i], big, 1) == 0);
        script_init(&s);
        scripted_config(&cfg, &s, &clk);
        /* the variable under test is the only source of its setting */
        if (strcmp(vars[i], "OKTA_CLIENT_ORGURL") == 0) cfg.org_url = NULL;
        if (strcmp(vars[i], "OKTA_CLIENT_CLIENTID") == 0) cfg.client_id = NULL;
        if (strcmp(vars[i], "OKTA_CLIENT_PRIVATEKEY") == 0) cfg.private_key = NULL;
        if (strstr(vars[i], "KID") || strstr(vars[i], "PRIVATEKEYID")) cfg.key_id = NULL;
        if (strcmp(vars[i], "OKTA_CLIENT_SCOPES") == 0) cfg.scopes = NULL;
        okta_cc_config_from_env(&cfg);
        memset(&err, 0, sizeof err);
        r = okta_cc_client_new(&c, &cfg, &err);
        if (r == OKTA_CC_OK) r = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
        if (r != OKTA_CC_OK) {
            CHECK(err.code == r && err.message[0] && memchr(err.message, '\0', sizeof err.message));
            CHECK(strpbrk(err.message, "\r\n") == NULL);
        }
        if (h_verbose) printf("  %s of 1 MiB: %s%s%s\n", vars[i], okta_cc_result_str(r), r ? ": " : "", r ? err.message : "");
        okta_cc_client_free(c);
        unsetenv(vars[i]);
    }
    free(big);
}

/* A CA file that is not a regular file is refused when the transport is made: a FIFO would
   block libcurl's read of it, and every request with it (it did: okta-cc token with
   OKTA_CC_CA_FILE naming a FIFO hung). A missing file is still libcurl's to report. */
static void test_ca_file_must_be_regular(void)
{
    char dir[] = "/tmp/okta-cc-ca-XXXXXX", fifo[64], missing[64];
    static const char *const refused[] = {NULL, NULL, "/dev/null"};
    okta_cc_config cfg;
    okta_cc_transport t;
    okta_cc_error err;
    size_t i;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/ca.fifo", dir);
    snprintf(missing, sizeof missing, "%s/missing.pem", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    for (i = 0; i < 3; i++) {
        okta_cc_config_init(&cfg);
        cfg.http.ca_file = i == 0 ? fifo : i == 1 ? dir : refused[i];
        memset(&t, 0, sizeof t);
        CHECK(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) == OKTA_CC_ERR_CONFIG);
        CHECK(strstr(err.message, "the CA file") != NULL && strstr(err.message, "not a PEM file") != NULL);
        CHECK(t.perform == NULL);
        okta_cc_curl_transport_free(&t);
    }
    okta_cc_config_init(&cfg);
    cfg.http.ca_file = missing;
    CHECK(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) == OKTA_CC_OK);
    okta_cc_curl_transport_free(&t);
    unlink(fifo);
    rmdir(dir);
}

/* okta_cc_config_init writes the named defaults. A config zeroed instead (as older versions
   asked) gives a client that behaves the same: 0 reads as the default. Negative times are
   mistakes, refused by the client and the libcurl transport alike. */
static void test_config_defaults(void)
{
    static const char *const what[] = {"connect_timeout_ms", "timeout_ms", "retry_deadline_ms", "assertion_ttl"};
    okta_cc_config cfg;
    okta_cc_transport t;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    char token[64], claims[2048], *big;
    const char *a;
    size_t n, i;
    okta_cc_config_init(&cfg);
    CHECK_EQ_INT(cfg.assertion_ttl, OKTA_CC_DEFAULT_ASSERTION_TTL);
    CHECK_EQ_INT(cfg.token_skew, OKTA_CC_DEFAULT_TOKEN_SKEW);
    CHECK_EQ_INT(cfg.http.connect_timeout_ms, OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS);
    CHECK_EQ_INT(cfg.http.timeout_ms, OKTA_CC_DEFAULT_TIMEOUT_MS);
    CHECK_EQ_INT(cfg.max_response_bytes, OKTA_CC_DEFAULT_MAX_RESPONSE_BYTES);
    CHECK_EQ_INT(cfg.max_retries, OKTA_CC_DEFAULT_MAX_RETRIES);
    CHECK_EQ_INT(cfg.retry_deadline_ms, OKTA_CC_DEFAULT_RETRY_DEADLINE_MS);
    CHECK_EQ_INT(cfg.http.max_parallel_requests, OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS);
    CHECK_EQ_INT(cfg.token_refresh_ahead, OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD);
    CHECK(!cfg.org_url && !cfg.transport.perform && !cfg.alloc.malloc_fn && cfg.auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT);
    /* the values the documentation gave before they had names */
    CHECK(OKTA_CC_DEFAULT_ASSERTION_TTL == 300 && OKTA_CC_MAX_ASSERTION_TTL == 3600 && OKTA_CC_DEFAULT_TOKEN_SKEW == 60);
    CHECK(OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS == 10000 && OKTA_CC_DEFAULT_TIMEOUT_MS == 30000);
    CHECK(OKTA_CC_DEFAULT_MAX_RESPONSE_BYTES == 1048576 && OKTA_CC_DEFAULT_MAX_RETRIES == 2);
    CHECK(OKTA_CC_DEFAULT_RETRY_DEADLINE_MS == 60000);
    CHECK(OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS == 8 && OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD == 240);
    /* zeros: a 300 s assertion, the next token fetched from 60 + 240 s before expiry, a 1 MiB
       body cap */
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.assertion_ttl = cfg.token_skew = cfg.max_retries = cfg.token_refresh_ahead = 0;
    cfg.http.max_parallel_requests = 0;
    cfg.http.connect_timeout_ms = cfg.http.timeout_ms = cfg.retry_deadline_ms = 0;
    cfg.max_response_bytes = 0;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    a = form_value(s.last_body, "client_assertion", &n);
    CHECK(a && jwt_claims(a, n, claims, sizeof claims));
    CHECK_EQ_INT(claim_int(claims, "exp") - claim_int(claims, "iat"), 300);
    clk.now += 3600 - 60 - 240 - 1;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    clk.now += 1;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    big = (char *)malloc(((size_t)1 << 20) + 2);
    if (big) {
        memset(big, 'x', ((size_t)1 << 20) + 1);
        big[((size_t)1 << 20) + 1] = '\0';
        s.body = big;
        okta_cc_client_invalidate_token(c);
        CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_RESPONSE_TOO_LARGE);
        s.body = ok_body;
        free(big);
    }
    okta_cc_client_free(c);
    /* negative times (and lifetimes) are refused, by the client and the libcurl transport */
    for (i = 0; i < sizeof what / sizeof *what; i++) {
        scripted_config(&cfg, &s, &clk);
        if (i == 0) cfg.http.connect_timeout_ms = -1;
        if (i == 1) cfg.http.timeout_ms = -1;
        if (i == 2) cfg.retry_deadline_ms = -1;
        if (i == 3) cfg.assertion_ttl = -1;
        new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
        if (i < 3) CHECK(strstr(err.message, what[i]) && strstr(err.message, "negative"));
        cfg.transport.perform = NULL;
        memset(&t, 0, sizeof t);
        /* the transport sees its own settings only: the client's times are not among them */
        CHECK_EQ_INT(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err),
                     i < 2 ? OKTA_CC_ERR_CONFIG : OKTA_CC_OK);
        CHECK((t.perform == NULL) == (i < 2));
        okta_cc_curl_transport_free(&t);
    }
    /* a pool of no handles, a negative one, or more than the cap, likewise */
    for (i = 0; i < 3; i++) {
        scripted_config(&cfg, &s, &clk);
        cfg.http.max_parallel_requests = i == 0 ? -1 : i == 1 ? OKTA_CC_MAX_PARALLEL_REQUESTS + 1 : INT_MIN;
        new_client(&cfg, OKTA_CC_ERR_CONFIG, &err);
        CHECK(strstr(err.message, "max_parallel_requests must be 1..256") != NULL);
        cfg.transport.perform = NULL;
        CHECK_EQ_INT(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err), OKTA_CC_ERR_CONFIG);
        okta_cc_curl_transport_free(&t);
    }
    /* and a zeroed config is a complete one for the transport too, which is concurrent */
    memset(&cfg, 0, sizeof cfg);
    CHECK_EQ_INT(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err), OKTA_CC_OK);
    CHECK_EQ_INT(t.concurrent, 1);
    okta_cc_curl_transport_free(&t);
    CHECK(t.concurrent == 0 && t.perform == NULL);
    cfg.http.max_parallel_requests = OKTA_CC_MAX_PARALLEL_REQUESTS;
    CHECK_EQ_INT(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err), OKTA_CC_OK);
    okta_cc_curl_transport_free(&t);
}

/* The token endpoint's errors and the API's are written by one function, in one shape:
   "METHOD URL: HTTP status[ CODE: TEXT]", secret query values redacted. */
static void test_http_errors_share_one_shape(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_response r;
    char token[64];
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    s.status = 401;
    s.body = "{\"error\":\"invalid_client\",\"error_description\":\"The client_assertion token is expired.\"}";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_STR(err.message, "POST https://dev-123.okta.com/oauth2/v1/token: HTTP 401 invalid_client: "
                              "The client_assertion token is expired.");
    s.status = 403;
    s.body = "{\"errorCode\":\"E0000006\",\"errorSummary\":\"You do not have permission\"}";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.message, "POST https://dev-123.okta.com/oauth2/v1/token: HTTP 403 E0000006: You do not have permission");
    s.status = 502;
    s.body = "<html>bad gateway</html>";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.message, "POST https://dev-123.okta.com/oauth2/v1/token: HTTP 502");
    s.status = 200;                             /* a token, then the API answers */
    s.body = ok_body;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    s.status = 403;
    s.body = "{\"errorCode\":\"E0000006\",\"errorSummary\":\"You do not have permission\"}";
    CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1&sessionToken=SECRET", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.message, "GET https://dev-123.okta.com/api/v1/users?limit=1&sessionToken=***: HTTP 403 E0000006: "
                              "You do not have permission");
    okta_cc_response_free(&r);
    s.status = 500;
    s.body = "<html>oops</html>";
    CHECK(okta_cc_request(c, "DELETE", "/api/v1/users/00u1", NULL, 0, NULL, &r, &err) == OKTA_CC_ERR_HTTP);
    CHECK_EQ_STR(err.message, "DELETE https://dev-123.okta.com/api/v1/users/00u1: HTTP 500");
    CHECK(err.http_status == 500 && r.http.status == 500);
    okta_cc_response_free(&r);
    okta_cc_client_free(c);
}

/* Cache: no request within the lifetime, a new one from expires_in - skew on (no refresh
   ahead: see test_refresh_ahead_*). */
static void test_cache_and_expiry_with_injected_clock(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    char token[64];
    size_t need = 0;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.token_refresh_ahead = -1;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    clk.now += 3600 - 60 - 1;                     /* one second before expiry - skew */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    clk.now += 1;                                 /* skew reached */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 2);
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 3);
    CHECK(okta_cc_client_get_token(c, token, 5, &need, NULL, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 12);
    CHECK_EQ_INT(s.calls, 3);
    /* a failed fetch keeps no token and the next call tries again */
    okta_cc_client_invalidate_token(c);
    s.status = 500;
    s.body = "{}";
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_HTTP);
    s.status = 200;
    s.body = ok_body;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 5);
    okta_cc_client_free(c);
    /* a configured skew */
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.token_skew = 600;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    clk.now += 3000;
    okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    CHECK_EQ_INT(s.calls, 2);
    okta_cc_client_free(c);
}

/* token_type is case-insensitive (RFC 6749 section 7.1): "BearEr" is a Bearer token, and info
   says "Bearer" (found by tests/fuzz/fuzz_flow.c: info kept the server's spelling). */
static void test_token_type_any_case(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    char token[64];
    script_init(&s);
    s.body = "{\"token_type\":\"BearEr\",\"expires_in\":3600,\"access_token\":\"t\",\"scope\":\"okta.users.read\"}";
    scripted_config(&cfg, &s, &clk);
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "Bearer");
    okta_cc_client_free(c);
}

/* Log lines, kept for the tests to read. */
typedef struct log_lines {
    pthread_mutex_t lock;
    int count;
    char last[1024];
} log_lines;

static void log_keep(void *user, const char *line)
{
    log_lines *l = (log_lines *)user;
    pthread_mutex_lock(&l->lock);
    l->count++;
    snprintf(l->last, sizeof l->last, "%s", line);
    pthread_mutex_unlock(&l->lock);
}

/* The log line of a failed exchange holds the result's whole text, even behind the longest
   URL the label keeps: it was cut mid-word ("outcome[96]"). */
typedef struct log_long {
    int count;
    char last[4096];
} log_long;

static void log_keep_long(void *user, const char *line)
{
    log_long *l = (log_long *)user;
    l->count++;
    snprintf(l->last, sizeof l->last, "%s", line);
}

static void test_log_line_keeps_result_text(void)
{
    static char long_server[700];
    const char *servers[2];
    size_t i;
    memset(long_server, 'a', sizeof long_server - 1);
    servers[0] = NULL;
    servers[1] = long_server;
    for (i = 0; i < 2; i++) {
        okta_cc_config cfg;
        script s;
        test_clock clk = {1000};
        okta_cc_error err;
        okta_cc_client *c;
        log_long log;
        char token[64];
        const char *want = okta_cc_result_str(OKTA_CC_ERR_CONNECT);
        memset(&log, 0, sizeof log);
        script_init(&s);
        scripted_config(&cfg, &s, &clk);
        cfg.auth_server_id = servers[i];
        cfg.max_retries = -1;
        cfg.log = log_keep_long;
        cfg.log_user = &log;
        s.fail = OKTA_CC_ERR_CONNECT;
        c = new_client(&cfg, OKTA_CC_OK, &err);
        if (!c) return;
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_CONNECT);
        CHECK(log.count >= 1);
        if (!strstr(log.last, want)) fprintf(stderr, "  log line: %s\n", log.last);
        CHECK(strstr(log.last, want) != NULL);
        CHECK(strstr(log.last, " ms, retry ") != NULL && log.last[strlen(log.last) - 1] == ')');
        okta_cc_client_free(c);
    }
}

/* Refresh ahead (default 240 s before the renewal point, itself token_skew = 60 s before
   expiry): the first call inside the window fetches the next token and gets it; a failed
   fetch there is no failure of the call (the current token is still good), is logged, and is
   tried again 5 s later, not by every call meanwhile. */
static void test_refresh_ahead_window(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    log_lines log;
    char token[64];
    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.lock, NULL);
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.log = log_keep;
    cfg.log_user = &log;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 1 && info.generation == 1);
    clk.now += 3600 - 60 - 240 - 1;               /* one second before the window */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 1 && info.generation == 1);
    clk.now += 1;                                 /* inside: this call fetches and gets the new one */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 2 && info.generation == 2 && info.expires_at == clk.now + 3600);
    /* the next window, with the token endpoint failing */
    clk.now += 3600 - 60 - 240;
    s.status = 503;
    s.body = "{\"error\":\"temporarily_unavailable\"}";
    log.count = 0;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 3 && info.generation == 2);
    CHECK_EQ_STR(token, "tok-abc.def");
    CHECK(strstr(log.last, "token refresh ahead of expiry failed, the current token stays in use: ") != NULL);
    CHECK(strstr(log.last, "HTTP 503") != NULL);
    clk.now += 4;                                 /* within the pause: no new try */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 3 && info.generation == 2);
    clk.now += 1;                                 /* after it: one more try, which succeeds */
    s.status = 200;
    s.body = ok_body;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 4 && info.generation == 3);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 3);
    okta_cc_client_free(c);
    /* a short-lived token: the window is capped at a quarter of its lifetime, like the skew */
    script_init(&s);
    s.body = "{\"token_type\":\"Bearer\",\"expires_in\":40,\"access_token\":\"short\",\"scope\":\"okta.users.read\"}";
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    clk.now += 19;                                /* renewal at 30 s, window from 20 s */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    clk.now += 1;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 2 && info.generation == 2);
    okta_cc_client_free(c);
    pthread_mutex_destroy(&log.lock);
}

/* okta_cc_client_refresh_token: an application's own timer fetches the next token before any
   caller would, with a window of its choosing; nothing when nothing is due; its failure is
   returned, and the cached token stays in use. */
static void test_refresh_token_from_a_timer(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    char token[64];
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_refresh_token(NULL, 0, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_client_refresh_token(c, -1, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_client_refresh_token(c, 600, &err) == OKTA_CC_OK);     /* none yet: fetched */
    CHECK_EQ_INT(s.calls, 1);
    CHECK(okta_cc_client_refresh_token(c, 600, &err) == OKTA_CC_OK);     /* fresh: nothing */
    CHECK(okta_cc_client_refresh_token(c, 0, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    clk.now += 3600 - 60 - 600;                 /* renewal in 600 s: due for the timer's window */
    CHECK(okta_cc_client_refresh_token(c, 0, &err) == OKTA_CC_OK);       /* not for the client's */
    CHECK_EQ_INT(s.calls, 1);
    CHECK(okta_cc_client_refresh_token(c, 600, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(info.generation == 2 && s.calls == 2);
    /* a failure is the caller's to see; the cached token is still handed out */
    clk.now += 3600 - 60 - 300;
    s.status = 503;
    s.body = "{\"error\":\"temporarily_unavailable\"}";
    CHECK(okta_cc_client_refresh_token(c, 600, &err) == OKTA_CC_ERR_OAUTH);
    CHECK(strstr(err.message, "HTTP 503") != NULL);
    CHECK(s.calls == 3);
    s.status = 200;
    s.body = ok_body;
    /* 300 s before renewal: outside the client's own window (240 s), so no new try here */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(info.generation == 2 && s.calls == 3);
    okta_cc_client_free(c);
}

/* A transport that holds one chosen call until the test lets it go. */
typedef struct gate {
    script s;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int hold_call;                  /* the call (1-based) to hold */
    int calls, held, released;
} gate;

static okta_cc_result gate_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                   okta_cc_error *err)
{
    gate *g = (gate *)ctx;
    pthread_mutex_lock(&g->m);
    if (++g->calls == g->hold_call) {
        g->held = 1;
        pthread_cond_broadcast(&g->cv);
        while (!g->released) pthread_cond_wait(&g->cv, &g->m);
    }
    pthread_mutex_unlock(&g->m);
    return script_perform(&g->s, req, resp, err);
}

typedef struct ahead_caller {
    okta_cc_client *c;
    okta_cc_result r;
    unsigned long generation;
} ahead_caller;

static void *ahead_call(void *arg)
{
    ahead_caller *a = (ahead_caller *)arg;
    okta_cc_token_info info;
    char token[64];
    memset(&info, 0, sizeof info);
    a->r = okta_cc_client_get_token(a->c, token, sizeof token, NULL, &info, NULL);
    a->generation = info.generation;
    return NULL;
}

/* While one caller fetches the next token ahead of renewal, no other caller waits: 8 threads
   get the current token, one call each, and all of them return while the fetch is still held
   inside the transport. */
static void test_refresh_ahead_never_blocks(void)
{
    okta_cc_config cfg;
    gate g;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    ahead_caller fetcher, others[8];
    pthread_t fetch_thread, threads[8];
    int i, all_current = 1;
    memset(&g, 0, sizeof g);
    script_init(&g.s);
    pthread_mutex_init(&g.m, NULL);
    pthread_cond_init(&g.cv, NULL);
    g.hold_call = 2;
    scripted_config(&cfg, &g.s, &clk);
    cfg.transport.perform = gate_perform;
    cfg.transport.ctx = &g;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, NULL, 0, NULL, NULL, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    clk.now += 3600 - 60 - 100;                   /* inside the window, 100 s before renewal */
    fetcher.c = c;
    pthread_create(&fetch_thread, NULL, ahead_call, &fetcher);
    pthread_mutex_lock(&g.m);
    while (!g.held) pthread_cond_wait(&g.cv, &g.m);
    pthread_mutex_unlock(&g.m);
    for (i = 0; i < 8; i++) {
        others[i].c = c;
        pthread_create(&threads[i], NULL, ahead_call, &others[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);     /* would hang here if any of them waited */
        all_current &= others[i].r == OKTA_CC_OK && others[i].generation == 1;
    }
    pthread_mutex_lock(&g.m);
    CHECK(g.held && !g.released);           /* the fetch was still under way throughout */
    g.released = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.m);
    pthread_join(fetch_thread, NULL);
    CHECK(all_current);
    CHECK(fetcher.r == OKTA_CC_OK && fetcher.generation == 2);
    CHECK_EQ_INT(g.calls, 2);
    fetcher.generation = 0;
    ahead_call(&fetcher);
    CHECK(fetcher.r == OKTA_CC_OK && fetcher.generation == 2 && g.calls == 2);
    okta_cc_client_free(c);
    pthread_cond_destroy(&g.cv);
    pthread_mutex_destroy(&g.m);
}

/* Invalidating by generation drops only the token of that generation: a 401 for an old token
   must not throw away the one that replaced it. */
static void test_invalidate_token_generation(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    char token[64];
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    okta_cc_client_invalidate_token_generation(c, 0);               /* nothing cached: harmless */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(info.generation, 1);
    okta_cc_client_invalidate_token_generation(c, 2);               /* not the cached one: kept */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_INT(info.generation, 1);
    okta_cc_client_invalidate_token_generation(c, 1);               /* the cached one: dropped */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(info.generation, 2);
    okta_cc_client_invalidate_token_generation(c, 1);               /* a late 401 for token 1: kept */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    /* expiry and okta_cc_client_invalidate_token also lead to a new generation */
    clk.now += 3600;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(info.generation, 3);
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(info.generation, 4);
    CHECK_EQ_INT(s.calls, 4);
    okta_cc_client_free(c);
}

/* The server's Date header corrects the iat/exp of later assertions when off by more than 5 s. */
static void test_clock_offset_from_date_header(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1764331200};               /* Fri, 28 Nov 2025 12:00:00 GMT */
    okta_cc_error err;
    okta_cc_client *c;
    char token[64], claims[2048];
    const char *a;
    size_t n;
    script_init(&s);
    s.headers = "Date: Fri, 28 Nov 2025 13:00:30 GMT\n";
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_clock_offset(c) == 3630);
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    a = form_value(s.last_body, "client_assertion", &n);
    CHECK(a && jwt_claims(a, n, claims, sizeof claims));
    CHECK(claim_int(claims, "iat") == 1764331200 + 3630);
    CHECK(claim_int(claims, "exp") == 1764331200 + 3630 + 300);
    /* the cache itself runs on the local clock: expires_at = local now + expires_in */
    s.headers = "Date: Fri, 28 Nov 2025 12:00:03 GMT\n";      /* within 5 s: no correction */
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_clock_offset(c) == 0);
    s.headers = "Date: yesterday\n";                         /* unparseable: ignored */
    okta_cc_client_invalidate_token(c);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_clock_offset(c) == 0);
    okta_cc_client_free(c);
}

/* Date headers that are not exactly an IMF-fixdate. The old sscanf parser took most of them
   (a two-digit year gave an offset of -63 billion seconds). */
static const char *const malformed_dates[] = {
    "Fri, 28 Nov 25 13:00:30 GMT",              /* two-digit year */
    "Fri, 28 Nov 2025 -9:-9:-9 GMT",            /* signs */
    "Fri, 28 No 2025 13:00:30 GMT",             /* a month name cut short */
    "Fri, 28 ovN 2025 13:00:30 GMT",
    "Fri, 28 nov 2025 13:00:30 GMT",            /* names are case-sensitive */
    "Fri, 28 Nov 2025 13:00:30 GMT junk",       /* trailing junk */
    "Fri, 28 Nov 2025 13:00:30 GMTx",
    "Fri, 28 Nov 2025 13:00:30 UTC",
    "Xyz, 28 Nov 2025 13:00:30 GMT",            /* not a day name */
    "Fr, 28 Nov 2025 13:00:30 GMT",
    "Fri,  28 Nov 2025 13:00:30 GMT",           /* fixed widths */
    "Fri, 8 Nov 2025 13:00:30 GMT",
    "Fri, 28 Nov 2025 3:00:30 GMT",
    "Fri, 28 Nov 02025 13:00:30 GMT",
    "Fri, 28 Nov 2025 13:00:30  GMT",
    "Fri,28 Nov 2025 13:00:30 GMT",
    "Fri, +8 Nov 2025 13:00:30 GMT",
    "Fri, 28 Nov 2025 13:0a:30 GMT",
    "Fri, 28 Nov 2025 13-00-30 GMT",
    "Fri, 31 Nov 2025 13:00:30 GMT",            /* no such day */
    "Sat, 29 Feb 2025 13:00:30 GMT",            /* 2025 is no leap year */
    "Fri, 00 Nov 2025 13:00:30 GMT",
    "Fri, 28 Nov 2025 24:00:00 GMT",            /* out of range */
    "Fri, 28 Nov 2025 13:60:00 GMT",
    "Fri, 28 Nov 2025 13:00:61 GMT",
    "Friday, 28-Nov-25 13:00:30 GMT",           /* obsolete RFC 850 and asctime forms */
    "Fri Nov 28 13:00:30 2025",
    "",
};

/* Well formed, but outside [2020-01-01, 2100-01-01): no server says that. */
static const char *const absurd_dates[] = {
    "Tue, 31 Dec 2019 23:59:59 GMT", "Fri, 01 Jan 2100 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
};

static void test_http_date_parser(void)
{
    int64_t t = 0;
    size_t i;
    CHECK(okta_cc__parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t) && t == 784111777);
    CHECK(okta_cc__parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", 29, &t) && t == 0);
    CHECK(okta_cc__parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT", 29, &t) && t == 1835481599);
    CHECK(okta_cc__parse_http_date("Wed, 31 Dec 2025 23:59:60 GMT", 29, &t) && t == 1767225600);  /* leap second */
    CHECK(okta_cc__parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT", 29, &t) && t == 951782400);
    CHECK(!okta_cc__parse_http_date("Mon, 29 Feb 2100 00:00:00 GMT", 29, &t));                    /* no leap year */
    CHECK(!okta_cc__parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", 29, &t));
    CHECK(!okta_cc__parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t));
    CHECK(!okta_cc__parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 28, &t));                   /* cut short */
    for (i = 0; i < sizeof malformed_dates / sizeof *malformed_dates; i++) {
        if (okta_cc__parse_http_date(malformed_dates[i], strlen(malformed_dates[i]), &t))
            fprintf(stderr, "  parsed: %s\n", malformed_dates[i]);
        CHECK(!okta_cc__parse_http_date(malformed_dates[i], strlen(malformed_dates[i]), &t));
    }
}

/* A Date header teaches the clock offset only when it is an exact IMF-fixdate in
   [2020-01-01, 2100-01-01): every malformed or absurd one is ignored and the offset learnt
   before stays. A device whose clock says 1970 still learns the real date. */
static void test_clock_offset_ignores_malformed_dates(void)
{
    size_t nm = sizeof malformed_dates / sizeof *malformed_dates, i;
    for (i = 0; i < nm + sizeof absurd_dates / sizeof *absurd_dates; i++) {
        const char *date = i < nm ? malformed_dates[i] : absurd_dates[i - nm];
        okta_cc_config cfg;
        script s;
        test_clock clk = {1764331200};          /* Fri, 28 Nov 2025 12:00:00 GMT */
        okta_cc_error err;
        okta_cc_client *c;
        char token[64], hdr[128];
        script_init(&s);
        s.headers = "Date: Fri, 28 Nov 2025 13:00:30 GMT\n";
        scripted_config(&cfg, &s, &clk);
        c = new_client(&cfg, OKTA_CC_OK, &err);
        if (!c) return;
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        CHECK_EQ_INT(okta_cc_client_clock_offset(c), 3630);
        snprintf(hdr, sizeof hdr, "Date: %s\n", date);
        s.headers = hdr;
        okta_cc_client_invalidate_token(c);
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        if (okta_cc_client_clock_offset(c) != 3630)
            fprintf(stderr, "  learnt %lld from \"%s\"\n", (long long)okta_cc_client_clock_offset(c), date);
        CHECK_EQ_INT(okta_cc_client_clock_offset(c), 3630);
        okta_cc_client_free(c);
    }
}

/* The bounds of the accepted range, and a device that booted in 1970. */
static void test_clock_offset_bounds_and_1970_device(void)
{
    static const struct { int64_t local; const char *date; int64_t offset; } cases[] = {
        {1764331200, "Wed, 01 Jan 2020 00:00:00 GMT", 1577836800 - 1764331200},
        {1764331200, "Thu, 31 Dec 2099 23:59:59 GMT", 4102444799 - 1764331200},
        {0, "Fri, 28 Nov 2025 12:00:00 GMT", 1764331200},                 /* booted in 1970 */
        {86400 * 3 + 17, "Fri, 28 Nov 2025 12:00:00 GMT", 1764331200 - 86400 * 3 - 17},
        {4102444800 + 1000, "Fri, 28 Nov 2025 12:00:00 GMT", 1764331200 - 4102444800 - 1000},  /* a clock far ahead */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        okta_cc_config cfg;
        script s;
        test_clock clk;
        okta_cc_error err;
        okta_cc_client *c;
        char token[64], hdr[128], claims[2048];
        const char *a;
        size_t n;
        clk.now = cases[i].local;
        script_init(&s);
        snprintf(hdr, sizeof hdr, "Date: %s\n", cases[i].date);
        s.headers = hdr;
        scripted_config(&cfg, &s, &clk);
        c = new_client(&cfg, OKTA_CC_OK, &err);
        if (!c) return;
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        CHECK_EQ_INT(okta_cc_client_clock_offset(c), cases[i].offset);
        okta_cc_client_invalidate_token(c);
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        a = form_value(s.last_body, "client_assertion", &n);
        CHECK(a && jwt_claims(a, n, claims, sizeof claims));
        CHECK_EQ_INT(claim_int(claims, "iat"), cases[i].local + cases[i].offset);
        okta_cc_client_free(c);
    }
}

static void test_response_headers(void)
{
    okta_cc_http_response r;
    size_t n;
    const char *v;
    okta_cc_http_response_init(&r, NULL, 10);
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/1.1 302 Found\r\n", 20, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_http_response_header_line(&r, "Location: x\r\n", 13, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/2 200\r\n", 12, NULL) == OKTA_CC_OK);
    CHECK(r.status == 200);
    CHECK(okta_cc_http_response_header(&r, "Location", 0, &n) == NULL);   /* reset on status line */
    okta_cc_http_response_header_line(&r, "link: <a>; rel=\"self\"\r\n", 23, NULL);
    okta_cc_http_response_header_line(&r, "Link:   <b>; rel=\"next\"  \r\n", 27, NULL);
    okta_cc_http_response_header_line(&r, "X-Linked: no\r\n", 14, NULL);
    okta_cc_http_response_header_line(&r, "\r\n", 2, NULL);
    v = okta_cc_http_response_header(&r, "LINK", 1, &n);
    CHECK(v && n == 15 && strncmp(v, "<b>; rel=\"next\"", n) == 0);
    CHECK(okta_cc_http_response_header(&r, "link", 2, &n) == NULL);
    /* an absurd status line is refused, not read as 999 (and no overflow) */
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/1.1 99999999999999999999999999 X", 37, NULL) ==
          OKTA_CC_ERR_BAD_RESPONSE);
    CHECK(r.status == 0 && r.headers_len == 0);
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/2 200", 10, NULL) == OKTA_CC_OK);
    okta_cc_http_response_header_line(&r, "Link: <b>; rel=\"next\"", 22, NULL);
    CHECK(okta_cc_http_response_append_body(&r, "0123456789", 10, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_http_response_append_body(&r, "x", 1, NULL) == OKTA_CC_ERR_RESPONSE_TOO_LARGE &&
          r.body_too_large);
    CHECK(r.body_len == 10 && r.body[10] == '\0');
    okta_cc_http_response_free(&r);
}


static void test_single_flight_scripted(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {2000000};
    okta_cc_error err;
    okta_cc_client *c;
    int failures;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK_EQ_INT(run_single_flight(c, &clk, 3600, &failures), 4);
    CHECK_EQ_INT(s.calls, 4);
    CHECK_EQ_INT(failures, 0);
    okta_cc_client_free(c);
}

/* ---- DPoP at the token endpoint (scripted, a queue of answers) ----------------------------- */

typedef struct dpop_script {
    struct { long status; const char *headers, *body; okta_cc_result fail; } answers[8];
    int count, calls;
    char dpop[8][2048];             /* the DPoP header value of each request ("" none) */
    char assertion_jti[8][64];
    char retry_for[8][128], retry_count[8][32];     /* X-Okta-Retry-* of each request ("" none) */
} dpop_script;

static okta_cc_result dpop_script_perform(void *ctx, const okta_cc_http_request *req,
                                          okta_cc_http_response *resp, okta_cc_error *err)
{
    dpop_script *s = (dpop_script *)ctx;
    int i = s->calls++;
    size_t k, n;
    const char *a, *h;
    char line[64], claims[2048];
    (void)err;
    if (i >= 8 || i >= s->count) return OKTA_CC_ERR_NETWORK;
    s->dpop[i][0] = s->assertion_jti[i][0] = '\0';
    for (k = 0; k < req->header_count; k++)
        if (strncmp(req->headers[k], "DPoP: ", 6) == 0) snprintf(s->dpop[i], sizeof s->dpop[i], "%s", req->headers[k] + 6);
    request_header(req, "X-Okta-Retry-For", s->retry_for[i], sizeof s->retry_for[i]);
    request_header(req, "X-Okta-Retry-Count", s->retry_count[i], sizeof s->retry_count[i]);
    a = req->body ? form_value(req->body, "client_assertion", &n) : NULL;
    if (a && jwt_claims(a, n, claims, sizeof claims)) claim_str(claims, "jti", s->assertion_jti[i], 64);
    if (s->answers[i].fail != OKTA_CC_OK) return s->answers[i].fail;
    snprintf(line, sizeof line, "HTTP/1.1 %ld X", s->answers[i].status);
    okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
    for (h = s->answers[i].headers; h && *h;) {
        n = strcspn(h, "\n");
        okta_cc_http_response_header_line(resp, h, n, NULL);
        h += n + (h[n] == '\n');
    }
    return okta_cc_http_response_append_body(resp, s->answers[i].body, strlen(s->answers[i].body), NULL);
}

static void dpop_answer(dpop_script *s, long status, const char *headers, const char *body)
{
    s->answers[s->count].status = status;
    s->answers[s->count].headers = headers;
    s->answers[s->count].body = body;
    s->count++;
}

static const char *dpop_ok_body = "{\"token_type\":\"DPoP\",\"expires_in\":3600,\"access_token\":\"dpop-tok\",\"scope\":\"okta.users.read\"}";
static const char *nonce_body = "{\"error\":\"use_dpop_nonce\",\"error_description\":\"Authorization server requires nonce in DPoP proof.\"}";
static const char *missing_body = "{\"error\":\"invalid_dpop_proof\",\"error_description\":\"The DPoP proof JWT header is missing.\"}";

static okta_cc_client *dpop_client(dpop_script *s, test_clock *clk, okta_cc_dpop_mode mode)
{
    okta_cc_config cfg;
    okta_cc_error err;
    scripted_config(&cfg, NULL, clk);
    cfg.transport.perform = dpop_script_perform;
    cfg.transport.ctx = s;
    cfg.dpop = mode;
    return new_client(&cfg, OKTA_CC_OK, &err);
}

/* A claim of the proof sent with request i ("" when none was sent). */
static void proof_claim(const dpop_script *s, int i, const char *name, char *out, size_t cap)
{
    char claims[2048];
    out[0] = '\0';
    if (s->dpop[i][0] && jwt_claims(s->dpop[i], strlen(s->dpop[i]), claims, sizeof claims))
        claim_str(claims, name, out, cap);
}

static void test_dpop_token_nonce_round_trip(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    okta_cc_client *c;
    okta_cc_token_info info;
    okta_cc_error err;
    char token[64], v[2][256], jkt[64];
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-1", nonce_body);
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_ALWAYS);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK(s.dpop[0][0] && s.dpop[1][0]);
    proof_claim(&s, 0, "nonce", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "");
    proof_claim(&s, 1, "nonce", v[1], sizeof v[1]);
    CHECK_EQ_STR(v[1], "nonce-1");
    proof_claim(&s, 0, "jti", v[0], sizeof v[0]);
    proof_claim(&s, 1, "jti", v[1], sizeof v[1]);
    CHECK(v[0][0] && strcmp(v[0], v[1]) != 0);                       /* a new proof */
    CHECK(s.assertion_jti[0][0] && strcmp(s.assertion_jti[0], s.assertion_jti[1]) != 0);   /* a new assertion */
    proof_claim(&s, 1, "htm", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "POST");
    proof_claim(&s, 1, "htu", v[0], sizeof v[0]);
    CHECK_EQ_STR(v[0], "https://dev-123.okta.com/oauth2/v1/token");
    CHECK(okta_cc_client_dpop_jkt(c, jkt, sizeof jkt, NULL, &err) == OKTA_CC_OK && strlen(jkt) == 43);
    okta_cc_client_free(c);
    /* a second nonce demand is not followed again: one round trip at most */
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-1", nonce_body);
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-2", nonce_body);
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_ALWAYS);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_STR(err.oauth_error, "use_dpop_nonce");
    okta_cc_client_free(c);
    /* a DPoP request answered with a Bearer token is refused */
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 200, NULL, ok_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_ALWAYS);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_BAD_RESPONSE);
    CHECK(strstr(err.message, "expected DPoP") != NULL);
    okta_cc_client_free(c);
}

static void test_dpop_auto_switches_on_missing_header(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    okta_cc_client *c;
    okta_cc_token_info info;
    okta_cc_error err;
    char token[64], v[256];
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 400, NULL, missing_body);
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-a", nonce_body);
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_AUTO);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 3);
    CHECK_EQ_STR(s.dpop[0], "");
    CHECK(s.dpop[1][0] && s.dpop[2][0]);
    proof_claim(&s, 2, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "nonce-a");
    CHECK(strcmp(s.assertion_jti[0], s.assertion_jti[1]) != 0 && strcmp(s.assertion_jti[1], s.assertion_jti[2]) != 0);
    CHECK_EQ_STR(info.token_type, "DPoP");
    /* switched for good: the next token starts with a proof and the nonce it knows */
    okta_cc_client_invalidate_token(c);
    s.count = s.calls = 0;
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(s.calls, 1);
    proof_claim(&s, 0, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "nonce-a");
    okta_cc_client_free(c);
    /* another invalid_dpop_proof does not switch */
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 400, NULL, "{\"error\":\"invalid_dpop_proof\",\"error_description\":\"'htu' claim in the DPoP proof JWT is invalid.\"}");
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_AUTO);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_INT(s.calls, 1);
    CHECK(strstr(err.message, "'htu' claim") != NULL);
    okta_cc_client_free(c);
}

/* ---- retries at the token endpoint (scripted, injected clock and sleep) ------------------- */


static void dpop_fail(dpop_script *s, okta_cc_result r)
{
    s->answers[s->count].fail = r;
    s->count++;
}

/* A client on the dpop_script with the test clock and a sleeper (max_retries 0: the default). */
static okta_cc_client *retry_client(dpop_script *s, sleeper *z, okta_cc_dpop_mode mode, int max_retries)
{
    okta_cc_config cfg;
    okta_cc_error err;
    scripted_config(&cfg, NULL, z->clk);
    cfg.transport.perform = dpop_script_perform;
    cfg.transport.ctx = s;
    cfg.dpop = mode;
    cfg.sleep = sleeper_sleep;
    cfg.sleep_user = z;
    cfg.max_retries = max_retries;
    return new_client(&cfg, OKTA_CC_OK, &err);
}


#define RL_DATE "Date: Fri, 28 Nov 2025 12:00:00 GMT\n"       /* 1764331200, the test clock */
static const char *e47_body = "{\"errorCode\":\"E0000047\",\"errorSummary\":\"API call exceeded rate limit due to too many requests.\",\"errorLink\":\"E0000047\",\"errorId\":\"oaeRL\",\"errorCauses\":[]}";
static const char *e10_body = "{\"errorCode\":\"E0000010\",\"errorSummary\":\"Service is temporarily unavailable. Please try again later.\"}";

/* 429, 503 and 504 from the token endpoint are waited out like API calls' (Reset against the
   Date, + 1 s, jitter; backoff), each retry with a new assertion and a new DPoP proof and the
   X-Okta-Retry-For / -Count headers. */
static void test_token_429_503_504_retried(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    sleeper z;
    okta_cc_client *c;
    okta_cc_token_info info;
    okta_cc_error err;
    char token[64], jti[4][64];
    int i;
    memset(&s, 0, sizeof s);
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Limit: 600\nX-Rate-Limit-Remaining: 0\nX-Rate-Limit-Reset: 1764331204\nX-Okta-Request-Id: t-1", e47_body);
    dpop_answer(&s, 503, "X-Okta-Request-Id: t-2", e10_body);
    dpop_answer(&s, 504, "X-Okta-Request-Id: t-3", e10_body);
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_ALWAYS, 3);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err), OKTA_CC_OK);
    CHECK_EQ_STR(token, "dpop-tok");
    CHECK_EQ_INT(s.calls, 4);
    CHECK_EQ_INT(z.sleeps, 3);
    CHECK(z.slept[0] >= 5000 && z.slept[0] < 5250);        /* ..204 - ..200 + 1 s, + jitter */
    CHECK(z.slept[1] >= 1000 && z.slept[1] < 1250);        /* backoff after one wait */
    CHECK(z.slept[2] >= 2000 && z.slept[2] < 2500);
    CHECK(all_different((const char (*)[64])s.assertion_jti, 4));    /* the old jti is burned */
    for (i = 0; i < 4; i++) proof_claim(&s, i, "jti", jti[i], sizeof jti[i]);
    CHECK(all_different((const char (*)[64])jti, 4));                /* and so is the proof */
    CHECK(!s.retry_for[0][0] && !s.retry_count[0][0]);
    CHECK_EQ_STR(s.retry_for[1], "t-1");
    CHECK_EQ_STR(s.retry_count[1], "1");
    CHECK_EQ_STR(s.retry_for[3], "t-3");
    CHECK_EQ_STR(s.retry_count[3], "3");
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 1);
    okta_cc_client_free(c);
    /* without DPoP likewise, within the default budget (2 retries) */
    memset(&s, 0, sizeof s);
    z.sleeps = 0;
    dpop_answer(&s, 503, NULL, e10_body);
    dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Reset: 1764331100", e47_body);   /* a Reset gone by: 1 s */
    dpop_answer(&s, 200, NULL, ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err), OKTA_CC_OK);
    CHECK(s.calls == 3 && z.sleeps == 2);
    CHECK(z.slept[1] >= 1000 && z.slept[1] < 1250);
    CHECK(all_different((const char (*)[64])s.assertion_jti, 3));
    CHECK_EQ_STR(s.dpop[2], "");
    okta_cc_client_free(c);
}

/* A limit that persists: OKTA_CC_ERR_RATE_LIMITED (not a generic HTTP error) with the reset
   time, after max_retries; a Reset beyond the deadline is not waited for; no retries asked,
   none made. */
static void test_token_rate_limited_result(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    sleeper z;
    okta_cc_client *c;
    okta_cc_error err;
    char token[64];
    int i;
    memset(&s, 0, sizeof s);
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    for (i = 0; i < 8; i++)
        dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Reset: 1764331210\nX-Okta-Request-Id: rl-t", e47_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(s.calls, 3);
    CHECK_EQ_INT(z.sleeps, 2);
    CHECK(err.code == OKTA_CC_ERR_RATE_LIMITED && err.http_status == 429);
    CHECK_EQ_INT(err.rate_limit_reset, 1764331210);
    CHECK_EQ_STR(err.okta_error_code, "E0000047");
    CHECK_EQ_STR(err.okta_request_id, "rl-t");
    if (!strstr(err.message, "rate limited; retry budget spent after 2 retries; the limit resets in 10 s"))
        fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, "POST https://dev-123.okta.com/oauth2/v1/token: HTTP 429 E0000047") == err.message);
    CHECK(strstr(err.message, "rate limited; retry budget spent after 2 retries; the limit resets in 10 s") != NULL);
    okta_cc_client_free(c);
    /* an hour away: past the retry deadline, so no wait at all */
    memset(&s, 0, sizeof s);
    z.sleeps = 0;
    clk.now = 1764331200;
    dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Reset: 1764334800", e47_body);
    dpop_answer(&s, 200, NULL, ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, 5);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_RATE_LIMITED);
    CHECK(s.calls == 1 && z.sleeps == 0);
    CHECK_EQ_INT(err.rate_limit_reset, 1764334800);
    CHECK(strstr(err.message, "the limit resets in 3600 s") != NULL);
    okta_cc_client_free(c);
    /* retries off: one request, and a 503 is the plain HTTP error it always was */
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 503, NULL, e10_body);
    dpop_answer(&s, 200, NULL, ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, -1);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_HTTP);
    CHECK(s.calls == 1 && z.sleeps == 0 && err.rate_limit_reset == 0);
    CHECK_EQ_STR(err.okta_error_code, "E0000010");
    okta_cc_client_free(c);
}

/* The DPoP nonce round trip and the AUTO switch combine with rate-limit waits: a nonce asked
   again after a wait is followed (it may have rotated meanwhile), and the whole stays bounded:
   one nonce retry per wait, at most max_retries waits. */
static void test_token_retries_with_dpop_nonce(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    sleeper z;
    okta_cc_client *c;
    okta_cc_token_info info;
    okta_cc_error err;
    char token[64], v[256];
    int i;
    memset(&s, 0, sizeof s);
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    dpop_answer(&s, 400, NULL, missing_body);                                 /* AUTO: switch */
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-1", nonce_body);
    dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Reset: 1764331201", e47_body);
    dpop_answer(&s, 400, "DPoP-Nonce: nonce-2", nonce_body);                  /* rotated */
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_AUTO, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err), OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK_EQ_INT(s.calls, 5);
    CHECK_EQ_INT(z.sleeps, 1);
    proof_claim(&s, 2, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "nonce-1");
    proof_claim(&s, 4, "nonce", v, sizeof v);
    CHECK_EQ_STR(v, "nonce-2");
    CHECK(all_different((const char (*)[64])s.assertion_jti, 5));
    okta_cc_client_free(c);
    /* a server that alternates nonce demands and 429s for ever: bounded */
    memset(&s, 0, sizeof s);
    z.sleeps = 0;
    for (i = 0; i < 4; i++) {
        dpop_answer(&s, 400, i ? "DPoP-Nonce: nonce-x" : "DPoP-Nonce: nonce-0", nonce_body);
        dpop_answer(&s, 429, RL_DATE "X-Rate-Limit-Reset: 1764331201", e47_body);
    }
    c = retry_client(&s, &z, OKTA_CC_DPOP_ALWAYS, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(s.calls, 6);                   /* (nonce, 429) x 3: two waits, the budget */
    CHECK_EQ_INT(z.sleeps, 2);
    okta_cc_client_free(c);
}

/* A connection never made (OKTA_CC_ERR_CONNECT: nothing was sent) is retried with backoff; a
   cut one (NETWORK) and a timeout are not (the server may have issued a token). */
static void test_token_connect_retried(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    sleeper z;
    okta_cc_client *c;
    okta_cc_error err;
    char token[64];
    memset(&s, 0, sizeof s);
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    dpop_fail(&s, OKTA_CC_ERR_CONNECT);
    dpop_fail(&s, OKTA_CC_ERR_CONNECT);
    dpop_answer(&s, 200, NULL, ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_OK);
    CHECK(s.calls == 3 && z.sleeps == 2);
    CHECK(z.slept[0] >= 500 && z.slept[0] < 625 && z.slept[1] >= 1000 && z.slept[1] < 1250);
    CHECK(all_different((const char (*)[64])s.assertion_jti, 3));
    CHECK_EQ_STR(s.retry_count[2], "2");
    okta_cc_client_free(c);
    memset(&s, 0, sizeof s);
    z.sleeps = 0;
    dpop_fail(&s, OKTA_CC_ERR_NETWORK);
    dpop_answer(&s, 200, NULL, ok_body);
    dpop_fail(&s, OKTA_CC_ERR_TIMEOUT);
    dpop_answer(&s, 200, NULL, ok_body);
    c = retry_client(&s, &z, OKTA_CC_DPOP_NEVER, 0);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_NETWORK);
    CHECK(s.calls == 1 && z.sleeps == 0);
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_OK);
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_OK);   /* cached */
    okta_cc_client_invalidate_token(c);
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_TIMEOUT);
    CHECK(s.calls == 3 && z.sleeps == 0);
    okta_cc_client_free(c);
}

/* For real: a port nobody listens on, through libcurl: CONNECT after max_retries + 1 tries,
   the waits counted by the injected sleep (none slept). */
static void test_token_refused_port_retried(void)
{
    test_clock clk = {1764331200};
    sleeper z;
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_error err;
    char url[64], token[64];
    h_refused_url(url, sizeof url);
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    scripted_config(&cfg, NULL, &clk);
    cfg.transport.perform = NULL;               /* libcurl */
    cfg.org_url = url;
    cfg.sleep = sleeper_sleep;
    cfg.sleep_user = &z;
    cfg.http.connect_timeout_ms = 2000;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_CONNECT);
    CHECK_EQ_INT(z.sleeps, 2);
    CHECK(err.code == OKTA_CC_ERR_CONNECT && strstr(err.message, "127.0.0.1") != NULL);
    okta_cc_client_free(c);
}

/* A fetch ahead of renewal never waits out a rate limit: the cached token is still good, so
   the caller gets it at once and the next try comes later (OKTA_CC__REFRESH_RETRY_S). */
static void test_refresh_ahead_does_not_wait(void)
{
    okta_cc_config cfg;
    script s;
    test_clock clk = {1000000};
    sleeper z;
    okta_cc_error err;
    okta_cc_client *c;
    okta_cc_token_info info;
    char token[64];
    memset(&z, 0, sizeof z);
    z.clk = &clk;
    script_init(&s);
    scripted_config(&cfg, &s, &clk);
    cfg.sleep = sleeper_sleep;
    cfg.sleep_user = &z;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    clk.now += 3600 - 60 - 240;                  /* inside the refresh-ahead window */
    s.status = 429;
    s.headers = "X-Rate-Limit-Reset: 1003400";
    s.body = e47_body;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(s.calls == 2 && info.generation == 1 && z.sleeps == 0);
    /* the timer's refresh likewise, while the cached token is good */
    clk.now += 10;
    CHECK(okta_cc_client_refresh_token(c, 600, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK(s.calls == 3 && z.sleeps == 0);
    /* once it is stale there is nothing else to hand out: the caller waits */
    clk.now += 300;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_ERR_RATE_LIMITED);
    CHECK(s.calls == 6 && z.sleeps == 2);
    okta_cc_client_free(c);
}

static void test_dpop_never_sends_no_proof(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    okta_cc_client *c;
    okta_cc_token_info info;
    okta_cc_error err;
    char token[64], jkt[64];
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 400, NULL, missing_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_NEVER);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_STR(s.dpop[0], "");
    CHECK(strstr(err.oauth_error_description, "header is missing") != NULL);
    CHECK(okta_cc_client_dpop_jkt(c, jkt, sizeof jkt, NULL, &err) == OKTA_CC_ERR_NOT_FOUND);
    okta_cc_client_free(c);
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 200, NULL, ok_body);
    c = dpop_client(&s, &clk, OKTA_CC_DPOP_NEVER);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(s.dpop[0], "");
    CHECK_EQ_STR(info.token_type, "Bearer");
    okta_cc_client_free(c);
}

/* A supplied DPoP key (here RSA, from a PEM file) signs the proofs: RS256 with its public
   members in the header, and okta_cc_client_dpop_jkt is its RFC 7638 thumbprint. */
static void test_dpop_supplied_rsa_key(void)
{
    dpop_script s;
    test_clock clk = {1764331200};
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_key key;
    okta_cc_error err;
    char token[64], jkt[64], want[64], header[2048];
    const char *dot;
    size_t n = 0;
    static char path[512];
    snprintf(path, sizeof path, "%s/jose/rsa-a2-pkcs8.pem", h_vectors_dir());
    memset(&s, 0, sizeof s);
    dpop_answer(&s, 200, NULL, dpop_ok_body);
    scripted_config(&cfg, NULL, &clk);
    cfg.transport.perform = dpop_script_perform;
    cfg.transport.ctx = &s;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    cfg.dpop_key = path;
    c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!c) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    dot = strchr(s.dpop[0], '.');
    CHECK(dot && okta_cc_b64url_decode(s.dpop[0], (size_t)(dot - s.dpop[0]), header, sizeof header - 1, &n, NULL) ==
                     OKTA_CC_OK);
    header[n] = '\0';
    CHECK(strstr(header, "\"alg\":\"RS256\"") && strstr(header, "\"kty\":\"RSA\"") && !strstr(header, "\"d\""));
    CHECK(okta_cc_key_load_file(&key, path, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_thumbprint(&key, want, sizeof want, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_dpop_jkt(c, jkt, sizeof jkt, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(jkt, want);
    okta_cc_key_wipe(&key);
    okta_cc_client_free(c);
}

static void test_dpop_config_from_env(void)
{
    okta_cc_config cfg;
    okta_cc_config_init(&cfg);
    setenv("OKTA_CLIENT_DPOPENABLED", "true", 1);
    setenv("OKTA_CLIENT_DPOPKEY", "/some/dpop.pem", 1);
    okta_cc_config_from_env(&cfg);
    CHECK(cfg.dpop == OKTA_CC_DPOP_ALWAYS);
    CHECK_EQ_STR(cfg.dpop_key, "/some/dpop.pem");
    okta_cc_config_init(&cfg);
    setenv("OKTA_CLIENT_DPOPENABLED", "false", 1);
    okta_cc_config_from_env(&cfg);
    CHECK(cfg.dpop == OKTA_CC_DPOP_NEVER);
    okta_cc_config_init(&cfg);
    unsetenv("OKTA_CLIENT_DPOPENABLED");
    unsetenv("OKTA_CLIENT_DPOPKEY");
    okta_cc_config_from_env(&cfg);
    CHECK(cfg.dpop == OKTA_CC_DPOP_AUTO && cfg.dpop_key == NULL);
}

/* ---- callbacks that call back into the client ---------------------------------------------- */

/* Ends the process with a FAIL line when a step is still running after its deadline: a test
   of deadlocks must fail, not hang the suite. A thread rather than alarm(): a signal may wait
   while every thread is blocked in a lock (ThreadSanitizer defers it). */
static pthread_mutex_t watchdog_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_cv = PTHREAD_COND_INITIALIZER;
static struct {
    pthread_t thread;
    int running, armed, stop;
    const char *what;
    struct timespec deadline;
} watchdog;

static void *watchdog_main(void *arg)
{
    struct timespec now;
    (void)arg;
    pthread_mutex_lock(&watchdog_m);
    while (!watchdog.stop) {
        if (!watchdog.armed) {
            pthread_cond_wait(&watchdog_cv, &watchdog_m);
            continue;
        }
        pthread_cond_timedwait(&watchdog_cv, &watchdog_m, &watchdog.deadline);
        clock_gettime(CLOCK_REALTIME, &now);
        if (watchdog.armed && !watchdog.stop && now.tv_sec >= watchdog.deadline.tv_sec) {
            printf("FAIL %s: %s is still running after its deadline: a deadlock\n", h_current_name, watchdog.what);
            printf("%d passed, %d failed\n", h_passed, h_failed + 1);
            fflush(stdout);
            _exit(1);
        }
    }
    pthread_mutex_unlock(&watchdog_m);
    return NULL;
}

/* Arms the watchdog for the step named what (a string that lives on); starts it the first time. */
static void watchdog_arm(const char *what, int seconds)
{
    pthread_mutex_lock(&watchdog_m);
    if (!watchdog.running) watchdog.running = pthread_create(&watchdog.thread, NULL, watchdog_main, NULL) == 0;
    clock_gettime(CLOCK_REALTIME, &watchdog.deadline);
    watchdog.deadline.tv_sec += seconds;
    watchdog.what = what;
    watchdog.armed = 1;
    pthread_cond_broadcast(&watchdog_cv);
    pthread_mutex_unlock(&watchdog_m);
}

static void watchdog_stop(void)
{
    pthread_mutex_lock(&watchdog_m);
    watchdog.stop = 1;
    pthread_cond_broadcast(&watchdog_cv);
    pthread_mutex_unlock(&watchdog_m);
    if (watchdog.running) pthread_join(watchdog.thread, NULL);
    watchdog.running = watchdog.armed = watchdog.stop = 0;
}

enum { RE_LOG, RE_CLOCK, RE_SLEEP, RE_RANDOM, RE_TRANSPORT, RE_COUNT };
static const char *const re_names[RE_COUNT] = {"log", "clock", "sleep", "random", "transport"};

typedef struct re_answer {
    long status;                /* 0: a refused connection (OKTA_CC_ERR_CONNECT) */
    const char *headers, *body;
} re_answer;

/* A client whose log, clock, sleep, random and transport callbacks (those in mask) call back
   into it: the functions that take its lock, and from the log, sleep and transport callbacks
   also okta_cc_client_get_token and okta_cc_request (to /api/v1/inner, one level deep). */
typedef struct reenter {
    okta_cc_client *c;          /* NULL while it is being made */
    unsigned mask;
    int depth;                  /* > 0 inside a callback's own calls: no deeper */
    int64_t now;
    uint64_t rnd;
    re_answer tok[4], api[4];   /* the token endpoint's and /api/v1/users' next answers */
    int ntok, napi, token_calls, api_calls;
    int reentered[RE_COUNT];    /* calls of each callback that called back into the client */
    int inner_ok, inner_busy;   /* inner token/request calls that worked / that were refused
                                   with OKTA_CC_ERR_THREAD (a wait for the caller's own fetch,
                                   or its own transport re-entered) */
    int inner_bad;              /* inner calls that failed otherwise */
    char busy_message[sizeof ((okta_cc_error *)0)->message];
    int sleeps, refresh_failed_logged;
} reenter;

static void re_inner_result(reenter *e, okta_cc_result r, const okta_cc_error *err)
{
    if (r == OKTA_CC_OK) {
        e->inner_ok++;
    } else if (r == OKTA_CC_ERR_THREAD) {
        e->inner_busy++;
        snprintf(e->busy_message, sizeof e->busy_message, "%s", err->message);
    } else {
        e->inner_bad++;
        fprintf(stderr, "  inner call: %s\n", err->message);
    }
}

static void re_poke(reenter *e, int which)
{
    char jkt[64], token[256];
    okta_cc_error err;
    okta_cc_response resp;
    if (!e->c || !(e->mask & 1u << which) || e->depth) return;
    e->depth++;
    e->reentered[which]++;
    (void)okta_cc_client_token_fetches(e->c);
    (void)okta_cc_client_clock_offset(e->c);
    if (okta_cc_client_dpop_jkt(e->c, jkt, sizeof jkt, NULL, &err) != OKTA_CC_OK) e->inner_bad++;
    if (which == RE_LOG || which == RE_SLEEP || which == RE_TRANSPORT) {
        re_inner_result(e, okta_cc_client_get_token(e->c, token, sizeof token, NULL, NULL, &err), &err);
        re_inner_result(e, okta_cc_request(e->c, "GET", "/api/v1/inner", NULL, 0, NULL, &resp, &err), &err);
        okta_cc_response_free(&resp);
    }
    e->depth--;
}

static void re_log(void *user, const char *line)
{
    reenter *e = (reenter *)user;
    if (strstr(line, "token refresh ahead of expiry failed")) e->refresh_failed_logged++;
    re_poke(e, RE_LOG);
}

static int64_t re_clock(void *user)
{
    reenter *e = (reenter *)user;
    re_poke(e, RE_CLOCK);
    return e->now;
}

static void re_sleep(void *user, long ms)
{
    reenter *e = (reenter *)user;
    (void)ms;
    e->sleeps++;
    re_poke(e, RE_SLEEP);
}

static okta_cc_result re_random(void *user, void *buf, size_t n)
{
    reenter *e = (reenter *)user;
    unsigned char *p = (unsigned char *)buf;
    size_t i;
    for (i = 0; i < n; i++) {           /* xorshift64: distinct jti values, no system call */
        e->rnd ^= e->rnd << 13, e->rnd ^= e->rnd >> 7, e->rnd ^= e->rnd << 17;
        p[i] = (unsigned char)e->rnd;
    }
    re_poke(e, RE_RANDOM);
    return OKTA_CC_OK;
}

static okta_cc_result re_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                 okta_cc_error *err)
{
    reenter *e = (reenter *)ctx;
    re_answer a = {200, NULL, "[]"};
    char line[64];
    const char *h;
    if (strstr(req->url, "/oauth2/")) {
        a.body = dpop_ok_body;
        if (e->token_calls < e->ntok) a = e->tok[e->token_calls];
        e->token_calls++;
    } else if (strstr(req->url, "/api/v1/users")) {
        if (e->api_calls < e->napi) a = e->api[e->api_calls];
        e->api_calls++;
    }
    re_poke(e, RE_TRANSPORT);
    if (!a.status) {
        snprintf(err->message, sizeof err->message, "scripted refused connection");
        return OKTA_CC_ERR_CONNECT;
    }
    snprintf(line, sizeof line, "HTTP/1.1 %ld X", a.status);
    okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
    for (h = a.headers; h && *h;) {
        size_t n = strcspn(h, "\n");
        okta_cc_http_response_header_line(resp, h, n, NULL);
        h += n + (h[n] == '\n');
    }
    return okta_cc_http_response_append_body(resp, a.body, strlen(a.body), NULL);
}

static void re_answers(re_answer *q, int *n, long status, const char *headers, const char *body)
{
    q[*n].status = status;
    q[*n].headers = headers;
    q[*n].body = body;
    (*n)++;
}

/* The next step: the watchdog armed for it, the script's queues emptied. */
static void re_step(reenter *e, char *what, size_t cap, const char *step)
{
    snprintf(what, cap, "%s callback(s) calling back into the client: %s", e->mask == (1u << RE_COUNT) - 1 ? "every" :
             re_names[e->mask == 1 ? 0 : e->mask == 2 ? 1 : e->mask == 4 ? 2 : e->mask == 8 ? 3 : 4], step);
    watchdog_arm(what, 60);
    e->ntok = e->napi = e->token_calls = e->api_calls = 0;
}

/* Every path of the client, each step under the watchdog. */
static void re_run(unsigned mask)
{
    static char what[256];
    static const char *const use_nonce = "WWW-Authenticate: DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof.\"\nDPoP-Nonce: rs-nonce-1";
    reenter e;
    okta_cc_config cfg;
    okta_cc_error err;
    okta_cc_response resp;
    okta_cc_token_info info;
    char token[256];
    int i;
    memset(&e, 0, sizeof e);
    e.mask = mask;
    e.now = 1764331200;
    e.rnd = 0x9e3779b97f4a7c15ULL;
    scripted_config(&cfg, NULL, NULL);
    cfg.transport.perform = re_perform;
    cfg.transport.ctx = &e;
    cfg.clock = re_clock;
    cfg.clock_user = &e;
    cfg.sleep = re_sleep;
    cfg.sleep_user = &e;
    cfg.random = re_random;
    cfg.random_user = &e;
    cfg.log = re_log;
    cfg.log_user = &e;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    e.c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!e.c) return;

    re_step(&e, what, sizeof what, "a failed token fetch");
    re_answers(e.tok, &e.ntok, 401, NULL, "{\"error\":\"invalid_client\",\"error_description\":\"no\"}");
    CHECK(okta_cc_client_get_token(e.c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_INT(e.token_calls, 1);

    re_step(&e, what, sizeof what, "a token fetch with a DPoP nonce round trip");
    re_answers(e.tok, &e.ntok, 400, "DPoP-Nonce: as-nonce-1", nonce_body);
    re_answers(e.tok, &e.ntok, 200, NULL, dpop_ok_body);
    CHECK(okta_cc_client_get_token(e.c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(e.token_calls == 2 && info.generation == 1);

    re_step(&e, what, sizeof what, "the cached token");
    CHECK(okta_cc_client_get_token(e.c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_refresh_token(e.c, 0, &err) == OKTA_CC_OK);
    CHECK(e.token_calls == 0 && info.generation == 1);

    re_step(&e, what, sizeof what, "an API request with a DPoP nonce round trip");
    re_answers(e.api, &e.napi, 401, use_nonce, "{\"errorCode\":\"E0000011\"}");
    CHECK(okta_cc_request(e.c, "GET", "/api/v1/users", NULL, 0, NULL, &resp, &err) == OKTA_CC_OK);
    CHECK(resp.http.status == 200 && resp.retries == 1 && e.api_calls == 2);
    okta_cc_response_free(&resp);

    re_step(&e, what, sizeof what, "an API request retried after 429 and a refused connection (sleep)");
    re_answers(e.api, &e.napi, 429, "X-Rate-Limit-Remaining: 0", "{\"errorCode\":\"E0000047\"}");
    re_answers(e.api, &e.napi, 0, NULL, NULL);
    i = e.sleeps;
    CHECK(okta_cc_request(e.c, "GET", "/api/v1/users", NULL, 0, NULL, &resp, &err) == OKTA_CC_OK);
    CHECK(resp.http.status == 200 && resp.retries == 2 && e.api_calls == 3 && e.sleeps >= i + 2);
    okta_cc_response_free(&resp);

    re_step(&e, what, sizeof what, "a failed refresh ahead of expiry");
    e.now += 3600 - 60 - 240;
    re_answers(e.tok, &e.ntok, 503, NULL, "{\"error\":\"temporarily_unavailable\"}");
    CHECK(okta_cc_client_get_token(e.c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(e.token_calls == 1 && info.generation == 1);
    CHECK_EQ_INT(e.refresh_failed_logged, 1);

    re_step(&e, what, sizeof what, "a refresh ahead of expiry");
    e.now += 5;
    CHECK(okta_cc_client_get_token(e.c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK(e.token_calls == 1 && info.generation == 2);

    re_step(&e, what, sizeof what, "an API request whose token is refused (401, a new token)");
    re_answers(e.api, &e.napi, 401, "WWW-Authenticate: DPoP error=\"invalid_token\"", "{\"errorCode\":\"E0000011\"}");
    CHECK(okta_cc_request(e.c, "GET", "/api/v1/users", NULL, 0, NULL, &resp, &err) == OKTA_CC_OK);
    CHECK(resp.http.status == 200 && e.api_calls == 2 && e.token_calls == 1);
    okta_cc_response_free(&resp);

    re_step(&e, what, sizeof what, "okta_cc_client_refresh_token from a timer");
    CHECK(okta_cc_client_refresh_token(e.c, 3600, &err) == OKTA_CC_OK);
    CHECK(e.token_calls == 1);
    CHECK_EQ_INT(okta_cc_client_token_fetches(e.c), 4);

    for (i = 0; i < RE_COUNT; i++)
        if (mask & 1u << i) {
            if (!e.reentered[i]) fprintf(stderr, "  the %s callback never called back\n", re_names[i]);
            CHECK(e.reentered[i] > 0);
        }
    CHECK_EQ_INT(e.inner_bad, 0);
    if (mask & (1u << RE_LOG | 1u << RE_SLEEP | 1u << RE_TRANSPORT)) CHECK(e.inner_ok > 0);
    if (e.inner_busy) CHECK(strstr(e.busy_message, "callback") != NULL);
    okta_cc_client_free(e.c);
}

/* No user callback runs with a client lock held: each of them (and then all at once) calls
   the client's locking functions, and okta_cc_client_get_token and okta_cc_request, on every
   path - a cached token, a fetch, a failed fetch, a failed refresh ahead, a DPoP nonce round
   trip, a 429 and a refused connection with their sleeps, a 401. A wait for the caller's own
   token fetch, or a request from inside a transport that takes one at a time, is refused
   with OKTA_CC_ERR_THREAD instead of waiting forever. Each step has a watchdog: a deadlock
   fails the run. */
static void test_callbacks_call_back_into_the_client(void)
{
    int i;
    for (i = 0; i < RE_COUNT; i++) re_run(1u << i);
    re_run((1u << RE_COUNT) - 1);
    watchdog_stop();
}

/* A DPoP server for threads: the API wants the nonce "rs-nonce-1" (a 401 use_dpop_nonce
   without it) and every proof's jti is kept. */
typedef struct dpop_threads {
    pthread_mutex_t m;
    okta_cc_client *c;
    int token_calls, api_calls, nonce_refusals, jti_count, logs;
    char (*jti)[48];
    int jti_cap;
    test_clock clk;
} dpop_threads;

static okta_cc_result dt_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                 okta_cc_error *err)
{
    dpop_threads *d = (dpop_threads *)ctx;
    char claims[2048], nonce[64] = "", jti[48] = "";
    const char *status = "HTTP/1.1 200 OK", *headers = NULL, *body = "[]";
    size_t k;
    (void)err;
    for (k = 0; k < req->header_count; k++)
        if (strncmp(req->headers[k], "DPoP: ", 6) == 0 &&
            jwt_claims(req->headers[k] + 6, strlen(req->headers[k] + 6), claims, sizeof claims)) {
            claim_str(claims, "nonce", nonce, sizeof nonce);
            claim_str(claims, "jti", jti, sizeof jti);
        }
    pthread_mutex_lock(&d->m);
    if (jti[0] && d->jti_count < d->jti_cap) memcpy(d->jti[d->jti_count++], jti, sizeof jti);
    if (strstr(req->url, "/oauth2/")) {
        d->token_calls++;
        body = dpop_ok_body;
    } else {
        d->api_calls++;
        if (strcmp(nonce, "rs-nonce-1") != 0) {
            d->nonce_refusals++;
            status = "HTTP/1.1 401 Unauthorized";
            headers = "WWW-Authenticate: DPoP error=\"use_dpop_nonce\"";
            body = "{\"errorCode\":\"E0000011\"}";
        }
    }
    pthread_mutex_unlock(&d->m);
    okta_cc_http_response_header_line(resp, status, strlen(status), NULL);
    okta_cc_http_response_header_line(resp, "DPoP-Nonce: rs-nonce-1", 22, NULL);
    if (headers) okta_cc_http_response_header_line(resp, headers, strlen(headers), NULL);
    return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

static void dt_log(void *user, const char *line)
{
    dpop_threads *d = (dpop_threads *)user;
    (void)line;
    (void)okta_cc_client_token_fetches(d->c);   /* a callback may call back, from any thread */
    pthread_mutex_lock(&d->m);
    d->logs++;
    pthread_mutex_unlock(&d->m);
}

static int dt_cmp_jti(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

typedef struct dt_worker {
    dpop_threads *d;
    int requests, gets, failures;
} dt_worker;

static void *dt_work(void *arg)
{
    dt_worker *w = (dt_worker *)arg;
    okta_cc_response resp;
    okta_cc_error err;
    char token[64];
    int i;
    for (i = 0; i < w->requests; i++) {
        okta_cc_result r = okta_cc_request(w->d->c, "GET", "/api/v1/users", NULL, 0, NULL, &resp, &err);
        w->failures += r != OKTA_CC_OK || resp.http.status != 200;
        okta_cc_response_free(&resp);
    }
    for (i = 0; i < w->gets; i++)
        w->failures += okta_cc_client_get_token(w->d->c, token, sizeof token, NULL, NULL, NULL) != OKTA_CC_OK;
    return NULL;
}

/* One DPoP client shared by 8 threads (proofs signed outside the client's lock, with the
   nonce and offset copied under it), half of them making API requests - all at once without a
   nonce first, so that many are refused and retried with the nonce another thread may have
   learnt - and half asking for the cached token, under ThreadSanitizer in make test. Every
   request succeeds with one token, and no proof repeats a jti. */
static void test_dpop_client_shared_by_threads(void)
{
    enum { THREADS = 8 };
    dpop_threads d;
    dt_worker w[THREADS];
    pthread_t th[THREADS];
    okta_cc_config cfg;
    okta_cc_error err;
    int i, requests = light() ? 5 : 40, failures = 0, dups = 0;
    memset(&d, 0, sizeof d);
    pthread_mutex_init(&d.m, NULL);
    d.clk.now = 1764331200;
    d.jti_cap = THREADS * requests * 2 + 8;
    d.jti = (char (*)[48])calloc((size_t)d.jti_cap, sizeof *d.jti);
    if (!d.jti) abort();
    scripted_config(&cfg, NULL, &d.clk);
    cfg.transport.perform = dt_perform;
    cfg.transport.ctx = &d;
    cfg.transport.concurrent = 1;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    cfg.log = dt_log;
    cfg.log_user = &d;
    d.c = new_client(&cfg, OKTA_CC_OK, &err);
    if (!d.c) return;
    watchdog_arm("8 threads on one DPoP client", 120);
    for (i = 0; i < THREADS; i++) {
        w[i].d = &d;
        w[i].requests = i % 2 ? 0 : requests;
        w[i].gets = i % 2 ? requests * 50 : 0;
        w[i].failures = 0;
        pthread_create(&th[i], NULL, dt_work, &w[i]);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    watchdog_stop();
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(d.token_calls, 1);
    CHECK_EQ_INT(okta_cc_client_token_fetches(d.c), 1);
    CHECK_EQ_INT(d.api_calls, THREADS / 2 * requests + d.nonce_refusals);
    CHECK(d.nonce_refusals >= 1 && d.nonce_refusals <= THREADS / 2);
    CHECK(d.logs >= d.api_calls + d.token_calls);
    CHECK_EQ_INT(d.jti_count, d.api_calls + d.token_calls);
    qsort(d.jti, (size_t)d.jti_count, sizeof *d.jti, dt_cmp_jti);
    for (i = 1; i < d.jti_count; i++) dups += strcmp(d.jti[i - 1], d.jti[i]) == 0;
    CHECK_EQ_INT(dups, 0);
    okta_cc_client_free(d.c);
    free(d.jti);
    pthread_mutex_destroy(&d.m);
}

int main(int argc, char **argv)
{
    const char *log_path = getenv("OKTA_CC_TEST_ASSERTIONS");
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (log_path && *log_path) assertion_log = fopen(log_path, "a");
    RUN(test_assertion_matches_computed_vector);
    RUN(test_assertions_unique_jti_10000);
    RUN(test_token_urls);
    RUN(test_org_url_normalised_everywhere);
    RUN(test_request_origin_spellings);
    RUN(test_config_validation);
    RUN(test_config_values_with_ctl_refused);
    RUN(test_client_id_characters);
    RUN(test_curl_transport_refuses_ctl);
    RUN(test_client_allocates_only_through_cfg_alloc);
    RUN(test_key_file_read_in_proportion);
    RUN(test_config_from_env_precedence);
    RUN(test_env_values_of_one_mebibyte);
    RUN(test_ca_file_must_be_regular);
    RUN(test_token_request_shape);
    RUN(test_client_secret_methods);
    RUN(test_token_response_validation);
    RUN(test_error_bodies);
    RUN(test_cache_and_expiry_with_injected_clock);
    RUN(test_config_defaults);
    RUN(test_http_errors_share_one_shape);
    RUN(test_invalidate_token_generation);
    RUN(test_token_type_any_case);
    RUN(test_log_line_keeps_result_text);
    RUN(test_refresh_ahead_window);
    RUN(test_refresh_ahead_never_blocks);
    RUN(test_refresh_token_from_a_timer);
    RUN(test_clock_offset_from_date_header);
    RUN(test_http_date_parser);
    RUN(test_clock_offset_ignores_malformed_dates);
    RUN(test_clock_offset_bounds_and_1970_device);
    RUN(test_response_headers);
    RUN(test_single_flight_scripted);
    RUN(test_dpop_token_nonce_round_trip);
    RUN(test_dpop_auto_switches_on_missing_header);
    RUN(test_dpop_never_sends_no_proof);
    RUN(test_dpop_supplied_rsa_key);
    RUN(test_dpop_config_from_env);
    RUN(test_token_429_503_504_retried);
    RUN(test_token_rate_limited_result);
    RUN(test_token_retries_with_dpop_nonce);
    RUN(test_token_connect_retried);
    RUN(test_token_refused_port_retried);
    RUN(test_refresh_ahead_does_not_wait);
    RUN(test_callbacks_call_back_into_the_client);
    RUN(test_dpop_client_shared_by_threads);
    if (assertion_log) fclose(assertion_log);
    curl_global_cleanup();
    return h_summary();
}
