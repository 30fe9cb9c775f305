/* JSON test vectors (tests/vectors/...) for the C tests: load a file, find members by a path
   like "keys/generated-ec-p256/jwk_private", read strings. Include after okta_cc.h and
   harness.h. */
#ifndef OKTA_CC_TEST_VECTOR_JSON_H
#define OKTA_CC_TEST_VECTOR_JSON_H

#if defined(__GNUC__) || defined(__clang__)
#define VEC_UNUSED __attribute__((unused))
#else
#define VEC_UNUSED
/* Loads the key file at rel (under tests/vectors); says why on stderr when it cannot. */
static VEC_UNUSED int load_key_file(okta_cc_key *key, const char *rel)
{
    char path[1024];
    okta_cc_error err;
    snprintf(path, sizeof path, "%s/%s", h_vectors_dir(), rel);
    if (okta_cc_key_load_file(key, path, NULL, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  load %s: %s\n", rel, err.message);
        return 0;
    }
    return 1;
}

#endif

typedef struct vec {
    char *text;
    size_t len;
    okta_cc_json_token *tok;
    okta_cc_json_doc doc;
} vec;

static VEC_UNUSED int vec_load(vec *v, const char *rel)
{
    okta_cc_json_doc probe;
    memset(v, 0, sizeof *v);
    v->text = h_read_vector(rel, &v->len);
    if (!v->text) { fprintf(stderr, "  cannot read %s/%s\n", h_vectors_dir(), rel); return 0; }
    if (okta_cc_json_parse(v->text, v->len, NULL, 0, NULL, &probe, NULL) != OKTA_CC_OK) return 0;
    v->tok = (okta_cc_json_token *)malloc(probe.count * sizeof *v->tok);
    return okta_cc_json_parse(v->text, v->len, v->tok, probe.count, NULL, &v->doc, NULL) == OKTA_CC_OK;
}

static VEC_UNUSED void vec_free(vec *v) { free(v->text); free(v->tok); }

/* Index of a member path from the element at start (object members only), or -1. */
static VEC_UNUSED long vec_at_from(vec *v, long start, const char *path)
{
    char part[128];
    long cur = start;
    while (*path && cur >= 0) {
        size_t n = strcspn(path, "/");
        snprintf(part, sizeof part, "%.*s", (int)n, path);
        cur = okta_cc_json_find(&v->doc, (size_t)cur, part);
        path += n + (path[n] == '/');
    }
    return cur;
}

static VEC_UNUSED long vec_at(vec *v, const char *path) { return vec_at_from(v, 0, path); }

/* The unescaped string at path from start, in a rotating static buffer (8 live at a time). */
static VEC_UNUSED const char *vec_str_from(vec *v, long start, const char *path)
{
    static char buf[8][8192];
    static int slot;
    long i = vec_at_from(v, start, path);
    char *b = buf[slot++ % 8];
    b[0] = '\0';
    if (i < 0 || okta_cc_json_get_string(&v->doc, (size_t)i, b, sizeof buf[0], NULL, NULL) != OKTA_CC_OK)
        fprintf(stderr, "  vector string %s missing\n", path);
    return b;
}

static VEC_UNUSED const char *vec_str(vec *v, const char *path) { return vec_str_from(v, 0, path); }

/* The raw JSON text of the value at index i (for handing a JWK object to the loader). */
static VEC_UNUSED void vec_raw(vec *v, long i, const char **text, size_t *len)
{
    *text = v->doc.json + v->doc.tokens[i].start;
    *len = v->doc.tokens[i].end - v->doc.tokens[i].start;
}

/* Loads the key file at rel (under tests/vectors); says why on stderr when it cannot. */
static VEC_UNUSED int load_key_file(okta_cc_key *key, const char *rel)
{
    char path[1024];
    okta_cc_error err;
    snprintf(path, sizeof path, "%s/%s", h_vectors_dir(), rel);
    if (okta_cc_key_load_file(key, path, NULL, &err) != OKTA_CC_OK) {
        fprintf(stderr, "  load %s: %s\n", rel, err.message);
        return 0;
    }
    return 1;
}

#endif
