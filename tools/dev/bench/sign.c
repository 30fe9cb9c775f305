/* Benchmark (figure 1): a client assertion, okta_cc_assertion_sign, against a bare BearSSL
   signature of the very same bytes - SHA-256 of the identical header.payload, then
   br_rsa_pkcs1_sign (RS256) or br_ecdsa raw sign (ES256) with BearSSL's default
   implementations, which is what the library calls. The baseline is the floor: everything
   okta_cc_assertion_sign does besides (argument checks, the claims and header JSON, base64url
   of the three parts) shows as ratio - 1.

   The assertion uses a fixed jti and iat so both sides sign identical bytes; BearSSL's
   RSASSA-PKCS1-v1_5 and its ECDSA (RFC 6979 nonces) are deterministic, so the two signatures
   must come out equal, which is checked. A random jti (the default) costs an HMAC-DRBG call
   more: reported as an extra field.

   Interleaved signature by signature; a round's value is the median of its signatures' times,
   the figure the median over the rounds.

   usage: sign RSA_KEY.pem EC_KEY.pem [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "bench.h"
#include <bearssl.h>

typedef struct sign_ctx {
    const okta_cc_key *key;
    okta_cc_assertion a;
    okta_cc_rng rng;
    char jws[2048];
    size_t signing_len;             /* header.payload */
    br_rsa_private_key rsa;
    br_ec_private_key ec;
    int iters;
} sign_ctx;

static volatile unsigned char sink;   /* keeps the signatures "used" */

static void bare_sign(sign_ctx *s, unsigned char *sig)
{
    br_sha256_context h;
    unsigned char hash[32];
    br_sha256_init(&h);
    br_sha256_update(&h, s->jws, s->signing_len);
    br_sha256_out(&h, hash);
    if (s->key->type == OKTA_CC_KEY_RSA) {
        if (br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof hash, &s->rsa, sig) != 1)
            bench_die("br_rsa_pkcs1_sign", NULL);
    } else if (br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha256_vtable, hash, &s->ec, sig) != 64) {
        bench_die("br_ecdsa_sign_raw", NULL);
    }
}

/* One signature: variant 0 okta_cc_assertion_sign (fixed jti), 1 bare BearSSL, 2
   okta_cc_assertion_sign with a random jti. Returns its time in microseconds. */
static double sign_once(sign_ctx *s, int variant)
{
    unsigned char sig[OKTA_CC_SIG_MAX];
    char out[2048];
    okta_cc_error err;
    okta_cc_assertion a = s->a;
    double t0;
    if (variant == 2) a.jti = NULL;
    t0 = bench_now_ns();
    if (variant == 1) {
        bare_sign(s, sig);
        sink ^= sig[0];
    } else {
        if (okta_cc_assertion_sign(s->key, OKTA_CC_ALG_DEFAULT, &a, &s->rng, out, sizeof out, NULL, &err) != OKTA_CC_OK)
            bench_die("okta_cc_assertion_sign", &err);
        sink ^= (unsigned char)out[100];
    }
    return (bench_now_ns() - t0) / 1e3;
}

/* One round: iters signatures of each variant, alternating signature by signature (the order
   rotating every round); a variant's value is the median of its iters times, so a neighbour's
   burst on the shared machine hits a few signatures of every variant, not a whole round of
   one. */
static void sign_round(sign_ctx *s, int round, double *out /* [3] */)
{
    double *t = (double *)malloc(sizeof(double) * 3 * (size_t)s->iters);
    int i, k;
    if (!t) abort();
    for (i = 0; i < s->iters; i++)
        for (k = 0; k < 3; k++) {
            int v = (k + round) % 3;
            t[v * s->iters + i] = sign_once(s, v);
        }
    for (k = 0; k < 3; k++) out[k] = bench_median(t + k * s->iters, (size_t)s->iters);
    free(t);
}

static void run(const char *name, const char *key_path, int rounds, int iters)
{
    okta_cc_key key;
    okta_cc_error err;
    sign_ctx s;
    unsigned char sig[OKTA_CC_SIG_MAX];
    char sig64[OKTA_CC_SIG_MAX * 2];
    const char *dot;
    size_t sig_len;
    double *v = (double *)calloc((size_t)rounds * 3, sizeof *v), m[3];
    char extra[160];
    int i;
    if (!v) abort();
    if (okta_cc_key_load_file(&key, key_path, NULL, &err) != OKTA_CC_OK) bench_die(key_path, &err);
    memset(&s, 0, sizeof s);
    s.key = &key;
    s.iters = iters;
    s.a.client_id = "0oa_bench_service_app";
    s.a.audience = "https://dev-123456.okta.com/oauth2/v1/token";
    s.a.issued_at = 1767225600;      /* fixed: identical bytes every time */
    s.a.jti = "Zx1vY2K3cW5kS0xRN3BhV0F5b0pqMkhm";
    if (okta_cc_rng_init(&s.rng, &err) != OKTA_CC_OK) bench_die("rng", &err);
    if (okta_cc_assertion_sign(&key, OKTA_CC_ALG_DEFAULT, &s.a, NULL, s.jws, sizeof s.jws, NULL, &err) != OKTA_CC_OK)
        bench_die("okta_cc_assertion_sign", &err);
    dot = strrchr(s.jws, '.');
    s.signing_len = (size_t)(dot - s.jws);
    if (key.type == OKTA_CC_KEY_RSA) {
        s.rsa.n_bitlen = key.bits;
        s.rsa.p = key.p, s.rsa.plen = key.p_len;
        s.rsa.q = key.q, s.rsa.qlen = key.q_len;
        s.rsa.dp = key.dp, s.rsa.dplen = key.dp_len;
        s.rsa.dq = key.dq, s.rsa.dqlen = key.dq_len;
        s.rsa.iq = key.iq, s.rsa.iqlen = key.iq_len;
        sig_len = key.n_len;
    } else {
        s.ec.curve = key.curve;
        s.ec.x = key.d, s.ec.xlen = key.d_len;
        sig_len = 64;
    }
    /* Same bytes in, same signature out. */
    bare_sign(&s, sig);
    okta_cc_b64url_encode(sig, sig_len, sig64, sizeof sig64, NULL, NULL);
    if (strcmp(sig64, dot + 1) != 0) bench_die("the bare BearSSL signature differs from the library's", NULL);
    for (i = 0; i < rounds + 1; i++) {                   /* round 0: warm-up */
        double r3[3];
        int k;
        sign_round(&s, i, r3);
        if (i > 0)
            for (k = 0; k < 3; k++) v[k * rounds + i - 1] = r3[k];
    }
    for (i = 0; i < 3; i++) m[i] = bench_median(v + i * rounds, (size_t)rounds);
    snprintf(extra, sizeof extra, "rounds=%d signatures_per_round=%d input_bytes=%lu random_jti=%.1fus random_jti_ratio=%.3f",
             rounds, iters, (unsigned long)s.signing_len, m[2], m[2] / m[1]);
    bench_line(name, 1, m[0], m[1], "us", 0, extra);
    okta_cc_key_wipe(&key);
    okta_cc_rng_wipe(&s.rng);
    free(v);
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 11;
    if (argc < 3) {
        fprintf(stderr, "usage: %s RSA_KEY.pem EC_KEY.pem [ROUNDS]\n", argv[0]);
        return 2;
    }
    run("assertion_rs256_rsa2048", argv[1], rounds, 40);
    run("assertion_es256_p256", argv[2], rounds, 100);
    return 0;
}
