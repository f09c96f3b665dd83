/**
 * The public API of jipc.
 *
 * <ul>
 * <li>{@link io.jipc.mailbox}: mailboxes (ports), message passing between processes through shared
 *     memory, with the verbs of {@link java.util.concurrent.BlockingQueue}.</li>
 * </ul>
 */
module io.jipc.core {
    requires transitive io.jipc.platform;
    requires io.jipc.segment;

    exports io.jipc.mailbox;
}
