package io.jipc.mq;

import io.jipc.ErrnoException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queues jipc creates are persistent names {@code mq/<name>} of the local name service: bound on
 * create (and by an {@code openOrCreate} that finds the name missing), removed on unlink, kept after
 * the creator exits, replaced when left by an earlier queue; a name the service cannot hold, or a
 * failing service, never fails the queue.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MqNamingTest {
    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(MqNamingTest.class);

    @TempDir
    Path dir;

    /** The test's name service: fields are set once the extension has chosen the class's jipc root. */
    private final NameService names = NameService.open(NamingConfiguration.LOCAL);

    @AfterEach
    void closeNames() {
        names.close();
    }

    private static final String IPC_NAMESPACE = "ipc-namespace";

    /** This process's IPC namespace, as a name's record holds it: {@code ipc:[4026531839]}. */
    private static String ipcNamespace() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString();
    }

    private static String nameOf(String queue) {
        return "mq/" + queue.substring(1);
    }

    /** The inode of {@code queue} as one of this process's descriptors shows it, in hex. */
    private static String inodeOf(String queue) throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : descriptors.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(queue)) {
                        return Long.toHexString((Long) Files.getAttribute(fd, "unix:ino"));
                    }
                } catch (IOException closed) {
                    // the listing's own descriptor, closed meanwhile
                }
            }
        }
        throw new AssertionError("no descriptor of " + queue + " in this process");
    }

    @Test
    void createBindsThePersistentNameAndUnlinkRemovesIt() throws Exception {
        String queue = NAMES.next();
        try (PosixMessageQueue created = PosixMessageQueue.create(queue, MqAttributes.of(2, 16))) {
            NameEntry entry = names.lookup(nameOf(queue)).orElseThrow();
            assertEquals(new NameRecord("mq", inodeOf(queue), "mq:" + queue, Map.of(IPC_NAMESPACE, ipcNamespace())),
                    entry.record());
            assertEquals(Lifetime.PERSISTENT, entry.lifetime());
            assertEquals(ProcessHandle.current().pid(), entry.owner().pid());
        }
        assertTrue(PosixMessageQueue.unlink(queue));
        assertEquals(Optional.empty(), names.lookup(nameOf(queue)));
        assertFalse(PosixMessageQueue.unlink(queue));
    }

    @Test
    void openOrCreateBindsWhenItCreatesAndRepairsAMissingNameWhenItOpens() throws Exception {
        String queue = NAMES.next();
        try (PosixMessageQueue created = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16))) {
            String id = inodeOf(queue);
            assertEquals(new NameRecord("mq", id, "mq:" + queue, Map.of(IPC_NAMESPACE, ipcNamespace())),
                    names.lookup(nameOf(queue)).orElseThrow().record());

            assertTrue(names.unregister(nameOf(queue))); // as if the creator died before binding it
            PosixMessageQueue.open(queue).close();
            assertEquals(Optional.empty(), names.lookup(nameOf(queue)), "a plain open binds nothing");
            PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16)).close();
            assertEquals(new NameRecord("mq", id, "mq:" + queue,
                            Map.of("creator", "unknown", IPC_NAMESPACE, ipcNamespace())),
                    names.lookup(nameOf(queue)).orElseThrow().record(), "bound by an opener: creator unknown");
        } finally {
            PosixMessageQueue.unlink(queue);
        }
        assertEquals(Optional.empty(), names.lookup(nameOf(queue)));
    }

    /**
     * A name records its binder's IPC namespace; an unlink removes only a name of its own namespace: a
     * queue of the same name in another namespace (which shares the jipc root) keeps its name. So does
     * an {@code openOrCreate} that opens an existing queue: only a create takes a name from another
     * namespace. (Until 2026-12-07 the open took it, with "creator unknown", as if it were stale: the
     * live queue of the other namespace vanished from its {@code jipc ls}, and the name, now of this
     * namespace, was never collected there.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"unlink", "openOrCreate"})
    void anUnlinkOrAnOpenLeavesTheNameOfAQueueOfAnotherIpcNamespace(String call) throws Exception {
        String queue = NAMES.next();
        NameRecord other = new NameRecord("mq", "1", "mq:" + queue, Map.of(IPC_NAMESPACE, "ipc:[1]"));
        names.bind(nameOf(queue), other);
        try {
            // made in this namespace, as a C program would
            MessageQueues.close(MessageQueues.open(queue, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, 2, 16), queue);
            if (call.equals("unlink")) {
                assertTrue(PosixMessageQueue.unlink(queue));
            } else {
                PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16)).close();
            }
            assertEquals(other, names.lookup(nameOf(queue)).orElseThrow().record(), "the other namespace's name stays");
        } finally {
            PosixMessageQueue.unlink(queue);
            names.unregister(nameOf(queue));
        }
    }

    @Test
    void aNameLeftByAnEarlierQueueIsReplacedByTheNextCreate() throws Exception {
        String queue = NAMES.next();
        PosixMessageQueue.create(queue, MqAttributes.of(2, 16)).close();
        String earlier = names.lookup(nameOf(queue)).orElseThrow().record().id();
        assertTrue(MessageQueues.unlink(queue)); // behind jipc's back, as a C program would
        assertEquals(earlier, names.lookup(nameOf(queue)).orElseThrow().record().id(), "the name dangles");
        try (PosixMessageQueue again = PosixMessageQueue.create(queue, MqAttributes.of(2, 16))) {
            String id = names.lookup(nameOf(queue)).orElseThrow().record().id();
            assertEquals(inodeOf(queue), id);
            assertNotEquals(earlier, id);
        } finally {
            assertTrue(PosixMessageQueue.unlink(queue));
        }
        assertEquals(Optional.empty(), names.lookup(nameOf(queue)));
    }

    /**
     * A record of another kind bound at {@code mq/<name>} is not a queue's name: {@code create},
     * {@code openOrCreate} and {@code unlink} leave it in place (the queue works without its name), and
     * a process warns once that it does. (Until 2026-12-06 {@code create} and {@code openOrCreate}
     * replaced it silently with the queue's.)
     */
    @Test
    void aNameOfAnotherKindIsLeftInPlaceAndWarnedOnce() throws Exception {
        String queue = NAMES.next();
        NameRecord mailbox = NameRecord.of("mailbox", "2a", "mailbox:someone-elses");
        names.bind(nameOf(queue), mailbox);
        try {
            try (PosixMessageQueue created = PosixMessageQueue.create(queue, MqAttributes.of(2, 16))) {
                assertEquals(mailbox, names.lookup(nameOf(queue)).orElseThrow().record(), "create left it");
                try (PosixMessageQueue opened = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16))) {
                    assertEquals(mailbox, names.lookup(nameOf(queue)).orElseThrow().record(), "openOrCreate left it");
                    assertTrue(created.offer(new byte[] {3}));
                    assertEquals(3, opened.poll().payload()[0]);
                }
            }
            assertTrue(PosixMessageQueue.unlink(queue));
            assertEquals(mailbox, names.lookup(nameOf(queue)).orElseThrow().record(), "unlink left it");

            try (ChildJvm child = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                    .args("create", queue, "2", "16", ";", "openorcreate", queue, "2", "16", ";",
                            "openorcreate", queue, "2", "16", ";", "unlink", queue).start()) {
                child.assertSuccess(Duration.ofSeconds(80));
                String output = child.output();
                assertTrue(output.contains("CREATED\n") && output.contains("UNLINKED true\n"), output);
                String warning = "WARNING: the name " + nameOf(queue) + " of POSIX message queue " + queue
                        + " is bound to a 'mailbox' ('mailbox:someone-elses'), not to a queue: left in place,"
                        + " so jipc ls does not find the queue by it\n";
                assertEquals(1, output.split(java.util.regex.Pattern.quote(warning), -1).length - 1, output);
            }
            assertEquals(mailbox, names.lookup(nameOf(queue)).orElseThrow().record(), "the child left it too");
        } finally {
            PosixMessageQueue.unlink(queue);
            names.unregister(nameOf(queue));
        }
    }

    @Test
    void theNameOutlivesTheCreatorLikeTheQueue() throws Exception {
        String queue = NAMES.next();
        long creatorPid;
        try (ChildJvm creator = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .args("create", queue, "4", "64").start()) {
            creator.assertSuccess(Duration.ofSeconds(80));
            assertTrue(creator.output().contains("CREATED"), creator.output());
            creatorPid = creator.pid();
        }
        try {
            NameEntry entry = names.lookup(nameOf(queue)).orElseThrow();
            assertEquals(creatorPid, entry.owner().pid());
            assertEquals(Liveness.DEAD, entry.liveness());
            try (PosixMessageQueue opened = PosixMessageQueue.open(queue)) {
                assertEquals(inodeOf(queue), entry.record().id());
            }
        } finally {
            assertTrue(PosixMessageQueue.unlink(queue));
        }
        assertEquals(Optional.empty(), names.lookup(nameOf(queue)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"with space", "ünïcödé", "tilde~", "long"})
    void aQueueNameTheServiceCannotHoldGetsNoNameAndWorks(String kind) throws Exception {
        String unique = UUID.randomUUID().toString().substring(0, 8);
        String queue = kind.equals("long") ? "/" + unique + "x".repeat(230) : "/jipc-test-" + kind + "-" + unique;
        try (PosixMessageQueue created = PosixMessageQueue.create(queue, MqAttributes.of(2, 16))) {
            assertTrue(created.offer(new byte[] {1}));
            assertEquals(1, created.poll().payload()[0]);
            try (PosixMessageQueue opened = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16))) {
                assertEquals(2, opened.maxMessages());
            }
            assertEquals(List.of(), names.list("mq/"));
        } finally {
            assertTrue(PosixMessageQueue.unlink(queue));
        }
    }

    @Test
    void aFailingNameServiceNeverFailsTheQueue() throws Exception {
        Path notADirectory = Files.createFile(dir.resolve("file"));
        String queue = NAMES.next();
        String root = System.getProperty(JipcRoot.PROPERTY);
        System.setProperty(JipcRoot.PROPERTY, notADirectory.resolve("root").toString());
        try {
            try (PosixMessageQueue created = PosixMessageQueue.create(queue, MqAttributes.of(2, 16));
                 PosixMessageQueue opened = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(2, 16))) {
                assertTrue(created.offer(new byte[] {7}));
                assertEquals(7, opened.poll().payload()[0]);
            }
            assertTrue(PosixMessageQueue.unlink(queue));
        } finally {
            System.setProperty(JipcRoot.PROPERTY, root);
            PosixMessageQueue.unlink(queue);
        }
        assertEquals(List.of(), names.list("mq/"));
    }

    /**
     * Unlinks queue {@code args[0]} (made by the parent, its name bound) with its descriptor table full
     * but 0, 1, 2 ... descriptors until the unlink works; after each try, with the table released, one
     * line {@code FREE <n> <outcome> QUEUE <exists> NAME <bound>}.
     */
    public static final class StarvedUnlinkChild {
        public static void main(String[] args) {
            String queue = args[0];
            String warm = args[1]; // loads what an unlink needs while descriptors are free
            PosixMessageQueue.create(warm, MqAttributes.of(2, 16)).close();
            PosixMessageQueue.unlink(warm);
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                boolean exists = true;
                for (int free = 0; exists && free <= 8; free++) {
                    List<Integer> hog = DescriptorHog.fill(free);
                    String outcome;
                    try {
                        outcome = "returned " + PosixMessageQueue.unlink(queue);
                    } catch (ErrnoException e) {
                        outcome = e.errnoName();
                    } catch (RuntimeException | Error e) {
                        outcome = "threw " + e;
                    }
                    DescriptorHog.release(hog);
                    exists = PosixMessageQueue.exists(queue);
                    System.out.println("FREE " + free + " " + outcome + " QUEUE " + exists + " NAME "
                            + names.lookup(nameOf(queue)).isPresent());
                }
            }
        }
    }

    /**
     * An unlink short of file descriptors removes the queue and its name, or neither: with none or one
     * descriptor free it fails with EMFILE and leaves both (and is made again), with two it removes both.
     * Until 2026-12-07 the unlink with one descriptor free removed the queue and left its name (it read
     * the name before the unlink, then needed two descriptors to remove it), and the one with none free
     * threw NoClassDefFoundError from the warning it logged.
     */
    @Test
    void anUnlinkShortOfDescriptorsRemovesTheQueueAndItsNameOrNeither() throws Exception {
        String queue = NAMES.next();
        PosixMessageQueue.create(queue, MqAttributes.of(2, 16)).close();
        try (ChildJvm child = ChildJvm.builder(StarvedUnlinkChild.class).quickStart()
                .wrapper("prlimit", "--nofile=256:256").args(queue, NAMES.next())
                .hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            assertTrue(output.contains("FREE 0 EMFILE QUEUE true NAME true\nFREE 1 EMFILE QUEUE true NAME true\n"
                    + "FREE 2 returned true QUEUE false NAME false\n"), output);
        } finally {
            PosixMessageQueue.unlink(queue);
        }
        assertEquals(Optional.empty(), names.lookup(nameOf(queue)));
    }
}
