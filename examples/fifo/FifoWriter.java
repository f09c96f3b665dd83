import io.jipc.pipe.OpenTimeoutException;
import io.jipc.ErrnoException;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.NoReaderException;
import io.jipc.pipe.PipeWriter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Terminal 2 (or with `cat` in terminal 1): opens an existing FIFO for writing — waiting at most a
 * minute for a reader, and saying so at once if there is none yet — and writes each argument as a line.
 *
 *   examples/run fifo/FifoWriter.java /tmp/jipc.fifo hello world
 */
public class FifoWriter {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        Path path = Path.of(args[0]);
        try (PipeWriter writer = open(path)) {
            System.out.println("a reader has " + path + " open");
            for (int i = 1; i < args.length; i++) {
                writer.write((args[i] + "\n").getBytes(StandardCharsets.UTF_8));
                System.out.println("wrote '" + args[i] + "'");
            }
        } catch (ErrnoException e) {
            switch (e.errnoName()) {
                case "ENOENT" -> fail("no FIFO at " + path + ": start FifoReader first");
                case "EPIPE" -> fail("the reader of " + path + " went away");          // BrokenPipeException
                default -> throw e;
            }
        } catch (OpenTimeoutException e) {
            fail("nobody opened " + path + " for reading within a minute: start FifoReader first");
        } catch (IllegalArgumentException notAFifo) {
            fail(path + " is not a FIFO: give the path FifoReader created");
        }
    }

    /** Opens {@code path} for writing: at once if a reader has it open, else after saying that it waits for one. */
    private static PipeWriter open(Path path) throws InterruptedException {
        try {
            return Fifo.openWriterNow(path);
        } catch (NoReaderException none) {
            System.out.println("waiting for a reader (FifoReader or cat) of " + path + ", at most a minute");
            return Fifo.openWriter(path, Duration.ofMinutes(1));
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run fifo/FifoWriter.java <fifo path> [line...]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
