/* Benchmark: new TLS connections with a private CA file, libcurl's Debian default CA path kept
   vs cleared (which is what okta_cc.h does when a CA file or PEM is configured).

   Debian builds libcurl with --with-ca-path=/etc/ssl/certs; a CA path disables libcurl's CA
   cache (CURLOPT_CA_CACHE_TIMEOUT), so every new connection re-reads the CA file and may look in
   the directory. Runs both variants interleaved against the same local HTTPS server, each request
   on a fresh connection, and prints medians and their ratio.

   usage: ca_cache URL CA_FILE [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t sink(char *d, size_t s, size_t n, void *u) { (void)d; (void)u; return s * n; }

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static CURL *make_handle(const char *url, const char *ca, int clear_capath)
{
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);   /* a new connection and handshake each time */
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (clear_capath) curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    return h;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 300, i, v;
    double *t[2];
    CURL *h[2];
    const char *names[2] = {"CA file + Debian CA path (libcurl default)", "CA file, CA path cleared (okta_cc.h)"};
    if (argc < 3) { fprintf(stderr, "usage: %s URL CA_FILE [ROUNDS]\n", argv[0]); return 2; }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (v = 0; v < 2; v++) {
        t[v] = (double *)calloc((size_t)rounds, sizeof(double));
        h[v] = make_handle(argv[1], argv[2], v);
        curl_easy_perform(h[v]);                       /* warm-up */
    }
    for (i = 0; i < rounds; i++)
        for (v = 0; v < 2; v++) {                      /* interleaved: same conditions for both */
            double t0 = now_ms();
            CURLcode rc = curl_easy_perform(h[v]);
            long status = 0;
            curl_easy_getinfo(h[v], CURLINFO_RESPONSE_CODE, &status);
            if (rc != CURLE_OK || status != 200) {
                fprintf(stderr, "request failed: %s (HTTP %ld)\n", curl_easy_strerror(rc), status);
                return 1;
            }
            t[v][i] = now_ms() - t0;
        }
    for (v = 0; v < 2; v++) qsort(t[v], (size_t)rounds, sizeof(double), cmp);
    printf("new HTTPS connections to %s, %d each, interleaved\n", argv[1], rounds);
    for (v = 0; v < 2; v++)
        printf("  %-45s median %.3f ms  p10 %.3f  p90 %.3f\n", names[v], t[v][rounds / 2], t[v][rounds / 10],
               t[v][rounds * 9 / 10]);
    printf("  ratio default/cleared (medians): %.2fx\n", t[0][rounds / 2] / t[1][rounds / 2]);
    /* The same in make bench's one-line form: measured = what okta_cc.h does. */
    printf("bench: tls_new_connection_ca_path_cleared median=%.3f ms baseline=%.3f ms ratio=%.3f better=lower "
           "rounds=%d baseline=libcurl_default_ca_path\n",
           t[1][rounds / 2], t[0][rounds / 2], t[1][rounds / 2] / t[0][rounds / 2], rounds);
    for (v = 0; v < 2; v++) { curl_easy_cleanup(h[v]); free(t[v]); }
    curl_global_cleanup();
    return 0;
}
