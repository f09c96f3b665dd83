/*
 * Runs a command as its child and reports every change of the child's state as its parent sees it
 * through waitpid(2): "child <pid>", then "stopped <sig>", "continued", and finally
 * "signaled <sig>[ core]" or "exited <status>". Used by SignalDefaultActionTest.
 *
 * The child starts with every signal at its default action and none blocked: an ignored disposition
 * or a blocked mask is inherited across fork and exec (e.g. SIGHUP under nohup, SIGINT in a
 * background job of a shell without job control), and the test is about the default actions.
 * "child <pid>" comes only once the child has exec'd the command (a close-on-exec pipe tells), so
 * a signal sent as soon as it is read cannot reach the child while it still ignores that signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: waitstatus command [args...]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int execed[2];
    if (pipe2(execed, O_CLOEXEC) < 0) {
        perror("pipe2");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        close(execed[0]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++) {
            signal(sig, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP and unused numbers */
        }
        execvp(argv[1], argv + 1);
        perror("execvp");
        _exit(127);
    }
    close(execed[1]);
    char ignored;
    while (read(execed[0], &ignored, 1) < 0 && errno == EINTR) {
        /* end of file: the child exec'd (or failed to and exits with 127) */
    }
    close(execed[0]);
    printf("child %d\n", (int) pid);
    for (;;) {
        int status;
        if (waitpid(pid, &status, WUNTRACED | WCONTINUED) < 0) {
            perror("waitpid");
            return 2;
        }
        if (WIFSTOPPED(status)) {
            printf("stopped %d\n", WSTOPSIG(status));
        } else if (WIFCONTINUED(status)) {
            printf("continued\n");
        } else if (WIFSIGNALED(status)) {
            printf("signaled %d%s\n", WTERMSIG(status), WCOREDUMP(status) ? " core" : "");
            return 0;
        } else if (WIFEXITED(status)) {
            printf("exited %d\n", WEXITSTATUS(status));
            return 0;
        }
    }
}
