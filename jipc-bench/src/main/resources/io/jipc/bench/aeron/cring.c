/*
 * The "c" transport of jipc-bench interleaved: a reference single-producer, single-consumer record
 * ring written in C, called through java.lang.foreign from both processes of the run, so that it
 * is measured in the same processes and the same vCPU placement as the Java transports. Benchmark
 * code only, not part of jipc.
 *
 * Layout of each direction's region: a control page (tail, a long at 0, written by the producer;
 * head, a long at 128, written by the consumer) and `cap` bytes of records (cap a power of two).
 * A record is 16-byte aligned: commit word (a long at 0, release store), length (a long at 8; -1
 * for padding to the end of the data) and the payload from 16: the layout of jipc's ring (80 bytes
 * for a 64-byte payload). The commit word is jipc's (RecordDescriptor.commitWord): the position
 * XOR a salt through the SplitMix64 finalizer, so that the C ring does the same work per record as
 * jipc's, and so that a slot whose bytes are partly an older lap's commit word and partly payload
 * never reads as committed (a plain position + 1 can, in rings of a few KiB, smaller than this tool
 * makes: see "Commit words instead of zeroing" in docs/architecture.md). The salt is a constant:
 * each run's regions are fresh, zeroed memory. The producer checks for room against the head it
 * last read and reads the head again only when that says full; the consumer publishes the head once
 * per batch.
 *
 * Each process keeps its positions in its own `st` array (see the ST_ names). Every wait gives up
 * after about 100 ms and returns 0 ("not yet"), keeping its progress in `st`, so that the Java
 * caller can check for interrupts and a dead peer between calls.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#define CTL 4096
#define HEAD_OFFSET 128
#define HDR 16
#define BATCH 4096
#define WAIT_NS 100000000LL

enum { ST_OUT_TAIL, ST_OUT_HEAD, ST_IN_HEAD, ST_VALUE, ST_EXPECTED, ST_SENT, ST_BAD_VALUE, ST_BAD_EXPECTED, ST_LENGTH };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Spin bookkeeping: reads the clock every 4096 polls; true once a wait has lasted WAIT_NS. */
typedef struct { int64_t start; uint32_t polls; } spin_t;

static int waited_too_long(spin_t *s) {
    if ((++s->polls & 4095) != 0) {
        return 0;
    }
    int64_t t = now_ns();
    if (s->start == 0) {
        s->start = t;
        return 0;
    }
    return t - s->start > WAIT_NS;
}

/* Top bit set: position ^ SALT, and with it the commit word, is never 0. */
#define SALT ((int64_t) 0xC3A5C85C97CB3127ULL)

static inline int64_t commit_word(int64_t position) {
    uint64_t z = (uint64_t) (position ^ SALT);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (int64_t) (z ^ (z >> 31));
}

static inline int64_t record_length(int32_t size) {
    return (HDR + (int64_t) size + 15) & ~15LL;
}

static inline volatile int64_t *word(uint8_t *p) {
    return (volatile int64_t *) p;
}

/* Appends a record of `size` bytes from `payload`; 0 if there is no room now. */
static int offer(uint8_t *region, int64_t cap, int64_t *st, const uint8_t *payload, int32_t size) {
    uint8_t *data = region + CTL;
    int64_t t = st[ST_OUT_TAIL];
    int64_t index = t & (cap - 1);
    int64_t len = record_length(size);
    int64_t to_end = cap - index;
    int64_t need = len <= to_end ? len : to_end + len;
    if (t + need - st[ST_OUT_HEAD] > cap) {
        st[ST_OUT_HEAD] = __atomic_load_n(word(region + HEAD_OFFSET), __ATOMIC_ACQUIRE);
        if (t + need - st[ST_OUT_HEAD] > cap) {
            return 0;
        }
    }
    if (len > to_end) { /* padding to the end of the data */
        *word(data + index + 8) = -1;
        __atomic_store_n(word(data + index), commit_word(t), __ATOMIC_RELEASE);
        t += to_end;
        index = 0;
    }
    *word(data + index + 8) = size;
    memcpy(data + index + HDR, payload, (size_t) size);
    __atomic_store_n(word(data + index), commit_word(t), __ATOMIC_RELEASE);
    st[ST_OUT_TAIL] = t + len;
    __atomic_store_n(word(region), t + len, __ATOMIC_RELEASE);
    return 1;
}

/* The payload of the next committed record, or NULL; consume() then moves past it. */
static uint8_t *peek(uint8_t *region, int64_t cap, int64_t *st, int32_t *size) {
    uint8_t *data = region + CTL;
    int64_t h = st[ST_IN_HEAD];
    int64_t index = h & (cap - 1);
    if (__atomic_load_n(word(data + index), __ATOMIC_ACQUIRE) != commit_word(h)) {
        return NULL;
    }
    int64_t length = *word(data + index + 8);
    if (length < 0) {
        h += cap - index;
        st[ST_IN_HEAD] = h;
        index = 0;
        if (__atomic_load_n(word(data), __ATOMIC_ACQUIRE) != commit_word(h)) {
            return NULL;
        }
        length = *word(data + 8);
    }
    *size = (int32_t) length;
    return data + index + HDR;
}

static inline void consume(int64_t *st, int32_t size) {
    st[ST_IN_HEAD] += record_length(size);
}

static inline void publish_head(uint8_t *region, int64_t *st) {
    __atomic_store_n(word(region + HEAD_OFFSET), st[ST_IN_HEAD], __ATOMIC_RELEASE);
}

static int send_value(uint8_t *out, int64_t cap, int64_t *st, int32_t size, int64_t value) {
    static __thread uint8_t message[1024];
    memcpy(message, &value, sizeof value);
    spin_t spin = {0, 0};
    while (!offer(out, cap, st, message, size)) {
        if (waited_too_long(&spin)) {
            return 0;
        }
    }
    return 1;
}

/* Waits for the next committed record: its payload (size in *size), or NULL after about WAIT_NS. */
static uint8_t *await_next(uint8_t *in, int64_t cap, int64_t *st, int32_t *size) {
    spin_t spin = {0, 0};
    uint8_t *payload;
    while ((payload = peek(in, cap, st, size)) == NULL) {
        if (waited_too_long(&spin)) {
            return NULL;
        }
    }
    return payload;
}

/* Waits for one message and consumes it; its first 8 bytes go to st[ST_VALUE]. 0 on timeout. */
int64_t cring_await(uint8_t *in, int64_t cap, int64_t *st) {
    int32_t size;
    uint8_t *payload = await_next(in, cap, st, &size);
    if (payload == NULL) {
        return 0;
    }
    memcpy(&st[ST_VALUE], payload, sizeof(int64_t));
    consume(st, size);
    publish_head(in, st);
    return 1;
}

/* Parent, ping-pong: sends `value`, waits for the echo (st[ST_VALUE]); 0 if it has not come yet. */
int64_t cring_exchange(uint8_t *out, uint8_t *in, int64_t cap, int64_t *st, int32_t size, int64_t value) {
    while (!send_value(out, cap, st, size, value)) {
        /* one message in flight: the ring cannot stay full */
    }
    return cring_await(in, cap, st);
}

/* Peer, ping-pong: echoes until it has echoed a negative marker (then 1, marker in st[ST_VALUE]); 0: not yet. */
int64_t cring_echo_block(uint8_t *out, uint8_t *in, int64_t cap, int64_t *st) {
    for (;;) {
        int32_t size;
        uint8_t *payload = await_next(in, cap, st, &size);
        if (payload == NULL) {
            return 0;
        }
        int64_t value;
        memcpy(&value, payload, sizeof value);
        while (!offer(out, cap, st, payload, size)) {
            /* one message in flight */
        }
        consume(st, size);
        publish_head(in, st);
        if (value < 0) {
            st[ST_VALUE] = value;
            return 1;
        }
    }
}

/*
 * Parent, one way: sends messages numbered st[ST_SENT] up to count - 1, then `marker`, then waits
 * for the marker's echo. 1 when the echo came; 0: not yet (call again, with st[ST_SENT] kept; the
 * caller sets it to 0 before the first call). Comes back with 0 also every 2^20 messages, so that
 * the caller can tell the peer's stall alarm of the progress and look at its interrupt status.
 */
int64_t cring_send_one_way(uint8_t *out, uint8_t *in, int64_t cap, int64_t *st, int32_t size, int64_t count,
                           int64_t marker) {
    while (st[ST_SENT] < count) {
        if (!send_value(out, cap, st, size, st[ST_SENT])) {
            return 0;
        }
        st[ST_SENT]++;
        if ((st[ST_SENT] & ((1 << 20) - 1)) == 0) {
            return 0;
        }
    }
    if (st[ST_SENT] == count) {
        if (!send_value(out, cap, st, size, marker)) {
            return 0;
        }
        st[ST_SENT]++;
    }
    return cring_await(in, cap, st);
}

/*
 * Peer, one way: receives in batches of up to BATCH, checking that the messages count up from
 * st[ST_EXPECTED] (the caller sets it to 0 first), until a negative marker, which it echoes.
 * 1 when done (marker in st[ST_VALUE]); 0: not yet; -1: a message out of order (st[ST_BAD_VALUE],
 * st[ST_BAD_EXPECTED]).
 */
int64_t cring_sink_block(uint8_t *out, uint8_t *in, int64_t cap, int64_t *st, int32_t size) {
    spin_t spin = {0, 0};
    for (;;) {
        int n = 0;
        int32_t length;
        uint8_t *payload;
        while (n < BATCH && (payload = peek(in, cap, st, &length)) != NULL) {
            int64_t value;
            memcpy(&value, payload, sizeof value);
            consume(st, length);
            n++;
            if (value < 0) {
                publish_head(in, st);
                st[ST_VALUE] = value;
                while (!send_value(out, cap, st, size, value)) {
                    /* the parent waits for this echo: its ring has room */
                }
                return 1;
            }
            if (value != st[ST_EXPECTED]++) {
                publish_head(in, st);
                st[ST_BAD_VALUE] = value;
                st[ST_BAD_EXPECTED] = st[ST_EXPECTED] - 1;
                return -1;
            }
        }
        if (n > 0) {
            publish_head(in, st);
            spin.start = 0;
            spin.polls = 0;
        } else if (waited_too_long(&spin)) {
            return 0;
        }
    }
}
