/* libFuzzer harness: HTTP response header lines, header lookup (NUL-terminated values equal to
   the block's bytes) and Link rel="next" parsing. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_http: check failed at line %d: %s\n", __LINE__, #x);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const names[] = {"Link", "Date", "X-Rate-Limit-Reset", "link", ""};
    okta_cc_response resp;
    const char *in = (const char *)data;
    size_t pos = 0, n, i, idx, vlen;
    okta_cc_result r;
    char small[16], *big;

    memset(&resp, 0, sizeof resp);
    okta_cc_http_response_init(&resp.http, NULL, 256);

    while (pos < size) {
        const char *nl = (const char *)memchr(in + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (in + pos)) + 1 : size - pos;   /* with its '\n' */
        char *line = (char *)malloc(len ? len : 1);                    /* exact: no NUL */
        CHECK(line != NULL);
        memcpy(line, in + pos, len);
        r = okta_cc_http_response_header_line(&resp.http, line, len, NULL);
        CHECK(r == OKTA_CC_OK || r == OKTA_CC_ERR_BAD_RESPONSE || r == OKTA_CC_ERR_RESPONSE_TOO_LARGE);
        CHECK(r != OKTA_CC_ERR_RESPONSE_TOO_LARGE || resp.http.body_too_large);
        if (r == OKTA_CC_ERR_BAD_RESPONSE) CHECK(resp.http.status == 0 && resp.http.headers_len == 0);
        free(line);
        pos += len;
        CHECK(resp.http.headers_len < 65536);
        CHECK(!resp.http.headers || resp.http.headers[resp.http.headers_len] == '\0');
    }

    /* the whole input as the body: max_body is 256, so large inputs hit the cap */
    r = okta_cc_http_response_append_body(&resp.http, data, size, NULL);
    if (r == OKTA_CC_OK) {
        CHECK(resp.http.body_len == size && resp.http.body[size] == '\0');
        CHECK(size == 0 || memcmp(resp.http.body, data, size) == 0);
    } else {
        CHECK(r == OKTA_CC_ERR_RESPONSE_TOO_LARGE && size > 256 && resp.http.body_too_large);
    }

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (idx = 0; idx < 4; idx++) {
            const char *v = okta_cc_http_response_header(&resp.http, names[i], idx, &vlen);
            if (!v) continue;
            CHECK(resp.http.headers != NULL && resp.http._values != NULL);
            /* a NUL-terminated copy of the block's bytes, in the block's mirror */
            CHECK(v >= resp.http._values && v + vlen < resp.http._values + resp.http.headers_len);
            CHECK(v[vlen] == '\0');
            CHECK(memcmp(v, resp.http.headers + (v - resp.http._values), vlen) == 0);
            CHECK(memchr(v, '\n', vlen) == NULL);
            CHECK(okta_cc_http_response_header(&resp.http, names[i], idx, NULL) == v);
        }
    }

    {
        /* One verdict whatever the buffer: malformed (BAD_RESPONSE), none, or a link. */
        okta_cc_result r0 = okta_cc_response_next_link(&resp, NULL, 0, NULL, NULL), r;
        CHECK(r0 == OKTA_CC_ERR_NOT_FOUND || r0 == OKTA_CC_ERR_BUFFER_TOO_SMALL || r0 == OKTA_CC_ERR_BAD_RESPONSE);
        r = okta_cc_response_next_link(&resp, small, sizeof small, NULL, NULL);
        CHECK(r == r0 || (r == OKTA_CC_OK && r0 == OKTA_CC_ERR_BUFFER_TOO_SMALL));
        if (r == OKTA_CC_OK) CHECK(strlen(small) < sizeof small);
        n = resp.http.headers_len + 1;
        big = (char *)malloc(n);
        CHECK(big != NULL);
        r = okta_cc_response_next_link(&resp, big, n, NULL, NULL);
        CHECK(r == (r0 == OKTA_CC_ERR_BUFFER_TOO_SMALL ? OKTA_CC_OK : r0));
        if (r == OKTA_CC_OK) CHECK(strlen(big) < n);
        free(big);
    }

    okta_cc_response_free(&resp);
    CHECK(resp.http.headers == NULL && resp.http.body == NULL);
    return 0;
}
