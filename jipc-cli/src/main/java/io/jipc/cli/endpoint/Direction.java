package io.jipc.cli.endpoint;

/**
 * Which way a command moves messages through an endpoint: a kind whose objects carry permission
 * bits per direction (a POSIX queue: write to send, read to receive) opens only what the command
 * needs, so a queue another user made {@code 0622} takes {@code jipc send}, one made {@code 0644}
 * serves {@code jipc recv}.
 */
public enum Direction {
    /** {@code jipc send}. */
    SEND,
    /** {@code jipc recv}. */
    RECEIVE
}
