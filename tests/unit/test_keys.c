#define _POSIX_C_SOURCE 200809L
/* Unit tests for the key and JWS layers: loading every key form, the RFC 7515 / 7517 / 7638
   vectors, the computed RS384/RS512 and client-assertion vectors, every bad key input, key
   generation, and algorithm checks. Cross-checks with OpenSSL and python live in
   tests/cli/cli_keys.sh. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

/* ---- vector access --------------------------------------------------------------------------- */

#include "../vector_json.h"

static int load_vector_key(okta_cc_key *key, const char *rel, const char *path)
{
    vec v;
    const char *t;
    size_t n;
    okta_cc_error err;
    okta_cc_result r;
    long i;
    if (!vec_load(&v, rel)) return 0;
    i = vec_at(&v, path);
    if (i < 0) { vec_free(&v); return 0; }
    vec_raw(&v, i, &t, &n);
    r = okta_cc_key_load(key, t, n, NULL, &err);
    if (r != OKTA_CC_OK) fprintf(stderr, "  load %s %s: %s\n", rel, path, err.message);
    vec_free(&v);
    return r == OKTA_CC_OK;
}

/* Signs input with alg and returns the base64url signature (static buffer). */
static const char *sign_b64(const okta_cc_key *key, okta_cc_alg alg, const char *input)
{
    static char out[1024];
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t n = 0;
    out[0] = '\0';
    if (okta_cc_jws_sign_bytes(key, alg, input, strlen(input), sig, sizeof sig, &n, NULL) == OKTA_CC_OK)
        okta_cc_b64url_encode(sig, n, out, sizeof out, NULL, NULL);
    return out;
}

/* ---- RFC 7515 A.2 and the computed RSA vectors ---------------------------------------------- */

static void test_rfc7515_a2_exact_from_jwk_and_both_pems(void)
{
    vec v;
    okta_cc_key keys[3];
    int i;
    CHECK(vec_load(&v, "jose/rfc7515-a2-rs256.json"));
    CHECK(load_vector_key(&keys[0], "jose/rfc7515-a2-rs256.json", "jwk"));
    CHECK(load_key_file(&keys[1], "jose/rfc7515-a2-rsa-pkcs1.pem"));
    CHECK(load_key_file(&keys[2], "jose/rfc7515-a2-rsa-pkcs8.pem"));
    if (h_current_failed) { vec_free(&v); return; }
    for (i = 0; i < 3; i++) {
        char compact[2048];
        const char *header = vec_str(&v, "protected_header"), *payload = vec_str(&v, "payload");
        size_t len;
        CHECK(keys[i].type == OKTA_CC_KEY_RSA && keys[i].bits == 2048);
        CHECK_EQ_STR(sign_b64(&keys[i], OKTA_CC_ALG_RS256, vec_str(&v, "signing_input")), vec_str(&v, "signature_b64u"));
        CHECK(okta_cc_jws_compact(&keys[i], OKTA_CC_ALG_RS256, header, strlen(header), payload,
                                  strlen(payload), compact, sizeof compact, &len, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(compact, vec_str(&v, "compact"));
        CHECK(len == strlen(compact));
        okta_cc_key_wipe(&keys[i]);
    }
    vec_free(&v);
}

static void test_rfc7515_a2_verify_and_bit_flip(void)
{
    vec v;
    okta_cc_key key;
    unsigned char sig[512];
    size_t n;
    const char *input;
    CHECK(vec_load(&v, "jose/rfc7515-a2-rs256.json"));
    CHECK(load_key_file(&key, "jose/rfc7515-a2-rsa-pkcs8.pem"));
    if (h_current_failed) { vec_free(&v); return; }
    input = vec_str(&v, "signing_input");
    okta_cc_b64url_decode(vec_str(&v, "signature_b64u"), strlen(vec_str(&v, "signature_b64u")), sig, sizeof sig, &n, NULL);
    CHECK(n == 256);
    CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_RS256, input, strlen(input), sig, n, NULL) == OKTA_CC_OK);
    sig[100] ^= 0x01;
    CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_RS256, input, strlen(input), sig, n, NULL) == OKTA_CC_ERR_CRYPTO);
    sig[100] ^= 0x01;
    CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_RS384, input, strlen(input), sig, n, NULL) == OKTA_CC_ERR_CRYPTO);
    CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_RS256, input, strlen(input), sig, n - 1, NULL) == OKTA_CC_ERR_CRYPTO);
    okta_cc_key_wipe(&key);
    vec_free(&v);
}

static void test_computed_rs256_rs384_rs512_exact(void)
{
    vec v;
    okta_cc_key key;
    long arr, e;
    int count = 0;
    CHECK(vec_load(&v, "jose/computed-rs256-rs384-rs512.json"));
    CHECK(load_key_file(&key, "jose/rfc7515-a2-rsa-pkcs1.pem"));
    if (h_current_failed) { vec_free(&v); return; }
    arr = vec_at(&v, "vectors");
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        char alg[16], input[4096], want[1024];
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "alg"), alg, sizeof alg, NULL, NULL);
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "signing_input"), input, sizeof input, NULL, NULL);
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "signature_b64u"), want, sizeof want, NULL, NULL);
        CHECK(okta_cc_alg_from_name(alg) != OKTA_CC_ALG_DEFAULT);
        CHECK_EQ_STR(sign_b64(&key, okta_cc_alg_from_name(alg), input), want);
        count++;
    }
    CHECK_EQ_INT(count, 3);
    okta_cc_key_wipe(&key);
    vec_free(&v);
}

/* The computed client assertion and DPoP proofs: exact compact output from the exact header and
   claims JSON. */
static void test_computed_client_assertion_exact(void)
{
    vec v;
    okta_cc_key key;
    long arr, e;
    int count = 0;
    CHECK(vec_load(&v, "jose/computed-client-assertion-and-dpop-rs256.json"));
    CHECK(load_vector_key(&key, "jose/rfc7515-a2-rs256.json", "jwk"));
    if (h_current_failed) { vec_free(&v); return; }
    arr = vec_at(&v, "vectors");
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        static char header[4096], claims[4096], want[8192], out[8192];
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "header_json_exact"), header, sizeof header, NULL, NULL);
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "claims_json_exact"), claims, sizeof claims, NULL, NULL);
        okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "compact"), want, sizeof want, NULL, NULL);
        CHECK(okta_cc_jws_compact(&key, OKTA_CC_ALG_DEFAULT, header, strlen(header), claims, strlen(claims),
                                  out, sizeof out, NULL, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(out, want);
        count++;
    }
    CHECK_EQ_INT(count, 3);
    okta_cc_key_wipe(&key);
    vec_free(&v);
}

/* ---- RFC 7517 A.2 and RFC 7638 ------------------------------------------------------------- */

static void test_rfc7517_a2_jwk_and_pems_same_key(void)
{
    vec v;
    okta_cc_key jwk, pkcs1, pkcs8;
    const char *input, *want;
    CHECK(vec_load(&v, "jose/rfc7517-a2-rsa-private.json"));
    CHECK(load_vector_key(&jwk, "jose/rfc7517-a2-rsa-private.json", "rsa_private_jwk"));
    CHECK(load_key_file(&pkcs1, "jose/rsa-a2-pkcs1.pem"));
    CHECK(load_key_file(&pkcs8, "jose/rsa-a2-pkcs8.pem"));
    if (h_current_failed) { vec_free(&v); return; }
    CHECK(jwk.bits == 2048 && pkcs1.bits == 2048 && pkcs8.bits == 2048);
    CHECK(jwk.n_len == pkcs1.n_len && memcmp(jwk.n, pkcs1.n, jwk.n_len) == 0);
    CHECK(pkcs8.n_len == pkcs1.n_len && memcmp(pkcs8.n, pkcs1.n, pkcs8.n_len) == 0);
    /* unknown members use/kid/alg are accepted; kid is kept */
    CHECK_EQ_STR(jwk.kid, "2011-04-29");
    CHECK_EQ_STR(pkcs1.kid, "");
    input = vec_str(&v, "computed_rs256_over_rfc7515_a2_signing_input/signing_input");
    want = vec_str(&v, "computed_rs256_over_rfc7515_a2_signing_input/signature_b64u");
    CHECK_EQ_STR(sign_b64(&jwk, OKTA_CC_ALG_RS256, input), want);
    CHECK_EQ_STR(sign_b64(&pkcs1, OKTA_CC_ALG_RS256, input), want);
    CHECK_EQ_STR(sign_b64(&pkcs8, OKTA_CC_ALG_RS256, input), want);
    okta_cc_key_wipe(&jwk);
    okta_cc_key_wipe(&pkcs1);
    okta_cc_key_wipe(&pkcs8);
    vec_free(&v);
}

static void test_jwks_selection_by_kid(void)
{
    vec v;
    okta_cc_key key;
    okta_cc_error err;
    const char *t;
    size_t n;
    CHECK(vec_load(&v, "jose/rfc7517-a2-rsa-private.json"));
    if (h_current_failed) return;
    vec_raw(&v, vec_at(&v, "jwk_set"), &t, &n);
    CHECK(okta_cc_key_load(&key, t, n, "1", &err) == OKTA_CC_OK);
    CHECK(key.type == OKTA_CC_KEY_EC && key.bits == 256);
    CHECK(okta_cc_key_default_alg(&key) == OKTA_CC_ALG_ES256);
    CHECK_EQ_STR(key.kid, "1");
    CHECK(okta_cc_key_load(&key, t, n, "2011-04-29", &err) == OKTA_CC_OK);
    CHECK(key.type == OKTA_CC_KEY_RSA && key.bits == 2048);
    CHECK(okta_cc_key_default_alg(&key) == OKTA_CC_ALG_RS256);   /* its "alg" is RS256 */
    CHECK(okta_cc_key_load(&key, t, n, NULL, &err) == OKTA_CC_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "2 keys") != NULL);
    CHECK(okta_cc_key_load(&key, t, n, "nope", &err) == OKTA_CC_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "nope") != NULL);
    CHECK(key.type == OKTA_CC_KEY_NONE);   /* wiped on failure */
    vec_free(&v);
}

static void test_rfc7638_thumbprints(void)
{
    vec v;
    okta_cc_key key;
    char tp[44];
    okta_cc_json_writer w;
    CHECK(vec_load(&v, "jose/rfc7638-thumbprint.json"));
    if (h_current_failed) return;
    /* The RFC key is public only: thumbprint it through the private key with the same n, e. */
    CHECK(load_key_file(&key, "jose/rsa-a2-pkcs8.pem"));
    CHECK(okta_cc_key_thumbprint(&key, tp, sizeof tp, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(tp, vec_str(&v, "thumbprint_sha256"));
    /* The canonical JSON is exactly what gets hashed. */
    {
        char canon[1600];
        okta_cc_json_writer_init(&w, canon, sizeof canon);
        okta_cc_json_write_object_begin(&w);
        okta_cc__jwk_public_members(&w, &key);
        okta_cc_json_write_object_end(&w);
        CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(canon, vec_str(&v, "canonical_json"));
    }
    /* kid, alg and use do not change it */
    strcpy(key.kid, "some-kid");
    key.alg = OKTA_CC_ALG_RS512;
    CHECK(okta_cc_key_thumbprint(&key, tp, sizeof tp, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(tp, vec_str(&v, "thumbprint_sha256"));
    CHECK(load_key_file(&key, "jose/rfc7515-a3-ec-sec1.pem"));
    CHECK(okta_cc_key_thumbprint(&key, tp, sizeof tp, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(tp, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
    okta_cc_key_wipe(&key);
    vec_free(&v);
}

static void test_public_jwk_export(void)
{
    okta_cc_key key;
    char jwk[2048], tp[44];
    size_t need = 0;
    CHECK(load_key_file(&key, "jose/rfc7515-a3-ec-pkcs8.pem"));
    if (h_current_failed) return;
    CHECK(okta_cc_key_public_jwk(&key, NULL, jwk, sizeof jwk, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(jwk, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"use\":\"sig\",\"alg\":\"ES256\"}");
    CHECK(okta_cc_key_public_jwk(&key, "k1", jwk, sizeof jwk, NULL, NULL) == OKTA_CC_OK);
    CHECK(strstr(jwk, "\"kid\":\"k1\"") != NULL && strstr(jwk, "\"d\"") == NULL);
    CHECK(okta_cc_key_public_jwk(&key, NULL, jwk, 10, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(need > 100);
    CHECK(load_key_file(&key, "jose/rsa-a2-pkcs1.pem"));
    CHECK(okta_cc_key_thumbprint(&key, tp, sizeof tp, NULL, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_key_public_jwk(&key, tp, jwk, sizeof jwk, NULL, NULL) == OKTA_CC_OK);
    CHECK(strncmp(jwk, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4", 80) == 0);
    CHECK(strstr(jwk, "\"kid\":\"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\",\"use\":\"sig\",\"alg\":\"RS256\"}") != NULL);
    CHECK(strstr(jwk, "\"p\"") == NULL && strstr(jwk, "\"d\"") == NULL);
    okta_cc_key_wipe(&key);
}

/* ---- ES256 ---------------------------------------------------------------------------------- */

static void test_rfc7515_a3_es256(void)
{
    vec v;
    okta_cc_key jwk, sec1, pkcs8;
    unsigned char sig[OKTA_CC_SIG_MAX], sig2[OKTA_CC_SIG_MAX];
    size_t n = 0, n2 = 0;
    const char *input;
    CHECK(vec_load(&v, "jose/rfc7515-a3-es256.json"));
    CHECK(load_vector_key(&jwk, "jose/rfc7515-a3-es256.json", "jwk"));
    CHECK(load_key_file(&sec1, "jose/rfc7515-a3-ec-sec1.pem"));
    CHECK(load_key_file(&pkcs8, "jose/rfc7515-a3-ec-pkcs8.pem"));
    if (h_current_failed) { vec_free(&v); return; }
    CHECK(memcmp(jwk.d, sec1.d, 32) == 0 && memcmp(jwk.pub, pkcs8.pub, 65) == 0);
    input = vec_str(&v, "signing_input");
    /* the published signature verifies */
    okta_cc_b64url_decode(vec_str(&v, "signature_b64u"), 86, sig, sizeof sig, &n, NULL);
    CHECK(n == 64);
    CHECK(okta_cc_jws_verify_bytes(&jwk, OKTA_CC_ALG_ES256, input, strlen(input), sig, n, NULL) == OKTA_CC_OK);
    sig[5] ^= 0x80;
    CHECK(okta_cc_jws_verify_bytes(&jwk, OKTA_CC_ALG_ES256, input, strlen(input), sig, n, NULL) == OKTA_CC_ERR_CRYPTO);
    /* a DER-encoded signature is not a JWS signature */
    {
        unsigned char der[80];
        size_t der_len = strlen(vec_str(&v, "signature_der_hex")) / 2, i;
        const char *hex = vec_str(&v, "signature_der_hex");
        for (i = 0; i < der_len; i++) { unsigned b; sscanf(hex + 2 * i, "%2x", &b); der[i] = (unsigned char)b; }
        CHECK(okta_cc_jws_verify_bytes(&jwk, OKTA_CC_ALG_ES256, input, strlen(input), der, der_len, NULL) == OKTA_CC_ERR_CRYPTO);
    }
    /* our signature: 64 octets, verifies */
    CHECK(okta_cc_jws_sign_bytes(&sec1, OKTA_CC_ALG_DEFAULT, input, strlen(input), sig, sizeof sig, &n, NULL) == OKTA_CC_OK);
    CHECK(n == 64);
    CHECK(okta_cc_jws_verify_bytes(&jwk, OKTA_CC_ALG_ES256, input, strlen(input), sig, n, NULL) == OKTA_CC_OK);
    /* BearSSL's ECDSA is deterministic (RFC 6979): the same input gives the same signature, and
       another input another one. (The RFC's own signature was randomized, so we never compare
       against it.) */
    CHECK(okta_cc_jws_sign_bytes(&pkcs8, OKTA_CC_ALG_ES256, input, strlen(input), sig2, sizeof sig2, &n2, NULL) == OKTA_CC_OK);
    CHECK(n2 == 64 && memcmp(sig, sig2, 64) == 0);
    CHECK(okta_cc_jws_sign_bytes(&pkcs8, OKTA_CC_ALG_ES256, input, strlen(input) - 1, sig2, sizeof sig2, &n2, NULL) == OKTA_CC_OK);
    CHECK(memcmp(sig, sig2, 64) != 0);
    okta_cc_key_wipe(&jwk);
    okta_cc_key_wipe(&sec1);
    okta_cc_key_wipe(&pkcs8);
    vec_free(&v);
}

/* Signatures with short R or S (about 1 in 128): the raw form keeps them 32 octets. */
static void test_generated_p256_examples_verify(void)
{
    static const char *names[] = {"generated-ec-p256", "generated-ec-p256-d-leading-zero"};
    vec v;
    int k, count = 0;
    CHECK(vec_load(&v, "jose/generated-ec-p256.json"));
    if (h_current_failed) return;
    for (k = 0; k < 2; k++) {
        char path[128];
        okta_cc_key key, pem;
        long arr, e;
        const char *t;
        size_t n;
        snprintf(path, sizeof path, "keys/%s/jwk_private", names[k]);
        vec_raw(&v, vec_at(&v, path), &t, &n);
        CHECK(okta_cc_key_load(&key, t, n, NULL, NULL) == OKTA_CC_OK);
        snprintf(path, sizeof path, "jose/%s-sec1.pem", names[k]);
        CHECK(load_key_file(&pem, path));
        CHECK(key.d_len == 32 && pem.d_len == 32 && memcmp(key.d, pem.d, 32) == 0);
        snprintf(path, sizeof path, "keys/%s/thumbprint_sha256", names[k]);
        {
            char tp[44];
            okta_cc_key_thumbprint(&pem, tp, sizeof tp, NULL, NULL);
            CHECK_EQ_STR(tp, vec_str(&v, path));
        }
        snprintf(path, sizeof path, "keys/%s/es256_examples", names[k]);
        arr = vec_at(&v, path);
        for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
            char b64[128];
            unsigned char sig[64];
            size_t sn;
            const char *input = vec_str(&v, "es256_signing_input");
            okta_cc_json_get_string(&v.doc, (size_t)okta_cc_json_find(&v.doc, (size_t)e, "signature_b64u"), b64, sizeof b64, NULL, NULL);
            CHECK(okta_cc_b64url_decode(b64, strlen(b64), sig, sizeof sig, &sn, NULL) == OKTA_CC_OK && sn == 64);
            CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_ES256, input, strlen(input), sig, sn, NULL) == OKTA_CC_OK);
            count++;
        }
        okta_cc_key_wipe(&key);
        okta_cc_key_wipe(&pem);
    }
    CHECK_EQ_INT(count, 6);
    vec_free(&v);
}

/* ---- the bad keys ----------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *file;
    okta_cc_result expect;
    const char *message_part;
} bad_case;

/* Policy for the debatable entries (pem/bad/README.md): P-521 is supported and loads; RSA under
   2048 bits, secp256k1, a PKCS#1 body under a PKCS#8 label, binary DER, a padded member and a
   short EC "d" are all refused. */
static const bad_case bad_cases[] = {
    {"empty.pem", OKTA_CC_ERR_KEY_FORMAT, "empty"},
    {"truncated-no-end-line.pem", OKTA_CC_ERR_KEY_FORMAT, "no END line"},
    {"truncated-body.pem", OKTA_CC_ERR_KEY_FORMAT, "truncated or mislabelled"},
    {"wrong-label-certificate.pem", OKTA_CC_ERR_KEY_FORMAT, "CERTIFICATE"},
    {"mismatched-begin-end-labels.pem", OKTA_CC_ERR_KEY_FORMAT, "END line"},
    {"pkcs1-body-under-pkcs8-label.pem", OKTA_CC_ERR_KEY_FORMAT, "label"},
    {"bad-base64-chars.pem", OKTA_CC_ERR_KEY_FORMAT, "base64"},
    {"bad-base64-padding-in-middle.pem", OKTA_CC_ERR_KEY_FORMAT, "base64"},
    {"encrypted-pkcs8.pem", OKTA_CC_ERR_KEY_ENCRYPTED, "openssl pkcs8 -topk8 -nocrypt"},
    {"encrypted-pkcs1-legacy.pem", OKTA_CC_ERR_KEY_ENCRYPTED, "encrypted keys are not supported"},
    {"rsa-1024-pkcs8.pem", OKTA_CC_ERR_KEY_TOO_SMALL, "1024 bits"},
    {"ec-p521-pkcs8.pem", OKTA_CC_OK, NULL},
    {"ec-p521-sec1.pem", OKTA_CC_OK, NULL},
    {"ec-secp256k1-sec1.pem", OKTA_CC_ERR_KEY_UNSUPPORTED, "P-256"},
    {"public-key-only.pem", OKTA_CC_ERR_KEY_PUBLIC_ONLY, "public key"},
    {"pkcs8-der-not-pem.der", OKTA_CC_ERR_KEY_FORMAT, "DER"},
    {"jwk-rsa-missing-qi.json", OKTA_CC_ERR_KEY_FORMAT, "\"qi\""},
    {"jwk-kty-oct.json", OKTA_CC_ERR_KEY_UNSUPPORTED, "kty"},
    {"jwk-rsa-public-only.json", OKTA_CC_ERR_KEY_PUBLIC_ONLY, "public key"},
    {"jwk-rsa-inconsistent-d.json", OKTA_CC_ERR_KEY_INCONSISTENT, "d does not match"},
    {"jwk-rsa-n-standard-base64.json", OKTA_CC_ERR_KEY_FORMAT, "\"n\""},
    {"jwk-rsa-n-padded.json", OKTA_CC_ERR_KEY_FORMAT, "\"n\""},
    {"jwk-ec-point-not-on-curve.json", OKTA_CC_ERR_KEY_INCONSISTENT, "x and y"},
    {"jwk-ec-p521.json", OKTA_CC_OK, NULL},
    {"jwk-ec-d-leading-zero-stripped.json", OKTA_CC_ERR_KEY_FORMAT, "32 bytes"},
    {"jwk-missing-kty.json", OKTA_CC_ERR_KEY_FORMAT, "kty"},
    {"jwk-kty-rsa-with-ec-members.json", OKTA_CC_ERR_KEY_FORMAT, "\"n\""},
    {"jwk-truncated-json.json", OKTA_CC_ERR_KEY_FORMAT, "malformed JWK"},
    {"jwk-ec-x-not-string.json", OKTA_CC_ERR_KEY_FORMAT, "not a string"},
};

static void run_bad_key_tests(void)
{
    size_t i;
    for (i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        char name[160], rel[160];
        okta_cc_key key;
        okta_cc_error err;
        okta_cc_result r;
        snprintf(name, sizeof name, "bad-key/%s", bad_cases[i].file);
        snprintf(rel, sizeof rel, "%s/pem/bad/%s", h_vectors_dir(), bad_cases[i].file);
        h_begin(name);
        memset(&key, 0x77, sizeof key);
        r = okta_cc_key_load_file(&key, rel, NULL, &err);
        if (r != bad_cases[i].expect)
            fprintf(stderr, "  %s: got %s (%s)\n", bad_cases[i].file, okta_cc_result_str(r), err.message);
        CHECK(r == bad_cases[i].expect);
        if (r == OKTA_CC_OK) {
            CHECK(key.type == OKTA_CC_KEY_EC && key.bits == 521);
            CHECK(okta_cc_key_default_alg(&key) == OKTA_CC_ALG_ES512);
            CHECK_EQ_STR(sign_b64(&key, OKTA_CC_ALG_ES512, "x") , sign_b64(&key, OKTA_CC_ALG_ES512, "x"));
            CHECK(strlen(sign_b64(&key, OKTA_CC_ALG_ES512, "x")) == 176);   /* 132 octets */
        } else {
            unsigned char zero[sizeof key];
            memset(zero, 0, sizeof zero);
            CHECK(memcmp(&key, zero, sizeof key) == 0);   /* nothing left behind */
            CHECK(err.code == r && err.message[0] != '\0');
            CHECK(strstr(err.message, bad_cases[i].message_part) != NULL);
            CHECK(strstr(err.message, "MII") == NULL);     /* no key material in messages */
        }
        okta_cc_key_wipe(&key);
        h_end();
    }
    /* Found by fuzzing: p = 1, q = n (RFC 7517 A.2 otherwise) satisfies p*q = n and signs. */
    h_begin("bad-key/tests-data/jwk-rsa-p1-q-equals-n.json");
    {
        okta_cc_key key;
        okta_cc_error err;
        CHECK(okta_cc_key_load_file(&key, "tests/data/jwk-rsa-p1-q-equals-n.json", NULL, &err) == OKTA_CC_ERR_KEY_INCONSISTENT);
        CHECK(strstr(err.message, "p (1 bits)") != NULL);
    }
    h_end();
    h_begin("bad-key/all-29-files-covered");
    CHECK_EQ_INT(sizeof bad_cases / sizeof *bad_cases, 29);
    h_end();
}

/* ---- PEM text variants ----------------------------------------------------------------------- */

static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    const char *p;
    char *out, *o;
    for (p = s; (p = strstr(p, from)) != NULL; p += fl) n++;
    out = o = (char *)malloc(strlen(s) + n * tl + 1);
    while ((p = strstr(s, from)) != NULL) {
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, to, tl);
        o += tl;
        s = p + fl;
    }
    strcpy(o, s);
    return out;
}

static void test_pem_text_variants(void)
{
    size_t len;
    char *pem = h_read_vector("jose/rfc7515-a2-rsa-pkcs1.pem", &len), *crlf, *escaped, *framed;
    okta_cc_key key, ref;
    okta_cc_error err;
    CHECK(pem != NULL);
    if (!pem) return;
    CHECK(okta_cc_key_load(&ref, pem, len, NULL, &err) == OKTA_CC_OK);
    /* no final newline */
    while (len && pem[len - 1] == '\n') len--;
    CHECK(okta_cc_key_load(&key, pem, len, NULL, &err) == OKTA_CC_OK);
    CHECK(memcmp(key.n, ref.n, ref.n_len) == 0);
    pem[len] = '\0';
    /* CRLF line ends */
    crlf = replace_all(pem, "\n", "\r\n");
    CHECK(okta_cc_key_load(&key, crlf, strlen(crlf), NULL, &err) == OKTA_CC_OK);
    CHECK(memcmp(key.p, ref.p, ref.p_len) == 0);
    /* newlines as the two characters \n, as in an environment variable */
    escaped = replace_all(pem, "\n", "\\n");
    CHECK(strchr(escaped, '\n') == NULL);
    CHECK(okta_cc_key_load(&key, escaped, strlen(escaped), "env-kid", &err) == OKTA_CC_OK);
    CHECK(memcmp(key.q, ref.q, ref.q_len) == 0);
    CHECK_EQ_STR(key.kid, "env-kid");
    /* text around the block */
    framed = (char *)malloc(strlen(pem) + 200);
    if (!framed) return;
    sprintf(framed, "Bag Attributes\n  friendlyName: svc\nsubject=/CN=x\n%s\ntrailing words\n", pem);
    CHECK(okta_cc_key_load(&key, framed, strlen(framed), NULL, &err) == OKTA_CC_OK);
    CHECK(memcmp(key.dq, ref.dq, ref.dq_len) == 0);
    /* a certificate (or public key) before the private key is skipped */
    {
        char *bundle = (char *)malloc(strlen(pem) + 400);
        if (bundle) {
            sprintf(bundle, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3E=\n-----END CERTIFICATE-----\n%s\n", pem);
            CHECK(okta_cc_key_load(&key, bundle, strlen(bundle), NULL, &err) == OKTA_CC_OK);
            CHECK(memcmp(key.n, ref.n, ref.n_len) == 0);
            free(bundle);
        }
    }
    /* garbage */
    CHECK(okta_cc_key_load(&key, "hello", 5, NULL, &err) == OKTA_CC_ERR_KEY_FORMAT);
    CHECK(okta_cc_key_load(&key, "   \n\t", 5, NULL, &err) == OKTA_CC_ERR_KEY_FORMAT);
    CHECK(okta_cc_key_load(&key, "[1,2]", 5, NULL, &err) == OKTA_CC_ERR_KEY_FORMAT);
    CHECK(okta_cc_key_load(&key, "{\"kty\":\"EC\",\"crv\":\"secp256k1\"}", 30, NULL, &err) == OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(okta_cc_key_load(NULL, "x", 1, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_load_file(&key, "/nonexistent/key.pem", NULL, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "/nonexistent/key.pem: No such file or directory") != NULL);
    free(pem);
    free(crlf);
    free(escaped);
    free(framed);
    okta_cc_key_wipe(&key);
    okta_cc_key_wipe(&ref);
}

/* ---- key files that are not regular files ------------------------------------------------------- */

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* okta_cc_key_load_file on what a path may name besides a regular file: a directory and a
   device are refused before anything is read (/dev/zero used to be read up to the 1 MiB cap), a
   FIFO nobody writes to returns at once (fopen used to block in open() for ever), a pipe - a
   shell's <(...) - is read to its end, and one that streams without end is cut at 1 MiB. The
   same through a client's private_key and dpop_key settings. alarm() turns a hang into a
   failure. */
static void test_key_file_kinds(void)
{
    char dir[] = "/tmp/okta-cc-keys-XXXXXX", fifo[64], path[1024], devfd[32];
    okta_cc_key key;
    okta_cc_error err;
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    int p[2];
    pid_t pid;
    time_t t0;
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    alarm(60);
    /* a directory */
    CHECK(okta_cc_key_load_file(&key, dir, NULL, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "a directory, not a regular file or a pipe") != NULL);
    /* a device: refused without reading */
    t0 = time(NULL);
    CHECK(okta_cc_key_load_file(&key, "/dev/zero", NULL, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "/dev/zero: a device or socket, not a regular file or a pipe") != NULL);
    CHECK(okta_cc_key_load_file(&key, "/dev/null", NULL, &err) == OKTA_CC_ERR_IO);
    /* a FIFO without a writer: an empty key, at once */
    CHECK(okta_cc_key_load_file(&key, fifo, NULL, &err) == OKTA_CC_ERR_KEY_FORMAT);
    CHECK_EQ_STR(err.message, "empty key");
    CHECK(time(NULL) - t0 < 10);
    /* a pipe holding a key, like <(cat key.pem) */
    snprintf(path, sizeof path, "%s/jose/generated-ec-p256-pkcs8.pem", h_vectors_dir());
    {
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (f) {
            pem = (char *)malloc(4096);
            pem_len = pem ? fread(pem, 1, 4096, f) : 0;
            fclose(f);
        }
    }
    CHECK(pem_len > 100 && pipe(p) == 0);
    if (pem_len > 100) {
        CHECK(write(p[1], pem, pem_len) == (ssize_t)pem_len);
        close(p[1]);
        snprintf(devfd, sizeof devfd, "/dev/fd/%d", p[0]);
        CHECK(okta_cc_key_load_file(&key, devfd, NULL, &err) == OKTA_CC_OK);
        CHECK(key.type == OKTA_CC_KEY_EC);
        close(p[0]);
    }
    /* a pipe that never ends: cut at 1 MiB */
    CHECK(pipe(p) == 0);
    pid = fork();
    if (pid == 0) {
        static char junk[65536];
        free(pem);                          /* the child's copy: nothing left for valgrind */
        close(p[0]);
        memset(junk, 'A', sizeof junk);
        for (;;)
            if (write(p[1], junk, sizeof junk) < 0) _exit(0);
    }
    close(p[1]);
    snprintf(devfd, sizeof devfd, "/dev/fd/%d", p[0]);
    CHECK(okta_cc_key_load_file(&key, devfd, NULL, &err) == OKTA_CC_ERR_KEY_FORMAT);
    CHECK(strstr(err.message, "larger than 1048576 bytes") != NULL);
    close(p[0]);
    if (pid > 0) waitpid(pid, NULL, 0);
    /* the same through a client: private_key and dpop_key as paths */
    okta_cc_config_init(&cfg);
    cfg.org_url = "https://dev-1.okta.com";
    cfg.client_id = "0oa1";
    cfg.private_key = fifo;
    CHECK(okta_cc_client_new(&client, &cfg, &err) == OKTA_CC_ERR_KEY_FORMAT);
    okta_cc_client_free(client);
    client = NULL;
    cfg.private_key = path;
    cfg.dpop_key = "/dev/zero";
    CHECK(okta_cc_client_new(&client, &cfg, &err) == OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "a device or socket") != NULL);
    okta_cc_client_free(client);
    client = NULL;
    cfg.dpop_key = dir;
    CHECK(okta_cc_client_new(&client, &cfg, &err) == OKTA_CC_ERR_IO);
    okta_cc_client_free(client);
    client = NULL;
    cfg.dpop_key = fifo;
    CHECK(okta_cc_client_new(&client, &cfg, &err) == OKTA_CC_ERR_KEY_FORMAT);
    okta_cc_client_free(client);
    /* unreadable: only meaningful when not root (root reads a mode 000 file) */
    if (geteuid() != 0) {
        char unreadable[96];
        int fd;
        snprintf(unreadable, sizeof unreadable, "%s/unreadable.pem", dir);
        fd = open(unreadable, O_WRONLY | O_CREAT | O_EXCL, 0000);
        CHECK(fd >= 0 && write(fd, pem, pem_len) == (ssize_t)pem_len);
        if (fd >= 0) close(fd);
        CHECK(okta_cc_key_load_file(&key, unreadable, NULL, &err) == OKTA_CC_ERR_IO);
        CHECK(strstr(err.message, "Permission denied") != NULL);
        unlink(unreadable);
    }
    alarm(0);
    okta_cc_key_wipe(&key);
    if (pem) okta_cc_wipe(pem, pem_len);
    free(pem);
    unlink(fifo);
    rmdir(dir);
}

/* ---- algorithms -------------------------------------------------------------------------------- */

/* okta_cc_read_file / _read_fd, the one reader of files that hold secrets (the key loader's
   and the CLI's): what it reads, what it refuses before reading, its cap, its allocator. */
typedef struct counting_alloc { int mallocs, frees; } counting_alloc;
static void *counting_malloc(void *user, size_t n) { ((counting_alloc *)user)->mallocs++; return malloc(n); }
static void counting_free(void *user, void *p) { ((counting_alloc *)user)->frees++; free(p); }

static void test_read_file_and_fd(void)
{
    char dir[] = "/tmp/okta_cc_read_XXXXXX", path[128], fifo[128], *out = NULL;
    size_t len = 99;
    okta_cc_error err;
    okta_cc_allocator a;
    counting_alloc count = {0, 0};
    int p[2];
    FILE *f;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/secret.txt", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    f = fopen(path, "w");
    if (!f) { h_current_failed = 1; return; }
    fputs("s3cret\n", f);
    fclose(f);
    a.malloc_fn = counting_malloc, a.free_fn = counting_free, a.user = &count;
    /* a regular file, whole and NUL-terminated, through the caller's allocator */
    CHECK_EQ_INT(okta_cc_read_file(path, 64, &a, &out, &len, &err), OKTA_CC_OK);
    CHECK(len == 7 && out && memcmp(out, "s3cret\n", 8) == 0);
    okta_cc_free_wiped(&a, out, len);
    CHECK(count.mallocs >= 1 && count.mallocs == count.frees);
    /* one byte over the cap: a file error that names the file and the cap */
    CHECK_EQ_INT(okta_cc_read_file(path, 6, NULL, &out, &len, &err), OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "secret.txt: larger than 6 bytes") != NULL);
    /* refused before reading: a directory, a device; a missing file says why */
    CHECK_EQ_INT(okta_cc_read_file(dir, 64, NULL, &out, &len, &err), OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, ": a directory, not a regular file or a pipe") != NULL);
    CHECK_EQ_INT(okta_cc_read_file("/dev/zero", 64, NULL, &out, &len, &err), OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "/dev/zero: a device or socket") != NULL);
    CHECK_EQ_INT(okta_cc_read_file("/nonexistent/x", 64, NULL, &out, &len, &err), OKTA_CC_ERR_IO);
    CHECK(strstr(err.message, "/nonexistent/x: No such file or directory") != NULL);
    /* a FIFO nobody writes to: empty, at once */
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK_EQ_INT(okta_cc_read_file(fifo, 64, NULL, &out, &len, &err), OKTA_CC_OK);
    CHECK(len == 0 && out && out[0] == '\0');
    okta_cc_free_wiped(NULL, out, len);
    /* a descriptor: read as it is, left open, named as asked */
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "abc", 3) == 3);
    close(p[1]);
    CHECK_EQ_INT(okta_cc_read_fd(p[0], "stdin", 64, NULL, &out, &len, &err), OKTA_CC_OK);
    CHECK(len == 3 && strcmp(out, "abc") == 0);
    okta_cc_free_wiped(NULL, out, len);
    CHECK(fcntl(p[0], F_GETFD) != -1);
    close(p[0]);
    CHECK_EQ_INT(okta_cc_read_fd(-1, "stdin", 64, NULL, &out, &len, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(okta_cc_read_file(NULL, 64, NULL, &out, &len, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
    a.free_fn = NULL;       /* half an allocator */
    CHECK_EQ_INT(okta_cc_read_file(path, 64, &a, &out, &len, &err), OKTA_CC_ERR_CONFIG);
    okta_cc_free_wiped(NULL, NULL, 5);  /* nothing */
    unlink(path);
    unlink(fifo);
    rmdir(dir);
}

static void test_alg_names_and_mismatches(void)
{
    okta_cc_key rsa, ec;
    okta_cc_error err;
    unsigned char sig[OKTA_CC_SIG_MAX];
    char out[2048];
    size_t n;
    int a;
    for (a = OKTA_CC_ALG_RS256; a <= OKTA_CC_ALG_ES512; a++)
        CHECK(okta_cc_alg_from_name(okta_cc_alg_name((okta_cc_alg)a)) == (okta_cc_alg)a);
    CHECK(okta_cc_alg_from_name("HS256") == OKTA_CC_ALG_DEFAULT);
    CHECK(okta_cc_alg_from_name("none") == OKTA_CC_ALG_DEFAULT);
    CHECK(okta_cc_alg_from_name(NULL) == OKTA_CC_ALG_DEFAULT);
    CHECK(load_key_file(&rsa, "jose/rsa-a2-pkcs8.pem"));
    CHECK(load_key_file(&ec, "jose/generated-ec-p256-pkcs8.pem"));
    if (h_current_failed) return;
    CHECK(okta_cc_jws_sign_bytes(&rsa, OKTA_CC_ALG_ES256, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(strstr(err.message, "ES256") != NULL);
    CHECK(okta_cc_jws_sign_bytes(&ec, OKTA_CC_ALG_ES384, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(okta_cc_jws_sign_bytes(&ec, OKTA_CC_ALG_RS256, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(okta_cc_jws_sign_bytes(&ec, OKTA_CC_ALG_ES256, "x", 1, sig, 10, &n, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 64 && err.code == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    /* jws_compact refuses a header that names another alg, or is not an object */
    CHECK(okta_cc_jws_compact(&rsa, OKTA_CC_ALG_RS256, "{\"alg\":\"RS384\"}", 15, "{}", 2, out, sizeof out, NULL, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(okta_cc_jws_compact(&rsa, OKTA_CC_ALG_RS256, "{\"typ\":\"JWT\"}", 13, "{}", 2, out, sizeof out, NULL, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(okta_cc_jws_compact(&rsa, OKTA_CC_ALG_RS256, "[1]", 3, "{}", 2, out, sizeof out, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* a length whose encoded size would wrap size_t round is refused (it used to give a wrapped size) */
    CHECK(okta_cc_jws_compact(&rsa, OKTA_CC_ALG_RS256, "{\"alg\":\"RS256\"}", 15, "{}", (size_t)-1 / 4 + 1, NULL, 0,
                              &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* each RS alg works with any RSA key */
    for (a = OKTA_CC_ALG_RS256; a <= OKTA_CC_ALG_RS512; a++) {
        CHECK(okta_cc_jws_sign_bytes(&rsa, (okta_cc_alg)a, "x", 1, sig, sizeof sig, &n, NULL) == OKTA_CC_OK);
        CHECK(okta_cc_jws_verify_bytes(&rsa, (okta_cc_alg)a, "x", 1, sig, n, NULL) == OKTA_CC_OK);
    }
    /* JWT header: alg, kid, typ in that order; a too small buffer reports the size */
    CHECK(okta_cc_jwt_sign(&ec, OKTA_CC_ALG_DEFAULT, "kid-1", "not json", 8, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_jwt_sign(&ec, OKTA_CC_ALG_DEFAULT, "kid-1", "[1,2]", 5, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "object") != NULL);
    CHECK(okta_cc_jwt_sign(&ec, OKTA_CC_ALG_DEFAULT, "kid-1", "", 0, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_jwt_sign(&ec, OKTA_CC_ALG_DEFAULT, "kid-1", "{\"a\":1}", 7, out, 20, &n, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(n > 20);
    CHECK(okta_cc_jwt_sign(&ec, OKTA_CC_ALG_DEFAULT, "kid-1", "{\"a\":1}", 7, out, n, &n, &err) == OKTA_CC_OK);
    {
        char header[128];
        size_t hl;
        CHECK(okta_cc_b64url_decode(out, (size_t)(strchr(out, '.') - out), header, sizeof header - 1, &hl, NULL) == OKTA_CC_OK);
        header[hl] = '\0';
        CHECK_EQ_STR(header, "{\"alg\":\"ES256\",\"kid\":\"kid-1\",\"typ\":\"JWT\"}");
        CHECK(strlen(out) == n);
    }
    okta_cc_key_wipe(&rsa);
    okta_cc_key_wipe(&ec);
}

static void test_jwk_alg_member(void)
{
    okta_cc_key key;
    okta_cc_error err;
    vec v;
    char *jwk;
    const char *t;
    size_t n;
    CHECK(vec_load(&v, "jose/rfc7515-a2-rs256.json"));
    if (h_current_failed) return;
    vec_raw(&v, vec_at(&v, "jwk"), &t, &n);
    jwk = (char *)malloc(n + 40);
    if (!jwk) return;
    sprintf(jwk, "{\"alg\":\"RS384\",%.*s", (int)(n - 1), t + 1);
    CHECK(okta_cc_key_load(&key, jwk, strlen(jwk), NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_default_alg(&key) == OKTA_CC_ALG_RS384);
    sprintf(jwk, "{\"alg\":\"ES256\",%.*s", (int)(n - 1), t + 1);
    CHECK(okta_cc_key_load(&key, jwk, strlen(jwk), NULL, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    free(jwk);
    vec_free(&v);
}

/* ---- generation -------------------------------------------------------------------------------- */

static void check_generated(okta_cc_key_type type, unsigned bits, okta_cc_rng *rng)
{
    okta_cc_key key, back;
    okta_cc_error err;
    char pem[8192], tp1[44], tp2[44];
    size_t len;
    CHECK(okta_cc_key_generate(&key, type, bits, rng, &err) == OKTA_CC_OK);
    CHECK(key.type == type && key.bits == bits);
    if (type == OKTA_CC_KEY_RSA) CHECK(key.e_len == 3 && key.e[0] == 1 && key.e[1] == 0 && key.e[2] == 1);
    CHECK(okta_cc_key_to_pem(&key, pem, sizeof pem, &len, NULL) == OKTA_CC_OK);
    CHECK(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0 && strlen(pem) == len);
    CHECK(okta_cc_key_load(&back, pem, len, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_thumbprint(&key, tp1, sizeof tp1, NULL, NULL) == OKTA_CC_OK && okta_cc_key_thumbprint(&back, tp2, sizeof tp2, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(tp1, tp2);
    okta_cc_wipe(pem, sizeof pem);
    okta_cc_key_wipe(&key);
    okta_cc_key_wipe(&back);
}

static void test_generate_ec_all_curves(void)
{
    okta_cc_rng rng;
    CHECK(okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK);
    check_generated(OKTA_CC_KEY_EC, 256, &rng);
    check_generated(OKTA_CC_KEY_EC, 384, &rng);
    check_generated(OKTA_CC_KEY_EC, 521, NULL);
    okta_cc_rng_wipe(&rng);
}

static void test_generate_rsa_2048(void)
{
    check_generated(OKTA_CC_KEY_RSA, 2048, NULL);
}

static void test_generate_rejects_bad_sizes(void)
{
    okta_cc_key key;
    okta_cc_error err;
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_RSA, 1024, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_RSA, 8192, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 192, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_NONE, 256, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_to_pem(&key, NULL, 0, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
}

/* ---- API conventions: out/cap/out_len, size queries, NULL and unloaded keys ----------------- */

/* Every text output of the key, JWS and assertion layers, in one shape for the checks below. */
typedef okta_cc_result (*text_out_fn)(const okta_cc_key *key, char *out, size_t cap, size_t *out_len,
                                      okta_cc_error *err);

static okta_cc_result out_public_jwk(const okta_cc_key *key, char *out, size_t cap, size_t *out_len,
                                     okta_cc_error *err)
{
    return okta_cc_key_public_jwk(key, "kid-\xc3\xa9", out, cap, out_len, err);
}

static okta_cc_result out_jws_compact(const okta_cc_key *key, char *out, size_t cap, size_t *out_len,
                                      okta_cc_error *err)
{
    char header[64];
    snprintf(header, sizeof header, "{\"alg\":\"%s\"}", okta_cc_alg_name(okta_cc_key_default_alg(key)));
    return okta_cc_jws_compact(key, OKTA_CC_ALG_DEFAULT, header, strlen(header), "payload", 7, out, cap,
                               out_len, err);
}

static okta_cc_result out_jwt_sign(const okta_cc_key *key, char *out, size_t cap, size_t *out_len,
                                   okta_cc_error *err)
{
    return okta_cc_jwt_sign(key, OKTA_CC_ALG_DEFAULT, "k1", "{\"sub\":\"x\"}", 11, out, cap, out_len, err);
}

static okta_cc_result out_client_assertion(const okta_cc_key *key, char *out, size_t cap, size_t *out_len,
                                           okta_cc_error *err)
{
    okta_cc_assertion a;
    memset(&a, 0, sizeof a);
    a.client_id = "0oa1b2c3";
    a.audience = "https://example.okta.com/oauth2/v1/token";
    a.issued_at = 1700000000;
    a.jti = "fixed-jti";   /* the same length every call, so the size needed is exact */
    return okta_cc_assertion_sign(key, OKTA_CC_ALG_DEFAULT, &a, NULL, out, cap, out_len, err);
}

/* NULL out with cap 0 asks for the size: BUFFER_TOO_SMALL, *out_len = the size needed
   including the NUL; one byte less is still too small; exactly that size works and *out_len is
   the text length. The buffer is malloc'd at that size so that ASan sees any write past it. */
static void check_size_query(const char *what, const okta_cc_key *key, text_out_fn fn)
{
    okta_cc_error err;
    size_t need = 0, len = 0;
    char *buf;
    memset(&err, 0, sizeof err);
    if (fn(key, NULL, 0, &need, &err) != OKTA_CC_ERR_BUFFER_TOO_SMALL || err.code != OKTA_CC_ERR_BUFFER_TOO_SMALL ||
        need < 2) {
        fprintf(stderr, "  %s: size query gave need %lu (%s)\n", what, (unsigned long)need, err.message);
        CHECK(0);
        return;
    }
    buf = (char *)malloc(need);
    if (!buf) return;
    CHECK(fn(key, buf, need - 1, &len, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(len == need);
    len = 0;
    if (fn(key, buf, need, &len, &err) != OKTA_CC_OK) fprintf(stderr, "  %s: %s\n", what, err.message);
    CHECK(len == need - 1 && strlen(buf) == len);
    CHECK(fn(key, buf, need, NULL, NULL) == OKTA_CC_OK);   /* out_len and err are optional */
    okta_cc_wipe(buf, need);
    free(buf);
}

static void test_size_queries_report_the_exact_size(void)
{
    static const char *const files[] = {"jose/rsa-a2-pkcs8.pem", "jose/generated-ec-p256-pkcs8.pem",
                                        "pem/bad/ec-p521-pkcs8.pem"};
    size_t i;
    for (i = 0; i < sizeof files / sizeof *files; i++) {
        okta_cc_key key;
        size_t len = 0;
        char tp[44];
        CHECK(load_key_file(&key, files[i]));
        if (h_current_failed) return;
        check_size_query("key_to_pem", &key, okta_cc_key_to_pem);
        check_size_query("key_public_jwk", &key, out_public_jwk);
        check_size_query("key_thumbprint", &key, okta_cc_key_thumbprint);
        check_size_query("jws_compact", &key, out_jws_compact);
        check_size_query("jwt_sign", &key, out_jwt_sign);
        check_size_query("client_assertion", &key, out_client_assertion);
        /* the thumbprint's sizes are fixed: 44 needed, 43 written */
        CHECK(okta_cc_key_thumbprint(&key, tp, 43, &len, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL && len == 44);
        CHECK(okta_cc_key_thumbprint(&key, tp, sizeof tp, &len, NULL) == OKTA_CC_OK && len == 43);
        okta_cc_key_wipe(&key);
    }
}

/* A signature's size is the key's: the modulus bytes, or twice the curve size. */
static void test_sign_bytes_size_query(void)
{
    static const struct { const char *file; size_t size; } keys[] = {
        {"jose/rsa-a2-pkcs8.pem", 256}, {"jose/generated-ec-p256-pkcs8.pem", 64}, {"pem/bad/ec-p521-pkcs8.pem", 132}
    };
    size_t i;
    for (i = 0; i < sizeof keys / sizeof *keys; i++) {
        okta_cc_key key;
        okta_cc_error err;
        unsigned char *sig;
        size_t n = 0;
        CHECK(load_key_file(&key, keys[i].file));
        if (h_current_failed) return;
        CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, NULL, 0, &n, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
        CHECK(n == keys[i].size && err.code == OKTA_CC_ERR_BUFFER_TOO_SMALL);
        sig = (unsigned char *)malloc(keys[i].size);
        if (!sig) return;
        n = 0;
        CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, sig, keys[i].size - 1, &n, &err) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
        CHECK(n == keys[i].size);
        n = 0;
        CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, sig, keys[i].size, &n, &err) == OKTA_CC_OK);
        CHECK(n == keys[i].size);
        CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, sig, n, &err) == OKTA_CC_OK);
        CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, NULL, 10, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
        free(sig);
        okta_cc_key_wipe(&key);
    }
}

static void test_verify_bytes_reports_in_err(void)
{
    okta_cc_key rsa, none;
    okta_cc_error err;
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t n = 0;
    memset(&none, 0, sizeof none);
    CHECK(load_key_file(&rsa, "jose/rsa-a2-pkcs8.pem"));
    if (h_current_failed) return;
    CHECK(okta_cc_jws_sign_bytes(&rsa, OKTA_CC_ALG_RS512, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_OK);
    CHECK(okta_cc_jws_verify_bytes(&rsa, OKTA_CC_ALG_RS512, "x", 1, sig, n, &err) == OKTA_CC_OK);
    CHECK(err.code == OKTA_CC_OK && err.message[0] == '\0');
    CHECK(okta_cc_jws_verify_bytes(&rsa, OKTA_CC_ALG_RS512, "y", 1, sig, n, &err) == OKTA_CC_ERR_CRYPTO);
    CHECK(err.code == OKTA_CC_ERR_CRYPTO && strstr(err.message, "RS512 signature does not verify") != NULL);
    CHECK(okta_cc_jws_verify_bytes(&rsa, OKTA_CC_ALG_ES256, "x", 1, sig, n, &err) == OKTA_CC_ERR_ALG_MISMATCH);
    CHECK(strstr(err.message, "ES256") != NULL && strstr(err.message, "RSA") != NULL);
    CHECK(okta_cc_jws_verify_bytes(&rsa, OKTA_CC_ALG_RS512, "x", 1, NULL, n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_jws_verify_bytes(&none, OKTA_CC_ALG_RS256, "x", 1, sig, n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_jws_verify_bytes(NULL, OKTA_CC_ALG_RS256, "x", 1, sig, n, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_key_wipe(&rsa);
}

/* NULL where a pointer is required, a zeroed or wiped key: OKTA_CC_ERR_INVALID_ARGUMENT with a
   message, never a crash. */
static void test_null_and_unloaded_keys_are_invalid_arguments(void)
{
    okta_cc_key key, zero;
    okta_cc_error err;
    unsigned char sig[OKTA_CC_SIG_MAX];
    char out[4096];
    size_t n = 0;
    int pass;
    memset(&zero, 0, sizeof zero);
    CHECK(load_key_file(&key, "jose/generated-ec-p256-pkcs8.pem"));
    if (h_current_failed) return;
    for (pass = 0; pass < 3; pass++) {
        const okta_cc_key *k = pass == 0 ? NULL : &zero;
        if (pass == 2) { okta_cc_key_wipe(&key); k = &key; }
        CHECK(okta_cc_key_to_pem(k, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
        CHECK(okta_cc_key_public_jwk(k, NULL, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
        CHECK(okta_cc_key_thumbprint(k, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
        CHECK(okta_cc_jws_sign_bytes(k, OKTA_CC_ALG_DEFAULT, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(out_jwt_sign(k, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
        CHECK(out_client_assertion(k, out, sizeof out, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    }
    CHECK(load_key_file(&key, "jose/generated-ec-p256-pkcs8.pem"));
    /* out NULL with a capacity is not a size query */
    CHECK(okta_cc_key_to_pem(&key, NULL, 10, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_public_jwk(&key, NULL, NULL, 10, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_thumbprint(&key, NULL, 44, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(out_jws_compact(&key, NULL, 10, &n, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* a kid that is not UTF-8 */
    CHECK(okta_cc_key_public_jwk(&key, "\xff", out, sizeof out, &n, &err) == OKTA_CC_ERR_UTF8);
    CHECK(err.code == OKTA_CC_ERR_UTF8 && strstr(err.message, "kid") != NULL);
    CHECK(okta_cc_key_load(&key, NULL, 0, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_load_file(&key, NULL, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_key_generate(NULL, OKTA_CC_KEY_EC, 256, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_key_wipe(&key);
}

/* ---- one curve table, one RSA copy ------------------------------------------------------------ */

/* Each curve end to end: generation, the JWK's crv, the default alg, the signature size. */
static void test_each_curve_end_to_end(void)
{
    static const struct { unsigned bits; const char *crv; okta_cc_alg alg; size_t sig; } curves[] = {
        {256, "\"crv\":\"P-256\"", OKTA_CC_ALG_ES256, 64},
        {384, "\"crv\":\"P-384\"", OKTA_CC_ALG_ES384, 96},
        {521, "\"crv\":\"P-521\"", OKTA_CC_ALG_ES512, 132},
    };
    size_t i;
    for (i = 0; i < sizeof curves / sizeof *curves; i++) {
        okta_cc_key key;
        okta_cc_error err;
        unsigned char sig[OKTA_CC_SIG_MAX];
        char jwk[1024];
        size_t n = 0;
        int a;
        CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, curves[i].bits, NULL, &err) == OKTA_CC_OK);
        CHECK(key.bits == curves[i].bits && okta_cc_key_default_alg(&key) == curves[i].alg);
        CHECK(okta_cc_key_public_jwk(&key, "", jwk, sizeof jwk, NULL, &err) == OKTA_CC_OK);
        CHECK(strstr(jwk, curves[i].crv) != NULL);
        CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_DEFAULT, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_OK);
        CHECK(n == curves[i].sig && key.pub_len == 1 + curves[i].sig);
        for (a = OKTA_CC_ALG_RS256; a <= OKTA_CC_ALG_ES512; a++)
            CHECK((okta_cc_jws_sign_bytes(&key, (okta_cc_alg)a, "x", 1, sig, sizeof sig, &n, &err) == OKTA_CC_OK) ==
                  (a == (int)curves[i].alg));
        okta_cc_key_wipe(&key);
    }
}

/* Messages about curves list exactly the supported ones. */
static void test_curve_messages_list_the_table(void)
{
    okta_cc_key key;
    okta_cc_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s/pem/bad/ec-secp256k1-sec1.pem", h_vectors_dir());
    CHECK(okta_cc_key_load_file(&key, path, NULL, &err) == OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(strstr(err.message, "P-256, P-384 and P-521") != NULL);
    CHECK(okta_cc_key_load(&key, "{\"kty\":\"EC\",\"crv\":\"P-192\"}", 26, NULL, &err) == OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(strstr(err.message, "P-256, P-384 and P-521") != NULL);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 255, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "P-256 (256 bits), P-384 (384 bits) or P-521 (521 bits)") != NULL);
}

/* The RSA parts are the same whichever form the key came in (JWK, PKCS#1, PKCS#8), and a key
   exported and loaded again keeps them. */
static void test_rsa_parts_same_from_every_form(void)
{
    okta_cc_key k[4];
    char pem[8192];
    size_t len = 0;
    int i;
    CHECK(load_vector_key(&k[0], "jose/rfc7517-a2-rsa-private.json", "rsa_private_jwk"));
    CHECK(load_key_file(&k[1], "jose/rsa-a2-pkcs1.pem"));
    CHECK(load_key_file(&k[2], "jose/rsa-a2-pkcs8.pem"));
    if (h_current_failed) return;
    CHECK(okta_cc_key_to_pem(&k[0], pem, sizeof pem, &len, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_key_load(&k[3], pem, len, NULL, NULL) == OKTA_CC_OK);
    for (i = 1; i < 4; i++) {
#define SAME(f) (k[i].f##_len == k[0].f##_len && memcmp(k[i].f, k[0].f, k[0].f##_len) == 0)
        CHECK(SAME(n) && SAME(e) && SAME(p) && SAME(q) && SAME(dp) && SAME(dq) && SAME(iq));
#undef SAME
        CHECK(k[i].bits == 2048 && k[i].type == OKTA_CC_KEY_RSA);
    }
    CHECK(k[0].e_len == 3 && k[0].p_len == 128 && k[0].iq_len <= 128);
    for (i = 0; i < 4; i++) okta_cc_key_wipe(&k[i]);
    okta_cc_wipe(pem, sizeof pem);
}

/* RSA public exponents (issue 18, item 6): with e = 1 the self-test passes and the signature is
   the padded hash, so anyone with the public key could sign. FIPS 186-5's range (odd,
   2^16 < e < 2^256) is enforced in every form; the keys are tests/data/rsa-e/make.py's. */
static const struct {
    const char *name;
    okta_cc_result expect;
    const char *message_part;
} rsa_e_cases[] = {
    {"e-1", OKTA_CC_ERR_KEY_UNSUPPORTED, "e = 1 "},
    {"e-3", OKTA_CC_ERR_KEY_UNSUPPORTED, "e = 3 "},
    {"e-65535", OKTA_CC_ERR_KEY_UNSUPPORTED, "e = 65535 "},
    {"e-65536", OKTA_CC_ERR_KEY_UNSUPPORTED, "e = 65536 "},
    {"e-2p256p1", OKTA_CC_ERR_KEY_UNSUPPORTED, "257-bit e"},
    {"e-2p255p1", OKTA_CC_ERR_KEY_UNSUPPORTED, "over 64 bits"},
    {"e-65537", OKTA_CC_OK, NULL},
    {"e-2p64m59", OKTA_CC_OK, NULL},
};

static void test_rsa_public_exponent_range(void)
{
    static const char *const forms[] = {"-pkcs1.pem", "-pkcs8.pem", ".jwk.json", ".jwks.json"};
    size_t i, f;
    for (i = 0; i < sizeof rsa_e_cases / sizeof *rsa_e_cases; i++) {
        for (f = 0; f < sizeof forms / sizeof *forms; f++) {
            char path[160];
            okta_cc_key key;
            okta_cc_error err;
            okta_cc_result r;
            snprintf(path, sizeof path, "tests/data/rsa-e/%s%s", rsa_e_cases[i].name, forms[f]);
            memset(&key, 0x77, sizeof key);
            r = okta_cc_key_load_file(&key, path, NULL, &err);
            if (r != rsa_e_cases[i].expect ||
                (r != OKTA_CC_OK && !strstr(err.message, rsa_e_cases[i].message_part)))
                fprintf(stderr, "  %s: got %s (%s)\n", path, okta_cc_result_str(r), err.message);
            CHECK(r == rsa_e_cases[i].expect);
            if (r == OKTA_CC_OK) {
                unsigned char sig[OKTA_CC_SIG_MAX];
                size_t n = 0;
                CHECK(okta_cc_jws_sign_bytes(&key, OKTA_CC_ALG_RS256, "m", 1, sig, sizeof sig, &n, NULL) == OKTA_CC_OK);
                CHECK(okta_cc_jws_verify_bytes(&key, OKTA_CC_ALG_RS256, "m", 1, sig, n, NULL) == OKTA_CC_OK);
            } else {
                unsigned char zero[sizeof key];
                memset(zero, 0, sizeof zero);
                CHECK(memcmp(&key, zero, sizeof key) == 0);
                CHECK(err.code == r && strstr(err.message, rsa_e_cases[i].message_part) != NULL);
                CHECK(strstr(err.message, "FIPS 186-5") != NULL);
            }
            okta_cc_key_wipe(&key);
        }
    }
}

/* A JWK whose members do not fit okta_cc_key: refused as unsupported, not truncated. */
static void test_jwk_rsa_oversized_members(void)
{
    vec v;
    okta_cc_key key;
    okta_cc_error err;
    unsigned char big[513];
    char b64[800], *jwk;
    const char *t;
    size_t n;
    CHECK(vec_load(&v, "jose/rfc7515-a2-rs256.json"));
    if (h_current_failed) return;
    vec_raw(&v, vec_at(&v, "jwk"), &t, &n);
    jwk = (char *)malloc(n + sizeof b64 + 16);
    if (!jwk) { vec_free(&v); return; }
    /* n of 4097 bits (the first of two "n" members is the one read) */
    memset(big, 0xff, sizeof big);
    big[0] = 0x01;
    okta_cc_b64url_encode(big, sizeof big, b64, sizeof b64, NULL, NULL);
    sprintf(jwk, "{\"n\":\"%s\",%.*s", b64, (int)(n - 1), t + 1);
    CHECK(okta_cc_key_load(&key, jwk, strlen(jwk), NULL, &err) == OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(strstr(err.message, "over 4096 bits") != NULL);
    /* e of 9 bytes */
    okta_cc_b64url_encode(big, 9, b64, sizeof b64, NULL, NULL);
    sprintf(jwk, "{\"e\":\"%s\",%.*s", b64, (int)(n - 1), t + 1);
    CHECK(okta_cc_key_load(&key, jwk, strlen(jwk), NULL, &err) == OKTA_CC_ERR_KEY_UNSUPPORTED);
    CHECK(strstr(err.message, "over 64 bits") != NULL);     /* an odd 65-bit e: FIPS, too large */
    free(jwk);
    vec_free(&v);
}

static void test_rng(void)
{
    okta_cc_rng rng, unseeded;
    unsigned char a[32], b[32], zero[32];
    memset(zero, 0, sizeof zero);
    memset(&unseeded, 0, sizeof unseeded);
    CHECK(okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_rng_bytes(&rng, a, sizeof a, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_rng_bytes(&rng, b, sizeof b, NULL) == OKTA_CC_OK);
    CHECK(memcmp(a, b, sizeof a) != 0 && memcmp(a, zero, sizeof a) != 0);
    CHECK(okta_cc_rng_bytes(&unseeded, a, sizeof a, NULL) == OKTA_CC_ERR_RANDOM);
    okta_cc_rng_wipe(&rng);
    CHECK(okta_cc_rng_bytes(&rng, a, sizeof a, NULL) == OKTA_CC_ERR_RANDOM);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    RUN(test_rfc7515_a2_exact_from_jwk_and_both_pems);
    RUN(test_rfc7515_a2_verify_and_bit_flip);
    RUN(test_computed_rs256_rs384_rs512_exact);
    RUN(test_computed_client_assertion_exact);
    RUN(test_rfc7517_a2_jwk_and_pems_same_key);
    RUN(test_jwks_selection_by_kid);
    RUN(test_rfc7638_thumbprints);
    RUN(test_public_jwk_export);
    RUN(test_rfc7515_a3_es256);
    RUN(test_generated_p256_examples_verify);
    run_bad_key_tests();
    RUN(test_pem_text_variants);
    RUN(test_key_file_kinds);
    RUN(test_read_file_and_fd);
    RUN(test_alg_names_and_mismatches);
    RUN(test_jwk_alg_member);
    RUN(test_generate_ec_all_curves);
    RUN(test_generate_rsa_2048);
    RUN(test_generate_rejects_bad_sizes);
    RUN(test_size_queries_report_the_exact_size);
    RUN(test_sign_bytes_size_query);
    RUN(test_verify_bytes_reports_in_err);
    RUN(test_null_and_unloaded_keys_are_invalid_arguments);
    RUN(test_each_curve_end_to_end);
    RUN(test_curve_messages_list_the_table);
    RUN(test_rsa_parts_same_from_every_form);
    RUN(test_jwk_rsa_oversized_members);
    RUN(test_rsa_public_exponent_range);
    RUN(test_rng);
    return h_summary();
}
