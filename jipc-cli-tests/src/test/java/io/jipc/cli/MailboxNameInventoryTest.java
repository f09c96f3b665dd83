package io.jipc.cli;

import io.jipc.cli.InventoryProcessTest.Run;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The name {@code mailbox/NAME} jipc binds for every mailbox of the root: listed as the mailbox's,
 * never stale while the file exists, and dangling (stale, removed by {@code jipc gc}) once the file
 * is gone behind jipc's back.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MailboxNameInventoryTest {
    @Test
    void aMailboxNameWhoseFileIsGoneIsDanglingAndGcDropsIt(Path root) throws Exception {
        Path file;
        try (Mailbox mailbox = Mailbox.create("dang", MailboxOptions.builder().build())) {
            file = root.resolve("mailbox").resolve("dang");
            assertTrue(Files.exists(file), file.toString());
        }
        List<ObjectRow> listed = ObjectInventory.list();
        ObjectRow kept = find(listed, "name:mailbox/dang");
        assertFalse(kept.dangling() || kept.stale(), "the file is there: " + kept);
        assertEquals(find(listed, "mailbox:dang").user(), kept.user(), "the registrant by name, as the file's owner");

        // the name's own file, absolute, as every other kind's path (it was "names/mailbox/dang", which is nowhere)
        Path nameFile = root.resolve("names").resolve("mailbox%dang");
        assertEquals(nameFile.toString(), kept.path());
        assertTrue(Files.isRegularFile(nameFile), nameFile.toString());
        Run json = jipc("ls", "--kind", "name", "--json");
        assertTrue(json.out().lines().anyMatch(l -> l.contains("\"uri\": \"name:mailbox/dang\"")
                && l.contains("\"path\": \"" + nameFile + "\"")), json.out());

        Files.delete(file); // behind jipc's back
        List<ObjectRow> rows = ObjectInventory.list();
        ObjectRow name = find(rows, "name:mailbox/dang");
        assertTrue(name.dangling() && name.stale(), name.toString());
        assertTrue(name.details().endsWith("dangling: the mailbox file is gone"), name.details());

        Run gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertTrue(gc.out().contains("removed name:mailbox/dang (dangling: its object is gone)"), gc.out());
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            assertEquals(Optional.empty(), names.lookup("mailbox/dang"));
        }
    }
}
