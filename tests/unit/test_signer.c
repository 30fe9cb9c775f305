#define _POSIX_C_SOURCE 200809L
/* Unit tests for signers (okta_cc_signer, okta_cc_key_from_signer): keys whose private half is
   reached through a callback. A signer wrapping a key in memory gives the same JWS, public JWK,
   thumbprint and DPoP proof byte for byte; a DER ECDSA answer is converted; a failing, lying or
   malformed sign function gives a clear error and nothing signed; public keys are checked; a
   client with a signer for assertions and one for DPoP proofs, shared by 8 threads on a
   scripted transport that verifies every assertion and proof. No network, no hardware. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include <pthread.h>

/* ---- a signer in software: an in-memory key behind the callback ------------------------------ */

typedef struct soft_signer {
    okta_cc_key key;            /* the private key the "device" holds */
    okta_cc_key other;          /* another key, for the lying mode */
    int mode;                   /* what the callback does, see SS_* */
    long calls;                 /* atomic */
    okta_cc_alg last_alg;
    int digest_ok;              /* every call's digest was the hash of its data */
} soft_signer;

enum { SS_RAW, SS_DER, SS_FAIL_MSG, SS_FAIL_SILENT, SS_OTHER_KEY, SS_SHORT, SS_OVERLONG };

/* r||s (2 * size bytes) as DER SEQUENCE { INTEGER r, INTEGER s }; returns its length. */
static size_t raw_to_der(const unsigned char *raw, size_t size, unsigned char *out)
{
    unsigned char body[2 * (3 + OKTA_CC_EC_MAX_BYTES)];
    size_t n = 0, i, o = 0;
    for (i = 0; i < 2; i++) {
        const unsigned char *v = raw + i * size;
        size_t len = size;
        while (len > 1 && v[0] == 0) v++, len--;
        body[n++] = 0x02;
        body[n++] = (unsigned char)(len + (v[0] & 0x80 ? 1 : 0));
        if (v[0] & 0x80) body[n++] = 0;
        memcpy(body + n, v, len);
        n += len;
    }
    out[o++] = 0x30;
    if (n > 127) out[o++] = 0x81;
    out[o++] = (unsigned char)n;
    memcpy(out + o, body, n);
    return o + n;
}

static okta_cc_result soft_sign(void *user, okta_cc_alg alg, const unsigned char *data, size_t len,
                                const unsigned char *digest, size_t digest_len, unsigned char *out,
                                size_t cap, size_t *out_len, okta_cc_error *err)
{
    soft_signer *s = (soft_signer *)user;
    unsigned char sig[OKTA_CC_SIG_MAX], want[64];
    size_t n = 0;
    const br_hash_class *hc = digest_len == 32 ? &br_sha256_vtable : digest_len == 48 ? &br_sha384_vtable
                                                                                      : &br_sha512_vtable;
    br_hash_compat_context ctx;
    __atomic_add_fetch(&s->calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->last_alg, alg, __ATOMIC_SEQ_CST);
    hc->init(&ctx.vtable);
    hc->update(&ctx.vtable, data, len);
    hc->out(&ctx.vtable, want);
    if (memcmp(want, digest, digest_len) != 0) __atomic_store_n(&s->digest_ok, 0, __ATOMIC_SEQ_CST);
    if (s->mode == SS_FAIL_MSG) {
        snprintf(err->message, sizeof err->message, "the secure element is asleep");
        return OKTA_CC_ERR_IO;
    }
    if (s->mode == SS_FAIL_SILENT) return OKTA_CC_ERR_CRYPTO;
    if (okta_cc_jws_sign_bytes(s->mode == SS_OTHER_KEY ? &s->other : &s->key, alg, data, len, sig, sizeof sig,
                               &n, err) != OKTA_CC_OK)
        return err->code;
    if (s->mode == SS_DER) {
        unsigned char der[OKTA_CC_SIG_MAX];
        size_t dn = raw_to_der(sig, n / 2, der);
        memcpy(sig, der, dn);
        n = dn;
    }
    if (s->mode == SS_SHORT) n--;
    if (n > cap) return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    memcpy(out, sig, n);
    *out_len = s->mode == SS_OVERLONG ? cap + 1 : n;
    return OKTA_CC_OK;
}

/* The signer description of s->key's public half. */
static void soft_describe(soft_signer *s, okta_cc_signer *d)
{
    memset(d, 0, sizeof *d);
    if (s->key.type == OKTA_CC_KEY_RSA) {
        d->rsa_n = s->key.n, d->rsa_n_len = s->key.n_len;
        d->rsa_e = s->key.e, d->rsa_e_len = s->key.e_len;
    } else {
        d->ec_point = s->key.pub, d->ec_point_len = s->key.pub_len;
    }
    d->sign = soft_sign;
    d->user = s;
}

static okta_cc_key rsa_key;     /* generated once: RSA-2048 generation takes a while */

static void soft_init(soft_signer *s, okta_cc_key_type type, unsigned bits)
{
    memset(s, 0, sizeof *s);
    s->digest_ok = 1;
    if (type == OKTA_CC_KEY_RSA) {
        s->key = rsa_key;
        CHECK(okta_cc_key_generate(&s->other, OKTA_CC_KEY_EC, 256, NULL, NULL) == OKTA_CC_OK);
    } else {
        CHECK(okta_cc_key_generate(&s->key, type, bits, NULL, NULL) == OKTA_CC_OK);
        CHECK(okta_cc_key_generate(&s->other, type, bits, NULL, NULL) == OKTA_CC_OK);
    }
}

/* ---- the signer gives what the key in memory gives ------------------------------------------ */

static void same_as_memory(okta_cc_key_type type, unsigned bits, okta_cc_alg alg, int mode)
{
    static const char header_fmt[] = "{\"alg\":\"%s\",\"typ\":\"JWT\"}";
    soft_signer s;
    okta_cc_signer d;
    okta_cc_key k;
    okta_cc_error err;
    okta_cc_dpop_claims cl;
    char header[64], a[4096], b[4096], ja[2048], jb[2048], ta[44], tb[44];
    size_t alen = 0, blen = 0;
    soft_init(&s, type, bits);
    s.mode = mode;
    soft_describe(&s, &d);
    d.alg = alg;
    d.kid = "hw-1";
    CHECK(okta_cc_key_from_signer(&k, &d, &err) == OKTA_CC_OK);
    if (alg == OKTA_CC_ALG_DEFAULT) alg = okta_cc_key_default_alg(&s.key);
    snprintf(header, sizeof header, header_fmt, okta_cc_alg_name(alg));
    /* RSASSA-PKCS1-v1_5 and BearSSL's ECDSA (RFC 6979 nonces) are deterministic. */
    CHECK(okta_cc_jws_compact(&s.key, alg, header, strlen(header), "{}", 2, a, sizeof a, &alen, &err) == OKTA_CC_OK);
    CHECK(okta_cc_jws_compact(&k, alg, header, strlen(header), "{}", 2, b, sizeof b, &blen, &err) == OKTA_CC_OK);
    CHECK(alen == blen && strcmp(a, b) == 0);
    CHECK(s.calls == 1 && s.last_alg == alg && s.digest_ok);
    CHECK(okta_cc_key_public_jwk(&s.key, "hw-1", ja, sizeof ja, NULL, &err) == OKTA_CC_OK);
    strcpy(s.key.kid, "");
    CHECK(okta_cc_key_public_jwk(&k, NULL, jb, sizeof jb, NULL, &err) == OKTA_CC_OK);
    if (alg == okta_cc_key_default_alg(&s.key)) CHECK_EQ_STR(jb, ja);
    CHECK(okta_cc_key_thumbprint(&s.key, ta, sizeof ta, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_thumbprint(&k, tb, sizeof tb, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(tb, ta);
    memset(&cl, 0, sizeof cl);
    cl.htm = "POST", cl.url = "https://x.okta.com/oauth2/v1/token", cl.issued_at = 1700000000, cl.jti = "j-1";
    CHECK(okta_cc_dpop_proof_sign(&s.key, alg, &cl, NULL, a, sizeof a, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_dpop_proof_sign(&k, alg, &cl, NULL, b, sizeof b, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_STR(b, a);
    CHECK(s.calls == 2);
    okta_cc_key_wipe(&k);
    okta_cc_key_wipe(&s.key);
    okta_cc_key_wipe(&s.other);
}

static void test_signer_same_bytes_as_memory_key(void)
{
    same_as_memory(OKTA_CC_KEY_RSA, 2048, OKTA_CC_ALG_DEFAULT, SS_RAW);
    same_as_memory(OKTA_CC_KEY_RSA, 2048, OKTA_CC_ALG_RS384, SS_RAW);
    same_as_memory(OKTA_CC_KEY_RSA, 2048, OKTA_CC_ALG_RS512, SS_RAW);
    same_as_memory(OKTA_CC_KEY_EC, 256, OKTA_CC_ALG_DEFAULT, SS_RAW);
    same_as_memory(OKTA_CC_KEY_EC, 384, OKTA_CC_ALG_ES384, SS_RAW);
    same_as_memory(OKTA_CC_KEY_EC, 521, OKTA_CC_ALG_DEFAULT, SS_RAW);
}

/* A device that answers ECDSA in DER (ECDSA-Sig-Value, long form for P-521): converted. */
static void test_signer_der_answer_converted(void)
{
    same_as_memory(OKTA_CC_KEY_EC, 256, OKTA_CC_ALG_DEFAULT, SS_DER);
    same_as_memory(OKTA_CC_KEY_EC, 384, OKTA_CC_ALG_DEFAULT, SS_DER);
    same_as_memory(OKTA_CC_KEY_EC, 521, OKTA_CC_ALG_DEFAULT, SS_DER);
}

/* ---- a sign function that fails, lies or answers malformed ------------------------------------ */

static void expect_sign_error(int mode, okta_cc_result want, const char *in_message)
{
    soft_signer s;
    okta_cc_signer d;
    okta_cc_key k;
    okta_cc_error err;
    char out[4096];
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t i;
    int zero = 1;
    soft_init(&s, OKTA_CC_KEY_EC, 256);
    s.mode = mode;
    soft_describe(&s, &d);
    CHECK(okta_cc_key_from_signer(&k, &d, &err) == OKTA_CC_OK);
    memset(out, 'x', sizeof out);
    CHECK_EQ_INT(okta_cc_jwt_sign(&k, OKTA_CC_ALG_DEFAULT, NULL, "{}", 2, out, sizeof out, NULL, &err), want);
    CHECK_EQ_INT(err.code, want);
    if (!strstr(err.message, in_message)) fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, in_message) != NULL);
    for (i = 0; i < 100; i++) zero &= out[i] == 0;    /* the half-built JWS is wiped */
    CHECK(zero);
    CHECK_EQ_INT(okta_cc_jws_sign_bytes(&k, OKTA_CC_ALG_DEFAULT, "abc", 3, sig, sizeof sig, NULL, &err), want);
    okta_cc_key_wipe(&k);
    okta_cc_key_wipe(&s.key);
    okta_cc_key_wipe(&s.other);
}

static void test_signer_errors(void)
{
    expect_sign_error(SS_FAIL_MSG, OKTA_CC_ERR_IO, "the secure element is asleep");
    expect_sign_error(SS_FAIL_SILENT, OKTA_CC_ERR_CRYPTO, "sign function failed");
    expect_sign_error(SS_OTHER_KEY, OKTA_CC_ERR_CRYPTO, "does not verify with its public key");
    expect_sign_error(SS_SHORT, OKTA_CC_ERR_CRYPTO, "not a ES256 signature");
    expect_sign_error(SS_OVERLONG, OKTA_CC_ERR_CRYPTO, "sign function failed");
}

/* ---- the public key a signer brings is checked ------------------------------------------------ */

static void expect_refused(const okta_cc_signer *d, okta_cc_result want)
{
    okta_cc_key k;
    okta_cc_error err;
    memset(&k, 0x55, sizeof k);
    CHECK_EQ_INT(okta_cc_key_from_signer(&k, d, &err), want);
    CHECK(err.message[0] != '\0');
    CHECK(k.type == OKTA_CC_KEY_NONE && k.sign == NULL);     /* wiped */
}

static void test_signer_public_key_checked(void)
{
    soft_signer s;
    okta_cc_signer d;
    okta_cc_key k;
    okta_cc_error err;
    unsigned char n[256], e3[1] = {3}, pt[65], big[600];
    char pem[4096], kid[200];
    soft_init(&s, OKTA_CC_KEY_RSA, 2048);
    soft_describe(&s, &d);
    memcpy(n, s.key.n, 256);
    n[255] &= 0xfe;
    d.rsa_n = n;
    expect_refused(&d, OKTA_CC_ERR_KEY_INCONSISTENT);          /* an even modulus */
    d.rsa_n = s.key.n + 128, d.rsa_n_len = 128;
    expect_refused(&d, OKTA_CC_ERR_KEY_TOO_SMALL);             /* 1024 bits */
    memset(big, 0xff, sizeof big);
    d.rsa_n = big, d.rsa_n_len = sizeof big;
    expect_refused(&d, OKTA_CC_ERR_KEY_UNSUPPORTED);           /* 4800 bits */
    soft_describe(&s, &d);
    d.rsa_e = e3, d.rsa_e_len = 1;
    expect_refused(&d, OKTA_CC_ERR_KEY_UNSUPPORTED);           /* e = 3 */
    soft_describe(&s, &d);
    d.alg = OKTA_CC_ALG_ES256;
    expect_refused(&d, OKTA_CC_ERR_ALG_MISMATCH);
    d.alg = OKTA_CC_ALG_DEFAULT;
    memset(kid, 'k', sizeof kid - 1);
    kid[sizeof kid - 1] = '\0';
    d.kid = kid;
    expect_refused(&d, OKTA_CC_ERR_INVALID_ARGUMENT);
    soft_describe(&s, &d);
    d.sign = NULL;
    expect_refused(&d, OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_from_signer(NULL, &d, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_from_signer(&k, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* An RSA signer with an RS512 alg signs RS512 by default; its PEM does not exist. */
    soft_describe(&s, &d);
    d.alg = OKTA_CC_ALG_RS512;
    CHECK(okta_cc_key_from_signer(&k, &d, &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_default_alg(&k) == OKTA_CC_ALG_RS512);
    CHECK(k.p_len == 0 && k.d_len == 0);
    CHECK_EQ_INT(okta_cc_key_to_pem(&k, pem, sizeof pem, NULL, &err), OKTA_CC_ERR_KEY_PUBLIC_ONLY);
    /* EC: both kinds at once, a compressed point, a point off the curve, a wrong length. */
    soft_init(&s, OKTA_CC_KEY_EC, 256);
    soft_describe(&s, &d);
    d.rsa_n = rsa_key.n, d.rsa_n_len = rsa_key.n_len;
    expect_refused(&d, OKTA_CC_ERR_INVALID_ARGUMENT);
    soft_describe(&s, &d);
    memcpy(pt, s.key.pub, 65);
    d.ec_point = pt;
    pt[0] = 0x02;
    expect_refused(&d, OKTA_CC_ERR_KEY_UNSUPPORTED);
    pt[0] = 0x04;
    pt[64] ^= 1;
    expect_refused(&d, OKTA_CC_ERR_KEY_INCONSISTENT);
    d.ec_point_len = 64;
    expect_refused(&d, OKTA_CC_ERR_KEY_UNSUPPORTED);
    soft_describe(&s, &d);
    d.alg = OKTA_CC_ALG_ES384;
    expect_refused(&d, OKTA_CC_ERR_ALG_MISMATCH);
    okta_cc_key_wipe(&k);
    okta_cc_key_wipe(&s.key);
    okta_cc_key_wipe(&s.other);
}

/* ---- a client with two signers, shared by 8 threads -------------------------------------------- */

typedef struct verifier {
    okta_cc_key assertion_key, dpop_key;    /* the public halves, to verify with */
    long token_posts, api_calls, bad;       /* atomic */
} verifier;

/* 1 when the compact JWS verifies with key. */
static int jws_verifies(const okta_cc_key *key, const char *jws, size_t n)
{
    const char *dot2 = NULL, *p;
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t sig_len = 0;
    for (p = jws; p < jws + n; p++) if (*p == '.') dot2 = p;
    if (!dot2) return 0;
    if (okta_cc_b64url_decode(dot2 + 1, (size_t)(jws + n - dot2 - 1), sig, sizeof sig, &sig_len, NULL) != OKTA_CC_OK)
        return 0;
    return okta_cc_jws_verify_bytes(key, OKTA_CC_ALG_DEFAULT, jws, (size_t)(dot2 - jws), sig, sig_len, NULL) ==
           OKTA_CC_OK;
}

static const char *header_value(const okta_cc_http_request *req, const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':') return req->headers[i] + n + 2;
    return NULL;
}

static okta_cc_result verify_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                     okta_cc_error *err)
{
    verifier *v = (verifier *)ctx;
    const char *proof = header_value(req, "DPoP");
    const char *body = "[]";
    (void)err;
    if (!proof || !jws_verifies(&v->dpop_key, proof, strlen(proof))) __atomic_add_fetch(&v->bad, 1, __ATOMIC_SEQ_CST);
    if (strcmp(req->method, "POST") == 0) {
        const char *a = strstr(req->body, "client_assertion=");
        size_t n = a ? strcspn(a + 17, "&") : 0;
        __atomic_add_fetch(&v->token_posts, 1, __ATOMIC_SEQ_CST);
        if (!a || !jws_verifies(&v->assertion_key, a + 17, n)) __atomic_add_fetch(&v->bad, 1, __ATOMIC_SEQ_CST);
        body = "{\"token_type\":\"DPoP\",\"expires_in\":3600,\"access_token\":\"at-1\",\"scope\":\"okta.users.read\"}";
    } else {
        __atomic_add_fetch(&v->api_calls, 1, __ATOMIC_SEQ_CST);
    }
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
    return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

typedef struct worker {
    okta_cc_client *client;
    int failures;
} worker;

static void *worker_run(void *arg)
{
    worker *w = (worker *)arg;
    int i;
    for (i = 0; i < 25; i++) {
        okta_cc_response r;
        okta_cc_error err;
        if (okta_cc_request(w->client, "GET", "/api/v1/users", NULL, 0, NULL, &r, &err) != OKTA_CC_OK) {
            fprintf(stderr, "  request: %s\n", err.message);
            w->failures++;
        }
        okta_cc_response_free(&r);
    }
    return NULL;
}

static void test_client_signers_shared_by_8_threads(void)
{
    soft_signer as, ds;
    okta_cc_signer ad, dd;
    verifier v;
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    worker w[8];
    pthread_t th[8];
    int i, failures = 0;
    soft_init(&as, OKTA_CC_KEY_RSA, 2048);
    soft_init(&ds, OKTA_CC_KEY_EC, 256);
    soft_describe(&as, &ad);
    soft_describe(&ds, &dd);
    memset(&v, 0, sizeof v);
    v.assertion_key = as.key, v.dpop_key = ds.key;
    okta_cc_config_init(&cfg);
    cfg.org_url = "https://dev-123.okta.com";
    cfg.client_id = "0oa_signer";
    cfg.scopes = "okta.users.read";
    cfg.signer = &ad;
    cfg.dpop_signer = &dd;
    cfg.dpop = OKTA_CC_DPOP_ALWAYS;
    cfg.transport.perform = verify_perform;
    cfg.transport.ctx = &v;
    cfg.transport.concurrent = 1;
    CHECK(okta_cc_client_new(&c, &cfg, &err) == OKTA_CC_OK);
    if (!c) return;
    for (i = 0; i < 8; i++) {
        w[i].client = c, w[i].failures = 0;
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(v.bad, 0);
    CHECK_EQ_INT(v.api_calls, 200);
    CHECK_EQ_INT(v.token_posts, 1);
    CHECK_EQ_INT(as.calls, 1);              /* one assertion */
    CHECK_EQ_INT(ds.calls, 201);            /* a proof per request, and the token's */
    CHECK(as.digest_ok && ds.digest_ok);
    {
        char jkt[44], want[44];
        CHECK(okta_cc_client_dpop_jkt(c, jkt, sizeof jkt, NULL, &err) == OKTA_CC_OK);
        CHECK(okta_cc_key_thumbprint(&ds.key, want, sizeof want, NULL, &err) == OKTA_CC_OK);
        CHECK_EQ_STR(jkt, want);
    }
    okta_cc_client_free(c);
    okta_cc_key_wipe(&as.other);
    okta_cc_key_wipe(&ds.key);
    okta_cc_key_wipe(&ds.other);
}

/* A failing assertion signer: the token fetch fails with its message, and nothing is sent. */
static void test_client_signer_failure_sends_nothing(void)
{
    soft_signer as;
    okta_cc_signer ad;
    verifier v;
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char token[256];
    soft_init(&as, OKTA_CC_KEY_EC, 256);
    as.mode = SS_FAIL_MSG;
    soft_describe(&as, &ad);
    memset(&v, 0, sizeof v);
    okta_cc_config_init(&cfg);
    cfg.org_url = "https://dev-123.okta.com";
    cfg.client_id = "0oa_signer";
    cfg.scopes = "okta.users.read";
    cfg.signer = &ad;
    cfg.private_key = "/nonexistent: the signer wins";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.transport.perform = verify_perform;
    cfg.transport.ctx = &v;
    CHECK(okta_cc_client_new(&c, &cfg, &err) == OKTA_CC_OK);
    if (!c) return;
    CHECK_EQ_INT(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err), OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "the secure element is asleep") != NULL);
    CHECK_EQ_INT(v.token_posts, 0);
    okta_cc_client_free(c);
    /* A signer whose public key is refused fails the client's creation. */
    ad.ec_point_len = 10;
    CHECK_EQ_INT(okta_cc_client_new(&c, &cfg, &err), OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(c == NULL);
    okta_cc_key_wipe(&as.key);
    okta_cc_key_wipe(&as.other);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    if (okta_cc_key_generate(&rsa_key, OKTA_CC_KEY_RSA, 2048, NULL, NULL) != OKTA_CC_OK) return 2;
    RUN(test_signer_same_bytes_as_memory_key);
    RUN(test_signer_der_answer_converted);
    RUN(test_signer_errors);
    RUN(test_signer_public_key_checked);
    RUN(test_client_signers_shared_by_8_threads);
    RUN(test_client_signer_failure_sends_nothing);
    okta_cc_key_wipe(&rsa_key);
    return h_summary();
}
