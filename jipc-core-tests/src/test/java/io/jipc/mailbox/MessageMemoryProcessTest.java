package io.jipc.mailbox;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MessageMemoryTest} across processes: sends of a closed arena's segment in this (live)
 * process fail and send nothing, and a receiver in a child JVM gets the message sent after them.
 * Before, each failed send left a claim no receiver could pass while this process lived (and kept
 * a sender slot): the child's receive waited for ever.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessageMemoryProcessTest {
    private static final Duration CHILD = Duration.ofSeconds(30);

    /** Receives one message (waiting up to 60 s) and prints it. */
    public static final class ReceiveOne {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                System.out.println("READY");
                System.out.flush();
                byte[] message = mailbox.poll(Duration.ofSeconds(60));
                System.out.println("GOT " + (message == null ? "nothing" : new String(message, UTF_8)));
                System.out.flush();
            }
        }
    }

    @Test
    void aReceiverInAnotherProcessGetsTheMessageSentAfterFailedSends() throws Exception {
        String name = "message-memory-process";
        Mailbox.destroy(name);
        try (Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().capacityBytes(4096).maxMessageSize(256)
                .build());
             ChildJvm child = ChildJvm.builder(ReceiveOne.class).args(name).quickStart()
                     .hardTimeout(Duration.ofSeconds(90)).start()) {
            child.awaitLine("READY", CHILD);
            Arena arena = Arena.ofShared();
            MemorySegment closed = arena.allocate(16);
            arena.close();
            assertTrue(Async.callOn(Async.Kind.PLATFORM, () -> {
                for (int i = 0; i < 20; i++) {
                    assertThrows(IllegalStateException.class, () -> mailbox.put(closed));
                }
                return mailbox.offer("good".getBytes(UTF_8)); // must not wait for a sender slot
            }));
            child.awaitLine("GOT good", CHILD);
            child.assertSuccess(CHILD);
        } finally {
            Mailbox.destroy(name);
        }
    }
}
