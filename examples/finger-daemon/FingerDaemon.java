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
 * <p>With a count it stops after that many queries. A query is a whole request line (ended by a line
 * end) that came within {@link #REQUEST_TIMEOUT}: a client that sends none in time, or closes the
 * connection first, is dropped with one line and does not count, so that a client that connects and
 * says nothing cannot hold the daemon (nor its thread, nor its end). The clients whose line is not
 * whole when the last query is taken are dropped too, not answered: the daemon answers exactly its count.
 *
 * <pre>examples/run finger-daemon/FingerDaemon.java /tmp/fingerd.sock</pre>
 */
public class FingerDaemon {
    /** How long a client has to send its request line once connected. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Set just before the daemon is closed (its last query taken, or Ctrl-C). The close ends the input
     * of every open connection: a request line cut off then was cut by the daemon, not by its client.
     */
    private static volatile boolean stopping;

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
                stopping = true;
                daemon.close();                                                  // accept() ends, the file goes
                try {
                    main.join(10_000);                                           // answers in progress complete
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.println("finger daemon listening on " + path);
            AtomicInteger left = new AtomicInteger(queries > 0 ? queries : Integer.MAX_VALUE); // not yet taken
            try {
                while (true) {
                    StreamConnection connection = daemon.accept();
                    answers.execute(() -> {                                      // a thread per query
                        if (answer(connection, left)) {                          // the last query answered:
                            stopping = true;                                     // clients still typing are dropped,
                            daemon.close();                                      // accept() ends, the file goes
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
     * Answers one query, taking one of the queries {@code left}, and closes the connection. A client
     * without a whole request line in time, or whose line comes when none is left, is dropped with one
     * line and takes none. True if this was the last query left (answered, or failed as it was answered),
     * once the connection is closed.
     */
    private static boolean answer(StreamConnection connection, AtomicInteger left) {
        boolean last = false;
        try (connection) {
            var asker = connection.peerCredentials().orElseThrow();
            String login;
            try {
                login = readRequest(connection);
            } catch (NoRequest why) {
                System.out.println("dropped a client (pid " + asker.pid() + "): " + why.getMessage());
                return false;
            }
            int before = left.getAndUpdate(n -> Math.max(n - 1, 0));         // takes one, if one is left
            if (before == 0) {
                System.out.println("dropped a client (pid " + asker.pid() + "): the daemon is stopping");
                return false;
            }
            last = before == 1;
            System.out.println("query for '" + login + "' from pid " + asker.pid() + " (uid " + asker.uid() + ")");
            connection.write(ByteBuffer.wrap(describe(login).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            System.out.println("query failed: " + e);
        }
        return last;
    }

    /**
     * {@link #readLine}, given at most {@link #REQUEST_TIMEOUT}: an alarm thread interrupts the
     * read when the time is up.
     *
     * @throws NoRequest if the line did not come whole in time
     */
    private static String readRequest(StreamConnection connection) throws InterruptedException, NoRequest {
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
            throw new NoRequest("no whole request line within " + REQUEST_TIMEOUT.toSeconds() + "s");
        } finally {
            alarm.interrupt();
            alarm.join();
            Thread.interrupted(); // an alarm that rang just as the line came: the line counts
        }
    }

    /**
     * The first line the client sent (finger's request), without its line end; at most 256 bytes.
     * Only a line end makes it whole: what came before the input ended is no request (it may be
     * the start of one, cut off by the daemon's close).
     *
     * @throws NoRequest if the input ended before a line end, or 256 bytes came without one
     */
    private static String readLine(StreamConnection connection) throws InterruptedException, NoRequest {
        ByteBuffer in = ByteBuffer.allocate(256);
        while (in.hasRemaining()) {
            if (connection.read(in) < 0) {
                throw new NoRequest(stopping ? "the daemon is stopping"
                        : "it closed the connection before a whole request line");
            }
            String sofar = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            int end = sofar.indexOf('\n');
            if (end >= 0) {
                return sofar.substring(0, end).strip();
            }
        }
        throw new NoRequest("a request line longer than " + in.capacity() + " bytes");
    }

    /** Why a client is dropped without an answer: it sent no whole request line in time. */
    private static final class NoRequest extends Exception {
        NoRequest(String why) {
            super(why, null, false, false);
        }
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
