package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A mailbox client's liveness as the server judges it ({@link Replies.ToMailbox#clientGone}): its
 * process, and its reply mailbox's file. Since opens and existence tests check the jipc directories
 * (2026-12-07), {@code Mailbox.exists} throws for a {@code mailbox/} directory made open to others;
 * the server's judgement must not throw then (it ended the thread delivering the client's replies):
 * a live client whose mailbox is mapped is not gone.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class RepliesToMailboxTest {

    @Test
    void aLiveClientIsNotGoneWhenItsMailboxDirectoryIsRefusedAndGoneWhenItsFileIs(Path root) throws IOException {
        try (Mailbox mailbox = Mailbox.create("replies-to-live-client")) {
            Replies.ToMailbox replies = new Replies.ToMailbox(mailbox, ProcessIdentity.current().token(), Duration.ofSeconds(1));
            assertFalse(replies.clientGone());
            Path dir = root.resolve(MailboxDescriptor.DIRECTORY);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            try {
                assertFalse(replies.clientGone(), "a live client, its mailbox mapped: the refused directory says nothing");
            } finally {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            assertTrue(Mailbox.destroy("replies-to-live-client"));
            assertTrue(replies.clientGone(), "its reply mailbox removed: gone");
        }
    }

    /**
     * A live client whose reply mailbox another process removed is forgotten ({@link
     * Replies.ToMailbox#clientGone}), but still maps the mailbox: the server's CLOSING for it goes into
     * the mapping ({@link Replies.ToMailbox#notice}). Until 2026-12-07 nothing was sent, and the
     * client's calls waited for ever while the server's process lived.
     */
    @Test
    void aLiveClientWhoseMailboxWasRemovedIsStillToldThroughTheMapping() throws InterruptedException {
        try (Mailbox mailbox = Mailbox.create("replies-to-removed-mailbox")) {
            Replies.ToMailbox replies = new Replies.ToMailbox(mailbox, ProcessIdentity.current().token(), Duration.ofSeconds(1));
            assertTrue(Mailbox.destroy("replies-to-removed-mailbox"));
            assertTrue(replies.clientGone());
            byte[] closing = RpcFrame.encode(new RpcFrame.Closing("session ended"));
            assertTrue(replies.notice(closing, true), "placed: nothing owed");
            assertArrayEquals(closing, mailbox.poll(Duration.ofSeconds(10)), "the CLOSING is in the mailbox");
        }
    }

    /**
     * A client record whose process is dead but did not make the mailbox (a HELLO that named another
     * process's reply mailbox with a dead token, which the server no longer welcomes) does not remove it
     * when released: a mailbox is removed only on behalf of its dead creator. Until 2026-12-07 it was.
     */
    @Test
    void aMailboxIsRemovedOnlyForItsDeadCreator() {
        try (Mailbox mailbox = Mailbox.create("replies-of-another-creator")) {
            long dead = ProcessIdentity.current().token() ^ 1; // this pid, another start time: no such process
            new Replies.ToMailbox(mailbox, dead, Duration.ofSeconds(1)).close();
            assertTrue(Mailbox.exists("replies-of-another-creator"), "removed though its creator lives");
            assertTrue(Mailbox.destroy("replies-of-another-creator"));
        }
    }
}
