/* libFuzzer harness: hostile DPoP challenges. The token endpoint's 400/401 refusals and the
   API's 401/403 refusals carry fuzzed headers (WWW-Authenticate, DPoP-Nonce ...) and bodies,
   driven through the public API on a scripted transport (tests/fuzz/fuzz_scripted.h), so the
   nonce learning (okta_cc__dpop_learn_nonce), the use_dpop_nonce retries of the token endpoint
   (okta_cc__token_dpop_retry) and of the API, the AUTO switch to DPoP and the error extraction
   (err->oauth_error, oauth_error_description from the body or WWW-Authenticate) run on it.

   Input: byte 0 is a set of flags, the rest is records separated by 0x1e (see fuzz_scripted.h):
     bit 0   DPoP mode: 0 AUTO, 1 ALWAYS
     bit 1   what is refused: 0 the API (the token endpoint answers 200), 1 the token endpoint
             (the API answers 200)
     bit 2   the refusal's status: token endpoint 400 / 401; API 401 / 403
   Each call to the refusing endpoint answers "HTTP/1.1 <status>" plus the next record's header
   lines and body; once the records are used up it answers 200 (a token of the type asked for,
   or a page). The run: okta_cc_client_get_token, then two okta_cc_request GETs.

   Beyond the checks of fuzz_scripted.h (the nonce in every proof is exactly the latest valid one
   the server sent, a new jti each time, one-line NUL-terminated error strings):
     - bounded transport calls: a token fetch at most 3 (the refusal, the DPoP switch, the
       nonce), a request at most 9 (its attempt, the nonce retry, the 401 retry, and a token
       fetch before each of its two authorizations);
     - no log line and no error string holds the access token (unless the input itself does). */
#include "fuzz_scripted.h"

typedef struct challenge {
    fuzz_script s;
    int refuse_token;               /* 1: the token endpoint refuses, 0: the API */
    long status;
    int next_rec;
} challenge;

static okta_cc_result challenge_answer(fuzz_script *s, const okta_cc_http_request *req, int kind,
                                       okta_cc_http_response *resp, okta_cc_error *err)
{
    challenge *c = (challenge *)(void *)s;
    char line[32];
    okta_cc_result r;
    if (kind != (c->refuse_token ? 0 : 1) || c->next_rec >= s->nrec)
        return kind == 0 ? fuzz_token_ok(s, req, resp, err) : fuzz_api_ok(resp, err);
    snprintf(line, sizeof line, "HTTP/1.1 %ld Refused", c->status);
    r = okta_cc_http_response_header_line(resp, line, strlen(line), err);
    CHECK(r == OKTA_CC_OK);
    return fuzz_feed_record(&s->rec[c->next_rec++], resp, err);
}

/* Whether the input holds text (a token the fuzzer found and put in on purpose). */
static int input_holds(const fuzz_script *s, const char *text)
{
    size_t n = strlen(text), i;
    if (!n || n > s->size) return 0;
    for (i = 0; i + n <= s->size; i++)
        if (memcmp(s->data + i, text, n) == 0) return 1;
    return 0;
}

static void check_no_token(const fuzz_script *s, const okta_cc_error *e, const char *token)
{
    if (!token[0] || input_holds(s, token)) return;
    CHECK(!strstr(e->message, token) && !strstr(e->oauth_error_description, token) &&
          !strstr(e->okta_error_summary, token));
}

static okta_cc_result run_request(challenge *c, okta_cc_client *client, const char *path)
{
    okta_cc_response resp;
    okta_cc_error err;
    okta_cc_result r;
    int calls = c->s.calls;
    memset(&err, 0x5a, sizeof err);          /* every field must be reset by the call */
    r = okta_cc_request(client, "GET", path, NULL, 0, NULL, &resp, &err);
    fuzz_check_result(r, &err);
    CHECK(c->s.calls - calls <= 9);
    CHECK(r != OKTA_CC_END);
    if (r == OKTA_CC_OK) CHECK(resp.http.status >= 100 && resp.http.status < 400);
    /* an HTTP error of the API call itself (400 or more), or of the token fetch before it (no API
       response; the token endpoint refuses anything but 200) */
    if (r == OKTA_CC_ERR_HTTP && resp.http.status) CHECK(resp.http.status >= 400 && err.http_status == resp.http.status);
    if (r == OKTA_CC_ERR_HTTP && !resp.http.status) CHECK(err.http_status >= 100 && err.http_status != 200);
    if (resp.http.body) CHECK(resp.http.body[resp.http.body_len] == '\0');
    check_no_token(&c->s, &err, c->s.last_token);
    okta_cc_response_free(&resp);
    return r;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static challenge c;
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_token_info info;
    char token[4096];
    size_t len = 0;
    unsigned flags = size ? data[0] : 0;
    okta_cc_result r;

    memset(&c, 0, sizeof c);
    fuzz_split(&c.s, size ? data + 1 : data, size ? size - 1 : 0);
    c.s.data = data;
    c.s.size = size;
    c.s.answer = challenge_answer;
    c.s.max_calls = 64;
    c.refuse_token = (flags >> 1) & 1;
    c.status = c.refuse_token ? ((flags & 4) ? 401 : 400) : ((flags & 4) ? 403 : 401);

    fuzz_config(&cfg, &c.s);
    cfg.dpop = (flags & 1) ? OKTA_CC_DPOP_ALWAYS : OKTA_CC_DPOP_AUTO;
    r = okta_cc_client_new(&client, &cfg, &err);
    CHECK(r == OKTA_CC_OK);

    memset(&err, 0x5a, sizeof err);
    r = okta_cc_client_get_token(client, token, sizeof token, &len, &info, &err);
    fuzz_check_result(r, &err);
    CHECK(c.s.calls <= 3);                          /* a refusal, the DPoP switch, the nonce */
    if (r == OKTA_CC_OK) {
        CHECK(len == strlen(token) && len > 0);
        CHECK(strcmp(info.token_type, "DPoP") == 0 || strcmp(info.token_type, "Bearer") == 0);
        if (flags & 1) CHECK(strcmp(info.token_type, "DPoP") == 0);
        check_no_token(&c.s, &err, token);
    } else {
        CHECK(r != OKTA_CC_ERR_BUFFER_TOO_SMALL && r != OKTA_CC_END);
    }

    run_request(&c, client, "/api/v1/users?limit=2");
    run_request(&c, client, "/api/v1/users/00u0001C8DgYW5sKQYuz");
    okta_cc_client_free(client);
    return 0;
}
