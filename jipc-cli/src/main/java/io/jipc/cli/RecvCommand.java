package io.jipc.cli;

import io.jipc.cli.endpoint.Message;
import io.jipc.cli.endpoint.MessageEndpoint;
import io.jipc.cli.endpoint.Wait;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code jipc recv URI}: receives messages from any object that carries them and prints one per line. */
@Command(name = "recv", mixinStandardHelpOptions = true,
        description = "Receive messages from the object the URI names (mailbox:NAME, unbounded:NAME, mq:/NAME, "
                + "fifo:PATH, a socket it listens on or binds: unix:PATH, tcp:HOST:PORT, unixgram:PATH, udp:HOST:PORT, "
                + "or a mailbox behind a jipc gateway: tcp://HOST:PORT/NAME; see docs/uris.md) and "
                + "print each on its own line, its bytes as they are; from a POSIX queue the highest priority comes first. A "
                + "missing mailbox or queue is created with default attributes (said on standard error) unless --no-create. Exit code 1 if "
                + "fewer than --count messages came (none in time, no such object, an error), 2 on bad usage.")
final class RecvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
            description = "stop after N messages (default: 1); 0: go on forever, with --nonblock until the object is "
                    + "empty, with --timeout until none comes within it (both exit code 0)")
    long count = 1;

    @Option(names = "--show-priority", description = "print each message as PRIORITY<TAB>MESSAGE (refused where "
            + "a receive cannot tell it: with --max-bytes from a mailbox with priority levels)")
    boolean showPriority;

    @Option(names = "--max-bytes", paramLabel = "SZ",
            description = "lecture 004's receive(from, msg, sz): keep at most SZ bytes of each message, discard the rest "
                    + "and say so on standard error (mailbox:, unixgram: and udp: only)")
    Integer maxBytes;

    @Mixin
    TransferOptions options;

    /** The endpoint received from, once open (it still describes itself when closed). */
    private MessageEndpoint opened;

    /** Messages received and printed so far. */
    private long received;

    /**
     * The failure of standard output after {@code written} messages: the message just received
     * ({@code bytes} long) left its object and could not be printed.
     */
    static String lostOnOutput(long written, int bytes) {
        return "standard output failed (closed or full) after " + written + " message(s); the message just "
                + "received (" + bytes + " bytes) was taken and could not be written";
    }

    @Override
    public Integer call() throws InterruptedException {
        if (count < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must not be negative: " + count);
        }
        if (maxBytes != null && maxBytes < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-bytes must not be negative: " + maxBytes);
        }
        Wait wait = options.waitFor();
        // Ctrl-C or SIGTERM interrupts the wait, so that the object is closed as on a normal end (a
        // listening socket's file removed); the scope ends once that is done and printed
        try (InterruptOnShutdown stop = new InterruptOnShutdown()) {
            try {
                return receive(wait);
            } catch (InterruptedException stopped) {
                return options.fail("stopped while receiving from " + described() + "; " + received + " received");
            }
        }
    }

    /** The object received from, for messages: with the port the kernel chose for a socket bound at port 0. */
    private String described() {
        return opened == null ? options.uri : opened.describe(options.uri);
    }

    private int receive(Wait wait) throws InterruptedException {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        return options.withEndpoint(0, maxBytes != null, endpoint -> {
            opened = endpoint;
            if (showPriority) {
                endpoint.priorityUnknownBecause(maxBytes != null).ifPresent(why -> {
                    throw new IllegalArgumentException("--show-priority: " + why);
                });
            }
            for (; count == 0 || received < count; received++) {
                Message message = maxBytes == null ? endpoint.receive(wait) : endpoint.receive(wait, maxBytes);
                if (message == null) {
                    if (count == 0) {
                        return 0; // drained (--nonblock) or quiet for --timeout: the end a count of 0 asks for
                    }
                    return options.fail("no message in " + described() + " (waited " + wait + "); "
                            + received + " received");
                }
                ByteLines.println(out, showPriority ? message.priority() + "\t" : "", message.payload());
                if (out.checkError()) { // flushes; a closed pipe (| head) or a full disk: take no more
                    return options.fail(lostOnOutput(received, message.payload().length));
                }
                if (message.truncated()) {
                    System.err.println("jipc recv: cut to " + message.payload().length + " of its " + message.length()
                            + " bytes");
                }
            }
            return 0;
        });
    }
}
