/*
 * The C half of SegmentAccessCostBenchmark: the same sketch of a single-producer record ring as
 * its Java half, over the same shared mapping, without MemorySegment's checks. One call runs a
 * whole batch (offer `batch` records, then read them), so the call's cost is shared by the batch.
 * Benchmark code, compiled by the benchmark with gcc -O2; not part of jipc.
 *
 * Record (128 bytes, so the capacity holds whole records): commit word (position ^ salt) at 0,
 * length and type at 8, payload from 16. Control block: tail at 128, head at 256, delivered at 264.
 */
#include <stdint.h>
#include <string.h>

enum { TAIL = 128, HEAD = 256, DELIVERED = 264, RECORD = 128 };
/* state: the Java half's fields, kept in a native array while C runs the batch */
enum { ST_TAIL, ST_CACHED_HEAD, ST_HEAD, ST_DELIVERED, ST_SEQUENCE, ST_SUM };

static inline int64_t load_acquire(char *p) { return __atomic_load_n((int64_t *) p, __ATOMIC_ACQUIRE); }
static inline void store_release(char *p, int64_t v) { __atomic_store_n((int64_t *) p, v, __ATOMIC_RELEASE); }

static int offer(char *ctrl, char *data, const char *src, int64_t mask, int64_t salt, int64_t *st, int32_t length) {
    int64_t t = st[ST_TAIL];
    if (t + RECORD - st[ST_CACHED_HEAD] > mask + 1) {
        st[ST_CACHED_HEAD] = load_acquire(ctrl + HEAD);
        if (t + RECORD - st[ST_CACHED_HEAD] > mask + 1) {
            return 0;
        }
    }
    char *at = data + (t & mask);
    *(int64_t *) (at + 8) = ((int64_t) 1 << 32) | (uint32_t) length;
    if (length == 8) {
        *(int64_t *) (at + 16) = *(const int64_t *) src;
    } else {
        memcpy(at + 16, src, (size_t) length);
    }
    st[ST_TAIL] = t + RECORD;
    store_release(at, t ^ salt);
    store_release(ctrl + TAIL, st[ST_TAIL]);
    return 1;
}

static int32_t read_records(char *ctrl, char *data, int64_t mask, int64_t salt, int64_t *st, int32_t limit) {
    int64_t h = st[ST_HEAD];
    int32_t count = 0;
    while (count < limit) {
        char *at = data + (h & mask);
        if (load_acquire(at) != (h ^ salt)) {
            break;
        }
        int32_t length = (int32_t) *(int64_t *) (at + 8);
        if (length < 0 || length > 4096) {
            return -1;
        }
        h += RECORD;
        count++;
        st[ST_SUM] += *(int64_t *) (at + 16);
    }
    st[ST_HEAD] = h;
    st[ST_DELIVERED] += count;
    *(int64_t *) (ctrl + DELIVERED) = st[ST_DELIVERED];
    store_release(ctrl + HEAD, h);
    return count;
}

/* Offers `batch` records of `length` bytes from `src` (its first word a sequence number), then reads
   them; returns the number read, or -1 if the ring was full or a record was impossible. */
int32_t accesscost_offer_read(char *ctrl, char *data, char *src, int64_t mask, int64_t salt, int64_t *st,
                              int32_t batch, int32_t length) {
    for (int32_t i = 0; i < batch; i++) {
        *(int64_t *) src = st[ST_SEQUENCE]++;
        if (!offer(ctrl, data, src, mask, salt, st, length)) {
            return -1;
        }
    }
    return read_records(ctrl, data, mask, salt, st, batch);
}
