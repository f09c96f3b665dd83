/**
 * Mailboxes across hosts: {@link io.jipc.remote.MailboxGateway} exports this host's mailboxes on a
 * TCP port and registers them in the name service; {@link io.jipc.remote.RemoteMailbox} sends to and
 * receives from one of them with the mailbox verbs; {@link io.jipc.remote.Mailboxes#open} returns the
 * local mailbox or a remote one, whichever the name service says ({@link io.jipc.remote.MessageChannel}).
 */
module io.jipc.remote {
    requires transitive io.jipc.core;
    requires transitive io.jipc.net;
    requires transitive io.jipc.naming;

    exports io.jipc.remote;
}
