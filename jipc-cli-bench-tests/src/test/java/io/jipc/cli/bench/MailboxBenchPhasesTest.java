package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench mailbox} holds one phase's mailboxes at a time: each strategy's and feature's
 * are created when its phase starts and removed when it ends, so that when a phase's progress line
 * is printed no file of another phase exists (each one-way mailbox reserves {@code --capacity}
 * bytes of {@code /dev/shm}, 64 MiB by default; they were all created at the start and kept to the
 * end). The run is in this JVM (its peer is a child JVM it starts and ends); no figure or duration
 * is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MailboxBenchPhasesTest {
    /** Each phase's label in the progress lines, and the tag in the names of its mailboxes. */
    /** Each phase's label in the progress lines, in order, and the tag in the names of its mailboxes. */
    private static final List<List<String>> PHASES = List.of(List.of("mailbox futex ", "-futex-"),
            List.of("mailbox spin ", "-spin-"), List.of("mailbox rendezvous ", "-rendezvous-"),
            List.of("mailbox 4 priorities ", "-priorities-"), List.of("mailbox 4 producers ", "-four-producers-"),
            List.of("mailbox unbounded ", "-unbounded-"));

    /** The mailbox files that exist when each progress line is printed, after the line. */
    private static final class Snapshots extends PrintStream {
        final List<String> lines = new ArrayList<>();
        final List<List<String>> files = new ArrayList<>();

        Snapshots() {
            super(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        }

        @Override
        public PrintStream printf(String format, Object... args) {
            lines.add(String.format(format, args).strip());
            files.add(mailboxFiles());
            return this;
        }
    }

    /** The files of the run's mailboxes and unbounded mailboxes. */
    private static List<String> mailboxFiles() {
        List<String> names = new ArrayList<>();
        for (String kind : List.of(MailboxDescriptor.DIRECTORY, UnboundedMailboxDescriptor.DIRECTORY)) {
            Path dir = JipcTestExtension.root().resolve(kind);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("bench-")).forEach(names::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return names.stream().sorted().toList();
    }

    @Test
    void eachPhasesMailboxesAreGoneWhenTheNextPhaseStarts() throws Exception {
        MailboxBench.Settings settings = new MailboxBench.Settings(64, Duration.ofMillis(50), Duration.ofMillis(100),
                Duration.ofMillis(100), 100_000, 1 << 20, List.of(WaitStrategy.FUTEX, WaitStrategy.SPIN), false,
                false, true);
        Snapshots progress = new Snapshots();
        MailboxBench.Report report = new MailboxBench(settings, progress).run();
        assertEquals(6, report.results().size(), report.results().toString());
        assertEquals(11, progress.lines.size(), progress.lines.toString());
        for (int i = 0; i < progress.lines.size(); i++) {
            String line = progress.lines.get(i);
            List<String> files = progress.files.get(i);
            String tag = PHASES.get(phaseOf(line)).get(1);
            assertTrue(files.stream().allMatch(f -> f.contains(tag)),
                    () -> "at '" + line + "' mailboxes of other phases exist: " + files);
            if (line.contains("one-way")) {
                assertTrue(files.stream().noneMatch(f -> f.contains(tag + "ping") || f.contains(tag + "pong")),
                        () -> "at '" + line + "' the ping-pong mailboxes remain: " + files);
            }
        }
        assertEquals(List.of(), mailboxFiles(), "left after the run");
    }

    private static int phaseOf(String line) {
        for (int i = 0; i < PHASES.size(); i++) {
            if (line.startsWith(PHASES.get(i).getFirst())) {
                return i;
            }
        }
        throw new AssertionError("a progress line of no phase: " + line);
    }
}
