#define _POSIX_C_SOURCE 200809L
/* Unit tests for the DPoP proof layer (RFC 9449): ath and jkt of the RFC's examples, the RFC's
   three ES256 proofs verified, the two computed RS256 proofs reproduced byte for byte, ES256
   proofs signed and verified, htu derivation, fresh jtis, a public-only header jwk, refusals.
   With --emit N the program prints N fresh ES256 proofs and the signer's public JWK, one per
   line, for the independent check in tests/unit/dpop_verify.py (python3-cryptography). */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

/* ---- vector access ---------------------------------------------------------------------------- */

#include "../vector_json.h"

/* The element of the array at path whose "name" is name. */
static long vec_named(vec *v, const char *path, const char *name)
{
    long arr = vec_at_from(v, 0, path), e;
    for (e = okta_cc_json_first(&v->doc, (size_t)arr); arr >= 0 && e >= 0;
         e = okta_cc_json_next(&v->doc, (size_t)arr, (size_t)e))
        if (strcmp(vec_str_from(v, e, "name"), name) == 0) return e;
    fprintf(stderr, "  vector %s/%s missing\n", path, name);
    return -1;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* A public-only P-256 key from base64url x and y: enough for verifying and thumbprints. */
static int ec_public_key(okta_cc_key *key, const char *x, const char *y)
{
    size_t xl = 0, yl = 0;
    memset(key, 0, sizeof *key);
    key->type = OKTA_CC_KEY_EC;
    key->curve = BR_EC_secp256r1;
    key->bits = 256;
    key->pub[0] = 4;
    if (okta_cc_b64url_decode(x, strlen(x), key->pub + 1, 32, &xl, NULL) != OKTA_CC_OK) return 0;
    if (okta_cc_b64url_decode(y, strlen(y), key->pub + 33, 32, &yl, NULL) != OKTA_CC_OK) return 0;
    key->pub_len = 65;
    return xl == 32 && yl == 32;
}

/* Splits a compact JWS: the decoded header and claims (NUL-terminated), the signature, and the
   signing input's length. */
typedef struct jws_parts {
    char header[2048], claims[8192];
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t sig_len, signing_len;
} jws_parts;

static int jws_split(const char *compact, jws_parts *p)
{
    const char *d1 = strchr(compact, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    size_t hl = 0, cl = 0;
    if (!d2) return 0;
    if (okta_cc_b64url_decode(compact, (size_t)(d1 - compact), p->header, sizeof p->header - 1, &hl, NULL) ||
        okta_cc_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), p->claims, sizeof p->claims - 1, &cl, NULL) ||
        okta_cc_b64url_decode(d2 + 1, strlen(d2 + 1), p->sig, sizeof p->sig, &p->sig_len, NULL))
        return 0;
    p->header[hl] = p->claims[cl] = '\0';
    p->signing_len = (size_t)(d2 - compact);
    return 1;
}

static int verifies(const okta_cc_key *key, okta_cc_alg alg, const char *compact)
{
    jws_parts p;
    return jws_split(compact, &p) &&
           okta_cc_jws_verify_bytes(key, alg, compact, p.signing_len, p.sig, p.sig_len, NULL) == OKTA_CC_OK;
}

static const char *htu(const char *url)
{
    static char out[512];
    if (okta_cc_dpop_htu(url, out, sizeof out, NULL, NULL) != OKTA_CC_OK) return "(refused)";
    return out;
}

/* ---- RFC 9449 ------------------------------------------------------------------------------- */

static void test_ath_rfc9449_figure14(void)
{
    vec v;
    char out[44];
    size_t n = 0;
    long arr, e;
    const char *tok;
    CHECK(vec_load(&v, "dpop/rfc9449-examples.json"));
    if (h_current_failed) return;
    tok = vec_str(&v, "ath_example/access_token");
    CHECK(okta_cc_dpop_ath(tok, strlen(tok), out, sizeof out, &n, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(out, vec_str(&v, "ath_example/ath"));
    CHECK_EQ_STR(out, "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    CHECK_EQ_INT(n, 43);
    arr = vec_at_from(&v, 0, "ath_extra_computed");
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        tok = vec_str_from(&v, e, "access_token");
        CHECK(okta_cc_dpop_ath(tok, strlen(tok), out, sizeof out, NULL, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(out, vec_str_from(&v, e, "ath"));
    }
    vec_free(&v);
}

/* jkt twice: okta_cc_key_thumbprint on a public-only key, and SHA-256 of the canonical JSON. */
static void test_jkt_rfc9449_section_6_1(void)
{
    vec v;
    okta_cc_key key;
    char jkt[44], canonical[256];
    unsigned char hash[32];
    br_sha256_context ctx;
    const char *x, *y;
    CHECK(vec_load(&v, "dpop/rfc9449-examples.json"));
    if (h_current_failed) return;
    x = vec_str(&v, "jkt_example/jwk/x");
    y = vec_str(&v, "jkt_example/jwk/y");
    CHECK(ec_public_key(&key, x, y));
    CHECK(okta_cc_key_thumbprint(&key, jkt, sizeof jkt, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(jkt, vec_str(&v, "jkt_example/jkt"));
    snprintf(canonical, sizeof canonical, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
    CHECK_EQ_STR(canonical, vec_str(&v, "jkt_example/canonical_json"));
    br_sha256_init(&ctx);
    br_sha256_update(&ctx, canonical, strlen(canonical));
    br_sha256_out(&ctx, hash);
    CHECK(okta_cc_b64url_encode(hash, sizeof hash, jkt, sizeof jkt, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(jkt, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    vec_free(&v);
}

/* The RFC's three proofs: header and claims as printed, signatures verify with the header jwk
   (and fail with one bit flipped), the resource proof's ath is ours. */
static void test_rfc9449_proofs_verify(void)
{
    vec v;
    okta_cc_key key;
    long arr, e;
    int count = 0;
    CHECK(vec_load(&v, "dpop/rfc9449-examples.json"));
    if (h_current_failed) return;
    CHECK(ec_public_key(&key, vec_str(&v, "dpop_header_jwk_public/x"), vec_str(&v, "dpop_header_jwk_public/y")));
    arr = vec_at_from(&v, 0, "proofs");
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        static char compact[2048];
        jws_parts p;
        snprintf(compact, sizeof compact, "%s", vec_str_from(&v, e, "compact"));
        CHECK(jws_split(compact, &p));
        CHECK_EQ_STR(p.header, vec_str_from(&v, e, "header_json_exact"));
        CHECK_EQ_STR(p.claims, vec_str_from(&v, e, "claims_json_exact"));
        CHECK(verifies(&key, OKTA_CC_ALG_ES256, compact));
        compact[p.signing_len + 5] ^= 1;
        CHECK(!verifies(&key, OKTA_CC_ALG_ES256, compact));
        if (vec_at_from(&v, e, "access_token") >= 0) {
            char ath[44];
            const char *tok = vec_str_from(&v, e, "access_token");
            CHECK(okta_cc_dpop_ath(tok, strlen(tok), ath, sizeof ath, NULL, NULL) == OKTA_CC_OK);
            CHECK_EQ_STR(ath, vec_str_from(&v, e, "claims/ath"));
        }
        count++;
    }
    CHECK_EQ_INT(count, 3);
    vec_free(&v);
}

/* ---- the computed RS256 proofs, byte for byte ------------------------------------------------- */

static void rs256_exact(const char *key_file)
{
    vec v;
    okta_cc_key key;
    okta_cc_dpop_claims c;
    static char out[4096];
    size_t n = 0;
    CHECK(vec_load(&v, "jose/computed-client-assertion-and-dpop-rs256.json"));
    CHECK(load_key_file(&key, key_file));
    if (h_current_failed) { vec_free(&v); return; }
    memset(&c, 0, sizeof c);
    c.htm = "POST";
    c.url = "https://server.example.com/token";
    c.issued_at = 1562262616;
    c.jti = "-BwC3ESc6acc2lTc";
    CHECK(okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_RS256, &c, NULL, out, sizeof out, &n, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(out, vec_str_from(&v, vec_named(&v, "vectors", "dpop_token_request_rs256"), "compact"));
    CHECK_EQ_INT(n, strlen(out));
    c.htm = "GET";
    c.url = "https://resource.example.org/protectedresource";
    c.issued_at = 1562262618;
    c.jti = "e1j3V_bKic8-LAEB";
    c.access_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    CHECK(okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_DEFAULT, &c, NULL, out, sizeof out, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(out, vec_str_from(&v, vec_named(&v, "vectors", "dpop_resource_request_rs256"), "compact"));
    okta_cc_key_wipe(&key);
    vec_free(&v);
}

static void test_rs256_proofs_exact_pkcs1(void) { rs256_exact("jose/rfc7515-a2-rsa-pkcs1.pem"); }
static void test_rs256_proofs_exact_pkcs8(void) { rs256_exact("jose/rfc7515-a2-rsa-pkcs8.pem"); }

/* ---- ES256 proofs ----------------------------------------------------------------------------- */

/* The header a proof by key must carry: {"typ","alg","jwk":{"kty","crv","x","y"}}. */
static void expected_ec_header(const okta_cc_key *key, char *out, size_t cap)
{
    char x[64], y[64];
    okta_cc_b64url_encode(key->pub + 1, 32, x, sizeof x, NULL, NULL);
    okta_cc_b64url_encode(key->pub + 33, 32, y, sizeof y, NULL, NULL);
    snprintf(out, cap, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
             "\"x\":\"%s\",\"y\":\"%s\"}}", x, y);
}

static void es256_proofs(okta_cc_key *key)
{
    okta_cc_rng rng;
    okta_cc_dpop_claims c;
    static char out[2048], header[512], want[1024];
    jws_parts p;
    CHECK(okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK);
    memset(&c, 0, sizeof c);
    c.htm = "GET";
    c.url = "https://Dev-1.OKTA.com:443/api/v1/users/a%40b.com?limit=2#x";
    c.nonce = "eyJ7S_zG.nonce-1";
    c.access_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    c.issued_at = 1700000000;
    CHECK(okta_cc_dpop_proof_sign(key, OKTA_CC_ALG_DEFAULT, &c, &rng, out, sizeof out, NULL, NULL) == OKTA_CC_OK);
    CHECK(verifies(key, OKTA_CC_ALG_ES256, out));
    CHECK(jws_split(out, &p));
    expected_ec_header(key, header, sizeof header);
    CHECK_EQ_STR(p.header, header);
    snprintf(want, sizeof want, "\",\"htm\":\"GET\",\"htu\":\"https://dev-1.okta.com/api/v1/users/a@b.com\","
             "\"iat\":1700000000,\"nonce\":\"eyJ7S_zG.nonce-1\",\"ath\":\"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo\"}");
    CHECK(strncmp(p.claims, "{\"jti\":\"", 8) == 0 && strlen(p.claims) == 8 + 32 + strlen(want));
    CHECK_EQ_STR(p.claims + 8 + 32, want);
    out[p.signing_len + 3] ^= 1;
    CHECK(!verifies(key, OKTA_CC_ALG_ES256, out));
    okta_cc_rng_wipe(&rng);
}

static void test_es256_proofs_verify_generated_key(void)
{
    okta_cc_key key;
    CHECK(load_key_file(&key, "jose/generated-ec-p256-pkcs8.pem"));
    if (!h_current_failed) es256_proofs(&key);
    okta_cc_key_wipe(&key);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 256, NULL, NULL) == OKTA_CC_OK);
    if (!h_current_failed) es256_proofs(&key);
    okta_cc_key_wipe(&key);
}

/* ---- htu ---------------------------------------------------------------------------------------- */

static void test_htu_cases(void)
{
    char small[8];
    size_t n = 0;
    okta_cc_error err;
    CHECK_EQ_STR(htu("https://server.example.com/token"), "https://server.example.com/token");
    CHECK_EQ_STR(htu("https://dev-1.okta.com:443/oauth2/v1/token"), "https://dev-1.okta.com/oauth2/v1/token");
    CHECK_EQ_STR(htu("http://127.0.0.1:80/x"), "http://127.0.0.1/x");
    CHECK_EQ_STR(htu("http://127.0.0.1:8443/x"), "http://127.0.0.1:8443/x");
    CHECK_EQ_STR(htu("https://h.example:0443/x"), "https://h.example/x");
    CHECK_EQ_STR(htu("HTTPS://Dev-1.OKTA.Com/Api/V1"), "https://dev-1.okta.com/Api/V1");   /* path keeps case */
    CHECK_EQ_STR(htu("https://dev-1.okta.com/api/v1/users/a%40b.com"), "https://dev-1.okta.com/api/v1/users/a@b.com");
    CHECK_EQ_STR(htu("https://h.example/a%2fb%2Fc"), "https://h.example/a/b/c");      /* %2F decoded too */
    CHECK_EQ_STR(htu("https://h.example/%7euser%20x%C3%A9"), "https://h.example/~user x\xC3\xA9");
    CHECK_EQ_STR(htu("https://h.example/p?q=%40&r=1"), "https://h.example/p");
    CHECK_EQ_STR(htu("https://h.example/p#frag%40"), "https://h.example/p");
    CHECK_EQ_STR(htu("https://h.example"), "https://h.example/");
    CHECK_EQ_STR(htu("https://h.example?x=1"), "https://h.example/");
    CHECK_EQ_STR(htu("https://h.example#f"), "https://h.example/");
    CHECK_EQ_STR(htu("https://[::1]:8443/x"), "https://[::1]:8443/x");
    CHECK_EQ_STR(htu("https://h.example/%"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/%4"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/%4?x"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/%zz"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/a%00b"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/a%0d%0aX:1"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/a%7F"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/a b"), "(refused)");
    CHECK_EQ_STR(htu("https://h.example/a\nb"), "(refused)");
    CHECK_EQ_STR(htu("ftp://h.example/x"), "(refused)");
    CHECK_EQ_STR(htu("https://user@h.example/x"), "(refused)");
    CHECK_EQ_STR(htu("/api/v1/users"), "(refused)");
    CHECK_EQ_INT(okta_cc_dpop_htu("https://h.example/a%2", small, sizeof small, &n, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(err.code, OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "% escape") != NULL);
    CHECK_EQ_INT(okta_cc_dpop_htu(NULL, NULL, 0, &n, NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(okta_cc_dpop_htu("https://h.example/abc", small, sizeof small, &n, NULL), OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, strlen("https://h.example/abc") + 1);
}

/* ---- jti, the public jwk, refusals --------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static void test_jti_fresh_on_every_call(void)
{
    enum { N = 1000 };
    static char jtis[N][40];
    okta_cc_key key;
    okta_cc_rng rng;
    okta_cc_dpop_claims c;
    static char out[2048];
    jws_parts p;
    int i, distinct = 1;
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 256, NULL, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK);
    if (h_current_failed) return;
    memset(&c, 0, sizeof c);
    c.htm = "POST";
    c.url = "https://dev-1.okta.com/oauth2/v1/token";
    c.issued_at = 1700000000;
    for (i = 0; i < N; i++) {
        jtis[i][0] = '\0';
        if (okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_ES256, &c, &rng, out, sizeof out, NULL, NULL) != OKTA_CC_OK ||
            !jws_split(out, &p) || sscanf(p.claims, "{\"jti\":\"%39[^\"]\"", jtis[i]) != 1 || strlen(jtis[i]) != 32) {
            fprintf(stderr, "  proof %d: not signed, or no 32-character jti\n", i);
            h_current_failed = 1;
            break;
        }
    }
    qsort(jtis, N, sizeof jtis[0], cmp_str);
    for (i = 1; i < N; i++)
        if (strcmp(jtis[i - 1], jtis[i]) == 0) distinct = 0;
    CHECK(distinct);
    okta_cc_rng_wipe(&rng);
    okta_cc_key_wipe(&key);
}

/* The header jwk of an RSA and an EC proof: exactly the public members, never a private one. */
static void public_jwk_only(okta_cc_key *key, int members)
{
    static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "kid", "use", "alg", "oth"};
    okta_cc_dpop_claims c;
    static char out[4096];
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    jws_parts p;
    long jwk, m;
    int count = 0;
    size_t i;
    memset(&c, 0, sizeof c);
    c.htm = "GET";
    c.url = "https://h.example/";
    c.jti = "j";
    CHECK(okta_cc_dpop_proof_sign(key, OKTA_CC_ALG_DEFAULT, &c, NULL, out, sizeof out, NULL, NULL) == OKTA_CC_OK);
    CHECK(jws_split(out, &p));
    CHECK(okta_cc_json_parse(p.header, strlen(p.header), tok, 64, NULL, &doc, NULL) == OKTA_CC_OK);
    if (h_current_failed) return;
    jwk = okta_cc_json_find(&doc, 0, "jwk");
    CHECK(jwk >= 0);
    if (jwk < 0) return;
    for (i = 0; i < sizeof private_members / sizeof private_members[0]; i++)
        CHECK(okta_cc_json_find(&doc, (size_t)jwk, private_members[i]) < 0);
    for (m = okta_cc_json_first(&doc, (size_t)jwk); m >= 0; m = okta_cc_json_next(&doc, (size_t)jwk, (size_t)m)) count++;
    CHECK_EQ_INT(count, 2 * members);                      /* names and values */
    CHECK(strstr(p.header, "\"d\"") == NULL);
}

static void test_header_jwk_is_public_only(void)
{
    okta_cc_key key;
    CHECK(load_key_file(&key, "jose/rfc7515-a2-rsa-pkcs8.pem"));
    if (!h_current_failed) public_jwk_only(&key, 3);
    okta_cc_key_wipe(&key);
    CHECK(load_key_file(&key, "jose/generated-ec-p256-sec1.pem"));
    if (!h_current_failed) public_jwk_only(&key, 4);
    okta_cc_key_wipe(&key);
    CHECK(okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 384, NULL, NULL) == OKTA_CC_OK);
    if (!h_current_failed) public_jwk_only(&key, 4);
    okta_cc_key_wipe(&key);
}

static okta_cc_result sign_with(const okta_cc_key *key, okta_cc_alg alg, const char *htm, const char *nonce,
                                const char *jti, okta_cc_rng *rng)
{
    static char out[4096];
    okta_cc_dpop_claims c;
    memset(&c, 0, sizeof c);
    c.htm = htm;
    c.url = "https://h.example/x";
    c.nonce = nonce;
    c.jti = jti;
    return okta_cc_dpop_proof_sign(key, alg, &c, rng, out, sizeof out, NULL, NULL);
}

static void test_refusals(void)
{
    okta_cc_key key, none;
    okta_cc_error err;
    okta_cc_dpop_claims c;
    memset(&none, 0, sizeof none);
    CHECK(load_key_file(&key, "jose/rfc7515-a2-rsa-pkcs8.pem"));
    if (h_current_failed) return;
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", "n0nce!", "j", NULL), OKTA_CC_OK);
    CHECK_EQ_INT(sign_with(&none, OKTA_CC_ALG_DEFAULT, "POST", NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(NULL, OKTA_CC_ALG_DEFAULT, "POST", NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_ES256, "POST", NULL, "j", NULL), OKTA_CC_ERR_ALG_MISMATCH);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "GE T", NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "", NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST\r\n", NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, NULL, NULL, "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", "a\"b", "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", "", "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", "a b", "j", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", NULL, "", NULL), OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(sign_with(&key, OKTA_CC_ALG_DEFAULT, "POST", NULL, NULL, NULL), OKTA_CC_ERR_RANDOM);
    CHECK_EQ_INT(okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_DEFAULT, NULL, NULL, NULL, 0, NULL, &err),
                 OKTA_CC_ERR_INVALID_ARGUMENT);
    memset(&c, 0, sizeof c);
    c.htm = "GET";
    c.url = "https://h.example/a%0a";
    c.jti = "j";
    CHECK_EQ_INT(okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_DEFAULT, &c, NULL, NULL, 0, NULL, &err),
                 OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(okta_cc_dpop_ath(NULL, 0, NULL, 0, NULL, &err), OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_key_wipe(&key);
}

/* ---- --emit N: proofs for tests/unit/dpop_verify.py -------------------------------------------------- */

static int emit(int n)
{
    okta_cc_key key;
    okta_cc_rng rng;
    okta_cc_dpop_claims c;
    static char out[2048], jwk[512];
    int i;
    if (okta_cc_key_generate(&key, OKTA_CC_KEY_EC, 256, NULL, NULL) != OKTA_CC_OK ||
        okta_cc_rng_init(&rng, NULL) != OKTA_CC_OK ||
        okta_cc_key_public_jwk(&key, "", jwk, sizeof jwk, NULL, NULL) != OKTA_CC_OK)
        return 1;
    printf("%s\n", jwk);
    memset(&c, 0, sizeof c);
    c.htm = "POST";
    c.url = "https://dev-1.okta.com/oauth2/v1/token";
    c.issued_at = 1700000000;
    for (i = 0; i < n; i++) {
        c.nonce = i % 2 ? "server-nonce" : NULL;
        c.access_token = i % 3 ? "an-access-token" : NULL;
        if (okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_ES256, &c, &rng, out, sizeof out, NULL, NULL) != OKTA_CC_OK) return 1;
        printf("%s\n", out);
    }
    okta_cc_rng_wipe(&rng);
    okta_cc_key_wipe(&key);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--emit") == 0) return emit(atoi(argv[2]));
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    RUN(test_ath_rfc9449_figure14);
    RUN(test_jkt_rfc9449_section_6_1);
    RUN(test_rfc9449_proofs_verify);
    RUN(test_rs256_proofs_exact_pkcs1);
    RUN(test_rs256_proofs_exact_pkcs8);
    RUN(test_es256_proofs_verify_generated_key);
    RUN(test_htu_cases);
    RUN(test_jti_fresh_on_every_call);
    RUN(test_header_jwk_is_public_only);
    RUN(test_refusals);
    return h_summary();
}
