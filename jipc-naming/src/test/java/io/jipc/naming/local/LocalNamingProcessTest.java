package io.jipc.naming.local;

import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameEntryCodec;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local name service between real processes: a live owner keeps its name (stopped or not), a dead
 * one loses it (killed with {@code SIGKILL}, or only looking alive through a reused pid), racing
 * registrants produce exactly one winner, and entries that are not ours are skipped, never fatal.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LocalNamingProcessTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration EVENT = Duration.ofSeconds(30);
    private static final int NOBODY = 65534;

    private NameService names;
    private final List<ChildJvm> children = new ArrayList<>();

    @BeforeEach
    void open() {
        names = NameService.open(NamingConfiguration.LOCAL);
    }

    @AfterEach
    void close() {
        children.forEach(ChildJvm::close);
        names.list("").forEach(e -> names.unregister(e.name()));
        names.close();
    }

    private ChildJvm child(String... args) {
        ChildJvm child = ChildJvm.builder(NamingChild.class).args(args).quickStart()
                .hardTimeout(Duration.ofSeconds(150)).start();
        children.add(child);
        return child;
    }

    private static void proceed(ChildJvm child) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
    }

    /** The name directory, created as the service creates it (a test that plants first needs it made). */
    private static Path directory() {
        return JipcRoot.directory(LocalNameService.KIND);
    }

    /** Writes an entry as another process would have, bypassing every check. */
    private static void plant(String name, NameOwner owner, Lifetime lifetime) throws IOException {
        NameEntry entry = new NameEntry(name, NameRecord.of("planted", "", ""), owner, lifetime, Instant.now(),
                System.nanoTime(), Liveness.UNKNOWN);
        Files.write(directory().resolve(NameSyntax.toStorageName(name)), NameEntryCodec.encode(entry));
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void aKilledOwnersNameIsReclaimedAndTakenByTheNext() throws IOException {
        ChildJvm owner = child("hold", "svc/killed");
        owner.awaitLine("HOLDING", LINE);
        NameEntry held = names.lookup("svc/killed").orElseThrow();
        assertEquals(owner.pid(), held.owner().pid());
        assertEquals(Liveness.ALIVE, held.liveness());
        NameTakenException taken = assertThrows(NameTakenException.class,
                () -> names.register("svc/killed", NameRecord.of("test", "", "")));
        assertEquals(owner.pid(), taken.ownerPid());
        assertTrue(taken.getMessage().contains("pid " + owner.pid()), taken.getMessage());
        owner.kill();
        assertTrue(names.lookup("svc/killed").isEmpty());
        assertFalse(Files.exists(directory().resolve("svc%killed")), "the dead owner's entry is removed");
        try (Registration mine = names.register("svc/killed", NameRecord.of("test", "", ""))) {
            assertEquals(ProcessIdentity.current().pid(), names.lookup("svc/killed").orElseThrow().owner().pid());
        }
    }

    /** A foreign file in the directory is skipped by every listing, and a process warns about it once. */
    @Test
    void aForeignFileIsSkippedAndWarnedAboutOncePerProcess() throws IOException {
        try (Registration kept = names.register("svc/kept", NameRecord.of("test", "", ""))) {
            Path foreign = Files.writeString(directory().resolve("has space"), "x");
            try {
                ChildJvm lister = child("list", "3");
                lister.assertSuccess(LINE);
                assertTrue(lister.output().contains("LISTED 1"), lister.output());
                assertEquals(1, lister.output().lines().filter(l -> l.contains("skipping " + foreign)).count(),
                        lister.output());
            } finally {
                Files.delete(foreign);
            }
        }
    }

    /**
     * Entries named like temporary files that are none ({@code .tmp-foo}, a directory holding a file)
     * are skipped, and a process warns about each once however often it lists; they do not stop the
     * sweep: the temporary files of dead registrants planted before and after them are all removed by
     * one listing (until 2026-12-06 each listing warned again, and the directory's
     * DirectoryNotEmptyException ended the sweep, so the files after it in directory order stayed).
     */
    @Test
    void aForeignTemporaryEntryIsWarnedAboutOnceAndDoesNotStopTheSweep() throws IOException {
        ProcessIdentity me = ProcessIdentity.current();
        String dead = ".tmp-" + me.pid() + "-" + (me.startTime() + 1) + "-"; // this pid, another start: dead
        try (Registration kept = names.register("svc/kept", NameRecord.of("test", "", ""))) {
            List<Path> deadFiles = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                deadFiles.add(Files.writeString(directory().resolve(dead + "a" + i), "half-written"));
            }
            Path unknown = Files.writeString(directory().resolve(".tmp-foo"), "x");
            Path full = Files.createDirectory(directory().resolve(".tmp-1-2-3"));
            Path inside = Files.writeString(full.resolve("x"), "kept");
            for (int i = 0; i < 4; i++) { // whatever the directory order, some come after the directory
                deadFiles.add(Files.writeString(directory().resolve(dead + "b" + i), "half-written"));
            }
            try {
                ChildJvm lister = child("list", "3");
                lister.assertSuccess(LINE);
                String output = lister.output();
                assertTrue(output.contains("LISTED 1"), output);
                assertEquals(1, output.lines().filter(l -> l.contains("skipping unknown file " + unknown)).count(),
                        output);
                assertEquals(1, output.lines().filter(l -> l.contains("skipping " + full + ": not a regular file"))
                        .count(), output);
                assertEquals(List.of(), deadFiles.stream().filter(Files::exists).toList(), "swept: " + output);
                assertTrue(Files.exists(unknown) && Files.exists(inside), "what is not jipc's is left alone");
            } finally {
                Files.deleteIfExists(inside);
                Files.deleteIfExists(full);
                Files.deleteIfExists(unknown);
                for (Path file : deadFiles) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    @Test
    void anOwnerThatExitsLeavesNothingBehind() throws IOException {
        ChildJvm owner = child("hold", "svc/exits");
        owner.awaitLine("HOLDING", LINE);
        proceed(owner);
        owner.assertSuccess(LINE);
        try (var files = Files.list(directory())) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aWatchLearnsOfAKilledOwnerWithoutAnyoneLookingTheNameUp() throws Exception {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = names.watch("svc/", events::add)) {
            ChildJvm owner = child("hold", "svc/watched");
            owner.awaitLine("HOLDING", LINE);
            NameEvent registered = events.poll(EVENT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(NameEvent.Type.REGISTERED, registered.type());
            assertEquals(owner.pid(), registered.entry().owner().pid());
            owner.kill();
            NameEvent unregistered = events.poll(EVENT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(NameEvent.Type.UNREGISTERED, unregistered == null ? null : unregistered.type());
            assertEquals("svc/watched", unregistered.name());
            assertEquals(Liveness.DEAD, unregistered.entry().liveness());
        }
        assertFalse(Files.exists(directory().resolve("svc%watched")));
    }

    @Test
    void aStoppedOwnerKeepsItsName() throws Exception {
        ChildJvm owner = child("hold", "svc/stopped");
        owner.awaitLine("HOLDING", LINE);
        signal("STOP", owner.pid());
        try {
            NameEntry held = names.lookup("svc/stopped").orElseThrow();
            assertEquals(Liveness.ALIVE, held.liveness());
            NameTakenException taken = assertThrows(NameTakenException.class,
                    () -> names.register("svc/stopped", NameRecord.of("test", "", "")));
            assertEquals(owner.pid(), taken.ownerPid());
            assertThrows(NameTakenException.class, () -> names.unregister("svc/stopped"));
        } finally {
            signal("CONT", owner.pid());
        }
        assertEquals(owner.pid(), names.lookup("svc/stopped").orElseThrow().owner().pid());
    }

    @Test
    void anOwnerWhosePidWasReusedIsDead() throws IOException {
        // a live pid (this process) with another start time: the process that registered is gone and
        // its pid now belongs to someone else
        ProcessIdentity me = ProcessIdentity.current();
        NameOwner impostor = new NameOwner(NameOwner.current().host(), me.pid(), me.startTime() + 1, 0);
        plant("svc/reused", impostor, Lifetime.OWNER);
        assertTrue(names.lookup("svc/reused").isEmpty());
        try (Registration r = names.register("svc/reused", NameRecord.of("test", "", ""))) {
            assertTrue(r.isHeld());
        }
        // a persistent name outlives its dead owner
        plant("svc/kept", impostor, Lifetime.PERSISTENT);
        NameEntry kept = names.lookup("svc/kept").orElseThrow();
        assertEquals(Liveness.DEAD, kept.liveness());
        assertThrows(NameTakenException.class, () -> names.register("svc/kept", NameRecord.of("test", "", "")));
        assertTrue(names.unregister("svc/kept"));
    }

    @Test
    void anotherLiveProcessesNameCannotBeUnregistered() {
        ChildJvm owner = child("hold", "svc/theirs");
        owner.awaitLine("HOLDING", LINE);
        NameTakenException e = assertThrows(NameTakenException.class, () -> names.unregister("svc/theirs"));
        assertEquals(owner.pid(), e.ownerPid());
        assertTrue(names.lookup("svc/theirs").isPresent());
    }

    @Test
    void anotherUserCannotUseThisUsersNames() {
        ChildJvm.cannotRunAsOtherUser().ifPresent(reason -> abort("cannot test another user: " + reason));
        try (Registration mine = names.register("svc/private", NameRecord.of("test", "", ""))) {
            ChildJvm other = ChildJvm.builder(NamingChild.class).asUser(NOBODY, NOBODY).quickStart()
                    .jvmArg("-XX:-UsePerfData") // no /tmp/hsperfdata_<user> left behind
                    .hardTimeout(Duration.ofSeconds(60)).args("open").start();
            children.add(other);
            int exit = other.waitFor(LINE);
            String output = other.output();
            if (!output.contains("HELLO uid=" + NOBODY)) {
                abort("a JVM running as uid " + NOBODY + " could not run the test classes (class path or JDK "
                        + "not readable by that user?), exit " + exit + ":\n" + output);
            }
            // the names directory (like the whole jipc root) is this user's: refused, not used
            assertTrue(output.contains("FAILED io.jipc.InsecureFileException"), output);
            assertTrue(output.contains("not by this user (uid " + NOBODY + ")"), output);
            assertTrue(mine.isHeld());
        }
    }

    @Test
    void aFullFileSystemIsANamingExceptionNamingTheNameAndTheReason() throws Exception {
        // the child's jipc root is a tmpfs of 16 inodes mounted over this test's root in a mount
        // namespace of its own, which goes with it: this test's root and the machine are untouched
        MountNamespaces.require();
        JipcRoot.directory(LocalNameService.KIND); // the mount point: this test's root, made if not yet
        ChildJvm filler = ChildJvm.builder(NamingChild.class).quickStart()
                .wrapper("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                        "mount -t tmpfs -o size=1m,nr_inodes=16,mode=0700 jipc-full \"$0\" && exec \"$@\"",
                        JipcRoot.path().toString())
                .hardTimeout(Duration.ofSeconds(60)).args("fill", "100").start();
        children.add(filler);
        filler.awaitLine("FAILED ", LINE);
        String output = filler.output();
        assertTrue(output.contains("FAILED io.jipc.naming.NamingException cannot register 'n"), output);
        assertTrue(output.contains(JipcRoot.path(LocalNameService.KIND) + ": No space left on device"), output);
        assertEquals(0, filler.waitFor(LINE), output);
    }

    @Test
    void corruptAndForeignEntriesAreSkippedNeverFatal() throws IOException {
        Path dir = JipcRoot.directory(LocalNameService.KIND);
        Files.writeString(dir.resolve("garbage"), "not an entry\n");
        Files.write(dir.resolve("binary"), new byte[] {0, (byte) 0xff, 10});
        Files.writeString(dir.resolve("future"), "jipc-name 2.0\nname=future\n");
        Files.createDirectory(dir.resolve("a-directory"));
        Files.createSymbolicLink(dir.resolve("a-link"), Path.of("/etc/passwd"));
        Files.writeString(dir.resolve("bad name!"), "whatever");
        Files.write(dir.resolve("huge"), new byte[NameEntryCodec.MAX_BYTES + 10]);
        plant("good", NameOwner.current(), Lifetime.PERSISTENT);
        Files.copy(dir.resolve("good"), dir.resolve("wrong-name"));
        try {
            assertEquals(List.of("good"), names.list("").stream().map(NameEntry::name).toList());
            for (String name : List.of("garbage", "binary", "future", "a-directory", "a-link", "huge", "wrong-name")) {
                assertTrue(names.lookup(name).isEmpty(), name);
                CorruptNameEntryException e = assertThrows(CorruptNameEntryException.class,
                        () -> names.register(name, NameRecord.of("test", "", "")), name);
                assertTrue(e.getMessage().contains(name), e.getMessage());
            }
            for (String name : List.of("garbage", "binary", "future", "a-link", "huge", "wrong-name")) {
                assertTrue(names.unregister(name), name);
            }
            try (Registration r = names.register("garbage", NameRecord.of("test", "", ""))) {
                assertTrue(r.isHeld());
            }
        } finally {
            Files.deleteIfExists(dir.resolve("a-directory"));
            Files.deleteIfExists(dir.resolve("bad name!"));
            Files.deleteIfExists(dir.resolve("a-link"));
        }
    }

    /**
     * A directory planted where a name's file belongs: unregister removes it when empty, and refuses
     * it when it holds anything with a {@link CorruptNameEntryException} that names the entry and says
     * what to do, leaving it as it is (until 2026-12-06 an {@code UncheckedIOException}, which is no
     * {@code JipcException}).
     */
    @Test
    void unregisterRefusesADirectoryThatIsNotEmptyWithANamingException() throws IOException {
        Path full = Files.createDirectory(JipcRoot.directory(LocalNameService.KIND).resolve("svc%full"));
        Path inside = Files.writeString(full.resolve("file"), "kept");
        Path empty = Files.createDirectory(directory().resolve("svc%empty"));
        try {
            CorruptNameEntryException e = assertThrows(CorruptNameEntryException.class,
                    () -> names.unregister("svc/full"));
            assertEquals("not removing the name 'svc/full': its entry " + full + " is a directory that is not"
                    + " empty (what it holds is nothing jipc made); look into it, and remove it with rm -r " + full,
                    e.getMessage());
            assertEquals("kept", Files.readString(inside));
            assertTrue(names.unregister("svc/empty"));
            assertFalse(Files.exists(empty));
            Files.delete(inside);
            assertTrue(names.unregister("svc/full"), "empty now");
            assertFalse(Files.exists(full));
        } finally {
            Files.deleteIfExists(inside);
            Files.deleteIfExists(full);
            Files.deleteIfExists(empty);
        }
    }

    /**
     * Eight processes race for the same names, round after round: every name has exactly one winner,
     * and that winner is the owner the directory shows. Half of the names start out held by a dead
     * owner, so the racers also race to reclaim. A race in which one racer won every name did not
     * race (on a loaded machine the others may not run in time, seen in a fresh-clone CI beside other
     * builds): it is run again, up to three times, until the racers overlap.
     */
    @Test
    void racingProcessesProduceExactlyOneWinnerPerName() throws Exception {
        java.util.Set<Long> winnerPids = java.util.Set.of();
        for (int attempt = 0; attempt < 3 && winnerPids.size() < 2; attempt++) {
            winnerPids = race("race" + attempt + "/");
        }
        assertTrue(winnerPids.size() > 1, "the racers overlapped (more than one of them won names) in one of three"
                + " races: " + winnerPids);
    }

    /** One race for names under {@code prefix}; checks it and returns the pids that won names. */
    private java.util.Set<Long> race(String prefix) throws Exception {
        int racers = 8;
        int rounds = 150;
        ProcessIdentity me = ProcessIdentity.current();
        NameOwner dead = new NameOwner(NameOwner.current().host(), me.pid(), me.startTime() + 7, 0);
        for (int round = 0; round < rounds; round++) {
            plant(prefix + "dead/" + round, dead, Lifetime.OWNER);
        }
        List<ChildJvm> racing = new ArrayList<>();
        // Two groups of racers, the second a half turn ahead: each round, every name raced is raced by a
        // group at once, and each group's names are taken by one of its own, so more than one process wins
        // names whoever the scheduler favours (one racer of a common order won every name in two CI runs:
        // the kernel runs the one that used the least CPU first, and a loser's exception costs more)
        for (int i = 0; i < racers; i++) {
            int offset = i < racers / 2 ? 0 : rounds / 2;
            racing.add(child("race", Integer.toString(rounds), Integer.toString(offset), prefix + "free/",
                    prefix + "dead/"));
        }
        for (ChildJvm racer : racing) {
            racer.awaitLine("READY", LINE);
        }
        // every racer starts at the same instant, so that they register the same names at the same time
        byte[] start = (System.currentTimeMillis() + 500 + "\n").getBytes(StandardCharsets.US_ASCII);
        for (ChildJvm racer : racing) {
            racer.process().getOutputStream().write(start);
            racer.process().getOutputStream().flush();
        }
        Map<String, Long> winners = new HashMap<>();
        int losses = 0;
        for (ChildJvm racer : racing) {
            String won = racer.awaitLine("WON", LINE);
            losses += Integer.parseInt(racer.awaitLine("LOST", LINE).substring(5));
            racer.awaitLine("DONE", LINE);
            for (String name : won.substring(3).strip().split(" ")) {
                if (name.isEmpty()) {
                    continue;
                }
                Long before = winners.put(name, racer.pid());
                assertEquals(null, before, name + " won by two processes: " + before + " and " + racer.pid());
            }
        }
        System.out.println("names won per racer pid: " + winners.values().stream().collect(
                java.util.stream.Collectors.groupingBy(pid -> pid, java.util.TreeMap::new, java.util.stream.Collectors.counting())));
        assertEquals(2 * rounds, winners.size(), "every name has a winner");
        assertEquals((racers - 1) * 2 * rounds, losses, "every other attempt was told the name is taken");
        Map<String, Long> shown = new HashMap<>();
        names.list(prefix).forEach(e -> shown.put(e.name(), e.owner().pid()));
        assertEquals(winners, shown);
        for (ChildJvm racer : racing) {
            proceed(racer);
        }
        for (ChildJvm racer : racing) {
            racer.assertSuccess(LINE);
        }
        assertEquals(List.of(), names.list(prefix));
        try (var files = Files.list(directory())) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).toList(), "temporary files left");
        }
        return new java.util.HashSet<>(winners.values());
    }
}
