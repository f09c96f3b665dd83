/**
 * POSIX message queues: {@link io.jipc.mq.PosixMessageQueue}, the kernel's named queues of
 * prioritised messages ({@code mq_overview(7)}), with the verbs of
 * {@link java.util.concurrent.BlockingQueue}, limits reported clearly, and a listener called when
 * messages arrive. The queues jipc creates are named in the host's local name service
 * ({@code mq/<name>}), so that tools find them.
 */
module io.jipc.mq {
    requires transitive io.jipc.platform;
    requires io.jipc.naming;

    exports io.jipc.mq;
}
