/*
 * wakeups: what one sleeping round trip between two processes costs on this machine, by the
 * kernel's means only (no JVM). A probe behind docs/benchmarks.md ("Futex only against the pipe: the
 * kernel's share"); benchmark code only, not part of jipc.
 *
 *   gcc -O2 -Wall -o /tmp/wakeups jipc-bench/probes/wakeups.c
 *   /tmp/wakeups MODE [ROUND_TRIPS [CPU_A CPU_B]]
 *
 * MODE:
 *   syscall  in one process: the cost of a system call that does nothing (getppid), of a
 *            FUTEX_WAKE that finds no sleeper on a word of a MAP_SHARED mapping (the kernel looks
 *            its page up to make the key that other processes match) and of the same on a private
 *            mapping with FUTEX_WAKE_PRIVATE (the key is the address: no lookup)
 *   pipe     two pipes, one each way; each side blocks in read(2)
 *   futex    a shared 32-bit word each way; each side sleeps in FUTEX_WAIT (not PRIVATE), the
 *            sender always calls FUTEX_WAKE (as jipc-bench's cfutex)
 *   futex2   the same with the futex_wait(2)/futex_wake(2) calls of Linux 6.7
 *   uring    the same futex words, but each side wakes its peer and starts its own wait in one
 *            io_uring_enter(2): IORING_OP_FUTEX_WAKE then IORING_OP_FUTEX_WAIT (Linux 6.7), so a
 *            round trip takes two system calls instead of four
 * CPU_A, CPU_B: pin the parent and the child to these CPUs (the same one: both on one CPU).
 *
 * Prints the round trip's p50 and p90 in microseconds over all but the first tenth (warm-up), or
 * "MODE unavailable: reason" (exit 3) where the kernel refuses the mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYS_FUTEX_WAKE2 454
#define SYS_FUTEX_WAIT2 455
#define FUTEX2_SIZE_U32 0x02
#define OP_FUTEX_WAIT 51
#define OP_FUTEX_WAKE 52
#define SQE_CQE_SKIP_SUCCESS (1U << 6)

enum mode { SYSCALL, PIPE, FUTEX, FUTEX2, URING };

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int compare_long(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return x < y ? -1 : x > y;
}

static void pin(int cpu) {
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("sched_setaffinity");
        exit(1);
    }
}

/* ---------------------------------------------------------------- futex words */

static void futex_sleep(enum mode mode, uint32_t *word, uint32_t seen) {
    if (mode == FUTEX2) {
        syscall(SYS_FUTEX_WAIT2, word, (unsigned long) seen, 0xffffffffUL, FUTEX2_SIZE_U32, NULL, CLOCK_MONOTONIC);
    } else {
        syscall(SYS_futex, word, FUTEX_WAIT, seen, NULL, NULL, 0);
    }
}

static void futex_wake_one(enum mode mode, uint32_t *word) {
    if (mode == FUTEX2) {
        syscall(SYS_FUTEX_WAKE2, word, 0xffffffffUL, 1, FUTEX2_SIZE_U32);
    } else {
        syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
}

/* ---------------------------------------------------------------- io_uring, without liburing */

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

/* Returns 0, or an errno value if the kernel refuses io_uring here. */
static int ring_setup(struct ring *r) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    r->fd = (int) syscall(__NR_io_uring_setup, 8, &p);
    if (r->fd < 0) {
        return errno;
    }
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    char *cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
    r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED) {
        return errno;
    }
    r->sq_tail = (unsigned *) (sq + p.sq_off.tail);
    r->sq_mask = (unsigned *) (sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *) (sq + p.sq_off.array);
    r->cq_head = (unsigned *) (cq + p.cq_off.head);
    r->cq_tail = (unsigned *) (cq + p.cq_off.tail);
    r->cq_mask = (unsigned *) (cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *) (cq + p.cq_off.cqes);
    return 0;
}

static void ring_queue(struct ring *r, uint8_t opcode, uint32_t *word, uint64_t value, uint8_t flags) {
    unsigned tail = *r->sq_tail;
    unsigned index = tail & *r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->flags = flags;
    sqe->fd = FUTEX2_SIZE_U32;          /* the futex2 flags */
    sqe->addr = (uint64_t) (uintptr_t) word;
    sqe->off = value;                   /* wait: the expected value; wake: how many */
    sqe->addr3 = 0xffffffffULL;         /* the bitset mask */
    sqe->user_data = opcode;
    r->sq_array[index] = index;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Consumes the completions; returns -1 with errno set if an operation failed (other than a wait that found the word changed). */
static int ring_reap(struct ring *r) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    int failed = 0;
    for (; head != tail; head++) {
        struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
        if (cqe->res < 0 && !(cqe->user_data == OP_FUTEX_WAIT && cqe->res == -EAGAIN)) {
            errno = -cqe->res;
            failed = 1;
        }
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    return failed ? -1 : 0;
}

/* Wakes the sleeper on `wake`, then sleeps until `wait` holds `want`: one system call per sleep. */
static int ring_wake_then_wait(struct ring *r, uint32_t *wake, uint32_t *wait, uint32_t want) {
    int woken = 0;
    while (__atomic_load_n(wait, __ATOMIC_ACQUIRE) != want) {
        unsigned submit = 0;
        if (!woken) {
            ring_queue(r, OP_FUTEX_WAKE, wake, 1, SQE_CQE_SKIP_SUCCESS);
            submit++;
            woken = 1;
        }
        ring_queue(r, OP_FUTEX_WAIT, wait, want - 1, 0);
        submit++;
        if (syscall(__NR_io_uring_enter, r->fd, submit, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0
                || ring_reap(r) != 0) {
            return -1;
        }
    }
    if (!woken) {
        futex_wake_one(FUTEX, wake);
    }
    return 0;
}

/* ---------------------------------------------------------------- the ping-pong */

struct channel {
    int to_child[2], to_parent[2];      /* PIPE */
    uint32_t *to_child_word;            /* the futex modes: in a MAP_SHARED page, 64 bytes apart */
    uint32_t *to_parent_word;
    struct ring ring;                   /* URING: one per process, set up after the fork */
};

/* Sends round trip i's message (i + 1) and waits for its echo. */
static int parent_exchange(enum mode mode, struct channel *c, uint32_t i) {
    char byte = (char) i;
    switch (mode) {
    case PIPE:
        if (write(c->to_child[1], &byte, 1) != 1 || read(c->to_parent[0], &byte, 1) != 1) {
            return -1;
        }
        return 0;
    case URING:
        __atomic_store_n(c->to_child_word, i + 1, __ATOMIC_RELEASE);
        return ring_wake_then_wait(&c->ring, c->to_child_word, c->to_parent_word, i + 1);
    default:
        __atomic_store_n(c->to_child_word, i + 1, __ATOMIC_RELEASE);
        futex_wake_one(mode, c->to_child_word);
        while (__atomic_load_n(c->to_parent_word, __ATOMIC_ACQUIRE) != i + 1) {
            futex_sleep(mode, c->to_parent_word, i);
        }
        return 0;
    }
}

static int child_echo(enum mode mode, struct channel *c, uint32_t n) {
    char byte;
    if (mode == PIPE) {
        for (uint32_t i = 0; i < n; i++) {
            if (read(c->to_child[0], &byte, 1) != 1 || write(c->to_parent[1], &byte, 1) != 1) {
                return -1;
            }
        }
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (mode == URING && i > 0) {
            /* echo round trip i - 1, then wait for round trip i's message */
            __atomic_store_n(c->to_parent_word, i, __ATOMIC_RELEASE);
            if (ring_wake_then_wait(&c->ring, c->to_parent_word, c->to_child_word, i + 1) != 0) {
                return -1;
            }
            continue;
        }
        while (__atomic_load_n(c->to_child_word, __ATOMIC_ACQUIRE) != i + 1) {
            futex_sleep(mode, c->to_child_word, i);
        }
        if (mode != URING) {
            __atomic_store_n(c->to_parent_word, i + 1, __ATOMIC_RELEASE);
            futex_wake_one(mode, c->to_parent_word);
        }
    }
    if (mode == URING) {
        __atomic_store_n(c->to_parent_word, n, __ATOMIC_RELEASE);
        futex_wake_one(FUTEX, c->to_parent_word);
    }
    return 0;
}

static double ns_per_call(long n, long syscall_number, void *word, int op) {
    long start = now_ns();
    for (long i = 0; i < n; i++) {
        if (word == NULL) {
            syscall(syscall_number);
        } else {
            syscall(syscall_number, word, op, 1, NULL, NULL, 0);
        }
    }
    return (double) (now_ns() - start) / (double) n;
}

static int measure_system_calls(long n) {
    uint32_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint32_t *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED || private == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    *shared = 0;
    *private = 0;
    double nothing = ns_per_call(n, SYS_getppid, NULL, 0);
    double wake_shared = ns_per_call(n, SYS_futex, shared, FUTEX_WAKE);
    double wake_private = ns_per_call(n, SYS_futex, private, FUTEX_WAKE_PRIVATE);
    printf("syscall getppid %.0f ns, FUTEX_WAKE shared %.0f ns, FUTEX_WAKE_PRIVATE %.0f ns (no sleeper; %ld calls each)\n",
           nothing, wake_shared, wake_private, n);
    return 0;
}

static int parse_mode(const char *name, enum mode *mode) {
    static const char *names[] = {"syscall", "pipe", "futex", "futex2", "uring"};
    for (int m = SYSCALL; m <= URING; m++) {
        if (strcmp(name, names[m]) == 0) {
            *mode = (enum mode) m;
            return 0;
        }
    }
    return -1;
}

static int usage(void) {
    fprintf(stderr, "usage: wakeups syscall|pipe|futex|futex2|uring [ROUND_TRIPS [CPU_A CPU_B]]\n");
    return 2;
}

int main(int argc, char **argv) {
    enum mode mode;
    if (argc < 2 || argc == 4 || argc > 5 || parse_mode(argv[1], &mode) != 0) {
        return usage();
    }
    long n = argc > 2 ? atol(argv[2]) : 100000;
    int cpu_a = argc > 4 ? atoi(argv[3]) : -1, cpu_b = argc > 4 ? atoi(argv[4]) : -1;
    if (n < 10 || n > 100000000) {
        return usage();
    }
    if (mode == SYSCALL) {
        pin(cpu_a);
        return measure_system_calls(n);
    }
    if (mode == FUTEX2 && syscall(SYS_FUTEX_WAKE2, &(uint32_t) {0}, 0xffffffffUL, 1, FUTEX2_SIZE_U32) < 0) {
        printf("futex2 unavailable: %s\n", strerror(errno));
        return 3;
    }
    struct channel c;
    memset(&c, 0, sizeof c);
    if (pipe(c.to_child) != 0 || pipe(c.to_parent) != 0) {
        perror("pipe");
        return 1;
    }
    uint32_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    c.to_child_word = page;
    c.to_parent_word = page + 16;
    if (mode == URING) {
        int error = ring_setup(&c.ring);
        if (error != 0) {
            printf("uring unavailable: %s\n", strerror(error));
            return 3;
        }
        close(c.ring.fd);               /* only probed here: each process sets up its own */
    }
    long *latencies = malloc(sizeof(long) * (size_t) n);
    if (latencies == NULL) {
        perror("malloc");
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (mode == URING && ring_setup(&c.ring) != 0) {
        perror("io_uring_setup");
        _exit(1);
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent, e.g. one killed by a test's timeout */
        if (getppid() == 1) {
            _exit(1);
        }
        pin(cpu_b);
        _exit(child_echo(mode, &c, (uint32_t) n) == 0 ? 0 : 1);
    }
    pin(cpu_a);
    for (long i = 0; i < n; i++) {
        long start = now_ns();
        if (parent_exchange(mode, &c, (uint32_t) i) != 0) {
            perror(argv[1]);
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            return 1;
        }
        latencies[i] = now_ns() - start;
    }
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "the child failed\n");
        return 1;
    }
    long skip = n / 10, counted = n - skip;
    qsort(latencies + skip, (size_t) counted, sizeof(long), compare_long);
    printf("%s p50 %.2f us p90 %.2f us (%ld round trips", argv[1], latencies[skip + counted / 2] / 1000.0,
           latencies[skip + counted * 9 / 10] / 1000.0, counted);
    if (cpu_a >= 0) {
        printf(", CPUs %d and %d", cpu_a, cpu_b);
    }
    printf(")\n");
    return 0;
}
