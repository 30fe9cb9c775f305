/* Helpers shared by the tests that talk to the local Okta-compatible server: plain libcurl for
   its /__test/ control endpoints (stats, faults), so the library under test is not used to
   check itself. Include after okta_cc.h (with its implementation) and harness.h. */
#ifndef OKTA_CC_TEST_LIVE_H
#define OKTA_CC_TEST_LIVE_H

#include <curl/curl.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Appends a response body to a NUL-terminated 8 KiB buffer (the rest is dropped). */
static size_t live_collect(char *d, size_t s, size_t n, void *u)
{
    char *buf = (char *)u;
    size_t have = strlen(buf), add = s * n;
    if (have + add < 8192) { memcpy(buf + have, d, add); buf[have + add] = '\0'; }
    return s * n;
}

/* A config for one of the service apps the suites register (tests/server_lib.sh api_clients):
   org base, its client id, the key $OKTA_CC_TEST_KEYS/ec256.pem (path written into path[cap],
   which must outlive the config), kid ec256, scope okta.users.read. */
static __attribute__((unused)) void live_config(okta_cc_config *cfg, const char *base, const char *client_id,
                                                char *path, size_t cap)
{
    okta_cc_config_init(cfg);
    snprintf(path, cap, "%s/ec256.pem", env("OKTA_CC_TEST_KEYS"));
    cfg->org_url = base;
    cfg->client_id = client_id;
    cfg->private_key = path;
    cfg->key_id = "ec256";
    cfg->scopes = "okta.users.read";
}

/* GET (json == NULL) or POST json to base + path; returns the HTTP status, body into out. */
static __attribute__((unused)) long control(const char *base, const char *path, const char *json, char *out)
{
    char url[512], sink[8192] = "";
    long status = 0;
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s%s", base, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, live_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out ? out : sink);
    if (out) out[0] = '\0';
    if (env("OKTA_CC_TEST_CA")) curl_easy_setopt(h, CURLOPT_CAINFO, env("OKTA_CC_TEST_CA"));
    if (json) curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return status;
}

/* One counter of GET /__test/stats, or -1. */
static __attribute__((unused)) long stat_value(const char *base, const char *name)
{
    char body[8192];
    okta_cc_json_token tok[128];
    okta_cc_json_doc doc;
    int64_t v = -1;
    if (control(base, "/__test/stats", NULL, body) == 200 &&
        okta_cc_json_parse(body, strlen(body), tok, 128, NULL, &doc, NULL) == OKTA_CC_OK)
        okta_cc_json_get_int64(&doc, (size_t)okta_cc_json_find(&doc, 0, name), &v, NULL);
    return (long)v;
}

/* Queues faults for the next requests to target ("token" or "api"), replacing older ones. */
static __attribute__((unused)) void fault(const char *base, const char *target, const char *faults_json)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"target\":\"%s\",\"replace\":true,\"faults\":%s}", target, faults_json);
    CHECK(control(base, "/__test/faults", body, NULL) == 200);
}

/* ---- fork(): a warm client in a parent and its child --------------------------------------- */

#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct live_fork_job {
    okta_cc_client *c;
    int first, count;           /* asks for users first .. first + count - 1 */
    int wrong, failed;          /* answers naming another user; requests that failed */
    char why[320];              /* the first failure */
} live_fork_job;

/* GET /api/v1/users/userNNN@example.com for each of the job's users: each answer must be 200
   and name that user (a crossed stream gives another process's user, or garbage). */
static void *live_fork_requests(void *arg)
{
    live_fork_job *j = (live_fork_job *)arg;
    int i;
    for (i = j->first; i < j->first + j->count; i++) {
        char path[96], want[64];
        okta_cc_response r;
        okta_cc_error err;
        okta_cc_result got;
        snprintf(path, sizeof path, "/api/v1/users/user%03d@example.com", i);
        snprintf(want, sizeof want, "\"login\":\"user%03d@example.com\"", i);
        got = okta_cc_request(j->c, "GET", path, NULL, 0, NULL, &r, &err);
        if (got != OKTA_CC_OK || r.http.status != 200) {
            if (!j->failed++) snprintf(j->why, sizeof j->why, "%s: %.150s (HTTP %ld)", path, err.message, r.http.status);
        } else if (!r.http.body || !strstr(r.http.body, want)) {
            if (!j->wrong++) snprintf(j->why, sizeof j->why, "%s answered: %.120s", path, r.http.body ? r.http.body : "");
        }
        okta_cc_response_free(&r);
    }
    return NULL;
}

/* The child: its own users on one thread, or on two at once (both then meet the inherited
   pool together); frees the client and leaves with _exit: no atexit handlers, no stdio
   buffers of the parent flushed twice. 0 = every answer right, 3 = an answer for someone
   else, 4 = a failed request. alarm(): a child stuck on a crossed stream dies (SIGALRM). */
static void live_fork_child(okta_cc_client *c, int threads)
{
    live_fork_job a, b;
    pthread_t t;
    int started;
    alarm(30);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.c = b.c = c;
    a.first = 101, a.count = 4;
    b.first = 111, b.count = 4;
    started = threads > 1 && pthread_create(&t, NULL, live_fork_requests, &b) == 0;
    live_fork_requests(&a);
    if (started) pthread_join(t, NULL);
    else if (threads > 1) live_fork_requests(&b);
    if (a.why[0] || b.why[0]) fprintf(stderr, "  child %ld: %s%s\n", (long)getpid(), a.why[0] ? a.why : b.why, "");
    okta_cc_client_free(c);
    _exit(a.wrong || b.wrong ? 3 : a.failed || b.failed ? 4 : 0);
}

/* rounds times: a request in the parent (its connection is warm, and stays so), fork(), then
   the child and the parent each ask for their own users at the same time, the child on one
   thread in even rounds and on two in odd ones; every answer must be the asker's, and the
   child must exit 0. The server's connection count shows each child opened its own
   connection(s) (one on one thread, one or two on two) and the parent kept its one. The
   client must have a timeout (a crossed stream can leave a request waiting). Returns the
   rounds that passed. */
static __attribute__((unused)) int live_fork_rounds(okta_cc_client *c, const char *base, int rounds)
{
    int round, status;
    long opened, min_new = 0, max_new = 0;
    live_fork_job warm, mine;
    memset(&warm, 0, sizeof warm);
    warm.c = c, warm.first = 1, warm.count = 1;
    live_fork_requests(&warm);          /* the token and the parent's connection */
    CHECK(warm.failed == 0 && warm.wrong == 0);
    opened = stat_value(base, "connections_opened");
    for (round = 0; round < rounds; round++) {
        int threads = 1 + round % 2;
        pid_t pid;
        memset(&warm, 0, sizeof warm);
        warm.c = c, warm.first = 2, warm.count = 1;
        live_fork_requests(&warm);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) { perror("fork"); h_current_failed = 1; break; }
        if (pid == 0) live_fork_child(c, threads);
        memset(&mine, 0, sizeof mine);
        mine.c = c, mine.first = 201, mine.count = 8;
        live_fork_requests(&mine);
        status = -1;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        min_new += 1, max_new += threads;
        if (warm.failed || warm.wrong || mine.failed || mine.wrong || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "  round %d: parent %d wrong + %d failed%s%s; child %s %d\n", round, mine.wrong + warm.wrong,
                    mine.failed + warm.failed, mine.why[0] || warm.why[0] ? ": " : "", mine.why[0] ? mine.why : warm.why,
                    WIFEXITED(status) ? "exit" : "killed by signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            h_current_failed = 1;
            break;
        }
    }
    opened = stat_value(base, "connections_opened") - opened - 1;     /* - the one asking */
    if (round == rounds && (opened < min_new || opened > max_new)) {
        fprintf(stderr, "  %ld connections opened in %d rounds: expected %ld..%ld (one or two per child, none "
                        "for the parent)\n", opened, rounds, min_new, max_new);
        h_current_failed = 1;
    }
    if (h_verbose) printf("  %d rounds of fork(), %ld connections opened\n", round, opened);
    return round;
}

/* One request as the server saw it (GET /__test/attempts; "" for a JSON null). */
typedef struct live_attempt {
    char target[8], request_id[64], retry_for[128], retry_count[16];
    char assertion_jti[64], dpop_jti[64], dpop_nonce[256];
    long status;
} live_attempt;

static void live_attempt_str(const okta_cc_json_doc *doc, size_t obj, const char *key, char *out, size_t cap)
{
    long i = okta_cc_json_find(doc, obj, key);
    out[0] = '\0';
    if (i >= 0 && okta_cc_json_get_string(doc, (size_t)i, out, cap, NULL, NULL) != OKTA_CC_OK) out[0] = '\0';
}

/* The token and API requests the server logged since its last /__test/reset_stats (oldest
   first, at most max; the log keeps 100 and this reads 8 KiB of it), or -1. */
static __attribute__((unused)) int live_attempts(const char *base, live_attempt *out, int max)
{
    char body[8192];
    okta_cc_json_token tok[512];
    okta_cc_json_doc doc;
    long e;
    int n = 0;
    if (control(base, "/__test/attempts", NULL, body) != 200 ||
        okta_cc_json_parse(body, strlen(body), tok, 512, NULL, &doc, NULL) != OKTA_CC_OK || tok[0].type != OKTA_CC_JSON_ARRAY)
        return -1;
    for (e = okta_cc_json_first(&doc, 0); e >= 0 && n < max; e = okta_cc_json_next(&doc, 0, (size_t)e), n++) {
        live_attempt *a = &out[n];
        int64_t st = 0;
        long si = okta_cc_json_find(&doc, (size_t)e, "status");
        live_attempt_str(&doc, (size_t)e, "target", a->target, sizeof a->target);
        live_attempt_str(&doc, (size_t)e, "request_id", a->request_id, sizeof a->request_id);
        live_attempt_str(&doc, (size_t)e, "retry_for", a->retry_for, sizeof a->retry_for);
        live_attempt_str(&doc, (size_t)e, "retry_count", a->retry_count, sizeof a->retry_count);
        live_attempt_str(&doc, (size_t)e, "assertion_jti", a->assertion_jti, sizeof a->assertion_jti);
        live_attempt_str(&doc, (size_t)e, "dpop_jti", a->dpop_jti, sizeof a->dpop_jti);
        live_attempt_str(&doc, (size_t)e, "dpop_nonce", a->dpop_nonce, sizeof a->dpop_nonce);
        a->status = si >= 0 && okta_cc_json_get_int64(&doc, (size_t)si, &st, NULL) == OKTA_CC_OK ? (long)st : 0;
    }
    return n;
}

#endif
