import io.jipc.ErrnoException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.net.FrameTimeoutException;
import io.jipc.net.InvalidFrameException;
import io.jipc.net.PeerClosedException;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeReader;
import io.jipc.select.SelectionKey;
import io.jipc.select.Selector;

import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Terminal 1: one thread waits on a mailbox, a FIFO and a Unix stream socket at once, and prints
 * whatever arrives on any of them until a message says "bye".
 *
 * <pre>examples/run select/SelectWaiter.java select-inbox /tmp/select.fifo /tmp/select.sock</pre>
 */
public class SelectWaiter {
    public static void main(String[] args) throws Exception {
        if (args.length > 3) {
            usage();
        }
        String mailboxName = args.length > 0 ? args[0] : "select-inbox";
        Path fifoPath = Path.of(args.length > 1 ? args[1] : "/tmp/select.fifo");
        Path socketPath = Path.of(args.length > 2 ? args[2] : "/tmp/select.sock");
        if (!Fifo.isFifo(fifoPath)) {                                  // one left by a killed run is reused
            try {
                Fifo.create(fifoPath, 0600);
            } catch (ErrnoException e) {
                if (!e.errnoName().equals("EEXIST")) {
                    throw e;
                }                                                    // e.g. an echo > path before the waiter ran
                fail(fifoPath + " exists and is not a FIFO (written to before SelectWaiter made it?): remove it (rm "
                        + fifoPath + ") and start again");
            }
        }
        try (Mailbox mailbox = Mailbox.openOrCreate(mailboxName, MailboxOptions.defaults()); // either may start first
             StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of(socketPath));
             Selector selector = Selector.open()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {     // Ctrl-C: remove what this run made
                server.close();                                          // (removes the socket file)
                Fifo.remove(fifoPath);
                Mailbox.destroy(mailboxName);
            }));
            selector.register(mailbox, Selector.OP_READ, "mailbox");
            selector.register(server, Selector.OP_READ, "server");
            PipeReader fifo = Fifo.openReaderNow(fifoPath);          // no writer needed to open it
            selector.register(fifo, Selector.OP_READ, "fifo");
            System.out.println("waiting on mailbox '" + mailboxName + "', FIFO " + fifoPath + " and socket " + socketPath);
            ByteArrayOutputStream fifoLine = new ByteArrayOutputStream(); // a line not finished yet:
            boolean bye = false;                                     // a read may end mid-line
            while (!bye) {
                for (SelectionKey key : selector.select()) {             // sleeps until one is ready
                    switch ((String) key.attachment()) {
                        case "mailbox" -> {
                            byte[] m = mailbox.poll();                       // readiness is a hint: may be null
                            if (m != null) {
                                bye |= print("mailbox", m);
                            }
                        }
                        case "server" -> {
                            StreamConnection c = server.accept(Duration.ZERO);
                            if (c != null) {
                                System.out.println("socket: a client connected");
                                selector.register(c, Selector.OP_READ, "connection");
                            }
                        }
                        case "connection" -> {
                            StreamConnection c = (StreamConnection) key.channel();
                            byte[] m = pollOrDrop(key, c);
                            if (m != null) {
                                bye |= print("socket", m);
                            } else if (c.isOpen() && c.isEndOfStream()) { // readable at end of stream
                                System.out.println("socket: the client closed");
                                key.cancel();
                                c.close();
                            }
                        }
                        default -> {                                     // the FIFO
                            ByteBuffer buffer = ByteBuffer.allocate(4096);
                            int n = fifo.readNow(buffer);
                            for (int i = 0; i < n; i++) {                // one line per '\n'
                                if (buffer.get(i) != '\n') {
                                    fifoLine.write(buffer.get(i));
                                } else {
                                    bye |= print("fifo", fifoLine.toByteArray());
                                    fifoLine.reset();
                                }
                            }
                            if (n < 0) {                                     // end of file stays readable:
                                if (fifoLine.size() > 0) {                   // a last line without '\n'
                                    bye |= print("fifo", fifoLine.toByteArray());
                                    fifoLine.reset();
                                }
                                key.cancel();                                // reopen for the next writer
                                fifo.close();
                                fifo = Fifo.openReaderNow(fifoPath);
                                selector.register(fifo, Selector.OP_READ, "fifo");
                            }
                        }
                    }
                }
            }
            fifo.close();
            Mailbox.destroy(mailboxName);                            // the file and its name
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EADDRINUSE")) {
                throw e;
            }                                                        // exits at once: the FIFO is the other's
            fail("a SelectWaiter is already listening on " + socketPath + ": stop it first, or choose other paths");
        } finally {
            Fifo.remove(fifoPath);
        }
        System.out.println("closed");
    }

    /**
     * The client's next whole message, or null (none yet; or its end of stream). A client whose stream
     * is broken — bytes that are no frame header, a frame cut short by its close, a frame not finished
     * within the frame timeout — is dropped with one line: its key cancelled and its connection closed
     * (the exception closed it already); the other clients and channels go on.
     */
    private static byte[] pollOrDrop(SelectionKey key, StreamConnection c) {
        try {
            return c.poll();
        } catch (InvalidFrameException | PeerClosedException | FrameTimeoutException broken) {
            System.out.println("socket: dropped a client: " + broken.getMessage());
            key.cancel();
            c.close();
            return null;
        }
    }

    private static boolean print(String from, byte[] message) {
        String text = new String(message, StandardCharsets.UTF_8);
        System.out.println(from + ": " + text);
        return text.equals("bye");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run select/SelectWaiter.java [mailbox] [fifo path] [socket path]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
