/* okta-cc - the command-line companion of okta_cc.h.

   Sub-commands (see `okta-cc --help`):
     keygen     make a private key for an Okta service app and print its public JWK
     jwk        print the public JWK of a private key file
     sign       sign JSON claims from stdin as a compact JWS (JWT)
     assertion  print a signed client assertion (private_key_jwt) for the configured app
     token      fetch an access token from the org's (or a custom server's) token endpoint
     get        GET an Okta API path and print its JSON (--all: every page as one array)
     request    call an Okta API path with any method (and a JSON body)
     cache      list or clear the token cache that token, get and request keep between runs

   Conventions every command follows, so scripts can rely on them:
     - results go to stdout; errors are exactly one line on stderr, "okta-cc: WHAT: WHY";
     - every byte of outside text (a server's words, libcurl's, a path) reaches the terminal
       through put_text, which shows control characters as escapes (\x1b, \u202e);
     - no core dumps: the process is non-dumpable with RLIMIT_CORE 0 from its first line;
     - exit status 0 = success; 1 = the operation failed (a file, the network, the server,
       stdout); 2 = usage error: the command line or a setting (flag or environment variable)
       is missing or invalid, found by okta-cc or by the library (OKTA_CC_ERR_CONFIG);
     - options are "--name VALUE" or "--name=VALUE", before or after the command name;
       "--help" on any command prints its usage;
     - every write to stdout is checked, up to the final close: a full disk or a closed
       stdout is an error (exit 1), never lost output with status 0;
     - private key material is never printed: it only goes into the file keygen writes, and
       every buffer that held it is wiped before it is freed.

   To add a command: write a cmd_NAME(const cli_options *) function, its option list and help
   text, and add one row to the `commands` table near the end of this file. */

#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#define OKTA_CC_PKCS11      /* keys in TPMs, smart cards and HSMs: --key pkcs11:... */
#include "okta_cc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Largest key file or claims document we read: the library's own limit for key files. */
#define CLI_MAX_INPUT ((size_t)1 << 20)
/* Largest API response body (one page) we take and parse: Okta's biggest pages (System Log,
   1000 events) stay well under it. */
#define CLI_MAX_BODY ((size_t)16 << 20)

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
    const char *pkcs11_module, *dpop_key;     /* a key in a token: --key pkcs11:... */
    /* assertion and token: the client's settings (each falls back to the environment) */
    const char *org, *client_id, *scopes, *auth_server, *token_url, *ttl, *ca_file;
    const char *client_secret, *client_secret_file, *auth_method, *timeout;
    /* get and request */
    const char *data, *max_retries;
    int force, json, all, include, verbose, no_retry, dpop, no_dpop, ndjson, quiet, no_cache;
    const char *args[2];        /* the positional arguments (PATH; METHOD PATH) */
    int nargs;
    const char *interval, *state;       /* get --follow */
    int follow;
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
    const char *help;                   /* the full usage for `okta-cc NAME --help` ... */
    const char *help_more;              /* ... and its second half (C99 caps a string at 4095) */
    const cli_option_spec *options;     /* ends with OPT_END */
    int max_args;                       /* positional arguments it takes (the run checks them) */
    int (*run)(const cli_options *opts);
} cli_command;

/* A growable output buffer: one response (with --include, its head) is put together before
   it is printed. It holds what the org returned (users' data), so it is the header's own
   buffer that grows by copy and wipe and is wiped when freed: an HTTP response's body
   (okta_cc_http_response_init with no cap, okta_cc_http_response_free). */
typedef okta_cc_http_response out_buf;

static int out_append(out_buf *b, const char *s, size_t n)
{
    return okta_cc_http_response_append_body(b, s, n, NULL) == OKTA_CC_OK;
}

/* ---------------------------------------------------------------------------------------------
   Text for the terminal
   ------------------------------------------------------------------------------------------- */

/* The length of the UTF-8 sequence at s (n bytes left) and its code point, or 0 when it is not
   valid UTF-8 (overlong, a surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2, i;
    static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (s[0] < 0xc2 || s[0] > 0xf4 || n < len) return 0;
    *cp = s[0] & (0x7f >> len);
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
    return len;
}

/* Code points a terminal acts on rather than shows: C1 controls (U+009B is CSI, like ESC [),
   the bidi marks, embeddings, overrides and isolates (they reorder what follows on screen), and
   the Unicode line and paragraph separators. */
static int is_hidden_code_point(unsigned long cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Where put_text's output goes: emit(ctx, bytes, n) returns 0 when they could not be written. */
typedef int (*text_emit)(void *ctx, const char *p, size_t n);

static int emit_to_file(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, (FILE *)ctx) == n;
}

static int emit_to_buf(void *ctx, const char *p, size_t n)
{
    return out_append((out_buf *)ctx, p, n);
}

/* THE filter for text that did not come from okta-cc itself - a server's error description,
   errorSummary, Location, next link or header, libcurl's words, a file name - on its way to the
   terminal: n bytes of s to emit, printable ASCII and valid UTF-8 as they are, everything else
   as a visible escape: C0 controls, DEL and bytes that are not UTF-8 as \xNN, the code points
   of is_hidden_code_point as \uNNNN. So it stays on its one line and cannot move the cursor,
   retitle the window, clear the screen or reorder the text. quote: also turn ' into '\''
   (inside a single-quoted shell word). 0 when emit fails. */
static int put_text(text_emit emit, void *ctx, const char *s, size_t n, int quote)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned long cp = 0;
        char esc[8];
        const char *piece = s + i;
        size_t len = 0, used;
        while (i + len < n && u[i + len] >= 0x20 && u[i + len] < 0x7f && !(quote && u[i + len] == '\'')) len++;
        used = len;                                                     /* a run of plain ASCII */
        if (!len && u[i] == '\'') {
            piece = "'\\''";
            len = 4;
            used = 1;
        } else if (!len && u[i] >= 0x80 && (used = utf8_decode(u + i, n - i, &cp)) != 0 && !is_hidden_code_point(cp)) {
            len = used;                                                 /* one UTF-8 character */
        } else if (!len) {
            piece = esc;
            len = (size_t)(used ? snprintf(esc, sizeof esc, "\\u%04lx", cp) : snprintf(esc, sizeof esc, "\\x%02x", u[i]));
            if (!used) used = 1;
        }
        if (!emit(ctx, piece, len)) return 0;
        i += used;
    }
    return 1;
}

/* Prints s through put_text on stderr. */
static void put_one_line(const char *s)
{
    put_text(emit_to_file, stderr, s, strlen(s), 0);
}

/* While get --all runs, its error line must first clear the progress line on the terminal
   and ends with what the listing printed and where to resume it (see cli_listing). Set by
   the listing for its duration; zero otherwise. */
typedef struct cli_error_context {
    void (*begin)(void *user);      /* before "okta-cc: " */
    void (*end)(void *user);        /* before the newline */
    void *user;
} cli_error_context;

static cli_error_context error_context;

static void error_line_begin(void)
{
    if (error_context.begin) error_context.begin(error_context.user);
    fputs("okta-cc: ", stderr);
}

static void error_line_end(void)
{
    if (error_context.end) error_context.end(error_context.user);
    fputc('\n', stderr);
}

/* Formats into a buffer and prints it through put_text: the one way a message with a %s of
   outside text gets to stderr. Messages longer than the buffer are cut (and say so). */
static void put_formatted(const char *fmt, va_list ap)
{
    char buf[4096];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0) return;
    put_one_line(buf);
    if ((size_t)n >= sizeof buf) fputs("...", stderr);
}

/* The one error line "okta-cc: MESSAGE" (MESSAGE from fmt through put_text). */
CLI_PRINTF(1, 2)
static void error_line(const char *fmt, ...)
{
    va_list ap;
    error_line_begin();
    va_start(ap, fmt);
    put_formatted(fmt, ap);
    va_end(ap);
    error_line_end();
}

/* --verbose: the library's one line per HTTP exchange (free of secrets, but its URL may be a
   server's next link), through put_text like every error line. Its token store lines start
   "okta_cc: ": our own prefix replaces it. */
static void log_to_stderr(void *user, const char *line)
{
    (void)user;
    if (strncmp(line, "okta_cc: ", 9) == 0) line += 9;
    fputs("okta-cc: ", stderr);
    put_one_line(line);
    fputc('\n', stderr);
}

/* The one error line for a failed operation; returns the exit status to use. */
static int fail(const char *what, const char *why)
{
    error_line("%s: %s", what, why);
    return CLI_FAIL;
}

/* The error line for what the library said (msg, else the result's name) about r. The exit
   status follows the one rule: OKTA_CC_ERR_CONFIG - a setting that is missing or invalid - is a
   usage error (2), as when okta-cc finds it itself; anything else is a failure (1). */
static int fail_result(const char *what, okta_cc_result r, const char *msg)
{
    fail(what, msg && msg[0] ? msg : okta_cc_result_str(r));
    return r == OKTA_CC_ERR_CONFIG ? CLI_USAGE : CLI_FAIL;
}

/* The one error line for a bad command line of cmd, with a pointer to its help. */
CLI_PRINTF(2, 3)
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("okta-cc: ", stderr);
    put_one_line(cmd);
    fputs(": ", stderr);
    va_start(ap, fmt);
    put_formatted(fmt, ap);
    va_end(ap);
    fputs(" (see 'okta-cc ", stderr);
    put_one_line(cmd);
    fputs(" --help')\n", stderr);
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

/* What the common options --help / -h and --version ask for, wherever they stand. */
enum { WANT_RUN = 0, WANT_HELP = 1, WANT_VERSION = 2 };

/* Parses the arguments of cmd: argv[0..argc-1] are everything but the program and command
   names, in their order, so options may come before or after the command. *want is set (and
   parsing stops) at --help / -h or --version. Arguments that are not options fill
   opts->args, up to cmd->max_args. "-v" is "--verbose", "-q" "--quiet". */
static int parse_options(const cli_command *cmd, int argc, char **argv, cli_options *opts, int *want)
{
    int i, r;
    memset(opts, 0, sizeof *opts);
    *want = WANT_RUN;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--version") == 0) {
            *want = argv[i][2] == 'v' ? WANT_VERSION : WANT_HELP;
            return CLI_OK;
        }
        if (strcmp(argv[i], "-v") == 0 && find_option(cmd, "verbose", 7)) {
            opts->verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "-q") == 0 && find_option(cmd, "quiet", 5)) {
            opts->quiet = 1;
            continue;
        }
        if (argv[i][0] != '-' && opts->nargs < cmd->max_args) {
            opts->args[opts->nargs++] = argv[i];
            continue;
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

/* Reads the file at path ("-" = stdin, read as it is: a terminal too) into a new buffer of
   *out_len bytes and a NUL, at most CLI_MAX_INPUT bytes, with the header's reader: it never
   waits on a FIFO nobody writes to, refuses a directory or device before reading, and leaves
   no copy behind (free with okta_cc_free_wiped). One error line ("PATH: why") on failure. */
static int read_source(const char *path, char **out, size_t *out_len)
{
    okta_cc_error err;
    okta_cc_result r = strcmp(path, "-") == 0
        ? okta_cc_read_fd(STDIN_FILENO, "stdin", CLI_MAX_INPUT, NULL, out, out_len, &err)
        : okta_cc_read_file(path, CLI_MAX_INPUT, NULL, out, out_len, &err);
    if (r == OKTA_CC_OK) return CLI_OK;
    error_line("%s", err.message);
    return CLI_FAIL;
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
    error_line("%s: %.*s-in %s %s", path, (int)(hole - msg), msg, path, hole + strlen("-in KEY "));
    return CLI_FAIL;
}

/* ---- keys in a token (PKCS#11) --------------------------------------------------------------- */

/* The token keys a command opened; closed by run() when the command is over. */
static okta_cc_pkcs11 *cli_tokens[2];

static int is_pkcs11_uri(const char *s)
{
    return s && strncmp(s, "pkcs11:", 7) == 0;
}

/* Reads a PIN from the terminal on stdin without echoing it, into pin[cap]. */
static int prompt_pin(const char *uri, char *pin, size_t cap)
{
    struct termios old, quiet;
    size_t n = 0;
    char ch;
    ssize_t got;
    if (tcgetattr(STDIN_FILENO, &old) != 0) return 0;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fputs("okta-cc: PIN for ", stderr);
    put_one_line(uri);
    fputs(": ", stderr);
    (void)fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return 0;
    while ((got = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n' && ch != '\r')
        if (n + 1 < cap) pin[n++] = ch;
    pin[n] = '\0';
    ch = 0;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return got == 1 || n > 0;
}

/* The PIN for a pkcs11: URI: none when the URI brings its own (pin-value, pin-source), else
   OKTA_CC_PKCS11_PIN, else a prompt when stdin is a terminal, else none (no login). */
static const char *pkcs11_pin(const char *uri, char *buf, size_t cap)
{
    okta_cc_pkcs11_uri u;
    const char *env = getenv("OKTA_CC_PKCS11_PIN");
    int own = okta_cc_pkcs11_uri_parse(&u, uri, NULL) == OKTA_CC_OK && (u.pin_value[0] || u.pin_source[0]);
    okta_cc_wipe(&u, sizeof u);
    if (own) return NULL;
    if (env && env[0]) return env;
    if (isatty(STDIN_FILENO) && prompt_pin(uri, buf, cap)) return buf;
    return NULL;
}

static const char *pkcs11_module(const cli_options *o)
{
    return o->pkcs11_module ? o->pkcs11_module : getenv("OKTA_CC_PKCS11_MODULE");
}

/* Opens the key a pkcs11: URI names (or, with type, generates it first) into cli_tokens[0]
   and makes *key sign through it. */
static int open_token_key(const char *cmd, const cli_options *o, const char *uri, okta_cc_key_type type,
                          unsigned bits, okta_cc_key *key)
{
    char pin[256];
    okta_cc_error err;
    const char *p = pkcs11_pin(uri, pin, sizeof pin);
    okta_cc_result r = type == OKTA_CC_KEY_NONE
                           ? okta_cc_pkcs11_open(&cli_tokens[0], pkcs11_module(o), uri, p, NULL, &err)
                           : okta_cc_pkcs11_generate(&cli_tokens[0], pkcs11_module(o), uri, p, type, bits, NULL, &err);
    okta_cc_wipe(pin, sizeof pin);
    if (r == OKTA_CC_OK) r = okta_cc_key_from_signer(key, okta_cc_pkcs11_signer(cli_tokens[0]), &err);
    return r == OKTA_CC_OK ? CLI_OK : fail_result(cmd, r, err.message);
}

/* Loads the private key at path ("-" = stdin), or opens it in its token (a pkcs11: URI). kid
   picks the key out of a JWKS. */
static int load_key(const char *cmd, const cli_options *o, okta_cc_key *key)
{
    const char *path = o->key, *kid = o->kid;
    okta_cc_error err;
    char *text = NULL;
    size_t len = 0;
    okta_cc_result r;
    if (is_pkcs11_uri(path)) return open_token_key(cmd, o, path, OKTA_CC_KEY_NONE, 0, key);
    if (read_source(path, &text, &len) != CLI_OK) return CLI_FAIL;
    r = okta_cc_key_load(key, text, len, kid, &err);
    okta_cc_free_wiped(NULL, text, len);
    return r == OKTA_CC_OK ? CLI_OK : report_key_error(path, &err);
}

/* The kid to publish or sign with: the one asked for, else the key's own (from a JWK),
   else the RFC 7638 thumbprint, which Okta shows for keys added without a kid. */
static const char *choose_kid(const char *asked, const okta_cc_key *key, char thumbprint[44])
{
    if (asked) return asked;
    if (key->kid[0]) return key->kid;
    if (okta_cc_key_thumbprint(key, thumbprint, 44, NULL, NULL) != OKTA_CC_OK) return NULL;
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
    okta_cc_json_write_string(&w, kid);
    if (okta_cc_json_writer_finish(&w, NULL, NULL) != OKTA_CC_OK) return usage_error(cmd, "--kid is not valid UTF-8");
    return CLI_OK;
}

/* Writes the public JWK (public members, kid, "use":"sig", "alg") into out[cap]. Large
   enough for a 4096-bit modulus plus the longest kid fully escaped. */
static int format_public_jwk(const okta_cc_key *key, const char *kid, char *out, size_t cap, const char *what)
{
    okta_cc_result r;
    if (!kid) return fail(what, "cannot compute the key's RFC 7638 thumbprint");
    r = okta_cc_key_public_jwk(key, kid, out, cap, NULL, NULL);
    return r == OKTA_CC_OK ? CLI_OK : fail(what, okta_cc_result_str(r));
}

#define CLI_JWK_MAX 4096

/* ---------------------------------------------------------------------------------------------
   keygen
   ------------------------------------------------------------------------------------------- */

static const char keygen_help[] =
    "usage: okta-cc keygen [--type rsa|ec] [--bits N] [--curve P-256|P-384|P-521]\n"
    "                      [--kid KID] (--out FILE [--force] | --key pkcs11:...;object=NAME)\n"
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
    "  --force           replace FILE if it exists (atomically, via a temporary file)\n"
    "  --key pkcs11:URI  instead of --out: make the key pair inside a PKCS#11 token (TPM, smart\n"
    "                    card, HSM), non-extractable, named by the URI's object= (and id=);\n"
    "                    the private key never leaves the token. Needs the token's PIN\n"
    "                    (pin-value/pin-source in the URI, OKTA_CC_PKCS11_PIN, or a prompt)\n"
    "  --pkcs11-module PATH  the token's PKCS#11 module [OKTA_CC_PKCS11_MODULE]\n";

static const cli_option_spec keygen_options[] = {
    OPT_VALUE("type", type), OPT_VALUE("bits", bits), OPT_VALUE("curve", curve),
    OPT_VALUE("kid", kid), OPT_VALUE("out", out), OPT_FLAG("force", force), OPT_FLAG("verbose", verbose),
    OPT_VALUE("key", key), OPT_VALUE("pkcs11-module", pkcs11_module), OPT_END
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
    okta_cc_result r = okta_cc_key_to_pem(key, NULL, 0, &need, NULL);
    *pem = NULL;
    if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL) return fail("keygen", okta_cc_result_str(r));
    *pem = (char *)malloc(need);
    if (!*pem) return fail("keygen", strerror(ENOMEM));
    r = okta_cc_key_to_pem(key, *pem, need, pem_len, NULL);
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

/* keygen --key pkcs11:...;object=NAME: the key pair is made inside the token, which keeps the
   private key; only the public JWK comes out. */
static int keygen_in_token(const cli_options *o, okta_cc_key_type type, unsigned bits)
{
    okta_cc_key key;
    char jwk[CLI_JWK_MAX], thumbprint[44];
    int r;
    if (!is_pkcs11_uri(o->key))
        return usage_error("keygen", "--key takes a pkcs11: URI (the key is made in the token); a key file is --out FILE");
    if (o->out || o->force)
        return usage_error("keygen", "--out and --force do not go with --key pkcs11:...: the private key never leaves the token");
    r = check_kid("keygen", o->kid);
    if (r == CLI_OK) r = open_token_key("keygen", o, o->key, type, bits, &key);
    if (r != CLI_OK) return r;
    r = format_public_jwk(&key, choose_kid(o->kid, &key, thumbprint), jwk, sizeof jwk, "keygen");
    okta_cc_key_wipe(&key);
    return r == CLI_OK ? print_line(jwk) : r;
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
    if (o->key) return keygen_in_token(o, type, bits);
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
    if (r != CLI_OK) return r;
    /* Only once the key is safely on disk: a JWK registered in Okta without its private half
       would be useless. If stdout fails now, say where the key is and how to get its JWK. */
    if (puts(jwk) >= 0 && fflush(stdout) == 0) return CLI_OK;
    error_line("stdout: %s (the key was saved in %s; 'okta-cc jwk --key %s' prints its public JWK)", strerror(errno),
               o->out, o->out);
    return CLI_FAIL;
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
    "  --key FILE   the private key, or a key in a PKCS#11 token: pkcs11:token=T;object=NAME\n"
    "               (the module: --pkcs11-module PATH or OKTA_CC_PKCS11_MODULE; the PIN: the\n"
    "               URI's pin-value/pin-source, OKTA_CC_PKCS11_PIN, or a prompt on a terminal)\n"
    "  --kid KID    the kid to print (default: the key's own kid when FILE is a JWK that has\n"
    "               one, else the RFC 7638 thumbprint); in a JWKS it also picks the key\n";

static const cli_option_spec jwk_options[] = {
    OPT_VALUE("key", key), OPT_VALUE("kid", kid), OPT_FLAG("verbose", verbose),
    OPT_VALUE("pkcs11-module", pkcs11_module), OPT_END
};

static int cmd_jwk(const cli_options *o)
{
    okta_cc_key key;
    char jwk[CLI_JWK_MAX], thumbprint[44];
    int r;
    if (!o->key) return usage_error("jwk", "--key FILE is required");
    r = check_kid("jwk", o->kid);
    if (r != CLI_OK) return r;
    r = load_key("jwk", o, &key);
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
    OPT_VALUE("key", key), OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_FLAG("verbose", verbose),
    OPT_VALUE("pkcs11-module", pkcs11_module), OPT_END
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
    if (read_source("-", buf, buf_len) != CLI_OK) return CLI_FAIL;
    n = *buf_len;
    while (start < n && is_json_space((*buf)[start])) start++;
    while (n > start && is_json_space((*buf)[n - 1])) n--;
    *claims = *buf + start;
    *len = n - start;
    if (*len == 0) return fail("stdin", "no claims (expected a JSON object)");
    if (okta_cc_json_parse(*claims, *len, NULL, 0, NULL, &doc, &err) != OKTA_CC_OK) {
        error_line("stdin: the claims are not valid JSON (%s)", err.message);
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
    /* need >= 1 with BUFFER_TOO_SMALL; clang's analyzer cannot follow the size query that deep.
       NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
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
    r = load_key("sign", o, &key);
    if (r != CLI_OK) return r;
    r = read_claims(&buf, &buf_len, &claims, &len);
    if (r == CLI_OK) {
        kid = choose_kid(o->kid, &key, thumbprint);
        r = kid ? sign_and_print(&key, alg, kid, o->key, claims, len) : fail(o->key, "cannot compute the key's thumbprint");
    }
    okta_cc_key_wipe(&key);
    okta_cc_free_wiped(NULL, buf, buf_len);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   Progress of get --all on a terminal
   ------------------------------------------------------------------------------------------- */

/* One line on stderr, rewritten in place ("\r", the text, "\033[K" to clear what a longer
   line left): pages, items, time, the rate limit left, and the wait when the library pauses
   for a 429. Never a URL, a token or a header: only counts. Only when stderr is a terminal
   and --quiet is not given; a script reading stderr gets no control characters at all. */
typedef struct cli_progress {
    int on;                     /* draw at all */
    int shown;                  /* a line is on the screen, to clear before other text */
    int verbose;                /* -v: the library's log lines go to stderr as well */
    int rate_limited;           /* the last exchange answered 429: the coming wait is for it */
    long pages;
    unsigned long items;
    long long remaining;        /* X-Rate-Limit-Remaining of the last page, -1 unknown */
    long long started_ms, drawn_ms;
} cli_progress;

/* Milliseconds on a clock that never jumps. */
static long long monotonic_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_init(cli_progress *p, int on, int verbose)
{
    memset(p, 0, sizeof *p);
    p->on = on;
    p->verbose = verbose;
    p->remaining = -1;
    p->started_ms = monotonic_ms();
}

/* Draws the line now; waiting (may be NULL) says what the run is waiting for. */
static void progress_draw(cli_progress *p, const char *waiting)
{
    long long now = monotonic_ms(), ms = now - p->started_ms;
    char rate[64] = "";
    if (!p->on) return;
    if (p->remaining >= 0) snprintf(rate, sizeof rate, ", rate limit remaining %lld", p->remaining);
    fprintf(stderr, "\rokta-cc: get: %ld page%s, %lu item%s, %lld.%lld s%s%s%s\033[K", p->pages,
            p->pages == 1 ? "" : "s", p->items, p->items == 1 ? "" : "s", ms / 1000, ms % 1000 / 100, rate,
            waiting ? ", " : "", waiting ? waiting : "");
    p->shown = 1;
    p->drawn_ms = now;
}

/* Takes the line off the screen (before an error or log line, and at the end). */
static void progress_clear(cli_progress *p)
{
    if (!p->shown) return;
    fputs("\r\033[K", stderr);
    p->shown = 0;
}

/* A page was printed: count it, and redraw at most ten times a second (a terminal that has
   to keep up with every page slows the listing down). */
static void progress_page(cli_progress *p, const okta_cc_response *page, unsigned long items)
{
    p->pages++;
    p->items += items;
    if (page->rate_limit.present) p->remaining = (long long)page->rate_limit.remaining;
    if (!p->shown || monotonic_ms() - p->drawn_ms >= 100) progress_draw(p, NULL);
}

/* The library's log callback: one line per HTTP exchange ("GET URL -> 429 (...)"). It tells
   whether the wait that follows is for a rate limit; with -v it is printed as well, on a line
   of its own. */
static void progress_log(void *user, const char *line)
{
    cli_progress *p = (cli_progress *)user;
    if (strstr(line, " -> ")) p->rate_limited = strstr(line, " -> 429 (") != NULL;
    if (!p->verbose) return;
    progress_clear(p);
    log_to_stderr(NULL, line);
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = ms % 1000 * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* The library's sleep (its retry waits): the same wait, shown as a countdown in whole seconds. */
static void progress_sleep(void *user, long ms)
{
    cli_progress *p = (cli_progress *)user;
    const char *why = p->rate_limited ? "rate limited" : "retrying";
    char what[64];
    while (ms > 0) {
        long slice = ms % 1000 ? ms % 1000 : 1000;     /* the rest lands on whole seconds */
        snprintf(what, sizeof what, "%s, waiting %ld s", why, (ms + 999) / 1000);
        progress_draw(p, what);
        sleep_ms(slice);
        ms -= slice;
    }
}

/* Lets p see the run through the client's log and sleep hooks. */
static void progress_hook(cli_progress *p, okta_cc_config *cfg)
{
    if (!p->on) return;         /* -v alone keeps the plain log_to_stderr */
    cfg->log = progress_log;
    cfg->log_user = p;
    cfg->sleep = progress_sleep;
    cfg->sleep_user = p;
}

/* ---------------------------------------------------------------------------------------------
   The token cache: token, get and request keep the app's token between runs
   ------------------------------------------------------------------------------------------- */

/* The -v line "okta-cc: token cache: ..." (through put_text: a path is outside text). */
CLI_PRINTF(1, 2)
static void cache_note(const char *fmt, ...)
{
    va_list ap;
    fputs("okta-cc: token cache: ", stderr);
    va_start(ap, fmt);
    put_formatted(fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The cache directory into out (cap bytes): $OKTA_CC_CACHE_DIR, else $XDG_RUNTIME_DIR/okta-cc
   (a per-user tmpfs, emptied at logout), else $HOME/.cache/okta-cc (the store makes what is
   missing of it, 0700). NULL when there is none (OKTA_CC_CACHE_DIR=off, no HOME): *why says
   why. XDG_RUNTIME_DIR and HOME count only as absolute paths (the XDG spec ignores relative
   ones). */
static const char *cache_dir(char *out, size_t cap, const char **why)
{
    const char *dir = getenv("OKTA_CC_CACHE_DIR"), *base;
    int n;
    if (dir && dir[0]) {
        if (strcmp(dir, "off") == 0) {
            *why = "off (OKTA_CC_CACHE_DIR=off)";
            return NULL;
        }
        n = snprintf(out, cap, "%s", dir);
    } else if ((base = getenv("XDG_RUNTIME_DIR")) != NULL && base[0] == '/') {
        n = snprintf(out, cap, "%s/okta-cc", base);
    } else if ((base = getenv("HOME")) != NULL && base[0] == '/') {
        n = snprintf(out, cap, "%s/.cache/okta-cc", base);
    } else {
        *why = "off (none of OKTA_CC_CACHE_DIR, XDG_RUNTIME_DIR and HOME is set)";
        return NULL;
    }
    if (n < 0 || (size_t)n >= cap) {
        *why = "off (the directory's path is too long)";
        return NULL;
    }
    return out;
}

/* Why the store in dir could not be set up, into out: the library's message names the
   directory when it is about the directory; otherwise "DIR: message". */
static const char *store_error(const char *dir, const okta_cc_error *err, char *out, size_t cap)
{
    const char *msg = err->message[0] ? err->message : okta_cc_result_str(err->code);
    if (strstr(msg, dir)) snprintf(out, cap, "%s", msg);
    else snprintf(out, cap, "%s: %s", dir, msg);
    return out;
}

/* Sets up this run's cache into *store (store->load NULL: none). Never fails the command: a
   cache that cannot be set up costs only the caching, and -v says why. Turned off (--no-cache,
   OKTA_CC_CACHE_DIR=off) it says nothing: -v shows the same lines as before the cache. */
static void cache_open(const cli_options *o, okta_cc_token_store *store)
{
    char buf[4096], note[1024];
    const char *why = NULL, *dir, *env = getenv("OKTA_CC_CACHE_DIR");
    okta_cc_error err;
    memset(store, 0, sizeof *store);
    if (o->no_cache || (env && strcmp(env, "off") == 0)) return;
    dir = cache_dir(buf, sizeof buf, &why);
    if (!dir) {
        if (o->verbose) cache_note("%s", why);
        return;
    }
    if (okta_cc_file_store_new(store, dir, &err) != OKTA_CC_OK) {
        memset(store, 0, sizeof *store);
        if (o->verbose) cache_note("%s; not caching", store_error(dir, &err, note, sizeof note));
        return;
    }
    if (o->verbose) cache_note("%s", dir);
}

static void cache_close(okta_cc_token_store *store)
{
    if (store->load) okta_cc_file_store_free(store);
}

static const char cache_help[] =
    "usage: okta-cc cache list | clear [-v]\n"
    "\n"
    "token, get and request keep the app's access token between runs, so that a script's\n"
    "next call does not fetch another: one file per app and settings (token URL, client id,\n"
    "scopes, key, DPoP mode), used until shortly before the token expires. The directory is\n"
    "$OKTA_CC_CACHE_DIR, else $XDG_RUNTIME_DIR/okta-cc (a per-user tmpfs, emptied at logout),\n"
    "else ~/.cache/okta-cc. A file holds a token of at most an hour and, for a DPoP-bound\n"
    "token, the DPoP key it is bound to: it is a credential. The directory is 0700 and each\n"
    "file 0600, both the user's own; a file that is not (or a symlink, a FIFO, a corrupt one)\n"
    "is ignored and replaced. A cache that cannot be used or written costs only the caching\n"
    "(-v says why). --no-cache (token, get, request) or OKTA_CC_CACHE_DIR=off turns it off.\n"
    "\n"
    "  list                   one line per cached identity: its id, client id, token type,\n"
    "                         expiry (UTC), whether the app requires DPoP, token URL; never\n"
    "                         a token\n"
    "  clear                  remove every cached token and say how many\n"
    "  -v, --verbose          name the directory on stderr\n";

static const cli_option_spec cache_options[] = { OPT_FLAG("verbose", verbose), OPT_END };

/* Prints s through put_text, then spaces up to width bytes (ids and token types are ASCII). */
static void put_column(const char *s, size_t width)
{
    size_t n = strlen(s);
    put_text(emit_to_file, stdout, s, n, 0);
    while (n++ < width) fputc(' ', stdout);
    fputs("  ", stdout);
}

typedef struct cache_listing {
    unsigned long count;
    time_t now;
} cache_listing;

/* One line of `cache list`; the header line before the first. */
static int cache_list_entry(void *user, const okta_cc_store_entry *e)
{
    cache_listing *ls = (cache_listing *)user;
    char expires[32] = "-", id[13];
    time_t t = (time_t)e->expires_at;
    struct tm tm;
    if (!ls->count++) printf("%-12s  %-20s  %-6s  %-19s  %-8s  %s\n", "ID", "CLIENT ID", "TYPE", "EXPIRES (UTC)", "DPOP", "TOKEN URL");
    snprintf(id, sizeof id, "%.12s", e->id ? e->id : "");
    if (e->expires_at > 0 && t <= ls->now) snprintf(expires, sizeof expires, "expired");
    else if (e->expires_at > 0 && (!gmtime_r(&t, &tm) || !strftime(expires, sizeof expires, "%Y-%m-%d %H:%M:%S", &tm)))
        snprintf(expires, sizeof expires, "?");     /* a year past 9999: not a token of ours */
    put_column(id, 12);
    put_column(e->client_id ? e->client_id : "-", 20);
    put_column(e->expires_at > 0 && e->token_type ? e->token_type : "-", 6);
    put_column(expires, 19);
    put_column(e->dpop_required ? "required" : "-", 8);
    put_text(emit_to_file, stdout, e->token_url ? e->token_url : "-", e->token_url ? strlen(e->token_url) : 1, 0);
    fputc('\n', stdout);
    return 0;
}

static int cache_list(const okta_cc_token_store *store, const char *dir)
{
    cache_listing ls;
    okta_cc_error err;
    okta_cc_result res;
    ls.count = 0;
    ls.now = time(NULL);
    res = okta_cc_file_store_list(store, cache_list_entry, &ls, &err);
    if (res != OKTA_CC_OK) return fail_result("cache", res, err.message);
    if (!ls.count) {
        fputs("no cached tokens in ", stdout);
        put_text(emit_to_file, stdout, dir, strlen(dir), 0);
        fputc('\n', stdout);
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : fail("stdout", strerror(errno));
}

static int cache_clear(const okta_cc_token_store *store, const char *dir)
{
    okta_cc_error err;
    size_t removed = 0;
    okta_cc_result res = okta_cc_file_store_clear(store, &removed, &err);
    if (res != OKTA_CC_OK) return fail_result("cache", res, err.message);
    printf("removed %lu cached token%s from ", (unsigned long)removed, removed == 1 ? "" : "s");
    put_text(emit_to_file, stdout, dir, strlen(dir), 0);
    fputc('\n', stdout);
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : fail("stdout", strerror(errno));
}

/* okta-cc cache list | clear. A directory that does not exist is an empty cache (not made
   here); one that cannot be used is an error (exit 1): this command is about the cache. */
static int cmd_cache(const cli_options *o)
{
    char buf[4096], note[1024];
    const char *why = NULL, *dir, *what = o->nargs ? o->args[0] : "";
    okta_cc_token_store store;
    okta_cc_error err;
    struct stat st;
    int r, clear = strcmp(what, "clear") == 0;
    if (!clear && strcmp(what, "list") != 0) return usage_error("cache", "give list or clear");
    dir = cache_dir(buf, sizeof buf, &why);
    if (!dir) {
        fputs("the token cache is ", stdout);
        return print_line(why);
    }
    if (o->verbose) cache_note("%s", dir);
    if (lstat(dir, &st) != 0 && errno == ENOENT) {
        fputs(clear ? "removed 0 cached tokens from " : "no cached tokens in ", stdout);
        put_text(emit_to_file, stdout, dir, strlen(dir), 0);
        return print_line("");
    }
    if (okta_cc_file_store_new(&store, dir, &err) != OKTA_CC_OK) {
        error_line("cache: %s", store_error(dir, &err, note, sizeof note));
        return CLI_FAIL;
    }
    r = clear ? cache_clear(&store, dir) : cache_list(&store, dir);
    okta_cc_file_store_free(&store);
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
    "                         reads stdin; or pkcs11:token=T;object=NAME, a key in a token\n" \
    "                         [OKTA_CLIENT_PRIVATEKEY: a file, the key text or a pkcs11: URI]\n" \
    "  --pkcs11-module PATH   the PKCS#11 module of pkcs11: keys [OKTA_CC_PKCS11_MODULE]; their\n" \
    "                         PIN: the URI, OKTA_CC_PKCS11_PIN, or a prompt on a terminal\n" \
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
    "token's --scopes, --timeout, --dpop, --no-dpop and --no-cache are accepted and ignored, so\n"
    "one set of flags serves both.\n";

/* The token settings that token, get and request share (besides CLIENT_FLAGS_HELP). */
#define TOKEN_FLAGS_HELP \
    "  --scopes SCOPES        space or comma separated, e.g. \"okta.users.read okta.apps.read\"\n" \
    "                         [OKTA_CLIENT_SCOPES]\n" \
    "  --client-secret-file FILE  authenticate with the client secret on the one line of FILE\n" \
    "                         ('-': stdin) instead of a key (custom servers only)\n" \
    "                         [OKTA_CLIENT_CLIENTSECRET, used only when no key is set]\n" \
    "  --client-secret SECRET the same with the secret itself: avoid it, every user of the\n" \
    "                         machine can read command lines (ps, /proc/PID/cmdline)\n" \
    "  --auth-method METHOD   client_secret_basic (the default with a secret),\n" \
    "                         client_secret_post, or private_key_jwt (the default with a key)\n" \
    "  --timeout SECONDS      give up on each HTTP request after this long (default 30)\n" \
    "  --dpop, --no-dpop      always / never bind tokens with DPoP (RFC 9449). Default: Bearer\n" \
    "                         until the org says the app requires DPoP, then DPoP\n" \
    "                         [OKTA_CLIENT_DPOPENABLED=true|false; OKTA_CLIENT_DPOPKEY: the\n" \
    "                         DPoP key, else a new EC P-256 key per run]\n" \
    "  --no-cache             fetch a new token, neither read nor write the token cache\n" \
    "                         (see 'okta-cc cache --help') [OKTA_CC_CACHE_DIR=off]\n" \
    "  --dpop-key FILE|pkcs11:URI  the DPoP proof key [OKTA_CLIENT_DPOPKEY]\n" \
    "  -v, --verbose          log one line per HTTP exchange on stderr (method, URL, status,\n" \
    "                         time, retry, rate limit; never a token or a secret)\n"

static const char token_help[] =
    "usage: okta-cc token [--json] [--org URL] [--client-id ID] [--key FILE] [--kid KID]\n"
    "                     [--scopes SCOPES] [--auth-server ID | --token-url URL] [--ttl SECONDS]\n"
    "                     [--client-secret-file FILE [--auth-method METHOD]] [--ca-file FILE]\n"
    "                     [--timeout SECONDS] [-v]\n"
    "\n"
    "Fetches an access token with the client credentials grant and prints it on one line,\n"
    "ready for 'Authorization: Bearer ...'. With --json prints the token response instead:\n"
    "{\"token_type\",\"expires_in\",\"access_token\",\"scope\"}. A refusal prints Okta's error and\n"
    "error_description, e.g. \"invalid_client: The client_assertion token is expired.\"\n"
    "A token kept in the token cache by an earlier run is printed while it is valid (expires_in:\n"
    "what is left of it), without a request; see 'okta-cc cache --help'.\n"
    "\n"
    "  --json                 print the whole token response as a JSON object\n"
    TOKEN_FLAGS_HELP
    "\n"
    CLIENT_FLAGS_HELP;

static const cli_option_spec assertion_options[] = {
    OPT_VALUE("org", org), OPT_VALUE("client-id", client_id), OPT_VALUE("key", key),
    OPT_VALUE("pkcs11-module", pkcs11_module), OPT_VALUE("dpop-key", dpop_key),
    OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_VALUE("scopes", scopes),
    OPT_VALUE("auth-server", auth_server), OPT_VALUE("token-url", token_url), OPT_VALUE("ttl", ttl),
    OPT_VALUE("ca-file", ca_file), OPT_VALUE("client-secret", client_secret),
    OPT_VALUE("auth-method", auth_method), OPT_VALUE("timeout", timeout), OPT_FLAG("dpop", dpop),
    OPT_FLAG("no-dpop", no_dpop), OPT_FLAG("verbose", verbose),
    OPT_VALUE("client-secret-file", client_secret_file), OPT_FLAG("no-cache", no_cache), OPT_END
};

static const cli_option_spec token_options[] = {
    OPT_VALUE("org", org), OPT_VALUE("client-id", client_id), OPT_VALUE("key", key),
    OPT_VALUE("pkcs11-module", pkcs11_module), OPT_VALUE("dpop-key", dpop_key),
    OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_VALUE("scopes", scopes),
    OPT_VALUE("auth-server", auth_server), OPT_VALUE("token-url", token_url), OPT_VALUE("ttl", ttl),
    OPT_VALUE("ca-file", ca_file), OPT_VALUE("client-secret", client_secret),
    OPT_VALUE("auth-method", auth_method), OPT_VALUE("timeout", timeout), OPT_FLAG("json", json),
    OPT_FLAG("verbose", verbose), OPT_FLAG("dpop", dpop), OPT_FLAG("no-dpop", no_dpop),
    OPT_VALUE("client-secret-file", client_secret_file), OPT_FLAG("no-cache", no_cache), OPT_END
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

/* --no-retry and --max-retries N (0..100; 0 = none) into cfg->max_retries. */
static int retry_flags_to_config(const char *cmd, const cli_options *o, okta_cc_config *cfg)
{
    unsigned n;
    if (o->no_retry && o->max_retries) return usage_error(cmd, "give --no-retry or --max-retries, not both");
    if (o->no_retry) cfg->max_retries = -1;
    if (!o->max_retries) return CLI_OK;
    n = parse_unsigned(o->max_retries);
    if (strcmp(o->max_retries, "0") != 0 && (n < 1 || n > 100))
        return usage_error(cmd, "--max-retries must be a number from 0 to 100, not '%s'", o->max_retries);
    cfg->max_retries = n ? (int)n : -1;     /* the library reads 0 as "the default" */
    return CLI_OK;
}

/* stdin can be read once: by --key -, --client-secret-file - or --data @-, not two of them. */
static int check_stdin_readers(const char *cmd, const cli_options *o)
{
    int n = (o->key && strcmp(o->key, "-") == 0) + (o->client_secret_file && strcmp(o->client_secret_file, "-") == 0) +
            (o->data && strcmp(o->data, "@-") == 0);
    return n > 1 ? usage_error(cmd, "only one of --key -, --client-secret-file - and --data @- can read stdin") : CLI_OK;
}

/* Copies the flags into cfg (NULL stays NULL, so the environment can fill it), and checks the
   ones that have a syntax: numbers, names. */
static int client_flags_to_config(const char *cmd, const cli_options *o, okta_cc_config *cfg)
{
    unsigned ttl = 0, timeout = 0;
    int r = check_stdin_readers(cmd, o);
    if (r == CLI_OK && o->client_secret && o->client_secret_file)
        r = usage_error(cmd, "give --client-secret or --client-secret-file, not both");
    if (r == CLI_OK) r = check_kid(cmd, o->kid);
    if (r == CLI_OK) r = retry_flags_to_config(cmd, o, cfg);
    if (r == CLI_OK && o->ttl) r = parse_seconds(cmd, "ttl", o->ttl, 1, 3600, &ttl);
    if (r == CLI_OK && o->timeout) r = parse_seconds(cmd, "timeout", o->timeout, 1, 86400, &timeout);
    if (r == CLI_OK && o->auth_method) r = parse_auth_method(cmd, o->auth_method, &cfg->auth_method);
    if (r != CLI_OK) return r;
    if (o->alg && (cfg->alg = okta_cc_alg_from_name(o->alg)) == OKTA_CC_ALG_DEFAULT)
        return usage_error(cmd, "--alg must be RS256, RS384, RS512, ES256, ES384 or ES512, not '%s'", o->alg);
    if (o->auth_server && o->token_url) return usage_error(cmd, "give --auth-server or --token-url, not both");
    if (o->dpop && o->no_dpop) return usage_error(cmd, "give --dpop or --no-dpop, not both");
    if (o->dpop) cfg->dpop = OKTA_CC_DPOP_ALWAYS;
    if (o->no_dpop) cfg->dpop = OKTA_CC_DPOP_NEVER;
    cfg->org_url = o->org;
    cfg->pkcs11_module = o->pkcs11_module;
    cfg->dpop_key = o->dpop_key;
    cfg->client_id = o->client_id;
    cfg->key_id = o->kid;
    cfg->scopes = o->scopes;
    cfg->auth_server_id = o->auth_server;
    cfg->token_url = o->token_url;
    cfg->client_secret = o->client_secret;
    cfg->http.ca_file = o->ca_file;
    cfg->assertion_ttl = (int)ttl;
    if (o->verbose) cfg->log = log_to_stderr;
    if (timeout) {
        cfg->http.timeout_ms = (long)timeout * 1000;
        cfg->http.connect_timeout_ms = cfg->http.timeout_ms < 10000 ? cfg->http.timeout_ms : 10000;
    }
    return CLI_OK;
}

/* Which way the client authenticates. A secret flag (--client-secret or --client-secret-file)
   means the secret (unless --auth-method says otherwise); a secret only in the environment is
   used when no key is configured at all, so a shell with both variables keeps using the key. */
static int choose_auth_method(const char *cmd, const cli_options *o, okta_cc_config *cfg)
{
    const char *secret_flag = o->client_secret ? "--client-secret" : o->client_secret_file ? "--client-secret-file" : NULL;
    if (!o->auth_method) {
        int key_known = o->key || cfg->private_key;
        if (secret_flag || (!key_known && cfg->client_secret)) cfg->auth_method = OKTA_CC_AUTH_CLIENT_SECRET_BASIC;
    }
    if (cfg->auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT) {
        if (secret_flag) return usage_error(cmd, "%s does not go with --auth-method private_key_jwt", secret_flag);
        cfg->client_secret = NULL;  /* from the environment: not used */
        return CLI_OK;
    }
    if (o->key)
        return usage_error(cmd, "--key does not go with --auth-method %s%s",
                           cfg->auth_method == OKTA_CC_AUTH_CLIENT_SECRET_POST ? "client_secret_post" : "client_secret_basic",
                           o->auth_method ? "" : " (what --client-secret means)");
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
    if (cfg->auth_method != OKTA_CC_AUTH_PRIVATE_KEY_JWT && !cfg->client_secret && !o->client_secret_file)
        return usage_error(cmd, "no client secret: give --client-secret-file FILE or set OKTA_CLIENT_CLIENTSECRET");
    if (need_scopes && !cfg->scopes)
        return usage_error(cmd, "no scopes: give --scopes \"SCOPE ...\" or set OKTA_CLIENT_SCOPES");
    return CLI_OK;
}

/* The client secret of --client-secret-file PATH ("-" = stdin): the file's one line, without
   its line end (LF or CRLF). *secret is a new buffer of *cap bytes that the caller wipes and
   frees, on failure too. Read like a key file (read_source): a FIFO nobody writes to reads as
   empty rather than hanging, a device is refused, at most CLI_MAX_INPUT bytes. */
static int read_client_secret(const char *path, char **secret, size_t *cap)
{
    const char *name = display_name(path);
    size_t len = 0, i;
    if (read_source(path, secret, &len) != CLI_OK) return CLI_FAIL;
    *cap = len + 1;
    if (len && (*secret)[len - 1] == '\n' && --len && (*secret)[len - 1] == '\r') len--;
    (*secret)[len] = '\0';
    if (!len) return fail(name, "empty (expected the client secret on one line)");
    for (i = 0; i < len; i++)
        if ((unsigned char)(*secret)[i] < 0x20 || (*secret)[i] == 0x7f)
            return fail(name, "holds more than one line or a control character (expected the client secret on one line)");
    return CLI_OK;
}

/* The client from cfg. Keys in a token (pkcs11: URIs as the key or the DPoP key) are opened by
   the library; their PIN, when neither the URI nor OKTA_CC_PKCS11_PIN has it, is asked for on
   the terminal. */
static int new_client(const char *cmd, okta_cc_config *cfg, okta_cc_client **client)
{
    char pin[256];
    okta_cc_error err;
    okta_cc_result r;
    const char *uri = is_pkcs11_uri(cfg->private_key) ? cfg->private_key
                      : is_pkcs11_uri(cfg->dpop_key) && cfg->dpop != OKTA_CC_DPOP_NEVER ? cfg->dpop_key : NULL;
    if (uri) cfg->pkcs11_pin = pkcs11_pin(uri, pin, sizeof pin);   /* OKTA_CC_PKCS11_PIN, or asked */
    r = okta_cc_client_new(client, cfg, &err);
    okta_cc_wipe(pin, sizeof pin);
    return r == OKTA_CC_OK ? CLI_OK : fail_result(cmd, err.code, err.message);
}

/* Builds the client from the flags and the environment; see open_client. *secret (*secret_cap
   bytes) receives the buffer of a --client-secret-file, for the caller to wipe and free. */
static int open_client_with(const char *cmd, const cli_options *o, int need_scopes, okta_cc_key *key,
                            cli_progress *progress, okta_cc_token_store *store, okta_cc_client **client,
                            char **secret, size_t *secret_cap)
{
    okta_cc_config cfg;
    int r;
    okta_cc_config_init(&cfg);
    cfg.max_response_bytes = CLI_MAX_BODY;
    r = client_flags_to_config(cmd, o, &cfg);
    if (r != CLI_OK) return r;
    if (progress) progress_hook(progress, &cfg);
    okta_cc_config_from_env(&cfg);
    r = choose_auth_method(cmd, o, &cfg);
    if (r == CLI_OK) r = check_required(cmd, o, &cfg, need_scopes);
    if (r == CLI_OK && o->client_secret_file) {
        r = read_client_secret(o->client_secret_file, secret, secret_cap);
        cfg.client_secret = *secret;
    }
    if (r != CLI_OK) return r;
    if (o->key && !is_pkcs11_uri(o->key)) {
        r = load_key(cmd, o, key);  /* "okta-cc: FILE: why", like jwk and sign */
        if (r != CLI_OK) return r;
        cfg.key = key;
        cfg.private_key = NULL;
    } else if (o->key) {
        cfg.private_key = o->key;   /* a token key: the client opens it */
    }
    if (store) {
        cache_open(o, store);   /* once the settings are known good: -v notes come after no error */
        cfg.token_store = *store;
    }
    return new_client(cmd, &cfg, client);
}

/* Builds the client from the flags and the environment. key is the storage for a --key file
   (the caller wipes it); progress (may be NULL) is get --all's; store (may be NULL: none)
   receives the token cache (see cache_open), which the caller zeroes first and closes after
   the client. Exit status 2 for a setting that is missing or
   invalid (found here or by the library: OKTA_CC_ERR_CONFIG), 1 for a file that cannot be read
   or holds no key. */
static int open_client(const char *cmd, const cli_options *o, int need_scopes, okta_cc_key *key,
                       cli_progress *progress, okta_cc_token_store *store, okta_cc_client **client)
{
    char *secret = NULL;
    size_t secret_cap = 0;
    int r = open_client_with(cmd, o, need_scopes, key, progress, store, client, &secret, &secret_cap);
    okta_cc_free_wiped(NULL, secret, secret_cap);   /* the client keeps its own copy */
    return r;
}

static int cmd_assertion(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_key key;
    okta_cc_error err;
    char assertion[8192];
    int r;
    if (o->client_secret || o->client_secret_file || (o->auth_method && strcmp(o->auth_method, "private_key_jwt") != 0))
        return usage_error("assertion", "a client assertion is signed with a private key: --client-secret, "
                                        "--client-secret-file and --auth-method client_secret_* do not apply");
    memset(&key, 0, sizeof key);
    r = open_client("assertion", o, 0, &key, NULL, NULL, &client);
    okta_cc_key_wipe(&key);    /* the client holds its own copy */
    if (r != CLI_OK) return r;
    if (okta_cc_client_sign_assertion(client, assertion, sizeof assertion, NULL, &err) == OKTA_CC_OK)
        r = print_line(assertion);
    else
        r = fail_result("assertion", err.code, err.message);
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
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "token_type");
    okta_cc_json_write_string(&w, info->token_type);
    okta_cc_json_write_key(&w, "expires_in");
    okta_cc_json_write_int64(&w, info->expires_in);
    okta_cc_json_write_key(&w, "access_token");
    okta_cc_json_write_string(&w, token);
    okta_cc_json_write_key(&w, "scope");
    okta_cc_json_write_string(&w, info->scope);
    okta_cc_json_write_object_end(&w);
    res = okta_cc_json_writer_finish(&w, NULL, NULL);
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
        res = okta_cc_client_get_token(client, *token, *cap, &need, info, &err);
        if (res == OKTA_CC_OK) return CLI_OK;
        okta_cc_wipe(*token, *cap);
        free(*token);
        *token = NULL;
        if (res != OKTA_CC_ERR_BUFFER_TOO_SMALL || need <= *cap) return fail_result("token", res, err.message);
        *cap = need;
    }
}

static int cmd_token(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_token_store store;
    okta_cc_token_info info;
    okta_cc_key key;
    char *token = NULL;
    size_t cap = 0;
    int r;
    memset(&key, 0, sizeof key);
    memset(&store, 0, sizeof store);
    r = open_client("token", o, 1, &key, NULL, &store, &client);
    okta_cc_key_wipe(&key);
    if (r == CLI_OK) r = fetch_token(client, &token, &cap, &info);
    if (r == CLI_OK) r = o->json ? print_token_json(token, &info) : print_line(token);
    if (token) {
        okta_cc_wipe(token, cap);
        free(token);
    }
    okta_cc_client_free(client);
    cache_close(&store);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   get and request: the Okta management API
   ------------------------------------------------------------------------------------------- */

#define API_FLAGS_HELP \
    "  --include              print 'HTTP STATUS', the response headers and a blank line first\n" \
    "  --no-retry             no retries after 429, 503, 504 or a dropped connection (a 401\n" \
    "                         still gets one retry with a new token)\n" \
    "  --max-retries N        retry up to N times, 0..100 (default 2); 429 waits for\n" \
    "                         X-Rate-Limit-Reset, and all retries stop after 60 s\n"

#define API_NOTES_HELP \
    "PATH is a path on the org, e.g. /api/v1/users?limit=5, or an absolute URL on the org's own\n" \
    "origin (scheme, host and port): the token is never sent anywhere else. Quote it in the\n" \
    "shell when it holds '?' or '&'. A 401 fetches a new token and retries once.\n" \
    "\n" \
    "Errors are one line on stderr with Okta's errorCode and errorSummary, e.g.\n" \
    "  okta-cc: get: GET https://.../api/v1/users/x: HTTP 404 E0000007: Not found: ...\n" \
    "and exit status 1, with nothing on stdout: HTTP errors (4xx, 5xx, 3xx: redirects are not\n" \
    "followed), a rate limit that outlasts the retries, a cut-off or non-JSON response.\n"

static const char get_help[] =
    "usage: okta-cc get PATH [--all [--ndjson] [-q] | --include] [-v]\n"
    "       okta-cc get PATH --follow [--interval SECONDS] [--state FILE] [-v]\n"
    "                   [--no-retry | --max-retries N] [--org URL] [--client-id ID]\n"
    "                   [--key FILE] [--kid KID] [--scopes SCOPES] [--ca-file FILE]\n"
    "                   [--timeout SECONDS] [other token flags]\n"
    "\n"
    "GETs PATH from the Okta API with a token of the service app (fetched as 'okta-cc token'\n"
    "does) and prints the JSON body as received, ending with a newline. The body must be JSON.\n"
    "\n"
    "  --all                  follow the Link rel=\"next\" pages to the end and print every\n"
    "                         element of every page (each must be a JSON array) as one JSON\n"
    "                         array, the elements as received, page by page as they come:\n"
    "                         memory stays that of one page. Use ?limit=200 for fewer round\n"
    "                         trips.\n"
    "  --ndjson               with --all: one element per line, no enclosing array\n"
    "  -q, --quiet            with --all: no progress line (it is only ever drawn when\n"
    "                         stderr is a terminal: pages, items, time, rate limit left,\n"
    "                         and the wait when a 429 pauses the listing)\n"
    API_FLAGS_HELP
    TOKEN_FLAGS_HELP
    "\n"
    API_NOTES_HELP;

static const char get_help_more[] =
    "\n"
    "A polling listing (the System Log, /api/v1/logs without until) always has a next link:\n"
    "--all stops at the page that brings nothing new, exits 0 and gives the command to poll\n"
    "again on stderr ('the listing is up to date (N items printed; to poll again: ...)').\n"
    "  --follow               keep following such a listing: print each element once, one per\n"
    "                         line (NDJSON), as it appears, polling the last next link every\n"
    "                         interval, and never before the rate limit's Reset once no request\n"
    "                         is left. 429s, 5xx, dropped or refused connections and pages that\n"
    "                         are not JSON are waited out (1 s, 2 s ... 1 min; one line on\n"
    "                         stderr each), never an exit; other errors exit 1. SIGINT/SIGTERM:\n"
    "                         the page being printed is finished and saved, exit 0.\n"
    "  --interval SECONDS     between polls once up to date, 1..86400 (default 60: Okta advises\n"
    "                         60-300 s for the System Log)\n"
    "  --state FILE           keep the cursor: FILE (0600, replaced atomically) gets the next\n"
    "                         link and the uuids of each page once it is printed; started again,\n"
    "                         --follow goes on from there (PATH only serves a fresh start, when\n"
    "                         FILE does not exist) and skips an event it printed last. An empty\n"
    "                         or corrupt FILE, or one on another org, is an error (exit 1;\n"
    "                         nothing is sent). Written and fsynced before a page is printed,\n"
    "                         renamed after: only a kill -9 between flush and rename prints\n"
    "                         that page again on restart.\n"
    "\n"
    "A failure after the first page of --all leaves what was printed whole (the array form\n"
    "closed with ']', so stdout is still one JSON array; --ndjson lines are whole lines) and\n"
    "ends the error line with the count and the command that lists the rest, e.g.\n"
    "  okta-cc: get: GET ...: HTTP 500 ... (400 items printed; to resume:\n"
    "  okta-cc get 'https://.../api/v1/users?after=00u...&limit=200' --all)\n"
    "Those items and the resumed run's are the whole list, without gaps or repeats. When the\n"
    "first page fails nothing is printed.\n"
    "\n"
    CLIENT_FLAGS_HELP
    "\n"
    "API calls need a token from the org authorization server: leave --auth-server and\n"
    "OKTA_CLIENT_AUTHSERVERID unset (a custom server's token gets 401 from /api/v1).\n"
    "\n"
    "examples:\n"
    "  okta-cc get '/api/v1/users?limit=200' --all --scopes okta.users.read\n"
    "  okta-cc get '/api/v1/users?limit=200' --all --ndjson -q > users.ndjson\n"
    "  okta-cc get /api/v1/users/me@example.com --include -v\n"
    "  okta-cc get '/api/v1/logs?since=2026-01-01T00:00:00Z' --follow --state logs.state \\\n"
    "      --scopes okta.logs.read >> events.ndjson\n";

static const char request_help[] =
    "usage: okta-cc request METHOD PATH [--data JSON | --data @FILE] [--include] [-v]\n"
    "                       [--no-retry | --max-retries N] [--org URL] [--client-id ID]\n"
    "                       [--key FILE] [--kid KID] [--scopes SCOPES] [other token flags]\n"
    "\n"
    "Calls the Okta API: METHOD (GET, POST, PUT, PATCH, DELETE or HEAD) on PATH, with a token\n"
    "of the service app, and prints the JSON body as received (nothing when it is empty; a\n"
    "body that is not JSON is an error). POST, PUT and PATCH send the --data body (an empty\n"
    "one without it) as application/json. A 429 (after X-Rate-Limit-Reset) and a 401 (with a\n"
    "new token) are retried whatever the method; 503, 504 and dropped connections only for\n"
    "GET and HEAD, or when the connection was never made.\n"
    "\n"
    "  --data JSON            the request body; must be valid JSON (checked before anything\n"
    "                         is sent). @FILE reads it from FILE, @- from stdin\n"
    API_FLAGS_HELP
    TOKEN_FLAGS_HELP
    "\n"
    API_NOTES_HELP;

static const char request_help_more[] =
    "\n"
    CLIENT_FLAGS_HELP
    "\n"
    "examples:\n"
    "  okta-cc request POST /api/v1/users/00u1/lifecycle/suspend --scopes okta.users.manage\n"
    "  okta-cc request POST '/api/v1/users?activate=false' --scopes okta.users.manage \\\n"
    "      --data '{\"profile\":{\"login\":\"a@example.com\",\"email\":\"a@example.com\"}}'\n";

#define API_CLIENT_OPTIONS \
    OPT_VALUE("org", org), OPT_VALUE("client-id", client_id), OPT_VALUE("key", key), \
    OPT_VALUE("pkcs11-module", pkcs11_module), OPT_VALUE("dpop-key", dpop_key), \
    OPT_VALUE("kid", kid), OPT_VALUE("alg", alg), OPT_VALUE("scopes", scopes), \
    OPT_VALUE("auth-server", auth_server), OPT_VALUE("token-url", token_url), OPT_VALUE("ttl", ttl), \
    OPT_VALUE("ca-file", ca_file), OPT_VALUE("client-secret", client_secret), \
    OPT_VALUE("auth-method", auth_method), OPT_VALUE("timeout", timeout), \
    OPT_FLAG("verbose", verbose), OPT_FLAG("no-retry", no_retry), OPT_VALUE("max-retries", max_retries), \
    OPT_FLAG("include", include), OPT_FLAG("dpop", dpop), OPT_FLAG("no-dpop", no_dpop), \
    OPT_VALUE("client-secret-file", client_secret_file), OPT_FLAG("no-cache", no_cache)

static const cli_option_spec get_options[] = {
    API_CLIENT_OPTIONS, OPT_FLAG("all", all), OPT_FLAG("ndjson", ndjson), OPT_FLAG("quiet", quiet),
    OPT_FLAG("follow", follow), OPT_VALUE("interval", interval), OPT_VALUE("state", state), OPT_END
};
static const cli_option_spec request_options[] = { API_CLIENT_OPTIONS, OPT_VALUE("data", data), OPT_END };

/* Writes n bytes to stdout and flushes them (a full disk or closed pipe is a failure). */
static int write_stdout(const char *s, size_t n)
{
    if ((n && fwrite(s, 1, n, stdout) != n) || fflush(stdout) != 0) return fail("stdout", strerror(errno));
    return CLI_OK;
}

/* The error line of a failed API call: the library's message names the method, the URL (with
   secret-looking query values redacted), the status and Okta's errorCode and errorSummary. */
static int api_fail(const char *cmd, okta_cc_result r, const okta_cc_error *err)
{
    return fail_result(cmd, r, err->message);
}

/* okta_cc_request says OK for 1xx-3xx; these tools want the 2xx answer itself. */
static int check_status(const char *cmd, const char *method, const okta_cc_response *resp)
{
    const char *where;
    size_t n = 0;
    if (resp->http.status >= 200 && resp->http.status < 300) return CLI_OK;
    where = resp->http.status >= 300 && resp->http.status < 400 ? okta_cc_http_response_header(&resp->http, "Location", 0, &n) : NULL;
    if (where)
        error_line("%s: %s: HTTP %ld, a redirect to %.*s (redirects are not followed)", cmd, method,
                   resp->http.status, (int)(n > 300 ? 300 : n), where);
    else
        error_line("%s: %s: HTTP %ld (expected 2xx)", cmd, method, resp->http.status);
    return CLI_FAIL;
}

/* Parses json; the tokens (*tokens, the caller frees) only when asked for, sized by a counting
   pass. what names the text in the error line. */
static int parse_json(const char *cmd, const char *what, const char *json, size_t len, okta_cc_json_doc *doc,
                      okta_cc_json_token **tokens)
{
    okta_cc_json_limits limits;
    okta_cc_error err;
    okta_cc_result r;
    memset(&limits, 0, sizeof limits);
    limits.max_bytes = CLI_MAX_BODY;
    r = okta_cc_json_parse(json, len, NULL, 0, &limits, doc, &err);
    if (r == OKTA_CC_OK && tokens) {
        *tokens = (okta_cc_json_token *)malloc(doc->count * sizeof **tokens);
        if (!*tokens) return fail(cmd, strerror(ENOMEM));
        r = okta_cc_json_parse(json, len, *tokens, doc->count, &limits, doc, &err);
        if (r != OKTA_CC_OK) {
            free(*tokens);
            *tokens = NULL;
        }
    }
    if (r == OKTA_CC_OK) return CLI_OK;
    error_line("%s: %s is not valid JSON (%s)", cmd, what, err.message[0] ? err.message : okta_cc_result_str(r));
    return CLI_FAIL;
}

/* "Authorization" never goes to the output, whatever a server echoes back. */
static int is_secret_header(const char *line, size_t name_len)
{
    static const char *const names[] = { "authorization", "proxy-authorization", "dpop" };
    size_t i, k;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i]) != name_len) continue;
        for (k = 0; k < name_len && (line[k] | 0x20) == names[i][k]; k++) {}
        if (k == name_len) return 1;
    }
    return 0;
}

/* --include: "HTTP STATUS", the final response's "name: value" lines (each through put_text:
   a header is a server's text on the user's terminal too), a blank line. */
static int add_head(out_buf *b, const okta_cc_response *resp)
{
    char status[32];
    const char *h = resp->http.headers, *end = h ? h + resp->http.headers_len : NULL;
    int n = snprintf(status, sizeof status, "HTTP %ld\n", resp->http.status);
    if (!out_append(b, status, (size_t)n)) return 0;
    while (h && h < end) {
        const char *nl = (const char *)memchr(h, '\n', (size_t)(end - h));
        const char *colon = (const char *)memchr(h, ':', (size_t)((nl ? nl : end) - h));
        size_t line = (size_t)((nl ? nl : end) - h);
        if (!colon || !is_secret_header(h, (size_t)(colon - h))) {
            if (!put_text(emit_to_buf, b, h, line - (line && h[line - 1] == '\r'), 0) || !out_append(b, "\n", 1)) return 0;
        }
        h += line + (nl != NULL);
    }
    return out_append(b, "\n", 1);
}

/* Sends one request and prints [head,] body: the body must be JSON, or empty. */
static int api_call(const char *cmd, okta_cc_client *client, const char *method, const char *path,
                    const char *body, size_t body_len, int include)
{
    okta_cc_response resp;
    okta_cc_error err;
    okta_cc_json_doc doc;
    out_buf out;
    char what[256];
    int r, ok = 1;
    okta_cc_result res;
    okta_cc_http_response_init(&out, NULL, (size_t)-1);     /* no cap: the response had one */
    res = okta_cc_request(client, method, path, body, body_len, NULL, &resp, &err);
    if (res != OKTA_CC_OK) r = api_fail(cmd, res, &err);
    else r = check_status(cmd, method, &resp);
    snprintf(what, sizeof what, "%s %.160s: the response (HTTP %ld)", method, path, resp.http.status);
    if (r == CLI_OK && resp.http.body_len) r = parse_json(cmd, what, resp.http.body, resp.http.body_len, &doc, NULL);
    if (r == CLI_OK) {
        if (include) ok = add_head(&out, &resp);
        ok = ok && out_append(&out, resp.http.body, resp.http.body_len);
        if (ok && resp.http.body_len && resp.http.body[resp.http.body_len - 1] != '\n') ok = out_append(&out, "\n", 1);
        r = ok ? write_stdout(out.body, out.body_len) : fail(cmd, strerror(ENOMEM));
    }
    okta_cc_http_response_free(&out);
    okta_cc_response_free(&resp);
    return r;
}

/* get --all, streamed: each page is printed as soon as it is in and freed before the next is
   asked for, so memory stays that of one page however long the list. The output is one JSON
   array (the items as received, comma separated, on one line) or, with --ndjson, one item per
   line. A page is checked whole (status, JSON, an array) before any of it is printed, so a
   failure never leaves part of a page out: what was printed is every item up to some page,
   and the listing resumes at the page after it. */
typedef struct cli_listing {
    const char *cmd;
    int ndjson;
    int opened;                 /* the array form: "[" is out */
    int stdout_failed;          /* nothing more can be written */
    long pages;                 /* pages printed */
    unsigned long items;        /* items printed */
    const char *resume;         /* on failure: the page to go on from (NULL: there is none) */
    cli_progress progress;
    const cli_options *follow;  /* get --follow: its options (get_all hands over to it) */
    unsigned interval;          /* get --follow: seconds between polls */
} cli_listing;

/* Writes n bytes to stdout (buffered; listing_flush checks that they got out). */
static int listing_write(cli_listing *ls, const char *s, size_t n)
{
    if (n && fwrite(s, 1, n, stdout) != n) {
        ls->stdout_failed = 1;
        return fail("stdout", strerror(errno));
    }
    return CLI_OK;
}

static int listing_flush(cli_listing *ls)
{
    if (fflush(stdout) == 0) return CLI_OK;
    ls->stdout_failed = 1;
    return fail("stdout", strerror(errno));
}

/* One item. In a valid JSON value a CR or LF can only be whitespace between tokens (never
   inside a string, where they must be escaped), so --ndjson turns them into spaces and the
   item stays whole on its line, meaning the same. */
static int listing_item(cli_listing *ls, const char *item, size_t len)
{
    size_t i, from = 0;
    int r = CLI_OK;
    if (!ls->ndjson) {
        if (ls->items) r = listing_write(ls, ",", 1);
        return r == CLI_OK ? listing_write(ls, item, len) : r;
    }
    for (i = 0; i < len && r == CLI_OK; i++) {
        if (item[i] != '\n' && item[i] != '\r') continue;
        r = listing_write(ls, item + from, i - from);
        if (r == CLI_OK) r = listing_write(ls, " ", 1);
        from = i + 1;
    }
    if (r == CLI_OK) r = listing_write(ls, item + from, len - from);
    return r == CLI_OK ? listing_write(ls, "\n", 1) : r;
}

/* The error line of a page that is not an array. */
static int not_an_array(const char *cmd, const char *what)
{
    error_line("%s: %s is not a JSON array; --all needs a list endpoint", cmd, what);
    return CLI_FAIL;
}

/* Prints every element of the JSON array page (page number n), each element's text exactly
   as received. *count receives how many. */
static int listing_page(cli_listing *ls, const okta_cc_response *page, int n, unsigned long *count)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens = NULL;
    char what[64];
    long i;
    int r;
    *count = 0;
    snprintf(what, sizeof what, "page %d (HTTP %ld)", n, page->http.status);
    r = parse_json(ls->cmd, what, page->http.body, page->http.body_len, &doc, &tokens);
    if (r != CLI_OK) return r;
    if (tokens[0].type != OKTA_CC_JSON_ARRAY) r = not_an_array(ls->cmd, what);
    if (r == CLI_OK && !ls->ndjson && !ls->opened) {
        r = listing_write(ls, "[", 1);
        ls->opened = r == CLI_OK;
    }
    for (i = okta_cc_json_first(&doc, 0); i >= 0 && r == CLI_OK; i = okta_cc_json_next(&doc, 0, (size_t)i)) {
        const okta_cc_json_token *t = &tokens[i];
        size_t start = t->start, end = t->end;
        if (t->type == OKTA_CC_JSON_STRING) start--, end++;   /* the quotes, too */
        r = listing_item(ls, page->http.body + start, end - start);
        if (r == CLI_OK) ls->items++, ++*count;
    }
    free(tokens);
    return r == CLI_OK ? listing_flush(ls) : r;
}

/* Prints s as one shell word in single quotes (a ' inside as '\''), through put_text, so that
   the resume command can be pasted as it is. */
static void put_shell_quoted(const char *s)
{
    fputc('\'', stderr);
    put_text(emit_to_file, stderr, s, strlen(s), 1);
    fputc('\'', stderr);
}

/* The end of the error line that stops a listing once something was printed: how much, and
   the command that lists the rest (no duplicates, no gaps). */
static void listing_note(void *user)
{
    const cli_listing *ls = (const cli_listing *)user;
    if (!ls->pages || ls->stdout_failed) return;
    fprintf(stderr, " (%lu item%s printed; ", ls->items, ls->items == 1 ? "" : "s");
    if (!ls->resume) {
        fputs("no page to resume from)", stderr);
        return;
    }
    fputs("to resume: okta-cc get ", stderr);
    put_shell_quoted(ls->resume);
    fputs(ls->ndjson ? " --all --ndjson)" : " --all)", stderr);
}

static void listing_clear_progress(void *user)
{
    progress_clear(&((cli_listing *)user)->progress);
}

/* Copies the pager's position (where the page about to be fetched comes from) into *at. */
static int listing_position(cli_listing *ls, const okta_cc_pager *pager, char **at)
{
    const char *url = okta_cc_pager_resume_url(pager);
    size_t n = url ? strlen(url) + 1 : 0;
    free(*at);
    *at = n ? (char *)malloc(n) : NULL;
    if (n && !*at) return fail(ls->cmd, strerror(ENOMEM));
    if (n) memcpy(*at, url, n);
    return CLI_OK;
}

/* Where a listing that failed with res goes on: a failed request at the page the pager would
   ask for again, a page that came but cannot be printed (not 2xx, not a JSON array) at that
   page itself (at). None when the pager refused where the list leads: a next link to another
   origin, back to a page already fetched (resuming there would repeat items) or malformed -
   unless it only stopped at its page cap, which resuming is for. */
static const char *listing_resume(const okta_cc_pager *pager, okta_cc_result res, const char *at)
{
    int cap = pager->max_pages > 0 ? pager->max_pages : OKTA_CC_PAGER_MAX_PAGES;
    if (res == OKTA_CC_OK) return at;
    if (res == OKTA_CC_ERR_ORIGIN || (res == OKTA_CC_ERR_BAD_RESPONSE && pager->pages < cap)) return NULL;
    return okta_cc_pager_resume_url(pager);
}

/* Fetches and prints the next page: CLI_OK, CLI_FAIL (the error line is out), or -1 at the
   end of the list. */
static int listing_step(cli_listing *ls, okta_cc_pager *pager, char **at)
{
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_result res;
    unsigned long count = 0;
    int r = listing_position(ls, pager, at);
    if (r != CLI_OK) return r;
    res = okta_cc_pager_next(pager, &page, &err);
    ls->resume = listing_resume(pager, res, *at);
    if (res == OKTA_CC_END) r = -1;
    else if (res != OKTA_CC_OK) r = api_fail(ls->cmd, res, &err);
    else r = check_status(ls->cmd, "GET", &page);
    if (r == CLI_OK) r = listing_page(ls, &page, pager->pages, &count);
    if (r == CLI_OK) ls->pages++, progress_page(&ls->progress, &page, count);
    okta_cc_response_free(&page);
    return r;
}

/* The end of a polling listing (the System Log without "until"): its pages never run out of
   next links, so the pager stops at the page that brought nothing new and keeps the link to
   poll later. One line on stderr says so and gives the command that lists what comes next. */
static void listing_polled_note(const cli_listing *ls, const okta_cc_pager *pager)
{
    const char *url = okta_cc_pager_resume_url(pager);
    if (!url || ls->stdout_failed) return;
    fprintf(stderr, "okta-cc: get: the listing is up to date (%lu item%s printed; to poll again: okta-cc get ",
            ls->items, ls->items == 1 ? "" : "s");
    put_shell_quoted(url);
    fputs(ls->ndjson ? " --all --ndjson)\n" : " --all)\n", stderr);
}

/* get --all. The pager refuses a next link to a page already fetched (a cycle would never
   end) and a malformed Link header. On failure the array form is still closed, so stdout is
   one JSON array of what was printed; nothing at all is printed when the first page fails. */
static int get_follow(cli_listing *ls, okta_cc_client *client, const char *path, const cli_options *o,
                      unsigned interval);

static int get_all(cli_listing *ls, okta_cc_client *client, const char *path)
{
    okta_cc_pager pager;
    okta_cc_error err;
    char *at = NULL;
    int r = CLI_OK;
    if (ls->follow) return get_follow(ls, client, path, ls->follow, ls->interval);
    if (okta_cc_pager_begin(&pager, client, path, &err) != OKTA_CC_OK) r = fail(ls->cmd, strerror(ENOMEM));
    error_context.begin = listing_clear_progress;
    error_context.end = listing_note;
    error_context.user = ls;
    while (r == CLI_OK) r = listing_step(ls, &pager, &at);
    if (r < 0) r = CLI_OK;                          /* the end of the list */
    progress_clear(&ls->progress);
    memset(&error_context, 0, sizeof error_context);
    if (r == CLI_OK) listing_polled_note(ls, &pager);
    if (ls->opened && !ls->stdout_failed) {      /* a listing always has a first page */
        int closed = listing_write(ls, "]\n", 2);
        if (closed == CLI_OK) closed = listing_flush(ls);
        if (r == CLI_OK) r = closed;
    }
    free(at);
    okta_cc_pager_end(&pager);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   get --follow: following a polling listing (the System Log) for as long as it runs
   ------------------------------------------------------------------------------------------- */

/* A follower prints each new element of a polling listing (GET /api/v1/logs without "until")
   as one NDJSON line, then polls the listing's last next link every interval. It never exits on
   what may pass (a 429, a 5xx, a dropped or refused connection, a page that is not JSON): it
   waits and asks for the same page again, backing off from 1 s to a minute. With --state the
   cursor (the next link after the last page printed) and the uuids of that page's events go
   to FILE with each page (see follow_state_prepare: FILE always holds one whole state), so a
   follower started again with it goes on from there.
   Events whose uuid was on the page before are not printed again (a server that hands back an
   event at the cursor's boundary). SIGINT and SIGTERM end it after the page being printed,
   with its state saved, and exit status 0. */
#define FOLLOW_DEFAULT_INTERVAL 60      /* seconds; Okta: poll the System Log every 60-300 s */
#define FOLLOW_MAX_BACKOFF_MS 60000L
#define FOLLOW_MAX_UUIDS 1000           /* Okta's largest page */
#define FOLLOW_UUID_MAX 64

typedef struct cli_follow {
    cli_listing *ls;            /* prints the lines (ndjson) */
    const char *state;          /* --state FILE, or NULL */
    long interval_ms;
    char *cursor;               /* where to poll next: the PATH, the saved cursor, a next link */
    int from_state;             /* cursor came from the state file (an origin refusal names it) */
    char (*uuids)[FOLLOW_UUID_MAX];     /* the last page's, FOLLOW_MAX_UUIDS of them */
    size_t n_uuids;
    int failures;               /* transient failures in a row */
} cli_follow;

static volatile sig_atomic_t follow_stop;

static void follow_on_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}

/* SIGINT and SIGTERM set follow_stop and interrupt a wait (no SA_RESTART); a request under way
   finishes (libcurl resumes its poll), and the loop stops after its page. */
static void follow_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = follow_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Waits ms milliseconds, or less when a signal asks the follower to stop. */
static void follow_sleep(long ms)
{
    while (ms > 0 && !follow_stop) {
        long slice = ms < 200 ? ms : 200;
        struct timespec ts;
        ts.tv_sec = 0;
        ts.tv_nsec = slice * 1000000L;
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}

static int follow_set_cursor(cli_follow *f, const char *url)
{
    size_t n = strlen(url) + 1;
    char *c = (char *)malloc(n);
    if (!c) return fail(f->ls->cmd, strerror(ENOMEM));
    memcpy(c, url, n);
    free(f->cursor);
    f->cursor = c;
    return CLI_OK;
}

/* One line on stderr for what the follower is waiting out ("okta-cc: get: WHY (retrying in N s)"). */
static void follow_notice(const char *why, long wait_ms)
{
    error_line("%s: %s (retrying in %ld s)", "get", why, (wait_ms + 999) / 1000);
}

/* The state file: {"next":"URL","uuids":["...",...]}, where to go on and the uuids of the last
   page printed. */
static int follow_state_bad(const cli_follow *f, const char *why)
{
    error_line("%s: %s (expected the state okta-cc get --follow writes; remove it to start afresh)",
               display_name(f->state), why);
    return CLI_FAIL;
}

/* Reads the uuids array at tok of the state into f. */
static int follow_state_uuids(cli_follow *f, const okta_cc_json_doc *doc, long tok)
{
    long i;
    if (tok < 0) return CLI_OK;
    if (doc->tokens[tok].type != OKTA_CC_JSON_ARRAY) return follow_state_bad(f, "\"uuids\" is not an array");
    for (i = okta_cc_json_first(doc, (size_t)tok); i >= 0; i = okta_cc_json_next(doc, (size_t)tok, (size_t)i)) {
        if (f->n_uuids >= FOLLOW_MAX_UUIDS ||
            okta_cc_json_get_string(doc, (size_t)i, f->uuids[f->n_uuids], FOLLOW_UUID_MAX, NULL, NULL) != OKTA_CC_OK)
            return follow_state_bad(f, "\"uuids\" holds something other than up to 1000 short strings");
        f->n_uuids++;
    }
    return CLI_OK;
}

/* Takes the cursor and uuids out of the state text. */
static int follow_state_parse(cli_follow *f, const char *text, size_t len)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens = NULL;
    okta_cc_json_limits limits;
    char *next = NULL;
    size_t need = 0;
    long t;
    int r = CLI_OK;
    memset(&limits, 0, sizeof limits);
    limits.max_bytes = CLI_MAX_INPUT;
    if (okta_cc_json_parse(text, len, NULL, 0, &limits, &doc, NULL) != OKTA_CC_OK) return follow_state_bad(f, "not JSON");
    tokens = (okta_cc_json_token *)malloc(doc.count * sizeof *tokens);
    if (!tokens) return fail(f->ls->cmd, strerror(ENOMEM));
    okta_cc_json_parse(text, len, tokens, doc.count, &limits, &doc, NULL);
    t = okta_cc_json_find(&doc, 0, "next");
    if (t < 0 || okta_cc_json_get_string(&doc, (size_t)t, NULL, 0, &need, NULL) != OKTA_CC_ERR_BUFFER_TOO_SMALL)
        r = follow_state_bad(f, "no \"next\" string");
    if (r == CLI_OK && !(next = (char *)malloc(need))) r = fail(f->ls->cmd, strerror(ENOMEM));
    if (r == CLI_OK) okta_cc_json_get_string(&doc, (size_t)t, next, need, NULL, NULL);
    if (r == CLI_OK && strncmp(next, "https://", 8) != 0 && strncmp(next, "http://", 7) != 0)
        r = follow_state_bad(f, "\"next\" is not an absolute URL");
    if (r == CLI_OK && strlen(next) + 1 != need) r = follow_state_bad(f, "\"next\" holds a NUL");
    if (r == CLI_OK) r = follow_state_uuids(f, &doc, okta_cc_json_find(&doc, 0, "uuids"));
    if (r == CLI_OK) r = follow_set_cursor(f, next);
    f->from_state = r == CLI_OK;
    free(next);
    free(tokens);
    return r;
}

/* Loads --state FILE when it exists; a missing file is a fresh start at PATH. */
static int follow_state_load(cli_follow *f)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int r;
    if (!f->state) return CLI_OK;
    if (lstat(f->state, &st) != 0 && errno == ENOENT) return CLI_OK;
    if (read_source(f->state, &text, &len) != CLI_OK) return CLI_FAIL;
    r = len ? follow_state_parse(f, text, len) : follow_state_bad(f, "empty");
    okta_cc_free_wiped(NULL, text, len + 1);
    return r;
}

/* The state is written in two steps, so that a kill -9 can only fall between a page's flush
   and one rename: before the page is printed, the state after it goes to a temporary file in
   FILE's directory (0600, written and fsynced); once the page is out, it is renamed over FILE.
   *tmp receives the temporary file's name (the caller commits or drops it). */
static int follow_state_prepare(const cli_follow *f, const char *next, char (*uuids)[FOLLOW_UUID_MAX], size_t n,
                                char **tmp)
{
    okta_cc_json_writer w;
    const char *slash = strrchr(f->state, '/');
    size_t i, len = 0, dir_len = slash ? (size_t)(slash - f->state) + 1 : 0;
    int fd = -1, ok;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "next");
    okta_cc_json_write_string(&w, next);
    okta_cc_json_write_key(&w, "uuids");
    okta_cc_json_write_array_begin(&w);
    for (i = 0; i < n; i++) okta_cc_json_write_string(&w, uuids[i]);
    okta_cc_json_write_array_end(&w);
    okta_cc_json_write_object_end(&w);
    *tmp = (char *)malloc(strlen(f->state) + 16);
    ok = okta_cc_json_writer_finish(&w, &len, NULL) == OKTA_CC_OK && *tmp;
    if (ok) {
        sprintf(*tmp, "%.*s.%s.XXXXXX", (int)dir_len, f->state, f->state + dir_len);
        fd = mkstemp(*tmp);     /* mode 0600 */
        ok = fd >= 0 && write_fd(fd, w.buf, len) == 0;
        ok = (fd < 0 || close(fd) == 0) && ok;
        if (!ok && fd >= 0) unlink(*tmp);
    }
    okta_cc_json_writer_free(&w);
    if (ok) return CLI_OK;
    free(*tmp);
    *tmp = NULL;
    return fail(display_name(f->state), strerror(errno ? errno : ENOMEM));
}

/* Renames the prepared state over FILE (commit), or removes it (the page did not get out). */
static int follow_state_finish(const cli_follow *f, char *tmp, int commit)
{
    int r = CLI_OK;
    if (!tmp) return CLI_OK;
    if (commit && rename(tmp, f->state) != 0) r = fail(display_name(f->state), strerror(errno));
    if (!commit || r != CLI_OK) unlink(tmp);
    free(tmp);
    return r;
}

/* The uuids are the org's data, like a listing: wiped before they are freed. */
static void follow_free_uuids(char (*uuids)[FOLLOW_UUID_MAX])
{
    if (!uuids) return;
    okta_cc_wipe(uuids, FOLLOW_MAX_UUIDS * sizeof *uuids);
    free(uuids);
}

static int follow_seen(const cli_follow *f, const char *uuid)
{
    size_t i;
    for (i = 0; i < f->n_uuids; i++)
        if (strcmp(f->uuids[i], uuid) == 0) return 1;
    return 0;
}

/* The uuid of element i (an event object) into out, or "" when it has none that fits. */
static void follow_uuid_of(const okta_cc_json_doc *doc, long i, char out[FOLLOW_UUID_MAX])
{
    long u = okta_cc_json_find(doc, (size_t)i, "uuid");
    size_t n = 0;
    out[0] = '\0';
    if (u < 0 || okta_cc_json_get_string(doc, (size_t)u, out, FOLLOW_UUID_MAX, &n, NULL) != OKTA_CC_OK ||
        strlen(out) != n)
        out[0] = '\0';
}

/* Prints the elements of a parsed page that the page before did not have; now[] receives the
   page's uuids (*n of them). */
static int follow_print_elements(cli_follow *f, const okta_cc_response *page, const okta_cc_json_doc *doc,
                                 char (*now)[FOLLOW_UUID_MAX], size_t *n)
{
    long i;
    int r = CLI_OK;
    for (i = okta_cc_json_first(doc, 0); i >= 0 && r == CLI_OK; i = okta_cc_json_next(doc, 0, (size_t)i)) {
        const okta_cc_json_token *t = &doc->tokens[i];
        size_t start = t->start, end = t->end;
        char uuid[FOLLOW_UUID_MAX];
        follow_uuid_of(doc, i, uuid);
        if (uuid[0] && *n < FOLLOW_MAX_UUIDS) memcpy(now[(*n)++], uuid, FOLLOW_UUID_MAX);
        if (uuid[0] && follow_seen(f, uuid)) continue;
        if (t->type == OKTA_CC_JSON_STRING) start--, end++;
        r = listing_item(f->ls, page->http.body + start, end - start);
        if (r == CLI_OK) f->ls->items++;
    }
    return r == CLI_OK ? listing_flush(f->ls) : r;
}

/* The uuids of a parsed page, for the state prepared before it is printed. */
static size_t follow_page_uuids(const okta_cc_json_doc *doc, char (*out)[FOLLOW_UUID_MAX])
{
    size_t n = 0;
    long i;
    for (i = okta_cc_json_first(doc, 0); i >= 0 && n < FOLLOW_MAX_UUIDS; i = okta_cc_json_next(doc, 0, (size_t)i)) {
        follow_uuid_of(doc, i, out[n]);
        if (out[n][0]) n++;
    }
    return n;
}

/* Prints a page that is a JSON array (else FOLLOW_BAD_PAGE, the cursor stays) and moves the
   cursor to next (NULL: a bounded listing's last page), with the state saved around the
   printing (see follow_state_prepare) unless nothing changed (an empty page that links to the
   same cursor). The page's uuids become the ones not to print again (an empty page keeps those
   before). */
#define FOLLOW_BAD_PAGE 2
static int follow_print_page(cli_follow *f, const okta_cc_response *page, const char *next)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens = NULL;
    char (*now)[FOLLOW_UUID_MAX] = NULL, *tmp = NULL;
    size_t n = 0, count;
    int r;
    if (parse_json(f->ls->cmd, "a page", page->http.body, page->http.body_len, &doc, &tokens) != CLI_OK ||
        tokens[0].type != OKTA_CC_JSON_ARRAY) {
        free(tokens);
        return FOLLOW_BAD_PAGE;
    }
    count = tokens[0].count;
    now = (char (*)[FOLLOW_UUID_MAX])malloc(FOLLOW_MAX_UUIDS * sizeof *now);
    r = now ? CLI_OK : fail(f->ls->cmd, strerror(ENOMEM));
    if (r == CLI_OK && count) n = follow_page_uuids(&doc, now);
    if (r == CLI_OK && f->state && next && (count || strcmp(next, f->cursor) != 0))
        r = count ? follow_state_prepare(f, next, now, n, &tmp) : follow_state_prepare(f, next, f->uuids, f->n_uuids, &tmp);
    n = 0;
    if (r == CLI_OK) r = follow_print_elements(f, page, &doc, now, &n);
    r = r == CLI_OK ? follow_state_finish(f, tmp, 1) : (follow_state_finish(f, tmp, 0), r);
    if (r == CLI_OK && count) {
        follow_free_uuids(f->uuids);
        f->uuids = now;
        f->n_uuids = n;
        now = NULL;
    }
    if (r == CLI_OK && next) r = follow_set_cursor(f, next);
    follow_free_uuids(now);
    free(tokens);
    return r;
}

/* Milliseconds until the rate limit's Reset (on the server's clock, as the client learnt it),
   + 1 s, within 1 s .. 61 s (Okta's windows are a minute long). */
static long follow_reset_wait(okta_cc_client *client, int64_t reset)
{
    int64_t now = (int64_t)time(NULL) + okta_cc_client_clock_offset(client), s = reset - now + 1;
    if (reset <= 0) return 1000;
    return (long)(s < 1 ? 1 : s > 61 ? 61 : s) * 1000;
}

/* After a page: none of the window's requests left means waiting for the next window. */
static long follow_pace(okta_cc_client *client, const okta_cc_response *page)
{
    if (!page->rate_limit.present || page->rate_limit.remaining > 0) return 0;
    return follow_reset_wait(client, page->rate_limit.reset);
}

/* Whether a failed poll may pass: rate limits, 5xx, 408, connections dropped or refused,
   timeouts. A refusal (4xx, a foreign next link, a malformed Link header, TLS) will not. */
static int follow_transient(okta_cc_result r, const okta_cc_error *err)
{
    if (r == OKTA_CC_ERR_RATE_LIMITED || r == OKTA_CC_ERR_CONNECT || r == OKTA_CC_ERR_NETWORK || r == OKTA_CC_ERR_TIMEOUT)
        return 1;
    return r == OKTA_CC_ERR_HTTP && (err->http_status >= 500 || err->http_status == 429 || err->http_status == 408);
}

/* The wait before the same page is asked for again after the f->failures-th failure in a row:
   1 s, 2 s, 4 s ... a minute, plus up to a quarter of it, or until a rate limit's Reset. */
static long follow_backoff(cli_follow *f, okta_cc_client *client, okta_cc_result r, const okta_cc_error *err)
{
    long ms = 1000;
    int k;
    if (r == OKTA_CC_ERR_RATE_LIMITED || (r == OKTA_CC_ERR_HTTP && err->http_status == 429))
        return follow_reset_wait(client, err->rate_limit_reset);
    for (k = 1; k < f->failures && ms < FOLLOW_MAX_BACKOFF_MS; k++) ms *= 2;
    if (ms > FOLLOW_MAX_BACKOFF_MS) ms = FOLLOW_MAX_BACKOFF_MS;
    return ms + (long)(monotonic_ms() % (ms / 4 + 1));
}

/* One page fetched: printed, the cursor moved, the state saved (see follow_print_page). *wait
   receives the pause the rate limit asks for (0: none). */
static int follow_take_page(cli_follow *f, okta_cc_client *client, okta_cc_pager *pager, okta_cc_response *page,
                            long *wait)
{
    int r = follow_print_page(f, page, okta_cc_pager_resume_url(pager));
    *wait = follow_pace(client, page);
    if (r == CLI_OK) f->failures = 0, f->from_state = 0;
    return r;
}

/* What a failed poll does: a transient failure is waited out (-1: go on), anything else ends
   the follower with its error line. */
static int follow_failed(cli_follow *f, okta_cc_client *client, okta_cc_result res, const okta_cc_error *err)
{
    long wait;
    if (res == OKTA_CC_ERR_ORIGIN && f->from_state) {
        error_line("%s: the saved cursor is not on the org's origin: %s (the state of another org? "
                   "nothing was sent to it)", display_name(f->state), err->message);
        return CLI_FAIL;
    }
    if (!follow_transient(res, err)) return api_fail(f->ls->cmd, res, err);
    f->failures++;
    wait = follow_backoff(f, client, res, err);
    follow_notice(err->message[0] ? err->message : okta_cc_result_str(res), wait);
    follow_sleep(wait);
    return -1;
}

/* The follower's loop: pages as they come, the interval between polls, and waits after
   failures; CLI_OK when stopped by a signal or when a bounded listing ends. */
static int follow_loop(cli_follow *f, okta_cc_client *client)
{
    okta_cc_pager pager;
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_result res;
    int r = -1, begun = 0;
    while (r < 0 && !follow_stop) {
        long wait = 0;
        if (!begun && okta_cc_pager_begin(&pager, client, f->cursor, &err) != OKTA_CC_OK) return fail(f->ls->cmd, strerror(ENOMEM));
        begun = 1;
        res = okta_cc_pager_next(&pager, &page, &err);
        if (res == OKTA_CC_OK) {
            r = follow_take_page(f, client, &pager, &page, &wait);
            if (r == FOLLOW_BAD_PAGE) {         /* the same page again, later */
                f->failures++;
                memset(&err, 0, sizeof err);
                wait = follow_backoff(f, client, OKTA_CC_ERR_BAD_RESPONSE, &err);
                follow_notice("the page is not a JSON array", wait);
                okta_cc_pager_end(&pager);
                begun = 0;
            }
            if (r == CLI_OK || r == FOLLOW_BAD_PAGE) r = -1;
        } else if (res == OKTA_CC_END) {
            int polling = okta_cc_pager_resume_url(&pager) != NULL;
            okta_cc_pager_end(&pager);
            begun = 0;
            if (!polling) r = CLI_OK;       /* a bounded listing: nothing more will come */
            wait = f->interval_ms;
        } else {
            r = follow_failed(f, client, res, &err);
            okta_cc_pager_end(&pager);
            begun = 0;
        }
        okta_cc_response_free(&page);
        if (r < 0) follow_sleep(wait);
    }
    if (begun) okta_cc_pager_end(&pager);
    return r < 0 ? CLI_OK : r;
}

/* The --follow flags that go together, checked before anything is read or sent: *interval
   receives --interval in seconds (default FOLLOW_DEFAULT_INTERVAL). With --follow, *o becomes
   copy, the options get runs with: --all (get_all hands over to the follower), --quiet (no
   progress line), and --no-retry unless --max-retries is given (the follower waits out
   failures itself, and a signal cuts its waits short). */
static int follow_check_flags(const cli_options *given, cli_options *copy, const cli_options **o, unsigned *interval)
{
    *interval = FOLLOW_DEFAULT_INTERVAL;
    if (!given->follow && (given->interval || given->state)) return usage_error("get", "--interval and --state go with --follow");
    if (!given->follow) return CLI_OK;
    if (given->all || given->include || given->ndjson)
        return usage_error("get", "--follow prints NDJSON itself: no --all, --ndjson or --include");
    if (given->interval && parse_seconds("get", "interval", given->interval, 1, 86400, interval) != CLI_OK) return CLI_USAGE;
    *copy = *given;
    copy->all = copy->quiet = 1;
    if (!copy->max_retries) copy->no_retry = 1;
    *o = copy;
    return CLI_OK;
}

/* get --follow [--interval SECONDS] [--state FILE]: PATH is where a fresh start begins; a state
   file that exists says where to go on instead. */
static int get_follow(cli_listing *ls, okta_cc_client *client, const char *path, const cli_options *o,
                      unsigned interval)
{
    cli_follow f;
    int r;
    memset(&f, 0, sizeof f);
    f.ls = ls;
    f.state = o->state;
    f.interval_ms = (long)interval * 1000;
    ls->ndjson = 1;
    f.uuids = (char (*)[FOLLOW_UUID_MAX])malloc(FOLLOW_MAX_UUIDS * sizeof *f.uuids);
    r = f.uuids ? follow_set_cursor(&f, path) : fail("get", strerror(ENOMEM));
    if (r == CLI_OK) r = follow_state_load(&f);
    if (r == CLI_OK) {
        follow_catch_signals();
        r = follow_loop(&f, client);
    }
    free(f.cursor);
    follow_free_uuids(f.uuids);
    return r;
}

/* Builds the client for get and request (the same settings as token). */
static int open_api_client(const char *cmd, const cli_options *o, cli_progress *progress,
                           okta_cc_token_store *store, okta_cc_client **client)
{
    okta_cc_key key;
    int r;
    memset(&key, 0, sizeof key);
    r = open_client(cmd, o, 1, &key, progress, store, client);
    okta_cc_key_wipe(&key);
    return r;
}

static int cmd_get(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_token_store store;
    cli_listing listing;
    cli_options follow_opts;
    unsigned interval;
    int r;
    if (o->nargs != 1) return usage_error("get", "give one PATH, e.g. /api/v1/users");
    r = follow_check_flags(o, &follow_opts, &o, &interval);
    if (r != CLI_OK) return r;
    if (o->all && o->include) return usage_error("get", "--include does not go with --all");
    if (o->ndjson && !o->all) return usage_error("get", "--ndjson goes with --all");
    memset(&listing, 0, sizeof listing);
    listing.cmd = "get";
    listing.ndjson = o->ndjson;
    listing.follow = o->follow ? o : NULL;
    listing.interval = interval;
    progress_init(&listing.progress, o->all && !o->quiet && isatty(STDERR_FILENO), o->verbose);
    memset(&store, 0, sizeof store);
    r = open_api_client("get", o, &listing.progress, &store, &client);
    if (r == CLI_OK)
        r = o->all ? get_all(&listing, client, o->args[0]) : api_call("get", client, "GET", o->args[0], NULL, 0, o->include);
    okta_cc_client_free(client);
    cache_close(&store);
    return r;
}

/* METHOD in upper case into out[8], or a usage error. */
static int parse_method(const char *text, char out[8])
{
    static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" };
    size_t i, n = strlen(text);
    for (i = 0; i < n && n < 8; i++) out[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 'a' + 'A' : text[i]);
    out[n < 8 ? n : 0] = '\0';
    for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(out, methods[i]) == 0) return CLI_OK;
    return usage_error("request", "METHOD must be GET, POST, PUT, PATCH, DELETE or HEAD, not '%s'", text);
}

/* --data: the text, or @FILE / @- read into *buf (the caller frees it); checked to be JSON. */
static int load_data(const char *data, char **buf, const char **body, size_t *len)
{
    okta_cc_json_doc doc;
    okta_cc_json_limits limits;
    okta_cc_error err;
    *buf = NULL;
    if (data[0] == '@') {
        if (read_source(data + 1, buf, len) != CLI_OK) return CLI_FAIL;
        *body = *buf;
    } else {
        *body = data;
        *len = strlen(data);
    }
    memset(&limits, 0, sizeof limits);
    limits.max_bytes = CLI_MAX_INPUT;
    if (okta_cc_json_parse(*body, *len, NULL, 0, &limits, &doc, &err) != OKTA_CC_OK)
        return usage_error("request", "--data is not valid JSON (%s)", err.message);
    return CLI_OK;
}

static int cmd_request(const cli_options *o)
{
    okta_cc_client *client = NULL;
    okta_cc_token_store store;
    const char *body = NULL;
    char method[8], *buf = NULL;
    size_t len = 0;
    int r;
    if (o->nargs != 2) return usage_error("request", "give METHOD and PATH, e.g. GET /api/v1/users");
    r = parse_method(o->args[0], method);
    if (r != CLI_OK) return r;
    if (o->data && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
        return usage_error("request", "a %s request has no body: --data does not apply", method);
    r = check_stdin_readers("request", o);     /* before --data @- reads stdin */
    if (r == CLI_OK && o->data) r = load_data(o->data, &buf, &body, &len);
    else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0)
        body = "";      /* an empty body, sent with Content-Length: 0 */
    memset(&store, 0, sizeof store);
    if (r == CLI_OK) r = open_api_client("request", o, NULL, &store, &client);
    if (r == CLI_OK) r = api_call("request", client, method, o->args[1], body, len, o->include);
    okta_cc_client_free(client);
    cache_close(&store);
    okta_cc_free_wiped(NULL, buf, len);     /* --data @FILE: the body may hold a password */
    return r;
}

/* ---------------------------------------------------------------------------------------------
   The command table and main
   ------------------------------------------------------------------------------------------- */

static const cli_command commands[] = {
    { "keygen", "generate a private key file and print its public JWK", keygen_help, NULL, keygen_options, 0,
      cmd_keygen },
    { "jwk", "print the public JWK of a private key", jwk_help, NULL, jwk_options, 0, cmd_jwk },
    { "sign", "sign JSON claims from stdin as a JWT (compact JWS)", sign_help, NULL, sign_options, 0, cmd_sign },
    { "assertion", "print a signed client assertion (private_key_jwt) for the app", assertion_help, NULL,
      assertion_options, 0, cmd_assertion },
    { "token", "fetch an access token (client credentials) and print it", token_help, NULL, token_options,
      0, cmd_token },
    { "get", "GET an Okta API path and print its JSON (--all: every page)", get_help, get_help_more,
      get_options, 1, cmd_get },
    { "request", "call the Okta API with any method and a JSON body", request_help, request_help_more,
      request_options, 2, cmd_request },
    { "cache", "list or clear the token cache that token, get and request keep", cache_help, NULL,
      cache_options, 1, cmd_cache },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_main_help(FILE *f)
{
    size_t i;
    fprintf(f, "usage: okta-cc [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
               "       okta-cc COMMAND --help\n"
               "       okta-cc --version\n"
               "\n"
               "Tools for an Okta service app (OAuth 2.0 client credentials, private_key_jwt).\n"
               "\n"
               "commands:\n");
    for (i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n"
               "Options take '--name VALUE' or '--name=VALUE' and may come before or after the\n"
               "command: 'okta-cc -v get PATH' is 'okta-cc get PATH -v'. -v, --help and --version\n"
               "work anywhere (-v logs each HTTP exchange; keygen, jwk and sign make none).\n"
               "Errors are one line on stderr; text from a server is shown with its control\n"
               "characters escaped (\\x1b). Exit status: 0 success; 1 the operation failed (a file,\n"
               "the network, the server, or stdout could not be written); 2 usage error: the\n"
               "command line or a setting (flag or environment variable) is missing or invalid.\n"
               "okta-cc never leaves a core dump (it holds keys and tokens).\n"
               "\n"
               "assertion, token, get and request read the app's settings from OKTA_CLIENT_ORGURL,\n"
               "OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY, OKTA_CLIENT_PRIVATEKEYID (or\n"
               "OKTA_CLIENT_KID), OKTA_CLIENT_SCOPES, OKTA_CLIENT_AUTHSERVERID,\n"
               "OKTA_CLIENT_CLIENTSECRET and OKTA_CC_CA_FILE when no flag gives them. token, get\n"
               "and request keep the token between runs in a cache (OKTA_CC_CACHE_DIR; off with\n"
               "--no-cache or OKTA_CC_CACHE_DIR=off): see 'okta-cc cache --help'.\n");
}

static int print_version(void)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    printf("okta-cc %s (bearssl, libcurl %s)\n", OKTA_CC_VERSION_STRING, curl && curl->version ? curl->version : "?");
    return fflush(stdout) == 0 ? CLI_OK : fail("stdout", strerror(errno));
}

/* `okta-cc NAME --help`: both halves of the command's usage (the final close checks them). */
static int print_command_help(const cli_command *cmd)
{
    if (fputs(cmd->help, stdout) < 0) return CLI_FAIL;
    return cmd->help_more && fputs(cmd->help_more, stdout) < 0 ? CLI_FAIL : CLI_OK;
}

static const cli_command *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Whether option --NAME (len bytes) takes a value: 1 yes, 0 a flag, -1 no command has it.
   A name means the same in every command that has it, so this holds before the command is
   known. */
static int option_takes_value(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++) {
        const cli_option_spec *spec = find_option(&commands[i], name, len);
        if (spec) return !spec->is_flag;
    }
    return -1;
}

/* The index in argv of the command name: the first argument that is neither an option nor
   an option's value. 0 when there is none; -1 (after the error line) for an option that no
   command knows, since whether it takes a value cannot be known. */
static int command_index(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *name = a + 2, *eq;
        size_t len;
        int takes;
        if (a[0] != '-' || !a[1]) return i;
        if (strcmp(a, "-v") == 0 || strcmp(a, "-q") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
            strcmp(a, "--version") == 0)
            continue;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        takes = a[1] == '-' && len ? option_takes_value(name, len) : -1;
        if (takes < 0) {
            error_line("%s: unknown option (see 'okta-cc --help')", a);
            return -1;
        }
        if (takes && !eq) i++;      /* its value, which may look like a command name */
    }
    return 0;
}

/* Runs cmd with every argument but the program and command names, in their order. */
static int run_command(const cli_command *cmd, int argc, char **argv, int at)
{
    cli_options opts;
    char **rest = (char **)malloc((size_t)argc * sizeof *rest);
    int n = 0, i, want = WANT_RUN, r;
    if (!rest) return fail("okta-cc", strerror(ENOMEM));
    for (i = 1; i < argc; i++)
        if (i != at) rest[n++] = argv[i];
    r = parse_options(cmd, n, rest, &opts, &want);
    free(rest);
    if (r != CLI_OK) return r;
    if (want == WANT_VERSION) return print_version();
    if (want == WANT_HELP) return print_command_help(cmd);
    return cmd->run(&opts);
}

/* No command: --version, --help, "help [COMMAND]", or the usage on stderr. */
static int run_without_command(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--version") == 0) return print_version();
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_main_help(stdout);
            return CLI_OK;
        }
    print_main_help(stderr);
    return CLI_USAGE;
}

static int run(int argc, char **argv)
{
    const cli_command *cmd;
    int r;
    int at = command_index(argc, argv);
    if (at < 0) return CLI_USAGE;
    if (at == 0) return run_without_command(argc, argv);
    if (strcmp(argv[at], "help") == 0) {
        if (at + 1 < argc && (cmd = find_command(argv[at + 1])) != NULL)
            return print_command_help(cmd);
        print_main_help(stdout);
        return CLI_OK;
    }
    cmd = find_command(argv[at]);
    if (!cmd) {
        error_line("%s: unknown command (see 'okta-cc --help')", argv[at]);
        return CLI_USAGE;
    }
    r = run_command(cmd, argc, argv, at);
    okta_cc_pkcs11_close(cli_tokens[1]);
    okta_cc_pkcs11_close(cli_tokens[0]);
    return r;
}

/* A program started with descriptor 0, 1 or 2 closed hands that number to the next file it
   opens - the key file keygen writes, a libcurl socket - and then prints into it. Each closed
   one is opened on /dev/null the wrong way round (stdin write-only, stdout and stderr
   read-only, as gnulib's stdopen does), so that using it fails loudly instead. */
static int open_std_descriptors(void)
{
    int fd;
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd) return -1;
    }
    return 0;
}

/* libcurl's allocations (curl_global_init_mem): every block carries its size in front and is
   wiped before it is freed, so the copies libcurl makes of request headers and bodies (the
   token, the assertion, a --data body) and of responses are not left in freed memory. */
typedef union cli_block {
    size_t size;
    long double align_ld;
    void *align_p;
    long long align_ll;
} cli_block;

/* A block for size bytes with its header filled in, or NULL. */
static cli_block *new_block(size_t size)
{
    cli_block *b;
    if (size > ((size_t)-1) - sizeof *b) return NULL;
    b = (cli_block *)malloc(sizeof *b + size);
    if (b) b->size = size;
    return b;
}

static void *wiping_malloc(size_t size)
{
    cli_block *b = new_block(size);
    return b ? b + 1 : NULL;
}

static void wiping_free(void *p)
{
    cli_block *b;
    if (!p) return;    /* before the arithmetic below: NULL - 1 is undefined */
    b = (cli_block *)p - 1;
    okta_cc_wipe(b, sizeof *b + b->size);
    free(b);
}

/* Tests malloc's own result, not the pointer past the header: gcc 12's -fanalyzer cannot tell
   that b + 1 is not NULL, and took the test of it for a leak of b. */
static void *wiping_realloc(void *p, size_t size)
{
    cli_block *b = new_block(size ? size : 1);
    size_t old = p ? ((cli_block *)p - 1)->size : 0;
    if (!b) return NULL;
    if (p) memcpy(b + 1, p, old < size ? old : size);
    wiping_free(p);
    return b + 1;
}

static char *wiping_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *q = (char *)wiping_malloc(n);
    if (q) memcpy(q, s, n);
    return q;
}

static void *wiping_calloc(size_t count, size_t size)
{
    void *q;
    if (size && count > ((size_t)-1) / size) return NULL;
    q = wiping_malloc(count * size);
    if (q) memset(q, 0, count * size);
    return q;
}

/* stdout's buffer is ours: stdio would free its own unwiped at exit, with the last token or
   listing in it. */
static char stdout_buffer[BUFSIZ];

/* The final flush and close of stdout: what is still buffered can fail here (a full disk),
   and that must not look like success. */
static int close_stdout(int r)
{
    int closed = fclose(stdout) == 0;
    int saved = errno;
    okta_cc_wipe(stdout_buffer, sizeof stdout_buffer);
    if (!closed && r == CLI_OK) return fail("stdout", strerror(saved));
    return r;
}

/* A core file of okta-cc would hold the private key, the client secret and the token (one
   SIGABRT left the EC scalar and four copies of the token in a 1.8 MB core). First thing, the
   process gives itself a core size limit of 0 (soft and hard: no child or later call raises it)
   and, on Linux, makes itself non-dumpable: a core_pattern pipe (systemd-coredump) ignores the
   limit but skips a non-dumpable process (unless fs.suid_dumpable is 2, which gives root alone
   a copy), and other processes of the same user can no longer read its memory through ptrace
   or /proc/PID/mem. */
static int forbid_core_dumps(void)
{
    struct rlimit none;
    none.rlim_cur = none.rlim_max = 0;
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0) return -1;
#endif
    return 0;
}

int main(int argc, char **argv)
{
    int r;
    if (forbid_core_dumps() != 0) {
        fprintf(stderr, "okta-cc: cannot turn core dumps off: %s\n", strerror(errno));
        return CLI_FAIL;
    }
    if (open_std_descriptors() != 0) return CLI_FAIL;
    /* Without our buffer, stdio's own would be freed unwiped at exit: refuse rather than run. */
    if (setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer) != 0)
        return fail("stdout", "cannot give it a buffer that is wiped at exit");
    /* libcurl's global state belongs to the application (okta_cc.h leaves it to us). */
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, wiping_malloc, wiping_free, wiping_realloc, wiping_strdup,
                             wiping_calloc) != CURLE_OK)
        return close_stdout(fail("libcurl", "curl_global_init failed"));
    r = run(argc, argv);
    curl_global_cleanup();
    return close_stdout(r);
}
