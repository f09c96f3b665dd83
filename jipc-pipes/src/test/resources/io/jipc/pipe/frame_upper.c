/*
 * A C peer of io.jipc.pipe.PipeChannel: reads frames (u32 big-endian length, its complement,
 * payload) from standard input and answers each with a frame of the payload in upper case on
 * standard output, until end of file. Exit 0 at a clean end, 1 on a bad frame or a short read.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int read_full(void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(0, (char *) buf + got, len - got);
        if (n <= 0) {
            return got == 0 && n == 0 ? 0 : -1; /* 0: clean end of file before the first byte */
        }
        got += (size_t) n;
    }
    return 1;
}

static int write_full(const void *buf, size_t len) {
    size_t put = 0;
    while (put < len) {
        ssize_t n = write(1, (const char *) buf + put, len - put);
        if (n <= 0) {
            return -1;
        }
        put += (size_t) n;
    }
    return 0;
}

int main(void) {
    for (;;) {
        uint32_t header[2];
        int r = read_full(header, sizeof header);
        if (r == 0) {
            return 0;
        }
        if (r < 0) {
            return 1;
        }
        uint32_t length = ntohl(header[0]);
        if (ntohl(header[1]) != ~length || length > (1u << 24)) {
            fprintf(stderr, "bad frame header\n");
            return 1;
        }
        char *payload = malloc(length + 1);
        if (payload == NULL || (length > 0 && read_full(payload, length) != 1)) {
            return 1;
        }
        for (uint32_t i = 0; i < length; i++) {
            payload[i] = (char) toupper((unsigned char) payload[i]);
        }
        if (write_full(header, sizeof header) != 0 || write_full(payload, length) != 0) {
            return 1;
        }
        free(payload);
    }
}
