package io.jipc.mq;

import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.CProgram;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java side and a C program ({@code mq_peer.c}, compiled with gcc at test time) on the same
 * kernel queue: messages and priorities cross in both directions, and attributes chosen in C are
 * read back in Java; the name jipc binds for a queue copes with a C program that created or
 * unlinked it. Skipped, saying why, where gcc is missing.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MqInteropTest {
    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(MqInteropTest.class);

    @TempDir
    static Path work;
    private static Path peer;

    @BeforeAll
    static void compilePeer() throws IOException, InterruptedException {
        String source;
        try (InputStream in = MqInteropTest.class.getResourceAsStream("mq_peer.c")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // -lrt: glibc before 2.34 has the mq_* functions there; later ones keep an empty librt
        peer = CProgram.compile(work, "mq_peer", source, List.of(), List.of("-lrt"));
    }

    private static List<String> runPeer(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(peer.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(ChildCommands.dyingWithThisJvm(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "mq_peer hung");
        assertEquals(0, process.exitValue(), "mq_peer " + String.join(" ", args) + ":\n" + output);
        return output.lines().toList();
    }

    @Test
    void cSendsJavaReceivesHighestPriorityFirst() throws Exception {
        NAMES.withQueue(MqAttributes.of(8, 128), queue -> {
            String name = queue.name();
            assertEquals(List.of("SENT 4"), runPeer("send", name, "0:plain", "31000:alarm", "5:news", "5:more news"));
            List<String> got = new ArrayList<>();
            MqMessage m;
            while ((m = queue.poll()) != null) {
                got.add(m.priority() + " " + new String(m.payload(), StandardCharsets.UTF_8));
            }
            assertEquals(List.of("31000 alarm", "5 news", "5 more news", "0 plain"), got);
        });
    }

    @Test
    void javaSendsCReceivesHighestPriorityFirst() throws Exception {
        NAMES.withQueue(MqAttributes.of(8, 128), queue -> {
            String name = queue.name();
            queue.put("low".getBytes(StandardCharsets.UTF_8), 1);
            queue.put("high".getBytes(StandardCharsets.UTF_8), 32767);
            queue.put("middle".getBytes(StandardCharsets.UTF_8), 100);
            assertEquals(List.of("RECEIVING", "RECEIVED 32767 high", "RECEIVED 100 middle", "RECEIVED 1 low"),
                    runPeer("recv", name, "3"));
            assertNull(queue.poll());
        });
    }

    /** What a test does with a fresh queue name, the local name service, and the queue's name there. */
    private interface NamedQueueUse {
        void accept(String queue, NameService names, String bound) throws Exception;
    }

    /** Runs {@code use}, then checks that {@code unlink} removes the queue and its name. */
    private static void withNames(NamedQueueUse use) throws Exception {
        String queue = NAMES.next();
        String bound = "mq/" + queue.substring(1);
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            use.accept(queue, names, bound);
            assertTrue(PosixMessageQueue.unlink(queue));
            assertEquals(Optional.empty(), names.lookup(bound));
        } finally {
            PosixMessageQueue.unlink(queue);
        }
    }

    @Test
    void aQueueJipcCreatedAndCUnlinkedLeavesItsNameUntilTheNextCreateReplacesIt() throws Exception {
        withNames((queue, names, bound) -> {
            PosixMessageQueue.create(queue, MqAttributes.of(2, 16)).close();
            String first = names.lookup(bound).orElseThrow().record().id();
            assertEquals(List.of("UNLINKED"), runPeer("unlink", queue));
            assertEquals(first, names.lookup(bound).orElseThrow().record().id(), "C knows nothing of the name");
            PosixMessageQueue.create(queue, MqAttributes.of(2, 16)).close();
            assertNotEquals(first, names.lookup(bound).orElseThrow().record().id(), "the stale name was replaced");
        });
    }

    @Test
    void aQueueCreatedInCIsNamedByTheFirstOpenOrCreateWithItsCreatorUnknown() throws Exception {
        withNames((queue, names, bound) -> {
            assertEquals(List.of("CREATED 3 200"), runPeer("create", queue, "3", "200"));
            assertEquals(Optional.empty(), names.lookup(bound));
            try (PosixMessageQueue opened = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(5, 5))) {
                assertEquals(3, opened.maxMessages(), "the C program's queue");
                assertEquals("unknown", names.lookup(bound).orElseThrow().record().attributes().get("creator"));
            }
        });
    }

    @Test
    void attributesChosenInCAreReadBackInJava() throws Exception {
        String name = NAMES.next();
        try {
            assertEquals(List.of("CREATED 3 200"), runPeer("create", name, "3", "200"));
            try (PosixMessageQueue queue = PosixMessageQueue.open(name)) {
                assertEquals(new MqAttributes(3, 200, 0), queue.attributes());
                queue.put(new byte[200], 2);
                assertEquals(1, queue.attributes().currentMessages());
                assertEquals(200, queue.take().payload().length);
            }
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }
}
