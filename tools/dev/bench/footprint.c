/* Footprint of okta_cc.h's own code at run time: the stack high-water mark and the heap it
   allocates (through cfg.alloc) for a client with its key, a token fetch, and an API request,
   with RSA 2048 and EC P-256 keys. No network and no libcurl in the measured path: a canned
   transport answers (a token response, and a page of 200 users of about the size Okta sends),
   so the figures are the header's alone and the same on every machine of an architecture.

   The stack is measured by running each step on a thread whose stack we provide, filled with a
   pattern beforehand: the deepest byte no longer holding it is the high-water mark.

     footprint VECTORS_DIR        (tests/vectors: the keys)
   Prints one "footprint: ..." line per figure. */
#define _POSIX_C_SOURCE 200809L
#define OKTA_CC_NO_CURL
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the heap: counted through cfg.alloc --------------------------------------------------- */

typedef struct heap {
    size_t calls, bytes, live, peak;
} heap;

#define HDR 16
static void *heap_malloc(void *user, size_t size)
{
    heap *h = (heap *)user;
    unsigned char *p = (unsigned char *)malloc(size + HDR);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    h->calls++;
    h->bytes += size;
    h->live += size;
    if (h->live > h->peak) h->peak = h->live;
    return p + HDR;
}

static void heap_free(void *user, void *ptr)
{
    heap *h = (heap *)user;
    size_t size;
    if (!ptr) return;
    memcpy(&size, (unsigned char *)ptr - HDR, sizeof size);
    h->live -= size;
    free((unsigned char *)ptr - HDR);
}

/* ---- a canned transport -------------------------------------------------------------------- */

static char *page_body;

static okta_cc_result canned(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                             okta_cc_error *err)
{
    static const char token[] = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":"
                                "\"eyJraWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwb2EiLCJzY3AiOlsib2t0YS51c2Vycy5yZWFkIl19."
                                "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJlLXNpZ25hdHVyZQ\","
                                "\"scope\":\"okta.users.read\"}";
    const char *body = strstr(req->url, "/v1/token") ? token : page_body;
    (void)ctx, (void)err;
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
    okta_cc_http_response_header_line(resp, "Content-Type: application/json", 30, NULL);
    okta_cc_http_response_header_line(resp, "X-Rate-Limit-Limit: 600", 23, NULL);
    okta_cc_http_response_header_line(resp, "X-Rate-Limit-Remaining: 599", 27, NULL);
    okta_cc_http_response_header_line(resp, "X-Rate-Limit-Reset: 1800000000", 30, NULL);
    return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

/* 200 users shaped like Okta's (id, status, dates, profile, credentials, _links). */
static char *make_page(void)
{
    size_t cap = 200 * 1024, n = 0;
    char *b = (char *)malloc(cap);
    int i;
    if (!b) exit(1);
    b[n++] = '[';
    for (i = 0; i < 200; i++)
        n += (size_t)snprintf(b + n, cap - n,
            "%s{\"id\":\"00u%017d\",\"status\":\"ACTIVE\",\"created\":\"2024-01-01T00:00:00.000Z\","
            "\"activated\":\"2024-01-01T00:00:00.000Z\",\"statusChanged\":null,\"lastLogin\":null,"
            "\"lastUpdated\":\"2024-01-01T00:00:00.000Z\",\"passwordChanged\":null,\"type\":{\"id\":\"oty000000000000000\"},"
            "\"profile\":{\"firstName\":\"User\",\"lastName\":\"Number %03d\",\"mobilePhone\":null,\"secondEmail\":null,"
            "\"login\":\"user%03d@example.com\",\"email\":\"user%03d@example.com\"},\"credentials\":{\"provider\":"
            "{\"type\":\"OKTA\",\"name\":\"OKTA\"}},\"_links\":{\"self\":{\"href\":"
            "\"https://dev-1.okta.com/api/v1/users/00u%017d\"}}}", i ? "," : "", i, i, i, i, i);
    b[n++] = ']';
    b[n] = '\0';
    return b;
}

/* ---- one step on a measured stack ---------------------------------------------------------- */

#define STACK_SIZE (1024 * 1024)
#define PATTERN 0xA5

typedef struct step {
    const char *key;            /* a PEM under the vectors directory */
    int what;                   /* 0 client (key load), 1 token fetch, 2 API request */
    okta_cc_config cfg;
    okta_cc_client *c;          /* made beforehand for steps 1 and 2 */
    heap h, setup;
    okta_cc_result r;
} step;

/* The measured part only: the client is made (and for step 2 holds its token) beforehand, on
   another stack, with its allocations counted elsewhere. */
static void *run_step(void *arg)
{
    step *s = (step *)arg;
    okta_cc_response resp;
    char token[2048];
    if (s->what == 0) {
        s->cfg.alloc.user = &s->h;
        s->r = okta_cc_client_new(&s->c, &s->cfg, NULL);
        return NULL;
    }
    s->c->cfg.alloc.user = &s->h;
    if (s->what == 1) s->r = okta_cc_client_get_token(s->c, token, sizeof token, NULL, NULL, NULL);
    if (s->what == 2) {
        s->r = okta_cc_request(s->c, "GET", "/api/v1/users?limit=200", NULL, 0, NULL, &resp, NULL);
        okta_cc_response_free(&resp);
    }
    s->c->cfg.alloc.user = &s->setup;
    return NULL;
}

static void step_prepare(step *s)
{
    char token[2048];
    okta_cc_config_init(&s->cfg);
    s->cfg.org_url = "https://dev-1.okta.com";
    s->cfg.client_id = "0oa_footprint";
    s->cfg.private_key = s->key;
    s->cfg.scopes = "okta.users.read";
    s->cfg.dpop = OKTA_CC_DPOP_NEVER;
    s->cfg.transport.perform = canned;
    s->cfg.alloc.malloc_fn = heap_malloc;
    s->cfg.alloc.free_fn = heap_free;
    s->cfg.alloc.user = &s->setup;
    if (s->what == 0) return;
    if (okta_cc_client_new(&s->c, &s->cfg, NULL) != OKTA_CC_OK) exit(1);
    if (s->what == 2 && okta_cc_client_get_token(s->c, token, sizeof token, NULL, NULL, NULL) != OKTA_CC_OK) exit(1);
}

/* Runs the step on a fresh patterned stack; returns the bytes of it used. */
static size_t measure(step *s)
{
    unsigned char *stack = (unsigned char *)malloc(STACK_SIZE);
    pthread_attr_t attr;
    pthread_t th;
    size_t i;
    if (!stack) exit(1);
    step_prepare(s);
    memset(stack, PATTERN, STACK_SIZE);
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack, STACK_SIZE);
    if (pthread_create(&th, &attr, run_step, s) != 0) exit(1);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    for (i = 0; i < STACK_SIZE && stack[i] == PATTERN; i++) {}   /* stacks grow down */
    free(stack);
    if (s->c) s->c->cfg.alloc.user = &s->setup;
    okta_cc_client_free(s->c);
    return STACK_SIZE - i;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"client_new (key load)", "token fetch", "API request (200-user page)"};
    static const char *const keys[][2] = {{"RSA 2048", "jose/rfc7515-a2-rsa-pkcs8.pem"},
                                          {"EC P-256", "jose/generated-ec-p256-pkcs8.pem"}};
    char path[2][1024];
    int k, w;
    if (argc < 2) {
        fprintf(stderr, "usage: footprint VECTORS_DIR\n");
        return 2;
    }
    page_body = make_page();
    printf("footprint: API page body %lu bytes (200 users)\n", (unsigned long)strlen(page_body));
    for (k = 0; k < 2; k++) snprintf(path[k], sizeof path[k], "%s/%s", argv[1], keys[k][1]);
    for (k = 0; k < 2; k++)
        for (w = 0; w < 3; w++) {
            step s;
            size_t used;
            memset(&s, 0, sizeof s);
            s.key = path[k];
            s.what = w;
            used = measure(&s);
            if (s.r != OKTA_CC_OK) {
                fprintf(stderr, "footprint: %s %s failed: %s\n", keys[k][0], names[w], okta_cc_result_str(s.r));
                return 1;
            }
            printf("footprint: %-8s %-28s stack %6lu B  heap %2lu allocations, %7lu B in all, peak %7lu B\n",
                   keys[k][0], names[w], (unsigned long)used, (unsigned long)s.h.calls, (unsigned long)s.h.bytes,
                   (unsigned long)s.h.peak);
        }
    free(page_body);
    return 0;
}
