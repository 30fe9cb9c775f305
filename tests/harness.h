/* A tiny test harness: each test is a function; a run prints one line per test and ends with
   "N passed, N failed". Tests that are generated from data files use h_begin()/h_end(). */
#ifndef OKTA_CC_TEST_HARNESS_H
#define OKTA_CC_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int h_passed, h_failed, h_current_failed, h_verbose = 1;
static const char *h_current_name;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "  %s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__,           \
                    h_current_name, #cond);                                                  \
            h_current_failed = 1;                                                            \
        }                                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                   \
    do {                                                                                     \
        long long h_a_ = (long long)(a), h_b_ = (long long)(b);                              \
        if (h_a_ != h_b_) {                                                                  \
            fprintf(stderr, "  %s:%d: %s: %s == %lld, expected %s == %lld\n", __FILE__,      \
                    __LINE__, h_current_name, #a, h_a_, #b, h_b_);                            \
            h_current_failed = 1;                                                            \
        }                                                                                    \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                   \
    do {                                                                                     \
        const char *h_a_ = (a), *h_b_ = (b);                                                 \
        if (!h_a_ || !h_b_ || strcmp(h_a_, h_b_) != 0) {                                     \
            fprintf(stderr, "  %s:%d: %s: %s is \"%s\", expected \"%s\"\n", __FILE__,         \
                    __LINE__, h_current_name, #a, h_a_ ? h_a_ : "(null)",                    \
                    h_b_ ? h_b_ : "(null)");                                                 \
            h_current_failed = 1;                                                            \
        }                                                                                    \
    } while (0)

static void h_begin(const char *name)
{
    h_current_name = name;
    h_current_failed = 0;
}

static int h_end(void)
{
    if (h_current_failed) {
        h_failed++;
        printf("FAIL %s\n", h_current_name);
    } else {
        h_passed++;
        if (h_verbose) printf("ok   %s\n", h_current_name);
    }
    fflush(stdout);
    return !h_current_failed;
}

#define RUN(fn) (h_begin(#fn), fn(), h_end())

static int h_summary(void)
{
    printf("%d passed, %d failed\n", h_passed, h_failed);
    return h_failed ? 1 : 0;
}

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on failure. */
static __attribute__((unused)) char *h_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (cap - n < 65536) {
            char *nb = (char *)realloc(buf, cap + 65536 + 1);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
            cap += 65536;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* The test vectors kept in the repository (tests/vectors/README.md says where each came from).
   Paths are relative to the project root, where tests/run.sh runs every suite. */
static const char *h_vectors_dir(void)
{
    return "tests/vectors";
}

static __attribute__((unused)) char *h_read_vector(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", h_vectors_dir(), rel);
    return h_read_file(path, len);
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A loopback URL on which nothing listens ("http://127.0.0.1:port" of a port just bound and
   closed): a connection there is refused. */
static __attribute__((unused)) void h_refused_url(char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    snprintf(out, cap, "http://127.0.0.1:%d", ntohs(sa.sin_port));
}

#ifdef OKTA_CC_H
/* The value of header `name` ("Name: value") among a request's, into out ("" when absent):
   what an injected transport saw (retry headers, DPoP proofs). */
static __attribute__((unused)) void request_header(const okta_cc_http_request *req, const char *name,
                                                   char *out, size_t cap)
{
    size_t i, n = strlen(name);
    out[0] = '\0';
    for (i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':')
            snprintf(out, cap, "%s", req->headers[i] + n + 1 + (req->headers[i][n + 1] == ' '));
}
#endif

#endif
