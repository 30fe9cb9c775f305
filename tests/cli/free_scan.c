/* free_scan.so - an LD_PRELOAD helper for the CLI tests: it interposes free() and realloc()
   and reports every heap block handed back to the allocator that still holds a marker (a
   piece of a private key, a request body, a listed user). A program that wipes its secrets
   before freeing them produces no report.

   Environment:
     FREE_SCAN_MARKERS  one or more markers separated by '|' (each at least 8 bytes)
     FREE_SCAN_REPORT   a file; one line is appended per block found (nothing = clean)

   Build: cc -shared -fPIC -o free_scan.so tests/cli/free_scan.c -ldl
   glibc routes its own internal frees (stdio buffers, libcurl's, OpenSSL's) through these
   symbols too, which is what makes the check complete. Not C99 on purpose: it needs dlsym
   and malloc_usable_size, and is built only by the tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void (*real_free)(void *);
static void *(*real_realloc)(void *, size_t);

/* Does the block at p (its whole usable size) contain one of the markers? */
static const char *block_marker(void *p)
{
    const char *markers = getenv("FREE_SCAN_MARKERS"), *m;
    size_t size;
    if (!p || !markers || !*markers) return NULL;
    size = malloc_usable_size(p);
    for (m = markers; *m;) {
        size_t n = strcspn(m, "|");
        if (n >= 8 && memmem(p, size, m, n)) return m;
        m += n + (m[n] == '|');
    }
    return NULL;
}

/* Appends "freed block of N bytes holds marker <first 12 bytes>..." to the report file.
   Only write(2) and open(2): no allocation inside free. */
static void report(const char *marker, size_t size, const char *how)
{
    const char *path = getenv("FREE_SCAN_REPORT");
    char line[160];
    size_t n = 0, k;
    char digits[24];
    int d = 0, fd;
    if (!path) return;
    for (k = 0; how[k] && n < 40; k++) line[n++] = how[k];
    line[n++] = ' ';
    do { digits[d++] = (char)('0' + size % 10); size /= 10; } while (size && d < 23);
    while (d > 0) line[n++] = digits[--d];
    memcpy(line + n, " bytes holds marker ", 20);
    n += 20;
    for (k = 0; k < 12 && marker[k] && marker[k] != '|'; k++) line[n++] = marker[k];
    line[n++] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    if (write(fd, line, n) < 0) { /* nothing to do: the test sees a short report */ }
    close(fd);
}

void free(void *p)
{
    const char *m;
    if (!real_free) real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    if (!real_free) return;     /* during dlsym's own start-up: leak rather than crash */
    m = block_marker(p);
    if (m) report(m, malloc_usable_size(p), "free:");
    real_free(p);
}

void *realloc(void *p, size_t size)
{
    const char *m;
    void *q;
    size_t old;
    if (!real_realloc) real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    if (!real_realloc) return NULL;
    old = p ? malloc_usable_size(p) : 0;
    m = block_marker(p);
    q = real_realloc(p, size);
    if (m && q != p) report(m, old, "realloc moved:");    /* the old copy was freed as it was */
    return q;
}
