/* libFuzzer harness: strict base64url decoding must be canonical (decode then encode gives the
   input back), and encode then decode must give the bytes back. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_b64url: check failed at line %d: %s\n", __LINE__, #x);  \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *in = (const char *)data;
    size_t max = okta_cc_b64url_decoded_max(size), need = 0, len = 0, elen;
    unsigned char *dec;
    char *enc;
    okta_cc_result r;

    /* size query: nothing written, the bound reported */
    r = okta_cc_b64url_decode(in, size, NULL, 0, &need, NULL);
    /* exactly-sized buffers so that ASan sees any write past the end */
    dec = (unsigned char *)malloc(max ? max : 1);
    CHECK(dec != NULL);
    if (r == OKTA_CC_OK) {
        CHECK(max == 0 && need == 0);
    } else if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) {
        CHECK(need == max);
    } else {
        CHECK(r == OKTA_CC_ERR_BASE64);
    }
    if (r != OKTA_CC_ERR_BASE64) {
        /* one byte short must fail and write nothing */
        if (max) {
            memset(dec, 0xa5, max);
            CHECK(okta_cc_b64url_decode(in, size, dec, max - 1, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
            CHECK(dec[0] == 0xa5);
        }
        r = okta_cc_b64url_decode(in, size, dec, max, &len, NULL);
        CHECK(r == OKTA_CC_OK);
        CHECK(len == max);
        /* canonical: re-encoding gives exactly the input */
        elen = okta_cc_b64url_encoded_len(len);
        CHECK(elen == size);
        enc = (char *)malloc(elen + 1);
        CHECK(enc != NULL);
        CHECK(okta_cc_b64url_encode(dec, len, enc, elen + 1, &need, NULL) == OKTA_CC_OK && need == elen);
        CHECK(memcmp(enc, in, size) == 0 && enc[elen] == '\0');
        free(enc);
    } else {
        CHECK(okta_cc_b64url_decode(in, size, dec, max, &len, NULL) == OKTA_CC_ERR_BASE64);
    }
    free(dec);

    /* encode the raw bytes and decode them back */
    elen = okta_cc_b64url_encoded_len(size);
    CHECK(elen % 4 != 1);
    enc = (char *)malloc(elen + 1);
    CHECK(enc != NULL);
    need = 0;
    if (elen) CHECK(okta_cc_b64url_encode(data, size, enc, elen, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL &&
                    need == elen + 1);
    CHECK(okta_cc_b64url_encode(data, size, enc, elen + 1, &len, NULL) == OKTA_CC_OK && len == elen);
    CHECK(strlen(enc) == elen);
    CHECK(okta_cc_b64url_decoded_max(elen) == size);
    dec = (unsigned char *)malloc(size ? size : 1);
    CHECK(dec != NULL);
    CHECK(okta_cc_b64url_decode(enc, elen, dec, size, &len, NULL) == OKTA_CC_OK && len == size);
    CHECK(memcmp(dec, data, size) == 0);
    free(dec);
    free(enc);
    return 0;
}
