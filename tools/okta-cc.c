/* okta-cc - the command-line companion of okta_cc.h.

   Sub-commands (see `okta-cc --help`):
     keygen     make a private key for an Okta service app and print its public JWK
     jwk        print the public JWK of a private key file
     sign       sign JSON claims from stdin as a compact JWS (JWT)
     assertion  print a signed client assertion (private_key_jwt) for the configured app
     token      fetch an access token from the org's (or a custom server's) token endpoint

   Conventions every command follows, so scripts can rely on them:
     - results go to stdout; errors are exactly one line on stderr, "okta-cc: WHAT: WHY";
     - exit status 0 = success, 1 = the operation failed, 2 = usage error (bad command line);
     - options are "--name VALUE" or "--name=VALUE"; "--help" on any command prints its usage;
     - private key material is never printed: it only goes into the file keygen writes, and
       every buffer that held it is wiped before it is freed.

   To add a command: write a cmd_NAME(const cli_options *) function, its option list and help
   text, and add one row to the `commands` table near the end of this file. */

#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Largest key file or claims document we read: the library's own limit for key files. */
#define CLI_MAX_INPUT ((size_t)1 << 20)

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* ---------------------------------------------------------------------------------------------
   Command table and option parsing
   ------------------------------------------------------------------------------------------- */

/* Every option any command knows. A command lists the ones it accepts; NULL = not given. */
typedef struct cli_options {
    const char *type, *bits, *curve, *kid, *out, *key, *alg;
    /* assertion and token: the client's settings (each falls back to the environment) */
    const char *org, *client_id, *scopes, *auth_server, *token_url, *ttl, *ca_file;
    const char *client_secret, *auth_method, *timeout;
    int force, json;
} cli_options;

typedef struct cli_option_spec {
    const char *name;           /* without the leading "--" */
    size_t offset;              /* of its field in cli_options */
    int is_flag;                /* 1: takes no value (an int field), 0: a string value */
} cli_option_spec;

#define OPT_VALUE(name, field) { name, offsetof(cli_options, field), 0 }
#define OPT_FLAG(name, field) { name, offsetof(cli_options, field), 1 }
#define OPT_END { NULL, 0, 0 }

typedef struct cli_command {
    const char *name;
    const char *summary;                /* one line for `okta-cc --help` */
    const char *help;                   /* the full usage for `okta-cc NAME --help` */
    const cli_option_spec *options;     /* ends with OPT_END */
    int (*run)(const cli_options *opts);
} cli_command;

/* The one error line for a failed operation; returns the exit status to use. */
static int fail(const char *what, const char *why)
{
    fprintf(stderr, "okta-cc: %s: %s\n", what, why);
    return CLI_FAIL;
}

/* The one error line for a bad command line of cmd, with a pointer to its help. */
CLI_PRINTF(2, 3)
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "okta-cc: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'okta-cc %s --help')\n", cmd);
    return CLI_USAGE;
}

static const cli_option_spec *find_option(const cli_command *cmd, const char *name, size_t len)
{
    const cli_option_spec *spec;
    for (spec = cmd->options; spec->name; spec++)
        if (strlen(spec->name) == len && strncmp(spec->name, name, len) == 0) return spec;
    return NULL;
}

/* Stores one option (argv[*i], maybe with its value in argv[*i + 1]) into opts. */
static int parse_one_option(const cli_command *cmd, int argc, char **argv, int *i, cli_options *opts)
{
    const char *name = argv[*i] + 2, *eq = strchr(name, '='), *value;
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const cli_option_spec *spec = find_option(cmd, name, len);
    char *field;
    if (!spec) return usage_error(cmd->name, "unknown option --%.*s", (int)len, name);
    field = (char *)opts + spec->offset;
    if (spec->is_flag) {
        if (eq) return usage_error(cmd->name, "--%s takes no value", spec->name);
        *(int *)(void *)field = 1;
        return CLI_OK;
    }
    if (eq) value = eq + 1;
    else if (*i + 1 < argc) value = argv[++*i];
    else return usage_error(cmd->name, "--%s needs a value", spec->name);
    if (!value[0]) return usage_error(cmd->name, "--%s needs a non-empty value", spec->name);
    *(const char **)(void *)field = value;
    return CLI_OK;
}

/* Parses argv[2..] for cmd. *want_help is set (and parsing stops) at --help / -h. */
static int parse_options(const cli_command *cmd, int argc, char **argv, cli_options *opts, int *want_help)
{
    int i, r;
    memset(opts, 0, sizeof *opts);
    *want_help = 0;
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            *want_help = 1;
            return CLI_OK;
        }
        if (strncmp(argv[i], "--", 2) != 0 || !argv[i][2])
            return usage_error(cmd->name, "unexpected argument '%s'", argv[i]);
        r = parse_one_option(cmd, argc, argv, &i, opts);
        if (r != CLI_OK) return r;
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
   Input and output helpers
   ------------------------------------------------------------------------------------------- */

/* Reads all of f (at most max bytes) into a new NUL-terminated buffer. The input may be a
   private key, so the buffer is never realloc'ed (that could leave a copy behind in freed
   memory): it grows by copying, and the old one is wiped first. -1 with errno on failure. */
static int read_all(FILE *f, size_t max, char **out, size_t *out_len)
{
    size_t cap = 4096, len = 0, n;
    char *buf = (char *)malloc(cap), *bigger;
    int error = 0;
    if (!buf) return -1;
    for (;;) {
        if (len == cap - 1) {   /* full (one byte stays free for the NUL): grow */
            bigger = (char *)malloc(cap * 2);
            if (!bigger) { error = ENOMEM; break; }
            memcpy(bigger, buf, len);
            okta_cc_wipe(buf, cap);
            free(buf);
            buf = bigger;
            cap *= 2;
        }
        errno = 0;
        n = fread(buf + len, 1, cap - 1 - len, f);
        len += n;
        if (len > max) { error = EFBIG; break; }
        if (n == 0) {
            if (ferror(f)) error = errno ? errno : EIO;
            break;
        }
    }
    if (error) {
        okta_cc_wipe(buf, cap);
        free(buf);
        errno = error;
        return -1;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* Reads the file at path ("-" = stdin) via read_all. */
static int read_source(const char *path, char **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    int r, saved;
    if (!f) return -1;
    r = read_all(f, CLI_MAX_INPUT, out, out_len);
    saved = errno;
    if (f != stdin) fclose(f);
    errno = saved;
    return r;
}

/* Prints text and a newline on stdout, and makes sure it really got out (a full disk or a
   closed pipe must not look like success to a script). */
static int print_line(const char *text)
{
    if (puts(text) < 0 || fflush(stdout) != 0) return fail("stdout", strerror(errno));
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
   Keys
   ------------------------------------------------------------------------------------------- */

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "stdin" : path;
}

/* Prints a key-loading error. The library's advice names the file "KEY" (it does not know
   the path): put the real name in, so the suggested command can be pasted as is. */
static int report_key_error(const char *path, const okta_cc_error *err)
{
    const char *msg = err->message[0] ? err->message : okta_cc_result_str(err->code);
    const char *hole = strcmp(path, "-") != 0 ? strstr(msg, "-in KEY ") : NULL;
    if (!hole) return fail(display_name(path), msg);
    fprintf(stderr, "okta-cc: %s: %.*s-in %s %s\n", path, (int)(hole - msg), msg, path,
            hole + strlen("-in KEY "));
    return CLI_FAIL;
}

/* Loads the private key at path ("-" = stdin). kid picks the key out of a JWKS. */
static int load_key(const char *path, const char *kid, okta_cc_key *key)
{
    okta_cc_error err;
    char *text = NULL;
    size_t len = 0;
    okta_cc_result r;
    if (read_source(path, &text, &len) != 0) return fail(display_name(path), strerror(errno));
    r = okta_cc_key_load(key, text, len, kid, &err);
    okta_cc_wipe(text, len);
    free(text);
    return r == OKTA_CC_OK ? CLI_OK : report_key_error(path, &err);
}

/* The kid to publish or sign with: the one asked for, else the key's own (from a JWK),
   else the RFC 7638 thumbprint, which Okta shows for keys added without a kid. */
static const char *choose_kid(const char *asked, const okta_cc_key *key, char thumbprint[44])
{
    if (asked) return asked;
    if (key->kid[0]) return key->kid;
    if (okta_cc_key_thumbprint(key, thumbprint) != OKTA_CC_OK) return NULL;
    return thumbprint;
}

/* A kid must survive being put into JSON (valid UTF-8) and into an okta_cc_key. Checked
   before any slow work so a typo costs nothing. */
static int check_kid(const char *cmd, const char *kid)
{
    char buf[8 * OKTA_CC_KID_MAX];
    okta_cc_json_writer w;
    if (!kid) return CLI_OK;
    if (strlen(kid) >= OKTA_CC_KID_MAX)
        return usage_error(cmd, "--kid is longer than %d bytes", OKTA_CC_KID_MAX - 1);
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    okta_cc_json_string(&w, kid);
    if (okta_cc_json_writer_finish(&w, NULL) != OKTA_CC_OK) return usage_error(cmd, "--kid is not valid UTF-8");
    return CLI_OK;
}

/* Writes the public JWK (public members, kid, "use":"sig", "alg") into out[cap]. Large
   enough for a 4096-bit modulus plus the longest kid fully escaped. */
static int format_public_jwk(const okta_cc_key *key, const char *kid, char *out, size_t cap, const char *what)
{
    okta_cc_result r;
    if (!kid) return fail(what, "cannot compute the key's RFC 7638 thumbprint");
    r = okta_cc_key_public_jwk(key, kid, out, cap, NULL);
    return r == OKTA_CC_OK ? CLI_OK : fail(what, okta_cc_result_str(r));
}

#define CLI_JWK_MAX 4096

/* ---------------------------------------------------------------------------------------------
   keygen
   ------------------------------------------------------------------------------------------- */

static const char keygen_help[] =
    "usage: okta-cc keygen [--type rsa|ec] [--bits N] [--curve P-256|P-384|P-521]\n"
    "                      [--kid KID] --out FILE [--force]\n"
    "\n"
    "Generates a private key for an Okta service app, writes it to FILE as unencrypted\n"
    "PKCS#8 PEM (mode 0600) and prints its public JWK on stdout, ready for the app's\n"
    "\"Add public key\" dialog in the Okta admin console.\n"
    "\n"
    "  --type rsa|ec     key type (default rsa; --curve alone implies ec)\n"
    "  --bits N          RSA modulus size: 2048 (default), 3072 or 4096\n"
    "  --curve CURVE     EC curve: P-256 (default, ES256), P-384 (ES384), P-521 (ES512)\n"
    "  --kid KID         the JWK's kid (default: the RFC 7638 thumbprint of the key)\n"
    "  --out FILE        where to write the private key; an existing file is kept\n"
    "  --force           replace FILE if it exists (atomically, via a temporary file)\n";

static const cli_option_spec keygen_options[] = {
    OPT_VALUE("type", type), OPT_VALUE("bits", bits), OPT_VALUE("curve", curve),
    OPT_VALUE("kid", kid), OPT_VALUE("out", out), OPT_FLAG("force", force), OPT_END
};

/* Parses a decimal number with nothing after it; 0 if it is not one. */
static unsigned parse_unsigned(const char *s)
{
    char *end;
    unsigned long v;
    if (s[0] < '0' || s[0] > '9') return 0;
    errno = 0;
    v = strtoul(s, &end, 10);
    return (*end || errno || v > 65536) ? 0 : (unsigned)v;
}

/* The curve size for a curve name, or 0. Lower case is accepted too ("p-256"). */
static unsigned curve_bits(const char *name)
{
    static const char *const names[] = { "P-256", "P-384", "P-521" };
    static const unsigned bits[] = { 256, 384, 521 };
    size_t i;
    for (i = 0; i < 3; i++)
        if ((name[0] == 'P' || name[0] == 'p') && strcmp(name + 1, names[i] + 1) == 0) return bits[i];
    return 0;
}

/* Turns --type/--bits/--curve into what okta_cc_key_generate takes. */
static int keygen_parse_type(const cli_options *o, okta_cc_key_type *type, unsigned *bits)
{
    const char *t = o->type ? o->type : o->curve ? "ec" : "rsa";
    if (strcmp(t, "rsa") == 0 || strcmp(t, "RSA") == 0) {
        if (o->curve) return usage_error("keygen", "--curve is for --type ec");
        *type = OKTA_CC_KEY_RSA;
        *bits = o->bits ? parse_unsigned(o->bits) : 2048;
        if (*bits != 2048 && *bits != 3072 && *bits != 4096)
            return usage_error("keygen", "--bits must be 2048, 3072 or 4096, not '%s'", o->bits);
        return CLI_OK;
    }
    if (strcmp(t, "ec") == 0 || strcmp(t, "EC") == 0) {
        if (o->bits) return usage_error("keygen", "--bits is for --type rsa; EC keys take --curve");
        *type = OKTA_CC_KEY_EC;
        *bits = o->curve ? curve_bits(o->curve) : 256;
        if (!*bits) return usage_error("keygen", "--curve must be P-256, P-384 or P-521, not '%s'", o->curve);
        return CLI_OK;
    }
    return usage_error("keygen", "--type must be rsa or ec, not '%s'", t);
}

/* Writes all of data to fd and flushes it to the disk: a key that vanishes in a power cut
   after Okta was told about it would lock the app out. -1 with errno on failure. */
static int write_fd(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return fsync(fd);
}

/* Creates path with mode 0600 and writes data; never touches an existing file (O_EXCL also
   refuses to follow a symlink planted at path). */
static int write_new_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), saved;
    if (fd < 0) return fail(path, errno == EEXIST ? "already exists; use --force to replace it" : strerror(errno));
    if (write_fd(fd, data, len) != 0 || close(fd) != 0) {
        saved = errno;
        unlink(path);   /* ours: O_EXCL created it */
        return fail(path, strerror(saved));
    }
    return CLI_OK;
}

/* Replaces path atomically: a 0600 temporary file in the same directory (so rename cannot
   cross file systems), renamed over it. Readers see the old key or the new one, never half. */
static int replace_file(const char *path, const char *data, size_t len)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    char *tmp = (char *)malloc(strlen(path) + 16);
    int fd, ok, saved;
    if (!tmp) return fail(path, strerror(ENOMEM));
    sprintf(tmp, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);
    fd = mkstemp(tmp);  /* mode 0600 */
    if (fd < 0) {
        saved = errno;
        free(tmp);
        return fail(path, strerror(saved));
    }
    ok = write_fd(fd, data, len) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    saved = errno;
    if (!ok) unlink(tmp);
    free(tmp);
    return ok ? CLI_OK : fail(path, strerror(saved));
}

/* The key as PKCS#8 PEM in a new buffer (a secret: the caller wipes and frees it). */
static int export_pem(const okta_cc_key *key, char **pem, size_t *pem_len)
{
    size_t need = 0;
    okta_cc_result r = okta_cc_key_to_pem(key, NULL, 0, &need);
    *pem = NULL;
    if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL) return fail("keygen", okta_cc_result_str(r));
    *pem = (char *)malloc(need);
    if (!*pem) return fail("keygen", strerror(ENOMEM));
    r = okta_cc_key_to_pem(key, *pem, need, pem_len);
    if (r != OKTA_CC_OK) {
        okta_cc_wipe(*pem, need);
        free(*pem);
        *pem = NULL;
        return fail("keygen", okta_cc_result_str(r));
    }
    return CLI_OK;
}

/* Writes the key to path as PEM: a new file, or a replacement with --force. */
static int save_private_key(const okta_cc_key *key, const char *path, int force)
{
    char *pem;
    size_t len = 0;
    int r = export_pem(key, &pem, &len);
    if (r != CLI_OK) return r;
    r = force ? replace_file(path, pem, len) : write_new_file(path, pem, len);
    okta_cc_wipe(pem, len);
    free(pem);
    return r;
}

static int cmd_keygen(const cli_options *o)
{
    okta_cc_key key;
    okta_cc_key_type type = OKTA_CC_KEY_NONE;
    okta_cc_error err;
    unsigned bits = 0;
    char jwk[CLI_JWK_MAX], thumbprint[44];
    struct stat st;
    int r = keygen_parse_type(o, &type, &bits);
    if (r != CLI_OK) return r;
    if (!o->out) return usage_error("keygen", "--out FILE is required");
    if (strcmp(o->out, "-") == 0) return usage_error("keygen", "--out - would print the private key; give a file name");
    r = check_kid("keygen", o->kid);
    if (r != CLI_OK) return r;
    /* Refuse early, before a slow RSA generation; write_new_file's O_EXCL is what enforces it. */
    if (!o->force && lstat(o->out, &st) == 0) return fail(o->out, "already exists; use --force to replace it");
    if (okta_cc_key_generate(&key, type, bits, NULL, &err) != OKTA_CC_OK) return fail("keygen", err.message);
    r = format_public_jwk(&key, choose_kid(o->kid, &key, thumbprint), jwk, sizeof jwk, "keygen");
    if (r == CLI_OK) r = save_private_key(&key, o->out, o->force);
    okta_cc_key_wipe(&key);
    /* Only once the key is safely on disk: a JWK registered in Okta without its private half
       would be useless. */
    return r == CLI_OK ? print_line(jwk) : r;
}

/* ---------------------------------------------------------------------------------------------
   jwk
   ------------------------------------------------------------------------------------------- */

static const char jwk_help[] =
    "usage: okta-cc jwk --key FILE [--kid KID]\n"
    "\n"
    "Prints the public JWK of a private key on stdout: the text to register in Okta.\n"
    "FILE may be PKCS#1, PKCS#8 or SEC1 PEM, a JWK or a JWKS; '-' reads it from stdin.\n"
    "\n"
    "  --key FILE   the private key\n"
    "  --kid KID    the kid to print (default: the key's own kid when FILE is a JWK that has\n"
    "               one, else the RFC 7638 thumbprint); in a JWKS it also picks the key\n";

static const cli_option_spec jwk_options[] = {
    OPT_VALUE("key", key), OPT_VALUE("kid", kid), OPT_END
};

static int cmd_jwk(const cli_options *o)
{
    okta_cc_key key;
    char jwk[CLI_JWK_MAX], thumbprint[44];
    int r;
    if (!o->key) return usage_error("jwk", "--key FILE is required");
    r = check_kid("jwk", o->kid);
    if (r != CLI_OK) return r;
    r = load_key(o->key, o->kid, &key);
    if (r != CLI_OK) return r;
    r = format_public_jwk(&key, choose_kid(o->kid, &key, thumbprint), jwk, sizeof jwk, display_name(o->key));
    okta_cc_key_wipe(&key);
    return r == CLI_OK ? print_line(jwk) : r;
}

/* ---------------------------------------------------------------------------------------------
   sign
   ------------------------------------------------------------------------------------------- */

static const char sign_help[] =
    "usage: okta-cc sign --key FILE [--kid KID] [--alg ALG] < claims.json\n"
    "\n"
    "Reads a JSON object of claims on stdin and prints it signed as a compact JWS (a JWT)\n"
    "with the header {\"alg\":ALG,\"kid\":KID,\"typ\":\"JWT\"}. The claims are signed byte for\n"
    "byte as given, without the whitespace around them (such as the newline echo adds).\n"
    "\n"
    "  --key FILE   the private key (PEM, JWK or JWKS)\n"
    "  --kid KID    the header's kid (default: the key's own kid when FILE is a JWK that has\n"
    "               one, else the RFC 7638 thumbprint); in a JWKS it also picks the key\n"
    "  --alg ALG    RS256, RS384 or RS512 for RSA keys; ES256 (P-256), ES384 (P-384) or\n"
    "               ES512 (P-521) for EC keys (default: the key's \"alg\", else RS256 or the\n"
    "               curve's ES alg)\n";

static const cli_option_spec sign_options[] = {
    OPT_VALUE("key", key), OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_END
};

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads the claims from stdin, trims the whitespace around them and checks that they are a
   JSON object. *claims points into *buf (*buf_len bytes), which the caller wipes and frees. */
static int read_claims(char **buf, size_t *buf_len, const char **claims, size_t *len)
{
    okta_cc_json_doc doc;
    okta_cc_error err;
    size_t n = 0, start = 0;
    if (read_all(stdin, CLI_MAX_INPUT, buf, buf_len) != 0) return fail("stdin", strerror(errno));
    n = *buf_len;
    while (start < n && is_json_space((*buf)[start])) start++;
    while (n > start && is_json_space((*buf)[n - 1])) n--;
    *claims = *buf + start;
    *len = n - start;
    if (*len == 0) return fail("stdin", "no claims (expected a JSON object)");
    if (okta_cc_json_parse(*claims, *len, NULL, 0, NULL, &doc, &err) != OKTA_CC_OK) {
        fprintf(stderr, "okta-cc: stdin: the claims are not valid JSON (%s)\n", err.message);
        return CLI_FAIL;
    }
    /* Valid JSON that starts with '{' is an object: no need for a token array to know. */
    if ((*claims)[0] != '{') return fail("stdin", "the claims must be a JSON object");
    return CLI_OK;
}

/* Signs the claims and prints the JWS. */
static int sign_and_print(const okta_cc_key *key, okta_cc_alg alg, const char *kid, const char *what,
                          const char *claims, size_t len)
{
    okta_cc_error err;
    size_t need = 0;
    char *jws;
    int r;
    okta_cc_result res = okta_cc_jwt_sign(key, alg, kid, claims, len, NULL, 0, &need, &err);
    if (res != OKTA_CC_ERR_BUFFER_TOO_SMALL) return fail(what, err.message);
    jws = (char *)malloc(need);
    if (!jws) return fail(what, strerror(ENOMEM));
    res = okta_cc_jwt_sign(key, alg, kid, claims, len, jws, need, NULL, &err);
    r = res == OKTA_CC_OK ? print_line(jws) : fail(what, err.message);
    okta_cc_wipe(jws, need);   /* a signed assertion is a credential until it expires */
    free(jws);
    return r;
}

static int cmd_sign(const cli_options *o)
{
    okta_cc_key key;
    okta_cc_alg alg = o->alg ? okta_cc_alg_from_name(o->alg) : OKTA_CC_ALG_DEFAULT;
    char thumbprint[44], *buf = NULL;
    const char *claims = NULL, *kid;
    size_t len = 0, buf_len = 0;
    int r;
    if (!o->key) return usage_error("sign", "--key FILE is required");
    if (strcmp(o->key, "-") == 0) return usage_error("sign", "--key - is not possible: the claims come on stdin");
    if (o->alg && alg == OKTA_CC_ALG_DEFAULT)
        return usage_error("sign", "--alg must be RS256, RS384, RS512, ES256, ES384 or ES512, not '%s'", o->alg);
    r = check_kid("sign", o->kid);
    if (r != CLI_OK) return r;
    r = load_key(o->key, o->kid, &key);
    if (r != CLI_OK) return r;
    r = read_claims(&buf, &buf_len, &claims, &len);
    if (r == CLI_OK) {
        kid = choose_kid(o->kid, &key, thumbprint);
        r = kid ? sign_and_print(&key, alg, kid, o->key, claims, len) : fail(o->key, "cannot compute the key's thumbprint");
    }
    okta_cc_key_wipe(&key);
    if (buf) {
        okta_cc_wipe(buf, buf_len);
        free(buf);
    }
    return r;
}

/* ---------------------------------------------------------------------------------------------
   assertion and token: the configured service app
   ------------------------------------------------------------------------------------------- */

#define CLIENT_FLAGS_HELP \
    "Settings; each falls back to the environment variable in brackets (a flag wins):\n" \
    "  --org URL              the Okta org, e.g. https://dev-123.okta.com [OKTA_CLIENT_ORGURL]\n" \
    "  --client-id ID         the service app's client id [OKTA_CLIENT_CLIENTID]\n" \
    "  --key FILE             the private key: PEM (PKCS#1, PKCS#8, SEC1), JWK or JWKS; '-'\n" \
    "                         reads stdin [OKTA_CLIENT_PRIVATEKEY: a file or the key text]\n" \
    "  --kid KID              the kid sent in the assertion header; picks the key out of a\n" \
    "                         JWKS too [OKTA_CLIENT_PRIVATEKEYID, or OKTA_CLIENT_KID]\n" \
    "  --alg ALG              RS256, RS384, RS512, ES256, ES384, ES512 (default: the key's)\n" \
    "  --auth-server ID       a custom authorization server such as 'default': the token\n" \
    "                         URL becomes {org}/oauth2/ID/v1/token [OKTA_CLIENT_AUTHSERVERID]\n" \
    "  --token-url URL        the token endpoint, instead of the URL built from the two above\n" \
    "  --ttl SECONDS          assertion lifetime, 1..3600 (default 300)\n" \
    "  --ca-file FILE         PEM bundle to trust instead of the system's CAs [OKTA_CC_CA_FILE]\n"

static const char assertion_help[] =
    "usage: okta-cc assertion [--org URL] [--client-id ID] [--key FILE] [--kid KID]\n"
    "                         [--alg ALG] [--auth-server ID | --token-url URL] [--ttl SECONDS]\n"
    "\n"
    "Prints a signed client assertion (RFC 7523 private_key_jwt) for the service app on one\n"
    "line: header {\"alg\",\"kid\",\"typ\":\"JWT\"}, claims iss = sub = the client id, aud = the token\n"
    "endpoint URL, a fresh random jti, iat and exp = iat + TTL. Nothing is sent anywhere. The\n"
    "assertion is a credential until it expires: handle it like a password.\n"
    "\n"
    CLIENT_FLAGS_HELP
    "\n"
    "token's --scopes and --timeout are accepted and ignored, so one set of flags serves both.\n";

static const char token_help[] =
    "usage: okta-cc token [--json] [--org URL] [--client-id ID] [--key FILE] [--kid KID]\n"
    "                     [--scopes SCOPES] [--auth-server ID | --token-url URL] [--ttl SECONDS]\n"
    "                     [--client-secret SECRET [--auth-method METHOD]] [--ca-file FILE]\n"
    "                     [--timeout SECONDS]\n"
    "\n"
    "Fetches an access token with the client credentials grant and prints it on one line,\n"
    "ready for 'Authorization: Bearer ...'. With --json prints the token response instead:\n"
    "{\"token_type\",\"expires_in\",\"access_token\",\"scope\"}. A refusal prints Okta's error and\n"
    "error_description, e.g. \"invalid_client: The client_assertion token is expired.\"\n"
    "\n"
    "  --json                 print the whole token response as a JSON object\n"
    "  --scopes SCOPES        space or comma separated, e.g. \"okta.users.read okta.apps.read\"\n"
    "                         [OKTA_CLIENT_SCOPES]\n"
    "  --client-secret SECRET authenticate with a secret instead of a key (custom servers\n"
    "                         only) [OKTA_CLIENT_CLIENTSECRET, used only when no key is set].\n"
    "                         Prefer the variable: other users can see command lines.\n"
    "  --auth-method METHOD   client_secret_basic (the default with a secret),\n"
    "                         client_secret_post, or private_key_jwt (the default with a key)\n"
    "  --timeout SECONDS      give up on the request after this long (default 30)\n"
    "\n"
    CLIENT_FLAGS_HELP;

static const cli_option_spec assertion_options[] = {
    OPT_VALUE("org", org), OPT_VALUE("client-id", client_id), OPT_VALUE("key", key),
    OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_VALUE("scopes", scopes),
    OPT_VALUE("auth-server", auth_server), OPT_VALUE("token-url", token_url), OPT_VALUE("ttl", ttl),
    OPT_VALUE("ca-file", ca_file), OPT_VALUE("client-secret", client_secret),
    OPT_VALUE("auth-method", auth_method), OPT_VALUE("timeout", timeout), OPT_END
};

static const cli_option_spec token_options[] = {
    OPT_VALUE("org", org), OPT_VALUE("client-id", client_id), OPT_VALUE("key", key),
    OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_VALUE("scopes", scopes),
    OPT_VALUE("auth-server", auth_server), OPT_VALUE("token-url", token_url), OPT_VALUE("ttl", ttl),
    OPT_VALUE("ca-file", ca_file), OPT_VALUE("client-secret", client_secret),
    OPT_VALUE("auth-method", auth_method), OPT_VALUE("timeout", timeout), OPT_FLAG("json", json),
    OPT_END
};

/* A whole number of seconds in lo..hi, from --NAME; usage error otherwise. */
static int parse_seconds(const char *cmd, const char *name, const char *text, unsigned lo, unsigned hi,
                         unsigned *out)
{
    unsigned v = parse_unsigned(text);
    if (v < lo || v > hi) return usage_error(cmd, "--%s must be a number of seconds from %u to %u, not '%s'", name, lo, hi, text);
    *out = v;
    return CLI_OK;
}

static int parse_auth_method(const char *cmd, const char *text, okta_cc_auth_method *out)
{
    if (strcmp(text, "private_key_jwt") == 0) *out = OKTA_CC_AUTH_PRIVATE_KEY_JWT;
    else if (strcmp(text, "client_secret_basic") == 0) *out = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    else if (strcmp(text, "client_secret_post") == 0) *out = OKTA_CC_AUTH_CLIENT_SECRET_POST;
    else return usage_error(cmd, "--auth-method must be private_key_jwt, client_secret_basic or client_secret_post, not '%s'", text);
    return CLI_OK;
}

/* Copies the flags into cfg (NULL stays NULL, so the environment can fill it), and checks the
   ones that have a syntax: numbers, names. */
static int client_flags_to_config(const char *cmd, const cli_options *o, okta_cc_config *cfg)
{
    unsigned ttl = 0, timeout = 0;
    int r = check_kid(cmd, o->kid);
    if (r == CLI_OK && o->ttl) r = parse_seconds(cmd, "ttl", o->ttl, 1, 3600, &ttl);
    if (r == CLI_OK && o->timeout) r = parse_seconds(cmd, "timeout", o->timeout, 1, 86400, &timeout);
    if (r == CLI_OK && o->auth_method) r = parse_auth_method(cmd, o->auth_method, &cfg->auth_method);
    if (r != CLI_OK) return r;
    if (o->alg && (cfg->alg = okta_cc_alg_from_name(o->alg)) == OKTA_CC_ALG_DEFAULT)
        return usage_error(cmd, "--alg must be RS256, RS384, RS512, ES256, ES384 or ES512, not '%s'", o->alg);
    if (o->auth_server && o->token_url) return usage_error(cmd, "give --auth-server or --token-url, not both");
    cfg->org_url = o->org;
    cfg->client_id = o->client_id;
    cfg->key_id = o->kid;
    cfg->scopes = o->scopes;
    cfg->auth_server_id = o->auth_server;
    cfg->token_url = o->token_url;
    cfg->client_secret = o->client_secret;
    cfg->ca_file = o->ca_file;
    cfg->assertion_ttl = (int)ttl;
    if (timeout) {
        cfg->timeout_ms = (long)timeout * 1000;
        cfg->connect_timeout_ms = cfg->timeout_ms < 10000 ? cfg->timeout_ms : 10000;
    }
    return CLI_OK;
}

/* Which way the client authenticates. A secret on the command line means the secret (unless
   --auth-method says otherwise); a secret only in the environment is used when no key is
   configured at all, so a shell with both variables keeps using the key. */
static int choose_auth_method(const char *cmd, const cli_options *o, okta_cc_config *cfg)
{
    if (!o->auth_method) {
        int key_known = o->key || cfg->private_key;
        if (o->client_secret || (!key_known && cfg->client_secret)) cfg->auth_method = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    }
    if (cfg->auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT) {
        if (o->client_secret) return usage_error(cmd, "--client-secret does not go with --auth-method private_key_jwt");
        cfg->client_secret = NULL;  /* from the environment: not used */
        return CLI_OK;
    }
    if (o->key) return usage_error(cmd, "--key does not go with --auth-method %s", o->auth_method);
    cfg->private_key = NULL;
    return CLI_OK;
}

/* A setting that neither a flag nor the environment gave is a usage error naming both. */
static int check_required(const char *cmd, const cli_options *o, const okta_cc_config *cfg, int need_scopes)
{
    if (!cfg->org_url && !cfg->token_url)
        return usage_error(cmd, "no org URL: give --org URL or set OKTA_CLIENT_ORGURL");
    if (!cfg->client_id)
        return usage_error(cmd, "no client id: give --client-id ID or set OKTA_CLIENT_CLIENTID");
    if (cfg->auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT && !o->key && !cfg->private_key)
        return usage_error(cmd, "no private key: give --key FILE or set OKTA_CLIENT_PRIVATEKEY");
    if (cfg->auth_method != OKTA_CC_AUTH_PRIVATE_KEY_JWT && !cfg->client_secret)
        return usage_error(cmd, "no client secret: give --client-secret SECRET or set OKTA_CLIENT_CLIENTSECRET");
    if (need_scopes && !cfg->scopes)
        return usage_error(cmd, "no scopes: give --scopes \"SCOPE ...\" or set OKTA_CLIENT_SCOPES");
    return CLI_OK;
}

/* Builds the client from the flags and the environment. key is the storage for a --key file
   (the caller wipes it). Usage problems exit 2; what the library refuses exits 1 with its
   message. */
static int open_client(const char *cmd, const cli_options *o, int need_scopes, okta_cc_key *key,
                       okta_cc_client **client)
{
    okta_cc_config cfg;
    okta_cc_error err;
    int r;
    okta_cc_config_init(&cfg);
    r = client_flags_to_config(cmd, o, &cfg);
    if (r != CLI_OK) return r;
    okta_cc_config_from_env(&cfg);
    r = choose_auth_method(cmd, o, &cfg);
    if (r == CLI_OK) r = check_required(cmd, o, &cfg, need_scopes);
    if (r != CLI_OK) return r;
    /* The assertion carries no scope, but the client wants one: any will do there. */
    if (!cfg.scopes) cfg.scopes = "okta.users.read";
    if (o->key) {
        r = load_key(o->key, o->kid, key);  /* "okta-cc: FILE: why", like jwk and sign */
        if (r != CLI_OK) return r;
        cfg.key = key;
        cfg.private_key = NULL;
    }
    if (okta_cc_client_new(client, &cfg, &err) != OKTA_CC_OK)
        return fail(cmd, err.message[0] ? err.message : okta_cc_result_str(err.code));
    return CLI_OK;
}

static int cmd_assertion(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_key key;
    okta_cc_error err;
    char assertion[8192];
    int r;
    if (o->client_secret || (o->auth_method && strcmp(o->auth_method, "private_key_jwt") != 0))
        return usage_error("assertion", "a client assertion is signed with a private key: --client-secret and "
                                        "--auth-method client_secret_* do not apply");
    memset(&key, 0, sizeof key);
    r = open_client("assertion", o, 0, &key, &client);
    okta_cc_key_wipe(&key);    /* the client holds its own copy */
    if (r != CLI_OK) return r;
    if (okta_cc_client_make_assertion(client, assertion, sizeof assertion, NULL, &err) == OKTA_CC_OK)
        r = print_line(assertion);
    else
        r = fail("assertion", err.message);
    okta_cc_wipe(assertion, sizeof assertion);
    okta_cc_client_free(client);
    return r;
}

/* Prints {"token_type","expires_in","access_token","scope"}; the text holds the token, and the
   growable writer wipes it when freed. */
static int print_token_json(const char *token, const okta_cc_token_info *info)
{
    okta_cc_json_writer w;
    okta_cc_result res;
    int r;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_object_begin(&w);
    okta_cc_json_key(&w, "token_type");
    okta_cc_json_string(&w, info->token_type);
    okta_cc_json_key(&w, "expires_in");
    okta_cc_json_int64(&w, info->expires_in);
    okta_cc_json_key(&w, "access_token");
    okta_cc_json_string(&w, token);
    okta_cc_json_key(&w, "scope");
    okta_cc_json_string(&w, info->scope);
    okta_cc_json_object_end(&w);
    res = okta_cc_json_writer_finish(&w, NULL);
    r = res == OKTA_CC_OK ? print_line(w.buf) : fail("token", okta_cc_result_str(res));
    okta_cc_json_writer_free(&w);
    return r;
}

/* Fetches the token into a new buffer (*cap bytes: the caller wipes and frees it). The first
   try fits any real token; a bigger one is copied from the client's cache, not fetched twice. */
static int fetch_token(okta_cc_client *client, char **token, size_t *cap, okta_cc_token_info *info)
{
    okta_cc_error err;
    size_t need = 0;
    okta_cc_result res;
    *cap = 16384;
    for (;;) {
        *token = (char *)malloc(*cap);
        if (!*token) return fail("token", strerror(ENOMEM));
        res = okta_cc_get_token(client, *token, *cap, &need, info, &err);
        if (res == OKTA_CC_OK) return CLI_OK;
        okta_cc_wipe(*token, *cap);
        free(*token);
        *token = NULL;
        if (res != OKTA_CC_ERR_BUFFER_TOO_SMALL || need <= *cap)
            return fail("token", err.message[0] ? err.message : okta_cc_result_str(res));
        *cap = need;
    }
}

static int cmd_token(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_token_info info;
    okta_cc_key key;
    char *token = NULL;
    size_t cap = 0;
    int r;
    memset(&key, 0, sizeof key);
    r = open_client("token", o, 1, &key, &client);
    okta_cc_key_wipe(&key);
    if (r != CLI_OK) return r;
    r = fetch_token(client, &token, &cap, &info);
    if (r == CLI_OK) r = o->json ? print_token_json(token, &info) : print_line(token);
    if (token) {
        okta_cc_wipe(token, cap);
        free(token);
    }
    okta_cc_client_free(client);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   The command table and main
   ------------------------------------------------------------------------------------------- */

static const cli_command commands[] = {
    { "keygen", "generate a private key file and print its public JWK", keygen_help, keygen_options, cmd_keygen },
    { "jwk", "print the public JWK of a private key", jwk_help, jwk_options, cmd_jwk },
    { "sign", "sign JSON claims from stdin as a JWT (compact JWS)", sign_help, sign_options, cmd_sign },
    { "assertion", "print a signed client assertion (private_key_jwt) for the app", assertion_help,
      assertion_options, cmd_assertion },
    { "token", "fetch an access token (client credentials) and print it", token_help, token_options,
      cmd_token },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_main_help(FILE *f)
{
    size_t i;
    fprintf(f, "usage: okta-cc COMMAND [OPTIONS]\n"
               "       okta-cc COMMAND --help\n"
               "       okta-cc --version\n"
               "\n"
               "Tools for an Okta service app (OAuth 2.0 client credentials, private_key_jwt).\n"
               "\n"
               "commands:\n");
    for (i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n"
               "Options take '--name VALUE' or '--name=VALUE'. Exit status: 0 success, 1 failure,\n"
               "2 usage error; errors are one line on stderr.\n"
               "\n"
               "assertion and token read the app's settings from OKTA_CLIENT_ORGURL,\n"
               "OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY, OKTA_CLIENT_PRIVATEKEYID (or\n"
               "OKTA_CLIENT_KID), OKTA_CLIENT_SCOPES, OKTA_CLIENT_AUTHSERVERID,\n"
               "OKTA_CLIENT_CLIENTSECRET and OKTA_CC_CA_FILE when no flag gives them.\n");
}

static int print_version(void)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    printf("okta-cc %s (bearssl, libcurl %s)\n", OKTA_CC_VERSION_STRING, curl && curl->version ? curl->version : "?");
    return fflush(stdout) == 0 ? CLI_OK : fail("stdout", strerror(errno));
}

static const cli_command *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static int run(int argc, char **argv)
{
    const cli_command *cmd;
    cli_options opts;
    int want_help = 0, r;
    if (argc < 2) {
        print_main_help(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        if (argc > 2 && (cmd = find_command(argv[2])) != NULL) return fputs(cmd->help, stdout) < 0 ? CLI_FAIL : CLI_OK;
        print_main_help(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) return print_version();
    cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "okta-cc: %s: unknown %s (see 'okta-cc --help')\n", argv[1],
                argv[1][0] == '-' ? "option" : "command");
        return CLI_USAGE;
    }
    r = parse_options(cmd, argc, argv, &opts, &want_help);
    if (r != CLI_OK) return r;
    if (want_help) return fputs(cmd->help, stdout) < 0 ? CLI_FAIL : CLI_OK;
    return cmd->run(&opts);
}

int main(int argc, char **argv)
{
    int r;
    /* libcurl's global state belongs to the application (okta_cc.h leaves it to us). */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail("libcurl", "curl_global_init failed");
    r = run(argc, argv);
    curl_global_cleanup();
    return r;
}
