/* forkwait: the paper's fork/wait loop (Adams & Agesen, ASPLOS 2006, section 6.1): fork N
 * times; each child exits at once, the parent waits for it. Prints "forkwait N" when done.
 * N is the first argument (the initramfs /init takes it from the kernel command line's
 * forks=N); default 40000, the paper's count. Built static: gcc -m32 -static -O2. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
  long n = 40000;
  if (argc > 1) {
    char *end;
    n = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || n < 0) {
      fprintf(stderr, "forkwait: '%s' is not a fork count\n", argv[1]);
      return 2;
    }
  }
  for (long i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("forkwait: fork");
      return 1;
    }
    if (pid == 0) _exit(0);
    if (waitpid(pid, NULL, 0) != pid) {
      perror("forkwait: waitpid");
      return 1;
    }
  }
  printf("forkwait %ld\n", n);
  return 0;
}
