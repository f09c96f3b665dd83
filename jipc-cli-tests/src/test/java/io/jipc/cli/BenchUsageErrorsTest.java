package io.jipc.cli;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad values of {@code jipc bench} and its subcommands are usage errors (exit code 2) that name the
 * option, found before anything runs: no "running ..." line, no stack trace.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BenchUsageErrorsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "bench mailbox --messages -1|--messages must be at least 1: -1",
            "bench mailbox --messages 0|--messages must be at least 1: 0",
            "bench ring --messages -1|--messages must be at least 1: -1",
            "bench sockets --messages -1|--messages must be at least 1: -1",
            "bench mailbox --time -1s|--time must be more than 0: -1s",
            "bench mailbox --time 0|--time must be more than 0: 0",
            "bench ring --time 0s|--time must be more than 0: 0s",
            "bench sockets --time -2s|--time must be more than 0: -2s",
            "bench mailbox --warmup -5s|--warmup must be 0 or more: -5s",
            "bench ring --max-warmup -1s|--max-warmup must be 0 or more: -1s",
            "bench sockets --warmup abc|--warmup: not a duration: 'abc'",
            "bench mailbox --max-warmup abc|--max-warmup: not a duration: 'abc'",
            "bench mailbox --time abc|--time: not a duration: 'abc'",
            "bench mailbox --capacity 0|--capacity must be at least 1 byte: 0",
            "bench mailbox --capacity -1|--capacity must be at least 1 byte: -1",
            "bench mailbox --capacity 4611686018427387904|--capacity 4611686018427387904: capacity of",
            "bench mailbox --size 1073741825|--size must be 8 to 1073741824 bytes (1 GiB): 1073741825",
            "bench mailbox --size 7|--size must be 8 to 1073741824 bytes (1 GiB): 7",
            "bench ring --size 7|--size must be at least 8 bytes: 7",
            "bench ring --capacity 3|--capacity 3 (--size 64): capacity must be a power of two",
            "bench sockets --size 15|--size must be 16 to 65507 bytes: 15",
            "bench --size 0|--size must be at least 16 bytes: 0",
            "bench --extra-sizes 5|--extra-sizes: each size must be 0 or at least 16 bytes: 5",
            "bench --extra-sizes 4096,5|--extra-sizes: each size must be 0 or at least 16 bytes: 5",
    })
    void aBadValueIsAUsageErrorNamingTheOption(String command, String message) {
        CliRun run = CliRun.jipc(command.split(" "));
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith(message), run.err());
        assertTrue(run.err().contains("Usage: jipc bench"), run.err());
        assertFalse(run.out().contains("running"), run.out());
        assertFalse(run.err().contains("running") || run.err().contains("Exception"), run.err());
    }

    @Test
    void aRingOrMailboxLargerThanHalfTheFreeSpaceIsRefusedUpFrontWithItsBytes() {
        // 2^30 items of 1 MiB: a petabyte, the documented largest capacity of the largest items
        CliRun ring = CliRun.jipc("bench", "ring", "--capacity", "1073741824", "--size", "1048576");
        assertEquals(2, ring.exit(), ring.err());
        assertTrue(ring.err().startsWith("--capacity 1073741824 (--size 1048576) needs "), ring.err());
        assertTrue(ring.err().contains(" bytes, more than half of the "), ring.err());
        assertFalse(ring.err().contains("running"), ring.err());
        CliRun mailbox = CliRun.jipc("bench", "mailbox", "--capacity", "1099511627776", "--no-features"); // 1 TiB
        assertEquals(2, mailbox.exit(), mailbox.err());
        assertTrue(mailbox.err().startsWith("--capacity 1099511627776 needs 1099511627776 bytes, more than half"),
                mailbox.err());
    }

    @Test
    void aMailboxCapacityIsCheckedForTheFourPriorityLevelsOfItsFeaturePhase(Path root) throws IOException {
        // a ring that fits in half the free space, four of them do not: the 4-priority phase's mailbox
        Path existing = root.toAbsolutePath();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        long ring = Long.highestOneBit(Files.getFileStore(existing).getUsableSpace() / 2);
        CliRun mailbox = CliRun.jipc("bench", "mailbox", "--capacity", Long.toString(ring));
        assertEquals(2, mailbox.exit(), mailbox.err());
        assertTrue(mailbox.err().startsWith("--capacity " + ring + " (the 4-priority phase's mailbox, 4 rings of "
                + ring + " bytes; --no-features skips it) needs " + 4 * ring + " bytes, more than half of the "),
                mailbox.err());
        assertFalse(mailbox.out().contains("running") || mailbox.err().contains("running"), mailbox.out());
    }

    @Test
    void anHtmlPathThatIsADirectoryIsRefusedBeforeTheRun() {
        CliRun run = CliRun.jipc("bench", "--quick", "--only", "mq", "--extra-sizes", "0", "--html", dir.toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("--html: cannot write " + dir + ": it is a directory"), run.err());
        assertFalse(run.out().contains("running"), run.out());
    }

    @Test
    void onlyRingNamesTheMechanismNotTheSubcommand() {
        // a bad --size stops the run before it starts, once --only was parsed as the mechanism
        for (String[] args : new String[][] {{"bench", "--only", "ring", "--size", "1"},
                {"bench", "--only=ring", "--size", "1"}, {"bench", "--size", "1", "--only", "ring"}}) {
            CliRun run = CliRun.jipc(args);
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().startsWith("--size must be at least 16 bytes: 1"), run.err());
        }
        assertTrue(CliRun.jipc("bench", "ring", "--size", "7").err().startsWith("--size must be at least 8 bytes"),
                "the subcommand still works");
    }

    @Test
    void aMailboxMessageAboveOneGibIsNotMeasuredRatherThanFailed() {
        CliRun run = CliRun.jipc("bench", "--quick", "--only", "mailbox-futex", "--size", "1073741825",
                "--extra-sizes", "0");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("messages of at most 1 GiB (a mailbox's largest)"), run.out());
        assertFalse(run.out().contains("failed"), run.out());
    }

    @Test
    void helpSaysTheOrderIsTheOneGiven() {
        assertTrue(CliRun.jipc("bench", "mailbox", "--help").out().contains("measured in the order given"));
        assertTrue(CliRun.jipc("bench", "sockets", "--help").out().contains("measured in the order given"));
    }
}
