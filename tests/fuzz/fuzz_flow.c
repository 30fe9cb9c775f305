/* libFuzzer harness: one whole client flow on fuzzed responses, through the transport interface
   (tests/fuzz/fuzz_scripted.h: no network, injected clock, sleep and randomness). The input is
   a sequence of records separated by 0x1e, one per transport call, in order:
     - a record starting with '!' is a transport failure: "!c" OKTA_CC_ERR_CONNECT (nothing
       sent), "!t" OKTA_CC_ERR_TIMEOUT, anything else OKTA_CC_ERR_NETWORK;
     - otherwise its header lines (the first is normally the status line, "HTTP/1.1 200 OK") go
       to okta_cc_http_response_header_line, and after a blank line the body to
       okta_cc_http_response_append_body; a helper's error is the transport's result.
   Once the records are used up, or after 32 calls, every call is OKTA_CC_ERR_CONNECT.
   The flow, with DPoP AUTO (so the switch to DPoP and the nonce retries are reachable, as are
   the 401 refresh, the 429 waits on the injected sleep, 503 backoff and Link parsing):
     okta_cc_client_get_token; okta_cc_request GET /api/v1/users/me; a listing of
     /api/v1/users?limit=2 with okta_cc_pager (max_pages 5) until it ends or fails.
   Checked, beyond fuzz_scripted.h (requests stay on the org's origin, proofs, nonces, jtis,
   one-line error strings): valid results everywhere; a successful get_token gives a
   NUL-terminated token of the stated length and a token type Bearer or DPoP; a request is
   OK only with a status below 400, ERR_HTTP with one of 400 or more (or a failed token fetch),
   ERR_RATE_LIMITED with 429 (the API's, or the token endpoint's with no API response); bodies are
   NUL-terminated; the pager delivers at most max_pages pages, each a 2xx, leaves nothing to free
   after an error, and its resume URL after OKTA_CC_END is NULL or, for a polling listing (its last
   page empty or linking to itself), that page's next link, and kept after a failed request; a bounded
   number of transport calls. */
#include "fuzz_scripted.h"

#define FLOW_MAX_CALLS 32

static okta_cc_result flow_answer(fuzz_script *s, const okta_cc_http_request *req, int kind,
                                  okta_cc_http_response *resp, okta_cc_error *err)
{
    const fuzz_record *rec;
    okta_cc_result fail;
    (void)req;
    (void)kind;
    if (s->calls > s->nrec) {
        if (err) {
            err->code = OKTA_CC_ERR_CONNECT;
            snprintf(err->message, sizeof err->message, "fuzz: no more responses");
        }
        return OKTA_CC_ERR_CONNECT;
    }
    rec = &s->rec[s->calls - 1];
    if (rec->n && rec->p[0] == '!') {
        fail = rec->n > 1 && rec->p[1] == 'c' ? OKTA_CC_ERR_CONNECT
             : rec->n > 1 && rec->p[1] == 't' ? OKTA_CC_ERR_TIMEOUT : OKTA_CC_ERR_NETWORK;
        if (err) {
            err->code = fail;
            snprintf(err->message, sizeof err->message, "fuzz: transport failure");
        }
        return fail;
    }
    return fuzz_feed_record(rec, resp, err);
}

static void check_response(const okta_cc_response *resp, okta_cc_result r, const okta_cc_error *err)
{
    fuzz_check_result(r, err);
    CHECK(r != OKTA_CC_END);
    if (r == OKTA_CC_OK) CHECK(resp->http.status >= 100 && resp->http.status < 400);
    /* an HTTP error of the API call itself (400 or more), or of the token fetch before it (no API
       response; the token endpoint refuses anything but 200) */
    if (r == OKTA_CC_ERR_HTTP && resp->http.status) CHECK(resp->http.status >= 400 && err->http_status == resp->http.status);
    if (r == OKTA_CC_ERR_HTTP && !resp->http.status) CHECK(err->http_status >= 100 && err->http_status != 200);
    if (r == OKTA_CC_ERR_RATE_LIMITED) CHECK(resp->http.status == 429 || (!resp->http.status && err->http_status == 429));
    if (resp->http.body) CHECK(resp->http.body[resp->http.body_len] == '\0');
    else CHECK(resp->http.body_len == 0);
    CHECK(resp->retries >= 0 && resp->retries <= 8);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static fuzz_script s;
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_token_info info;
    okta_cc_response resp;
    okta_cc_pager pg;
    char last_next[2048];       /* the next link of the last page delivered ("" none) */
    char token[4096];
    size_t len = 0;
    int calls, i;
    okta_cc_result r;

    memset(&s, 0, sizeof s);
    fuzz_split(&s, data, size);
    s.answer = flow_answer;
    s.max_calls = FLOW_MAX_CALLS;
    fuzz_config(&cfg, &s);
    cfg.dpop = OKTA_CC_DPOP_AUTO;
    r = okta_cc_client_new(&client, &cfg, &err);
    CHECK(r == OKTA_CC_OK);

    /* the token */
    memset(&err, 0x5a, sizeof err);
    r = okta_cc_client_get_token(client, token, sizeof token, &len, &info, &err);
    fuzz_check_result(r, &err);
    /* the first try, the DPoP switch, 2 waits (max_retries) and a nonce round trip after each */
    CHECK(s.calls <= 7);
    if (r == OKTA_CC_OK) {
        CHECK(len > 0 && len < sizeof token && strlen(token) == len);
        CHECK(strcmp(info.token_type, "Bearer") == 0 || strcmp(info.token_type, "DPoP") == 0);
        CHECK(info.expires_in > 0 && info.generation == 1);
    } else {
        CHECK(r != OKTA_CC_END);
        if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) CHECK(len > sizeof token);
    }

    /* one request */
    calls = s.calls;
    memset(&err, 0x5a, sizeof err);
    r = okta_cc_request(client, "GET", "/api/v1/users/me", NULL, 0, NULL, &resp, &err);
    check_response(&resp, r, &err);
    okta_cc_response_free(&resp);
    /* attempts: 1 + nonce + 401 + 2 backoffs, a token fetch (<= 7) before the first and the 401's */
    CHECK(s.calls - calls <= 20);

    /* a short listing */
    last_next[0] = '\0';
    calls = s.calls;
    memset(&err, 0x5a, sizeof err);
    r = okta_cc_pager_begin(&pg, client, "/api/v1/users?limit=2", &err);
    CHECK(r == OKTA_CC_OK);
    pg.max_pages = 5;
    for (i = 0; i < 8; i++) {
        memset(&err, 0x5a, sizeof err);
        r = okta_cc_pager_next(&pg, &resp, &err);
        if (r == OKTA_CC_OK) {
            check_response(&resp, r, &err);
            CHECK(pg.pages <= pg.max_pages && pg.pages == i + 1);
            CHECK(resp.http.status >= 200 && resp.http.status <= 299);     /* pages are 2xx */
            if (okta_cc_response_next_link(&resp, last_next, sizeof last_next, NULL, NULL) != OKTA_CC_OK)
                last_next[0] = '\0';
        } else {
            fuzz_check_result(r, &err);
            CHECK(resp.http.body == NULL && resp.http.headers == NULL);    /* nothing to free */
        }
        okta_cc_response_free(&resp);
        if (r == OKTA_CC_END)           /* a polling listing keeps the link to poll later */
            CHECK(!okta_cc_pager_resume_url(&pg) || (last_next[0] && strcmp(okta_cc_pager_resume_url(&pg), last_next) == 0));
        if (r == OKTA_CC_ERR_HTTP || r == OKTA_CC_ERR_RATE_LIMITED || r == OKTA_CC_ERR_NETWORK || r == OKTA_CC_ERR_CONNECT)
            CHECK(okta_cc_pager_resume_url(&pg) != NULL);   /* a failed request keeps its place */
        if (r != OKTA_CC_OK) break;
    }
    CHECK(r != OKTA_CC_OK);                 /* max_pages stops it before 8 calls */
    okta_cc_pager_end(&pg);
    CHECK(s.calls - calls <= 6 * 20);
    CHECK(s.calls <= FLOW_MAX_CALLS + 16);  /* after the cap, only failed connects (retried) */
    okta_cc_client_free(client);
    return 0;
}
