import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeWriter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Terminal 2 (or with `cat` in terminal 1): opens an existing FIFO for writing — waiting at most a
 * minute for a reader — and writes each argument as a line.
 *
 *   examples/run fifo/FifoWriter.java /tmp/jipc.fifo hello world
 */
public class FifoWriter {
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        try (PipeWriter writer = Fifo.openWriter(path, Duration.ofMinutes(1))) {
            System.out.println("a reader has " + path + " open");
            for (int i = 1; i < args.length; i++) {
                writer.write((args[i] + "\n").getBytes(StandardCharsets.UTF_8));
                System.out.println("wrote '" + args[i] + "'");
            }
        }
    }
}
