#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
/* OKTA_CC_REALLOC is never called at all (tests/unit/test_token.c counts the other two). */
#define OKTA_CC_REALLOC(p, n) (abort(), (p), (n), (void *)0)
/* Token client tests against the local Okta-compatible server started by
   tests/live/token_suite.sh, over HTTP and HTTPS: every key form, expiry with an injected clock,
   single flight, token endpoint errors, transport failures, custom authorization servers and
   client secrets, DPoP, rate limits, TLS verification. The same client on a scripted transport is
   tests/unit/test_token.c. Every assertion sent is appended to $OKTA_CC_TEST_ASSERTIONS for PyJWT
   to verify afterwards. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "live.h"
#include "../token_helpers.h"

#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

/* tests/live/token_suite.sh starts the servers with --token-ttl 15: short enough that a few
   expiries keep assertions within the server's 60 s tolerance for iat in the future. */
#define TEST_TTL 15

/* A transport that logs every client assertion it sends, then passes the request to libcurl. */
typedef struct logging_transport {
    okta_cc_transport inner;
    const char *client_id;
    int ttl;
    const char *rewrite_url;          /* send here instead (wrong-audience test) */
    const char *verify_key;           /* the key that really signed (wrong-key test) */
} logging_transport;

static okta_cc_result logging_perform(void *ctx, const okta_cc_http_request *req,
                                      okta_cc_http_response *resp, okta_cc_error *err)
{
    logging_transport *t = (logging_transport *)ctx;
    okta_cc_http_request copy = *req;
    size_t n;
    const char *a = req->body ? form_value(req->body, "client_assertion", &n) : NULL;
    if (a) log_assertion_key(t->client_id, req->url, t->ttl, t->verify_key, a, n);
    if (t->rewrite_url) copy.url = t->rewrite_url;
    return t->inner.perform(t->inner.ctx, &copy, resp, err);
}

typedef struct live {
    okta_cc_config cfg;
    logging_transport lt;
    char key_path[1024], org[256];
} live;

/* A live client for client_id with a key file from $OKTA_CC_TEST_KEYS, over base. */
static okta_cc_client *live_client(live *l, const char *base, const char *client_id, const char *key_file,
                                   const char *kid, okta_cc_result expect, okta_cc_error *err)
{
    okta_cc_client *c;
    okta_cc_config_init(&l->cfg);
    snprintf(l->org, sizeof l->org, "%s", base);
    l->cfg.org_url = l->org;
    l->cfg.client_id = client_id;
    if (key_file) {
        snprintf(l->key_path, sizeof l->key_path, "%s/%s", env("OKTA_CC_TEST_KEYS"), key_file);
        l->cfg.private_key = l->key_path;
    }
    l->cfg.key_id = kid;
    l->cfg.scopes = "okta.users.read";
    l->cfg.http.ca_file = env("OKTA_CC_TEST_CA");
    l->cfg.http.timeout_ms = 5000;
    memset(&l->lt, 0, sizeof l->lt);
    l->lt.client_id = client_id;
    l->lt.ttl = 300;
    if (okta_cc_curl_transport_new(&l->lt.inner, &l->cfg.http, &l->cfg.alloc, l->cfg.log, l->cfg.log_user, err) != OKTA_CC_OK) return NULL;
    l->cfg.transport.perform = logging_perform;
    l->cfg.transport.ctx = &l->lt;
    c = new_client(&l->cfg, expect, err);
    if (!c) okta_cc_curl_transport_free(&l->lt.inner);
    return c;
}

static void live_free(live *l, okta_cc_client *c)
{
    okta_cc_client_free(c);
    okta_cc_curl_transport_free(&l->lt.inner);
}

/* Replaces c by a client (and logging transport) built from the changed l->cfg. */
static okta_cc_client *live_rebuild(live *l, okta_cc_client *c, okta_cc_result expect, okta_cc_error *err)
{
    live_free(l, c);
    l->cfg.transport.perform = NULL;
    if (okta_cc_curl_transport_new(&l->lt.inner, &l->cfg.http, &l->cfg.alloc, l->cfg.log, l->cfg.log_user, err) != OKTA_CC_OK) return NULL;
    l->cfg.transport.perform = logging_perform;
    l->cfg.transport.ctx = &l->lt;
    c = new_client(&l->cfg, expect, err);
    if (!c) okta_cc_curl_transport_free(&l->lt.inner);
    return c;
}

/* The token works: GET /api/v1/users/{id} with it answers 200. */
static int token_accepted(const char *base, const char *token)
{
    okta_cc_config cfg;
    okta_cc_transport t;
    okta_cc_http_request req;
    okta_cc_http_response resp;
    char url[512], auth[4200];
    const char *headers[1];
    long status = 0;
    okta_cc_config_init(&cfg);
    cfg.http.ca_file = env("OKTA_CC_TEST_CA");
    if (okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, NULL) != OKTA_CC_OK) return 0;
    snprintf(url, sizeof url, "%s/api/v1/users?limit=1", base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    headers[0] = auth;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.header_count = 1;
    okta_cc_http_response_init(&resp, NULL, 0);
    if (t.perform(t.ctx, &req, &resp, NULL) == OKTA_CC_OK) status = resp.status;
    okta_cc_http_response_free(&resp);
    okta_cc_curl_transport_free(&t);
    return status == 200;
}

static void live_tokens_for_every_key_form(const char *base)
{
    static const struct { const char *client, *file, *kid; } keys[] = {
        {"0oa_rsa2048", "rsa2048-pkcs1.pem", "rsa2048"},
        {"0oa_rsa4096", "rsa4096-pkcs8.pem", "rsa4096"},
        {"0oa_jwk", "rsa-jwk.json", NULL},              /* kid from the JWK itself */
        {"0oa_ec", "ec256-sec1.pem", "ec256"},
    };
    size_t i;
    for (i = 0; i < sizeof keys / sizeof *keys; i++) {
        live l;
        okta_cc_error err;
        char token[4096];
        okta_cc_token_info info;
        long issued = stat_value(base, "tokens_issued"), requests;
        okta_cc_client *c = live_client(&l, base, keys[i].client, keys[i].file, keys[i].kid, OKTA_CC_OK, &err);
        if (!c) continue;
        if (okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) != OKTA_CC_OK)
            fprintf(stderr, "  %s: %s\n", keys[i].client, err.message);
        CHECK(err.code == OKTA_CC_OK);
        CHECK_EQ_STR(info.token_type, "Bearer");
        CHECK(info.expires_in == TEST_TTL);
        CHECK_EQ_STR(info.scope, "okta.users.read");
        CHECK(stat_value(base, "tokens_issued") == issued + 1);
        CHECK(token_accepted(base, token));
        {   /* the server saw our User-Agent */
            char log[8192];
            control(base, "/__test/requests", NULL, log);
            CHECK(strstr(log, "\"user_agent\":\"okta-cc/" OKTA_CC_VERSION_STRING " libcurl/") != NULL);
        }
        /* within the lifetime: no request at all */
        requests = stat_value(base, "token_requests");
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
        CHECK(stat_value(base, "token_requests") == requests);
        live_free(&l, c);
    }
}

static void live_expiry_refetch_with_injected_clock(const char *base)
{
    live l;
    okta_cc_error err;
    test_clock clk;
    char t1[4096], t2[4096];
    long issued = stat_value(base, "tokens_issued");
    okta_cc_client *c;
    clk.now = (int64_t)time(NULL);
    okta_cc_config_init(&l.cfg);
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    if (!c) return;
    l.cfg.clock = clock_read;          /* same config, now with the injected clock */
    l.cfg.clock_user = &clk;
    l.cfg.token_skew = -1;             /* renew exactly at expiry */
    l.cfg.token_refresh_ahead = -1;    /* and not before */
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    if (c) {
        okta_cc_token_info info;
        CHECK(okta_cc_client_get_token(c, t1, sizeof t1, NULL, &info, &err) == OKTA_CC_OK);
        CHECK(info.expires_in == TEST_TTL);
        clk.now += TEST_TTL - 1;       /* still valid */
        CHECK(okta_cc_client_get_token(c, t2, sizeof t2, NULL, NULL, &err) == OKTA_CC_OK);
        CHECK_EQ_STR(t1, t2);
        clk.now += 1;                  /* the server's (short) lifetime is over */
        CHECK(okta_cc_client_get_token(c, t2, sizeof t2, NULL, NULL, &err) == OKTA_CC_OK);
        CHECK(strcmp(t1, t2) != 0);
        CHECK(stat_value(base, "tokens_issued") == issued + 2);
    }
    live_free(&l, c);
}

static void live_single_flight(const char *base)
{
    live l;
    okta_cc_error err;
    test_clock clk;
    int failures = 0;
    long issued = stat_value(base, "tokens_issued"), requests = stat_value(base, "token_requests");
    okta_cc_client *c;
    clk.now = (int64_t)time(NULL);
    c = live_client(&l, base, "0oa_rsa2048", "rsa2048-pkcs1.pem", "rsa2048", OKTA_CC_OK, &err);
    if (!c) return;
    l.cfg.clock = clock_read;
    l.cfg.clock_user = &clk;
    l.cfg.token_skew = -1;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    if (c) {
        CHECK_EQ_INT(run_single_flight(c, &clk, TEST_TTL, &failures), 4);
        CHECK_EQ_INT(failures, 0);
        CHECK_EQ_INT(stat_value(base, "tokens_issued") - issued, 4);      /* the server counts */
        CHECK_EQ_INT(stat_value(base, "token_requests") - requests, 4);
    }
    live_free(&l, c);
}

/* Expects the token request to fail with r and, for OAuth errors, the server's words. */
static void expect_token_error(okta_cc_client *c, okta_cc_result r, const char *oauth_error, const char *desc_part)
{
    okta_cc_error err;
    char token[4096] = "";
    okta_cc_result got;
    if (!c) { h_current_failed = 1; return; }
    got = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    if (got != r) fprintf(stderr, "  expected %s, got %s: %s\n", okta_cc_result_str(r), okta_cc_result_str(got), err.message);
    CHECK(got == r);
    CHECK(token[0] == '\0');
    if (oauth_error) {
        CHECK_EQ_STR(err.oauth_error, oauth_error);
        if (!strstr(err.oauth_error_description, desc_part))
            fprintf(stderr, "  description: %s\n", err.oauth_error_description);
        CHECK(strstr(err.oauth_error_description, desc_part) != NULL);
        CHECK(strstr(err.message, oauth_error) != NULL && strstr(err.message, desc_part) != NULL);
    }
}

static okta_cc_result fixed_random(void *user, void *buf, size_t n)
{
    (void)user;
    memset(buf, 0x42, n);
    return OKTA_CC_OK;
}

static void live_token_endpoint_errors(const char *base)
{
    live l;
    okta_cc_error err;
    okta_cc_client *c;
    test_clock clk;
    char url[512];
    /* wrong client id */
    c = live_client(&l, base, "0oa_nobody", "rsa2048-pkcs1.pem", "rsa2048", OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "client_id");
    live_free(&l, c);
    /* wrong key (registered kid, other key) */
    c = live_client(&l, base, "0oa_rsa2048", "unregistered.pem", "rsa2048", OKTA_CC_OK, &err);
    l.lt.verify_key = "unregistered";
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "signature is invalid");
    live_free(&l, c);
    /* wrong kid */
    c = live_client(&l, base, "0oa_two_keys", "rsa2048-pkcs1.pem", "nope", OKTA_CC_OK, &err);
    l.lt.verify_key = "rsa2048";
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "kid is invalid");
    live_free(&l, c);
    /* wrong audience: the assertion names a custom server, the request goes to the org one */
    c = live_client(&l, base, "0oa_rsa2048", "rsa2048-pkcs1.pem", "rsa2048", OKTA_CC_OK, &err);
    snprintf(url, sizeof url, "%s/oauth2/v1/token", base);
    l.cfg.auth_server_id = "default";
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    l.lt.rewrite_url = url;
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "audience");
    live_free(&l, c);
    /* expired assertion: a clock two hours slow */
    clk.now = (int64_t)time(NULL) - 7200;
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.clock = clock_read;
    l.cfg.clock_user = &clk;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "expired");
    /* The refusal's Date header taught the client the real time: the next try works. */
    if (c) {
        char token[4096];
        CHECK(okta_cc_client_clock_offset(c) >= 7195 && okta_cc_client_clock_offset(c) <= 7205);
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    }
    live_free(&l, c);
    /* replayed jti: a random source that always says the same */
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.random = fixed_random;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    l.lt.verify_key = "-+replay";      /* the verifier expects this jti to repeat */
    if (c) {
        char token[4096];
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK ||
              strstr(err.oauth_error_description, "already been used") != NULL);
        okta_cc_client_invalidate_token(c);
    }
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "already been used");
    live_free(&l, c);
    /* unknown scope */
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.scopes = "okta.users.read okta.groups.manage";
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_scope", "okta.groups.manage");
    live_free(&l, c);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_waits(void *u, long ms) { (void)ms; ++*(int *)u; }

static void live_transport_failures(const char *base)
{
    live l;
    okta_cc_error err;
    okta_cc_client *c;
    double t0;
    char refused[64];
    h_refused_url(refused, sizeof refused);     /* connection refused: a port that was just free */
    c = live_client(&l, refused, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    if (c) {                                    /* the retries' waits counted, not slept */
        static int waits;
        l.cfg.sleep = count_waits;
        l.cfg.sleep_user = &waits;
        c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    }
    expect_token_error(c, OKTA_CC_ERR_CONNECT, NULL, NULL);      /* nothing was sent */
    live_free(&l, c);
    /* a server that never answers: TIMEOUT within the configured 1 s */
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.http.timeout_ms = 1000;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    fault(base, "token", "[{\"kind\":\"hang\"}]");
    t0 = now_s();
    expect_token_error(c, OKTA_CC_ERR_TIMEOUT, NULL, NULL);
    CHECK(now_s() - t0 < 2.5);
    /* 500 */
    fault(base, "token", "[{\"kind\":\"status\",\"status\":500}]");
    expect_token_error(c, OKTA_CC_ERR_HTTP, NULL, NULL);
    /* 200 with garbage */
    fault(base, "token", "[{\"kind\":\"garbage\",\"status\":200}]");
    expect_token_error(c, OKTA_CC_ERR_BAD_RESPONSE, NULL, NULL);
    /* 200 with a 3 MB body over the 1 MiB cap (chunked, so only the write callback can stop it) */
    fault(base, "token", "[{\"kind\":\"oversized\",\"bytes\":3000000}]");
    expect_token_error(c, OKTA_CC_ERR_RESPONSE_TOO_LARGE, NULL, NULL);
    /* truncated body, reset connection */
    fault(base, "token", "[{\"kind\":\"truncated\"}]");
    expect_token_error(c, OKTA_CC_ERR_NETWORK, NULL, NULL);
    fault(base, "token", "[{\"kind\":\"reset\"}]");
    expect_token_error(c, OKTA_CC_ERR_NETWORK, NULL, NULL);
    /* and then it works again on the same client */
    {
        char token[4096];
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    }
    live_free(&l, c);
}

static void live_tls_verification(void)
{
    const char *https = env("OKTA_CC_TEST_HTTPS_URL"), *untrusted = env("OKTA_CC_TEST_UNTRUSTED_URL");
    live l;
    okta_cc_error err;
    okta_cc_client *c;
    char token[4096];
    size_t len;
    char *ca_pem;
    if (!https || !untrusted) { h_current_failed = 1; return; }
    /* an untrusted certificate is refused even with our CA configured */
    c = live_client(&l, untrusted, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_TLS, NULL, NULL);
    live_free(&l, c);
    /* our server's certificate is refused with the system CA store (no CA configured),
       also by the client's own libcurl transport */
    c = live_client(&l, https, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.http.ca_file = NULL;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_TLS, NULL, NULL);
    live_free(&l, c);
    l.cfg.transport.perform = NULL;
    c = new_client(&l.cfg, OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_TLS, NULL, NULL);
    okta_cc_client_free(c);
    /* the CA as PEM text in memory */
    ca_pem = h_read_file(env("OKTA_CC_TEST_CA"), &len);
    l.cfg.http.ca_pem = ca_pem;
    c = new_client(&l.cfg, OKTA_CC_OK, &err);
    if (c) CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    okta_cc_client_free(c);
    free(ca_pem);
}

static void live_custom_server_and_secrets(const char *base)
{
    live l;
    okta_cc_error err;
    okta_cc_client *c;
    char token[4096];
    /* private_key_jwt at a custom authorization server: aud follows the URL */
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    l.cfg.auth_server_id = "default";
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    if (c) {
        CHECK(strstr(okta_cc_client_token_url(c), "/oauth2/default/v1/token") != NULL);
        CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    }
    live_free(&l, c);
    /* client secrets, basic and post */
    c = live_client(&l, base, "0oa_secret", NULL, NULL, OKTA_CC_ERR_CONFIG, &err);  /* no key, no secret */
    l.cfg.auth_server_id = "default";
    l.cfg.scopes = "custom.read";
    l.cfg.client_secret = "s3cret value+/=&";
    l.cfg.auth_method = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    if (c && okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  basic: %s\n", err.message);
        h_current_failed = 1;
    }
    l.cfg.client_id = "0oa_secret_post";
    l.cfg.client_secret = "an0ther s3cret";
    l.cfg.auth_method = OKTA_CC_AUTH_CLIENT_SECRET_POST;
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    if (c) CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    l.cfg.client_secret = "wrong";
    c = live_rebuild(&l, c, OKTA_CC_OK, &err);
    expect_token_error(c, OKTA_CC_ERR_OAUTH, "invalid_client", "secret");
    live_free(&l, c);
}

/* DPoP against the local server: ALWAYS (one nonce round trip), AUTO (the server's "header is
   missing" switches it, then the nonce), NEVER (the refusal, no proof sent), and a Bearer-only
   app in NEVER mode as before. */
static void live_dpop_tokens(const char *base)
{
    live l;
    okta_cc_client *c;
    okta_cc_error err;
    okta_cc_token_info info;
    char token[2048];
    long ch, rq, pf;
    c = live_client(&l, base, "0oa_dpop", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    if (!c) return;
    l.cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    if (!(c = live_rebuild(&l, c, OKTA_CC_OK, &err))) return;
    ch = stat_value(base, "dpop_nonce_challenges");
    rq = stat_value(base, "token_requests");
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK_EQ_INT(stat_value(base, "dpop_nonce_challenges") - ch, 1);
    CHECK_EQ_INT(stat_value(base, "token_requests") - rq, 2);
    okta_cc_client_invalidate_token(c);         /* the nonce is known now: one request */
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(stat_value(base, "token_requests") - rq, 3);
    l.cfg.dpop = OKTA_CC_DPOP_AUTO;
    if (!(c = live_rebuild(&l, c, OKTA_CC_OK, &err))) return;
    ch = stat_value(base, "dpop_nonce_challenges");
    rq = stat_value(base, "token_requests");
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK_EQ_INT(stat_value(base, "token_requests") - rq, 3);
    CHECK_EQ_INT(stat_value(base, "dpop_nonce_challenges") - ch, 1);
    l.cfg.dpop = OKTA_CC_DPOP_NEVER;
    if (!(c = live_rebuild(&l, c, OKTA_CC_OK, &err))) return;
    pf = stat_value(base, "dpop_proofs_seen");
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_ERR_OAUTH);
    CHECK_EQ_STR(err.oauth_error, "invalid_dpop_proof");
    CHECK_EQ_STR(err.oauth_error_description, "The DPoP proof JWT header is missing.");
    CHECK_EQ_INT(stat_value(base, "dpop_proofs_seen") - pf, 0);
    live_free(&l, c);
    c = live_client(&l, base, "0oa_ec", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    if (!c) return;
    l.cfg.dpop = OKTA_CC_DPOP_NEVER;
    if (!(c = live_rebuild(&l, c, OKTA_CC_OK, &err))) return;
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "Bearer");
    CHECK(token_accepted(base, token));
    CHECK_EQ_INT(stat_value(base, "dpop_proofs_seen") - pf, 0);
    live_free(&l, c);
}

/* For real, with DPoP: the token endpoint answers 429, 503 and 504 before it issues the token.
   Every attempt carries a new assertion and a new proof (the server would refuse a replay of
   either), each retry names the refused request; a limit that persists is RATE_LIMITED with
   the server's Reset. The waits go to an injected sleep. */
static void live_token_rate_limits(const char *base)
{
    live l;
    okta_cc_client *c;
    okta_cc_error err;
    okta_cc_token_info info;
    test_clock clk;
    sleeper z;
    live_attempt a[12];
    char token[2048], jti[12][64], proofs[12][64];
    int n, i, k;
    memset(&z, 0, sizeof z);
    clk.now = (int64_t)time(NULL);
    z.clk = &clk;
    c = live_client(&l, base, "0oa_dpop", "ec256-sec1.pem", "ec256", OKTA_CC_OK, &err);
    if (!c) return;
    l.cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    l.cfg.max_retries = 3;
    l.cfg.sleep = sleeper_sleep;
    l.cfg.sleep_user = &z;
    if (!(c = live_rebuild(&l, c, OKTA_CC_OK, &err))) return;
    CHECK(control(base, "/__test/reset_stats", "{}", NULL) == 200);
    fault(base, "token", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":0},{\"kind\":\"status\",\"status\":503},{\"kind\":\"status\",\"status\":504}]");
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err), OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK_EQ_INT(z.sleeps, 3);
    n = live_attempts(base, a, 12);
    CHECK(n >= 4);                               /* 429, 503, 504, (use_dpop_nonce,) 200 */
    if (n >= 4) {
        CHECK(a[0].status == 429 && a[1].status == 503 && a[2].status == 504 && a[n - 1].status == 200);
        for (i = 0; i < n; i++) {
            snprintf(jti[i], sizeof jti[i], "%s", a[i].assertion_jti);
            snprintf(proofs[i], sizeof proofs[i], "%s", a[i].dpop_jti);
            CHECK(strcmp(a[i].target, "token") == 0);
        }
        CHECK(all_different((const char (*)[64])jti, n));
        CHECK(all_different((const char (*)[64])proofs, n));
        CHECK(!a[0].retry_for[0] && !a[0].retry_count[0]);
        for (k = 1; k < n; k++) {
            char want[16];
            snprintf(want, sizeof want, "%d", k);
            CHECK_EQ_STR(a[k].retry_for, a[k - 1].request_id);
            CHECK_EQ_STR(a[k].retry_count, want);
        }
    }
    /* a limit that stays: the rate-limit error after the budget (3 retries), the Reset kept */
    okta_cc_client_invalidate_token(c);
    z.sleeps = 0;
    fault(base, "token", "[{\"kind\":\"status\",\"status\":429,\"reset_in\":10},{\"kind\":\"status\",\"status\":429,\"reset_in\":10},"
          "{\"kind\":\"status\",\"status\":429,\"reset_in\":10},{\"kind\":\"status\",\"status\":429,\"reset_in\":10},{\"kind\":\"status\",\"status\":429,\"reset_in\":10}]");
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, &info, &err), OKTA_CC_ERR_RATE_LIMITED);
    CHECK_EQ_INT(z.sleeps, 3);                  /* 3 x 11 s: within the 60 s deadline */
    CHECK(err.rate_limit_reset >= (int64_t)time(NULL) + 8 && err.rate_limit_reset <= (int64_t)time(NULL) + 11);
    CHECK_EQ_STR(err.okta_error_code, "E0000047");
    CHECK(strstr(err.message, "HTTP 429") != NULL && strstr(err.message, "resets in") != NULL);
    control(base, "/__test/clear_faults", "{}", NULL);
    live_free(&l, c);
}

static const char *live_base;
static void test_live_http_key_forms(void) { live_tokens_for_every_key_form(live_base); }
static void test_live_expiry(void) { live_expiry_refetch_with_injected_clock(live_base); }
static void test_live_single_flight_16x1000(void) { live_single_flight(live_base); }
static void test_live_token_errors(void) { live_token_endpoint_errors(live_base); }
static void test_live_transport_failures(void) { live_transport_failures(live_base); }
static void test_live_custom_server_and_secrets(void) { live_custom_server_and_secrets(live_base); }
static void test_live_dpop(void) { live_dpop_tokens(live_base); }
static void test_live_token_rate_limits(void) { live_token_rate_limits(live_base); }

static void run_live(const char *label, const char *base)
{
    char name[128];
    live_base = base;
#define LIVE(fn) (snprintf(name, sizeof name, "%s/%s", label, #fn), h_begin(name), fn(), h_end())
    LIVE(test_live_http_key_forms);
    LIVE(test_live_expiry);
    LIVE(test_live_single_flight_16x1000);
    LIVE(test_live_token_errors);
    LIVE(test_live_transport_failures);
    LIVE(test_live_custom_server_and_secrets);
    LIVE(test_live_dpop);
    LIVE(test_live_token_rate_limits);
#undef LIVE
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (env("OKTA_CC_TEST_ASSERTIONS")) assertion_log = fopen(env("OKTA_CC_TEST_ASSERTIONS"), "a");
    h_begin("live_server_configured");
    CHECK(env("OKTA_CC_TEST_HTTP_URL") != NULL);
    h_end();
    if (env("OKTA_CC_TEST_HTTP_URL")) {
        run_live("http", env("OKTA_CC_TEST_HTTP_URL"));
        run_live("https", env("OKTA_CC_TEST_HTTPS_URL"));
        RUN(live_tls_verification);
    }
    if (assertion_log) fclose(assertion_log);
    curl_global_cleanup();
    return h_summary();
}
