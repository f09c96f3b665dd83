package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.shm.CircularBuffer;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ShmScratch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jipc ls}, {@code gc} and {@code rm} against processes whose use of an object the process
 * scan cannot read in full: one that maps a file whose name is no UTF-8 (its other mappings still
 * count), and processes whose {@code /proc/<pid>/maps} this user may not read at all (another
 * user's; one of the same uid in another group, which {@code ptrace}'s access check refuses as it
 * refuses a non-dumpable one): an object such a process could open (by its uids and groups, the
 * object's file and the directories above it) is kept, and only such an object.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UninspectedProcessTest {
    private static final Duration LINE = Duration.ofMinutes(2);
    private static final int NOBODY = 65534;
    private static final int OTHER = 65533;

    @TempDir
    Path tmp;

    /** Creates mailbox {@code args[0]} and halts, leaving it behind with its creator dead. */
    public static final class LeaveMailbox {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            Mailbox.create(args[0]);
            Runtime.getRuntime().halt(0);
        }
    }

    private static MappedByteBuffer keptMapping;

    /**
     * Opens mailbox {@code args[0]} (mapped, its descriptor closed, as jipc's openers do), maps the
     * file of directory {@code args[1]} whose name starts with {@code bad-} (its name no UTF-8: the
     * path comes from the directory listing, bytes as they are), says READY and waits.
     */
    public static final class MapMailboxAndBadName {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0]);
                 DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(args[1]), "bad-*")) {
                for (Path file : files) {
                    try (FileChannel channel = FileChannel.open(file)) {
                        keptMapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, 1);
                    }
                }
                System.out.println(keptMapping == null ? "NO FILE" : "READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /**
     * A mailbox that a live process maps is in use, though that process also maps a file whose name is
     * no UTF-8. Until 2026-12-07 the scan decoded {@code /proc/<pid>/maps} as strict UTF-8, so that one
     * name hid every mapping of the process: the mailbox of its dead creator was STALE, and gc removed it.
     */
    @Test
    void aProcessMappingAFileWhoseNameIsNoUtf8StillUsesTheMailboxItMaps() throws Exception {
        Process shell = new ProcessBuilder("/bin/sh", "-c", "printf x > \"$0/bad-$(printf '\\377')\"", tmp.toString())
                .inheritIO().start();
        assertEquals(0, shell.waitFor());
        try (ChildJvm creator = ChildJvm.builder(LeaveMailbox.class).args("badname-box").start()) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
        }
        try (ChildJvm user = ChildJvm.builder(MapMailboxAndBadName.class).args("badname-box", tmp.toString()).start()) {
            user.awaitLine("READY", LINE);
            ObjectRow row = find(ObjectInventory.list(), "mailbox:badname-box");
            assertTrue(row.users().contains(user.pid()), row.toString());
            assertFalse(row.stale(), row.toString());
            InventoryProcessTest.Run gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertFalse(gc.out().contains("badname-box"), gc.out());
            assertTrue(Mailbox.exists("badname-box"));
        } finally {
            Mailbox.destroy("badname-box");
        }
    }

    /** What the children run as another user do, by {@code args[0]}. */
    public static final class Scenario {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            switch (args[0]) {
                case "create" -> { // as nobody, in nobody's jipc root; then halts
                    Mailbox.create("private");
                    Mailbox.create("held");
                    CircularBuffer.create(args[1], 8, 64, 0666);
                    Runtime.getRuntime().halt(0);
                }
                case "create-for-group" -> { // as nobody: a 0660 buffer in /dev/shm, a 0660 mailbox in the jipc root
                    CircularBuffer.create(args[1], 8, 64, 0660);
                    Mailbox.create("grouped", MailboxOptions.builder().permissions(0660).build());
                    Runtime.getRuntime().halt(0);
                }
                case "hold-buffer" -> // its mode, args[2] in octal, is 0666 if not given
                        hold(CircularBuffer.open(args[1], args.length > 2 ? Integer.parseInt(args[2], 8) : 0666));
                case "hold-mailbox" -> hold(Mailbox.open("held"));
                case "idle" -> hold(() -> { });
                default -> throw new IllegalArgumentException(args[0]);
            }
        }

        private static void hold(AutoCloseable mapped) throws Exception {
            try (mapped) {
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /**
     * Run as nobody, gc keeps what a process it cannot inspect could open — a mode-0666 buffer while
     * another user's process is there, nobody's 0600 mailboxes while a process of uid nobody in
     * another group is — and removes it once they are gone; rm and mailbox destroy refuse it without
     * --force. Until 2026-12-07 such a process counted as using nothing, and gc removed the buffer and
     * the mailbox they had mapped, and mailbox destroy removed the mailbox.
     */
    @Test
    void gcAndRmKeepWhatAProcessTheyCannotInspectCouldOpen() throws Exception {
        Optional<String> cannot = ChildJvm.cannotRunAsOtherUser();
        assumeTrue(cannot.isEmpty(), () -> cannot.orElseThrow());
        Path root = ShmScratch.name("jipc-test-nobody-root");
        String buffer = "/" + ShmScratch.name("jipc-test-uninspected").getFileName();
        try {
            try (ChildJvm creator = child(NOBODY, NOBODY, root, "create", buffer)) {
                assertEquals(0, creator.waitFor(LINE), creator.output());
            }
            try (ChildJvm other = child(OTHER, OTHER, root, "hold-buffer", buffer)) {
                other.awaitLine("READY", LINE);
                String dry = gc(root, "--dry-run");
                assertTrue(dry.contains("would remove mailbox:private") && dry.contains("would remove mailbox:held"),
                        "another user's process cannot open this user's 0600 files: " + dry);
                assertTrue(Pattern.compile("kept shm:" + buffer + " \\(owner pid \\d+ dead\\): may be mapped by \\d+ "
                        + "process(es)? this user cannot inspect \\(pid [0-9, ]*\\b" + other.pid() + "\\b")
                        .matcher(dry).find(), dry);
                assertFalse(dry.contains("would remove shm:"), dry);

                try (ChildJvm sameUid = child(NOBODY, OTHER, root, "hold-mailbox", buffer)) {
                    sameUid.awaitLine("READY", LINE);
                    String kept = gc(root);
                    assertTrue(Pattern.compile("kept mailbox:held \\(owner pid \\d+ dead\\): may be mapped by \\d+ "
                            + "process(es)? this user cannot inspect \\(pid [0-9, ]*\\b" + sameUid.pid() + "\\b")
                            .matcher(kept).find(), kept);
                    assertFalse(kept.contains("removed "), kept);
                    try (ChildJvm rm = jipcAsNobody(root, "rm", "mailbox:held")) {
                        assertEquals(1, rm.waitFor(LINE), rm.output());
                        assertTrue(rm.output().contains("not removing mailbox:held: may be mapped by"), rm.output());
                    }
                    // mailbox destroy refuses it as rm does (until 2026-12-07 it looked only at USERS, and removed it)
                    try (ChildJvm destroy = jipcAsNobody(root, "mailbox", "destroy", "held")) {
                        assertEquals(1, destroy.waitFor(LINE), destroy.output());
                        assertTrue(Pattern.compile("jipc mailbox destroy: not removing 'held': may be mapped by \\d+ "
                                + "process(es)? this user cannot inspect \\(pid [0-9, ]*\\b" + sameUid.pid() + "\\b.*"
                                + "\\(--force removes it anyway").matcher(destroy.output()).find(), destroy.output());
                    }
                    assertTrue(Files.exists(root.resolve("mailbox").resolve("held")));
                    // the user who knows the uninspected processes (an ssh-agent) map none of them
                    String ignoring = gc(root, "--dry-run", "--ignore-uninspected");
                    assertTrue(ignoring.contains("would remove mailbox:held") && ignoring.contains("would remove shm:"
                            + buffer), ignoring);
                    assertFalse(ignoring.contains("kept "), ignoring);
                }
            }
            String after = gc(root);
            for (String uri : List.of("mailbox:private", "mailbox:held", "shm:" + buffer)) {
                assertTrue(after.contains("removed " + uri + " (owner pid "), after);
            }
        } finally {
            Files.deleteIfExists(ShmScratch.SHM.resolve(buffer.substring(1)));
            ShmScratch.delete(root);
        }
    }

    /**
     * Which processes of another user could open an object is the kernel's decision by the file's
     * group and the directories above it. Run as nobody, with nobody's 0660 buffer in /dev/shm and
     * 0660 mailbox in nobody's (0700) jipc root, both of group nobody: gc would remove both while a
     * process of another uid and group runs (it can open neither), and while one in group nobody by its
     * supplementary groups only maps the buffer, keeps the buffer, naming it, and would remove the
     * mailbox, which that process cannot reach. Until 2026-12-07 any group or others bit counted every
     * process this user cannot inspect, so both were kept for as long as any other user's process ran.
     */
    @Test
    void whoCouldOpenAnObjectIsDecidedByItsGroupAndItsDirectories() throws Exception {
        Optional<String> cannot = ChildJvm.cannotRunAsOtherUser();
        assumeTrue(cannot.isEmpty(), () -> cannot.orElseThrow());
        Path root = ShmScratch.name("jipc-test-nobody-root");
        String buffer = "/" + ShmScratch.name("jipc-test-grouped").getFileName();
        try {
            try (ChildJvm creator = child(NOBODY, NOBODY, root, "create-for-group", buffer)) {
                assertEquals(0, creator.waitFor(LINE), creator.output());
            }
            try (ChildJvm stranger = child(OTHER, OTHER, root, "idle")) {
                stranger.awaitLine("READY", LINE);
                String dry = gc(root, "--dry-run");
                assertTrue(dry.contains("would remove shm:" + buffer + " (owner pid ")
                        && dry.contains("would remove mailbox:grouped (owner pid "), dry);
                assertFalse(dry.contains("kept "), dry);
            }
            try (ChildJvm member = ChildJvm.builder(Scenario.class).asUser(OTHER, OTHER, NOBODY).quickStart()
                    .jvmArg("-XX:-UsePerfData").property("jipc.root", root.toString())
                    .args("hold-buffer", buffer, "660").start()) {
                member.awaitLine("READY", LINE);
                String dry = gc(root, "--dry-run");
                assertTrue(Pattern.compile("kept shm:" + buffer + " \\(owner pid \\d+ dead\\): may be mapped by \\d+ "
                        + "process(es)? this user cannot inspect \\(pid [0-9, ]*\\b" + member.pid() + "\\b")
                        .matcher(dry).find(), dry);
                assertTrue(dry.contains("would remove mailbox:grouped (owner pid "), dry);
            }
        } finally {
            Files.deleteIfExists(ShmScratch.SHM.resolve(buffer.substring(1)));
            ShmScratch.delete(root);
        }
    }

    /** A {@link Scenario} child as {@code uid}/{@code gid} (no other groups) with jipc root {@code root}. */
    private static ChildJvm child(int uid, int gid, Path root, String... args) {
        return ChildJvm.builder(Scenario.class).asUser(uid, gid).quickStart().jvmArg("-XX:-UsePerfData")
                .property("jipc.root", root.toString()).args(args).start();
    }

    /** {@code jipc ARGS} started as nobody with jipc root {@code root}. */
    private static ChildJvm jipcAsNobody(Path root, String... args) {
        return ChildJvm.builder(Main.class).asUser(NOBODY, NOBODY).quickStart().jvmArg("-XX:-UsePerfData")
                .property("jipc.root", root.toString()).args(args).start();
    }

    /** What {@code jipc gc ARGS} prints run as nobody with jipc root {@code root}; it must exit 0. */
    private static String gc(Path root, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("gc"));
        all.addAll(List.of(args));
        try (ChildJvm gc = jipcAsNobody(root, all.toArray(String[]::new))) {
            assertEquals(0, gc.waitFor(LINE), gc.output());
            return gc.output();
        }
    }
}
