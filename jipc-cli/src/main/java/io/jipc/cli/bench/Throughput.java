package io.jipc.cli.bench;

/**
 * The one-way throughput of one message size.
 *
 * @param size               payload bytes of each message
 * @param messagesPerSecond  messages delivered per second
 * @param megabytesPerSecond payload megabytes (10^6 bytes) delivered per second
 * @param lostShare          share of the messages sent that never arrived (datagrams), 0..1
 */
public record Throughput(int size, double messagesPerSecond, double megabytesPerSecond, double lostShare) {
}
