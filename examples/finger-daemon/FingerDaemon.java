import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A finger-like daemon (lecture 004, section 12.4) on a well-known socket path instead of port 79.
 * The protocol is finger's: the client sends a login name and a line end, the daemon answers with
 * what it knows of that user, as plain text, and closes. No jipc framing: raw bytes, so that
 * {@code socat - UNIX-CONNECT:/tmp/fingerd.sock} is a client too.
 *
 * <p>With a count it stops after that many answered queries. A client that sends no request line
 * within {@link #REQUEST_TIMEOUT} is dropped with one line and does not count, so that a client
 * that connects and says nothing cannot hold the daemon (nor its thread, nor its end).
 *
 * <pre>examples/run finger-daemon/FingerDaemon.java /tmp/fingerd.sock</pre>
 */
public class FingerDaemon {
    /** How long a client has to send its request line once connected. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        Path path = Path.of(args.length > 0 ? args[0] : "/tmp/jipc-fingerd.sock");
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 0;   // 0: serve until Ctrl-C
        ServerOptions options = ServerOptions.defaults().withSocketPermissions(0666); // every local user may ask
        // closing the executor waits for the answers still being written: virtual threads are daemon
        // threads, so without that wait the JVM would exit under the last client and cut it off
        try (StreamServer daemon = StreamServer.bind(UnixDomainSocketAddress.of(path), options);
             ExecutorService answers = Executors.newVirtualThreadPerTaskExecutor()) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {             // Ctrl-C: stop gracefully
                daemon.close();                                                  // accept() ends, the file goes
                try {
                    main.join(10_000);                                           // answers in progress complete
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.println("finger daemon listening on " + path);
            AtomicInteger answered = new AtomicInteger();
            Runnable oneAnswered = () -> {
                if (answered.incrementAndGet() == queries) {
                    daemon.close();                                              // accept() ends, the file goes
                }
            };
            try {
                while (true) {
                    StreamConnection connection = daemon.accept();
                    answers.execute(() -> {                                      // a thread per query
                        if (answer(connection)) {
                            oneAnswered.run();
                        }
                    });
                }
            } catch (ClosedException stopped) {
                // the last query answered, or Ctrl-C (or kill): the shutdown hook closed the daemon
            }
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EADDRINUSE")) {
                throw e;
            }
            fail("a finger daemon is already listening on " + path + ": stop it first, or choose another path");
        }
        System.out.println("finger daemon stopped");
    }

    /**
     * Answers one query and closes the connection; false if there was none to answer (the client
     * sent nothing in time, or went away first) or the answer failed.
     */
    private static boolean answer(StreamConnection connection) {
        try (connection) {
            var asker = connection.peerCredentials().orElseThrow();
            String login = readRequest(connection);
            if (login == null) {
                System.out.println("dropped a client (pid " + asker.pid() + "): no request within "
                        + REQUEST_TIMEOUT.toSeconds() + "s, or it closed the connection first");
                return false;
            }
            System.out.println("query for '" + login + "' from pid " + asker.pid() + " (uid " + asker.uid() + ")");
            connection.write(ByteBuffer.wrap(describe(login).getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (Exception e) {
            System.out.println("query failed: " + e);
            return false;
        }
    }

    /**
     * {@link #readLine}, given at most {@link #REQUEST_TIMEOUT}: an alarm thread interrupts the
     * read when the time is up. Null if the line did not come in time or the client sent nothing.
     */
    private static String readRequest(StreamConnection connection) throws InterruptedException {
        Thread reader = Thread.currentThread();
        Thread alarm = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(REQUEST_TIMEOUT);
                reader.interrupt();                                              // the read ends
            } catch (InterruptedException cancelled) {
                // the request came in time
            }
        });
        try {
            return readLine(connection);
        } catch (InterruptedException tooSlow) {
            return null;
        } finally {
            alarm.interrupt();
            alarm.join();
            Thread.interrupted(); // an alarm that rang just as the line came: the line counts
        }
    }

    /**
     * The first line the client sent (finger's request), at most 256 bytes; what came if the client
     * ended its side before a line end; null if it ended it having sent nothing.
     */
    private static String readLine(StreamConnection connection) throws InterruptedException {
        ByteBuffer in = ByteBuffer.allocate(256);
        int n = 0;
        while (in.hasRemaining() && (n = connection.read(in)) > 0) {
            String sofar = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            if (sofar.contains("\n")) {
                break;
            }
        }
        if (n < 0 && in.position() == 0) {
            return null;
        }
        String line = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
        int end = line.indexOf('\n');
        return (end < 0 ? line : line.substring(0, end)).strip();
    }

    /** What /etc/passwd and /proc say of {@code login}. */
    private static String describe(String login) throws IOException {
        for (String entry : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = entry.split(":", -1);
            if (f.length >= 7 && f[0].equals(login)) {
                String name = f[4].isEmpty() ? "-" : f[4].split(",")[0];
                return "Login: " + f[0] + "\t\t\tName: " + name + "\n"
                        + "Directory: " + f[5] + "\t\tShell: " + f[6] + "\n"
                        + "Processes running: " + processesOf(f[2]) + "\n";
            }
        }
        return "finger: " + login + ": no such user.\n";
    }

    private static long processesOf(String uid) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return Files.readAllLines(p.resolve("status")).stream()
                                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals(uid));
                        } catch (IOException gone) {
                            return false;
                        }
                    }).count();
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run finger-daemon/FingerDaemon.java [socket path] [queries]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
