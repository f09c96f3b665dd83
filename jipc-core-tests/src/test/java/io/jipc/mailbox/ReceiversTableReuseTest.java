package io.jipc.mailbox;

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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.mailbox.MailboxDescriptor.RECEIVERS;
import static io.jipc.mailbox.MailboxDescriptor.RECEIVERS_OFFSET;
import static io.jipc.mailbox.Rendezvous.LEFT_RECEIVER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The receivers table of a mailbox with headers (receipts name a receiver by its index there)
 * gives the entry of a process that closed its last handle to a later receiver, once no entry is
 * free or dead: before, an entry was kept until its process died, so once 64 live processes had
 * received once (and closed), every new receiver got {@link MailboxBusyException} for as long as
 * they lived. A process that opens again takes its own entry back, and receipts name the process
 * that holds the entry now. The table is filled through the header, as 63 other live receivers
 * would fill it: this test's own process stands for them (it never receives here), and children
 * receive.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReceiversTableReuseTest {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long SELF = ProcessIdentity.current().token();
    private static final Duration CHILD = Duration.ofSeconds(60);
    /** A token no process has (pid 2^30, above every pid_max): a dead receiver's entry. */
    private static final long DEAD = (1L << 30) << 32 | 1;
    private static int counter;

    private Mailbox mailbox;

    private Mailbox create() {
        mailbox = Mailbox.create("receivers-" + ProcessHandle.current().pid() + "-" + ++counter,
                MailboxOptions.builder().headers(true).maxMessageSize(64).build());
        return mailbox;
    }

    @AfterEach
    void destroy() {
        if (mailbox != null) {
            mailbox.destroy();
            mailbox.close();
        }
    }

    /**
     * 63 entries held by a live process that has the mailbox open (this one), the last taken by
     * child A, which received once and closed: child B now receives (before: "has 64 live
     * receiving processes", while A lived), and a transfer's receipt names B. A, opening again
     * before B came, took its own entry back.
     */
    @Test
    void theEntryOfAProcessThatClosedGoesToTheNextReceiver() throws Exception {
        Mailbox m = create();
        MemorySegment header = m.mapped().segment.memory();
        for (int i = 0; i < RECEIVERS - 1; i++) {
            LONG.setVolatile(header, entry(i), SELF);
        }
        try (ChildJvm a = start(m.name()); ChildJvm b = start(m.name())) {
            long tokenA = ProcessIdentity.of(a.pid()).orElseThrow().token();
            m.offer(text("one"));
            command(a, "take");
            assertEquals("= TOOK one", result(a));
            assertEquals(tokenA, (long) LONG.getVolatile(header, entry(RECEIVERS - 1)), "A's entry");
            command(a, "close");
            assertEquals("= CLOSED", result(a));

            m.offer(text("again"));
            command(a, "take");
            assertEquals("= TOOK again", result(a));
            assertEquals(tokenA, (long) LONG.getVolatile(header, entry(RECEIVERS - 1)),
                    "A, opening again, took its own entry back");
            command(a, "close");
            assertEquals("= CLOSED", result(a));

            m.offer(text("two"));
            command(b, "take");
            assertEquals("= TOOK two", result(b));
            long tokenB = ProcessIdentity.of(b.pid()).orElseThrow().token();
            assertEquals(tokenB, (long) LONG.getVolatile(header, entry(RECEIVERS - 1)),
                    "B took the entry A left, the only one not held by a live process");

            command(b, "take");
            ProcessIdentity receipt = m.tryTransfer(text("three"), CHILD);
            assertEquals("= TOOK three", result(b));
            assertNotNull(receipt, "B took the transfer");
            assertEquals(b.pid(), receipt.pid(), "the receipt names B, which holds the entry now");
        }
    }

    /**
     * In one process: with every entry but one left by a live process (the parent JVM's token,
     * marked), the new receiver takes the dead one; the close of its last handle marks it as left,
     * and it takes it back when it opens again; with all 64 left by live processes, it takes one
     * of them.
     */
    @Test
    void aNewReceiverTakesAFreeOrDeadEntryBeforeOneThatALiveProcessLeft() throws Exception {
        Mailbox m = create();
        MemorySegment header = m.mapped().segment.memory();
        long liveLeft = ProcessIdentity.of(ProcessHandle.current().parent().orElseThrow().pid())
                .orElseThrow().token() | LEFT_RECEIVER;
        for (int i = 0; i < RECEIVERS - 1; i++) {
            LONG.setVolatile(header, entry(i), liveLeft);
        }
        LONG.setVolatile(header, entry(RECEIVERS - 1), DEAD);
        try (Mailbox receiver = Mailbox.open(m.name())) { // the first handle stays: this one is not the last
            m.offer(text("one"));
            assertEquals("one", text(receiver.poll()));
        }
        assertEquals(SELF, (long) LONG.getVolatile(header, entry(RECEIVERS - 1)), "the dead process's entry");
        assertEquals(liveLeft, (long) LONG.getVolatile(header, entry(0)), "the left ones untouched");

        Mailbox other = Mailbox.create(m.name() + "-all-left",
                MailboxOptions.builder().headers(true).maxMessageSize(64).build());
        try {
            MemorySegment otherHeader = other.mapped().segment.memory();
            for (int i = 0; i < RECEIVERS; i++) {
                LONG.setVolatile(otherHeader, entry(i), liveLeft);
            }
            other.offer(text("two"));
            assertEquals("two", text(other.poll()), "one of the left entries taken");
            assertEquals(SELF, (long) LONG.getVolatile(otherHeader, entry(0)), "the first left entry");
        } finally {
            other.destroy();
            other.close();
        }
    }

    /** The close of the last handle marks the entry; opening again takes it back, ahead of a free one. */
    @Test
    void aProcessThatOpensAgainTakesItsOwnLeftEntryBack() throws Exception {
        Mailbox m = create();
        String name = m.name();
        MemorySegment header = m.mapped().segment.memory();
        m.offer(text("one"));
        assertEquals("one", text(m.poll()));
        assertEquals(SELF, (long) LONG.getVolatile(header, entry(0)));
        m.close();
        mailbox = Mailbox.open(name); // the test's handle now (destroyed after it)
        header = mailbox.mapped().segment.memory();
        assertEquals(SELF | LEFT_RECEIVER, (long) LONG.getVolatile(header, entry(0)),
                "marked as left by the close of the last handle");
        LONG.setVolatile(header, entry(0), 0L); // a free entry ahead of it
        LONG.setVolatile(header, entry(1), SELF | LEFT_RECEIVER);
        mailbox.offer(text("two"));
        assertEquals("two", text(mailbox.poll()));
        assertEquals(SELF, (long) LONG.getVolatile(header, entry(1)), "its own entry taken back");
        assertEquals(0L, (long) LONG.getVolatile(header, entry(0)), "the free one left free");
    }

    private static long entry(int index) {
        return RECEIVERS_OFFSET + 8L * index;
    }

    private static byte[] text(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, UTF_8);
    }

    private static ChildJvm start(String name) {
        return ChildJvm.builder(Receiver.class).args(name).quickStart().hardTimeout(Duration.ofSeconds(90)).start();
    }

    /** The child's answer to its last command: {@code = TOOK <text>}, {@code = CLOSED} or {@code = FAILED <exception>}. */
    private static String result(ChildJvm child) {
        return child.awaitLine("= ", CHILD);
    }

    private static void command(ChildJvm child, String line) throws Exception {
        OutputStream in = child.process().getOutputStream();
        in.write((line + "\n").getBytes(UTF_8));
        in.flush();
    }

    // ================================================================== child main

    /**
     * A receiving process driven by lines on stdin: {@code take} opens the mailbox {@code args[0]}
     * if this child has no handle and takes one message ({@code = TOOK <text>}; {@code = FAILED <the
     * exception>} if refused); {@code close} closes the handle ({@code = CLOSED}). Ends at the end of
     * its input.
     */
    public static final class Receiver {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            Mailbox handle = null;
            for (String line; (line = stdin.readLine()) != null; ) {
                try {
                    if (line.equals("take")) {
                        if (handle == null) {
                            handle = Mailbox.open(args[0]);
                        }
                        System.out.println("= TOOK " + text(handle.take()));
                    } else if (line.equals("close")) {
                        if (handle != null) {
                            handle.close();
                        }
                        handle = null;
                        System.out.println("= CLOSED");
                    }
                } catch (RuntimeException e) {
                    System.out.println("= FAILED " + e);
                }
                System.out.flush();
            }
            if (handle != null) {
                handle.close();
            }
        }
    }
}
