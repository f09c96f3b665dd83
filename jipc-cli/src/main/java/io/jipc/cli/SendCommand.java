package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.cli.endpoint.MessageCutException;
import io.jipc.cli.endpoint.Wait;
import io.jipc.remote.RemotePeerLostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc send URI [MESSAGE...]}: sends messages to any object that carries them. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send each MESSAGE (UTF-8), or each line of standard input (its bytes as they are, up to '\\n'), as one "
                + "message to the object the URI "
                + "names: mailbox:NAME, unbounded:NAME, mq:/NAME, fifo:PATH, a socket (unix:PATH, tcp:HOST:PORT, "
                + "unixgram:PATH, udp:HOST:PORT) or a mailbox behind a jipc gateway (tcp://HOST:PORT/NAME); see "
                + "docs/uris.md. A missing mailbox or queue is created with default attributes (said on standard error) unless --no-create. "
                + "A send to unbounded:NAME never waits (at its ceiling it fails). A line to fifo:PATH is begun only once the "
                + "FIFO has room for all of it within --nonblock/--timeout; one cut short after it began (stopped, or "
                + "out of time) is reported as cut: the reader gets a partial line. A message to unix:PATH or tcp:HOST:PORT is one frame, "
                + "which --timeout bounds whole (--nonblock: its start; once begun a frame has the 10 s frame timeout); a frame cut "
                + "short (stopped, or out of time) is reported as cut: the connection was closed mid-frame. Exit code 1 if a message was not "
                + "sent (no room in time, no such object, an error), 2 on bad usage.")
final class SendCommand implements Callable<Integer> {
    @Parameters(index = "1..*", paramLabel = "MESSAGE", description = "messages; none: read lines from standard input")
    List<String> messages;

    @Option(names = "--priority", paramLabel = "P",
            description = "priority of the messages, 0 (default, lowest) to 32767 for a POSIX queue, to N-1 for a "
                    + "mailbox with N priority levels (local or remote); other objects have none")
    int priority;

    @Mixin
    TransferOptions options;

    @Override
    public Integer call() throws InterruptedException {
        Wait wait = options.waitFor();
        // armed only while a send waits: a Ctrl-C or SIGTERM then interrupts it and the message is
        // withdrawn, not delivered later (a rendezvous, a full mailbox); while standard input is read
        // the JVM stops at once. One hook for the whole command, not one per message.
        try (InterruptOnShutdown stop = InterruptOnShutdown.disarmed()) {
            return options.withEndpoint(priority, false, endpoint -> {
                Iterator<byte[]> it = messages != null
                        ? messages.stream().map(m -> m.getBytes(StandardCharsets.UTF_8)).iterator()
                        : new ByteLines(System.in);
                int sent = 0;
                while (it.hasNext()) {
                    byte[] message = it.next();
                    boolean delivered;
                    try {
                        stop.arm();
                        delivered = endpoint.send(message, priority, wait);
                    } catch (InterruptedException stopped) { // still armed: the stop waits for this line
                        return options.fail(SendProgress.withdrawn(options.uri, sent));
                    } catch (MessageCutException cut) { // begun, then stopped or out of time: part of it went out
                        String why = cut.stopped() ? "stopped while sending to " + options.uri
                                : cut.written() < 0 ? "message not read in time at " + options.uri + " (" + cut.getMessage() + ")"
                                : "message not read in time (waited " + wait + ") at " + options.uri;
                        return options.fail(why + ": message " + (sent + 1) + " was cut " + cut.progress() + ": "
                                + cut.consequence() + "; " + SendProgress.sent(sent));
                    } catch (RemotePeerLostException lost) { // the gateway may have put it all the same
                        return options.fail(SendProgress.unacknowledged(lost.getMessage(), sent));
                    } catch (JipcException refused) { // too long for the object, gone, broken pipe: say how far it got
                        return options.fail(SendProgress.notSent(refused.getMessage(), sent));
                    }
                    if (delivered && Thread.interrupted()) { // the stop came as the message went: still armed
                        return options.fail(SendProgress.stoppedAfter(options.uri, sent + 1));
                    }
                    stop.disarm();
                    if (!delivered) {
                        return options.fail(endpoint.unsentBecause() + " " + options.uri + " (waited " + wait + "); "
                                + SendProgress.sent(sent));
                    }
                    sent++;
                }
                return 0;
            });
        }
    }
}
