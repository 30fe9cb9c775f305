/* libFuzzer harness: key loading (PEM, JWK, JWKS, garbage). A key that loads must give a public
   JWK (valid JSON), a thumbprint and a JWT whose signature verifies, and size queries that
   report exactly the sizes used. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_key: check failed at line %d: %s\n", __LINE__, #x);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static void use_key(okta_cc_key *key)
{
    char jwk[4096], tp[44], jwt[8192];
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t len = 0, sig_len = 0, need = 0;
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    okta_cc_error err;
    okta_cc_result r;
    const char *dot1, *dot2;

    CHECK(key->type == OKTA_CC_KEY_RSA || key->type == OKTA_CC_KEY_EC);
    CHECK(memchr(key->kid, '\0', sizeof key->kid) != NULL);

    r = okta_cc_key_public_jwk(key, NULL, jwk, sizeof jwk, &len, NULL);
    CHECK(r == OKTA_CC_OK && len < sizeof jwk && strlen(jwk) == len);
    CHECK(okta_cc_json_parse(jwk, len, tok, 64, NULL, &doc, NULL) == OKTA_CC_OK);
    CHECK(tok[0].type == OKTA_CC_JSON_OBJECT);
    CHECK(okta_cc_json_find(&doc, 0, "d") < 0);              /* public only */
    /* a size query gives exactly the size that was needed */
    CHECK(okta_cc_key_public_jwk(key, NULL, NULL, 0, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL && need == len + 1);

    memset(tp, 'x', sizeof tp);
    CHECK(okta_cc_key_thumbprint(key, tp, sizeof tp, &len, NULL) == OKTA_CC_OK && len == 43);
    CHECK(tp[43] == '\0' && strlen(tp) == 43);

    r = okta_cc_jwt_sign(key, OKTA_CC_ALG_DEFAULT, NULL, "{}", 2, jwt, sizeof jwt, &len, &err);
    if (r != OKTA_CC_OK) fprintf(stderr, "jwt_sign: %s\n", err.message);
    CHECK(r == OKTA_CC_OK && strlen(jwt) == len);
    dot1 = strchr(jwt, '.');
    CHECK(dot1 != NULL);
    dot2 = strchr(dot1 + 1, '.');
    CHECK(dot2 != NULL && strchr(dot2 + 1, '.') == NULL);
    CHECK(okta_cc_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof sig, &sig_len, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_jws_verify_bytes(key, okta_cc_key_default_alg(key), jwt, (size_t)(dot2 - jwt),
                                   sig, sig_len, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_jws_sign_bytes(key, OKTA_CC_ALG_DEFAULT, "x", 1, NULL, 0, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL &&
          need == sig_len);
}

static void try_load(const char *text, size_t size, const char *kid)
{
    okta_cc_key key;
    okta_cc_error err;
    okta_cc_result r = okta_cc_key_load(&key, text, size, kid, &err);
    if (r == OKTA_CC_OK) {
        use_key(&key);
    } else {
        CHECK(r < 0 && err.code == r);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL && err.message[0] != '\0');
        CHECK(key.type == OKTA_CC_KEY_NONE);            /* wiped on failure */
    }
    okta_cc_key_wipe(&key);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* an exactly-sized copy so that ASan sees reads past the end (no NUL terminator) */
    char *text = (char *)malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    try_load(text, size, NULL);
    try_load(text, size, "1");
    free(text);
    return 0;
}
