/* Benchmark (figure 1b): a client assertion signed through a PKCS#11 token (SoftHSM: the key
   generated inside it by okta-cc keygen) against the same assertion signed with a key of the
   same kind in memory, and, for the record, with that in-memory key behind a signer callback
   (what the signer interface itself costs: the callback and the verification of its answer).
   For the record, not a target: a token is slower by its nature (SoftHSM: a library call, a
   session lock, OpenSSL or Botan instead of BearSSL; a real TPM or smart card: milliseconds
   to a second), and the point of a token is that the key cannot be copied.

   Interleaved signature by signature (the order rotating every round); a round's value is the
   median of its signatures, the figure the median of the rounds.

   usage: hsm_sign RSA_KEY.pem EC_KEY.pem RSA_URI EC_URI [ROUNDS]
   (module OKTA_CC_PKCS11_MODULE, PIN OKTA_CC_PKCS11_PIN, SoftHSM's SOFTHSM2_CONF) */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#define OKTA_CC_PKCS11
#include "okta_cc.h"
#include "bench.h"

typedef struct hsm_ctx {
    okta_cc_key keys[3];        /* 0 the token's, 1 in memory, 2 in memory behind a callback */
    okta_cc_assertion a;
    int iters;
} hsm_ctx;

static volatile unsigned char sink;

/* The in-memory key as a signer: what a port to a secure element does, with BearSSL inside. */
static okta_cc_result memory_signer(void *user, okta_cc_alg alg, const unsigned char *data, size_t len,
                                    const unsigned char *digest, size_t digest_len, unsigned char *out, size_t cap,
                                    size_t *out_len, okta_cc_error *err)
{
    (void)digest, (void)digest_len;
    return okta_cc_jws_sign_bytes((const okta_cc_key *)user, alg, data, len, out, cap, out_len, err);
}

static double sign_once(hsm_ctx *h, int variant)
{
    char out[2048];
    okta_cc_error err;
    double t0 = bench_now_ns();
    if (okta_cc_assertion_sign(&h->keys[variant], OKTA_CC_ALG_DEFAULT, &h->a, NULL, out, sizeof out, NULL, &err) !=
        OKTA_CC_OK)
        bench_die("okta_cc_assertion_sign", &err);
    sink ^= (unsigned char)out[100];
    return (bench_now_ns() - t0) / 1e3;
}

static void run(const char *name, const char *key_path, const char *uri, int rounds, int iters)
{
    hsm_ctx h;
    okta_cc_pkcs11 *token = NULL;
    okta_cc_signer s;
    okta_cc_error err;
    double *v = (double *)calloc((size_t)rounds * 3, sizeof *v), *t = (double *)malloc(sizeof(double) * 3 * (size_t)iters);
    double m[3];
    char extra[200];
    int r, i, k;
    if (!v || !t) abort();
    memset(&h, 0, sizeof h);
    h.a.client_id = "0oa_bench_service_app";
    h.a.audience = "https://dev-123456.okta.com/oauth2/v1/token";
    h.a.issued_at = 1767225600;
    h.a.jti = "Zx1vY2K3cW5kS0xRN3BhV0F5b0pqMkhm";
    if (okta_cc_pkcs11_open(&token, getenv("OKTA_CC_PKCS11_MODULE"), uri, getenv("OKTA_CC_PKCS11_PIN"), NULL, &err) !=
            OKTA_CC_OK ||
        okta_cc_key_from_signer(&h.keys[0], okta_cc_pkcs11_signer(token), &err) != OKTA_CC_OK)
        bench_die(uri, &err);
    if (okta_cc_key_load_file(&h.keys[1], key_path, NULL, &err) != OKTA_CC_OK) bench_die(key_path, &err);
    memset(&s, 0, sizeof s);
    if (h.keys[1].type == OKTA_CC_KEY_RSA) {
        s.rsa_n = h.keys[1].n, s.rsa_n_len = h.keys[1].n_len, s.rsa_e = h.keys[1].e, s.rsa_e_len = h.keys[1].e_len;
    } else {
        s.ec_point = h.keys[1].pub, s.ec_point_len = h.keys[1].pub_len;
    }
    s.sign = memory_signer, s.user = &h.keys[1];
    if (okta_cc_key_from_signer(&h.keys[2], &s, &err) != OKTA_CC_OK) bench_die("signer", &err);
    for (r = 0; r <= rounds; r++) {                       /* round 0: warm-up */
        for (i = 0; i < iters; i++)
            for (k = 0; k < 3; k++) {
                int var = (k + r) % 3;
                t[var * iters + i] = sign_once(&h, var);
            }
        for (k = 0; k < 3 && r > 0; k++) v[k * rounds + r - 1] = bench_median(t + k * iters, (size_t)iters);
    }
    for (k = 0; k < 3; k++) m[k] = bench_median(v + k * rounds, (size_t)rounds);
    snprintf(extra, sizeof extra, "rounds=%d signatures_per_round=%d memory_via_callback=%.1fus callback_ratio=%.3f",
             rounds, iters, m[2], m[2] / m[1]);
    bench_line(name, 1, m[0], m[1], "us", 0, extra);
    for (k = 0; k < 3; k++) okta_cc_key_wipe(&h.keys[k]);
    okta_cc_pkcs11_close(token);
    free(v);
    free(t);
}

int main(int argc, char **argv)
{
    int rounds = argc > 5 ? atoi(argv[5]) : 11;
    if (argc < 5) {
        fprintf(stderr, "usage: %s RSA_KEY.pem EC_KEY.pem RSA_URI EC_URI [ROUNDS]\n", argv[0]);
        return 2;
    }
    run("assertion_rs256_softhsm_vs_memory", argv[1], argv[3], rounds, 20);
    run("assertion_es256_softhsm_vs_memory", argv[2], argv[4], rounds, 50);
    return 0;
}
