/**
 * One selector over every channel kind: {@link io.jipc.select.Selector} waits until any of many
 * {@link io.jipc.Selectable} channels (sockets, POSIX message queues, pipes and FIFOs, mailboxes)
 * is ready, with a timeout, without spinning. Needs only the native layer: each channel module
 * implements {@link io.jipc.Selectable}.
 */
module io.jipc.select {
    requires transitive io.jipc.platform;

    exports io.jipc.select;
}
