#define _POSIX_C_SOURCE 200809L
/* TLS refusals, against servers started by tests/live/tls_suite.sh with certificates it makes with
   the openssl CLI: a leaf of a CA the client does not trust, a wrong host name, an expired
   certificate, one not yet valid, a self-signed one. Each must be refused with OKTA_CC_ERR_TLS
   and a message naming the reason, for the token fetch and for an API request (its token
   fetched from the trusted server), before anything reaches the server: the refused server's
   counters and request log stay empty while it did accept the TCP connection. A server with a
   valid certificate from the trusted CA must accept the very same configuration, so each
   refusal is for the stated reason and not a broken test PKI. insecure_skip_tls_verify is off
   by default; with it on, each of those servers is reachable, and a warning goes to stderr
   exactly once per client. And fork() from a client with a warm TLS connection: parent and
   child each get their own answers (tests/live/live.h), the child on its own connections. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "live.h"

#include <curl/curl.h>
#include <pthread.h>
#include <unistd.h>

typedef struct tls_case {
    const char *name, *url_env;
    const char *reason, *reason_alt;    /* the message must name one of them */
} tls_case;

static const tls_case cases[] = {
    {"other-ca", "OKTA_CC_TEST_TLS_OTHER_CA_URL", "unable to get local issuer certificate", NULL},
    {"wrong-name", "OKTA_CC_TEST_TLS_WRONG_NAME_URL", "no alternative certificate subject name matches", NULL},
    {"expired", "OKTA_CC_TEST_TLS_EXPIRED_URL", "certificate has expired", NULL},
    {"not-yet-valid", "OKTA_CC_TEST_TLS_NOT_YET_VALID_URL", "certificate is not yet valid", NULL},
    /* OpenSSL 3 spells it with a hyphen, 1.1 without */
    {"self-signed", "OKTA_CC_TEST_TLS_SELF_SIGNED_URL", "self-signed certificate", "self signed certificate"},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* ---- the servers' /__test/ endpoints, read with plain libcurl and NO verification: the
   refused servers must be asked what they saw (test code, loopback only) ---- */

static size_t collect(char *d, size_t s, size_t n, void *u)
{
    char *buf = (char *)u;
    size_t have = strlen(buf), add = s * n;
    if (have + add < 16384) { memcpy(buf + have, d, add); buf[have + add] = '\0'; }
    return s * n;
}

/* GET base + path into out (16 KiB); the HTTP status or 0. */
static long peek(const char *base, const char *path, char *out)
{
    char url[512];
    long status = 0;
    CURL *h = curl_easy_init();
    snprintf(url, sizeof url, "%s%s", base, path);
    out[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

typedef struct seen {
    long token_requests, api_requests, connections_opened;
    int log_empty;                      /* GET /__test/requests is [] */
} seen;

static long stat_of(const okta_cc_json_doc *doc, const char *name)
{
    int64_t v = -1;
    okta_cc_json_get_int64(doc, (size_t)okta_cc_json_find(doc, 0, name), &v, NULL);
    return (long)v;
}

static seen server_seen(const char *base)
{
    char body[16384];
    okta_cc_json_token tok[128];
    okta_cc_json_doc doc;
    seen s = {-1, -1, -1, 0};
    if (peek(base, "/__test/stats", body) == 200 &&
        okta_cc_json_parse(body, strlen(body), tok, 128, NULL, &doc, NULL) == OKTA_CC_OK) {
        s.token_requests = stat_of(&doc, "token_requests");
        s.api_requests = stat_of(&doc, "api_requests");
        s.connections_opened = stat_of(&doc, "connections_opened");
    }
    s.log_empty = peek(base, "/__test/requests", body) == 200 && strcmp(body, "[]") == 0;
    return s;
}

/* ---- clients ---- */

/* Every client logs here: the lines that name the insecure-TLS warning are counted (threads
   log too, hence the lock). */
static pthread_mutex_t tls_log_lock = PTHREAD_MUTEX_INITIALIZER;
static int tls_log_warnings;

static void tls_log(void *user, const char *line)
{
    (void)user;
    if (!strstr(line, "TLS certificate verification is OFF")) return;
    pthread_mutex_lock(&tls_log_lock);
    tls_log_warnings++;
    pthread_mutex_unlock(&tls_log_lock);
}

/* The one configuration every test uses: trust the test CA only. token_url NULL: the org's. */
static void tls_config(okta_cc_config *cfg, const char *org, const char *token_url)
{
    okta_cc_config_init(cfg);
    cfg->org_url = org;
    cfg->token_url = token_url;
    cfg->client_id = "0oa_tls";
    cfg->private_key = env("OKTA_CC_TEST_TLS_KEY");
    cfg->key_id = "tls-ec";
    cfg->scopes = "okta.users.read";
    cfg->http.ca_file = env("OKTA_CC_TEST_CA");
    cfg->http.timeout_ms = 10000;
    cfg->log = tls_log;
}

static okta_cc_client *tls_client(const okta_cc_config *cfg)
{
    okta_cc_client *c = NULL;
    okta_cc_error err;
    if (okta_cc_client_new(&c, cfg, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  client: %s\n", err.message);
        h_current_failed = 1;
        return NULL;
    }
    return c;
}

static const char *valid_url(void) { return env("OKTA_CC_TEST_TLS_VALID_URL"); }

static const char *valid_token_url(void)
{
    static char url[512];
    snprintf(url, sizeof url, "%s/oauth2/v1/token", valid_url() ? valid_url() : "");
    return url;
}

static int names_reason(const tls_case *tc, const char *message)
{
    return strstr(message, tc->reason) || (tc->reason_alt && strstr(message, tc->reason_alt));
}

/* The CURLcode and message of each refusal, for the log. */
static void note(const char *what, const tls_case *tc, const okta_cc_error *err)
{
    printf("     %s/%s: %s, CURLcode %ld (%s): %s\n", tc->name, what, okta_cc_result_str(err->code),
           err->transport_code, curl_easy_strerror((CURLcode)err->transport_code), err->message);
}

/* ---- the trusted server: the same configuration works ---- */

static void tls_valid_certificate_accepted(void)
{
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_error err;
    okta_cc_response resp;
    char token[4096] = "";
    seen before, after;
    if (!valid_url() || !env("OKTA_CC_TEST_CA") || !env("OKTA_CC_TEST_TLS_KEY")) { h_current_failed = 1; return; }
    before = server_seen(valid_url());
    tls_config(&cfg, valid_url(), NULL);
    if (!(c = tls_client(&cfg))) return;
    if (okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  token: %s\n", err.message);
        h_current_failed = 1;
    }
    CHECK(token[0] != '\0');
    memset(&resp, 0, sizeof resp);
    if (okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  api: %s\n", err.message);
        h_current_failed = 1;
    }
    CHECK_EQ_INT(resp.http.status, 200);
    okta_cc_response_free(&resp);
    okta_cc_client_free(c);
    after = server_seen(valid_url());
    /* what the refused servers must never show, this one does */
    CHECK_EQ_INT(after.token_requests - before.token_requests, 1);
    CHECK_EQ_INT(after.api_requests - before.api_requests, 1);
    CHECK(!after.log_empty);
}

/* ---- fork(): the child must not continue the parent's TLS session ---- */

/* fork() from a client with a warm TLS connection (tests/live/test_api_live.c does it over HTTP): if
   the child used it, both processes would write records with the same keys and sequence
   numbers, and the server would see a bad MAC or answer the wrong process. */
static void tls_fork_parent_and_child_each_get_their_answers(void)
{
    const char *base = env("OKTA_CC_TEST_TLS_FORK_URL");
    okta_cc_config cfg;
    okta_cc_client *c;
    if (!base || !env("OKTA_CC_TEST_CA") || !env("OKTA_CC_TEST_TLS_KEY")) { h_current_failed = 1; return; }
    tls_config(&cfg, base, NULL);
    cfg.http.timeout_ms = 5000;
    cfg.max_retries = -1;       /* a broken stream must show, not be retried away */
    if (!(c = tls_client(&cfg))) return;
    CHECK_EQ_INT(live_fork_rounds(c, base, 50), 50);
    okta_cc_client_free(c);
}

/* ---- refusals ---- */

static void expect_refused(const tls_case *tc, okta_cc_result got, const okta_cc_error *err, const char *url)
{
    if (got != OKTA_CC_ERR_TLS)
        fprintf(stderr, "  %s: expected OKTA_CC_ERR_TLS, got %s: %s\n", tc->name, okta_cc_result_str(got), err->message);
    CHECK(got == OKTA_CC_ERR_TLS);
    CHECK(err->code == OKTA_CC_ERR_TLS);
    if (!names_reason(tc, err->message))
        fprintf(stderr, "  %s: message does not name \"%s\": %s\n", tc->name, tc->reason, err->message);
    CHECK(names_reason(tc, err->message));
    CHECK(strstr(err->message, url) != NULL);       /* and says where */
    CHECK(err->transport_code != 0);
    CHECK_EQ_INT(err->http_status, 0);
}

/* The server accepted exactly one TCP connection from the client (one handshake: a TLS
   refusal is not retried) and handled no request: nothing was sent over it. Between two
   server_seen calls the server also counts two of their own connections: the requests log of
   the first, the stats of the second (counted before it answers). */
static void expect_nothing_handled(const tls_case *tc, const char *base, seen before)
{
    seen after = server_seen(base);
    long client_connections = after.connections_opened - before.connections_opened - 2;
    CHECK_EQ_INT(after.token_requests, 0);
    CHECK_EQ_INT(after.api_requests, 0);
    CHECK(after.log_empty);
    if (client_connections != 1) fprintf(stderr, "  %s: %ld connections\n", tc->name, client_connections);
    CHECK_EQ_INT(client_connections, 1);
}

static void token_refused(const tls_case *tc)
{
    const char *base = env(tc->url_env);
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_error err;
    okta_cc_result r;
    char token[4096] = "";
    seen before;
    if (!base) { h_current_failed = 1; return; }
    before = server_seen(base);
    CHECK(before.connections_opened >= 0);          /* the server is there */
    tls_config(&cfg, base, NULL);
    if (!(c = tls_client(&cfg))) return;
    r = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    expect_refused(tc, r, &err, okta_cc_client_token_url(c));
    CHECK(token[0] == '\0');
    note("token", tc, &err);
    okta_cc_client_free(c);
    expect_nothing_handled(tc, base, before);
}

/* The API request on its own: the org is the refused server, the token comes from the trusted
   one (token_url), so the refused connection is the one that would carry the token. */
static void api_refused(const tls_case *tc)
{
    const char *base = env(tc->url_env);
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_error err;
    okta_cc_response resp;
    okta_cc_result r;
    char url[512];
    seen before, valid_before, valid_after;
    if (!base || !valid_url()) { h_current_failed = 1; return; }
    before = server_seen(base);
    valid_before = server_seen(valid_url());
    tls_config(&cfg, base, valid_token_url());
    if (!(c = tls_client(&cfg))) return;
    memset(&resp, 0, sizeof resp);
    r = okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err);
    snprintf(url, sizeof url, "%s/api/v1/users", base);
    expect_refused(tc, r, &err, url);
    CHECK_EQ_INT(resp.retries, 0);
    CHECK_EQ_INT(resp.http.status, 0);
    note("api", tc, &err);
    okta_cc_response_free(&resp);
    okta_cc_client_free(c);
    valid_after = server_seen(valid_url());
    /* a token was fetched, so the API request really was attempted with one */
    CHECK_EQ_INT(valid_after.token_requests - valid_before.token_requests, 1);
    CHECK_EQ_INT(valid_after.api_requests - valid_before.api_requests, 0);
    expect_nothing_handled(tc, base, before);
}

static size_t current;
static void tls_token_refused(void) { token_refused(&cases[current]); }
static void tls_api_refused(void) { api_refused(&cases[current]); }

/* ---- insecure_skip_tls_verify ---- */

/* stderr into a temporary file while a block runs, and the warnings logged meanwhile. */
typedef struct capture {
    FILE *file;
    int saved;
    int logged_before;
} capture;

static int capture_begin(capture *cap)
{
    pthread_mutex_lock(&tls_log_lock);
    cap->logged_before = tls_log_warnings;
    pthread_mutex_unlock(&tls_log_lock);
    fflush(stderr);
    cap->file = tmpfile();
    cap->saved = dup(2);
    if (!cap->file || cap->saved < 0 || dup2(fileno(cap->file), 2) < 0) {
        if (cap->file) fclose(cap->file);
        if (cap->saved >= 0) close(cap->saved);
        return 0;
    }
    return 1;
}

/* Restores stderr (passing the captured text on, so a failure shows it) and returns how many
   warnings went to cfg.log meanwhile. The library writes nothing to stderr itself: the
   warning appearing there at all (what) fails the test. */
static int capture_end(capture *cap, const char *what)
{
    char buf[16384];
    size_t n;
    int count = 0;
    const char *p;
    fflush(stderr);
    dup2(cap->saved, 2);
    close(cap->saved);
    rewind(cap->file);
    n = fread(buf, 1, sizeof buf - 1, cap->file);
    buf[n] = '\0';
    fclose(cap->file);
    fputs(buf, stderr);
    for (p = buf; (p = strstr(p, what)) != NULL; p += strlen(what)) count++;
    if (count) {
        fprintf(stderr, "  the library wrote %d warning(s) to stderr, not through cfg.log\n", count);
        h_current_failed = 1;
    }
    pthread_mutex_lock(&tls_log_lock);
    count = tls_log_warnings - cap->logged_before;
    pthread_mutex_unlock(&tls_log_lock);
    return count;
}

#define WARNING "TLS certificate verification is OFF"

static void tls_insecure_off_by_default(void)
{
    okta_cc_config cfg;
    okta_cc_client *c;
    capture cap;
    okta_cc_config_init(&cfg);
    CHECK_EQ_INT(cfg.http.insecure_skip_tls_verify, 0);
    /* no environment variable turns it on */
    setenv("OKTA_CLIENT_ORGURL", "https://example.okta.com", 1);
    setenv("OKTA_CC_CA_FILE", env("OKTA_CC_TEST_CA") ? env("OKTA_CC_TEST_CA") : "/dev/null", 1);
    okta_cc_config_from_env(&cfg);
    unsetenv("OKTA_CLIENT_ORGURL");
    unsetenv("OKTA_CC_CA_FILE");
    CHECK_EQ_INT(cfg.http.insecure_skip_tls_verify, 0);
    /* and a client with the default prints no warning */
    tls_config(&cfg, valid_url(), NULL);
    if (!capture_begin(&cap)) { h_current_failed = 1; return; }
    c = tls_client(&cfg);
    okta_cc_client_free(c);
    CHECK_EQ_INT(capture_end(&cap, "WARNING"), 0);
}

typedef struct parallel_gets {
    okta_cc_client *c;
    int failures;
} parallel_gets;

static void *get_users_5(void *user)
{
    parallel_gets *pg = (parallel_gets *)user;
    int i;
    for (i = 0; i < 5; i++) {
        okta_cc_response resp;
        okta_cc_error err;
        memset(&resp, 0, sizeof resp);
        if (okta_cc_request(pg->c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err) != OKTA_CC_OK)
            pg->failures++;
        okta_cc_response_free(&resp);
    }
    return NULL;
}

/* With the option on, each refused server is reached (token and API request handled: the
   option really turns the checks off, and the refusals above were the checks' doing), and
   each client warns once, at creation, whatever it does after (4 threads: several handles). */
static void tls_insecure_reaches_every_refused_server_and_warns_once(void)
{
    size_t i;
    for (i = 0; i < N_CASES; i++) {
        const tls_case *tc = &cases[i];
        const char *base = env(tc->url_env);
        okta_cc_config cfg;
        okta_cc_client *c;
        okta_cc_error err;
        okta_cc_response resp;
        char token[4096];
        capture cap;
        seen before, after;
        int at_creation, total, t;
        pthread_t th[4];
        parallel_gets pg[4];
        if (!base) { h_current_failed = 1; return; }
        before = server_seen(base);
        tls_config(&cfg, base, NULL);
        cfg.http.insecure_skip_tls_verify = 1;
        if (!capture_begin(&cap)) { h_current_failed = 1; return; }
        c = tls_client(&cfg);
        at_creation = capture_end(&cap, WARNING);
        if (!c) continue;
        if (!capture_begin(&cap)) { h_current_failed = 1; okta_cc_client_free(c); return; }
        if (okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) != OKTA_CC_OK) {
            fprintf(stderr, "  %s: insecure token: %s\n", tc->name, err.message);
            h_current_failed = 1;
        }
        memset(&resp, 0, sizeof resp);
        CHECK(okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err) == OKTA_CC_OK);
        CHECK_EQ_INT(resp.http.status, 200);
        okta_cc_response_free(&resp);
        for (t = 0; t < 4; t++) {
            pg[t].c = c;
            pg[t].failures = 0;
            pthread_create(&th[t], NULL, get_users_5, &pg[t]);
        }
        for (t = 0; t < 4; t++) {
            pthread_join(th[t], NULL);
            CHECK_EQ_INT(pg[t].failures, 0);
        }
        okta_cc_client_free(c);
        total = at_creation + capture_end(&cap, WARNING);
        if (at_creation != 1 || total != 1)
            fprintf(stderr, "  %s: %d warnings at creation, %d in all\n", tc->name, at_creation, total);
        CHECK_EQ_INT(at_creation, 1);
        CHECK_EQ_INT(total, 1);
        after = server_seen(base);
        CHECK_EQ_INT(after.token_requests - before.token_requests, 1);
        CHECK_EQ_INT(after.api_requests - before.api_requests, 21);
        printf("     %s/insecure: token and 21 API requests on %ld connection(s)\n", tc->name,
               after.connections_opened - before.connections_opened - 2);
    }
}

/* Two clients, two warnings; the transport on its own warns too (it is what a client makes). */
static void tls_insecure_warns_once_per_client(void)
{
    okta_cc_config cfg;
    okta_cc_client *a, *b;
    okta_cc_transport t;
    okta_cc_error err;
    capture cap;
    int n;
    tls_config(&cfg, env("OKTA_CC_TEST_TLS_EXPIRED_URL"), NULL);
    cfg.http.insecure_skip_tls_verify = 1;
    if (!capture_begin(&cap)) { h_current_failed = 1; return; }
    a = tls_client(&cfg);
    b = tls_client(&cfg);
    okta_cc_client_free(a);
    okta_cc_client_free(b);
    n = capture_end(&cap, WARNING);
    CHECK_EQ_INT(n, 2);
    if (!capture_begin(&cap)) { h_current_failed = 1; return; }
    CHECK(okta_cc_curl_transport_new(&t, &cfg.http, &cfg.alloc, cfg.log, cfg.log_user, &err) == OKTA_CC_OK);
    okta_cc_curl_transport_free(&t);
    n = capture_end(&cap, WARNING);
    CHECK_EQ_INT(n, 1);
}

/* test_tls [-q] [refusals|insecure]: one part (tests/live/tls_suite.sh runs the insecure part
   after it has checked the refused servers' logs), or both. */
int main(int argc, char **argv)
{
    char name[128];
    const char *part = argc > 1 ? argv[argc - 1] : "";
    int refusals = strcmp(part, "insecure") != 0, insecure = strcmp(part, "refusals") != 0;
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(tls_valid_certificate_accepted);
    if (refusals) RUN(tls_fork_parent_and_child_each_get_their_answers);
    for (current = 0; refusals && current < N_CASES; current++) {
        snprintf(name, sizeof name, "tls/%s/token_fetch_refused", cases[current].name);
        h_begin(name), tls_token_refused(), h_end();
        snprintf(name, sizeof name, "tls/%s/api_request_refused", cases[current].name);
        h_begin(name), tls_api_refused(), h_end();
    }
    if (insecure) {
        RUN(tls_insecure_off_by_default);
        RUN(tls_insecure_reaches_every_refused_server_and_warns_once);
        RUN(tls_insecure_warns_once_per_client);
    }
    curl_global_cleanup();
    return h_summary();
}
