/*
 * The "cfutex" transport of jipc-bench interleaved: a reference ping-pong that waits in futex only,
 * written in C and called through java.lang.foreign from both processes of the run, so that it is
 * measured in the same processes and the same vCPU placement as the pipe and jipc's FUTEX mailbox:
 * the "futex-only RTT in C". Benchmark code only, not part of jipc.
 *
 * Layout of each direction's region: a 32-bit sequence number at 0 (the futex word, written only by
 * the sender) and the payload from 64 (at most MAX_SIZE bytes). A round trip has at most one
 * message in flight each way, so one slot is enough. The sender copies the payload, stores the
 * next sequence number (release) and always calls FUTEX_WAKE: its receiver sleeps on every wait,
 * so a flag saying whether it sleeps would only add work. The receiver loads the word (acquire)
 * and, while it is unchanged, sleeps in FUTEX_WAIT at once: no spinning, as jipc's FUTEX strategy.
 * The futex calls are the shared (not PRIVATE) ones: the word is in a file that two processes map.
 *
 * Each process keeps its sequence numbers in its own `st` array (see the ST_ names). A wait gives
 * up after about 100 ms and returns 0 ("not yet"), keeping its progress in `st`, so that the Java
 * caller can check for interrupts and a dead peer between calls.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64
#define MAX_SIZE 1024
#define WAIT_NS 100000000L

enum { ST_OUT_SEQ, ST_IN_SEQ, ST_VALUE, ST_LENGTH };

static inline uint32_t *sequence(uint8_t *region) {
    return (uint32_t *) region;
}

/* Copies the message into `out`, publishes it and wakes the receiver. */
static void publish(uint8_t *out, int64_t *st, const uint8_t *payload, int32_t size) {
    memcpy(out + PAYLOAD, payload, (size_t) size);
    uint32_t next = (uint32_t) st[ST_OUT_SEQ] + 1;
    st[ST_OUT_SEQ] = next;
    __atomic_store_n(sequence(out), next, __ATOMIC_RELEASE);
    syscall(SYS_futex, sequence(out), FUTEX_WAKE, 1, NULL, NULL, 0);
}

/*
 * Waits for the next message in `in`: 1 once it is there (its first 8 bytes in st[ST_VALUE]), 0 if
 * it did not come within about 100 ms.
 */
static int64_t await_message(uint8_t *in, int64_t *st) {
    uint32_t last = (uint32_t) st[ST_IN_SEQ];
    struct timespec timeout = {0, WAIT_NS};
    int timed_out = 0;
    while (1) {
        uint32_t now = __atomic_load_n(sequence(in), __ATOMIC_ACQUIRE);
        if (now != last) {
            st[ST_IN_SEQ] = now;
            int64_t value;
            memcpy(&value, in + PAYLOAD, sizeof value);
            st[ST_VALUE] = value;
            return 1;
        }
        if (timed_out) {
            return 0;
        }
        /* returns at a wake, a timeout or a signal, or at once (EAGAIN) if the word moved meanwhile */
        if (syscall(SYS_futex, sequence(in), FUTEX_WAIT, last, &timeout, NULL, 0) != 0 && errno == ETIMEDOUT) {
            timed_out = 1;
        }
    }
}

/* Parent: sends a message of `size` bytes whose first 8 are `value`, then waits for the echo (see await_message). */
int64_t cfutex_exchange(uint8_t *out, uint8_t *in, int64_t *st, int32_t size, int64_t value) {
    uint8_t message[MAX_SIZE] = {0};
    memcpy(message, &value, sizeof value);
    publish(out, st, message, size);
    return await_message(in, st);
}

/* Parent: goes on waiting for the echo after cfutex_exchange or cfutex_await returned 0. */
int64_t cfutex_await(uint8_t *in, int64_t *st) {
    return await_message(in, st);
}

/*
 * Peer: echoes messages (copied from `in` to `out`) until it has echoed one whose value is negative
 * (a marker): 1 then, with the marker in st[ST_VALUE]; 0 if a wait gave up (call again).
 */
int64_t cfutex_echo_block(uint8_t *out, uint8_t *in, int64_t *st, int32_t size) {
    while (await_message(in, st)) {
        publish(out, st, in + PAYLOAD, size);
        if (st[ST_VALUE] < 0) {
            return 1;
        }
    }
    return 0;
}
