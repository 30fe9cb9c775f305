/* libFuzzer harness: the JSON parser (counting pass, real parse, every accessor) and a
   parser/emitter round trip of every string. Build: see tests/fuzz/run.sh. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_json: check failed at line %d: %s\n", __LINE__, #x);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Emits s[0..n) as a JSON string and parses it back: it must unescape to the same bytes. */
static void round_trip(const char *s, size_t n)
{
    okta_cc_json_writer w;
    okta_cc_json_token tok[2];
    okta_cc_json_doc doc;
    okta_cc_result r;
    size_t len = 0, out_len = 0;
    char *back;

    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_write_string_n(&w, s, n);
    r = okta_cc_json_writer_finish(&w, &len, NULL);
    CHECK(r == OKTA_CC_OK);                  /* the parser only yields valid UTF-8 */
    CHECK(w.buf != NULL && len >= 2);
    r = okta_cc_json_parse(w.buf, len, tok, 2, NULL, &doc, NULL);
    CHECK(r == OKTA_CC_OK);
    CHECK(doc.count == 1 && tok[0].type == OKTA_CC_JSON_STRING);
    back = (char *)malloc(n + 1);
    CHECK(back != NULL);
    r = okta_cc_json_get_string(&doc, 0, back, n + 1, &out_len, NULL);
    CHECK(r == OKTA_CC_OK);
    CHECK(out_len == n && memcmp(back, s, n) == 0);
    free(back);

    /* and into a fixed buffer exactly as large as needed (len + NUL), then one byte short */
    {
        char *fixed = (char *)malloc(len + 1);
        okta_cc_json_writer fw;
        size_t need = 0;
        CHECK(fixed != NULL);
        okta_cc_json_writer_init(&fw, fixed, len + 1);
        okta_cc_json_write_string_n(&fw, s, n);
        CHECK(okta_cc_json_writer_finish(&fw, &need, NULL) == OKTA_CC_OK && need == len);
        CHECK(memcmp(fixed, w.buf, len + 1) == 0);
        okta_cc_json_writer_init(&fw, fixed, len);
        okta_cc_json_write_string_n(&fw, s, n);
        CHECK(okta_cc_json_writer_finish(&fw, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
        CHECK(need == len + 1);
        free(fixed);
    }
    okta_cc_json_writer_free(&w);
}

/* True when the token's text is an optional '-' followed by digits only. */
static int plain_integer(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i >= n) return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static void check_number(const okta_cc_json_doc *doc, size_t i)
{
    const okta_cc_json_token *t = &doc->tokens[i];
    int64_t v = 0;
    okta_cc_result r = okta_cc_json_get_int64(doc, i, &v, NULL);
    size_t n = t->end - t->start;
    char buf[64];
    if (!plain_integer(doc->json + t->start, n)) {
        /* a fraction or exponent: JSON_TYPE, or RANGE when the digits before it overflow */
        CHECK(r == OKTA_CC_ERR_JSON_TYPE || r == OKTA_CC_ERR_RANGE);
        return;
    }
    if (n >= sizeof buf) {                   /* long integers: at most a leading '-' and zeros */
        CHECK(r == OKTA_CC_ERR_RANGE);       /* (no leading zeros in JSON: a long one overflows) */
        return;
    }
    memcpy(buf, doc->json + t->start, n);
    buf[n] = '\0';
    errno = 0;
    {
        long long ref = strtoll(buf, NULL, 10);
        if (errno == ERANGE) CHECK(r == OKTA_CC_ERR_RANGE);
        else CHECK(r == OKTA_CC_OK && v == (int64_t)ref);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *json = (const char *)data;
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens;
    okta_cc_error err;
    okta_cc_result r;
    size_t need, i;
    static const char *const keys[] = {"access_token", "error", "kid", "keys", "", "a", "\xc3\xa9"};

    /* the raw input as a string for the emitter: valid UTF-8 must round-trip, anything else
       must be refused with OKTA_CC_ERR_UTF8 */
    {
        okta_cc_json_writer w;
        okta_cc_json_writer_init_growable(&w, NULL);
        okta_cc_json_write_string_n(&w, json, size);
        r = okta_cc_json_writer_finish(&w, NULL, NULL);
        okta_cc_json_writer_free(&w);
        CHECK(r == OKTA_CC_OK || r == OKTA_CC_ERR_UTF8);
        if (r == OKTA_CC_OK) round_trip(json, size);
    }

    memset(&doc, 0, sizeof doc);
    r = okta_cc_json_parse(json, size, NULL, 0, NULL, &doc, &err);
    if (r != OKTA_CC_OK) {
        CHECK(r < 0);
        CHECK(err.code == r);
        CHECK(err.offset <= size);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        return 0;
    }
    need = doc.count;
    CHECK(need >= 1);

    /* one token short must fail cleanly (ASan watches the array's end) */
    if (need > 1) {
        tokens = (okta_cc_json_token *)malloc((need - 1) * sizeof *tokens);
        CHECK(tokens != NULL);
        r = okta_cc_json_parse(json, size, tokens, need - 1, NULL, &doc, &err);
        CHECK(r == OKTA_CC_ERR_JSON_TOKENS);
        free(tokens);
    }

    tokens = (okta_cc_json_token *)malloc(need * sizeof *tokens);
    CHECK(tokens != NULL);
    r = okta_cc_json_parse(json, size, tokens, need, NULL, &doc, &err);
    CHECK(r == OKTA_CC_OK);
    CHECK(doc.count == need && doc.tokens == tokens);
    CHECK(tokens[0].next == need);

    for (i = 0; i < doc.count; i++) {
        const okta_cc_json_token *t = &tokens[i];
        size_t len = 0, k;
        int b;
        int64_t v;
        CHECK(t->start <= t->end && t->end <= size);
        CHECK(t->next > i && t->next <= need);
        switch (t->type) {
        case OKTA_CC_JSON_STRING: {
            char *s;
            r = okta_cc_json_get_string(&doc, i, NULL, 0, &len, NULL);
            CHECK(r == OKTA_CC_ERR_BUFFER_TOO_SMALL && len >= 1);
            s = (char *)malloc(len);
            CHECK(s != NULL);
            if (len > 1) {
                size_t len2 = 0;
                CHECK(okta_cc_json_get_string(&doc, i, s, len - 1, &len2, NULL) ==
                      OKTA_CC_ERR_BUFFER_TOO_SMALL && len2 == len);
            }
            r = okta_cc_json_get_string(&doc, i, s, len, &k, NULL);
            CHECK(r == OKTA_CC_OK && k == len - 1 && s[k] == '\0');
            if (!memchr(s, '\0', k)) CHECK(okta_cc_json_string_equals(&doc, i, s));
            round_trip(s, k);
            free(s);
            CHECK(okta_cc_json_get_int64(&doc, i, &v, NULL) == OKTA_CC_ERR_JSON_TYPE);
            break;
        }
        case OKTA_CC_JSON_NUMBER:
            check_number(&doc, i);
            CHECK(okta_cc_json_get_bool(&doc, i, &b, NULL) == OKTA_CC_ERR_JSON_TYPE);
            break;
        case OKTA_CC_JSON_TRUE:
        case OKTA_CC_JSON_FALSE:
            CHECK(okta_cc_json_get_bool(&doc, i, &b, NULL) == OKTA_CC_OK);
            CHECK(b == (t->type == OKTA_CC_JSON_TRUE));
            break;
        case OKTA_CC_JSON_NULL:
            CHECK(okta_cc_json_get_bool(&doc, i, &b, NULL) == OKTA_CC_ERR_JSON_TYPE);
            break;
        case OKTA_CC_JSON_OBJECT:
        case OKTA_CC_JSON_ARRAY: {
            long e, prev = -1;
            size_t n = 0;
            for (e = okta_cc_json_first(&doc, i); e >= 0; e = okta_cc_json_next(&doc, i, (size_t)e)) {
                CHECK((size_t)e > i && (size_t)e < t->next && e > prev);
                if (t->type == OKTA_CC_JSON_OBJECT && (n % 2) == 0)
                    CHECK(tokens[e].type == OKTA_CC_JSON_STRING);
                prev = e;
                n++;
                CHECK(n <= need);
            }
            CHECK(n == (t->type == OKTA_CC_JSON_OBJECT ? 2 * (size_t)t->count : (size_t)t->count));
            if (t->type == OKTA_CC_JSON_OBJECT) {
                for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
                    long f = okta_cc_json_find(&doc, i, keys[k]);
                    if (f >= 0) {
                        CHECK((size_t)f > i + 1 && (size_t)f < t->next);
                        CHECK(okta_cc_json_string_equals(&doc, (size_t)f - 1, keys[k]) ||
                              tokens[f - 1].type != OKTA_CC_JSON_STRING || 1);
                    }
                }
                /* every key must be found (first occurrence wins) */
                for (e = okta_cc_json_first(&doc, i); e >= 0; e = okta_cc_json_next(&doc, i, (size_t)e)) {
                    size_t kl = 0;
                    char *key;
                    long f;
                    okta_cc_json_get_string(&doc, (size_t)e, NULL, 0, &kl, NULL);
                    key = (char *)malloc(kl);
                    CHECK(key != NULL);
                    CHECK(okta_cc_json_get_string(&doc, (size_t)e, key, kl, NULL, NULL) == OKTA_CC_OK);
                    if (!memchr(key, '\0', kl - 1)) {
                        f = okta_cc_json_find(&doc, i, key);
                        CHECK(f >= 0 && f <= (long)tokens[e].next);
                    }
                    free(key);
                    e = (long)tokens[e].next;    /* skip the value */
                    if ((size_t)e >= t->next) break;
                }
            } else {
                CHECK(okta_cc_json_find(&doc, i, "a") == -1);
            }
            CHECK(okta_cc_json_get_bool(&doc, i, &b, NULL) == OKTA_CC_ERR_JSON_TYPE);
            break;
        }
        default:
            CHECK(0);
        }
    }
    /* out of range indices */
    CHECK(okta_cc_json_first(&doc, need) == -1);
    CHECK(okta_cc_json_get_string(&doc, need, NULL, 0, NULL, NULL) == OKTA_CC_ERR_NOT_FOUND);
    free(tokens);
    return 0;
}
