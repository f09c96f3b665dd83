/*
 * A C peer for MqInteropTest: the same kernel queue through <mqueue.h>.
 *   mq_peer send NAME PRIO:TEXT...     sends each text with its priority ("SENT n")
 *   mq_peer recv NAME COUNT            receives COUNT messages, printing "RECEIVED PRIO TEXT"
 *   mq_peer create NAME MAXMSG MSGSIZE creates the queue (O_EXCL, mode 0600) and prints its attributes
 *   mq_peer unlink NAME                removes the queue ("UNLINKED")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *call, const char *name) {
    printf("FAILED %s %s: %s\n", call, name, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: mq_peer send|recv|create|unlink NAME ...\n");
        return 2;
    }
    const char *name = argv[2];
    if (strcmp(argv[1], "send") == 0) {
        mqd_t q = mq_open(name, O_WRONLY);
        if (q == (mqd_t) -1) return fail("mq_open", name);
        for (int i = 3; i < argc; i++) {
            char *colon = strchr(argv[i], ':');
            if (colon == NULL) return 2;
            unsigned prio = (unsigned) strtoul(argv[i], NULL, 10);
            if (mq_send(q, colon + 1, strlen(colon + 1), prio) != 0) return fail("mq_send", name);
        }
        printf("SENT %d\n", argc - 3);
        return mq_close(q);
    }
    if (strcmp(argv[1], "recv") == 0 && argc == 4) {
        mqd_t q = mq_open(name, O_RDONLY);
        if (q == (mqd_t) -1) return fail("mq_open", name);
        struct mq_attr attr;
        if (mq_getattr(q, &attr) != 0) return fail("mq_getattr", name);
        char *buffer = malloc(attr.mq_msgsize + 1);
        printf("RECEIVING\n");
        fflush(stdout);
        for (int i = 0; i < atoi(argv[3]); i++) {
            unsigned prio;
            ssize_t n = mq_receive(q, buffer, attr.mq_msgsize, &prio);
            if (n < 0) return fail("mq_receive", name);
            buffer[n] = '\0';
            printf("RECEIVED %u %s\n", prio, buffer);
            fflush(stdout);
        }
        free(buffer);
        return mq_close(q);
    }
    if (strcmp(argv[1], "create") == 0 && argc == 5) {
        struct mq_attr attr = {0};
        attr.mq_maxmsg = atol(argv[3]);
        attr.mq_msgsize = atol(argv[4]);
        mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
        if (q == (mqd_t) -1) return fail("mq_open", name);
        if (mq_getattr(q, &attr) != 0) return fail("mq_getattr", name);
        printf("CREATED %ld %ld\n", attr.mq_maxmsg, attr.mq_msgsize);
        return mq_close(q);
    }
    if (strcmp(argv[1], "unlink") == 0 && argc == 3) {
        if (mq_unlink(name) != 0) return fail("mq_unlink", name);
        printf("UNLINKED\n");
        return 0;
    }
    return 2;
}
