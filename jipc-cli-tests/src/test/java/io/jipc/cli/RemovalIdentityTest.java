package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.cli.ls.Removal;
import io.jipc.mailbox.Mailbox;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.sync.ProcessMutex;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc gc} and {@code jipc rm} judge a row from a listing, then remove it: only the file that
 * was judged. A dead process's object listed {@code STALE}, then destroyed and made again under the
 * same name by a live process (as a group's new first joiner makes again exactly the inbox names a
 * dead member left), is the live process's file: removing the old row leaves it alone. Until then
 * it was removed by name, the live process's inboxes with it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RemovalIdentityTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    @Test
    void aMailboxMadeAgainUnderTheNameOfAStaleOneIsLeftAlone() {
        jipcInAChild("mailbox", "create", "group.rg.0.1"); // its creator exits: stale
        try {
            ObjectRow judged = find(ObjectInventory.list(), "mailbox:group.rg.0.1");
            assertTrue(judged.stale(), judged.toString());
            assertTrue(Mailbox.destroy("group.rg.0.1"));
            try (Mailbox live = Mailbox.create("group.rg.0.1")) {
                FileStatus made = Libc.lstat(Mailbox.path("group.rg.0.1").toString());

                assertTrue(Removal.replaced(judged));
                assertFalse(Removal.remove(judged), "the judged file is gone");
                assertEquals(made.inode(), Libc.lstat(Mailbox.path("group.rg.0.1").toString()).inode());
                ObjectRow now = find(ObjectInventory.list(), "mailbox:group.rg.0.1");
                assertEquals(ProcessHandle.current().pid(), now.ownerPid());
                assertEquals(OwnerState.ALIVE, now.owner());
                assertFalse(Removal.replaced(now));
            }
        } finally {
            Mailbox.destroy("group.rg.0.1");
        }
    }

    @Test
    void aFileOfAnotherKindMadeAgainUnderTheNameOfAStaleOneIsLeftAlone() {
        jipcInAChild("sync", "create", "mutex", "m");
        try {
            ObjectRow judged = find(ObjectInventory.list(), "sync:m");
            assertTrue(judged.stale(), judged.toString());
            assertTrue(ProcessMutex.destroy("m"));
            try (ProcessMutex live = ProcessMutex.create("m")) {
                FileStatus made = Libc.lstat(judged.path());

                assertFalse(Removal.remove(judged), "the judged file is gone");
                assertEquals(made.inode(), Libc.lstat(judged.path()).inode());
                assertEquals(ProcessHandle.current().pid(), find(ObjectInventory.list(), "sync:m").ownerPid());
            }
        } finally {
            ProcessMutex.destroy("m");
        }
    }

    @Test
    void theFileThatWasJudgedIsStillRemoved() {
        jipcInAChild("mailbox", "create", "judged");
        try {
            ObjectRow judged = find(ObjectInventory.list(), "mailbox:judged");
            assertFalse(Removal.replaced(judged));
            assertTrue(Removal.remove(judged));
            assertFalse(Removal.replaced(judged), "gone, not replaced");
            assertFalse(Removal.remove(judged));
        } finally {
            Mailbox.destroy("judged");
        }
    }

    /** Runs {@code jipc args...} in a child JVM, which has ended when this returns. */
    private static void jipcInAChild(String... args) {
        try (ChildJvm jipc = ChildJvm.builder(Main.class).quickStart().args(args).start()) {
            jipc.assertSuccess(WAIT);
        }
    }
}
