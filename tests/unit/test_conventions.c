/* The buffer convention of okta_cc.h, checked at run time for every public function that
   writes into (out, cap, out_len): a size query (out NULL, cap 0) and a buffer one byte short
   both give OKTA_CC_ERR_BUFFER_TOO_SMALL with *out_len = the size needed; exactly that size
   succeeds with *out_len = the length (text: without its NUL, which is written). A NULL out
   with cap > 0 is OKTA_CC_ERR_INVALID_ARGUMENT. tests/check_api.py makes sure every such
   function of the header appears here. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

#include <pthread.h>

/* One call of the function under test with the given buffer. */
typedef okta_cc_result (*buffered_call)(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err);

/* Runs the four calls of the convention; text says whether the output is NUL-terminated. */
static void check_buffered(const char *name, buffered_call call, void *ctx, int text)
{
    okta_cc_error err;
    size_t need = 0, len = 0, got = 0;
    char *buf;
    okta_cc_result r = call(ctx, NULL, 0, &need, &err);
    if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL || need == 0) {
        fprintf(stderr, "  %s: size query gave %s, size %lu\n", name, okta_cc_result_str(r), (unsigned long)need);
        h_current_failed = 1;
        return;
    }
    buf = (char *)malloc(need + 1);
    if (!buf) { h_current_failed = 1; return; }
    memset(buf, 'x', need + 1);
    if (need > 1 || !text) {
        r = call(ctx, buf, need - 1, &len, &err);
        if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL || len != need) {
            fprintf(stderr, "  %s: one byte short gave %s, size %lu (want %lu)\n", name, okta_cc_result_str(r),
                    (unsigned long)len, (unsigned long)need);
            h_current_failed = 1;
        }
    }
    r = call(ctx, buf, need, &got, &err);
    if (r != OKTA_CC_OK || got != need - (text ? 1 : 0) || (text && buf[got] != '\0')) {
        fprintf(stderr, "  %s: exact size gave %s, length %lu (size %lu)\n", name, okta_cc_result_str(r),
                (unsigned long)got, (unsigned long)need);
        h_current_failed = 1;
    }
    if (call(ctx, buf, need, NULL, NULL) != OKTA_CC_OK) {        /* out_len and err are optional */
        fprintf(stderr, "  %s: NULL out_len and err refused\n", name);
        h_current_failed = 1;
    }
    if (call(ctx, NULL, need, &got, &err) != OKTA_CC_ERR_INVALID_ARGUMENT) {
        fprintf(stderr, "  %s: NULL out with cap > 0 not refused\n", name);
        h_current_failed = 1;
    }
    free(buf);
}

/* ---- the functions, each behind an adapter ------------------------------------------------ */

static okta_cc_key the_key;     /* RFC 7515 A.2 RSA key, or a generated P-256 key */

static okta_cc_result call_b64url_encode(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    (void)ctx;
    return okta_cc_b64url_encode("any carnal pleas", 16, out, cap, out_len, err);
}

static okta_cc_result call_b64url_decode(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    (void)ctx;
    return okta_cc_b64url_decode("YW55IGNhcm5hbCBwbGVhcw", 22, out, cap, out_len, err);
}

static okta_cc_result call_json_get_string(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    static const char json[] = "{\"name\":\"\\u0141ukasz \\\"q\\\"\"}";
    okta_cc_json_token tok[4];
    okta_cc_json_doc doc;
    (void)ctx;
    if (okta_cc_json_parse(json, sizeof json - 1, tok, 4, NULL, &doc, NULL) != OKTA_CC_OK) return OKTA_CC_ERR_JSON_SYNTAX;
    return okta_cc_json_get_string(&doc, 2, out, cap, out_len, err);
}

static okta_cc_result call_key_to_pem(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_key_to_pem((const okta_cc_key *)ctx, out, cap, out_len, err);
}

static okta_cc_result call_key_public_jwk(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_key_public_jwk((const okta_cc_key *)ctx, "kid-1", out, cap, out_len, err);
}

static okta_cc_result call_key_thumbprint(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_key_thumbprint((const okta_cc_key *)ctx, out, cap, out_len, err);
}

static okta_cc_result call_jws_sign_bytes(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_jws_sign_bytes((const okta_cc_key *)ctx, OKTA_CC_ALG_DEFAULT, "data", 4, (unsigned char *)out, cap,
                                  out_len, err);
}

static okta_cc_result call_jws_compact(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    const okta_cc_key *key = (const okta_cc_key *)ctx;
    const char *hdr = key->type == OKTA_CC_KEY_RSA ? "{\"alg\":\"RS256\"}" : "{\"alg\":\"ES256\"}";
    return okta_cc_jws_compact(key, OKTA_CC_ALG_DEFAULT, hdr, strlen(hdr), "{}", 2, out, cap, out_len, err);
}

static okta_cc_result call_jwt_sign(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_jwt_sign((const okta_cc_key *)ctx, OKTA_CC_ALG_DEFAULT, "kid", "{\"a\":1}", 7, out, cap, out_len,
                            err);
}

static okta_cc_result call_assertion_sign(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    okta_cc_assertion a;
    memset(&a, 0, sizeof a);
    a.client_id = "0oa_conventions";
    a.audience = "https://dev-1.okta.com/oauth2/v1/token";
    a.issued_at = 1700000000;
    a.jti = "fixed-jti";
    return okta_cc_assertion_sign((const okta_cc_key *)ctx, OKTA_CC_ALG_DEFAULT, &a, NULL, out, cap, out_len, err);
}

static okta_cc_result call_dpop_htu(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    (void)ctx;
    return okta_cc_dpop_htu("HTTPS://Dev-1.Okta.com:443/api/v1/users/a%40b.com?q=1#f", out, cap, out_len, err);
}

static okta_cc_result call_dpop_ath(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    static const char token[] = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    (void)ctx;
    return okta_cc_dpop_ath(token, sizeof token - 1, out, cap, out_len, err);
}

/* A random jti: every call signs a new proof, and the size query must still be exact. */
static okta_cc_result call_dpop_proof_sign(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    static okta_cc_rng rng;
    static int seeded;
    okta_cc_dpop_claims c;
    if (!seeded && okta_cc_rng_init(&rng, NULL) == OKTA_CC_OK) seeded = 1;
    memset(&c, 0, sizeof c);
    c.htm = "GET";
    c.url = "https://dev-1.okta.com/api/v1/users?limit=2";
    c.nonce = "eyJ7S_zG.nonce";
    c.access_token = "an-access-token";
    c.issued_at = 1700000000;
    return okta_cc_dpop_proof_sign((const okta_cc_key *)ctx, OKTA_CC_ALG_DEFAULT, &c, &rng, out, cap, out_len, err);
}

static okta_cc_result call_client_sign_assertion(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_client_sign_assertion((okta_cc_client *)ctx, out, cap, out_len, err);
}

static okta_cc_result call_client_dpop_jkt(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_client_dpop_jkt((okta_cc_client *)ctx, out, cap, out_len, err);
}

static okta_cc_result call_client_get_token(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_client_get_token((okta_cc_client *)ctx, out, cap, out_len, NULL, err);
}

static okta_cc_result call_response_next_link(void *ctx, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    return okta_cc_response_next_link((const okta_cc_response *)ctx, out, cap, out_len, err);
}

/* ---- a client on a transport that answers every token request ----------------------------- */

static okta_cc_result token_transport(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                      okta_cc_error *err)
{
    static const char body[] = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"tok-conventions\"}";
    okta_cc_result r;
    (void)ctx;
    (void)req;
    (void)err;
    r = okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK\r\n", 17, NULL);
    if (r == OKTA_CC_OK) r = okta_cc_http_response_append_body(resp, body, sizeof body - 1, NULL);
    return r;
}

static okta_cc_client *test_client(void)
{
    static char key_path[512];
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    okta_cc_config_init(&cfg);
    snprintf(key_path, sizeof key_path, "%s/jose/rfc7515-a2-rsa-pkcs8.pem", h_vectors_dir());
    cfg.org_url = "https://dev-1.okta.com";
    cfg.client_id = "0oa_conventions";
    cfg.private_key = key_path;
    cfg.scopes = "okta.users.read";
    cfg.transport.perform = token_transport;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err.message);
    return c;
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void test_codecs(void)
{
    check_buffered("okta_cc_b64url_encode", call_b64url_encode, NULL, 1);
    check_buffered("okta_cc_b64url_decode", call_b64url_decode, NULL, 0);
    check_buffered("okta_cc_json_get_string", call_json_get_string, NULL, 1);
    check_buffered("okta_cc_dpop_htu", call_dpop_htu, NULL, 1);
    check_buffered("okta_cc_dpop_ath", call_dpop_ath, NULL, 1);
}

static void test_keys_and_jws(int ec)
{
    okta_cc_error err;
    okta_cc_key *k = &the_key;
    if (ec) CHECK(okta_cc_key_generate(k, OKTA_CC_KEY_EC, 256, NULL, &err) == OKTA_CC_OK);
    else CHECK(okta_cc_key_load_file(k, "tests/vectors/jose/rfc7515-a2-rsa-pkcs8.pem", NULL, &err) == OKTA_CC_OK);
    check_buffered("okta_cc_key_to_pem", call_key_to_pem, k, 1);
    check_buffered("okta_cc_key_public_jwk", call_key_public_jwk, k, 1);
    check_buffered("okta_cc_key_thumbprint", call_key_thumbprint, k, 1);
    check_buffered("okta_cc_jws_sign_bytes", call_jws_sign_bytes, k, 0);
    check_buffered("okta_cc_jws_compact", call_jws_compact, k, 1);
    check_buffered("okta_cc_jwt_sign", call_jwt_sign, k, 1);
    check_buffered("okta_cc_assertion_sign", call_assertion_sign, k, 1);
    check_buffered("okta_cc_dpop_proof_sign", call_dpop_proof_sign, k, 1);
    okta_cc_key_wipe(k);
}

static void test_rsa_key_and_jws(void) { test_keys_and_jws(0); }
static void test_ec_key_and_jws(void) { test_keys_and_jws(1); }

static void test_client_outputs(void)
{
    okta_cc_client *c = test_client();
    CHECK(c != NULL);
    if (!c) return;
    check_buffered("okta_cc_client_sign_assertion", call_client_sign_assertion, c, 1);
    check_buffered("okta_cc_client_get_token", call_client_get_token, c, 1);
    check_buffered("okta_cc_client_dpop_jkt", call_client_dpop_jkt, c, 1);
    CHECK_EQ_INT(okta_cc_client_token_fetches(c), 1);      /* size queries reuse the cached token */
    okta_cc_client_free(c);
}

static void test_next_link(void)
{
    okta_cc_response resp;
    memset(&resp, 0, sizeof resp);
    okta_cc_http_response_init(&resp.http, NULL, 0);
    CHECK(okta_cc_http_response_header_line(&resp.http, "HTTP/1.1 200 OK\r\n", 17, NULL) == OKTA_CC_OK);
    {
        static const char link[] = "link: <https://dev-1.okta.com/api/v1/users?after=00u9&limit=2>; rel=\"next\"\r\n";
        CHECK(okta_cc_http_response_header_line(&resp.http, link, sizeof link - 1, NULL) == OKTA_CC_OK);
    }
    check_buffered("okta_cc_response_next_link", call_response_next_link, &resp, 1);
    okta_cc_response_free(&resp);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    RUN(test_codecs);
    RUN(test_rsa_key_and_jws);
    RUN(test_ec_key_and_jws);
    RUN(test_client_outputs);
    RUN(test_next_link);
    return h_summary();
}
