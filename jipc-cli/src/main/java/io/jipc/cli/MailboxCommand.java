package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.WaitStrategy;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.Message;
import io.jipc.mailbox.ReceivePolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code jipc mailbox}: create, use and remove mailboxes from the shell. */
@Command(name = "mailbox", mixinStandardHelpOptions = true,
        description = "Create, send to, receive from and destroy mailboxes.",
        subcommands = {MailboxCommand.Create.class, MailboxCommand.Send.class, MailboxCommand.Receive.class,
                MailboxCommand.Info.class, MailboxCommand.Destroy.class})
final class MailboxCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a mailbox.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", description = "mailbox name")
        String name;

        @Option(names = "--capacity", description = "ring bytes, rounded up to a power of two that holds two "
                + "of the largest messages (default: ${DEFAULT-VALUE})")
        long capacity = 1 << 20;

        @Option(names = "--max-message", description = "largest message in bytes (default: ${DEFAULT-VALUE})")
        int maxMessage = 64 * 1024;

        @Option(names = "--single-sender", description = "one sending process at a time")
        boolean singleSender;

        @Option(names = "--wait", description = "wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        WaitStrategy wait = WaitStrategy.SPIN_THEN_FUTEX;

        @Option(names = "--headers", description = "every message carries its sender, sequence, send time and priority")
        boolean headers;

        @Option(names = "--priorities", description = "priority levels 0..N-1, highest received first (default: 1)")
        int priorities = 1;

        @Option(names = "--limit", description = "at most N pending messages (per priority level), exactly; 0 = rendezvous: a send returns once a receiver took it")
        Integer limit;

        @Option(names = "--protocol", paramLabel = "LABEL", description = "label what the receiver expects, for "
                + "senders to check (up to 16 ASCII characters; an RPC server's mailbox says jipc-rpc)")
        String protocol = "";

        @Option(names = "--receive-policy", description = {"who may receive: EXCLUSIVE (one receiving process at a "
                + "time), LINK (at most two processes have it open: the two ends of a link), SHARED "
                + "(any number of receiving processes, each message to one) (default: ${DEFAULT-VALUE})"})
        ReceivePolicy receivePolicy = ReceivePolicy.EXCLUSIVE;

        @Override
        public Integer call() {
            MailboxOptions.Builder options = MailboxOptions.builder().capacityBytes(capacity)
                    .maxMessageSize(maxMessage).singleSender(singleSender).waitStrategy(wait)
                    .headers(headers).priorities(priorities).protocol(protocol).receivePolicy(receivePolicy);
            if (limit != null) {
                options.messageLimit(limit);
            }
            try (Mailbox mailbox = Mailbox.create(name, options.build())) {
                System.out.println("created " + mailbox + " at " + Mailbox.path(name));
            }
            return 0;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Send each argument (or each line of standard input) as one message.")
    static final class Send implements Callable<Integer> {
        @Parameters(index = "0", description = "mailbox name")
        String name;

        @Parameters(index = "1..*", description = "messages (UTF-8); none: each line of standard input, its bytes as they are")
        String[] messages;

        @Option(names = {"-p", "--priority"}, description = "priority of the messages (default: 0)")
        int priority;

        @Option(names = "--timeout", paramLabel = "D", description = "wait at most this long for room (or, in a "
                + "rendezvous mailbox, for a receiver) for each message, e.g. 500ms, 5s (default: no limit)")
        String timeoutText;

        @Option(names = "--nonblock", description = "do not wait at all: fail at once if there is no room (or no "
                + "receiver waiting, in a rendezvous mailbox)")
        boolean nonblock;

        @Override
        public Integer call() throws Exception {
            if (nonblock && timeoutText != null) {
                throw new IllegalArgumentException("--nonblock and --timeout exclude each other");
            }
            Duration timeout = nonblock ? Duration.ZERO : timeoutText == null ? null : Durations.timeout(timeoutText);
            // armed only while a put waits: a Ctrl-C or SIGTERM then interrupts it, and the put withdraws
            // its message (a rendezvous, a full mailbox) instead of leaving it to be delivered after the
            // command has died; while standard input is read the JVM stops at once
            try (InterruptOnShutdown stop = InterruptOnShutdown.disarmed(); Mailbox mailbox = Mailbox.open(name)) {
                Iterator<byte[]> it = messages != null
                        ? Arrays.stream(messages).map(m -> m.getBytes(StandardCharsets.UTF_8)).iterator()
                        : new ByteLines(System.in);
                int sent = 0;
                while (it.hasNext()) {
                    byte[] message = it.next();
                    boolean delivered;
                    try {
                        stop.arm();
                        delivered = send(mailbox, message, timeout);
                    } catch (InterruptedException stopped) { // still armed: the stop waits for this line
                        System.err.println("jipc mailbox send: " + SendProgress.withdrawn("'" + name + "'", sent));
                        return 130;
                    } catch (JipcException refused) { // too long for the mailbox, ...: say how far it got, as jipc send
                        System.err.println("jipc mailbox send: " + SendProgress.notSent(refused.getMessage(), sent));
                        return 1;
                    }
                    if (delivered && Thread.interrupted()) { // the stop came as a receiver took it: still armed
                        System.err.println("jipc mailbox send: " + SendProgress.stoppedAfter("'" + name + "'", sent + 1));
                        return 130;
                    }
                    stop.disarm();
                    if (!delivered) {
                        System.err.println("jipc mailbox send: " + (mailbox.isRendezvous()
                                ? "no receiver took message " : "no room for message ") + (sent + 1) + " in '" + name
                                + "' (waited " + (nonblock ? "not at all" : "at most " + Timeouts.text(timeout)) + "); "
                                + SendProgress.sent(sent));
                        return 1;
                    }
                    sent++;
                }
            }
            return 0;
        }

        /** Sends one message: waits as long as {@code timeout} allows (null: for ever); false if it was not sent. */
        private boolean send(Mailbox mailbox, byte[] message, Duration timeout) throws InterruptedException {
            if (timeout == null) {
                mailbox.put(message, priority);
                return true;
            }
            return timeout.isZero() ? mailbox.offer(message, priority) : mailbox.offer(message, priority, timeout);
        }
    }

    @Command(name = "recv", mixinStandardHelpOptions = true,
            description = "Receive messages and print each on its own line, its bytes as they are.")
    static final class Receive implements Callable<Integer> {
        @Parameters(index = "0", description = "mailbox name")
        String name;

        @Option(names = {"-n", "--count"}, description = "stop after this many messages (default: 1); 0: go on "
                + "forever, or with --timeout until none comes within it (exit code 0)")
        long count = 1;

        @Option(names = "--timeout", description = "give up after this long without a message, e.g. 5s (default: wait forever)")
        String timeoutText;

        @Option(names = "--headers", description = "print each message's header (mailboxes created with headers)")
        boolean headers;

        @Override
        public Integer call() throws Exception {
            if (count < 0) {
                throw new IllegalArgumentException("--count must not be negative: " + count);
            }
            Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
            // a Ctrl-C or SIGTERM interrupts the wait; the scope ends once that is said
            try (InterruptOnShutdown stop = new InterruptOnShutdown()) {
                return receive(timeout);
            }
        }

        private int receive(Duration timeout) throws InterruptedException {
            long received = 0;
            try (Mailbox mailbox = Mailbox.open(name)) {
                if (headers && !mailbox.hasHeaders()) {
                    throw new IllegalArgumentException("--headers: mailbox '" + name + "' was created without "
                            + "headers (jipc mailbox create NAME --headers makes one with them)");
                }
                for (; count == 0 || received < count; received++) {
                    String prefix = "";
                    byte[] payload;
                    if (headers) {
                        Message m = timeout == null ? mailbox.takeMessage() : mailbox.pollMessage(timeout);
                        payload = m == null ? null : m.payload();
                        prefix = m == null ? "" : "[pid " + m.senderPid() + " #" + m.sequence() + " priority "
                                + m.priority() + " " + m.sentAt() + "] ";
                    } else {
                        payload = timeout == null ? mailbox.take() : mailbox.poll(timeout);
                    }
                    if (payload == null) {
                        if (count == 0) {
                            return 0; // quiet for --timeout: the end a count of 0 asks for
                        }
                        System.err.println("jipc mailbox recv: no message in '" + name + "' within " + Timeouts.text(timeout)
                                + "; " + received + " received");
                        return 1;
                    }
                    ByteLines.println(System.out, prefix, payload);
                    if (System.out.checkError()) { // flushes; a closed pipe (| head) or a full disk: take no more
                        System.err.println("jipc mailbox recv: " + RecvCommand.lostOnOutput(received, payload.length));
                        return 1;
                    }
                }
            } catch (InterruptedException stopped) {
                System.err.println("jipc mailbox recv: stopped while receiving from '" + name + "'; " + received
                        + " received");
                return 130;
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a mailbox.")
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0", description = "mailbox name")
        String name;

        @Override
        public Integer call() {
            try (Mailbox mailbox = Mailbox.open(name)) {
                System.out.println(mailbox);
                System.out.println("  id:             " + Long.toHexString(mailbox.id()));
                System.out.println("  file:           " + Mailbox.path(name));
                System.out.println("  pending bytes:  " + mailbox.pendingBytes());
                System.out.println("  received:       " + mailbox.receivedCount());
                System.out.println("  dead sends skipped: " + mailbox.skippedDeadSends());
            }
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = {"Remove a mailbox. Refused while a live process maps it (a receiver would wait on a mailbox "
                    + "nobody can reach any more, and the next send would make a new one it never sees), or while a "
                    + "process this user cannot inspect could (as jipc rm refuses it), unless --force."})
    static final class Destroy implements Callable<Integer> {
        @Parameters(index = "0", description = "mailbox name")
        String name;

        @Option(names = "--force", description = "remove it even while a live process uses it, or one this user "
                + "cannot inspect could")
        boolean force;

        /**
         * Removes the mailbox unless {@link #inUse} refuses it (exit code 1, said on stderr), or
         * {@code --force}; exit code 1 too if there is none.
         */
        @Override
        public Integer call() {
            if (!force) {
                String refusal = ObjectInventory.find(ObjectInventory.list(), "mailbox:" + name).stream()
                        .map(Destroy::inUse).filter(Objects::nonNull).findFirst().orElse(null);
                if (refusal != null) {
                    System.err.println("jipc mailbox destroy: not removing '" + name + "': " + refusal
                            + " (--force removes it anyway; who uses it keeps it, and nobody else can reach it)");
                    return 1;
                }
            }
            if (!Mailbox.destroy(name)) {
                System.err.println("jipc mailbox destroy: no mailbox '" + name + "'");
                return 1;
            }
            return 0;
        }

        /**
         * Why a live process may be using the mailbox of {@code row}, in {@code jipc rm}'s words, or null:
         * it maps it or holds a lease ({@link ObjectRow#users}), or a process this user cannot inspect
         * could open it ({@link ObjectRow#uninspected}; until 2026-12-07 such a process counted as
         * using nothing, and a mailbox a non-dumpable process of this user mapped was removed).
         */
        static String inUse(ObjectRow row) {
            if (!row.users().isEmpty()) {
                return "in use by pid " + row.users().stream().map(String::valueOf).collect(Collectors.joining(", "));
            }
            return row.uninspected().isEmpty() ? null : GcCommand.uninspected(row);
        }
    }
}
