/* Shared by fuzz_dpop_challenge.c and fuzz_flow.c: a client on a scripted transport (custom
   okta_cc_transport, canned and fuzzed responses, never the network), with injected clock, sleep
   and randomness, and the invariants checked on everything the client sends and returns.

   Fuzzed input is a list of records separated by the byte 0x1e (ASCII record separator). A
   record is one response: header lines ('\n' ends a line; a trailing '\r' is the library's to
   drop), a blank line, then the body. Each target says what a record answers.

   Checked on every request the client hands the transport (abort() on a violation):
     - it goes to the org's origin (a token never leaves it), method and URL without control bytes,
       header lines without control bytes but HTAB;
     - a DPoP proof, when there is one, is a compact JWS whose header says typ dpop+jwt and whose
       claims have htm = the method, htu = okta_cc_dpop_htu(url), a jti never seen before in this
       run, iat, ath = okta_cc_dpop_ath(token) on API calls (none on token requests), and a nonce
       that is exactly the latest valid DPoP-Nonce (1*NQCHAR, under 256 bytes, the first such
       header of a response) the same endpoint kind (token endpoint / API) sent, or none when it
       sent none: never a nonce mangled, truncated, or taken from the other kind;
     - API calls carry "Authorization: Bearer X" without a proof or "Authorization: DPoP X" with one.
   Checked on what comes back (fuzz_check_result): a valid okta_cc_result; on failure err->code
   is it and err->message is not empty; every string of the okta_cc_error NUL-terminated inside its
   array and without CR or LF (one line each); log lines likewise one line. */
#ifndef FUZZ_SCRIPTED_H
#define FUZZ_SCRIPTED_H

#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "%s: check failed at line %d: %s\n", __FILE__, __LINE__, #x); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* -DFUZZ_TRACE prints each transport call and each step's result (to check what a seed reaches). */
#ifdef FUZZ_TRACE
#define FUZZ_LOG(...) fprintf(stderr, __VA_ARGS__)
#else
#define FUZZ_LOG(...) ((void)0)
#endif

#define FUZZ_ORG "https://fuzz.okta.com"
#define FUZZ_TOKEN_URL FUZZ_ORG "/oauth2/v1/token"
#define FUZZ_RS 0x1e                /* separates the records of an input */
#define FUZZ_MAX_RECORDS 48
#define FUZZ_MAX_JTI 96
#define FUZZ_T0 1795963033          /* Sun, 29 Nov 2026 14:37:13 GMT: the captured seeds' Date */

/* The GENERATED P-256 test key of tests/vectors/jose (generated-ec-p256-pkcs8.pem) signs the
   client assertion; the RFC 7515 A.3 key (rfc7515-a3-ec-pkcs8.pem) signs DPoP proofs. Test keys,
   not secrets. */
static const char fuzz_client_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeCLuXtBaVB+F3gFU\n"
    "eoc9Uq3bTeAzxoZFzlh/fC35Tp2hRANCAATObyBqGLooEFPBZJjKuk3EFJ39GSY8\n"
    "gcbczmHjsJg/KU9hdcF526VlnRdY/Dlq+n/6FEYMZqY7QulA/qjdupbF\n"
    "-----END PRIVATE KEY-----\n";
static const char fuzz_dpop_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
    "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
    "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
    "-----END PRIVATE KEY-----\n";

typedef struct fuzz_record {
    const char *p;
    size_t n;
} fuzz_record;

typedef struct fuzz_script fuzz_script;

/* Fills resp for one request; returns what perform returns. kind: 0 token endpoint, 1 API. */
typedef okta_cc_result (*fuzz_answer_fn)(fuzz_script *s, const okta_cc_http_request *req, int kind,
                                         okta_cc_http_response *resp, okta_cc_error *err);

struct fuzz_script {
    const unsigned char *data;      /* the whole input (secrets found in it are the fuzzer's own) */
    size_t size;
    fuzz_record rec[FUZZ_MAX_RECORDS];
    int nrec;
    fuzz_answer_fn answer;
    int max_calls;                  /* after this many, every call is OKTA_CC_ERR_CONNECT */
    int calls, token_calls, api_calls;
    char nonce[2][256];             /* the latest valid DPoP-Nonce per kind, "" none */
    char jti[FUZZ_MAX_JTI][48];
    int njti;
    char last_token[4096];          /* the token of the last API call ("" none) */
    int64_t now_ms;                 /* the injected clock; sleep advances it */
    long slept_ms;
    unsigned char rnd;              /* the injected random bytes: a counter */
    int log_lines;
};

/* ---- input -------------------------------------------------------------------------------- */

static void fuzz_split(fuzz_script *s, const unsigned char *data, size_t size)
{
    size_t pos = 0;
    s->data = data;
    s->size = size;
    s->nrec = 0;
    while (pos <= size && s->nrec < FUZZ_MAX_RECORDS) {
        const unsigned char *e = (const unsigned char *)memchr(data + pos, FUZZ_RS, size - pos);
        size_t n = e ? (size_t)(e - (data + pos)) : size - pos;
        s->rec[s->nrec].p = (const char *)data + pos;
        s->rec[s->nrec].n = n;
        s->nrec++;
        if (!e) break;
        pos += n + 1;
    }
}

/* Feeds one record: header lines up to the first blank line, then the body. The first error of
   the helpers is the transport's result, as a real transport gives up at a bad line. */
static okta_cc_result fuzz_feed_record(const fuzz_record *rec, okta_cc_http_response *resp, okta_cc_error *err)
{
    size_t pos = 0;
    okta_cc_result r;
    while (pos < rec->n) {
        const char *line = rec->p + pos;
        const char *nl = (const char *)memchr(line, '\n', rec->n - pos);
        size_t len = nl ? (size_t)(nl - line) : rec->n - pos;
        pos += len + (nl ? 1 : 0);
        if (len == 0 || (len == 1 && line[0] == '\r')) break;      /* the blank line */
        r = okta_cc_http_response_header_line(resp, line, len, err);
        if (r != OKTA_CC_OK) return r;
    }
    if (pos < rec->n) return okta_cc_http_response_append_body(resp, rec->p + pos, rec->n - pos, err);
    return OKTA_CC_OK;
}

/* ---- invariants ---------------------------------------------------------------------------- */

static int fuzz_has_ctl(const char *s, int tab_ok)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) return 1;
    }
    return 0;
}

static void fuzz_check_str(const char *s, size_t cap)
{
    CHECK(memchr(s, '\0', cap) != NULL);
    CHECK(strpbrk(s, "\r\n") == NULL);
}

static void fuzz_check_result(okta_cc_result r, const okta_cc_error *e)
{
    CHECK(r == OKTA_CC_OK || r == OKTA_CC_END || (r <= OKTA_CC_ERR_INVALID_ARGUMENT && r >= OKTA_CC_ERR_CONNECT));
    fuzz_check_str(e->message, sizeof e->message);
    fuzz_check_str(e->oauth_error, sizeof e->oauth_error);
    fuzz_check_str(e->oauth_error_description, sizeof e->oauth_error_description);
    fuzz_check_str(e->okta_error_code, sizeof e->okta_error_code);
    fuzz_check_str(e->okta_error_summary, sizeof e->okta_error_summary);
    fuzz_check_str(e->okta_error_id, sizeof e->okta_error_id);
    fuzz_check_str(e->okta_request_id, sizeof e->okta_request_id);
    FUZZ_LOG("  => %s%s%s\n", okta_cc_result_str(r), r < 0 ? ": " : "", r < 0 ? e->message : "");
    if (r < 0) {
        CHECK(e->code == r);
        CHECK(e->message[0] != '\0');
    }
}

/* The decoded JSON of one part of a compact JWS, parsed into doc. 0 when it is not JSON. */
static int fuzz_jws_part(const char *b64, size_t n, char *buf, size_t cap, okta_cc_json_token *tok, size_t ntok,
                         okta_cc_json_doc *doc)
{
    size_t len = 0;
    if (okta_cc_b64url_decode(b64, n, buf, cap - 1, &len, NULL) != OKTA_CC_OK) return 0;
    buf[len] = '\0';
    return okta_cc_json_parse(buf, len, tok, ntok, NULL, doc, NULL) == OKTA_CC_OK && tok[0].type == OKTA_CC_JSON_OBJECT;
}

/* A string member of the object at 0 into out; 0 when absent or not a string. */
static int fuzz_json_str(const okta_cc_json_doc *doc, const char *key, char *out, size_t cap)
{
    long i = okta_cc_json_find(doc, 0, key);
    if (i < 0 || doc->tokens[i].type != OKTA_CC_JSON_STRING) return 0;
    return okta_cc_json_get_string(doc, (size_t)i, out, cap, NULL, NULL) == OKTA_CC_OK;
}

/* The proof of one request (see the top of this file). token: the access token of an API call,
   NULL for the token endpoint. */
static void fuzz_check_proof(fuzz_script *s, const okta_cc_http_request *req, const char *proof, int kind,
                             const char *token)
{
    char buf[4096], val[1024], want[1024];
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    const char *d1 = strchr(proof, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    int64_t iat;
    long i;
    CHECK(d1 && d2 && !strchr(d2 + 1, '.'));
    CHECK(fuzz_jws_part(proof, (size_t)(d1 - proof), buf, sizeof buf, tok, 64, &doc));
    CHECK(fuzz_json_str(&doc, "typ", val, sizeof val) && strcmp(val, "dpop+jwt") == 0);
    CHECK(okta_cc_json_find(&doc, 0, "jwk") >= 0);
    CHECK(fuzz_jws_part(d1 + 1, (size_t)(d2 - d1 - 1), buf, sizeof buf, tok, 64, &doc));
    CHECK(fuzz_json_str(&doc, "htm", val, sizeof val) && strcmp(val, req->method) == 0);
    CHECK(okta_cc_dpop_htu(req->url, want, sizeof want, NULL, NULL) == OKTA_CC_OK);
    CHECK(fuzz_json_str(&doc, "htu", val, sizeof val) && strcmp(val, want) == 0);
    i = okta_cc_json_find(&doc, 0, "iat");
    CHECK(i >= 0 && okta_cc_json_get_int64(&doc, (size_t)i, &iat, NULL) == OKTA_CC_OK);
    /* a new jti for every proof, retries included */
    CHECK(fuzz_json_str(&doc, "jti", val, sizeof val) && val[0] && strlen(val) < sizeof s->jti[0]);
    for (i = 0; i < s->njti; i++) CHECK(strcmp(s->jti[i], val) != 0);
    if (s->njti < FUZZ_MAX_JTI) strcpy(s->jti[s->njti++], val);
    if (token) {
        CHECK(okta_cc_dpop_ath(token, strlen(token), want, sizeof want, NULL, NULL) == OKTA_CC_OK);
        CHECK(fuzz_json_str(&doc, "ath", val, sizeof val) && strcmp(val, want) == 0);
    } else {
        CHECK(okta_cc_json_find(&doc, 0, "ath") < 0);
    }
    /* the nonce: exactly the latest valid one this kind of endpoint sent, or none */
    if (s->nonce[kind][0]) CHECK(fuzz_json_str(&doc, "nonce", val, sizeof val) && strcmp(val, s->nonce[kind]) == 0);
    else CHECK(okta_cc_json_find(&doc, 0, "nonce") < 0);
}

static void fuzz_check_request(fuzz_script *s, const okta_cc_http_request *req, int kind)
{
    const char *proof = NULL, *auth = NULL;
    size_t i;
    CHECK(req->method && req->url && (req->headers || !req->header_count));
    CHECK(!fuzz_has_ctl(req->method, 0) && !fuzz_has_ctl(req->url, 0) && !strchr(req->url, ' '));
    /* nothing, and no token, ever leaves the org's origin */
    CHECK(strncmp(req->url, FUZZ_ORG "/", sizeof FUZZ_ORG) == 0);
    for (i = 0; i < req->header_count; i++) {
        const char *h = req->headers[i];
        CHECK(h && !fuzz_has_ctl(h, 1));
        if (strncmp(h, "DPoP: ", 6) == 0) {
            CHECK(!proof);
            proof = h + 6;
        }
        if (strncmp(h, "Authorization: ", 15) == 0) {
            CHECK(!auth);
            auth = h + 15;
        }
    }
    if (kind == 0) {
        CHECK(strcmp(req->method, "POST") == 0 && strcmp(req->url, FUZZ_TOKEN_URL) == 0 && req->body);
        s->last_token[0] = '\0';
        if (proof) fuzz_check_proof(s, req, proof, 0, NULL);
        return;
    }
    CHECK(auth != NULL);
    if (strncmp(auth, "DPoP ", 5) == 0) {
        CHECK(proof != NULL && strlen(auth + 5) < sizeof s->last_token);
        strcpy(s->last_token, auth + 5);
        fuzz_check_proof(s, req, proof, 1, auth + 5);
    } else {
        CHECK(strncmp(auth, "Bearer ", 7) == 0 && proof == NULL && strlen(auth + 7) < sizeof s->last_token);
        strcpy(s->last_token, auth + 7);
    }
    CHECK(s->last_token[0] != '\0');
}

/* Remembers the response's DPoP-Nonce as the latest of its kind when it is a valid one: the
   first DPoP-Nonce header, 1 to 255 bytes of NQCHAR (%x21 / %x23-5B / %x5D-7E). The bytes are
   taken as the header lookup gives them (with any NUL inside). */
static void fuzz_note_nonce(fuzz_script *s, const okta_cc_http_response *resp, int kind)
{
    size_t n, i;
    const char *v = okta_cc_http_response_header(resp, "DPoP-Nonce", 0, &n);
    if (!v || !n || n >= sizeof s->nonce[0]) return;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return;
    }
    memcpy(s->nonce[kind], v, n);
    s->nonce[kind][n] = '\0';
}

/* ---- the transport and the injected functions ---------------------------------------------- */

static okta_cc_result fuzz_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                   okta_cc_error *err)
{
    fuzz_script *s = (fuzz_script *)ctx;
    int kind;
    okta_cc_result r;
    CHECK(req && resp);
    kind = strcmp(req->method, "POST") == 0 && strcmp(req->url, FUZZ_TOKEN_URL) == 0 ? 0 : 1;
    s->calls++;
    if (kind == 0) s->token_calls++;
    else s->api_calls++;
    fuzz_check_request(s, req, kind);
    if (s->calls > s->max_calls) {
        if (err) {
            err->code = OKTA_CC_ERR_CONNECT;
            snprintf(err->message, sizeof err->message, "fuzz: no more responses");
        }
        return OKTA_CC_ERR_CONNECT;
    }
    r = s->answer(s, req, kind, resp, err);
    /* the client learns from responses only (no status line: no response) */
    if (r == OKTA_CC_OK && resp->status >= 100) fuzz_note_nonce(s, resp, kind);
    FUZZ_LOG("call %d: %s %s%s -> %s, status %ld\n", s->calls, req->method, req->url,
             s->last_token[0] && kind ? (strncmp(req->headers[0], "Authorization: DPoP", 19) == 0 ? " (DPoP)" : " (Bearer)") : "",
             okta_cc_result_str(r), resp->status);
    return r;
}

static int64_t fuzz_clock(void *user) { return ((fuzz_script *)user)->now_ms / 1000; }

static void fuzz_sleep(void *user, long ms)
{
    fuzz_script *s = (fuzz_script *)user;
    CHECK(ms > 0 && ms <= 3600L * 1000 + 1000);     /* waits are capped at an hour (+ jitter) */
    s->slept_ms += ms;
    s->now_ms += ms;
}

static okta_cc_result fuzz_random(void *user, void *buf, size_t len)
{
    fuzz_script *s = (fuzz_script *)user;
    unsigned char *b = (unsigned char *)buf;
    size_t i;
    for (i = 0; i < len; i++) b[i] = (unsigned char)(s->rnd + i * 7);
    s->rnd++;
    return OKTA_CC_OK;
}

static void fuzz_log(void *user, const char *line)
{
    fuzz_script *s = (fuzz_script *)user;
    CHECK(line && strpbrk(line, "\r\n") == NULL);
    s->log_lines++;
}

/* The client key, loaded once per process. */
static const okta_cc_key *fuzz_client_key(void)
{
    static okta_cc_key key;
    static int loaded;
    if (!loaded) {
        okta_cc_error e;
        if (okta_cc_key_load(&key, fuzz_client_key_pem, sizeof fuzz_client_key_pem - 1, NULL, &e) != OKTA_CC_OK) {
            fprintf(stderr, "cannot load the test key: %s\n", e.message);
            abort();
        }
        loaded = 1;
    }
    return &key;
}

/* A config on the scripted transport, all injected; the caller sets dpop and such. */
static void fuzz_config(okta_cc_config *cfg, fuzz_script *s)
{
    okta_cc_config_init(cfg);
    cfg->org_url = FUZZ_ORG;
    cfg->client_id = "0oa_fuzz";
    cfg->scopes = "okta.users.read";
    cfg->key = fuzz_client_key();
    cfg->dpop_key = fuzz_dpop_key_pem;
    cfg->transport.perform = fuzz_perform;
    cfg->transport.ctx = s;
    cfg->clock = fuzz_clock;
    cfg->clock_user = s;
    cfg->sleep = fuzz_sleep;
    cfg->sleep_user = s;
    cfg->random = fuzz_random;
    cfg->random_user = s;
    cfg->log = fuzz_log;
    cfg->log_user = s;
    cfg->max_response_bytes = 16384;
    s->now_ms = (int64_t)FUZZ_T0 * 1000;
}

/* A successful token response of the type the request asked for (DPoP with a proof). */
static okta_cc_result fuzz_token_ok(fuzz_script *s, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                    okta_cc_error *err)
{
    char body[256];
    size_t i;
    int dpop = 0;
    for (i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], "DPoP: ", 6) == 0) dpop = 1;
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, err);
    okta_cc_http_response_header_line(resp, "Content-Type: application/json", 30, err);
    snprintf(body, sizeof body,
             "{\"access_token\":\"tok-%d-QWxhZGRpbjpvcGVuIHNlc2FtZQ\",\"expires_in\":3600,"
             "\"token_type\":\"%s\",\"scope\":\"okta.users.read\"}",
             s->token_calls, dpop ? "DPoP" : "Bearer");
    return okta_cc_http_response_append_body(resp, body, strlen(body), err);
}

/* A successful API response: a page of one user, no next link. */
static okta_cc_result fuzz_api_ok(okta_cc_http_response *resp, okta_cc_error *err)
{
    static const char body[] = "[{\"id\":\"00u0001C8DgYW5sKQYuz\",\"status\":\"ACTIVE\"}]";
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, err);
    okta_cc_http_response_header_line(resp, "Content-Type: application/json", 30, err);
    return okta_cc_http_response_append_body(resp, body, sizeof body - 1, err);
}

#endif /* FUZZ_SCRIPTED_H */
