#define _POSIX_C_SOURCE 200809L
/* Unit tests for the foundation layers: results, base64url, JSON emitter and parser.
   Vectors come from tests/vectors (RFC 4648 cases and JSONTestSuite). */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"

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
    if (i >= 0) okta_cc_json_get_string(&v->doc, (size_t)i, buf, cap, NULL, NULL);
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

/* ---- growable buffers (the private okta_cc__buf, shared by the writer, responses, forms) ---- */

/* An allocator that remembers each block's size and checks, when it is freed, that nothing
   but zeros is left in it: the buffers grow and free by wiping, never by realloc. */
#define REC_MAX 64
static struct { void *p; size_t n; } rec_blocks[REC_MAX];
static int rec_allocs, rec_unwiped, rec_budget = -1;
static size_t rec_refuse_over = (size_t)-1;

static void *rec_malloc(void *user, size_t n)
{
    int i;
    (void)user;
    if (n > rec_refuse_over || rec_budget == 0) return NULL;
    if (rec_budget > 0) rec_budget--;
    for (i = 0; i < REC_MAX; i++)
        if (!rec_blocks[i].p) {
            rec_blocks[i].p = malloc(n);
            rec_blocks[i].n = n;
            rec_allocs++;
            return rec_blocks[i].p;
        }
    return NULL;
}

static void rec_free(void *user, void *p)
{
    int i;
    size_t k;
    (void)user;
    for (i = 0; i < REC_MAX; i++)
        if (rec_blocks[i].p == p) {
            for (k = 0; k < rec_blocks[i].n; k++)
                if (((unsigned char *)p)[k]) { rec_unwiped++; break; }
            rec_blocks[i].p = NULL;
        }
    free(p);
}

static okta_cc_allocator rec_allocator(void)
{
    okta_cc_allocator a;
    int i;
    for (i = 0; i < REC_MAX; i++) rec_blocks[i].p = NULL;
    rec_allocs = rec_unwiped = 0;
    rec_budget = -1;
    rec_refuse_over = (size_t)-1;
    a.malloc_fn = rec_malloc;
    a.free_fn = rec_free;
    a.user = NULL;
    return a;
}

static int rec_live(void)
{
    int i, n = 0;
    for (i = 0; i < REC_MAX; i++) n += rec_blocks[i].p != NULL;
    return n;
}

static void test_buf_grows_by_copy_and_wipe(void)
{
    okta_cc_allocator a = rec_allocator();
    okta_cc__buf b;
    size_t i;
    int ok = 1;
    okta_cc__buf_init(&b, &a, 0);
    for (i = 0; i < 10000; i++) ok &= okta_cc__buf_append(&b, "S", 1) == OKTA_CC_OK;
    CHECK(ok);
    CHECK(b.len == 10000 && b.cap > b.len && b.p[10000] == '\0' && b.p[9999] == 'S');
    CHECK_EQ_INT(rec_allocs, 7);            /* 256, 512 ... 16384: doubling, not per byte */
    CHECK_EQ_INT(rec_live(), 1);            /* every outgrown block was freed ... */
    CHECK_EQ_INT(rec_unwiped, 0);           /* ... after wiping */
    okta_cc__buf_clear(&b);
    CHECK(b.len == 0 && b.p && b.p[0] == '\0' && b.p[9999] == '\0');
    CHECK(okta_cc__buf_append_str(&b, "abc") == OKTA_CC_OK && strcmp(b.p, "abc") == 0);
    okta_cc__buf_wipe_free(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
    CHECK_EQ_INT(rec_live(), 0);
    CHECK_EQ_INT(rec_unwiped, 0);
    okta_cc__buf_wipe_free(&b);             /* harmless twice */
}

static void test_buf_cap_overflow_and_no_memory(void)
{
    okta_cc_allocator a = rec_allocator();
    okta_cc__buf b;
    /* A cap: all or nothing, and BUFFER_TOO_SMALL (the caller names it). */
    okta_cc__buf_init(&b, &a, 10);
    CHECK(okta_cc__buf_append(&b, "123456", 6) == OKTA_CC_OK);
    CHECK(okta_cc__buf_append(&b, "abcde", 5) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(b.len == 6 && strcmp(b.p, "123456") == 0);
    CHECK(okta_cc__buf_append(&b, "abcd", 4) == OKTA_CC_OK && b.len == 10);
    CHECK(okta_cc__buf_append(&b, "", 0) == OKTA_CC_OK);
    CHECK(okta_cc__buf_append(&b, "x", 1) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(okta_cc__buf_reserve(&b, (size_t)-1) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    okta_cc__buf_wipe_free(&b);
    /* Sizes that overflow len + n + 1 are NO_MEMORY before any allocation. */
    okta_cc__buf_init(&b, &a, 0);
    CHECK(okta_cc__buf_append(&b, "ab", 2) == OKTA_CC_OK);
    rec_allocs = 0;
    CHECK(okta_cc__buf_reserve(&b, (size_t)-1) == OKTA_CC_ERR_NO_MEMORY);
    CHECK(okta_cc__buf_reserve(&b, (size_t)-1 - 2) == OKTA_CC_ERR_NO_MEMORY);
    CHECK_EQ_INT(rec_allocs, 0);
    /* The largest size that does not overflow is asked of the allocator, which refuses. */
    rec_refuse_over = 1 << 20;
    CHECK(okta_cc__buf_reserve(&b, (size_t)-1 - 3) == OKTA_CC_ERR_NO_MEMORY);
    /* A failed growth keeps the text. */
    rec_budget = 0;
    CHECK(okta_cc__buf_reserve(&b, 1000) == OKTA_CC_ERR_NO_MEMORY);
    CHECK(b.len == 2 && strcmp(b.p, "ab") == 0);
    okta_cc__buf_wipe_free(&b);
    CHECK_EQ_INT(rec_live(), 0);
    CHECK_EQ_INT(rec_unwiped, 0);
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
        CHECK(okta_cc_b64url_encode(raw, raw_len, enc, sizeof enc, &enc_len, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(enc, want);
        CHECK(enc_len == strlen(want));
        CHECK(okta_cc_b64url_decode(want, strlen(want), dec, sizeof dec, &dec_len, NULL) == OKTA_CC_OK);
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
        if (okta_cc_b64url_decode((const char *)in, in_len, out, sizeof out, &out_len, NULL) !=
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
    CHECK(okta_cc_b64url_encode("abcdef", 6, out, 8, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 9);
    CHECK(okta_cc_b64url_encode("abcdef", 6, NULL, 0, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK(okta_cc_b64url_encode("abcde", 5, out, 8, &need, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(out, "YWJjZGU");
    CHECK(okta_cc_b64url_decode("YWJjZGU", 7, dec, 4, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 5);
    CHECK(okta_cc_b64url_decode("", 0, NULL, 0, &need, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(need, 0);
    CHECK(okta_cc_b64url_encode(NULL, 3, out, 8, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* A length whose encoded size would wrap size_t round is refused before anything is read
       (it used to give a wrapped, too small size). */
    CHECK(okta_cc_b64url_encode("x", (size_t)-1, NULL, 0, &need, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_b64url_encode("x", (size_t)-1 / 4 * 3 + 1, NULL, 0, &need, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_b64url_decode(NULL, 3, dec, 4, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
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
        CHECK(okta_cc_b64url_encode(raw, n, enc, sizeof enc, &enc_len, NULL) == OKTA_CC_OK);
        CHECK(enc_len == okta_cc_b64url_encoded_len(n));
        CHECK(strchr(enc, '=') == NULL && strchr(enc, '+') == NULL && strchr(enc, '/') == NULL);
        CHECK(okta_cc_b64url_decode(enc, enc_len, dec, sizeof dec, &dec_len, NULL) == OKTA_CC_OK);
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
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "alg");
    okta_cc_json_write_string(&w, "RS256");
    okta_cc_json_write_key(&w, "n");
    okta_cc_json_write_int64(&w, -42);
    okta_cc_json_write_key(&w, "list");
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_bool(&w, 1);
    okta_cc_json_write_bool(&w, 0);
    okta_cc_json_write_null(&w);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_object_end(&w);
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_array_end(&w);
    okta_cc_json_write_array_end(&w);
    okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(buf, "{\"alg\":\"RS256\",\"n\":-42,\"list\":[true,false,null,{},[]]}");
    CHECK(len == strlen(buf));
}

static void test_json_emit_reports_needed_size(void)
{
    char buf[10];
    size_t need = 0;
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_string(&w, "hello world");
    okta_cc_json_write_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, strlen("[\"hello world\"]") + 1);
    /* exact fit including the NUL */
    {
        char exact[16];
        okta_cc_json_writer_init(&w, exact, sizeof exact);
        okta_cc_json_write_array_begin(&w);
        okta_cc_json_write_string(&w, "hello world");
        okta_cc_json_write_array_end(&w);
        CHECK(okta_cc_json_writer_finish(&w, &need, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(exact, "[\"hello world\"]");
    }
    /* size query with no buffer */
    okta_cc_json_writer_init(&w, NULL, 0);
    okta_cc_json_write_int64(&w, 12345);
    CHECK(okta_cc_json_writer_finish(&w, &need, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 6);
}

static void test_json_emit_escaping(void)
{
    char buf[256];
    okta_cc_json_writer w;
    const char awkward[] = "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80";
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_string_n(&w, awkward, sizeof awkward - 1);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(buf, "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* embedded NUL is escaped, not truncated */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_string_n(&w, "a\0b", 3);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_OK);
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
        okta_cc_json_write_string(&w, bad[i]);
        CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_UTF8);
    }
}

static void test_json_emit_grammar_errors(void)
{
    char buf[64];
    okta_cc_json_writer w;
    /* value in an object without a key */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_int64(&w, 1);
    okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* key in an array */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_key(&w, "k");
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* unclosed */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_array_begin(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* mismatched close */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* two top-level values, and nothing at all */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_int64(&w, 1);
    okta_cc_json_write_int64(&w, 2);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* no writer: ignored, never a crash */
    okta_cc_json_writer_init(NULL, buf, sizeof buf);
    okta_cc_json_writer_init_growable(NULL, NULL);
    okta_cc_json_write_object_begin(NULL);
    okta_cc_json_write_key(NULL, "k");
    okta_cc_json_write_string(NULL, "v");
    okta_cc_json_write_string_n(NULL, "v", 1);
    okta_cc_json_write_int64(NULL, 1);
    okta_cc_json_write_bool(NULL, 1);
    okta_cc_json_write_null(NULL);
    okta_cc_json_write_array_begin(NULL);
    okta_cc_json_write_array_end(NULL);
    okta_cc_json_write_object_end(NULL);
    okta_cc_json_writer_free(NULL);
    CHECK(okta_cc_json_writer_finish(NULL, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* key waiting for its value at close */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "k");
    okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    /* nesting past the writer's fixed capacity */
    {
        int i;
        okta_cc_json_writer_init(&w, NULL, 0);
        for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH + 1; i++) okta_cc_json_write_array_begin(&w);
        CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_JSON_DEPTH);
    }
}

/* The writer holds exactly OKTA_CC_JSON_WRITER_MAX_DEPTH open containers, whatever the parser's
   OKTA_CC_JSON_MAX_DEPTH (tests/lint/compile_matrix.sh builds two units that disagree on it). */
static void test_json_emit_nesting_capacity(void)
{
    char buf[2 * OKTA_CC_JSON_WRITER_MAX_DEPTH + 16];
    okta_cc_json_writer w;
    size_t len;
    int i;
    CHECK_EQ_INT(OKTA_CC_JSON_WRITER_MAX_DEPTH, 64);
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH - 1; i++) okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "k");
    okta_cc_json_write_null(&w);                        /* a value inside the deepest container */
    okta_cc_json_write_object_end(&w);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH - 1; i++) okta_cc_json_write_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len, NULL) == OKTA_CC_OK);
    CHECK(len == 2 * OKTA_CC_JSON_WRITER_MAX_DEPTH + 8 && buf[63] == '{' && buf[64] == '"');
    /* one more is JSON_DEPTH, and the error sticks */
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH; i++) okta_cc_json_write_object_begin(&w), okta_cc_json_write_key(&w, "a");
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_array_end(&w);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH; i++) okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_JSON_DEPTH);
}

static void test_json_emit_growable_and_int64_extremes(void)
{
    okta_cc_json_writer w;
    size_t len, i;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_write_array_begin(&w);
    okta_cc_json_write_int64(&w, INT64_MIN);
    okta_cc_json_write_int64(&w, INT64_MAX);
    okta_cc_json_write_int64(&w, 0);
    for (i = 0; i < 1000; i++) okta_cc_json_write_string(&w, "0123456789");
    okta_cc_json_write_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len, NULL) == OKTA_CC_OK);
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
    okta_cc_json_write_array_begin(&w);
    for (i = 0; i < 500; i++) okta_cc_json_write_string(&w, "0123456789");
    okta_cc_json_write_array_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, NULL, NULL) == OKTA_CC_ERR_NO_MEMORY);
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
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "strings");
    okta_cc_json_write_array_begin(&w);
    for (i = 0; i < sizeof strings / sizeof *strings; i++) okta_cc_json_write_string(&w, strings[i]);
    okta_cc_json_write_array_end(&w);
    okta_cc_json_write_key(&w, "ints");
    okta_cc_json_write_array_begin(&w);
    for (i = 0; i < sizeof ints / sizeof *ints; i++) okta_cc_json_write_int64(&w, ints[i]);
    okta_cc_json_write_array_end(&w);
    okta_cc_json_write_key(&w, "key \"with\" \xc3\xa9scapes\n");
    okta_cc_json_write_bool(&w, 1);
    okta_cc_json_write_key(&w, "nested");
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "null");
    okta_cc_json_write_null(&w);
    okta_cc_json_write_object_end(&w);
    okta_cc_json_write_object_end(&w);
    CHECK(okta_cc_json_writer_finish(&w, &len, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_json_parse(w.buf, len, tok, 64, NULL, &doc, NULL) == OKTA_CC_OK);
    arr = okta_cc_json_find(&doc, 0, "strings");
    for (i = 0, e = okta_cc_json_first(&doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e), i++) {
        char out[128];
        size_t out_len;
        CHECK(okta_cc_json_get_string(&doc, (size_t)e, out, sizeof out, &out_len, NULL) == OKTA_CC_OK);
        CHECK_EQ_STR(out, strings[i]);
        CHECK(okta_cc_json_string_equals(&doc, (size_t)e, strings[i]));
    }
    CHECK_EQ_INT(i, sizeof strings / sizeof *strings);
    arr = okta_cc_json_find(&doc, 0, "ints");
    for (i = 0, e = okta_cc_json_first(&doc, (size_t)arr); e >= 0;
         e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e), i++) {
        int64_t v = 7;
        CHECK(okta_cc_json_get_int64(&doc, (size_t)e, &v, NULL) == OKTA_CC_OK);
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
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "a"), &v, NULL) == OKTA_CC_OK && v == 1);
    arr = okta_cc_json_find(&doc, 0, "b");
    CHECK(doc.tokens[arr].count == 3);
    n = 0;
    for (e = okta_cc_json_first(&doc, (size_t)arr); e >= 0; e = okta_cc_json_next(&doc, (size_t)arr, (size_t)e)) n++;
    CHECK_EQ_INT(n, 3);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "s"), s, sizeof s, &n, NULL) == OKTA_CC_OK);
    CHECK(n == 7 && memcmp(s, "\xc3\xa9\xf0\x9d\x84\x9e\n", 7) == 0);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "s"), s, 7, &n, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL && n == 8);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "t"), &b, NULL) == OKTA_CC_OK && b == 1);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "f"), &b, NULL) == OKTA_CC_OK && b == 0);
    CHECK(okta_cc_json_get_bool(&doc, (size_t)okta_cc_json_find(&doc, 0, "n"), &b, NULL) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "big"), &v, NULL) == OKTA_CC_ERR_RANGE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "neg"), &v, NULL) == OKTA_CC_OK && v == INT64_MIN);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "frac"), &v, NULL) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, "e"), &v, NULL) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_get_string(&doc, (size_t)okta_cc_json_find(&doc, 0, "t"), s, sizeof s, NULL, NULL) == OKTA_CC_ERR_JSON_TYPE);
    CHECK(okta_cc_json_find(&doc, 0, "missing") == -1);
    CHECK(okta_cc_json_find(&doc, (size_t)arr, "a") == -1);     /* not an object */
    CHECK(okta_cc_json_get_int64(&doc, 999, &v, NULL) == OKTA_CC_ERR_NOT_FOUND);
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

/* Each state of the parser names what it expected, at the byte where it stopped. */
static void test_json_parse_errors_per_state(void)
{
    static const struct { const char *json; okta_cc_result r; size_t offset; const char *what; } cases[] = {
        {"", OKTA_CC_ERR_JSON_SYNTAX, 0, "unexpected end of input"},
        {"[1, ", OKTA_CC_ERR_JSON_SYNTAX, 4, "unexpected end of input"},
        {"{\"a\": ", OKTA_CC_ERR_JSON_SYNTAX, 6, "unexpected end of input"},
        {"{ 1:2}", OKTA_CC_ERR_JSON_SYNTAX, 2, "expected a string key"},
        {"{\"a\":1, }", OKTA_CC_ERR_JSON_SYNTAX, 8, "expected a string key"},
        {"{\"a\" 1}", OKTA_CC_ERR_JSON_SYNTAX, 5, "expected ':'"},
        {"[1 2]", OKTA_CC_ERR_JSON_SYNTAX, 3, "expected ',' or closing bracket"},
        {"[1}", OKTA_CC_ERR_JSON_SYNTAX, 2, "expected ',' or closing bracket"},
        {"{\"a\":[]]", OKTA_CC_ERR_JSON_SYNTAX, 7, "expected ',' or closing bracket"},
        {"[] []", OKTA_CC_ERR_JSON_SYNTAX, 3, "trailing data after the value"},
        {"[[[", OKTA_CC_ERR_JSON_SYNTAX, 3, "unexpected end of input"},
        {"[x]", OKTA_CC_ERR_JSON_SYNTAX, 1, "unexpected character"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]",
         OKTA_CC_ERR_JSON_DEPTH, 64, "nesting too deep"}};
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        okta_cc_json_doc doc;
        okta_cc_error err;
        okta_cc_result r = okta_cc_json_parse(cases[i].json, strlen(cases[i].json), NULL, 0, NULL, &doc, &err);
        int ok = r == cases[i].r && err.code == r && err.offset == cases[i].offset &&
                 strstr(err.message, cases[i].what) != NULL;
        CHECK(ok);
        if (!ok) fprintf(stderr, "  case %lu '%s': %s at %lu\n", (unsigned long)i, cases[i].json,
                         err.message, (unsigned long)err.offset);
    }
}

/* Tokens of nested and empty containers: counts, ends and the index after each subtree. */
static void test_json_parse_token_layout(void)
{
    const char *js = " {\"a\" : [ ] , \"b\":{\"c\":[1,{}]} ,\"d\":\"e\"} ";
    static const struct { okta_cc_json_type type; uint32_t start, end, count, next; } want[] = {
        {OKTA_CC_JSON_OBJECT, 1, 40, 3, 11}, {OKTA_CC_JSON_STRING, 3, 4, 0, 2},
        {OKTA_CC_JSON_ARRAY, 8, 11, 0, 3},   {OKTA_CC_JSON_STRING, 15, 16, 0, 4},
        {OKTA_CC_JSON_OBJECT, 18, 30, 1, 9}, {OKTA_CC_JSON_STRING, 20, 21, 0, 6},
        {OKTA_CC_JSON_ARRAY, 23, 29, 2, 9},  {OKTA_CC_JSON_NUMBER, 24, 25, 0, 8},
        {OKTA_CC_JSON_OBJECT, 26, 28, 0, 9}, {OKTA_CC_JSON_STRING, 33, 34, 0, 10},
        {OKTA_CC_JSON_STRING, 37, 38, 0, 11}};
    okta_cc_json_token tok[16];
    okta_cc_json_doc doc;
    size_t i;
    CHECK(okta_cc_json_parse(js, strlen(js), tok, 16, NULL, &doc, NULL) == OKTA_CC_OK);
    CHECK_EQ_INT(doc.count, 11);
    for (i = 0; i < doc.count && i < 11; i++) {
        CHECK_EQ_INT(tok[i].type, want[i].type);
        CHECK_EQ_INT(tok[i].start, want[i].start);
        CHECK_EQ_INT(tok[i].end, want[i].end);
        CHECK_EQ_INT(tok[i].count, want[i].count);
        CHECK_EQ_INT(tok[i].next, want[i].next);
    }
    /* the counting pass agrees, and a token array one short is JSON_TOKENS */
    CHECK(okta_cc_json_parse(js, strlen(js), NULL, 0, NULL, &doc, NULL) == OKTA_CC_OK && doc.count == 11);
    CHECK(okta_cc_json_parse(js, strlen(js), tok, 10, NULL, &doc, NULL) == OKTA_CC_ERR_JSON_TOKENS);
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

/* ---- HTTP response buffers ------------------------------------------------------------------ */

static void test_http_response_results(void)
{
    okta_cc_http_response r;
    okta_cc_http_response_init(NULL, NULL, 0);          /* ignored */
    okta_cc_http_response_free(NULL);
    okta_cc_http_response_init(&r, NULL, 0);
    CHECK(r.max_body == (size_t)1 << 20);
    CHECK(okta_cc_http_response_append_body(NULL, "x", 1, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_http_response_append_body(&r, NULL, 1, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_http_response_header_line(NULL, "A: b", 4, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_http_response_header_line(&r, NULL, 4, NULL) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_http_response_append_body(&r, NULL, 0, NULL) == OKTA_CC_OK);
    CHECK(r.body && r.body_len == 0 && r.body[0] == '\0');     /* an empty body is "" */
    CHECK(okta_cc_http_response_header_line(&r, "\r\n", 2, NULL) == OKTA_CC_OK && r.headers_len == 0);
    okta_cc_http_response_free(&r);
}

/* Status lines: exactly three digits (100-999) after "HTTP/<version> ", else BAD_RESPONSE. */
static void test_http_response_status_lines(void)
{
    static const struct { const char *line; long status; } cases[] = {
        {"HTTP/1.1 200 OK\r\n", 200}, {"HTTP/2 204", 204}, {"HTTP/2 200 \r\n", 200},
        {"HTTP/1.0 599 Whatever it says", 599}, {"HTTP/1.1 100", 100},
        {"HTTP/1.1 20 OK", -1}, {"HTTP/1.1 2000 OK", -1}, {"HTTP/1.1 20x OK", -1},
        {"HTTP/1.1 099 X", -1}, {"HTTP/1.1", -1}, {"HTTP/1.1 ", -1}, {"HTTP/ 200 OK", -1},
        {"HTTP/1.1  200 OK", -1}, {"HTTP/1.1 -20 OK", -1}};
    okta_cc_http_response r;
    size_t i, n;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        okta_cc_result got;
        okta_cc_http_response_init(&r, NULL, 0);
        okta_cc_http_response_header_line(&r, "X-Before: 1", 11, NULL);
        got = okta_cc_http_response_header_line(&r, cases[i].line, strlen(cases[i].line), NULL);
        if (cases[i].status < 0) CHECK(got == OKTA_CC_ERR_BAD_RESPONSE && r.status == 0);
        else CHECK(got == OKTA_CC_OK && r.status == cases[i].status);
        if (got != (cases[i].status < 0 ? OKTA_CC_ERR_BAD_RESPONSE : OKTA_CC_OK))
            fprintf(stderr, "  status line case %lu: \"%s\"\n", (unsigned long)i, cases[i].line);
        /* either way a new response began: the earlier headers are gone */
        CHECK(r.headers_len == 0 && okta_cc_http_response_header(&r, "X-Before", 0, &n) == NULL);
        okta_cc_http_response_free(&r);
    }
}

/* The header block stops at 64 KiB (with its NUL), the body at max_body; both all or none. */
static void test_http_response_caps(void)
{
    okta_cc_http_response r;
    char line[1000];
    okta_cc_result got = OKTA_CC_OK;
    int lines = 0;
    size_t before = 0;
    memset(line, 'v', sizeof line);
    memcpy(line, "X-Pad: ", 7);
    okta_cc_http_response_init(&r, NULL, 5);
    while (got == OKTA_CC_OK && lines < 100) {
        before = r.headers_len;
        got = okta_cc_http_response_header_line(&r, line, sizeof line, NULL);
        lines += got == OKTA_CC_OK;
    }
    CHECK(got == OKTA_CC_ERR_RESPONSE_TOO_LARGE && r.body_too_large);
    CHECK_EQ_INT(lines, 65);                                  /* 65 * 1001 < 65536 <= 66 * 1001 */
    CHECK(r.headers_len == before && r.headers_len == 65 * 1001);
    CHECK(r.headers[r.headers_len - 1] == '\n' && r.headers[r.headers_len] == '\0');
    CHECK(okta_cc_http_response_header(&r, "x-pad", 64, NULL) != NULL);
    r.body_too_large = 0;
    CHECK(okta_cc_http_response_append_body(&r, "12345", 5, NULL) == OKTA_CC_OK && !r.body_too_large);
    CHECK(okta_cc_http_response_append_body(&r, "6", 1, NULL) == OKTA_CC_ERR_RESPONSE_TOO_LARGE);
    CHECK(r.body_too_large && r.body_len == 5 && strcmp(r.body, "12345") == 0);
    okta_cc_http_response_free(&r);
    CHECK(r.body == NULL && r.headers == NULL && r.body_len == 0 && r.headers_len == 0);
}

/* Bodies and headers grow through the response's allocator and are wiped before every free;
   a failed allocation is OKTA_CC_ERR_NO_MEMORY, not "too large". */
static void test_http_response_wipes_and_no_memory(void)
{
    okta_cc_allocator a = rec_allocator();
    okta_cc_http_response r;
    char chunk[700];
    int i, ok = 1;
    memset(chunk, 't', sizeof chunk);
    okta_cc_http_response_init(&r, &a, 0);
    for (i = 0; i < 20; i++) ok &= okta_cc_http_response_append_body(&r, chunk, sizeof chunk, NULL) == OKTA_CC_OK;
    for (i = 0; i < 20; i++) ok &= okta_cc_http_response_header_line(&r, "Set-Cookie: sid=secret", 22, NULL) == OKTA_CC_OK;
    CHECK(ok && r.body_len == 20 * sizeof chunk && r.headers_len == 20 * 23);
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/1.1 200 OK", 15, NULL) == OKTA_CC_OK);   /* resets */
    okta_cc_http_response_free(&r);
    CHECK(rec_allocs > 2);
    CHECK_EQ_INT(rec_live(), 0);
    CHECK_EQ_INT(rec_unwiped, 0);
    okta_cc_http_response_init(&r, &a, 0);
    rec_budget = 0;
    CHECK(okta_cc_http_response_append_body(&r, "x", 1, NULL) == OKTA_CC_ERR_NO_MEMORY && !r.body_too_large);
    CHECK(okta_cc_http_response_header_line(&r, "A: b", 4, NULL) == OKTA_CC_ERR_NO_MEMORY && !r.body_too_large);
    okta_cc_http_response_free(&r);
}

/* okta_cc_http_response_header's values are NUL-terminated strings (issue 18, item 14: they
   ran on into the following headers, so printf("%s") printed those too), *value_len their
   length, blanks around them trimmed; a failed allocation keeps the header block and the
   values in step (all or none). */
static void test_http_response_header_values_are_strings(void)
{
    static const char *const lines[] = {"HTTP/1.1 200 OK\r\n", "X-A:  one \t\r\n", "Link: <https://o/p?a=1>; rel=\"next\"\r\n",
                                        "x-a: two\r\n", "X-Empty:\r\n", "no colon here\r\n", "X-Last: three"};
    okta_cc_allocator a = rec_allocator();
    okta_cc_http_response r;
    const char *v;
    size_t i, n = 99;
    okta_cc_http_response_init(&r, &a, 0);
    for (i = 0; i < sizeof lines / sizeof *lines; i++)
        CHECK(okta_cc_http_response_header_line(&r, lines[i], strlen(lines[i]), NULL) == OKTA_CC_OK);
    v = okta_cc_http_response_header(&r, "X-A", 0, &n);
    CHECK(v && strcmp(v, "one") == 0 && n == 3);
    v = okta_cc_http_response_header(&r, "x-a", 1, &n);
    CHECK(v && strcmp(v, "two") == 0 && n == 3);
    CHECK(okta_cc_http_response_header(&r, "X-A", 2, NULL) == NULL);
    v = okta_cc_http_response_header(&r, "link", 0, &n);
    CHECK(v && strcmp(v, "<https://o/p?a=1>; rel=\"next\"") == 0 && n == strlen(v));
    v = okta_cc_http_response_header(&r, "X-Empty", 0, &n);
    CHECK(v && strcmp(v, "") == 0 && n == 0);
    v = okta_cc_http_response_header(&r, "X-Last", 0, &n);
    CHECK(v && strcmp(v, "three") == 0 && n == 5);
    CHECK(okta_cc_http_response_header(&r, "no colon here", 0, NULL) == NULL);
    /* the block itself is unchanged: "name: value\n" lines as they came */
    CHECK(r.headers && strncmp(r.headers, "X-A:  one \t\nLink: ", 18) == 0 && r.headers[r.headers_len - 1] == '\n');
    /* a new response forgets the values with the lines */
    CHECK(okta_cc_http_response_header_line(&r, "HTTP/1.1 302 Found", 18, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_http_response_header(&r, "X-A", 0, NULL) == NULL);
    CHECK(okta_cc_http_response_header_line(&r, "X-A: again", 10, NULL) == OKTA_CC_OK);
    v = okta_cc_http_response_header(&r, "X-A", 0, &n);
    CHECK(v && strcmp(v, "again") == 0 && n == 5);
    okta_cc_http_response_free(&r);
    CHECK_EQ_INT(rec_live(), 0);
    CHECK_EQ_INT(rec_unwiped, 0);
    /* out of memory after the first of the header's allocations: no half-stored line */
    for (i = 0; i < 3; i++) {
        okta_cc_http_response_init(&r, &a, 0);
        rec_budget = (int)i;
        n = 0;
        while (n < 300 && okta_cc_http_response_header_line(&r, "X-Pad: 0123456789", 17, NULL) == OKTA_CC_OK) n++;
        rec_budget = -1;
        CHECK(r.headers_len == n * 18);
        CHECK(okta_cc_http_response_header(&r, "X-Pad", n, NULL) == NULL);
        CHECK(n == 0 || strcmp(okta_cc_http_response_header(&r, "X-Pad", n - 1, NULL), "0123456789") == 0);
        okta_cc_http_response_free(&r);
    }
    CHECK_EQ_INT(rec_live(), 0);
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
    RUN(test_buf_grows_by_copy_and_wipe);
    RUN(test_buf_cap_overflow_and_no_memory);
    RUN(test_b64url_rfc4648_valid);
    RUN(test_b64url_rfc4648_invalid);
    RUN(test_b64url_buffer_sizes);
    RUN(test_b64url_round_trip_lengths);
    RUN(test_json_emit_fixed_buffer);
    RUN(test_json_emit_reports_needed_size);
    RUN(test_json_emit_escaping);
    RUN(test_json_emit_rejects_invalid_utf8);
    RUN(test_json_emit_grammar_errors);
    RUN(test_json_emit_nesting_capacity);
    RUN(test_json_emit_growable_and_int64_extremes);
    RUN(test_json_emit_growable_out_of_memory);
    RUN(test_json_round_trip);
    RUN(test_json_parse_access);
    RUN(test_json_parse_token_counting_and_limits);
    RUN(test_json_parse_errors_per_state);
    RUN(test_json_parse_token_layout);
    RUN(test_json_parse_hostile_sizes);
    RUN(test_http_response_results);
    RUN(test_http_response_status_lines);
    RUN(test_http_response_caps);
    RUN(test_http_response_wipes_and_no_memory);
    RUN(test_http_response_header_values_are_strings);
    run_json_test_suite();
    return h_summary();
}
