/* custom_transport - okta_cc.h without libcurl: the transport interface implemented on plain
   POSIX sockets, then every user of the org, one line each ("login status").

   For a device behind a TLS-terminating proxy (the device speaks http:// to it), and as a
   template for a vendor's HTTP stack: replace http_perform with calls to that stack. This one
   speaks HTTP/1.1 over TCP (IPv4, or an IPv6 literal such as http://[::1]:8080), one
   connection per request (Connection: close), with Content-Length or chunked bodies. It keeps
   the client's time limits, which okta_cc.h leaves to the transport: cfg.http.connect_timeout_ms
   for the connection and cfg.http.timeout_ms as a deadline for the whole request, so a server that
   trickles its answer or sends 1xx answers without end cannot hold a call for longer
   (OKTA_CLIENT_REQUESTTIMEOUT, in seconds as in the Okta SDKs, sets it here). It has no TLS:
   okta_cc.h accepts http:// only for loopback hosts, so the org URL is a local proxy's (or the
   local test server).

   What a transport returns decides what okta_cc_request does next (see okta_cc_transport):
   OKTA_CC_ERR_CONNECT when nothing was sent (retried for any method), OKTA_CC_ERR_NETWORK when
   bytes may have left (retried for GET only), OKTA_CC_ERR_TIMEOUT (never retried). A request
   this transport cannot send at all, such as a request line over 1023 bytes (its fixed
   buffer, like many small stacks'), is refused before connecting with
   OKTA_CC_ERR_INVALID_ARGUMENT: nothing was sent and, unlike NETWORK, no retry repeats it.

   Build:  cc -I. -DOKTA_CC_NO_CURL examples/custom_transport.c -o custom_transport -lbearssl
   Run:    OKTA_CLIENT_ORGURL=http://127.0.0.1:8080 OKTA_CLIENT_CLIENTID=0oa... \
           OKTA_CLIENT_PRIVATEKEY=key.pem OKTA_CLIENT_SCOPES=okta.users.read ./custom_transport */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_LINE_MAX 1023

/* The client's time limits (the transport's ctx), resolved: 0 in the config means the default. */
typedef struct transport_settings {
    long connect_timeout_ms, timeout_ms;
} transport_settings;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- URLs ---------------------------------------------------------------------------------- */

typedef struct http_url {
    char host[256], port[8], authority[272];
    const char *target;             /* path and query, into the request's URL */
} http_url;

/* "http://host[:port]/path?query", host a name, an IPv4 address or an IPv6 literal in brackets
   ("[::1]"; getaddrinfo gets it without them, the Host header with them). */
static int parse_url(const char *url, http_url *u)
{
    const char *h, *end, *host, *host_end, *colon;
    size_t n, i;
    if (strncmp(url, "http://", 7) != 0) return 0;
    h = url + 7;
    end = h + strcspn(h, "/?");
    if (*h == '[') {
        host = h + 1;
        host_end = (const char *)memchr(host, ']', (size_t)(end - host));
        if (!host_end) return 0;
        colon = host_end + 1 < end ? host_end + 1 : NULL;
        if (colon && *colon != ':') return 0;
    } else {
        host = h;
        colon = (const char *)memchr(h, ':', (size_t)(end - h));
        host_end = colon ? colon : end;
    }
    n = (size_t)(host_end - host);
    if (n == 0 || n >= sizeof u->host || (size_t)(end - h) >= sizeof u->authority) return 0;
    memcpy(u->host, host, n);
    u->host[n] = '\0';
    n = colon ? (size_t)(end - colon - 1) : 0;
    if (colon && (n == 0 || n >= sizeof u->port)) return 0;
    for (i = 0; i < n; i++)
        if (colon[1 + i] < '0' || colon[1 + i] > '9') return 0;
    snprintf(u->port, sizeof u->port, "%.*s", colon ? (int)n : 2, colon ? colon + 1 : "80");
    snprintf(u->authority, sizeof u->authority, "%.*s", (int)(end - h), h);
    u->target = *end ? end : "/";
    return 1;
}

/* ---- a socket with a read buffer and a deadline ---------------------------------------------- */

typedef struct conn {
    int fd;
    long long deadline;             /* now_ms() by which the whole request must be done */
    char buf[8192];
    size_t pos, len;
    okta_cc_result failed;          /* why the last read or write failed */
} conn;

/* Waits until the socket is ready for events, until `until` (now_ms()); 0 when the time is up
   (c->failed is then OKTA_CC_ERR_TIMEOUT) or poll fails. The socket is non-blocking, so no
   send, recv or connect can outlast the deadline. */
static int wait_ready(conn *c, short events, long long until)
{
    for (;;) {
        struct pollfd p;
        long long left = until - now_ms();
        int k;
        if (left <= 0) { c->failed = OKTA_CC_ERR_TIMEOUT; return 0; }
        p.fd = c->fd;
        p.events = events;
        p.revents = 0;
        k = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (k > 0) return 1;
        if (k < 0 && errno != EINTR) { c->failed = OKTA_CC_ERR_NETWORK; return 0; }
    }
}

/* Connects to one address within connect_ms (and the deadline); 1 on success. */
static int dial_one(conn *c, const struct addrinfo *ai, long connect_ms)
{
    long long until = now_ms() + connect_ms;
    int e = 0;
    socklen_t elen = sizeof e;
    c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (c->fd < 0) return 0;
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) == 0 &&
        (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
         (errno == EINPROGRESS && wait_ready(c, POLLOUT, until < c->deadline ? until : c->deadline) &&
          getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == 0 && e == 0)))
        return 1;
    close(c->fd);
    c->fd = -1;
    return 0;
}

/* OKTA_CC_OK, OKTA_CC_ERR_CONNECT (no address took the connection: nothing was sent) or
   OKTA_CC_ERR_TIMEOUT (the whole request's time is up). */
static okta_cc_result dial(conn *c, const http_url *u, const transport_settings *t)
{
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(u->host, u->port, &hints, &res) != 0) return OKTA_CC_ERR_CONNECT;
    for (ai = res; ai && !dial_one(c, ai, t->connect_timeout_ms); ai = ai->ai_next) {}
    freeaddrinfo(res);
    if (c->fd >= 0) return OKTA_CC_OK;
    return now_ms() >= c->deadline ? OKTA_CC_ERR_TIMEOUT : OKTA_CC_ERR_CONNECT;
}

static int send_all(conn *c, const char *p, size_t n)
{
    while (n) {
        ssize_t k;
        if (!wait_ready(c, POLLOUT, c->deadline)) return 0;
        k = send(c->fd, p, n, MSG_NOSIGNAL);                /* no SIGPIPE on a closed peer */
        if (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (k <= 0) { c->failed = OKTA_CC_ERR_NETWORK; return 0; }
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

static int fill(conn *c)
{
    ssize_t k;
    if (c->pos < c->len) return 1;
    do {
        if (!wait_ready(c, POLLIN, c->deadline)) return 0;
        k = recv(c->fd, c->buf, sizeof c->buf, 0);
    } while (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK));
    if (k <= 0) {
        c->failed = OKTA_CC_ERR_NETWORK;                    /* an error, or closed before the end */
        return 0;
    }
    c->pos = 0;
    c->len = (size_t)k;
    return 1;
}

/* One line (CRLF or LF stripped) into line[cap]; 0 at EOF, on error or for a longer line. */
static int read_line(conn *c, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char ch;
        if (!fill(c)) return 0;
        ch = c->buf[c->pos++];
        if (ch == '\n') break;
        if (n + 1 >= cap) { c->failed = OKTA_CC_ERR_BAD_RESPONSE; return 0; }
        line[n++] = ch;
    }
    if (n && line[n - 1] == '\r') n--;
    line[n] = '\0';
    return 1;
}

/* n bytes of body (n < 0: until the peer closes) into resp. */
static okta_cc_result read_body(conn *c, long long n, okta_cc_http_response *resp)
{
    while (n != 0) {
        size_t take;
        okta_cc_result r;
        if (!fill(c)) return n < 0 && c->failed == OKTA_CC_ERR_NETWORK ? OKTA_CC_OK : c->failed;
        take = c->len - c->pos;
        if (n > 0 && (long long)take > n) take = (size_t)n;
        r = okta_cc_http_response_append_body(resp, c->buf + c->pos, take, NULL);
        if (r != OKTA_CC_OK) return r;
        c->pos += take;
        if (n > 0) n -= (long long)take;
    }
    return OKTA_CC_OK;
}

static okta_cc_result read_chunked(conn *c, okta_cc_http_response *resp)
{
    char line[128];
    for (;;) {
        char *end;
        long long size;
        okta_cc_result r;
        if (!read_line(c, line, sizeof line)) return c->failed;
        size = strtoll(line, &end, 16);
        if (end == line || size < 0) return OKTA_CC_ERR_BAD_RESPONSE;
        if (size == 0) break;
        r = read_body(c, size, resp);
        if (r != OKTA_CC_OK) return r;
        if (!read_line(c, line, sizeof line) || line[0]) return OKTA_CC_ERR_BAD_RESPONSE;
    }
    while (read_line(c, line, sizeof line) && line[0]) {}  /* trailers, up to the empty line */
    return OKTA_CC_OK;
}

/* ---- the transport ------------------------------------------------------------------------- */

/* "METHOD target HTTP/1.1\r\n" into line[REQUEST_LINE_MAX + 1]; 0 when it does not fit. */
static int request_line(const okta_cc_http_request *req, const http_url *u, char *line)
{
    int n = snprintf(line, REQUEST_LINE_MAX + 1, "%s %s HTTP/1.1\r\n", req->method, u->target);
    return n > 0 && n <= REQUEST_LINE_MAX;
}

static okta_cc_result send_request(conn *c, const okta_cc_http_request *req, const http_url *u,
                                   const char *line)
{
    char head[512];
    size_t i;
    int n = snprintf(head, sizeof head, "Host: %s\r\nConnection: close\r\n", u->authority);
    if (!send_all(c, line, strlen(line)) || !send_all(c, head, (size_t)n)) return c->failed;
    for (i = 0; i < req->header_count; i++)       /* values may hold the token: never logged */
        if (!send_all(c, req->headers[i], strlen(req->headers[i])) || !send_all(c, "\r\n", 2)) return c->failed;
    if (req->body || strcmp(req->method, "GET") != 0) {
        n = snprintf(head, sizeof head, "Content-Length: %lu\r\n", (unsigned long)req->body_len);
        if (!send_all(c, head, (size_t)n)) return c->failed;
    }
    if (!send_all(c, "\r\n", 2)) return c->failed;
    return req->body_len && !send_all(c, req->body, req->body_len) ? c->failed : OKTA_CC_OK;
}

/* Status line and headers (each handed to resp), then the body as the headers say. */
static okta_cc_result read_response(conn *c, const char *method, okta_cc_http_response *resp)
{
    char line[8192];
    long long length = -1;
    int chunked = 0;
    okta_cc_result r;
    do {        /* 1xx answers come before the real one (each within the same deadline) */
        if (!read_line(c, line, sizeof line)) return c->failed;
        r = okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
        if (r != OKTA_CC_OK) return r;
        while (read_line(c, line, sizeof line) && line[0]) {
            if (strncasecmp(line, "Content-Length:", 15) == 0) length = strtoll(line + 15, NULL, 10);
            if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked")) chunked = 1;
            r = okta_cc_http_response_header_line(resp, line, strlen(line), NULL);
            if (r != OKTA_CC_OK) return r;
        }
        if (c->failed != OKTA_CC_OK) return c->failed;
    } while (resp->status >= 100 && resp->status < 200);
    if (strcmp(method, "HEAD") == 0 || resp->status == 204 || resp->status == 304) return OKTA_CC_OK;
    return chunked ? read_chunked(c, resp) : read_body(c, length, resp);
}

static okta_cc_result http_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                   okta_cc_error *err)
{
    const transport_settings *t = (const transport_settings *)ctx;
    char line[REQUEST_LINE_MAX + 1];
    conn c;
    http_url u;
    okta_cc_result r;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    c.deadline = now_ms() + t->timeout_ms;
    if (!parse_url(req->url, &u)) {
        if (err) snprintf(err->message, sizeof err->message, "this transport speaks plain http:// only");
        return OKTA_CC_ERR_CONFIG;
    }
    if (!request_line(req, &u, line)) {           /* before connecting: nothing is sent */
        if (err) snprintf(err->message, sizeof err->message, "%s %s: request line over %d bytes: not sent",
                          req->method, u.authority, REQUEST_LINE_MAX);
        return OKTA_CC_ERR_INVALID_ARGUMENT;
    }
    r = dial(&c, &u, t);
    if (r == OKTA_CC_OK) r = send_request(&c, req, &u, line);
    if (r == OKTA_CC_OK) r = read_response(&c, req->method, resp);
    if (c.fd >= 0) close(c.fd);
    if (r == OKTA_CC_ERR_CONNECT && err)          /* nothing was sent: safe to repeat */
        snprintf(err->message, sizeof err->message, "cannot connect to %s", u.authority);
    else if (r == OKTA_CC_ERR_TIMEOUT && err)
        snprintf(err->message, sizeof err->message, "%s %s: timed out: no complete answer within %ld ms (timeout_ms)",
                 req->method, u.authority, t->timeout_ms);
    else if (r != OKTA_CC_OK && err && !err->message[0])
        snprintf(err->message, sizeof err->message, "%s %s: %s", req->method, u.authority, okta_cc_result_str(r));
    return r;
}

/* ---- the users ----------------------------------------------------------------------------- */

/* Prints "login status" for each user object of one page (a JSON array). */
static okta_cc_result print_page(const okta_cc_response *page, long *count, okta_cc_error *err)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens;
    okta_cc_json_limits limits = {0, 16u << 20};
    okta_cc_result r = okta_cc_json_parse(page->http.body, page->http.body_len, NULL, 0, &limits, &doc, err);
    long user;
    if (r != OKTA_CC_OK) return r;
    tokens = (okta_cc_json_token *)malloc(doc.count * sizeof *tokens);
    if (!tokens) return OKTA_CC_ERR_NO_MEMORY;
    okta_cc_json_parse(page->http.body, page->http.body_len, tokens, doc.count, &limits, &doc, err);
    for (user = okta_cc_json_first(&doc, 0); user >= 0; user = okta_cc_json_next(&doc, 0, (size_t)user)) {
        char login[256] = "?", status[32] = "?";
        long profile = okta_cc_json_find(&doc, (size_t)user, "profile");
        long l = profile >= 0 ? okta_cc_json_find(&doc, (size_t)profile, "login") : -1;
        long s = okta_cc_json_find(&doc, (size_t)user, "status");
        if (l >= 0) okta_cc_json_get_string(&doc, (size_t)l, login, sizeof login, NULL, NULL);
        if (s >= 0) okta_cc_json_get_string(&doc, (size_t)s, status, sizeof status, NULL, NULL);
        printf("%s %s\n", login, status);
        (*count)++;
    }
    free(tokens);
    return OKTA_CC_OK;
}

int main(void)
{
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_pager pager;
    okta_cc_response page;
    okta_cc_result r;
    long count = 0;
    transport_settings limits;
    const char *seconds = getenv("OKTA_CLIENT_REQUESTTIMEOUT");
    okta_cc_config_init(&cfg);
    okta_cc_config_from_env(&cfg);
    if (seconds && atol(seconds) > 0 && atol(seconds) <= 86400) cfg.http.timeout_ms = atol(seconds) * 1000;
    /* The transport keeps the time limits itself: okta_cc.h hands them only to libcurl. */
    limits.connect_timeout_ms = cfg.http.connect_timeout_ms > 0 ? cfg.http.connect_timeout_ms : OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS;
    limits.timeout_ms = cfg.http.timeout_ms > 0 ? cfg.http.timeout_ms : OKTA_CC_DEFAULT_TIMEOUT_MS;
    cfg.transport.perform = http_perform;
    cfg.transport.ctx = &limits;
    cfg.transport.concurrent = 1;       /* no shared state: one socket per request */
    r = okta_cc_client_new(&client, &cfg, &err);
    if (r == OKTA_CC_OK) r = okta_cc_pager_begin(&pager, client, "/api/v1/users?limit=200", &err);
    while (r == OKTA_CC_OK && (r = okta_cc_pager_next(&pager, &page, &err)) == OKTA_CC_OK) {
        r = print_page(&page, &count, &err);
        okta_cc_response_free(&page);
    }
    if (client) okta_cc_pager_end(&pager);
    if (r == OKTA_CC_END) fprintf(stderr, "%ld users in %d pages\n", count, pager.pages);
    else fprintf(stderr, "custom_transport: %s\n", err.message[0] ? err.message : okta_cc_result_str(r));
    okta_cc_client_free(client);
    return r == OKTA_CC_END ? 0 : 1;
}
