/* libFuzzer harness: the token endpoint's response, through a custom transport.
   Input: byte 0 picks the status (mod 3: 200, 400, 401); the rest is the response: when it
   holds a blank line ("\n\n"), the part before it is header lines and the rest the body,
   else all of it is the body. okta_cc_client_get_token must give OK with a non-empty token without
   whitespace, or an error with a message - never crash. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_token_response: check failed at line %d: %s\n", __LINE__, #x); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* The GENERATED P-256 test key of tests vectors (jose/generated-ec-p256-pkcs8.pem); not a secret. */
static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeCLuXtBaVB+F3gFU\n"
    "eoc9Uq3bTeAzxoZFzlh/fC35Tp2hRANCAATObyBqGLooEFPBZJjKuk3EFJ39GSY8\n"
    "gcbczmHjsJg/KU9hdcF526VlnRdY/Dlq+n/6FEYMZqY7QulA/qjdupbF\n"
    "-----END PRIVATE KEY-----\n";

typedef struct fuzz_input {
    const unsigned char *data;
    size_t size;
    int calls;
} fuzz_input;

static okta_cc_result fake_perform(void *ctx, const okta_cc_http_request *req,
                                   okta_cc_http_response *resp, okta_cc_error *err)
{
    static const long statuses[3] = {200, 400, 401};
    fuzz_input *in = (fuzz_input *)ctx;
    const char *p, *sep;
    size_t n;
    (void)err;
    CHECK(req && req->url && strcmp(req->method, "POST") == 0);
    in->calls++;
    resp->status = in->size ? statuses[in->data[0] % 3] : 200;
    p = in->size ? (const char *)in->data + 1 : "";
    n = in->size ? in->size - 1 : 0;
    sep = NULL;
    {
        size_t i;
        for (i = 0; i + 1 < n; i++)
            if (p[i] == '\n' && p[i + 1] == '\n') { sep = p + i; break; }
    }
    if (sep) {
        size_t pos = 0, hlen = (size_t)(sep - p);
        while (pos < hlen) {
            const char *nl = (const char *)memchr(p + pos, '\n', hlen - pos);
            size_t len = nl ? (size_t)(nl - (p + pos)) : hlen - pos;
            okta_cc_http_response_header_line(resp, p + pos, len, NULL);
            pos += len + 1;
        }
        p = sep + 2;
        n -= hlen + 2;
    }
    if (n) return okta_cc_http_response_append_body(resp, p, n, NULL);
    return OKTA_CC_OK;
}

static int64_t fixed_clock(void *user) { (void)user; return 1700000000; }

static okta_cc_result fake_random(void *user, void *buf, size_t len)
{
    static unsigned char counter;
    (void)user;
    memset(buf, counter++, len);
    return OKTA_CC_OK;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static okta_cc_key key;
    static int key_loaded;
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_token_info info;
    fuzz_input in;
    char token[4096];
    size_t len = 0;
    okta_cc_result r;

    if (!key_loaded) {
        okta_cc_error kerr;
        if (okta_cc_key_load(&key, test_key_pem, sizeof test_key_pem - 1, NULL, &kerr) != OKTA_CC_OK) {
            fprintf(stderr, "fuzz_token_response: cannot load the test key: %s\n", kerr.message);
            abort();
        }
        key_loaded = 1;
    }

    in.data = data;
    in.size = size;
    in.calls = 0;
    okta_cc_config_init(&cfg);
    cfg.org_url = "https://x.okta.com";
    cfg.client_id = "c";
    cfg.scopes = "s";
    cfg.key = &key;
    cfg.transport.perform = fake_perform;
    cfg.transport.ctx = &in;
    cfg.clock = fixed_clock;
    cfg.random = fake_random;
    cfg.max_response_bytes = 65536;

    r = okta_cc_client_new(&client, &cfg, &err);
    CHECK(r == OKTA_CC_OK);

    memset(&err, 0, sizeof err);
    r = okta_cc_client_get_token(client, token, sizeof token, &len, &info, &err);
    CHECK(in.calls == 1);
    if (r == OKTA_CC_OK) {
        CHECK(len > 0 && len < sizeof token && strlen(token) == len);
        CHECK(strpbrk(token, " \t\r\n") == NULL);
        CHECK(info.token_type[0] != '\0' && info.expires_in > 0);
        CHECK(in.size && data[0] % 3 == 0);              /* only a 200 gives a token */
    } else if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) {
        CHECK(len >= sizeof token);
    } else {
        CHECK(r < 0 && err.code == r && err.message[0] != '\0');
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        CHECK(memchr(err.oauth_error, '\0', sizeof err.oauth_error) != NULL);
        CHECK(memchr(err.oauth_error_description, '\0', sizeof err.oauth_error_description) != NULL);
        CHECK(memchr(err.okta_error_summary, '\0', sizeof err.okta_error_summary) != NULL);
        CHECK(strchr(err.message, '\n') == NULL);        /* one line */
    }
    okta_cc_client_free(client);
    return 0;
}
