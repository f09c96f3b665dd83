/*
 * Runs a command as its child and reports every change of the child's state as its parent sees it
 * through waitpid(2): "child <pid>", then "stopped <sig>", "continued", and finally
 * "signaled <sig>[ core]" or "exited <status>". Used by SignalDefaultActionTest.
 *
 * The child starts with every signal at its default action and none blocked: an ignored disposition
 * or a blocked mask is inherited across fork and exec (e.g. SIGHUP under nohup, SIGINT in a
 * background job of a shell without job control), and the test is about the default actions.
 */
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
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
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
