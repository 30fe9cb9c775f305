#define _POSIX_C_SOURCE 200809L
/* Soak: shared clients (one Bearer, one DPoP with resource nonces that rotate) used by several
   threads for SECONDS, against local servers that a chaos thread keeps breaking: 429s, 5xx,
   401s, resets, truncated, garbage and oversized bodies, slow and hanging answers, expired
   tokens, with tokens that live a few seconds. Every call must succeed or fail with a clean
   error (a known result and a one-line message); memory must stay flat.
     soak SECONDS THREADS         (tests/live/soak.sh starts the servers: make soak, and make test's
                                   one-minute run)
   Prints what happened and ends with "N passed, N failed". */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "live.h"

#include <malloc.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

typedef struct counts {
    long calls, ok, clean, unclean;
    long by_result[64];         /* clean errors by -result */
    char first_unclean[600];
} counts;

static pthread_mutex_t counts_lock = PTHREAD_MUTEX_INITIALIZER;
static counts total;
static volatile int stop;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000;
    nanosleep(&ts, NULL);
}

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A failure is clean when its result is one of ours and its message one printable line. */
static int clean_error(okta_cc_result r, const okta_cc_error *err)
{
    const unsigned char *p;
    if (r >= 0 || r < -63 || strncmp(okta_cc_result_str(r), "OKTA_CC_ERR_UNKNOWN", 19) == 0 || !err->message[0])
        return 0;
    for (p = (const unsigned char *)err->message; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

static void record(okta_cc_result r, const okta_cc_error *err, const char *what)
{
    pthread_mutex_lock(&counts_lock);
    total.calls++;
    if (r == OKTA_CC_OK || r == OKTA_CC_END) {
        total.ok++;
    } else if (clean_error(r, err)) {
        total.clean++;
        total.by_result[-r]++;
    } else {
        total.unclean++;
        if (!total.first_unclean[0])
            snprintf(total.first_unclean, sizeof total.first_unclean, "%s: result %d, message \"%.500s\"", what,
                     (int)r, err->message);
    }
    pthread_mutex_unlock(&counts_lock);
}

/* ---- what the threads do ----------------------------------------------------------------- */

static void call_page(okta_cc_client *c)
{
    okta_cc_response r;
    okta_cc_error err;
    /* A "garbage" fault comes back as a 200 whose body is not JSON: okta_cc_request does not
       read bodies, so that is an OK here (the pager, which does need the links, is below). */
    okta_cc_result rc = okta_cc_request(c, "GET", "/api/v1/users?limit=50", NULL, 0, NULL, &r, &err);
    record(rc, &err, "GET page");
    okta_cc_response_free(&r);
}

static void call_listing(okta_cc_client *c)
{
    okta_cc_pager pg;
    okta_cc_response page;
    okta_cc_error err;
    okta_cc_result rc = okta_cc_pager_begin(&pg, c, "/api/v1/users?limit=100", &err);
    while (rc == OKTA_CC_OK && pg.pages < 3) {
        rc = okta_cc_pager_next(&pg, &page, &err);
        okta_cc_response_free(&page);
    }
    record(rc, &err, "listing");
    okta_cc_pager_end(&pg);
}

static void call_token(okta_cc_client *c)
{
    char token[4096];
    okta_cc_error err;
    okta_cc_result rc = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err);
    okta_cc_wipe(token, sizeof token);
    record(rc, &err, "get_token");
}

typedef struct worker {
    okta_cc_client *clients[2];
    unsigned seed;
} worker;

static void *worker_run(void *arg)
{
    worker *w = (worker *)arg;
    while (!stop) {
        unsigned v = (unsigned)rand_r(&w->seed);
        okta_cc_client *c = w->clients[v & 1];
        switch ((v >> 1) % 5) {
        case 0: case 1: call_page(c); break;
        case 2: call_listing(c); break;
        default: call_token(c); break;
        }
    }
    return NULL;
}

/* ---- chaos ------------------------------------------------------------------------------- */

static const char *const api_faults[] = {
    "{\"kind\":\"status\",\"status\":429,\"reset_in\":1}", "{\"kind\":\"status\",\"status\":500}",
    "{\"kind\":\"status\",\"status\":503}", "{\"kind\":\"status\",\"status\":504}",
    "{\"kind\":\"status\",\"status\":401}", "{\"kind\":\"reset\"}", "{\"kind\":\"truncated\"}",
    "{\"kind\":\"garbage\",\"status\":200}", "{\"kind\":\"oversized\",\"bytes\":1500000}",
    "{\"kind\":\"slow\",\"delay_ms\":400}", "{\"kind\":\"hang\"}", "{\"kind\":\"expire_token\"}",
};
static const char *const token_faults[] = {
    "{\"kind\":\"status\",\"status\":429,\"reset_in\":1}", "{\"kind\":\"status\",\"status\":504}",
    "{\"kind\":\"status\",\"status\":500}", "{\"kind\":\"status\",\"status\":503}", "{\"kind\":\"reset\"}",
    "{\"kind\":\"truncated\"}", "{\"kind\":\"garbage\",\"status\":200}", "{\"kind\":\"slow\",\"delay_ms\":400}",
};

static void *chaos_run(void *arg)
{
    const char *const *bases = (const char *const *)arg;
    unsigned seed = 12345;
    char body[512];
    int64_t next_expiry = mono_ms() + 5000;
    while (!stop) {
        unsigned v = (unsigned)rand_r(&seed);
        const char *base = bases[v & 1];
        int to_token = (v >> 1) % 4 == 0;
        const char *f = to_token ? token_faults[(v >> 3) % (sizeof token_faults / sizeof *token_faults)]
                                 : api_faults[(v >> 3) % (sizeof api_faults / sizeof *api_faults)];
        snprintf(body, sizeof body, "{\"target\":\"%s\",\"replace\":false,\"faults\":[%s]}", to_token ? "token" : "api", f);
        control(base, "/__test/faults", body, NULL);
        if (mono_ms() >= next_expiry) {            /* every token revoked at once */
            control(base, "/__test/expire_tokens", "{}", NULL);
            next_expiry = mono_ms() + 5000;
        }
        sleep_ms(100 + (long)((v >> 8) % 200));
    }
    return NULL;
}

/* ---- main -------------------------------------------------------------------------------- */

static okta_cc_client *soak_client(const char *base, const char *client_id, okta_cc_dpop_mode dpop)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_error err;
    char path[1024];
    live_config(&cfg, base, client_id, path, sizeof path);
    cfg.dpop = dpop;
    cfg.http.timeout_ms = 2000;                      /* a hang costs two seconds, not thirty */
    cfg.retry_deadline_ms = 10000;
    if (okta_cc_client_new(&c, &cfg, &err) != OKTA_CC_OK) fprintf(stderr, "soak: client: %s\n", err.message);
    return c;
}

static void report(double seconds, int threads, long rss0, long rss_warm, long rss_end)
{
    int i;
    printf("soak: %.0f s, %d threads: %ld calls, %ld succeeded, %ld failed with a clean error, %ld not clean\n",
           seconds, threads, total.calls, total.ok, total.clean, total.unclean);
    for (i = 1; i < 64; i++)
        if (total.by_result[i]) printf("soak:   %6ld x %s\n", total.by_result[i], okta_cc_result_str((okta_cc_result)-i));
    printf("soak: RSS %ld KiB at start, %ld KiB after warm-up, %ld KiB at the end\n", rss0, rss_warm, rss_end);
    if (total.first_unclean[0]) printf("soak: first unclean failure: %s\n", total.first_unclean);
}

int main(int argc, char **argv)
{
    const char *bases[2];
    int seconds = argc > 1 ? atoi(argv[1]) : 60, threads = argc > 2 ? atoi(argv[2]) : 8, i;
    int64_t t0, warm_at, end_at;
    long rss0, rss_warm = 0, rss_end, served;
    int next_sample = 0;
    worker w[32];
    pthread_t th[32], chaos;
    okta_cc_client *bearer, *dpop;
    if (seconds < 10 || threads < 1 || threads > 32) {
        fprintf(stderr, "usage: soak SECONDS(>=10) THREADS(1-32)\n");
        return 2;
    }
    /* glibc raises its mmap threshold each time a big block is freed, after which 1 MiB bodies
       (the oversized fault) stay cached in each thread's arena: RSS would then grow with the
       threads that met one, not with anything leaked. A fixed threshold hands big blocks back
       to the system, so RSS follows what is really allocated. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bases[0] = env("OKTA_CC_TEST_URL");
    bases[1] = env("OKTA_CC_TEST_DPOP_URL");
    bearer = soak_client(bases[0], "0oa_api", OKTA_CC_DPOP_NEVER);
    dpop = soak_client(bases[1], "0oa_api_dpop", OKTA_CC_DPOP_AUTO);
    if (!bearer || !dpop) return 1;
    rss0 = rss_kib();
    t0 = mono_ms();
    /* warm-up: the first minute, or a quarter of a shorter run */
    warm_at = t0 + (seconds >= 240 ? 60000 : (int64_t)seconds * 250);
    end_at = t0 + (int64_t)seconds * 1000;
    for (i = 0; i < threads; i++) {
        w[i].clients[0] = bearer;
        w[i].clients[1] = dpop;
        w[i].seed = (unsigned)(i + 1) * 2654435761u;
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    pthread_create(&chaos, NULL, chaos_run, (void *)bases);
    while (mono_ms() < end_at) {
        int64_t now = mono_ms();
        if (!rss_warm && now >= warm_at) rss_warm = rss_kib();
        if (now - t0 >= (int64_t)seconds * 100 * (next_sample + 1)) {     /* every tenth of the run */
            printf("soak: %3d%%  %ld calls, RSS %ld KiB\n", (next_sample + 1) * 10, total.calls, rss_kib());
            fflush(stdout);
            next_sample++;
        }
        sleep_ms(200);
    }
    stop = 1;
    for (i = 0; i < threads; i++) pthread_join(th[i], NULL);
    pthread_join(chaos, NULL);
    rss_end = rss_kib();
    served = stat_value(bases[0], "faults_served") + stat_value(bases[1], "faults_served");
    report((double)(mono_ms() - t0) / 1000.0, threads, rss0, rss_warm, rss_end);
    printf("soak: %ld faults served, %ld tokens fetched\n", served,
           (long)(okta_cc_client_token_fetches(bearer) + okta_cc_client_token_fetches(dpop)));
    h_begin("soak: every failure a clean error");
    CHECK_EQ_INT(total.unclean, 0);
    h_end();
    h_begin("soak: calls succeed despite the faults");
    CHECK(total.ok > total.calls / 2);
    CHECK(served > seconds);                    /* the chaos really happened */
    h_end();
    h_begin("soak: RSS at the end within 10% of RSS after warm-up");
    CHECK(rss_warm > 0 && rss_end * 10 <= rss_warm * 11);
    h_end();
    okta_cc_client_free(bearer);
    okta_cc_client_free(dpop);
    curl_global_cleanup();
    return h_summary();
}
