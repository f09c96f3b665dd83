package io.jipc.naming.local;

import io.jipc.InsecureFileException;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceBusyException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.segment.JipcRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the local name service's directory comes into being: opening, looking up, listing and
 * unregistering create nothing (like {@code ipcs}, {@code jipc ls} leaves no trace on a host where
 * nothing was registered); the first registration or watch makes the jipc root and the directory,
 * private; and a directory that is not this user's own is refused when first used.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalNameDirectoryLifecycleTest {
    @TempDir
    Path scratch;
    private Path root;
    private String previousRoot;

    @BeforeEach
    void missingRoot() {
        root = scratch.resolve("not-yet/root");
        previousRoot = System.getProperty(JipcRoot.PROPERTY);
        System.setProperty(JipcRoot.PROPERTY, root.toString());
    }

    @AfterEach
    void restoreRoot() {
        if (previousRoot == null) {
            System.clearProperty(JipcRoot.PROPERTY);
        } else {
            System.setProperty(JipcRoot.PROPERTY, previousRoot);
        }
    }

    @Test
    void openingLookingUpListingAndUnregisteringCreateNothing() {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            assertEquals(Optional.empty(), names.lookup("svc/echo"));
            assertEquals(List.of(), names.list(""));
            assertFalse(names.unregister("svc/echo"));
        }
        assertFalse(Files.exists(scratch.resolve("not-yet"), LinkOption.NOFOLLOW_LINKS), "something was created");
    }

    /**
     * A root that jipc ls refuses has no names directory, but it is not an empty name service: a lookup
     * and a listing are refused too, creating nothing. A regular file, a path below one (the JDK reports
     * its ENOTDIR as no such file, which made the name look free), a symbolic link to a directory of
     * this user's (refused once it had a names directory, free before), a path that loops or is too
     * long (refused with a raw "from mkdir" error before, and listed as empty by ls).
     */
    @Test
    void aRootThatJipcLsRefusesIsRefusedByLookupAndList() throws IOException {
        Path file = Files.writeString(scratch.resolve("root-file"), "x");
        Path target = Files.createDirectory(scratch.resolve("target"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(scratch.resolve("link"), target);
        Path loop = Files.createSymbolicLink(scratch.resolve("loop"), scratch.resolve("loop"));
        // below a file (ENOTDIR), a link, below a link to itself (ELOOP), a name too long (ENAMETOOLONG)
        List<Path> roots = List.of(file, file.resolve("below"), link, loop.resolve("below"),
                scratch.resolve("n".repeat(300)));
        for (Path r : roots) {
            System.setProperty(JipcRoot.PROPERTY, r.toString());
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                String message = assertThrows(InsecureFileException.class, () -> names.lookup("svc/echo"), r.toString())
                        .getMessage();
                assertTrue(message.startsWith("refusing jipc directory " + r + ": "), message);
                assertThrows(InsecureFileException.class, () -> names.list(""), r.toString());
            }
        }
        assertEquals("x", Files.readString(file));
        try (java.util.stream.Stream<Path> made = Files.list(target)) {
            assertEquals(List.of(), made.toList(), "nothing created through the link");
        }
    }

    @Test
    void theFirstRegistrationMakesTheRootAndTheDirectoryPrivate() throws IOException {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            assertEquals(List.of(), names.list(""));
            try (Registration echo = names.register("svc/echo", NameRecord.of("test", "", "here"))) {
                Path dir = root.resolve(LocalNameService.KIND);
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
                assertEquals("here", names.lookup("svc/echo").orElseThrow().record().address());
                assertEquals(1, names.list("svc/").size());
                assertTrue(echo.isHeld());
            }
            assertEquals(Optional.empty(), names.lookup("svc/echo"));
        }
    }

    /** The directory removed under a live service: its names are gone, and unregistering one says so. */
    @Test
    void unregisterAfterTheDirectoryWasRemovedFindsNothing() throws IOException {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            Registration held = names.register("svc/removed", NameRecord.of("test", "", "here"));
            Path dir = root.resolve(LocalNameService.KIND);
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
            assertFalse(names.unregister("svc/removed"), "no directory, no names (was ENOENT)");
            held.close();
            assertEquals(Optional.empty(), names.lookup("svc/removed"));
        }
    }

    /**
     * Another process holds the directory's lock (as a jipc process stopped while it removed a name
     * would: here {@code flock(1)}). An unregister waits a bounded time, through an interrupt, on a
     * virtual thread (which does not pin its carrier: it sleeps between tries), and then says so
     * ({@link NameServiceBusyException}) without removing anything. A registration's close, meanwhile,
     * returns without throwing and leaves its removal to a thread that makes it once the lock comes, and
     * the closes after it queue their names behind it without a wait of their own. A
     * lookup of a dead owner's name does not wait for the lock: it reports the name absent. Until
     * 2026-12-07 each of these waited in a blocking {@code flock} for as long as the lock was held,
     * whatever the interrupt.
     */
    @Test
    void removalsWaitForALockAnotherProcessHoldsABoundedTimeAndACloseFinishesLater() throws Exception {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            Registration held = names.register("svc/locked", NameRecord.of("test", "", "here"));
            Registration closing = names.register("svc/closing", NameRecord.of("test", "", "here"));
            List<Registration> others = List.of(names.register("svc/closing-1", NameRecord.of("test", "", "here")),
                    names.register("svc/closing-2", NameRecord.of("test", "", "here")));
            Path dir = root.resolve(LocalNameService.KIND);
            // -o: the lock is flock's own, not its command's, so that ending flock frees it
            Process holder = new ProcessBuilder("/usr/bin/flock", "-o", dir.toString(), "/bin/sh", "-c",
                    "echo HELD; exec sleep 120").redirectErrorStream(true).start();
            try {
                assertEquals("HELD", holder.inputReader().readLine());
                CompletableFuture<List<Object>> unregistered = new CompletableFuture<>();
                Thread remover = Thread.ofVirtual().start(() -> {
                    Object outcome;
                    try {
                        outcome = names.unregister("svc/locked");
                    } catch (RuntimeException e) {
                        outcome = e;
                    }
                    unregistered.complete(List.of(outcome, Thread.currentThread().isInterrupted()));
                });
                CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
                Thread.sleep(200);
                remover.interrupt();
                List<Object> result = unregistered.get(30, TimeUnit.SECONDS);
                NameServiceBusyException e = assertInstanceOf(NameServiceBusyException.class, result.get(0));
                assertTrue(e.getMessage().contains("was held by another process"), e.getMessage());
                assertEquals(Boolean.TRUE, result.get(1), "the interrupt status is kept");
                assertTrue(names.lookup("svc/locked").isPresent(), "nothing removed");
                closed.get(30, TimeUnit.SECONDS); // returned, without throwing
                assertTrue(names.lookup("svc/closing").isPresent(), "removed once the lock comes");
                for (Registration more : others) {
                    more.close(); // queued behind the first: no wait of its own
                }
                for (Registration more : others) {
                    assertTrue(names.lookup(more.entry().name()).isPresent(), "removed once the lock comes");
                }
            } finally {
                holder.descendants().forEach(ProcessHandle::destroyForcibly);
                holder.destroyForcibly().waitFor();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (names.lookup("svc/closing").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Optional.empty(), names.lookup("svc/closing"), "the closed registration's name went");
            for (Registration more : others) {
                while (names.lookup(more.entry().name()).isPresent() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(Optional.empty(), names.lookup(more.entry().name()), "a queued name went");
            }
            assertTrue(names.unregister("svc/locked"));
            assertEquals(Optional.empty(), names.lookup("svc/locked"));
            held.close();
        }
    }

    /**
     * A registration closed while another process holds the directory's lock leaves its name to the
     * remover; registering the name again meanwhile must not report this very process as the name's
     * live owner ({@code NameTakenException}, as it did until 2026-12-07), but wait for the lock as a
     * reclaim of a dead owner's name does, and once the lock comes take the name, which the remover
     * then leaves alone.
     */
    @Test
    void registeringANameWhoseClosedRegistrationAwaitsTheLockWaitsForItAndThenTakesTheName() throws Exception {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            Registration first = names.register("svc/again", NameRecord.of("test", "", "first"));
            Path dir = root.resolve(LocalNameService.KIND);
            Process holder = new ProcessBuilder("/usr/bin/flock", "-o", dir.toString(), "/bin/sh", "-c",
                    "echo HELD; exec sleep 120").redirectErrorStream(true).start();
            try {
                assertEquals("HELD", holder.inputReader().readLine());
                first.close(); // queued for the remover
                NameServiceBusyException busy = assertThrows(NameServiceBusyException.class,
                        () -> names.register("svc/again", NameRecord.of("test", "", "second")));
                assertTrue(busy.getMessage().contains("was held by another process"), busy.getMessage());
            } finally {
                holder.descendants().forEach(ProcessHandle::destroyForcibly);
                holder.destroyForcibly().waitFor();
            }
            try (Registration second = names.register("svc/again", NameRecord.of("test", "", "second"))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (((LocalNameService) names).removalsPending() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertFalse(((LocalNameService) names).removalsPending(), "the remover finished");
                assertEquals("second", names.lookup("svc/again").orElseThrow().record().address(),
                        "the new registration stays");
            }
            assertEquals(Optional.empty(), names.lookup("svc/again"));
        }
    }

    @Test
    void aWatchMakesTheDirectoryAndSeesTheFirstRegistration() throws InterruptedException {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (NameService watching = NameService.open(NamingConfiguration.LOCAL);
             Watch watch = watching.watch("svc/", events::add)) {
            assertTrue(Files.isDirectory(root.resolve(LocalNameService.KIND)), "the watch made no directory");
            try (NameService registering = NameService.open(NamingConfiguration.LOCAL);
                 Registration echo = registering.register("svc/echo", NameRecord.of("test", "", ""))) {
                NameEvent event = events.poll(30, TimeUnit.SECONDS);
                assertNotNull(event, "no event for the first registration");
                assertEquals(NameEvent.Type.REGISTERED, event.type());
                assertEquals("svc/echo", event.name());
                assertTrue(echo.isHeld());
            }
        }
    }

    @Test
    void aDirectoryThatIsALinkIsRefusedWhenFirstRead() throws IOException {
        Files.createDirectories(root,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path elsewhere = Files.createDirectory(scratch.resolve("elsewhere"));
        Files.createSymbolicLink(root.resolve(LocalNameService.KIND), elsewhere);
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            InsecureFileException refused = assertThrows(InsecureFileException.class, () -> names.lookup("svc/echo"));
            assertTrue(refused.getMessage().contains("symbolic link"), refused.getMessage());
            assertThrows(InsecureFileException.class, () -> names.list(""));
            assertThrows(InsecureFileException.class,
                    () -> names.register("svc/echo", NameRecord.of("test", "", "")));
        }
        try (var files = Files.list(elsewhere)) {
            assertEquals(List.of(), files.toList(), "something was written through the link");
        }
    }
}
