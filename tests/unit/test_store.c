#define _POSIX_C_SOURCE 200809L
/* Token store tests, scripted (issue 20): the state's encoding, the identity id, the file
   store's refusals (symlink, FIFO, directory, foreign owner, open mode, truncated, corrupt,
   another version or identity), its lock, and clients that meet through it: a second client
   uses the stored token (Bearer and DPoP, with the stored DPoP key), expiry and skew, refresh
   ahead across clients, a 401 that removes the entry, AUTO's remembered DPoP, a store that
   cannot be written, callbacks that call back into the client. No network, no sleeping: a
   scripted transport and an injected clock; every store lives in a new directory under
   $TMPDIR. The same across real processes against the local server: tests/live/test_store_live.c. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "../token_helpers.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pthread.h>

/* ---- a scripted Okta: tokens tok-1, tok-2 ... (DPoP-bound when a proof came), the API -------- */

typedef struct fake {
    int token_requests, proofless, api_requests;
    int require_dpop;               /* a proofless token request gets "header is missing" */
    int refuse_grants;              /* this many token requests with a proof get invalid_client */
    long ttl;                       /* expires_in of the tokens it issues */
    int issued;
    char revoked[8][32];            /* tokens the API refuses with 401 */
    int revoked_count;
    char token_jwk[8][512];         /* the proof's jwk of each token request ("" without) */
    char api_auth[600];             /* the latest API call's Authorization */
    char api_jwk[512];              /* and its proof's jwk */
    char bound_jwk[9][512];         /* the key tok-N is bound to */
    int check_binding;              /* a DPoP token's proof must carry the key it is bound to */
    int binding_refused;
} fake;

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

/* The jwk member of a DPoP proof's header, as text ("" without a proof). */
static void proof_jwk(const char *proof, char *out, size_t cap)
{
    char header[2048];
    size_t n = 0;
    const char *dot = strchr(proof, '.'), *jwk;
    out[0] = '\0';
    if (!proof[0] || !dot || okta_cc_b64url_decode(proof, (size_t)(dot - proof), header, sizeof header - 1, &n, NULL) != OKTA_CC_OK)
        return;
    header[n] = '\0';
    jwk = strstr(header, "\"jwk\":");
    if (jwk) snprintf(out, cap, "%.*s", (int)strcspn(jwk, "}") + 1, jwk);
}

static void fake_answer(okta_cc_http_response *resp, long status, const char *body)
{
    char line[64];
    snprintf(line, sizeof line, "HTTP/1.1 %ld X", status);
    okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
    okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

static okta_cc_result fake_perform_locked(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                          okta_cc_error *err);

static okta_cc_result fake_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                   okta_cc_error *err)
{
    okta_cc_result r;
    pthread_mutex_lock(&fake_lock);
    r = fake_perform_locked(ctx, req, resp, err);
    pthread_mutex_unlock(&fake_lock);
    return r;
}

/* The token a DPoP Authorization names: tok-N gives N (0 when not one of ours). */
static int token_number(const char *auth)
{
    const char *t = strstr(auth, "tok-");
    return t ? atoi(t + 4) : 0;
}

static okta_cc_result fake_perform_locked(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                          okta_cc_error *err)
{
    fake *f = (fake *)ctx;
    char proof[4096], auth[600], body[256];
    int i;
    (void)err;
    request_header(req, "DPoP", proof, sizeof proof);
    if (strstr(req->url, "/oauth2/v1/token")) {
        if (f->token_requests < 8) proof_jwk(proof, f->token_jwk[f->token_requests], sizeof f->token_jwk[0]);
        if (f->issued < 8) proof_jwk(proof, f->bound_jwk[f->issued + 1], sizeof f->bound_jwk[0]);
        f->token_requests++;
        if (!proof[0] && f->require_dpop) {
            f->proofless++;
            fake_answer(resp, 400, "{\"error\":\"invalid_dpop_proof\",\"error_description\":\"The DPoP proof JWT header is missing.\"}");
            return OKTA_CC_OK;
        }
        if (proof[0] && f->refuse_grants > 0) {
            f->refuse_grants--;
            fake_answer(resp, 401, "{\"error\":\"invalid_client\",\"error_description\":\"refused\"}");
            return OKTA_CC_OK;
        }
        snprintf(body, sizeof body, "{\"token_type\":\"%s\",\"expires_in\":%ld,\"access_token\":\"tok-%d\",\"scope\":\"okta.users.read\"}",
                 proof[0] ? "DPoP" : "Bearer", f->ttl ? f->ttl : 3600, ++f->issued);
        fake_answer(resp, 200, body);
        return OKTA_CC_OK;
    }
    f->api_requests++;
    request_header(req, "Authorization", auth, sizeof auth);
    snprintf(f->api_auth, sizeof f->api_auth, "%s", auth);
    proof_jwk(proof, f->api_jwk, sizeof f->api_jwk);
    if (f->check_binding && strncmp(auth, "DPoP ", 5) == 0) {
        int n = token_number(auth);
        if (n < 1 || n > 8 || strcmp(f->bound_jwk[n], f->api_jwk) != 0) {
            f->binding_refused++;
            fake_answer(resp, 401, "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}");
            return OKTA_CC_OK;
        }
    }
    for (i = 0; i < f->revoked_count; i++)
        if (strstr(auth, f->revoked[i]) && auth[strlen(auth) - strlen(f->revoked[i]) - 1] == ' ') {
            fake_answer(resp, 401, "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\"}");
            return OKTA_CC_OK;
        }
    fake_answer(resp, 200, "[]");
    return OKTA_CC_OK;
}

/* ---- logs, temporary directories, clients ---------------------------------------------------- */

typedef struct log_buf {
    char text[16384];
} log_buf;

static void log_line(void *user, const char *line)
{
    log_buf *l = (log_buf *)user;
    size_t have = strlen(l->text);
    if (have + strlen(line) + 2 < sizeof l->text) {
        strcpy(l->text + have, line);
        strcat(l->text + have, "\n");
    }
}

static char tmp_root[512];

/* A new empty directory path under $TMPDIR (not made: the store makes it). */
static void new_dir(char *out, size_t cap)
{
    static int n;
    snprintf(out, cap, "%s/store-%d", tmp_root, ++n);
}

static char key_path[1024];

/* A client of the scripted Okta with the file store, the test clock and a log. */
static void store_config(okta_cc_config *cfg, fake *f, test_clock *clk, okta_cc_token_store *store, log_buf *log)
{
    okta_cc_config_init(cfg);
    snprintf(key_path, sizeof key_path, "%s/jose/rfc7515-a2-rsa-pkcs8.pem", h_vectors_dir());
    cfg->org_url = "https://dev-123.okta.com";
    cfg->client_id = "0oa_store";
    cfg->private_key = key_path;
    cfg->key_id = "kid-unit";
    cfg->scopes = "okta.users.read";
    cfg->transport.perform = fake_perform;
    cfg->transport.ctx = f;
    cfg->clock = clock_read;
    cfg->clock_user = clk;
    cfg->log = log_line;
    cfg->log_user = log;
    cfg->dpop = OKTA_CC_DPOP_NEVER;
    if (store) cfg->token_store = *store;
}

static okta_cc_client *client_of(const okta_cc_config *cfg)
{
    okta_cc_error err;
    return new_client(cfg, OKTA_CC_OK, &err);
}

static okta_cc_result get_token(okta_cc_client *c, char *tok, size_t cap, okta_cc_token_info *info)
{
    okta_cc_error err;
    okta_cc_result r = okta_cc_client_get_token(c, tok, cap, NULL, info, &err);
    if (r != OKTA_CC_OK) fprintf(stderr, "  get_token: %s\n", err.message);
    return r;
}

static okta_cc_result api_get(okta_cc_client *c)
{
    okta_cc_response resp;
    okta_cc_error err;
    okta_cc_result r = okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err);
    if (r != OKTA_CC_OK) fprintf(stderr, "  request: %s\n", err.message);
    okta_cc_response_free(&resp);
    return r;
}

/* The path of a client's entry in dir. */
static void entry_path(const okta_cc_client *c, const char *dir, const char *ext, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s%s", dir, c->store_id, ext);
}

static int file_mode(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (int)(st.st_mode & 0777) | (S_ISREG(st.st_mode) ? 0x10000 : 0) : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp;
    unlink(path);
    fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    chmod(path, mode);
}

/* ---- the state ------------------------------------------------------------------------------- */

static void sample_state(okta_cc__store_state *s, int with_key)
{
    memset(s, 0, sizeof *s);
    memset(s->id, 'a', 64);
    snprintf(s->token_url, sizeof s->token_url, "https://dev-123.okta.com/oauth2/v1/token");
    snprintf(s->client_id, sizeof s->client_id, "0oa_store");
    s->dpop_required = with_key;
    s->clock_offset = -7;
    s->token = (char *)malloc(32);
    snprintf(s->token, 32, "eyJ.to\"ken");       /* a quote: escaped and back */
    s->token_len = strlen(s->token);
    snprintf(s->token_type, sizeof s->token_type, "%s", with_key ? "DPoP" : "Bearer");
    s->expires_at = 1764334800;
    s->expires_in = 3600;
    snprintf(s->scope, sizeof s->scope, "okta.users.read okta.apps.read");
    if (with_key) {
        s->has_key = okta_cc_key_generate(&s->dpop_key, OKTA_CC_KEY_EC, 256, NULL, NULL) == OKTA_CC_OK;
        CHECK(s->has_key);
    }
}

/* Encodes, decodes, compares every field; the DPoP key comes back as the same key. */
static void test_state_round_trip(void)
{
    int with_key;
    for (with_key = 0; with_key < 2; with_key++) {
        okta_cc__store_state s, back;
        okta_cc_json_writer w;
        okta_cc_error err;
        size_t len = 0;
        char tp1[44] = "", tp2[44] = "";
        sample_state(&s, with_key);
        CHECK(okta_cc__store_encode(&s, NULL, &w, &len, &err) == OKTA_CC_OK);
        CHECK(strstr(w.buf, "\"version\":1") != NULL);
        CHECK(okta_cc__store_decode(w.buf, len, s.id, NULL, &back, &err) == OKTA_CC_OK);
        CHECK_EQ_STR(back.id, s.id);
        CHECK_EQ_STR(back.token_url, s.token_url);
        CHECK_EQ_STR(back.client_id, s.client_id);
        CHECK(back.token && back.token_len == s.token_len && memcmp(back.token, s.token, s.token_len) == 0);
        CHECK_EQ_STR(back.token_type, s.token_type);
        CHECK_EQ_INT(back.expires_at, s.expires_at);
        CHECK_EQ_INT(back.expires_in, 3600);
        CHECK_EQ_INT(back.clock_offset, -7);
        CHECK_EQ_STR(back.scope, s.scope);
        CHECK_EQ_INT(back.dpop_required, with_key);
        CHECK_EQ_INT(back.has_key, with_key);
        if (with_key) {
            okta_cc_key_thumbprint(&s.dpop_key, tp1, sizeof tp1, NULL, NULL);
            okta_cc_key_thumbprint(&back.dpop_key, tp2, sizeof tp2, NULL, NULL);
            CHECK(tp1[0] && strcmp(tp1, tp2) == 0);
            CHECK(memcmp(back.dpop_key.d, s.dpop_key.d, s.dpop_key.d_len) == 0);
        }
        okta_cc__store_state_wipe(&back, NULL);
        /* another identity's state is refused when an id is expected */
        CHECK(okta_cc__store_decode(w.buf, len, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", NULL, &back, &err) != OKTA_CC_OK);
        CHECK(strstr(err.message, "another identity") != NULL);
        okta_cc_json_writer_free(&w);
        okta_cc__store_state_wipe(&back, NULL);
        free(s.token);
        s.token = NULL;
        okta_cc__store_state_wipe(&s, NULL);
    }
}

/* Every truncation of a state, and each kind of corruption, is refused with a reason. */
static void test_state_strict(void)
{
    static const char *bad[][2] = {
        {"\"version\":1", "\"version\":2"}, {"\"version\":1", "\"version\":\"1\""},
        {"\"token_type\":\"DPoP\"", "\"token_type\":\"MAC\""}, {"\"id\":\"", "\"extra\":1,\"id\":\""},
        {"\"expires_in\":3600", "\"expires_in\":-1"}, {"\"dpop_required\":true", "\"dpop_required\":1"},
        {"eyJ.to\\\"ken", "eyJ to\\\"ken"}, {",\"dpop_key\":{", ",\"dpop_kez\":{"},
    };
    okta_cc__store_state s, back;
    okta_cc_json_writer w;
    okta_cc_error err;
    size_t len = 0, cut, i;
    int refused = 0;
    sample_state(&s, 1);
    CHECK(okta_cc__store_encode(&s, NULL, &w, &len, &err) == OKTA_CC_OK);
    for (cut = 0; cut < len; cut++)
        refused += okta_cc__store_decode(w.buf, cut, NULL, NULL, &back, NULL) != OKTA_CC_OK;
    CHECK_EQ_INT(refused, (long long)len);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[8192], *at = strstr(w.buf, bad[i][0]);
        CHECK(at != NULL);
        if (!at) continue;
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - w.buf), w.buf, bad[i][1], at + strlen(bad[i][0]));
        CHECK(okta_cc__store_decode(text, strlen(text), NULL, NULL, &back, &err) != OKTA_CC_OK);
        if (i == 0) CHECK(strstr(err.message, "another version") != NULL);
    }
    okta_cc_json_writer_free(&w);
    free(s.token);
    s.token = NULL;
    okta_cc__store_state_wipe(&s, NULL);
}

/* ---- the identity ---------------------------------------------------------------------------- */

/* The id of a client made from cfg (a store is set so that the id is computed). */
static void id_of(okta_cc_config *cfg, char out[65])
{
    okta_cc_client *c = client_of(cfg);
    out[0] = '\0';
    if (c) {
        memcpy(out, c->store_id, 65);
        okta_cc_client_free(c);
    }
}

/* A new key, new scopes, another auth server or DPoP mode: another entry; the scopes' order
   and repeats: the same one. */
static void test_identity_id(void)
{
    char dir[600], base[65], v[65], other_key[1024];
    okta_cc_token_store store;
    okta_cc_config cfg;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.scopes = "okta.users.read okta.apps.read";
    id_of(&cfg, base);
    CHECK_EQ_INT(strlen(base), 64);
    cfg.scopes = "okta.apps.read,okta.users.read okta.apps.read";
    id_of(&cfg, v);
    CHECK_EQ_STR(v, base);
    cfg.scopes = "okta.users.read";
    id_of(&cfg, v);
    CHECK(strcmp(v, base) != 0);
    cfg.scopes = "okta.users.read okta.apps.read";
    cfg.auth_server_id = "default";
    id_of(&cfg, v);
    CHECK(strcmp(v, base) != 0);
    cfg.auth_server_id = NULL;
    cfg.dpop = OKTA_CC_DPOP_AUTO;
    id_of(&cfg, v);
    CHECK(strcmp(v, base) != 0);
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    snprintf(other_key, sizeof other_key, "%s/jose/generated-ec-p256-pkcs8.pem", h_vectors_dir());
    cfg.private_key = other_key;
    id_of(&cfg, v);
    CHECK(strcmp(v, base) != 0);
    cfg.private_key = key_path;
    cfg.client_id = "0oa_other";
    id_of(&cfg, v);
    CHECK(strcmp(v, base) != 0);
    cfg.client_id = "0oa_store";
    id_of(&cfg, v);
    CHECK_EQ_STR(v, base);
    okta_cc_file_store_free(&store);
}

/* ---- clients that meet through the file store ------------------------------------------------ */

/* A second client (a new object, as a new process would make) uses the stored Bearer token:
   no token request, from_store, no fetch counted; an API call sends it. */
static void test_second_client_bearer(void)
{
    char dir[600], tok[256], path[1024];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c1, *c2;
    okta_cc_token_info info;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(file_mode(dir), 0700);
    store_config(&cfg, &f, &clk, &store, &log);
    c1 = client_of(&cfg);
    if (!c1) return;
    CHECK(get_token(c1, tok, sizeof tok, &info) == OKTA_CC_OK);
    CHECK_EQ_STR(tok, "tok-1");
    CHECK_EQ_INT(info.from_store, 0);
    CHECK_EQ_INT(f.token_requests, 1);
    entry_path(c1, dir, ".json", path, sizeof path);
    CHECK_EQ_INT(file_mode(path), 0x10000 | 0600);
    CHECK(strstr(log.text, "okta_cc: token store: saved the token of ") != NULL);
    clk.now += 600;
    c2 = client_of(&cfg);
    if (c2) {
        CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_STR(tok, "tok-1");
        CHECK_EQ_INT(info.from_store, 1);
        CHECK_EQ_STR(info.token_type, "Bearer");
        CHECK_EQ_INT(info.expires_at, 1764331200 + 3600);
        CHECK_EQ_INT(f.token_requests, 1);
        CHECK_EQ_INT(okta_cc_client_token_fetches(c2), 0);
        CHECK(api_get(c2) == OKTA_CC_OK);
        CHECK_EQ_STR(f.api_auth, "Bearer tok-1");
        CHECK_EQ_INT(f.token_requests, 1);
        CHECK(strstr(log.text, "okta_cc: token store: using the stored token of ") != NULL);
        CHECK(strstr(log.text, "(expires in 3000 s)") != NULL);
        CHECK(strstr(log.text, "tok-1") == NULL);       /* never the token */
        okta_cc_client_free(c2);
    }
    okta_cc_client_free(c1);
    okta_cc_file_store_free(&store);
}

/* The same for a DPoP-bound token: the second client signs its proofs with the stored key (the
   one the token is bound to), never fetches. mode: ALWAYS, or AUTO at an app requiring DPoP
   (the second client then also knows to send a proof with its first token request). */
static void second_client_dpop(okta_cc_dpop_mode mode)
{
    char dir[600], tok[256], jkt1[44] = "", jkt2[44] = "";
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c1, *c2;
    okta_cc_token_info info;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    f.require_dpop = 1;
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.dpop = mode;
    c1 = client_of(&cfg);
    if (!c1) return;
    CHECK(get_token(c1, tok, sizeof tok, &info) == OKTA_CC_OK);
    CHECK_EQ_STR(info.token_type, "DPoP");
    CHECK_EQ_INT(f.proofless, mode == OKTA_CC_DPOP_AUTO);
    okta_cc_client_dpop_jkt(c1, jkt1, sizeof jkt1, NULL, NULL);
    c2 = client_of(&cfg);
    if (c2) {
        int before = f.token_requests;
        okta_cc_client_dpop_jkt(c2, jkt2, sizeof jkt2, NULL, NULL);
        CHECK(jkt1[0] && strcmp(jkt1, jkt2) == 0);
        CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_INT(info.from_store, 1);
        CHECK_EQ_STR(info.token_type, "DPoP");
        CHECK(api_get(c2) == OKTA_CC_OK);
        CHECK_EQ_STR(f.api_auth, "DPoP tok-1");
        CHECK(f.api_jwk[0] && strcmp(f.api_jwk, f.token_jwk[before - 1]) == 0);
        CHECK_EQ_INT(f.token_requests, before);
        /* the token expires: the next one is asked for with a proof at once (AUTO remembered) */
        clk.now += 3600;
        CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_INT(f.token_requests, before + 1);
        CHECK_EQ_INT(f.proofless, mode == OKTA_CC_DPOP_AUTO);
        okta_cc_client_free(c2);
    }
    okta_cc_client_free(c1);
    okta_cc_file_store_free(&store);
}

static void test_second_client_dpop_always(void) { second_client_dpop(OKTA_CC_DPOP_ALWAYS); }
static void test_second_client_dpop_auto(void) { second_client_dpop(OKTA_CC_DPOP_AUTO); }

/* AUTO remembers DPoP even for a client that finds no usable token: its first token request
   carries a proof (the failed proofless grant happens once per store). */
static void test_auto_remembers_dpop(void)
{
    char dir[600], tok[256];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    f.require_dpop = 1;
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.dpop = OKTA_CC_DPOP_AUTO;
    c = client_of(&cfg);
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_free(c);
    CHECK_EQ_INT(f.proofless, 1);
    clk.now += 7200;                    /* the stored token has expired */
    c = client_of(&cfg);
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_free(c);
    CHECK_EQ_INT(f.proofless, 1);
    CHECK_EQ_INT(f.token_requests, 3);
    okta_cc_file_store_free(&store);
    /* learnt by a fetch that then failed: saved all the same */
    memset(&f, 0, sizeof f);
    f.require_dpop = 1;
    f.refuse_grants = 1;
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.dpop = OKTA_CC_DPOP_AUTO;
    c = client_of(&cfg);
    if (c) CHECK(okta_cc_client_get_token(c, tok, sizeof tok, NULL, NULL, NULL) == OKTA_CC_ERR_OAUTH);
    okta_cc_client_free(c);
    CHECK(strstr(log.text, "requires DPoP") != NULL);
    c = client_of(&cfg);
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_free(c);
    CHECK_EQ_INT(f.proofless, 1);
    CHECK_EQ_INT(f.token_requests, 3);
    okta_cc_file_store_free(&store);
}

/* A stored token serves until token_skew before its expiry, not a second longer. */
static void test_expiry_and_skew(void)
{
    char dir[600], tok[256];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_token_info info;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.token_refresh_ahead = -1;
    c = client_of(&cfg);
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_free(c);
    clk.now = 1764331200 + 3600 - 60 - 1;       /* one second before renewal */
    c = client_of(&cfg);
    if (c) {
        CHECK(get_token(c, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_STR(tok, "tok-1");
        CHECK_EQ_INT(info.from_store, 1);
        CHECK_EQ_INT(f.token_requests, 1);
    }
    okta_cc_client_free(c);
    clk.now = 1764331200 + 3600 - 60;           /* renewal */
    c = client_of(&cfg);
    if (c) {
        CHECK(get_token(c, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_STR(tok, "tok-2");
        CHECK_EQ_INT(info.from_store, 0);
        CHECK_EQ_INT(f.token_requests, 2);
        CHECK_EQ_INT(okta_cc_client_token_fetches(c), 1);
    }
    okta_cc_client_free(c);
    okta_cc_file_store_free(&store);
}

/* Refresh ahead across processes: the first client in the window renews and saves; a second
   one in the window takes that newer token from the store instead of fetching; while a third
   party holds the store's lock, a client in the window keeps its token without waiting. */
static void test_refresh_ahead_across_clients(void)
{
    char dir[600], tok[256];
    okta_cc_token_store store, other;
    okta_cc_config cfg;
    okta_cc_client *c1, *c2;
    okta_cc_token_info info;
    void *held = NULL;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_file_store_new(&other, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    c1 = client_of(&cfg);
    if (!c1) return;
    CHECK(get_token(c1, tok, sizeof tok, NULL) == OKTA_CC_OK);
    c2 = client_of(&cfg);                       /* holds tok-1 from the store */
    if (c2) {
        clk.now = 1764331200 + 3600 - 60 - 100; /* inside both windows (240 s before renewal) */
        /* a third party holds the lock: c2 keeps tok-1 at once, fetches nothing */
        CHECK(other.lock(other.user, c2->store_id, 0, &held, NULL) == OKTA_CC_OK);
        CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);
        CHECK_EQ_STR(tok, "tok-1");
        CHECK_EQ_INT(f.token_requests, 1);
        CHECK(okta_cc_client_refresh_token(c2, 600, NULL) == OKTA_CC_OK);     /* "under way" */
        CHECK_EQ_INT(f.token_requests, 1);
        CHECK(strstr(log.text, "failed") == NULL);       /* another process renewing is no failure */
        other.unlock(other.user, held);
        clk.now += 10;                          /* after the 5 s pause of a failed try */
        CHECK(get_token(c1, tok, sizeof tok, &info) == OKTA_CC_OK);   /* c1 renews */
        CHECK_EQ_STR(tok, "tok-2");
        CHECK_EQ_INT(f.token_requests, 2);
        CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);   /* c2 takes it */
        CHECK_EQ_STR(tok, "tok-2");
        CHECK_EQ_INT(info.from_store, 1);
        CHECK_EQ_INT(f.token_requests, 2);
        CHECK_EQ_INT(okta_cc_client_token_fetches(c2), 0);
        okta_cc_client_free(c2);
    }
    okta_cc_client_free(c1);
    okta_cc_file_store_free(&other);
    okta_cc_file_store_free(&store);
}

/* A stored token the API refuses: 401, the entry removed, one fetch, the call succeeds and the
   new token is saved; the refused one is never taken again. */
static void test_401_removes_entry(void)
{
    char dir[600], tok[256], path[1024];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    char *text;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    c = client_of(&cfg);
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_free(c);
    snprintf(f.revoked[f.revoked_count++], sizeof f.revoked[0], "tok-1");
    c = client_of(&cfg);
    if (!c) return;
    CHECK(api_get(c) == OKTA_CC_OK);
    CHECK_EQ_INT(f.token_requests, 2);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 1);
    CHECK_EQ_STR(f.api_auth, "Bearer tok-2");
    CHECK(strstr(log.text, "removed the refused token of ") != NULL);
    entry_path(c, dir, ".json", path, sizeof path);
    text = h_read_file(path, NULL);
    CHECK(text && strstr(text, "\"tok-2\"") != NULL);
    free(text);
    okta_cc_client_free(c);
    okta_cc_file_store_free(&store);
}

/* ---- hostile files --------------------------------------------------------------------------- */

static int fifo_alarm;
static void on_alarm(int sig)
{
    (void)sig;
    fifo_alarm = 1;
    fprintf(stderr, "  blocked for 10 s: FAIL\n");
    _exit(3);
}

/* What a hostile entry gets: ignored with a log line saying why, one fetch, the call succeeds,
   and the entry is replaced by a regular 0600 file. prepare makes the entry at path. */
typedef void (*prepare_fn)(const char *path, const char *dir, const okta_cc_client *c);

static void hostile(const char *name, prepare_fn prepare, const char *why)
{
    char dir[600], tok[256], path[1024];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    c = client_of(&cfg);                /* the first client saves a good entry */
    if (c) CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    if (!c) return;
    entry_path(c, dir, ".json", path, sizeof path);
    prepare(path, dir, c);
    okta_cc_client_free(c);
    memset(&log, 0, sizeof log);
    alarm(10);
    c = client_of(&cfg);
    if (c) {
        CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(tok, "tok-2");
        CHECK_EQ_INT(f.token_requests, 2);
        CHECK_EQ_INT(file_mode(path), 0x10000 | 0600);
        if (why && !strstr(log.text, why)) {
            fprintf(stderr, "  %s: the log says:\n%s", name, log.text);
            CHECK(strstr(log.text, why) != NULL);
        }
        okta_cc_client_free(c);
    }
    alarm(0);
    okta_cc_file_store_free(&store);
}

static char victim[1024];
static void make_symlink(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    snprintf(victim, sizeof victim, "%s/victim.txt", tmp_root);
    write_file(victim, "precious\n", 0600);
    unlink(path);
    CHECK(symlink(victim, path) == 0);
}
static void make_fifo(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0);
}
static void make_directory(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    unlink(path);
    CHECK(mkdir(path, 0700) == 0);
}
static void make_mode_0644(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    CHECK(chmod(path, 0644) == 0);
}
static void make_truncated(const char *path, const char *dir, const okta_cc_client *c)
{
    struct stat st;
    (void)dir, (void)c;
    CHECK(stat(path, &st) == 0 && truncate(path, st.st_size / 2) == 0);
}
static void make_corrupt(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    write_file(path, "\x01\x02garbage{\"version\":1", 0600);
}
/* text of the saved entry with from replaced by to */
static void rewrite(const char *path, const char *from, const char *to)
{
    char *text = h_read_file(path, NULL), out[16384], *at = text ? strstr(text, from) : NULL;
    CHECK(at != NULL);
    if (!at) { free(text); return; }
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    write_file(path, out, 0600);
    free(text);
}
static void make_other_version(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    rewrite(path, "\"version\":1", "\"version\":2");
}
static void make_other_identity(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir;
    char other[65];
    snprintf(other, sizeof other, "%s", c->store_id);
    other[0] = other[0] == 'f' ? 'e' : 'f';
    rewrite(path, c->store_id, other);
}
static void make_expired(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    rewrite(path, "\"expires_at\":1764334800", "\"expires_at\":1764331100");
}
static void make_other_owner(const char *path, const char *dir, const okta_cc_client *c)
{
    (void)dir, (void)c;
    CHECK(chown(path, 65534, 65534) == 0);
}

static void test_hostile_symlink(void)
{
    char *text;
    hostile("symlink", make_symlink, "is a symlink");
    text = h_read_file(victim, NULL);
    CHECK(text && strcmp(text, "precious\n") == 0);     /* the target is untouched */
    free(text);
}
static void test_hostile_fifo(void) { hostile("fifo", make_fifo, "a FIFO, not a regular file"); }
static void test_hostile_directory(void) { hostile("directory", make_directory, "a directory, not a regular file"); }
static void test_hostile_mode_0644(void) { hostile("0644", make_mode_0644, "mode 0644: open to group or others"); }
static void test_hostile_truncated(void) { hostile("truncated", make_truncated, "corrupt or truncated"); }
static void test_hostile_corrupt(void) { hostile("corrupt", make_corrupt, "corrupt or truncated"); }
static void test_hostile_other_version(void) { hostile("version", make_other_version, "of another version (2"); }
static void test_hostile_other_identity(void) { hostile("identity", make_other_identity, "of another identity"); }
static void test_expired_entry_replaced(void) { hostile("expired", make_expired, NULL); }

/* A file of another user: only root can make one (chown); elsewhere the test says it skipped. */
static void test_hostile_other_owner(void)
{
    if (geteuid() != 0) {
        printf("skip test_hostile_other_owner: needs root to chown a file to another user\n");
        return;
    }
    hostile("owner", make_other_owner, "owned by uid 65534, not by this user");
}

/* ---- directories and the lock ---------------------------------------------------------------- */

/* okta_cc_file_store_new refuses a directory that is a symlink, open to others, or a file. */
static void test_store_directory_checks(void)
{
    char dir[600], link[700], file[700];
    okta_cc_token_store store;
    okta_cc_error err;
    new_dir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/a/b/c", dir);
    CHECK(okta_cc_file_store_new(&store, file, &err) == OKTA_CC_OK);     /* parents made, 0700 */
    okta_cc_file_store_free(&store);
    snprintf(file, sizeof file, "%s/a", dir);
    CHECK_EQ_INT(file_mode(file), 0700);
    snprintf(link, sizeof link, "%s/link", dir);
    CHECK(symlink(file, link) == 0);
    CHECK(okta_cc_file_store_new(&store, link, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "symlink") != NULL);
    chmod(file, 0755);
    CHECK(okta_cc_file_store_new(&store, file, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "mode 0755") != NULL);
    snprintf(file, sizeof file, "%s/plain", dir);
    write_file(file, "x", 0600);
    CHECK(okta_cc_file_store_new(&store, file, &err) == OKTA_CC_ERR_IO);
    CHECK(okta_cc_file_store_new(&store, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_file_store_new(NULL, dir, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_file_store_free(NULL);
}

/* A store that cannot be written costs only the caching: the call succeeds and the log says
   why. Not root: the directory made read-only (chmod 0500). Root ignores modes, so there the
   directory is removed after the store opened it (what it writes into is gone). */
static void test_unwritable_store(void)
{
    char dir[600], tok[256];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    if (geteuid() == 0) CHECK(rmdir(dir) == 0);
    else CHECK(chmod(dir, 0500) == 0);
    store_config(&cfg, &f, &clk, &store, &log);
    c = client_of(&cfg);
    if (c) {
        CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
        CHECK(api_get(c) == OKTA_CC_OK);
        CHECK(strstr(log.text, "could not save the token of ") != NULL);
        CHECK(strstr(log.text, geteuid() == 0 ? "No such file" : "Permission denied") != NULL);
        okta_cc_client_free(c);
    }
    chmod(dir, 0700);
    okta_cc_file_store_free(&store);
    /* and a store on a path that cannot hold a directory is refused up front */
    CHECK(okta_cc_file_store_new(&store, "/proc/self/okta-cc-store", NULL) == OKTA_CC_ERR_IO);
}

/* The lock: exclusive between two opens (even in one process), polled until wait_ms, free
   again after unlock, and after its holder was killed. */
static void test_lock(void)
{
    char dir[600], id[65];
    okta_cc_token_store a, b;
    void *ha = NULL, *hb = NULL;
    okta_cc_error err;
    int fds[2];
    pid_t pid;
    memset(id, 'c', 64);
    id[64] = '\0';
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&a, dir, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_file_store_new(&b, dir, NULL) == OKTA_CC_OK);
    CHECK(a.lock(a.user, id, 0, &ha, &err) == OKTA_CC_OK);
    CHECK(b.lock(b.user, id, 30, &hb, &err) == OKTA_CC_ERR_TIMEOUT);
    CHECK(strstr(err.message, "held by another process") != NULL);
    a.unlock(a.user, ha);
    CHECK(b.lock(b.user, id, 0, &hb, &err) == OKTA_CC_OK);
    b.unlock(b.user, hb);
    CHECK(a.lock(a.user, "not-an-id", 0, &ha, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    {   /* a symlink where the lock file goes: replaced, its target untouched */
        char lockp[700], target[700], *text;
        snprintf(lockp, sizeof lockp, "%s/%s.lock", dir, id);
        snprintf(target, sizeof target, "%s/lock-victim", tmp_root);
        write_file(target, "precious\n", 0600);
        unlink(lockp);
        CHECK(symlink(target, lockp) == 0);
        CHECK(a.lock(a.user, id, 0, &ha, &err) == OKTA_CC_OK);
        CHECK_EQ_INT(file_mode(lockp), 0x10000 | 0600);
        a.unlock(a.user, ha);
        text = h_read_file(target, NULL);
        CHECK(text && strcmp(text, "precious\n") == 0);
        free(text);
    }
    /* a child takes the lock and is killed: the lock goes with it */
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        void *h = NULL;
        char c = a.lock(a.user, id, 0, &h, NULL) == OKTA_CC_OK ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1) _exit(1);
        for (;;) pause();
    }
    if (pid > 0) {
        char got = 0;
        CHECK(read(fds[0], &got, 1) == 1 && got == 'y');
        CHECK(b.lock(b.user, id, 0, &hb, &err) == OKTA_CC_ERR_TIMEOUT);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        CHECK(b.lock(b.user, id, 0, &hb, &err) == OKTA_CC_OK);
        b.unlock(b.user, hb);
    }
    close(fds[0]);
    close(fds[1]);
    okta_cc_file_store_free(&a);
    okta_cc_file_store_free(&b);
}

/* ---- list, clear ----------------------------------------------------------------------------- */

typedef struct listed {
    int count;
    char client_id[64], token_type[16];
    int64_t expires_at;
    int leaked;                     /* a token in any string */
} listed;

static int on_entry(void *user, const okta_cc_store_entry *e)
{
    listed *l = (listed *)user;
    l->count++;
    snprintf(l->client_id, sizeof l->client_id, "%s", e->client_id);
    snprintf(l->token_type, sizeof l->token_type, "%s", e->token_type);
    l->expires_at = e->expires_at;
    l->leaked |= strstr(e->token_url, "tok-") || strstr(e->id, "tok-");
    return 0;
}

static void test_list_and_clear(void)
{
    char dir[600], tok[256], path[1024];
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c;
    listed l;
    size_t removed = 99;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&l, 0, sizeof l);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    c = client_of(&cfg);
    if (!c) return;
    CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);
    snprintf(path, sizeof path, "%s/notes.txt", dir);      /* not ours: neither listed nor removed */
    write_file(path, "keep", 0600);
    CHECK(okta_cc_file_store_list(&store, on_entry, &l, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(l.count, 1);
    CHECK_EQ_STR(l.client_id, "0oa_store");
    CHECK_EQ_STR(l.token_type, "Bearer");
    CHECK_EQ_INT(l.expires_at, 1764331200 + 3600);
    CHECK_EQ_INT(l.leaked, 0);
    CHECK(okta_cc_file_store_clear(&store, &removed, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(removed, 1);
    CHECK_EQ_INT(file_mode(path), 0x10000 | 0600);
    memset(&l, 0, sizeof l);
    CHECK(okta_cc_file_store_list(&store, on_entry, &l, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(l.count, 0);
    {   /* not a file store */
        okta_cc_token_store mine;
        memset(&mine, 0, sizeof mine);
        CHECK(okta_cc_file_store_list(&mine, on_entry, &l, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(okta_cc_file_store_clear(&mine, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    }
    okta_cc_client_free(c);
    okta_cc_file_store_free(&store);
}

/* ---- callbacks call back into the client ----------------------------------------------------- */

/* A store that wraps the file store and, from each callback, calls functions of the client that
   take its lock: called with that lock held, they would deadlock (the alarm ends the test). */
typedef struct reentrant {
    okta_cc_token_store inner;
    okta_cc_client *client;
    int calls;
} reentrant;

static void poke(reentrant *r)
{
    char jkt[44];
    r->calls++;
    if (!r->client) return;
    (void)okta_cc_client_token_fetches(r->client);
    (void)okta_cc_client_clock_offset(r->client);
    (void)okta_cc_client_dpop_jkt(r->client, jkt, sizeof jkt, NULL, NULL);
}
static okta_cc_result re_load(void *u, const char *id, char *out, size_t cap, size_t *n, okta_cc_error *e)
{
    reentrant *r = (reentrant *)u;
    poke(r);
    return r->inner.load(r->inner.user, id, out, cap, n, e);
}
static okta_cc_result re_save(void *u, const char *id, const char *d, size_t n, okta_cc_error *e)
{
    reentrant *r = (reentrant *)u;
    poke(r);
    return r->inner.save(r->inner.user, id, d, n, e);
}
static okta_cc_result re_remove(void *u, const char *id, okta_cc_error *e)
{
    reentrant *r = (reentrant *)u;
    poke(r);
    return r->inner.remove(r->inner.user, id, e);
}
static okta_cc_result re_lock(void *u, const char *id, long w, void **h, okta_cc_error *e)
{
    reentrant *r = (reentrant *)u;
    poke(r);
    return r->inner.lock(r->inner.user, id, w, h, e);
}
static void re_unlock(void *u, void *h)
{
    reentrant *r = (reentrant *)u;
    poke(r);
    r->inner.unlock(r->inner.user, h);
}

static void test_callbacks_not_under_lock(void)
{
    char dir[600], tok[256];
    okta_cc_token_store store;
    reentrant re;
    okta_cc_config cfg;
    okta_cc_client *c;
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    memset(&f, 0, sizeof f);
    memset(&re, 0, sizeof re);
    memset(&log, 0, sizeof log);
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&re.inner, dir, NULL) == OKTA_CC_OK);
    store.load = re_load, store.save = re_save, store.remove = re_remove;
    store.lock = re_lock, store.unlock = re_unlock, store.user = &re;
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    snprintf(f.revoked[f.revoked_count++], sizeof f.revoked[0], "tok-1");
    alarm(10);
    c = client_of(&cfg);
    if (c) {
        re.client = c;
        CHECK(get_token(c, tok, sizeof tok, NULL) == OKTA_CC_OK);       /* lock, load, save, unlock */
        CHECK(api_get(c) == OKTA_CC_OK);                                /* 401: remove, then again */
        CHECK_EQ_INT(f.token_requests, 2);
        CHECK(re.calls >= 9);
        okta_cc_client_free(c);
    }
    alarm(0);
    okta_cc_file_store_free(&re.inner);
}

/* ---- threads ---------------------------------------------------------------------------------- */

typedef struct thread_job {
    okta_cc_client *c;
    int failed;
} thread_job;

static void *api_calls(void *arg)
{
    thread_job *j = (thread_job *)arg;
    int i;
    for (i = 0; i < 20; i++)
        if (api_get(j->c) != OKTA_CC_OK) j->failed++;
    return NULL;
}

/* A shared DPoP client whose first fetch finds another client's token in the store, bound to
   another generated key: it takes the token and the key while 8 threads make API calls (the
   fake refuses a proof signed with any other key than the token's). Every call succeeds, the
   client fetches nothing, and ThreadSanitizer (test_store_tsan) sees the key change. */
static void test_threads_take_a_stored_key(void)
{
    char dir[600], tok[256], jkt1[44] = "", jkt2[44] = "";
    okta_cc_token_store store;
    okta_cc_config cfg;
    okta_cc_client *c1, *c2;
    thread_job jobs[8];
    pthread_t th[8];
    fake f;
    test_clock clk = {1764331200};
    log_buf log;
    int i, failed = 0;
    memset(&f, 0, sizeof f);
    memset(&log, 0, sizeof log);
    f.check_binding = 1;
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    store_config(&cfg, &f, &clk, &store, &log);
    cfg.log = NULL;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    c2 = client_of(&cfg);               /* an empty store: a key of its own */
    c1 = client_of(&cfg);
    if (!c1 || !c2) return;
    CHECK(get_token(c1, tok, sizeof tok, NULL) == OKTA_CC_OK);
    okta_cc_client_dpop_jkt(c1, jkt1, sizeof jkt1, NULL, NULL);
    okta_cc_client_dpop_jkt(c2, jkt2, sizeof jkt2, NULL, NULL);
    CHECK(strcmp(jkt1, jkt2) != 0);
    for (i = 0; i < 8; i++) {
        jobs[i].c = c2;
        jobs[i].failed = 0;
        pthread_create(&th[i], NULL, api_calls, &jobs[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        failed += jobs[i].failed;
    }
    CHECK_EQ_INT(failed, 0);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c2), 0);
    CHECK_EQ_INT(f.token_requests, 1);
    CHECK_EQ_INT(f.binding_refused, 0);
    okta_cc_client_dpop_jkt(c2, jkt2, sizeof jkt2, NULL, NULL);
    CHECK_EQ_STR(jkt2, jkt1);
    okta_cc_client_free(c1);
    okta_cc_client_free(c2);
    okta_cc_file_store_free(&store);
}

/* A store a client can be kept from reading (blind): it then fetches and saves its own token. */
typedef struct blind_store {
    okta_cc_token_store inner;
    int blind;
} blind_store;

static okta_cc_result blind_load(void *u, const char *id, char *out, size_t cap, size_t *n, okta_cc_error *e)
{
    blind_store *b = (blind_store *)u;
    if (b->blind) return OKTA_CC_ERR_NOT_FOUND;
    return b->inner.load(b->inner.user, id, out, cap, n, e);
}
static okta_cc_result blind_save(void *u, const char *id, const char *d, size_t n, okta_cc_error *e)
{
    blind_store *b = (blind_store *)u;
    return b->inner.save(b->inner.user, id, d, n, e);
}
static okta_cc_result blind_remove(void *u, const char *id, okta_cc_error *e)
{
    blind_store *b = (blind_store *)u;
    return b->inner.remove(b->inner.user, id, e);
}

static void blind_init(blind_store *b, const okta_cc_token_store *inner, okta_cc_token_store *out)
{
    memset(b, 0, sizeof *b);
    b->inner = *inner;
    b->blind = 1;
    memset(out, 0, sizeof *out);
    out->load = blind_load, out->save = blind_save, out->remove = blind_remove, out->user = b;
}

/* A client holding its own DPoP token takes, ahead of renewal, a newer one another process
   saved, bound to that process's key: from then on its proofs use that key - except for a
   request still under way with the older token, whose proof must keep the older key. */
static void test_taken_key_keeps_older_token_proofs(void)
{
    char dir[600], tok[256], jwk[512], *line = NULL;
    okta_cc_token_store store, s1, s2;
    blind_store b1, b2;
    okta_cc_config cfg;
    okta_cc_client *c1, *c2;
    okta_cc_token_info info;
    okta_cc_error err;
    fake f;
    test_clock clk = {1764331200};
    memset(&f, 0, sizeof f);
    f.check_binding = 1;
    new_dir(dir, sizeof dir);
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    blind_init(&b1, &store, &s1);
    blind_init(&b2, &store, &s2);
    store_config(&cfg, &f, &clk, &s2, NULL);
    cfg.log = NULL;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    c2 = client_of(&cfg);
    cfg.token_store = s1;
    c1 = client_of(&cfg);
    if (!c1 || !c2) return;
    CHECK(get_token(c2, tok, sizeof tok, &info) == OKTA_CC_OK);      /* tok-1, bound to c2's key */
    CHECK_EQ_STR(tok, "tok-1");
    clk.now += 500;
    CHECK(get_token(c1, tok, sizeof tok, NULL) == OKTA_CC_OK);       /* tok-2, c1's key, saved */
    CHECK_EQ_STR(tok, "tok-2");
    CHECK(strcmp(f.bound_jwk[1], f.bound_jwk[2]) != 0);
    b2.blind = 0;
    clk.now = 1764331200 + 3600 - 60 - 100;                          /* c2's refresh-ahead window */
    CHECK(okta_cc_client_refresh_token(c2, 0, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(f.token_requests, 2);                               /* taken, not fetched */
    CHECK(okta_cc__dpop_header_line(c2, "GET", "https://dev-123.okta.com/api/v1/users", "tok-1", info.generation,
                                    OKTA_CC__NONCE_API, &line, &err) == OKTA_CC_OK);
    proof_jwk(line ? line + 6 : "", jwk, sizeof jwk);
    CHECK(jwk[0] && strcmp(jwk, f.bound_jwk[1]) == 0);               /* the older token's key */
    okta_cc__free_header_line(c2, line);
    CHECK(api_get(c2) == OKTA_CC_OK);
    CHECK_EQ_STR(f.api_auth, "DPoP tok-2");
    CHECK_EQ_STR(f.api_jwk, f.bound_jwk[2]);                         /* the new token's key */
    CHECK_EQ_INT(f.binding_refused, 0);
    okta_cc_client_free(c1);
    okta_cc_client_free(c2);
    okta_cc_file_store_free(&store);
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    int rc;
    char cmd[600];
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    signal(SIGALRM, on_alarm);
    snprintf(tmp_root, sizeof tmp_root, "%s/okta-cc-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_state_round_trip);
    RUN(test_state_strict);
    RUN(test_identity_id);
    RUN(test_second_client_bearer);
    RUN(test_second_client_dpop_always);
    RUN(test_second_client_dpop_auto);
    RUN(test_auto_remembers_dpop);
    RUN(test_expiry_and_skew);
    RUN(test_refresh_ahead_across_clients);
    RUN(test_401_removes_entry);
    RUN(test_hostile_symlink);
    RUN(test_hostile_fifo);
    RUN(test_hostile_directory);
    RUN(test_hostile_mode_0644);
    RUN(test_hostile_truncated);
    RUN(test_hostile_corrupt);
    RUN(test_hostile_other_version);
    RUN(test_hostile_other_identity);
    RUN(test_hostile_other_owner);
    RUN(test_expired_entry_replaced);
    RUN(test_store_directory_checks);
    RUN(test_unwritable_store);
    RUN(test_lock);
    RUN(test_list_and_clear);
    RUN(test_callbacks_not_under_lock);
    RUN(test_threads_take_a_stored_key);
    RUN(test_taken_key_keeps_older_token_proofs);
    rc = h_summary();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
    return rc;
}
