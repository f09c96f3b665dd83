package io.jipc.cli;

import io.jipc.cli.ls.Catalog;
import io.jipc.cli.ls.IpcObject;
import io.jipc.mailbox.Mailbox;
import io.jipc.shm.AnonymousRegion;
import io.jipc.shm.CircularBuffer;
import io.jipc.shm.SharedRegion;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jipc ls} finds each kind of object with its size, mode, creator and the processes mapping it. */
@ExtendWith(JipcTestExtension.class)
class LsCommandTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void listsRegionsBuffersMailboxesPosixAndAnonymousRegionsWithTheirAttachedProcesses() {
        String posix = "/jipc-ls-" + UUID.randomUUID();
        try (SharedRegion region = SharedRegion.create("plain", 8192, 0640);
             SharedRegion shm = SharedRegion.create(posix, 4096);
             CircularBuffer buffer = CircularBuffer.create("ring", 16, 8);
             Mailbox mailbox = Mailbox.create("box");
             AnonymousRegion anonymous = AnonymousRegion.create(3 * 4096)) {
            List<IpcObject> objects = Catalog.list();
            IpcObject plain = find(objects, "plain");
            assertEquals("region", plain.kind());
            assertEquals(8192, plain.size());
            assertEquals("0640", plain.mode());
            assertEquals("raw", plain.format());
            assertEquals(List.of(SELF), plain.attached());
            assertEquals("region", find(objects, posix).kind());
            IpcObject ring = find(objects, "ring");
            assertEquals("circular-buffer", ring.kind());
            assertEquals("JIPC-CBF 1.0, 8 items of 16 B", ring.format());
            assertEquals("pid " + SELF + " (alive)", ring.creator());
            assertEquals("mailbox", find(objects, "box").kind());
            assertTrue(objects.stream().anyMatch(o -> o.kind().equals("anonymous-region") && o.attached().contains(SELF)
                    && o.size() == 3 * 4096), objects.toString());
            String table = LsCommand.table(objects);
            assertTrue(table.contains("circular-buffer") && table.contains("plain"), table);
            String json = LsCommand.json(objects);
            assertTrue(json.contains("\"name\": \"ring\"") && json.contains("\"attached\": [" + SELF + "]"), json);
        } finally {
            SharedRegion.unlink("plain");
            SharedRegion.unlink(posix);
            CircularBuffer.destroy("ring");
            Mailbox.destroy("box");
        }
    }

    private static IpcObject find(List<IpcObject> objects, String name) {
        return objects.stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + objects));
    }
}
