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
        Path path = Path.of(args.length > 0 ? args[0] : "/tmp/jipc.fifo");
        Fifo.create(path, 0600);
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
}
