package io.jipc.cli;

import io.jipc.ErrnoException;
import io.jipc.cli.endpoint.Endpoints;
import io.jipc.JipcException;
import io.jipc.mq.MqAccess;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqLimits;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.platform.Errno;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code jipc mq}: create, describe and unlink POSIX message queues; show their limits. */
@Command(name = "mq", mixinStandardHelpOptions = true,
        description = "Create, describe and unlink POSIX message queues (send and receive with jipc send/recv mq:/NAME).",
        subcommands = {MqCommand.Create.class, MqCommand.Info.class, MqCommand.Unlink.class, MqCommand.Limits.class})
final class MqCommand {

    /**
     * A command on one queue: a bad name (or other argument) is a usage error, a failure one line on
     * standard error and exit code 1.
     */
    abstract static class OnQueue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME",
                description = "the queue: /orders, orders, mq:/orders or mq:orders all name /orders")
        String text;

        /** The queue's POSIX name ({@code /NAME}), from {@link #text} as {@code send}/{@code recv} read it. */
        String name;

        abstract int run();

        @Override
        public Integer call() {
            try {
                name = Endpoints.queueName(text);
                return run();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (JipcException e) {
                return TransferOptions.fail(spec, e.getMessage());
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a queue; fails if it exists. The default attributes are the kernel's: fs.mqueue.msg_default"
                    + " messages of msgsize_default bytes, each at most msg_max, msgsize_max.")
    static final class Create extends OnQueue {
        @Option(names = "--max-messages", paramLabel = "N", description = "capacity in messages")
        Integer maxMessages;

        @Option(names = "--message-size", paramLabel = "BYTES", description = "largest message")
        Integer messageSize;

        @Option(names = "--mode", paramLabel = "OCTAL", description = "permission bits, e.g. 0622 lets others send (default: 0600)")
        String mode = "0600";

        @Override
        int run() {
            MqAttributes defaults = MqAttributes.kernelDefaults();
            MqAttributes attributes = MqAttributes.of(maxMessages != null ? maxMessages : defaults.maxMessages(),
                    messageSize != null ? messageSize : defaults.maxMessageSize());
            try (PosixMessageQueue queue = PosixMessageQueue.create(name, attributes, Modes.octal(mode))) {
                System.out.println("created " + queue);
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a queue's attributes and depth.")
    static final class Info extends OnQueue {
        @Override
        int run() {
            try (PosixMessageQueue queue = openEitherWay(name)) {
                MqAttributes a = queue.attributes();
                System.out.println(name);
                System.out.println("  max messages:  " + a.maxMessages());
                System.out.println("  message size:  " + a.maxMessageSize() + " bytes");
                System.out.println("  messages now:  " + a.currentMessages());
                System.out.println("  accounted:     " + MqLimits.accountedBytes(a.maxMessages(), a.maxMessageSize())
                        + " bytes of the creator's RLIMIT_MSGQUEUE");
            }
            return 0;
        }
    }

    /**
     * The queue opened to send or, if this user may not write it (another user's {@code 0644}
     * queue), to receive: {@code mq_getattr} works on either.
     */
    static PosixMessageQueue openEitherWay(String name) {
        try {
            return PosixMessageQueue.open(name, MqAccess.SEND);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EACCES) {
                throw e;
            }
            return PosixMessageQueue.open(name, MqAccess.RECEIVE);
        }
    }

    @Command(name = "unlink", mixinStandardHelpOptions = true,
            description = "Remove a queue's name; open handles keep working until closed.")
    static final class Unlink extends OnQueue {
        @Override
        int run() {
            return PosixMessageQueue.unlink(name) ? 0 : TransferOptions.fail(spec, "no POSIX message queue " + name);
        }
    }

    @Command(name = "limits", mixinStandardHelpOptions = true,
            description = "Show the limits on POSIX queues for this user (/proc/sys/fs/mqueue, RLIMIT_MSGQUEUE).")
    static final class Limits implements Callable<Integer> {
        @Override
        public Integer call() {
            MqLimits l = MqLimits.current();
            System.out.println("fs.mqueue.msg_max         " + l.maxMessages() + " messages per queue"
                    + (l.privileged() ? " (this process has CAP_SYS_RESOURCE: up to " + MqLimits.HARD_MAX_MESSAGES + ")" : ""));
            System.out.println("fs.mqueue.msgsize_max     " + l.maxMessageSize() + " bytes per message"
                    + (l.privileged() ? " (CAP_SYS_RESOURCE: up to " + MqLimits.HARD_MAX_MESSAGE_SIZE + ")" : ""));
            System.out.println("fs.mqueue.queues_max      " + l.maxQueues() + " queues in this IPC namespace");
            MqAttributes defaults = l.defaults();
            System.out.println("fs.mqueue.msg_default     " + l.defaultMessages()
                    + capped(l.defaultMessages(), defaults.maxMessages(), "msg_max"));
            System.out.println("fs.mqueue.msgsize_default " + l.defaultMessageSize()
                    + capped(l.defaultMessageSize(), defaults.maxMessageSize(), "msgsize_max"));
            System.out.println("RLIMIT_MSGQUEUE           " + (l.userBytes() == Long.MAX_VALUE ? "unlimited" : l.userBytes()
                    + " bytes for all queues of the user (a default queue takes "
                    + MqLimits.accountedBytes(defaults.maxMessages(), defaults.maxMessageSize()) + ")"));
            return 0;
        }

        /** What a default queue gets instead of the tunable's {@code value}, when its maximum caps it. */
        private static String capped(long value, long given, String maximum) {
            return given < value ? " (a default queue gets " + given + ": " + maximum + " is lower)" : "";
        }
    }
}
