package io.jipc.cli;

import io.jipc.group.GroupException;
import io.jipc.group.GroupMember;
import io.jipc.group.GroupMemberLostException;
import io.jipc.group.GroupMessage;
import io.jipc.group.GroupOptions;
import io.jipc.group.GroupProtocolException;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.MessageTooLargeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** {@code jipc group}: take part in a process group from the shell, or see who is in one. */
@Command(name = "group", mixinStandardHelpOptions = true,
        description = "Join a process group from the shell (lines typed are broadcast, or sent to one rank), or list its members.",
        subcommands = {GroupCommand.Join.class, GroupCommand.Members.class})
final class GroupCommand {

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = {"Join a process group and talk in it until standard input ends.",
                    "Each line read is broadcast to the other members; a line '@RANK text' goes to that rank only. "
                            + "Messages received are printed as 'RANK: text' (broadcast) or 'RANK> text' (to this member). "
                            + "A line longer than the group's message limit is not sent, nor the lines after it: "
                            + "the member leaves, exit code 1. So does a failed write to standard output (a full disk, "
                            + "a pipe whose reader left): the message that could not be printed is lost."})
    static final class Join implements Callable<Integer> {
        @Parameters(index = "0", description = "the group's name")
        String name;

        @Option(names = "--size", description = "ranks, if this joins first and creates the group (0: join an existing one; default: ${DEFAULT-VALUE})")
        int size = 0;

        @Option(names = "--rank", description = "the rank to take (default: the lowest free one)")
        int rank = GroupOptions.ANY_RANK;

        @Override
        public Integer call() throws Exception {
            if (rank != GroupOptions.ANY_RANK && (rank < 0 || size > 0 && rank >= size)) {
                throw new IllegalArgumentException("--rank " + rank + " is not a rank" + (size > 0
                        ? " of a group of --size " + size + " (0.." + (size - 1) + ")" : " (0 or more)"));
            }
            ProcessGroup joined;
            try {
                joined = ProcessGroup.join(name, GroupOptions.of(size).withRank(rank));
            } catch (GroupException e) { // an IllegalArgumentException is a usage error (CommandFailures)
                System.err.println("jipc group join: " + e.getMessage()
                        + (e.getMessage().startsWith("no process group") ? " (--size N creates it)" : ""));
                return 1;
            }
            // Ctrl-C or SIGTERM interrupts the wait for the end of input: the group is left as at the end of
            // input (its rank freed, the last member removes the group); the scope ends once that is printed
            try (InterruptOnShutdown stop = new InterruptOnShutdown()) {
                boolean stopped = false;
                AtomicReference<String> refused = new AtomicReference<>(); // why a line of input was not sent
                AtomicReference<String> lost = new AtomicReference<>(); // why a message received was not printed
                try (ProcessGroup group = joined) {
                    System.out.println("joined group '" + name + "' as rank " + group.rank() + " of " + group.size());
                    System.out.flush();
                    // the end of input, or of standard output: either makes the member leave
                    CountDownLatch leave = new CountDownLatch(1);
                    Thread printer = Thread.ofVirtual().start(() -> print(group, lost, leave));
                    InputStream input = System.in;
                    // a read of standard input cannot be interrupted: it has a thread of its own
                    Thread.ofPlatform().daemon().name("jipc-group-input").start(() -> {
                        long lines = 0;
                        try {
                            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
                            for (String line; (line = in.readLine()) != null; ) {
                                lines++;
                                send(group, line);
                            }
                        } catch (MessageTooLargeException e) { // as jipc send: the first line refused ends the input
                            refused.set("line " + lines + ": a message of " + e.length() + " bytes is longer than the "
                                    + e.limit() + " bytes a message of group '" + name + "' may have: not sent, nor"
                                    + " the lines after it");
                        } catch (IOException | InterruptedException | RuntimeException leaving) {
                            // the input ended or failed, or the group was left while a line was being sent
                        } finally {
                            leave.countDown();
                        }
                    });
                    try {
                        leave.await();
                    } catch (InterruptedException e) {
                        stopped = true;
                    }
                    printer.interrupt();
                    printer.join();
                }
                System.out.println("left group '" + name + "'" + (stopped ? " (stopped)" : ""));
                if (lost.get() != null) {
                    System.err.println("jipc group join: " + lost.get() + "; left group '" + name + "'");
                    return 1;
                }
                if (!stopped && refused.get() != null) {
                    System.err.println("jipc group join: " + refused.get());
                    return 1;
                }
                return stopped ? 130 : 0;
            }
        }

        private static void send(ProcessGroup group, String line) throws InterruptedException {
            if (line.startsWith("@")) {
                int space = line.indexOf(' ');
                String target = space < 0 ? line.substring(1) : line.substring(1, space);
                String text = space < 0 ? "" : line.substring(space + 1);
                try {
                    group.send(Integer.parseInt(target), text.getBytes(StandardCharsets.UTF_8));
                } catch (NumberFormatException e) {
                    System.err.println("jipc group join: '@" + target + "' is not a rank");
                } catch (GroupMemberLostException | IllegalArgumentException e) {
                    System.err.println("jipc group join: " + e.getMessage());
                }
                return;
            }
            int reached = group.broadcast(line.getBytes(StandardCharsets.UTF_8));
            if (reached == 0) {
                System.err.println("jipc group join: nobody else is in the group");
            }
        }

        /**
         * Prints what arrives until the handle is closed or this thread interrupted. A message that is
         * no message of the group (anyone with the user's permissions can write into the inbox) is
         * said on standard error, and receiving goes on with the messages behind it (groups.md): the
         * member must not stay in the group without receiving, its inbox filling until every sender
         * to it waits. For the same reason, and because each message received is taken from the
         * inbox, a failed write to standard output ends the membership: why goes to {@code lost},
         * and {@code leave} is counted down.
         */
        private static void print(ProcessGroup group, AtomicReference<String> lost, CountDownLatch leave) {
            for (long printed = 0; ; printed++) {
                try {
                    GroupMessage m = group.receive();
                    System.out.println(m.sender() + (m.broadcast() ? ": " : "> ")
                            + new String(m.payload(), StandardCharsets.UTF_8));
                    if (System.out.checkError()) { // flushes
                        lost.set(RecvCommand.lostOnOutput(printed, m.payload().length));
                        leave.countDown();
                        return;
                    }
                } catch (GroupProtocolException malformed) { // discarded; the next receive goes on
                    System.err.println("jipc group join: discarded a message no member of group '" + group.name()
                            + "' sent: " + malformed.getMessage());
                } catch (InterruptedException | RuntimeException done) {
                    return; // standard input ended, or the group handle was closed
                }
            }
        }
    }

    @Command(name = "members", mixinStandardHelpOptions = true,
            description = "List the live members of a process group: rank, pid and incarnation.")
    static final class Members implements Callable<Integer> {
        @Parameters(index = "0", description = "the group's name")
        String name;

        @Override
        public Integer call() {
            try {
                System.out.println("group '" + name + "': " + ProcessGroup.sizeOf(name) + " ranks");
            } catch (GroupException e) { // an IllegalArgumentException is a usage error (CommandFailures)
                System.err.println("jipc group members: " + e.getMessage());
                return 1;
            }
            System.out.println("RANK  PID       INCARNATION");
            for (GroupMember m : ProcessGroup.membersOf(name)) {
                System.out.printf("%-5d %-9d %d%n", m.rank(), m.pid(), m.incarnation());
            }
            return 0;
        }
    }
}
