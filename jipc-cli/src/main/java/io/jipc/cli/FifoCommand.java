package io.jipc.cli;

import io.jipc.cli.bench.Durations;
import io.jipc.cli.endpoint.NotAFifoException;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.OpenTimeoutException;
import io.jipc.pipe.PipeEnd;
import io.jipc.pipe.PipeReader;
import io.jipc.pipe.PipeWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code jipc fifo}: create, read, write and remove named pipes from the shell. */
@Command(name = "fifo", mixinStandardHelpOptions = true,
        description = "Create, read from, write to and remove FIFOs (named pipes).",
        subcommands = {FifoCommand.Create.class, FifoCommand.Read.class, FifoCommand.Write.class,
                FifoCommand.Remove.class})
final class FifoCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a FIFO.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", description = "path of the FIFO")
        Path path;

        @Option(names = "--mode", description = "permission bits in octal, exactly (default: ${DEFAULT-VALUE})")
        String mode = "600";

        @Override
        public Integer call() {
            if (path.toString().isEmpty()) {
                throw new IllegalArgumentException("the FIFO's path is empty");
            }
            int bits = Modes.octal(mode);
            Fifo.create(path, bits);
            System.out.println("created FIFO " + path + " (mode " + String.format("%03o", bits) + ")");
            return 0;
        }
    }

    interface Opener<E> {
        E open(Path fifo) throws InterruptedException;
    }

    interface TimedOpener<E> {
        E open(Path fifo, Duration timeout) throws InterruptedException;
    }

    /** Opens one side of a FIFO (waiting for the other side, at most --timeout) and uses it. */
    abstract static class Side<E extends PipeEnd> implements Callable<Integer> {
        @Parameters(index = "0", description = "path of the FIFO")
        Path path;

        @Option(names = "--timeout", description = "give up if no process opens the other side within this long, e.g. 5s")
        String timeoutText;

        @Spec
        CommandSpec spec;

        private final Opener<E> open;
        private final TimedOpener<E> openTimed;

        Side(Opener<E> open, TimedOpener<E> openTimed) {
            this.open = open;
            this.openTimed = openTimed;
        }

        /** Uses the open end; the command's exit code. */
        abstract int use(E end) throws Exception;

        @Override
        public Integer call() throws Exception {
            Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText); // a usage error, exit 2
            // a path of another kind of file: one line, exit 1 (NotAFifoException), as for no file at all
            try (E end = NotAFifoException.refusing(() -> timeout == null ? open.open(path) : openTimed.open(path, timeout))) {
                return use(end);
            } catch (OpenTimeoutException e) {
                return TransferOptions.fail(spec, e.getMessage());
            }
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = {"Wait for a writer, then copy what the writers write to standard output until end of file.",
                    "Reading stops at the first failed write to standard output (a full disk, a pipe whose reader left): "
                            + "what was read then is lost, exit code 1; the writers then get EPIPE."})
    static final class Read extends Side<PipeReader> {
        Read() {
            super(Fifo::openReader, Fifo::openReader);
        }

        @Override
        int use(PipeReader reader) throws InterruptedException {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            long written = 0;
            while (reader.read(buffer.clear()) >= 0) {
                System.out.write(buffer.array(), 0, buffer.position());
                // flushes; what is read from a FIFO is taken from it: read no more than can be written
                if (System.out.checkError()) {
                    return TransferOptions.fail(spec, "standard output failed (closed or full) after " + written
                            + " bytes; the " + buffer.position() + " bytes just read from " + path
                            + " were taken and could not be written");
                }
                written += buffer.position();
            }
            return 0;
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Wait for a reader, then write each argument (or each line of standard input) as a line.")
    static final class Write extends Side<PipeWriter> {
        @Parameters(index = "1..*", description = "lines to write (UTF-8); none: copy standard input line by line, its bytes as they are")
        String[] lines;

        Write() {
            super(Fifo::openWriter, Fifo::openWriter);
        }

        @Override
        int use(PipeWriter writer) throws Exception {
            if (lines != null) {
                for (String line : lines) {
                    writer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return 0;
            }
            for (ByteLines in = new ByteLines(System.in); in.hasNext(); ) {
                byte[] line = in.next();
                byte[] withEnd = Arrays.copyOf(line, line.length + 1);
                withEnd[line.length] = '\n';
                writer.write(withEnd);
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a FIFO (nothing else).")
    static final class Remove implements Callable<Integer> {
        @Parameters(index = "0", description = "path of the FIFO")
        Path path;

        @Override
        public Integer call() {
            boolean removed;
            try {
                removed = Fifo.remove(path);
            } catch (IllegalArgumentException notAFifo) { // a refusal, exit code 1, not a usage error
                System.err.println("jipc fifo remove: " + notAFifo.getMessage());
                return 1;
            }
            if (!removed) {
                System.err.println("jipc fifo remove: no FIFO at " + path);
                return 1;
            }
            return 0;
        }
    }
}
