import io.jipc.ErrnoException;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeReader;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Terminal 1: creates a FIFO (a named pipe), waits for a writer — any process: cat, echo, a C
 * program — prints the lines it writes until every writer has closed, and removes the FIFO.
 *
 *   examples/run fifo/FifoReader.java /tmp/jipc.fifo
 */
public class FifoReader {
    public static void main(String[] args) throws Exception {
        if (args.length > 1) {
            usage();
        }
        Path path = Path.of(args.length > 0 ? args[0] : "/tmp/jipc.fifo");
        try {
            Fifo.create(path, 0600);
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EEXIST")) {
                throw e;
            }
            fail(path + " exists already: is another FifoReader running? If not, remove it (rm " + path + ")");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Fifo.remove(path))); // Ctrl-C removes it too
        try {
            System.out.println("created FIFO " + path + "; waiting for a writer");
            try (PipeReader reader = Fifo.openReader(path);
                 BufferedReader lines = new BufferedReader(new InputStreamReader(reader.asInputStream(),
                         StandardCharsets.UTF_8))) {
                System.out.println("a writer opened " + path);
                for (String line; (line = lines.readLine()) != null; ) {
                    System.out.println("received '" + line + "'");
                }
            }
            System.out.println("end of file: every writer closed");
        } finally {
            Fifo.remove(path);
            System.out.println("removed " + path);
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run fifo/FifoReader.java [fifo path]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
