/**
 * POSIX message queues: {@link io.jipc.mq.PosixMessageQueue}, the kernel's named queues of
 * prioritised messages ({@code mq_overview(7)}), with the verbs of
 * {@link java.util.concurrent.BlockingQueue}, limits reported clearly, and a listener called when
 * messages arrive.
 */
module io.jipc.mq {
    requires transitive io.jipc.platform;

    exports io.jipc.mq;
}
