/* okta_cc.h - v0.1.0 - Okta service-app client (OAuth 2.0 client credentials with a signed
   JWT client assertion) in one header file. MIT licence at the end of this file.

   QUICK START

      #define OKTA_CC_IMPLEMENTATION     // in exactly one .c file
      #include "okta_cc.h"
      ...
      link with: -lbearssl -lcurl -lpthread

   The whole flow (key -> client assertion -> access token -> GET /api/v1/users) arrives in
   layers; see VERSION HISTORY for what this version holds.

   WHAT IS IN HERE, BOTTOM UP

      base64url   RFC 4648 section 5, unpadded, strict decoding (see "base64url policy").
      JSON        an emitter into a caller buffer or a growable buffer, and a strict RFC 8259
                  parser into a caller-provided token array (no allocation, no recursion).

   CONFIGURATION MACROS (define before including the implementation)

      OKTA_CC_IMPLEMENTATION   compile the implementation in this translation unit.
      OKTA_CC_STATIC           make every function static (private to one translation unit).
      OKTA_CC_MALLOC(sz), OKTA_CC_REALLOC(p,sz), OKTA_CC_FREE(p)
                               the default allocator; define all three or none.
      OKTA_CC_ASSERT(x)        internal consistency checks (default: assert from <assert.h>).
      OKTA_CC_JSON_MAX_DEPTH   hard ceiling on JSON nesting, for both the parser's default limit
                               and the emitter's fixed state (default 64).

   MEMORY

      Nothing in this file keeps global mutable state. The codecs write into buffers the caller
      passes in and never allocate; only growable JSON writers (and, later, the client object)
      allocate, through an okta_cc_allocator the caller may supply (NULL = OKTA_CC_MALLOC and
      friends). Buffers that held secrets are wiped before they are freed.

   THREADING

      Every function is reentrant: objects are owned by the caller and may be used from any
      thread, one thread at a time per object.

   ERRORS

      Functions return an okta_cc_result: OKTA_CC_OK (0) or a negative error code, which
      okta_cc_result_str() names. Most take an optional okta_cc_error* (NULL is allowed) that
      receives a human-readable message and, for network layers, protocol details. There is no
      global "last error".

   base64url POLICY (okta_cc_b64url_decode)

      Accepted: the URL-safe alphabet A-Z a-z 0-9 - _ without padding, of length 0, 2, 3 or
      0 (mod 4). Rejected: '=' anywhere (JOSE, RFC 7515 section 2, has no padding), '+' and '/',
      whitespace and every other byte, a length of 1 (mod 4), and non-zero unused trailing bits
      (RFC 4648 section 3.5 allows rejecting them; doing so keeps signatures and keys from
      having several encodings).

   JSON PARSER POLICY (okta_cc_json_parse)

      Strict RFC 8259: one value of any type at the top level, surrounded by optional
      whitespace (space, tab, CR, LF); no comments, no trailing commas, no byte-order mark, no
      NaN or Infinity, no leading zeros. Strings must be valid UTF-8 (no overlong forms, no
      encoded surrogates, nothing above U+10FFFF) and \u escapes must form valid code points: a
      lone or inverted surrogate escape is rejected, because it cannot be turned into UTF-8.
      Duplicate object keys are valid JSON and are kept; lookups return the first one.
      Limits (okta_cc_json_limits): nesting depth (default 64, at most OKTA_CC_JSON_MAX_DEPTH)
      and input size (default 1 MiB); the token array is the third limit. The parser is a loop
      with an explicit state, so no input can drive the C stack.
      Numbers are validated against the grammar and kept as text; okta_cc_json_get_int64 reads
      integers (no fraction, no exponent) and reports overflow.

   VERSION HISTORY

      0.1.0  base64url, JSON emitter and parser, result codes and error struct.
*/

#ifndef OKTA_CC_H
#define OKTA_CC_H

#include <stddef.h>
#include <stdint.h>

#define OKTA_CC_VERSION_MAJOR 0
#define OKTA_CC_VERSION_MINOR 1
#define OKTA_CC_VERSION_PATCH 0
#define OKTA_CC_VERSION_STRING "0.1.0"

#ifndef OKTA_CC_DEF
#ifdef OKTA_CC_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define OKTA_CC_DEF static __attribute__((unused)) /* no warning for functions left unused */
#else
#define OKTA_CC_DEF static
#endif
#else
#define OKTA_CC_DEF extern
#endif
#endif

#ifndef OKTA_CC_JSON_MAX_DEPTH
#define OKTA_CC_JSON_MAX_DEPTH 64
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
   Results and errors
   ------------------------------------------------------------------------------------------- */

typedef enum okta_cc_result {
    OKTA_CC_OK = 0,
    OKTA_CC_ERR_INVALID_ARGUMENT = -1,   /* a NULL where none is allowed, a bad option value */
    OKTA_CC_ERR_NO_MEMORY = -2,          /* an allocation failed */
    OKTA_CC_ERR_BUFFER_TOO_SMALL = -3,   /* the caller's buffer is too small; see *needed */
    OKTA_CC_ERR_BASE64 = -4,             /* not strict unpadded base64url */
    OKTA_CC_ERR_JSON_SYNTAX = -5,        /* not RFC 8259 JSON (incl. invalid UTF-8) */
    OKTA_CC_ERR_JSON_DEPTH = -6,         /* nesting deeper than the limit */
    OKTA_CC_ERR_JSON_TOO_LARGE = -7,     /* input larger than the size limit */
    OKTA_CC_ERR_JSON_TOKENS = -8,        /* more values than the token array holds */
    OKTA_CC_ERR_JSON_TYPE = -9,          /* a value of another type than asked for */
    OKTA_CC_ERR_NOT_FOUND = -10,         /* no such member / element */
    OKTA_CC_ERR_RANGE = -11,             /* a number that does not fit */
    OKTA_CC_ERR_UTF8 = -12               /* text handed to the emitter is not valid UTF-8 */
} okta_cc_result;

/* Details of a failure. Caller-owned; every field is reset by the function that fills it. */
typedef struct okta_cc_error {
    okta_cc_result code;
    char message[256];      /* one line, never contains secrets */
    size_t offset;          /* byte offset into the input, for parse errors */
} okta_cc_error;

/* The name of a result, e.g. "OKTA_CC_ERR_BASE64: invalid base64url". Never NULL. */
OKTA_CC_DEF const char *okta_cc_result_str(okta_cc_result r);

/* Allocator hooks. Any member may be NULL to use OKTA_CC_MALLOC / REALLOC / FREE. */
typedef struct okta_cc_allocator {
    void *(*malloc_fn)(size_t size, void *user);
    void *(*realloc_fn)(void *ptr, size_t size, void *user);
    void (*free_fn)(void *ptr, void *user);
    void *user;
} okta_cc_allocator;

/* Overwrites len bytes in a way the compiler may not optimise away. */
OKTA_CC_DEF void okta_cc_wipe(void *p, size_t len);

/* ---------------------------------------------------------------------------------------------
   base64url (RFC 4648 section 5, no padding)
   ------------------------------------------------------------------------------------------- */

/* Characters needed to encode n bytes (without the terminating NUL). */
OKTA_CC_DEF size_t okta_cc_b64url_encoded_len(size_t n);
/* Upper bound of the bytes a string of n characters decodes to. */
OKTA_CC_DEF size_t okta_cc_b64url_decoded_max(size_t n);

/* Encodes n bytes into out (cap bytes) and NUL-terminates it. *out_len (optional) receives the
   length without the NUL, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the size needed including it. */
OKTA_CC_DEF okta_cc_result okta_cc_b64url_encode(const void *in, size_t n, char *out, size_t cap,
                                                 size_t *out_len);

/* Strictly decodes n characters (see "base64url POLICY") into out (cap bytes). *out_len
   (optional) receives the decoded length, or the length needed on OKTA_CC_ERR_BUFFER_TOO_SMALL.
   Nothing is written to out unless the whole input is valid. */
OKTA_CC_DEF okta_cc_result okta_cc_b64url_decode(const char *in, size_t n, void *out, size_t cap,
                                                 size_t *out_len);

/* ---------------------------------------------------------------------------------------------
   JSON emitter
   ------------------------------------------------------------------------------------------- */

/* Writes compact JSON. Either into a fixed buffer (okta_cc_json_writer_init): output that does
   not fit is counted but not written, and okta_cc_json_writer_finish reports the size needed;
   or into a growable buffer (okta_cc_json_writer_init_growable) owned by the writer.
   Calls after an error do nothing; the first error is kept and returned by finish.
   Inside an object, call okta_cc_json_key before each value. */
typedef struct okta_cc_json_writer {
    char *buf;
    size_t cap;
    size_t len;                 /* bytes produced so far (may exceed cap for fixed buffers) */
    int growable;
    okta_cc_allocator alloc;
    okta_cc_result status;
    unsigned depth;
    unsigned char state[OKTA_CC_JSON_MAX_DEPTH + 1]; /* per level: container kind and position */
} okta_cc_json_writer;

OKTA_CC_DEF void okta_cc_json_writer_init(okta_cc_json_writer *w, char *buf, size_t cap);
OKTA_CC_DEF void okta_cc_json_writer_init_growable(okta_cc_json_writer *w,
                                                   const okta_cc_allocator *alloc);
OKTA_CC_DEF void okta_cc_json_object_begin(okta_cc_json_writer *w);
OKTA_CC_DEF void okta_cc_json_object_end(okta_cc_json_writer *w);
OKTA_CC_DEF void okta_cc_json_array_begin(okta_cc_json_writer *w);
OKTA_CC_DEF void okta_cc_json_array_end(okta_cc_json_writer *w);
OKTA_CC_DEF void okta_cc_json_key(okta_cc_json_writer *w, const char *key);
OKTA_CC_DEF void okta_cc_json_string(okta_cc_json_writer *w, const char *s);
OKTA_CC_DEF void okta_cc_json_string_n(okta_cc_json_writer *w, const char *s, size_t n);
OKTA_CC_DEF void okta_cc_json_int64(okta_cc_json_writer *w, int64_t v);
OKTA_CC_DEF void okta_cc_json_bool(okta_cc_json_writer *w, int v);
OKTA_CC_DEF void okta_cc_json_null(okta_cc_json_writer *w);
/* Checks that every container is closed, NUL-terminates, and returns the first error.
   *len (optional) receives the JSON length, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the buffer size
   needed including the NUL. For growable writers the text is in w->buf. */
OKTA_CC_DEF okta_cc_result okta_cc_json_writer_finish(okta_cc_json_writer *w, size_t *len);
/* Frees a growable writer's buffer (after wiping it). Harmless on fixed writers. */
OKTA_CC_DEF void okta_cc_json_writer_free(okta_cc_json_writer *w);

/* ---------------------------------------------------------------------------------------------
   JSON parser
   ------------------------------------------------------------------------------------------- */

typedef enum okta_cc_json_type {
    OKTA_CC_JSON_NONE = 0,
    OKTA_CC_JSON_OBJECT,
    OKTA_CC_JSON_ARRAY,
    OKTA_CC_JSON_STRING,
    OKTA_CC_JSON_NUMBER,
    OKTA_CC_JSON_TRUE,
    OKTA_CC_JSON_FALSE,
    OKTA_CC_JSON_NULL
} okta_cc_json_type;

/* One value. Tokens are stored in document order; an object's members alternate key, value.
   For strings start/end exclude the quotes and the text is still escaped. */
typedef struct okta_cc_json_token {
    okta_cc_json_type type;
    uint32_t start, end;        /* byte range in the input */
    uint32_t count;             /* objects: members; arrays: elements */
    uint32_t next;              /* index of the token after this value's subtree */
} okta_cc_json_token;

typedef struct okta_cc_json_limits {
    unsigned max_depth;         /* 0 = 64; capped at OKTA_CC_JSON_MAX_DEPTH */
    size_t max_bytes;           /* 0 = 1 MiB */
} okta_cc_json_limits;

typedef struct okta_cc_json_doc {
    const char *json;
    size_t len;
    okta_cc_json_token *tokens;
    size_t count;               /* tokens used; tokens[0] is the root */
} okta_cc_json_doc;

/* Parses json (len bytes, no NUL needed) into tokens[cap]. With tokens == NULL only validates
   and stores the number of tokens needed in doc->count. limits may be NULL. */
OKTA_CC_DEF okta_cc_result okta_cc_json_parse(const char *json, size_t len,
                                              okta_cc_json_token *tokens, size_t cap,
                                              const okta_cc_json_limits *limits,
                                              okta_cc_json_doc *doc, okta_cc_error *err);

/* Index of the value of member key in the object at index obj, or -1 (also when obj is not an
   object). Keys are compared after unescaping; the first match wins. */
OKTA_CC_DEF long okta_cc_json_find(const okta_cc_json_doc *doc, size_t obj, const char *key);
/* First element of an array (or first key of an object) at index tok, or -1 when empty. */
OKTA_CC_DEF long okta_cc_json_first(const okta_cc_json_doc *doc, size_t tok);
/* The element after elem inside the container at index parent, or -1 at the end.
   Iterate an array:  for (i = first(d, a); i >= 0; i = next(d, a, i)) ...  (for objects this
   visits keys and values alternately). */
OKTA_CC_DEF long okta_cc_json_next(const okta_cc_json_doc *doc, size_t parent, size_t elem);

/* Unescapes the string at index tok into out (cap bytes), NUL-terminated. *out_len (optional)
   receives its length, or the size needed including the NUL on OKTA_CC_ERR_BUFFER_TOO_SMALL.
   The result may contain NUL bytes when the JSON had \u0000; use *out_len. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_string(const okta_cc_json_doc *doc, size_t tok,
                                                   char *out, size_t cap, size_t *out_len);
/* 1 when the string at index tok unescapes to exactly s, else 0. */
OKTA_CC_DEF int okta_cc_json_string_equals(const okta_cc_json_doc *doc, size_t tok, const char *s);
/* Reads an integer number (no fraction or exponent); OKTA_CC_ERR_RANGE if it overflows. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_int64(const okta_cc_json_doc *doc, size_t tok,
                                                  int64_t *out);
OKTA_CC_DEF okta_cc_result okta_cc_json_get_bool(const okta_cc_json_doc *doc, size_t tok,
                                                 int *out);

#ifdef __cplusplus
}
#endif

#endif /* OKTA_CC_H */

/* =============================================================================================
   IMPLEMENTATION
   ============================================================================================= */

#ifdef OKTA_CC_IMPLEMENTATION
#ifndef OKTA_CC_IMPLEMENTATION_DONE
#define OKTA_CC_IMPLEMENTATION_DONE

#include <string.h>
#include <stdio.h>
#include <stdarg.h>

#if defined(OKTA_CC_MALLOC) && defined(OKTA_CC_REALLOC) && defined(OKTA_CC_FREE)
/* all three given */
#elif !defined(OKTA_CC_MALLOC) && !defined(OKTA_CC_REALLOC) && !defined(OKTA_CC_FREE)
#include <stdlib.h>
#define OKTA_CC_MALLOC(sz) malloc(sz)
#define OKTA_CC_REALLOC(p, sz) realloc(p, sz)
#define OKTA_CC_FREE(p) free(p)
#else
#error "okta_cc.h: define all of OKTA_CC_MALLOC, OKTA_CC_REALLOC and OKTA_CC_FREE, or none"
#endif

#ifndef OKTA_CC_ASSERT
#include <assert.h>
#define OKTA_CC_ASSERT(x) assert(x)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
   Results, errors, memory
   ------------------------------------------------------------------------------------------- */

OKTA_CC_DEF const char *okta_cc_result_str(okta_cc_result r)
{
    switch (r) {
    case OKTA_CC_OK: return "OKTA_CC_OK: success";
    case OKTA_CC_ERR_INVALID_ARGUMENT: return "OKTA_CC_ERR_INVALID_ARGUMENT: invalid argument";
    case OKTA_CC_ERR_NO_MEMORY: return "OKTA_CC_ERR_NO_MEMORY: out of memory";
    case OKTA_CC_ERR_BUFFER_TOO_SMALL: return "OKTA_CC_ERR_BUFFER_TOO_SMALL: buffer too small";
    case OKTA_CC_ERR_BASE64: return "OKTA_CC_ERR_BASE64: invalid base64url";
    case OKTA_CC_ERR_JSON_SYNTAX: return "OKTA_CC_ERR_JSON_SYNTAX: invalid JSON";
    case OKTA_CC_ERR_JSON_DEPTH: return "OKTA_CC_ERR_JSON_DEPTH: JSON nested too deeply";
    case OKTA_CC_ERR_JSON_TOO_LARGE: return "OKTA_CC_ERR_JSON_TOO_LARGE: JSON input too large";
    case OKTA_CC_ERR_JSON_TOKENS: return "OKTA_CC_ERR_JSON_TOKENS: too many JSON values";
    case OKTA_CC_ERR_JSON_TYPE: return "OKTA_CC_ERR_JSON_TYPE: unexpected JSON type";
    case OKTA_CC_ERR_NOT_FOUND: return "OKTA_CC_ERR_NOT_FOUND: not found";
    case OKTA_CC_ERR_RANGE: return "OKTA_CC_ERR_RANGE: number out of range";
    case OKTA_CC_ERR_UTF8: return "OKTA_CC_ERR_UTF8: invalid UTF-8";
    }
    return "OKTA_CC_ERR_UNKNOWN: unknown result";
}

/* Fills err (if any) and returns r, so failures read: return okta_cc__fail(err, r, ...). */
static okta_cc_result okta_cc__fail(okta_cc_error *err, okta_cc_result r, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = r;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return r;
}

static void okta_cc__error_reset(okta_cc_error *err)
{
    if (err) memset(err, 0, sizeof *err);
}

OKTA_CC_DEF void okta_cc_wipe(void *p, size_t len)
{
    /* A volatile function pointer keeps the compiler from dropping the memset as a dead store. */
    static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;
    if (p && len) wipe_memset(p, 0, len);
}

static void *okta_cc__malloc(const okta_cc_allocator *a, size_t n)
{
    if (a && a->malloc_fn) return a->malloc_fn(n, a->user);
    return OKTA_CC_MALLOC(n);
}

static void okta_cc__free(const okta_cc_allocator *a, void *p)
{
    if (!p) return;
    if (a && a->free_fn) a->free_fn(p, a->user);
    else OKTA_CC_FREE(p);
}

/* ---------------------------------------------------------------------------------------------
   base64url
   ------------------------------------------------------------------------------------------- */

static const char okta_cc__b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

OKTA_CC_DEF size_t okta_cc_b64url_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

OKTA_CC_DEF size_t okta_cc_b64url_decoded_max(size_t n)
{
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

OKTA_CC_DEF okta_cc_result okta_cc_b64url_encode(const void *in, size_t n, char *out, size_t cap,
                                                 size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t need = okta_cc_b64url_encoded_len(n), i, o = 0;
    if ((!in && n) || (!out && cap)) return OKTA_CC_ERR_INVALID_ARGUMENT;
    if (cap < need + 1) {
        if (out_len) *out_len = need + 1;
        return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = okta_cc__b64url_alphabet[v >> 18];
        out[o++] = okta_cc__b64url_alphabet[v >> 12 & 63];
        out[o++] = okta_cc__b64url_alphabet[v >> 6 & 63];
        out[o++] = okta_cc__b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = okta_cc__b64url_alphabet[p[i] >> 2];
        out[o++] = okta_cc__b64url_alphabet[(p[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];
        out[o++] = okta_cc__b64url_alphabet[v >> 10];
        out[o++] = okta_cc__b64url_alphabet[v >> 4 & 63];
        out[o++] = okta_cc__b64url_alphabet[(v & 15) << 2];
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return OKTA_CC_OK;
}

/* The 6-bit value of a base64url character, or -1. */
static int okta_cc__b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Validates the whole input first so that a failure writes nothing. */
static int okta_cc__b64url_valid(const char *in, size_t n)
{
    size_t i;
    int last;
    if (n % 4 == 1) return 0;
    for (i = 0; i < n; i++)
        if (okta_cc__b64url_value((unsigned char)in[i]) < 0) return 0;
    if (n % 4 == 0) return 1;
    /* The unused low bits of the last character must be zero (4 bits after 2 chars, 2 after 3). */
    last = okta_cc__b64url_value((unsigned char)in[n - 1]);
    return n % 4 == 2 ? (last & 15) == 0 : (last & 3) == 0;
}

OKTA_CC_DEF okta_cc_result okta_cc_b64url_decode(const char *in, size_t n, void *out, size_t cap,
                                                 size_t *out_len)
{
    unsigned char *o = (unsigned char *)out;
    size_t need, i, k = 0;
    uint32_t acc = 0;
    int bits = 0;
    if ((!in && n) || (!out && cap)) return OKTA_CC_ERR_INVALID_ARGUMENT;
    if (!okta_cc__b64url_valid(in, n)) return OKTA_CC_ERR_BASE64;
    need = okta_cc_b64url_decoded_max(n);
    if (cap < need) {
        if (out_len) *out_len = need;
        return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < n; i++) {
        acc = (acc << 6 | (uint32_t)okta_cc__b64url_value((unsigned char)in[i])) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
        }
    }
    if (out_len) *out_len = k;
    return OKTA_CC_OK;
}

/* ---------------------------------------------------------------------------------------------
   UTF-8 (shared by the JSON emitter and parser)
   ------------------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if it is invalid:
   overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid. */
static size_t okta_cc__utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80) return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/* Writes code point cp as UTF-8 into out (4 bytes room); returns the byte count. */
static size_t okta_cc__utf8_put(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        out[2] = (unsigned char)(0x80 | (cp & 63));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 63));
    out[3] = (unsigned char)(0x80 | (cp & 63));
    return 4;
}

/* ---------------------------------------------------------------------------------------------
   JSON emitter
   ------------------------------------------------------------------------------------------- */

/* Per-level state bits: the container kind, whether a value was written (comma needed), and
   inside objects whether a key is waiting for its value. */
#define OKTA_CC__JW_OBJECT 1u
#define OKTA_CC__JW_ARRAY 2u
#define OKTA_CC__JW_HAS_ITEM 4u
#define OKTA_CC__JW_AFTER_KEY 8u

OKTA_CC_DEF void okta_cc_json_writer_init(okta_cc_json_writer *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
}

OKTA_CC_DEF void okta_cc_json_writer_init_growable(okta_cc_json_writer *w,
                                                   const okta_cc_allocator *alloc)
{
    memset(w, 0, sizeof *w);
    w->growable = 1;
    if (alloc) w->alloc = *alloc;
}

/* Makes room for n more bytes plus a NUL in a growable buffer; wipes the old one when moving. */
static int okta_cc__jw_reserve(okta_cc_json_writer *w, size_t n)
{
    size_t want = w->len + n + 1, cap = w->cap ? w->cap : 256;
    char *nb;
    if (want <= w->cap) return 1;
    while (cap < want) {
        if (cap > ((size_t)-1) / 2) return 0;
        cap *= 2;
    }
    /* Not realloc: the old block may hold secrets (assertions, keys) and must be wiped. */
    nb = (char *)okta_cc__malloc(&w->alloc, cap);
    if (!nb) return 0;
    if (w->buf) {
        memcpy(nb, w->buf, w->len);
        okta_cc_wipe(w->buf, w->cap);
        okta_cc__free(&w->alloc, w->buf);
    }
    w->buf = nb;
    w->cap = cap;
    return 1;
}

static void okta_cc__jw_put(okta_cc_json_writer *w, const char *s, size_t n)
{
    if (w->status != OKTA_CC_OK) return;
    if (w->growable && !okta_cc__jw_reserve(w, n)) {
        w->status = OKTA_CC_ERR_NO_MEMORY;
        return;
    }
    if (w->len < w->cap) {
        size_t room = w->cap - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

/* Called before every value: writes the separating comma and checks the grammar. */
static void okta_cc__jw_before_value(okta_cc_json_writer *w)
{
    unsigned char *st = &w->state[w->depth];
    if (w->status != OKTA_CC_OK) return;
    if (w->depth == 0) {
        if (*st & OKTA_CC__JW_HAS_ITEM) w->status = OKTA_CC_ERR_INVALID_ARGUMENT;
        *st |= OKTA_CC__JW_HAS_ITEM;
        return;
    }
    if (*st & OKTA_CC__JW_OBJECT) {
        if (!(*st & OKTA_CC__JW_AFTER_KEY)) { w->status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
        *st &= (unsigned char)~OKTA_CC__JW_AFTER_KEY;
        return;
    }
    if (*st & OKTA_CC__JW_HAS_ITEM) okta_cc__jw_put(w, ",", 1);
    *st |= OKTA_CC__JW_HAS_ITEM;
}

static void okta_cc__jw_open(okta_cc_json_writer *w, unsigned kind, char c)
{
    okta_cc__jw_before_value(w);
    if (w->status != OKTA_CC_OK) return;
    if (w->depth >= OKTA_CC_JSON_MAX_DEPTH) { w->status = OKTA_CC_ERR_JSON_DEPTH; return; }
    okta_cc__jw_put(w, &c, 1);
    w->state[++w->depth] = (unsigned char)kind;
}

static void okta_cc__jw_close(okta_cc_json_writer *w, unsigned kind, char c)
{
    unsigned char st;
    if (w->status != OKTA_CC_OK) return;
    st = w->state[w->depth];
    if (w->depth == 0 || !(st & kind) || (st & OKTA_CC__JW_AFTER_KEY)) {
        w->status = OKTA_CC_ERR_INVALID_ARGUMENT;
        return;
    }
    w->depth--;
    okta_cc__jw_put(w, &c, 1);
}

OKTA_CC_DEF void okta_cc_json_object_begin(okta_cc_json_writer *w)
{
    okta_cc__jw_open(w, OKTA_CC__JW_OBJECT, '{');
}

OKTA_CC_DEF void okta_cc_json_object_end(okta_cc_json_writer *w)
{
    okta_cc__jw_close(w, OKTA_CC__JW_OBJECT, '}');
}

OKTA_CC_DEF void okta_cc_json_array_begin(okta_cc_json_writer *w)
{
    okta_cc__jw_open(w, OKTA_CC__JW_ARRAY, '[');
}

OKTA_CC_DEF void okta_cc_json_array_end(okta_cc_json_writer *w)
{
    okta_cc__jw_close(w, OKTA_CC__JW_ARRAY, ']');
}

/* Writes s as a quoted JSON string; refuses invalid UTF-8 so the output is always valid. */
static void okta_cc__jw_quoted(okta_cc_json_writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    if (!s && n) { w->status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
    okta_cc__jw_put(w, "\"", 1);
    while (i < n && w->status == OKTA_CC_OK) {
        unsigned char c = p[i];
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        size_t esc_len = 2, seq;
        if (c >= 0x20 && c != '"' && c != '\\') {
            seq = okta_cc__utf8_seq_len(p + i, n - i);
            if (!seq) { w->status = OKTA_CC_ERR_UTF8; return; }
            i += seq;
            run += seq;
            continue;
        }
        okta_cc__jw_put(w, (const char *)p + i - run, run);
        run = 0;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        okta_cc__jw_put(w, esc, esc_len);
        i++;
    }
    okta_cc__jw_put(w, (const char *)p + i - run, run);
    okta_cc__jw_put(w, "\"", 1);
}

OKTA_CC_DEF void okta_cc_json_key(okta_cc_json_writer *w, const char *key)
{
    unsigned char *st = &w->state[w->depth];
    if (w->status != OKTA_CC_OK) return;
    if (!key || !(*st & OKTA_CC__JW_OBJECT) || (*st & OKTA_CC__JW_AFTER_KEY)) {
        w->status = OKTA_CC_ERR_INVALID_ARGUMENT;
        return;
    }
    if (*st & OKTA_CC__JW_HAS_ITEM) okta_cc__jw_put(w, ",", 1);
    *st |= OKTA_CC__JW_HAS_ITEM | OKTA_CC__JW_AFTER_KEY;
    okta_cc__jw_quoted(w, key, strlen(key));
    okta_cc__jw_put(w, ":", 1);
}

OKTA_CC_DEF void okta_cc_json_string_n(okta_cc_json_writer *w, const char *s, size_t n)
{
    okta_cc__jw_before_value(w);
    if (w->status == OKTA_CC_OK) okta_cc__jw_quoted(w, s, n);
}

OKTA_CC_DEF void okta_cc_json_string(okta_cc_json_writer *w, const char *s)
{
    if (!s) { if (w->status == OKTA_CC_OK) w->status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
    okta_cc_json_string_n(w, s, strlen(s));
}

OKTA_CC_DEF void okta_cc_json_int64(okta_cc_json_writer *w, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    /* Work on the magnitude as unsigned so INT64_MIN needs no special case. */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) tmp[--i] = '-';
    okta_cc__jw_before_value(w);
    okta_cc__jw_put(w, tmp + i, sizeof tmp - i);
}

OKTA_CC_DEF void okta_cc_json_bool(okta_cc_json_writer *w, int v)
{
    okta_cc__jw_before_value(w);
    if (v) okta_cc__jw_put(w, "true", 4);
    else okta_cc__jw_put(w, "false", 5);
}

OKTA_CC_DEF void okta_cc_json_null(okta_cc_json_writer *w)
{
    okta_cc__jw_before_value(w);
    okta_cc__jw_put(w, "null", 4);
}

OKTA_CC_DEF okta_cc_result okta_cc_json_writer_finish(okta_cc_json_writer *w, size_t *len)
{
    if (w->status == OKTA_CC_OK && (w->depth != 0 || !(w->state[0] & OKTA_CC__JW_HAS_ITEM)))
        w->status = OKTA_CC_ERR_INVALID_ARGUMENT;   /* unclosed container or no value at all */
    if (w->status == OKTA_CC_OK && w->growable && !okta_cc__jw_reserve(w, 0))
        w->status = OKTA_CC_ERR_NO_MEMORY;
    if (w->status != OKTA_CC_OK) return w->status;
    if (w->len >= w->cap) {
        if (len) *len = w->len + 1;
        return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    }
    w->buf[w->len] = '\0';
    if (len) *len = w->len;
    return OKTA_CC_OK;
}

OKTA_CC_DEF void okta_cc_json_writer_free(okta_cc_json_writer *w)
{
    if (w->growable && w->buf) {
        okta_cc_wipe(w->buf, w->cap);
        okta_cc__free(&w->alloc, w->buf);
    }
    if (w->growable) {
        w->buf = NULL;
        w->cap = w->len = 0;
    }
}

/* ---------------------------------------------------------------------------------------------
   JSON parser

   A single loop over the input with an explicit stack of open containers (the token indices in
   `open`, at most max_depth deep), so nesting costs no C stack. Scalars are validated in place.
   ------------------------------------------------------------------------------------------- */

typedef struct okta_cc__jp {
    const unsigned char *s;
    size_t len, pos;
    okta_cc_json_token *tok;
    size_t cap, count;
    okta_cc_error *err;
} okta_cc__jp;

static okta_cc_result okta_cc__jp_fail(okta_cc__jp *p, okta_cc_result r, const char *what)
{
    okta_cc_result out = okta_cc__fail(p->err, r, "JSON: %s at byte %lu", what,
                                       (unsigned long)p->pos);
    if (p->err) p->err->offset = p->pos;
    return out;
}

static void okta_cc__jp_skip_ws(okta_cc__jp *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* Appends a token (or only counts it when there is no array). Returns its index or -1. */
static long okta_cc__jp_add(okta_cc__jp *p, okta_cc_json_type type, size_t start, size_t end)
{
    if (p->tok) {
        okta_cc_json_token *t;
        if (p->count >= p->cap) return -1;
        t = &p->tok[p->count];
        t->type = type;
        t->start = (uint32_t)start;
        t->end = (uint32_t)end;
        t->count = 0;
        t->next = (uint32_t)(p->count + 1);
    }
    return (long)p->count++;
}

static int okta_cc__is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint32_t okta_cc__hex4(const unsigned char *s)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned c = s[i];
        v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decodes one character of an already validated JSON string body at s[*i] (escaped text) into
   out (4 bytes room); returns the number of bytes produced. */
static size_t okta_cc__json_unescape_one(const unsigned char *s, size_t *i, unsigned char *out)
{
    uint32_t cp;
    if (s[*i] != '\\') {
        out[0] = s[(*i)++];
        return 1;
    }
    switch (s[*i + 1]) {
    case 'b': *i += 2; out[0] = '\b'; return 1;
    case 'f': *i += 2; out[0] = '\f'; return 1;
    case 'n': *i += 2; out[0] = '\n'; return 1;
    case 'r': *i += 2; out[0] = '\r'; return 1;
    case 't': *i += 2; out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = s[*i + 1]; *i += 2; return 1;   /* " \ / */
    }
    cp = okta_cc__hex4(s + *i + 2);
    *i += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {   /* validated: a low surrogate escape follows */
        cp = 0x10000 + ((cp - 0xd800) << 10) + (okta_cc__hex4(s + *i + 2) - 0xdc00);
        *i += 6;
    }
    return okta_cc__utf8_put(cp, out);
}

/* Validates a \u escape at p->pos (pointing at the backslash), pairing surrogates. */
static int okta_cc__jp_unicode_escape(okta_cc__jp *p)
{
    const unsigned char *s = p->s;
    uint32_t cp;
    if (p->pos + 6 > p->len) return 0;
    if (!okta_cc__is_hex(s[p->pos + 2]) || !okta_cc__is_hex(s[p->pos + 3]) ||
        !okta_cc__is_hex(s[p->pos + 4]) || !okta_cc__is_hex(s[p->pos + 5]))
        return 0;
    cp = okta_cc__hex4(s + p->pos + 2);
    p->pos += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) return 0;          /* low surrogate first */
    if (cp < 0xd800 || cp > 0xdbff) return 1;
    if (p->pos + 6 > p->len || s[p->pos] != '\\' || s[p->pos + 1] != 'u') return 0;
    if (!okta_cc__is_hex(s[p->pos + 2]) || !okta_cc__is_hex(s[p->pos + 3]) ||
        !okta_cc__is_hex(s[p->pos + 4]) || !okta_cc__is_hex(s[p->pos + 5]))
        return 0;
    cp = okta_cc__hex4(s + p->pos + 2);
    if (cp < 0xdc00 || cp > 0xdfff) return 0;            /* high surrogate without its pair */
    p->pos += 6;
    return 1;
}

/* Scans a string starting at the opening quote; on success p->pos is past the closing quote. */
static okta_cc_result okta_cc__jp_string(okta_cc__jp *p, size_t *start, size_t *end)
{
    const unsigned char *s = p->s;
    p->pos++;
    *start = p->pos;
    while (p->pos < p->len) {
        unsigned char c = s[p->pos];
        if (c == '"') {
            *end = p->pos++;
            return OKTA_CC_OK;
        }
        if (c < 0x20) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "control character in string");
        if (c == '\\') {
            unsigned char e = p->pos + 1 < p->len ? s[p->pos + 1] : 0;
            if (e == 'u') {
                if (!okta_cc__jp_unicode_escape(p))
                    return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid \\u escape");
            } else if (e && strchr("\"\\/bfnrt", e)) {
                p->pos += 2;
            } else {
                return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid escape");
            }
        } else {
            size_t n = okta_cc__utf8_seq_len(s + p->pos, p->len - p->pos);
            if (!n) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid UTF-8 in string");
            p->pos += n;
        }
    }
    return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "unterminated string");
}

static int okta_cc__is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static okta_cc_result okta_cc__jp_number(okta_cc__jp *p)
{
    const unsigned char *s = p->s;
    size_t n = p->len;
    if (p->pos < n && s[p->pos] == '-') p->pos++;
    if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number");
    if (s[p->pos] == '0') p->pos++;
    else while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    if (p->pos < n && s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
            return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number fraction");
        while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    }
    if (p->pos < n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < n && (s[p->pos] == '+' || s[p->pos] == '-')) p->pos++;
        if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
            return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number exponent");
        while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    }
    return OKTA_CC_OK;
}

static int okta_cc__jp_literal(okta_cc__jp *p, const char *word, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return 0;
    p->pos += n;
    return 1;
}

/* Parses one scalar value at p->pos and appends its token. */
static okta_cc_result okta_cc__jp_scalar(okta_cc__jp *p)
{
    unsigned char c = p->s[p->pos];
    size_t start = p->pos, end = p->pos;
    okta_cc_json_type type;
    okta_cc_result r;
    if (c == '"') {
        r = okta_cc__jp_string(p, &start, &end);
        if (r != OKTA_CC_OK) return r;
        type = OKTA_CC_JSON_STRING;
    } else if (c == '-' || okta_cc__is_digit(c)) {
        r = okta_cc__jp_number(p);
        if (r != OKTA_CC_OK) return r;
        type = OKTA_CC_JSON_NUMBER;
        end = p->pos;
    } else if (okta_cc__jp_literal(p, "true", 4)) {
        type = OKTA_CC_JSON_TRUE, end = p->pos;
    } else if (okta_cc__jp_literal(p, "false", 5)) {
        type = OKTA_CC_JSON_FALSE, end = p->pos;
    } else if (okta_cc__jp_literal(p, "null", 4)) {
        type = OKTA_CC_JSON_NULL, end = p->pos;
    } else {
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "unexpected character");
    }
    if (okta_cc__jp_add(p, type, start, end) < 0)
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_TOKENS, "token array full");
    return OKTA_CC_OK;
}

/* After a value inside a container: either ',' (more to come) or the closing bracket.
   Returns 1 for a comma, 0 for a close, -1 for an error. */
static int okta_cc__jp_after_value(okta_cc__jp *p, int in_object)
{
    okta_cc__jp_skip_ws(p);
    if (p->pos >= p->len) return -1;
    if (p->s[p->pos] == ',') { p->pos++; return 1; }
    if (p->s[p->pos] == (in_object ? '}' : ']')) return 0;
    return -1;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_parse(const char *json, size_t len,
                                              okta_cc_json_token *tokens, size_t cap,
                                              const okta_cc_json_limits *limits,
                                              okta_cc_json_doc *doc, okta_cc_error *err)
{
    okta_cc__jp p;
    size_t open[OKTA_CC_JSON_MAX_DEPTH];      /* token index of each open container */
    unsigned char open_is_object[OKTA_CC_JSON_MAX_DEPTH];
    unsigned depth = 0, max_depth = OKTA_CC_JSON_MAX_DEPTH > 64 ? 64 : OKTA_CC_JSON_MAX_DEPTH;
    size_t max_bytes = (size_t)1 << 20;
    okta_cc_result r;

    okta_cc__error_reset(err);
    if (!doc || (!json && len)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "JSON: no input");
    memset(doc, 0, sizeof *doc);
    if (limits && limits->max_depth)
        max_depth = limits->max_depth < OKTA_CC_JSON_MAX_DEPTH ? limits->max_depth
                                                               : OKTA_CC_JSON_MAX_DEPTH;
    if (limits && limits->max_bytes) max_bytes = limits->max_bytes;
    if (len > max_bytes || len > 0xffffffffu)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TOO_LARGE,
                             "JSON: input of %lu bytes exceeds the limit of %lu",
                             (unsigned long)len, (unsigned long)max_bytes);
    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)json;
    p.len = len;
    p.tok = tokens;
    p.cap = tokens ? cap : 0;
    p.err = err;

    okta_cc__jp_skip_ws(&p);
    for (;;) {
        /* Expecting a value (at top level, after '[' or ',' in an array, or after ':'). */
        int more;
        if (p.pos >= p.len) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "unexpected end of input");
        if (p.s[p.pos] == '{' || p.s[p.pos] == '[') {
            int is_obj = p.s[p.pos] == '{';
            long t;
            if (depth >= max_depth) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_DEPTH, "nesting too deep");
            t = okta_cc__jp_add(&p, is_obj ? OKTA_CC_JSON_OBJECT : OKTA_CC_JSON_ARRAY, p.pos, p.pos);
            if (t < 0) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_TOKENS, "token array full");
            open[depth] = (size_t)t;
            open_is_object[depth++] = (unsigned char)is_obj;
            p.pos++;
            okta_cc__jp_skip_ws(&p);
            if (p.pos < p.len && p.s[p.pos] == (is_obj ? '}' : ']')) {
                more = 0;     /* empty container: fall through to the closing logic */
            } else if (is_obj) {
                goto expect_key;
            } else {
                continue;
            }
        } else {
            r = okta_cc__jp_scalar(&p);
            if (r != OKTA_CC_OK) return r;
            if (depth == 0) break;
            if (p.tok) p.tok[open[depth - 1]].count++;
            more = okta_cc__jp_after_value(&p, open_is_object[depth - 1]);
        }
        /* Close containers while their closing bracket follows. */
        while (more == 0) {
            size_t t = open[--depth];
            p.pos++;
            if (p.tok) {
                p.tok[t].end = (uint32_t)p.pos;
                p.tok[t].next = (uint32_t)p.count;
            }
            if (depth == 0) break;
            if (p.tok) p.tok[open[depth - 1]].count++;
            more = okta_cc__jp_after_value(&p, open_is_object[depth - 1]);
        }
        if (more < 0) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "expected ',' or closing bracket");
        if (depth == 0) break;
        okta_cc__jp_skip_ws(&p);
        if (!open_is_object[depth - 1]) continue;
    expect_key:
        /* Inside an object: a key string, ':', then loop round for the value. */
        okta_cc__jp_skip_ws(&p);
        if (p.pos >= p.len || p.s[p.pos] != '"')
            return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "expected a string key");
        r = okta_cc__jp_scalar(&p);
        if (r != OKTA_CC_OK) return r;
        okta_cc__jp_skip_ws(&p);
        if (p.pos >= p.len || p.s[p.pos] != ':')
            return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "expected ':'");
        p.pos++;
        okta_cc__jp_skip_ws(&p);
    }
    okta_cc__jp_skip_ws(&p);
    if (p.pos != p.len) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "trailing data after the value");
    doc->json = json;
    doc->len = len;
    doc->tokens = tokens;
    doc->count = p.count;
    return OKTA_CC_OK;
}

static const okta_cc_json_token *okta_cc__jtok(const okta_cc_json_doc *doc, size_t i)
{
    return doc && doc->tokens && i < doc->count ? &doc->tokens[i] : NULL;
}

OKTA_CC_DEF long okta_cc_json_first(const okta_cc_json_doc *doc, size_t tok)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    if (!t || (t->type != OKTA_CC_JSON_OBJECT && t->type != OKTA_CC_JSON_ARRAY) || !t->count)
        return -1;
    return (long)tok + 1;
}

OKTA_CC_DEF long okta_cc_json_next(const okta_cc_json_doc *doc, size_t parent, size_t elem)
{
    const okta_cc_json_token *pt = okta_cc__jtok(doc, parent), *et = okta_cc__jtok(doc, elem);
    if (!pt || !et || elem <= parent) return -1;
    return et->next < pt->next ? (long)et->next : -1;
}

OKTA_CC_DEF int okta_cc_json_string_equals(const okta_cc_json_doc *doc, size_t tok, const char *s)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const unsigned char *src;
    size_t i, k = 0, n;
    if (!t || t->type != OKTA_CC_JSON_STRING || !s) return 0;
    src = (const unsigned char *)doc->json;
    n = strlen(s);
    for (i = t->start; i < t->end;) {
        unsigned char ch[4];
        size_t m = okta_cc__json_unescape_one(src, &i, ch);
        if (k + m > n || memcmp(s + k, ch, m) != 0) return 0;
        k += m;
    }
    return k == n;
}

OKTA_CC_DEF long okta_cc_json_find(const okta_cc_json_doc *doc, size_t obj, const char *key)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, obj);
    long i;
    if (!t || t->type != OKTA_CC_JSON_OBJECT || !key) return -1;
    for (i = okta_cc_json_first(doc, obj); i >= 0; i = okta_cc_json_next(doc, obj, (size_t)i)) {
        long v = (long)doc->tokens[i].next;       /* the value follows its key */
        if (okta_cc_json_string_equals(doc, (size_t)i, key)) return v;
        i = v;
    }
    return -1;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_get_string(const okta_cc_json_doc *doc, size_t tok,
                                                   char *out, size_t cap, size_t *out_len)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const unsigned char *src;
    size_t i, k = 0;
    if (!t) return OKTA_CC_ERR_NOT_FOUND;
    if (t->type != OKTA_CC_JSON_STRING) return OKTA_CC_ERR_JSON_TYPE;
    src = (const unsigned char *)doc->json;
    for (i = t->start; i < t->end;) {       /* first pass: the length */
        unsigned char ch[4];
        k += okta_cc__json_unescape_one(src, &i, ch);
    }
    if (!out || cap < k + 1) {
        if (out_len) *out_len = k + 1;
        return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    }
    for (i = t->start, k = 0; i < t->end;)
        k += okta_cc__json_unescape_one(src, &i, (unsigned char *)out + k);
    out[k] = '\0';
    if (out_len) *out_len = k;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_get_int64(const okta_cc_json_doc *doc, size_t tok,
                                                  int64_t *out)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const char *s;
    size_t i;
    int neg;
    uint64_t v = 0, limit;
    if (!t) return OKTA_CC_ERR_NOT_FOUND;
    if (t->type != OKTA_CC_JSON_NUMBER || !out) return OKTA_CC_ERR_JSON_TYPE;
    s = doc->json;
    i = t->start;
    neg = s[i] == '-';
    if (neg) i++;
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < t->end; i++) {
        unsigned d;
        if (!okta_cc__is_digit((unsigned char)s[i])) return OKTA_CC_ERR_JSON_TYPE; /* . or e */
        d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return OKTA_CC_ERR_RANGE;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_get_bool(const okta_cc_json_doc *doc, size_t tok, int *out)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    if (!t) return OKTA_CC_ERR_NOT_FOUND;
    if ((t->type != OKTA_CC_JSON_TRUE && t->type != OKTA_CC_JSON_FALSE) || !out)
        return OKTA_CC_ERR_JSON_TYPE;
    *out = t->type == OKTA_CC_JSON_TRUE;
    return OKTA_CC_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* OKTA_CC_IMPLEMENTATION_DONE */
#endif /* OKTA_CC_IMPLEMENTATION */

/*
------------------------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the okta_cc.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------------------------
*/
