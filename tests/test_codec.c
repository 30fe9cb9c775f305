#define _POSIX_C_SOURCE 200809L
/* Unit tests for the foundation layers: results, base64url, JSON emitter and parser.
   Vectors come from tests/vectors (RFC 4648 cases and JSONTestSuite). */
#define OKTA_CC_IMPLEMENTATION
#include "../okta_cc.h"
#include "harness.h"

#include <dirent.h>
#include <stdint.h>

/* ---- helpers -------------------------------------------------------------------------------- */

static size_t hex_decode(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2, i;
    for (i = 0; i < n && i < cap; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* Parses a whole vector file with the library itself (the parser is tested below too). */
typedef struct vec_doc {
    char *text;
    okta_cc_json_token *tok;
    okta_cc_json_doc doc;
} vec_doc;

static int vec_load(vec_doc *v, const char *rel)
{
    size_t len, need;
    okta_cc_json_doc probe;
    memset(v, 0, sizeof *v);
    v->text = h_read_vector(rel, &len);
    if (!v->text) { fprintf(stderr, "  cannot read vector %s/%s\n", h_vectors_dir(), rel); return 0; }
    if (okta_cc_json_parse(v->text, len, NULL, 0, NULL, &probe, NULL) != OKTA_CC_OK) return 0;
    need = probe.count;
    v->tok = (okta_cc_json_token *)malloc(need * sizeof *v->tok);
    return okta_cc_json_parse(v->text, len, v->tok, need, NULL, &v->doc, NULL) == OKTA_CC_OK;
}

static void vec_free(vec_doc *v) { free(v->text); free(v->tok); }

/* A string member of the object at index obj, copied into buf; "" when absent. */
static const char *vec_str(vec_doc *v, size_t obj, const char *key, char *buf, size_t cap)
{
    long i = okta_cc_json_find(&v->doc, obj, key);
    buf[0] = '\0';
    if (i >= 0) okta_cc_json_get_string(&v->doc, (size_t)i, buf, cap, NULL);
    return buf;
}

/* ---- results -------------------------------------------------------------------------------- */

static void test_result_str_names_every_code(void)
{
    int r;
    for (r = 0; r >= OKTA_CC_ERR_CONNECT; r--) {
        const char *s = okta_cc_result_str((okta_cc_result)r);
        CHECK(s != NULL);
        CHECK(strncmp(s, "OKTA_CC_", 8) == 0);
        CHECK(strstr(s, "UNKNOWN") == NULL);
    }
    CHECK(strstr(okta_cc_result_str((okta_cc_result)-9999), "UNKNOWN") != NULL);
    CHECK(OKTA_CC_OK == 0);
}

static void test_version_macros(void)
{
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", OKTA_CC_VERSION_MAJOR, OKTA_CC_VERSION_MINOR,
             OKTA_CC_VERSION_PATCH);
    CHECK_EQ_STR(v, OKTA_CC_VERSION_STRING);
}

static void test_wipe(void)
{
    unsigned char buf[16];
    size_t i;
    memset(buf, 0xaa, sizeof buf);
    okta_cc_wipe(buf, sizeof buf);
    for (i = 0; i < sizeof buf; i++) CHECK(buf[i] == 0);
    okta_cc_wipe(NULL, 5); /* harmless */
}

/* ---- base64url ------------------------------------------------------------------------------ */

static void test_b64url_rfc4648_valid(void)
{
    vec_doc v;
    long arr, e;
    int n = 0;
    CHECK(vec_load(&v, "base64/rfc4648.json"));
    if (h_current_failed) return;
    arr = okta_cc_json_find(&v.doc, 0, "valid");
    CHECK(arr >= 0);
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        char hex[2048], want[2048], enc[2048];
        unsigned char raw[1024], dec[1024];
        size_t raw_len, enc_len, dec_len;
        vec_str(&v, (size_t)e, "hex", hex, sizeof hex);
        vec_str(&v, (size_t)e, "base64url", want, sizeof want);
        raw_len = hex_decode(hex, raw, sizeof raw);
        CHECK(okta_cc_b64url_encoded_len(raw_len) == strlen(want));
        CHECK(okta_cc_b64url_encode(raw, raw_len, enc, sizeof enc, &enc_len) == OKTA_CC_OK);
        CHECK_EQ_STR(enc, want);
        CHECK(enc_len == strlen(want));
        CHECK(okta_cc_b64url_decode(want, strlen(want), dec, sizeof dec, &dec_len) == OKTA_CC_OK);
        CHECK(dec_len == raw_len && memcmp(dec, raw, raw_len) == 0);
        CHECK(okta_cc_b64url_decoded_max(strlen(want)) == raw_len);
        n++;
    }
    CHECK_EQ_INT(n, 40);
    vec_free(&v);
}

/* Every invalid entry is rejected, the debatable ones too: that is our documented policy
   (no padding, no non-zero trailing bits). */
static void test_b64url_rfc4648_invalid(void)
{
    vec_doc v;
    long arr, e;
    int n = 0;
    CHECK(vec_load(&v, "base64/rfc4648.json"));
    if (h_current_failed) return;
    arr = okta_cc_json_find(&v.doc, 0, "invalid");
    for (e = okta_cc_json_first(&v.doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&v.doc, (size_t)arr, (size_t)e)) {
        char hex[512];
        unsigned char in[256], out[256];
        size_t in_len, out_len = 12345;
        memset(out, 0x5a, sizeof out);
        vec_str(&v, (size_t)e, "input_hex", hex, sizeof hex);
        in_len = hex_decode(hex, in, sizeof in);
        if (okta_cc_b64url_decode((const char *)in, in_len, out, sizeof out, &out_len) !=
            OKTA_CC_ERR_BASE64) {
            fprintf(stderr, "  accepted invalid input hex %s\n", hex);
            h_current_failed = 1;
        }
        CHECK(out[0] == 0x5a && out_len == 12345); /* nothing written on failure */
        n++;
    }
    CHECK_EQ_INT(n, 36);
    vec_free(&v);
}

static void test_b64url_buffer_sizes(void)
{
    char out[8];
    unsigned char dec[4];
    size_t need = 0;
    CHECK(okta_cc_b64url_encode("abcdef", 6, out, 8, &need) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 9);
    CHECK(okta_cc_b64url_encode("abcdef", 6, NULL, 0, &need) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(okta_cc_b64url_encode("abcde", 5, out, 8, &need) == OKTA_CC_OK);
    CHECK_EQ_STR(out, "YWJjZGU");
    CHECK(okta_cc_b64url_decode("YWJjZGU", 7, dec, 4, &need) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 5);
    CHECK(okta_cc_b64url_decode("", 0, NULL, 0, &need) == OKTA_CC_OK);
    CHECK_EQ_INT(need, 0);
    CHECK(okta_cc_b64url_encode(NULL, 3, out, 8, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_b64url_decode(NULL, 3, dec, 4, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_b64url_decoded_max(0) == 0 && okta_cc_b64url_decoded_max(2) == 1 &&
          okta_cc_b64url_decoded_max(3) == 2 && okta_cc_b64url_decoded_max(4) == 3);
}

/* Round trip of every length 0..300 with all byte values. */
static void test_b64url_round_trip_lengths(void)
{
    unsigned char raw[300], dec[300];
    char enc[512];
    size_t n, i, enc_len, dec_len;
    for (i = 0; i < sizeof raw; i++) raw[i] = (unsigned char)(i * 7 + 3);
    for (n = 0; n <= sizeof raw; n++) {
        CHECK(okta_cc_b64url_encode(raw, n, enc, sizeof enc, &enc_len) == OKTA_CC_OK);
        CHECK(enc_len == okta_cc_b64url_encoded_len(n));
        CHECK(strchr(enc, '=') == NULL && strchr(enc, '+') == NULL && strchr(enc, '/') == NULL);
        CHECK(okta_cc_b64url_decode(enc, enc_len, dec, sizeof dec, &dec_len) == OKTA_CC_OK);
        CHECK(dec_len == n && memcmp(raw, dec, n) == 0);
    }
}

/* ---- JSON emitter --------------------------------------------------------------------------- */

static void test_json_emit_fixed_buffer(void)
{
    char buf[128];
    size_t len;
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_object_begin(&w);
    okta_cc_json_key(&w, "alg");
    okta_cc_json_string(&w, "RS256");
    okta_cc_json_key(&w, "n");
    okta_cc_json_int64(&w, -42);
    okta_cc_json_key(&w, "list");
    okta_cc_json_array_begin(&w);
    okta_cc_json_bool(&w, 1);
    okta_cc_json_bool(&w, 0);
    okta_cc_json_null(&w);
    okta_cc_json_object_begin(&w);
    okta_cc_json_object_end(&w);
    okta_cc_json_array_begin(&w);
    okta_cc_json_array_end(&w);
    okta_cc_json_array_end(&w);
    okta_cc_json_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len) == OKTA_CC_OK);
    CHECK_EQ_STR(buf, "{\"alg\":\"RS256\",\"n\":-42,\"list\":[true,false,null,{},[]]}");
    CHECK(len == strlen(buf));
}

static void test_json_emit_reports_needed_size(void)
{
    char buf[10];
    size_t need = 0;
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_array_begin(&w);
    okta_cc_json_string(&w, "hello world");
    okta_cc_json_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &need) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, strlen("[\"hello world\"]") + 1);
    /* exact fit including the NUL */
    {
        char exact[16];
        okta_cc_json_writer_init(&w, exact, sizeof exact);
        okta_cc_json_array_begin(&w);
        okta_cc_json_string(&w, "hello world");
        okta_cc_json_array_end(&w);
        CHECK(okta_cc_json_writer_finish(&w, &need) == OKTA_CC_OK);
        CHECK_EQ_STR(exact, "[\"hello world\"]");
    }
    /* size query with no buffer */
    okta_cc_json_writer_init(&w, NULL, 0);
    okta_cc_json_int64(&w, 12345);
    CHECK(okta_cc_json_writer_finish(&w, &need) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 6);
}

static void test_json_emit_escaping(void)
{
    char buf[256];
    okta_cc_json_writer w;
    const char awkward[] = "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80";
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_string_n(&w, awkward, sizeof awkward - 1);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(buf, "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* embedded NUL is escaped, not truncated */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_string_n(&w, "a\0b", 3);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(buf, "\"a\\u0000b\"");
}

static void test_json_emit_rejects_invalid_utf8(void)
{
    static const char *bad[] = {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "ok\x80"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[64];
        okta_cc_json_writer w;
        okta_cc_json_writer_init(&w, buf, sizeof buf);
        okta_cc_json_string(&w, bad[i]);
        CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_UTF8);
    }
}

static void test_json_emit_grammar_errors(void)
{
    char buf[64];
    okta_cc_json_writer w;
    /* value in an object without a key */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_object_begin(&w);
    okta_cc_json_int64(&w, 1);
    okta_cc_json_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* key in an array */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_array_begin(&w);
    okta_cc_json_key(&w, "k");
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* unclosed */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_array_begin(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* mismatched close */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_array_begin(&w);
    okta_cc_json_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* two top-level values, and nothing at all */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_int64(&w, 1);
    okta_cc_json_int64(&w, 2);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* key waiting for its value at close */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_object_begin(&w);
    okta_cc_json_key(&w, "k");
    okta_cc_json_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* nesting past the fixed ceiling */
    {
        int i;
        okta_cc_json_writer_init(&w, NULL, 0);
        for (i = 0; i < OKTA_CC_JSON_MAX_DEPTH + 1; i++) okta_cc_json_array_begin(&w);
        CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_JSON_DEPTH);
    }
}

static void test_json_emit_growable_and_int64_extremes(void)
{
    okta_cc_json_writer w;
    size_t len, i;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_array_begin(&w);
    okta_cc_json_int64(&w, INT64_MIN);
    okta_cc_json_int64(&w, INT64_MAX);
    okta_cc_json_int64(&w, 0);
    for (i = 0; i < 1000; i++) okta_cc_json_string(&w, "0123456789");
    okta_cc_json_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len) == OKTA_CC_OK);
    CHECK(strncmp(w.buf, "[-9223372036854775808,9223372036854775807,0,\"0123456789\",", 56) == 0);
    CHECK(len == strlen(w.buf));
    CHECK(len == 44 + 1000 * 13);
    okta_cc_json_writer_free(&w);
    CHECK(w.buf == NULL);
}

/* A failing allocator: the writer reports OKTA_CC_ERR_NO_MEMORY and leaks nothing. */
static int alloc_budget;
static void *limited_malloc(void *user, size_t n)
{
    (void)user;
    if (alloc_budget-- <= 0) return NULL;
    return malloc(n);
}
static void limited_free(void *user, void *p) { (void)user; free(p); }

static void test_json_emit_growable_out_of_memory(void)
{
    okta_cc_allocator a;
    okta_cc_json_writer w;
    int i;
    a.malloc_fn = limited_malloc;
    a.free_fn = limited_free;
    a.user = NULL;
    alloc_budget = 2;
    okta_cc_json_writer_init_growable(&w, &a);
    okta_cc_json_array_begin(&w);
    for (i = 0; i < 500; i++) okta_cc_json_string(&w, "0123456789");
    okta_cc_json_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL) == OKTA_CC_ERR_NO_MEMORY);
    okta_cc_json_writer_free(&w);
}

/* emit -> parse -> the same values, including awkward strings */
static void test_json_round_trip(void)
{
    static const char *strings[] = {"", "plain", "quote\"back\\slash", "ctl\x01\x02\x1f\n\t",
                                    "slash/ and \xe2\x80\xa8 sep", "\xf0\x9d\x84\x9e clef",
                                    "\xe7\xbe\x8e\xe5\x92\xb2 Zo\xc3\xab", "del\x7f"};
    static const int64_t ints[] = {0, 1, -1, 3600, INT64_MAX, INT64_MIN, 1000000007};
    okta_cc_json_writer w;
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    size_t len, i;
    long arr, e, k;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_object_begin(&w);
    okta_cc_json_key(&w, "strings");
    okta_cc_json_array_begin(&w);
    for (i = 0; i < sizeof strings / sizeof *strings; i++) okta_cc_json_string(&w, strings[i]);
    okta_cc_json_array_end(&w);
    okta_cc_json_key(&w, "ints");
    okta_cc_json_array_begin(&w);
    for (i = 0; i < sizeof ints / sizeof *ints; i++) okta_cc_json_int64(&w, ints[i]);
    okta_cc_json_array_end(&w);
    okta_cc_json_key(&w, "key \"with\" \xc3\xa9scapes\n");
    okta_cc_json_bool(&w, 1);
    okta_cc_json_key(&w, "nested");
    okta_cc_json_object_begin(&w);
    okta_cc_json_key(&w, "null");
    okta_cc_json_null(&w);
    okta_cc_json_object_end(&w);
    okta_cc_json_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len) == OKTA_CC_OK);
    CHECK(okta_cc_json_parse(w.buf, len, tok, 64, NULL, &doc, NULL) == OKTA_CC_OK);
    arr = okta_cc_json_find(&doc, 0, "strings");
    for (i = 0, e = okta_cc_json_first(&doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e), i++) {
        char out[128];
        size_t out_len;
        CHECK(okta_cc_json_get_string(&doc, (size_t)e, out, sizeof out, &out_len) == OKTA_CC_OK);
        CHECK_EQ_STR(out, strings[i]);
        CHECK(okta_cc_json_string_equals(&doc, (size_t)e, strings[i]));
    }
    CHECK_EQ_INT(i, sizeof strings / sizeof *strings);
    arr = okta_cc_json_find(&doc, 0, "ints");
    for (i = 0, e = okta_cc_json_first(&doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e), i++) {
        int64_t v = 7;
        CHECK(okta_cc_json_get_int64(&doc, (size_t)e, &v) == OKTA_CC_OK);
        CHECK(v == ints[i]);
    }
    CHECK_EQ_INT(i, sizeof ints / sizeof *ints);
    k = okta_cc_json_find(&doc, 0, "key \"with\" \xc3\xa9scapes\n");
    CHECK(k >= 0 && doc.tokens[k].type == OKTA_CC_JSON_TRUE);
    k = okta_cc_json_find(&doc, 0, "nested");
    CHECK(k >= 0 && doc.tokens[okta_cc_json_find(&doc, (size_t)k, "null")].type == OKTA_CC_JSON_NULL);
    okta_cc_json_writer_free(&w);
}

/* ---- JSON parser ---------------------------------------------------------------------------- */

static void test_json_parse_access(void)
{
    const char *js = " {\"a\":1,\"b\":[10,20,{\"x\":\"y\"}],\"a\":2,\"s\":\"\\u00e9\\ud834\\udd1e\\n\","
                     "\"t\":true,\"f\":false,\"n\":null,\"big\":9223372036854775808,"
                     "\"neg\":-9223372036854775808,\"frac\":1.5,\"e\":1e3} ";
    okta_cc_json_token tok[32];
    okta_cc_json_doc doc;
    int64_t v;
    int b;
    char s[16];
    size_t n;
    long arr, e;
    CHECK(okta_cc_json_parse(js, strlen(js), tok, 32, NULL, &doc, NULL) == OKTA_CC_OK);
    CHECK(doc.tokens[0].type == OKTA_CC_JSON_OBJECT && doc.tokens[0].count == 11);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "a"), &v) == OKTA_CC_OK && v == 1);
    arr = okta_cc_json_find(&doc, 0, "b");
    CHECK(doc.tokens[arr].count == 3);
    n = 0;
    for (e = okta_cc_json_first(&doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e)) n++;
    CHECK_EQ_INT(n, 3);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "s"), s, sizeof s, &n) == OKTA_CC_OK);
    CHECK(n == 7 && memcmp(s, "\xc3\xa9\xf0\x9d\x84\x9e\n", 7) == 0);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "s"), s, 7, &n) == OKTA_CC_ERR_BUFFER_TOO_SMALL && n == 8);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "t"), &b) == OKTA_CC_OK && b == 1);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "f"), &b) == OKTA_CC_OK && b == 0);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "n"), &b) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "big"), &v) == OKTA_CC_ERR_RANGE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "neg"), &v) == OKTA_CC_OK && v == INT64_MIN);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "frac"), &v) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "e"), &v) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "t"), s, sizeof s, NULL) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_find(&doc, 0, "missing") == -1);
    CHECK(okta_cc_json_find(&doc, (size_t)arr, "a") == -1);     /* not an object */
    CHECK(okta_cc_json_get_int64(&doc, 999, &v) == OKTA_CC_ERR_NOT_FOUND);
}

static void test_json_parse_token_counting_and_limits(void)
{
    const char *js = "[1,[2,3],{\"k\":4}]";
    okta_cc_json_token tok[4];
    okta_cc_json_doc doc;
    okta_cc_error err;
    okta_cc_json_limits lim;
    CHECK(okta_cc_json_parse(js, strlen(js), NULL, 0, NULL, &doc, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(doc.count, 8);
    CHECK(okta_cc_json_parse(js, strlen(js), tok, 4, NULL, &doc, &err) == OKTA_CC_ERR_JSON_TOKENS);
    CHECK(err.code == OKTA_CC_ERR_JSON_TOKENS && err.message[0]);
    memset(&lim, 0, sizeof lim);
    lim.max_depth = 1;
    CHECK(okta_cc_json_parse(js, strlen(js), NULL, 0, &lim, &doc, &err) == OKTA_CC_ERR_JSON_DEPTH);
    lim.max_depth = 2;
    CHECK(okta_cc_json_parse(js, strlen(js), NULL, 0, &lim, &doc, &err) == OKTA_CC_OK);
    lim.max_bytes = 5;
    CHECK(okta_cc_json_parse(js, strlen(js), NULL, 0, &lim, &doc, &err) == OKTA_CC_ERR_JSON_TOO_LARGE);
    CHECK(okta_cc_json_parse("[1,]", 4, NULL, 0, NULL, &doc, &err) == OKTA_CC_ERR_JSON_SYNTAX);
    CHECK(err.offset == 3);
    CHECK(strstr(err.message, "byte 3") != NULL);
    CHECK(okta_cc_json_parse(NULL, 3, NULL, 0, NULL, &doc, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
}

/* A 100 000-deep [[[[ and a 10 MB string: errors, no stack overflow, no crash. */
static void test_json_parse_hostile_sizes(void)
{
    size_t n = 100000, big = 10u << 20;
    char *deep = (char *)malloc(n), *str = (char *)malloc(big);
    okta_cc_json_doc doc;
    okta_cc_json_limits lim;
    okta_cc_error err;
    memset(deep, '[', n);
    CHECK(okta_cc_json_parse(deep, n, NULL, 0, NULL, &doc, &err) == OKTA_CC_ERR_JSON_DEPTH);
    memset(str, 'a', big);
    str[0] = '"';
    str[big - 1] = '"';
    CHECK(okta_cc_json_parse(str, big, NULL, 0, NULL, &doc, &err) == OKTA_CC_ERR_JSON_TOO_LARGE);
    /* Raising the size limit, the same 10 MB string parses (and is only scanned once). */
    memset(&lim, 0, sizeof lim);
    lim.max_bytes = big;
    CHECK(okta_cc_json_parse(str, big, NULL, 0, &lim, &doc, &err) == OKTA_CC_OK);
    str[big - 1] = 'a';   /* unterminated */
    CHECK(okta_cc_json_parse(str, big, NULL, 0, &lim, &doc, &err) == OKTA_CC_ERR_JSON_SYNTAX);
    free(deep);
    free(str);
}

/* One test per JSONTestSuite file: y_ accepted, n_ rejected, i_ recorded and never a crash. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_json_test_suite(void)
{
    char dir[1024], *names[512];
    size_t count = 0, i;
    int y_ok = 0, n_ok = 0, i_accepted = 0, i_rejected = 0;
    DIR *d;
    struct dirent *ent;
    snprintf(dir, sizeof dir, "%s/json/JSONTestSuite/test_parsing", h_vectors_dir());
    d = opendir(dir);
    h_begin("json_test_suite_directory_present");
    CHECK(d != NULL);
    h_end();
    if (!d) return;
    while ((ent = readdir(d)) != NULL && count < 512)
        if (ent->d_name[0] != '.') names[count++] = strdup(ent->d_name);
    closedir(d);
    qsort(names, count, sizeof *names, cmp_names);
    for (i = 0; i < count; i++) {
        char path[1600], test_name[600];
        size_t len;
        char *data;
        okta_cc_json_doc doc;
        okta_cc_json_token *tok;
        okta_cc_result r, r2;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(test_name, sizeof test_name, "JSONTestSuite/%s", names[i]);
        h_begin(test_name);
        data = h_read_file(path, &len);
        CHECK(data != NULL);
        if (!data) { h_end(); continue; }
        r = okta_cc_json_parse(data, len, NULL, 0, NULL, &doc, NULL);
        /* Parsing into a real token array must agree with the counting pass. */
        tok = (okta_cc_json_token *)malloc((r == OKTA_CC_OK ? doc.count : 1) * sizeof *tok);
        r2 = okta_cc_json_parse(data, len, tok, r == OKTA_CC_OK ? doc.count : 1, NULL, &doc, NULL);
        if (r == OKTA_CC_OK) CHECK(r2 == OKTA_CC_OK);
        if (names[i][0] == 'y') { CHECK(r == OKTA_CC_OK); n_ok += 0; y_ok += r == OKTA_CC_OK; }
        if (names[i][0] == 'n') { CHECK(r != OKTA_CC_OK); n_ok += r != OKTA_CC_OK; }
        if (names[i][0] == 'i') {
            if (r == OKTA_CC_OK) i_accepted++; else i_rejected++;
            printf("     i_ result: %s -> %s\n", names[i], okta_cc_result_str(r));
        }
        free(tok);
        free(data);
        free(names[i]);
        h_end();
    }
    h_begin("json_test_suite_counts_95_y_188_n");
    CHECK_EQ_INT(y_ok, 95);
    CHECK_EQ_INT(n_ok, 188);
    CHECK_EQ_INT(i_accepted + i_rejected, 35);
    h_end();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    RUN(test_result_str_names_every_code);
    RUN(test_version_macros);
    RUN(test_wipe);
    RUN(test_b64url_rfc4648_valid);
    RUN(test_b64url_rfc4648_invalid);
    RUN(test_b64url_buffer_sizes);
    RUN(test_b64url_round_trip_lengths);
    RUN(test_json_emit_fixed_buffer);
    RUN(test_json_emit_reports_needed_size);
    RUN(test_json_emit_escaping);
    RUN(test_json_emit_rejects_invalid_utf8);
    RUN(test_json_emit_grammar_errors);
    RUN(test_json_emit_growable_and_int64_extremes);
    RUN(test_json_emit_growable_out_of_memory);
    RUN(test_json_round_trip);
    RUN(test_json_parse_access);
    RUN(test_json_parse_token_counting_and_limits);
    RUN(test_json_parse_hostile_sizes);
    run_json_test_suite();
    return h_summary();
}
