/* Runs a command and reports its wall time and peak resident set size (the child's
   ru_maxrss from wait4(), which covers its waited-for descendants too), for the process-level
   figures of make bench (cold start, 100 000 users).

   usage: runstat RESULT_FILE COMMAND [ARGS...]
   The command inherits stdin, stdout and stderr. RESULT_FILE receives one line:
     ms=<wall milliseconds> maxrss_kb=<KiB> status=<exit status, or 128+signal>
   runstat exits with the command's status. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage ru;
    int status = 0, code;
    pid_t pid;
    FILE *f;
    if (argc < 3) {
        fprintf(stderr, "usage: %s RESULT_FILE COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("runstat: exec");
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("runstat: wait4");
        return 127;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 127;
    }
    fprintf(f, "ms=%.1f maxrss_kb=%ld status=%d\n",
            (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, ru.ru_maxrss, code);
    fclose(f);
    return code;
}
