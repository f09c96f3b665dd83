package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Who gets the message?" between real processes: a mailbox found by its unique id, a link of at
 * most two processes, shared receivers where each message goes to one of them and the sender's
 * receipt names which.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReceivePolicyProcessTest {
    private static final Duration CHILD = Duration.ofSeconds(60);
    private static int counter;
    private final List<Mailbox> handles = new ArrayList<>();

    private Mailbox create(MailboxOptions.Builder options) {
        Mailbox mailbox = Mailbox.create("policy-" + ++counter, options.maxMessageSize(100).build());
        handles.add(mailbox);
        return mailbox;
    }

    @AfterEach
    void closeAndDestroy() {
        for (Mailbox mailbox : handles) {
            mailbox.destroy();
            mailbox.close();
        }
    }

    private static ChildJvm start(Class<?> main, String... args) {
        return ChildJvm.builder(main).args(args).quickStart().hardTimeout(Duration.ofSeconds(90)).start();
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void proceed(ChildJvm child) throws Exception {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
    }

    /** Opens the mailbox by its id (hex) and sends the second argument. */
    public static final class SendById {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(Long.parseUnsignedLong(args[0], 16))) {
                mailbox.put(args[1].getBytes(UTF_8));
                say("SENT to " + mailbox.name());
            }
        }
    }

    /** Opens the mailbox (saying BUSY and the holder's pid if refused), then holds it until told to go. */
    public static final class OpenAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("OPEN");
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            } catch (MailboxBusyException e) {
                say("BUSY " + e.holderPid());
            }
        }
    }

    /** Takes one message, says TOOK, then stops receiving and holds the mailbox until told to go. */
    public static final class TakeOneAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("READY");
                say("TOOK " + new String(mailbox.take(), UTF_8));
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            }
        }
    }

    @Test
    void anotherProcessOpensAMailboxByItsIdAlone() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder());
        try (ChildJvm sender = start(SendById.class, Long.toHexString(mailbox.id()), "by id")) {
            assertEquals("SENT to " + mailbox.name(), sender.awaitLine("SENT", CHILD));
            sender.assertSuccess(CHILD);
        }
        assertEquals("by id", new String(mailbox.poll(), UTF_8));
        try (Mailbox again = Mailbox.open(mailbox.id())) {
            assertEquals(mailbox.name(), again.name());
        }
        assertThrows(MailboxNotFoundException.class, () -> Mailbox.open(mailbox.id() ^ 1));
        mailbox.destroy();
        assertThrows(MailboxNotFoundException.class, () -> Mailbox.open(mailbox.id()), "destroyed: gone by id too");
    }

    @Test
    void aLinkJoinsAtMostTwoProcessesAndAPlaceFreesWhenAPartyLeaves() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().receivePolicy(ReceivePolicy.LINK));
        try (ChildJvm second = start(OpenAndHold.class, mailbox.name())) {
            second.awaitLine("OPEN", CHILD);
            try (ChildJvm third = start(OpenAndHold.class, mailbox.name())) {
                String busy = third.awaitLine("BUSY", CHILD);
                assertTrue(busy.equals("BUSY " + ProcessIdentity.current().pid()) || busy.equals("BUSY " + second.pid()),
                        busy);
                third.assertSuccess(CHILD);
            }
            second.kill(); // a dead party's place is taken over
            try (ChildJvm third = start(OpenAndHold.class, mailbox.name())) {
                third.awaitLine("OPEN", CHILD);
                proceed(third);
                third.assertSuccess(CHILD);
            }
        }
    }

    @Test
    void sharedReceiversEachGetTheirOwnMessagesAndTheReceiptNamesWhich() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().headers(true).receivePolicy(ReceivePolicy.SHARED));
        try (ChildJvm first = start(TakeOneAndHold.class, mailbox.name());
             ChildJvm second = start(TakeOneAndHold.class, mailbox.name())) {
            first.awaitLine("READY", CHILD);
            second.awaitLine("READY", CHILD);
            // both block in take() at once: with an exclusive policy the second would be refused
            ProcessIdentity a = mailbox.transfer("a".getBytes(UTF_8));
            ProcessIdentity b = mailbox.transfer("b".getBytes(UTF_8));
            assertEquals(Set.of(first.pid(), second.pid()), Set.of(a.pid(), b.pid()),
                    "each receiver took one message (the one that took 'a' stopped receiving)");
            ChildJvm tookA = a.pid() == first.pid() ? first : second;
            ChildJvm tookB = tookA == first ? second : first;
            assertEquals("TOOK a", tookA.awaitLine("TOOK", CHILD));
            assertEquals("TOOK b", tookB.awaitLine("TOOK", CHILD));
            assertNull(mailbox.tryTransfer("c".getBytes(UTF_8), Duration.ofMillis(50)), "nobody receives now");
            proceed(first);
            proceed(second);
            first.assertSuccess(CHILD);
            second.assertSuccess(CHILD);
        }
        assertNull(mailbox.poll(), "the withdrawn transfer left nothing");
        assertEquals(2, mailbox.receivedCount());
    }
}
