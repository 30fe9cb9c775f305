#define _POSIX_C_SOURCE 200809L
/* The token store across real processes, against the local Okta-compatible server
   (tests/live/store_suite.sh starts it): a second process uses the stored token, Bearer and
   DPoP (the server's binding checks pass with the stored key), and the server counts no token
   request; a revoked stored token costs one 401 and one fetch; 16 processes started together
   with an empty store make one grant; a process killed while holding the lock blocks nobody.
   Each process is this binary run again (--get), so nothing is shared but the directory. */
#define OKTA_CC_IMPLEMENTATION
#include "../../okta_cc.h"
#include "../harness.h"
#include "live.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self_path;
static char tmp_root[512];

/* ---- the child: one process, one API call through the file store ----------------------------- */

/* --get DIR CLIENT_ID MODE: one GET /api/v1/users?limit=1 with the file store in DIR (mode
   "bearer": DPoP NEVER; "auto": AUTO). Prints "ok from_store=N fetches=N" and exits 0, or the
   error and exits 1. */
static int child_get(const char *dir, const char *client_id, const char *mode)
{
    okta_cc_config cfg;
    okta_cc_token_store store;
    okta_cc_client *c = NULL;
    okta_cc_response resp;
    okta_cc_token_info info;
    okta_cc_error err;
    char path[1024], tok[4096];
    int rc = 1;
    memset(&resp, 0, sizeof resp);
    live_config(&cfg, env("OKTA_CC_TEST_URL"), client_id, path, sizeof path);
    cfg.dpop = strcmp(mode, "auto") == 0 ? OKTA_CC_DPOP_AUTO : OKTA_CC_DPOP_NEVER;
    if (okta_cc_file_store_new(&store, dir, &err) != OKTA_CC_OK) {
        printf("store: %s\n", err.message);
        return 1;
    }
    cfg.token_store = store;
    if (okta_cc_client_new(&c, &cfg, &err) == OKTA_CC_OK &&
        okta_cc_request(c, "GET", "/api/v1/users?limit=1", NULL, 0, NULL, &resp, &err) == OKTA_CC_OK &&
        resp.http.status == 200 && okta_cc_client_get_token(c, tok, sizeof tok, NULL, &info, &err) == OKTA_CC_OK) {
        printf("ok from_store=%d fetches=%lu type=%s\n", info.from_store, okta_cc_client_token_fetches(c), info.token_type);
        rc = 0;
    } else {
        printf("failed: %s\n", err.message);
    }
    okta_cc_response_free(&resp);
    okta_cc_client_free(c);
    okta_cc_file_store_free(&store);
    return rc;
}

/* --hold DIR ID: takes the lock of ID, says "locked" on stdout, waits to be killed. */
static int child_hold(const char *dir, const char *id)
{
    okta_cc_token_store store;
    void *held = NULL;
    if (okta_cc_file_store_new(&store, dir, NULL) != OKTA_CC_OK || store.lock(store.user, id, 0, &held, NULL) != OKTA_CC_OK)
        return 1;
    printf("locked\n");
    fflush(stdout);
    for (;;) pause();
}

/* ---- the parent ------------------------------------------------------------------------------ */

/* Starts this binary with args; its stdout goes to the pipe *out (when out is given). */
static pid_t spawn(char *const args[], int *out)
{
    int fds[2];
    pid_t pid;
    if (out && pipe(fds) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        if (out) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
        } else if (!freopen("/dev/null", "w", stdout)) {
            _exit(126);
        }
        execv(self_path, args);
        _exit(127);
    }
    if (out) {
        close(fds[1]);
        *out = fds[0];
    }
    return pid;
}

/* Runs one --get process to its end: its exit status, its line in line. */
static int run_get(const char *dir, const char *client_id, const char *mode, char *line, size_t cap)
{
    char *args[] = {(char *)self_path, (char *)"--get", (char *)dir, (char *)client_id, (char *)mode, NULL};
    int fd = -1, status = 0;
    ssize_t n;
    size_t have = 0;
    pid_t pid = spawn(args, &fd);
    line[0] = '\0';
    if (pid < 0) return -1;
    while (have + 1 < cap && (n = read(fd, line + have, cap - 1 - have)) > 0) have += (size_t)n;
    line[have] = '\0';
    close(fd);
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) fprintf(stderr, "  child: %s", line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void new_dir(char *out, size_t cap)
{
    static int n;
    snprintf(out, cap, "%s/store-%d", tmp_root, ++n);
}

static long issued(void)
{
    return stat_value(env("OKTA_CC_TEST_URL"), "tokens_issued");
}

static long token_requests(void)
{
    return stat_value(env("OKTA_CC_TEST_URL"), "token_requests");
}

/* A first process fetches and saves; a second uses the stored token: no token request at the
   server, its API call accepted. */
static void second_process(const char *client_id, const char *mode, const char *type)
{
    char dir[600], line[512], want[64];
    long req0;
    new_dir(dir, sizeof dir);
    req0 = token_requests();
    CHECK_EQ_INT(run_get(dir, client_id, mode, line, sizeof line), 0);
    CHECK(strstr(line, "from_store=0 fetches=1") != NULL);
    snprintf(want, sizeof want, "type=%s", type);
    CHECK(strstr(line, want) != NULL);
    CHECK(token_requests() > req0);
    req0 = token_requests();
    CHECK_EQ_INT(run_get(dir, client_id, mode, line, sizeof line), 0);
    CHECK(strstr(line, "from_store=1 fetches=0") != NULL);
    CHECK(strstr(line, want) != NULL);
    CHECK_EQ_INT(token_requests(), req0);
}

static void test_second_process_bearer(void) { second_process("0oa_api", "bearer", "Bearer"); }

/* The app requires DPoP: the second process signs its proofs with the stored key (the server
   checks the proof key against the token's cnf.jkt) and makes no token request at all - not
   even the proofless one AUTO would make without the store. */
static void test_second_process_dpop(void) { second_process("0oa_api_dpop", "auto", "DPoP"); }

/* The server forgets every token: the stored one gets a 401, is removed, one new grant, the
   call succeeds; the process after that uses the new stored token. */
static void test_revoked_stored_token(void)
{
    char dir[600], line[512];
    long grants;
    new_dir(dir, sizeof dir);
    CHECK_EQ_INT(run_get(dir, "0oa_api", "bearer", line, sizeof line), 0);
    CHECK(control(env("OKTA_CC_TEST_URL"), "/__test/expire_tokens", "{}", NULL) == 200);
    grants = issued();
    CHECK_EQ_INT(run_get(dir, "0oa_api", "bearer", line, sizeof line), 0);
    CHECK(strstr(line, "from_store=0 fetches=1") != NULL);
    CHECK_EQ_INT(issued() - grants, 1);
    CHECK_EQ_INT(run_get(dir, "0oa_api", "bearer", line, sizeof line), 0);
    CHECK(strstr(line, "from_store=1 fetches=0") != NULL);
    CHECK_EQ_INT(issued() - grants, 1);
}

/* 16 processes started together with an empty store: one grant; every call succeeds. */
static void concurrent(const char *client_id, const char *mode)
{
    char dir[600];
    char *args[] = {(char *)self_path, (char *)"--get", dir, (char *)client_id, (char *)mode, NULL};
    pid_t pids[16];
    int i, ok = 0, status;
    long grants;
    new_dir(dir, sizeof dir);
    grants = issued();
    for (i = 0; i < 16; i++) pids[i] = spawn(args, NULL);
    for (i = 0; i < 16; i++)
        if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0) ok++;
    CHECK_EQ_INT(ok, 16);
    CHECK_EQ_INT(issued() - grants, 1);
}

static void test_16_processes_one_grant(void) { concurrent("0oa_api", "bearer"); }
static void test_16_processes_one_grant_dpop(void) { concurrent("0oa_api_dpop", "auto"); }

/* A process holding the store's lock is SIGKILLed: the next run is not blocked (it takes the
   lock at once and finishes in well under a second). */
static void test_killed_lock_holder(void)
{
    char dir[600], line[512], id[65];
    okta_cc_config cfg;
    okta_cc_client *c;
    okta_cc_token_store store;
    char path[1024], got[16] = "";
    char *args[] = {(char *)self_path, (char *)"--hold", dir, id, NULL};
    struct timeval t0, t1;
    int fd = -1;
    pid_t pid;
    new_dir(dir, sizeof dir);
    /* the identity's id, as the --get process computes it */
    CHECK(okta_cc_file_store_new(&store, dir, NULL) == OKTA_CC_OK);
    live_config(&cfg, env("OKTA_CC_TEST_URL"), "0oa_api", path, sizeof path);
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.token_store = store;
    if (okta_cc_client_new(&c, &cfg, NULL) != OKTA_CC_OK) {
        CHECK(0);
        return;
    }
    memcpy(id, c->store_id, sizeof id);
    okta_cc_client_free(c);
    okta_cc_file_store_free(&store);
    pid = spawn(args, &fd);
    CHECK(pid > 0 && read(fd, got, sizeof got - 1) > 0 && strncmp(got, "locked", 6) == 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
    gettimeofday(&t0, NULL);
    CHECK_EQ_INT(run_get(dir, "0oa_api", "bearer", line, sizeof line), 0);
    gettimeofday(&t1, NULL);
    CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000 < 3000);
    CHECK(strstr(line, "fetches=1") != NULL);
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    char cmd[600];
    int rc;
    self_path = argv[0];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (argc == 5 && strcmp(argv[1], "--get") == 0) {
        rc = child_get(argv[2], argv[3], argv[4]);
        curl_global_cleanup();
        return rc;
    }
    if (argc == 4 && strcmp(argv[1], "--hold") == 0) return child_hold(argv[2], argv[3]);
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    if (!env("OKTA_CC_TEST_URL")) {
        fprintf(stderr, "run me through tests/live/store_suite.sh\n");
        return 2;
    }
    snprintf(tmp_root, sizeof tmp_root, "%s/okta-cc-store-live-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root)) return 1;
    RUN(test_second_process_bearer);
    RUN(test_second_process_dpop);
    RUN(test_revoked_stored_token);
    RUN(test_16_processes_one_grant);
    RUN(test_16_processes_one_grant_dpop);
    RUN(test_killed_lock_holder);
    rc = h_summary();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
    curl_global_cleanup();
    return rc;
}
