/*
 * The benchmark's stopwatch, the same for both tools (bench/check/run.sh
 * compiles it with cc): runs one command and writes what it cost, to the
 * microsecond.
 *
 * usage: timed OUT.json STDOUT STDERR -- COMMAND [ARG...]
 *
 * GNU time's -v prints user and system time rounded to 10 ms, which at
 * 1,000 URLs (some 0.1-0.2 CPU s) is a tenth of the figure. This takes the
 * same numbers from the kernel (wait4's rusage), unrounded. It is a small
 * native program, as GNU time is, because a child's peak resident set
 * (ru_maxrss) starts from the memory of the process that forked it: a Python
 * wrapper puts a floor of some 14 MB under every figure. (It is C, not a
 * Rust example, because the package forbids unsafe code, and wait4 is not in
 * std.)
 *
 * OUT.json: {"wall_s", "user_s", "sys_s", "max_rss_kb", "exit"}, wall time
 * from just before the fork to just after the child is reaped
 * (CLOCK_MONOTONIC). The command's own exit status is this program's
 * (128 + N for a signal N); 2 when it cannot be started.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static double seconds(struct timeval t) { return (double)t.tv_sec + t.tv_usec / 1e6; }

int main(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: timed OUT.json STDOUT STDERR -- COMMAND [ARG...]\n");
    return 2;
  }
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0 || err < 0) {
    perror("timed: opening the output files");
    return 2;
  }
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid < 0) {
    perror("timed: fork");
    return 2;
  }
  if (pid == 0) {
    dup2(out, 1);
    dup2(err, 2);
    execvp(argv[5], &argv[5]);
    perror(argv[5]);
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) {
    perror("timed: wait4");
    return 2;
  }
  double wall = since(&start);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *f = fopen(argv[1], "w");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  fprintf(f, "{\"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f, \"max_rss_kb\": %ld, \"exit\": %d}\n",
          wall, seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_maxrss, code);
  if (fclose(f) != 0) {
    perror(argv[1]);
    return 2;
  }
  return code;
}
