package io.jipc.mq;

import io.jipc.platform.Libc;

/** What a handle may do with a queue; the queue's permission bits must allow it (read: receive, write: send). */
public enum MqAccess {
    /** Send only ({@code O_WRONLY}): needs write permission. */
    SEND(Libc.O_WRONLY),
    /** Receive only ({@code O_RDONLY}): needs read permission. */
    RECEIVE(Libc.O_RDONLY),
    /** Both ({@code O_RDWR}). */
    SEND_AND_RECEIVE(Libc.O_RDWR);

    final int flags;

    MqAccess(int flags) {
        this.flags = flags;
    }

    boolean sends() {
        return this != RECEIVE;
    }

    boolean receives() {
        return this != SEND;
    }
}
