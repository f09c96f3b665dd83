package io.jipc.cli;

import io.jipc.cli.InventoryProcessTest.Run;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A name record another process bound with an escape and a newline in its fields, a region file
 * planted with such a name, and a dead process's mailbox renamed so: {@code jipc names}, {@code jipc
 * lookup}, {@code jipc ls} and {@code jipc gc} show those fields through {@code Printable} (no raw
 * control character, no faked row), {@code --json} escapes them.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ForeignTextShownTest {
    private static final String KIND = "k\u001b[31mRED";
    private static final String ADDRESS = "line1\nFAKE-NAME   mailbox   1 alive  persistent  0s  evil\u001b[0m";

    /** Binds (persistently) {@code odd/esc} to a record with control characters in every field, then exits. */
    public static final class BindOdd {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                names.bind("odd/esc", NameRecord.of(KIND, "i\rd", ADDRESS).withAttribute("x\ny", "v\u0007"));
            }
            io.jipc.mailbox.Mailbox.create("gc-odd", io.jipc.mailbox.MailboxOptions.builder().build()).close(); // left behind
            System.out.println("BOUND");
        }
    }

    @Test
    void namesLookupLsAndGcShowControlCharactersEscaped() throws Exception {
        try (ChildJvm binder = ChildJvm.builder(BindOdd.class).start()) {
            binder.awaitLine("BOUND", Duration.ofMinutes(2));
            assertEquals(0, binder.waitFor(Duration.ofMinutes(2)));
        }
        Path planted = Files.write(JipcRoot.directory("region").resolve("a\u001b[31mX\nY"), new byte[100]);
        // the dead child's mailbox, renamed as another program could: a stale object jipc gc names
        Path oddMailbox = Files.move(JipcRoot.directory("mailbox").resolve("gc-odd"),
                JipcRoot.directory("mailbox").resolve("g\u001b[31mc\nodd"));
        try {
            Run names = jipc("names", "odd/");
            assertEquals(0, names.exit(), names.err());
            assertClean(names.out());
            List<String> rows = names.out().lines().toList();
            assertEquals(2, rows.size(), "heading and one row, no faked row: " + names.out());
            assertTrue(rows.get(1).contains("'k\\u001b[31mRED'") && rows.get(1).contains("'line1\\u000aFAKE-NAME"),
                    names.out());

            Run lookup = jipc("lookup", "odd/esc");
            assertEquals(0, lookup.exit(), lookup.err());
            assertClean(lookup.out());
            assertTrue(lookup.out().contains("kind:       'k\\u001b[31mRED'\n"), lookup.out());
            assertTrue(lookup.out().contains("id:         'i\\u000dd'\n"), lookup.out());
            assertTrue(lookup.out().contains("attribute:  'x\\u000ay'='v\\u0007'\n"), lookup.out());
            assertTrue(lookup.out().contains("name:       odd/esc\n"), "a plain field is shown as it is: " + lookup.out());

            Run ls = jipc("ls");
            assertEquals(0, ls.exit(), ls.err());
            assertClean(ls.out());
            assertTrue(ls.out().lines().anyMatch(l -> l.contains("'region:a\\u001b[31mX\\u000aY'")), ls.out());
            assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("name ") && l.contains("'k\\u001b[31mRED line1\\u000a")),
                    ls.out());
            assertFalse(ls.out().lines().anyMatch(l -> l.startsWith("Y ") || l.startsWith("FAKE-NAME")), ls.out());

            Run gc = jipc("gc", "--dry-run");
            assertEquals(0, gc.exit(), gc.err());
            assertClean(gc.out());
            assertTrue(gc.out().startsWith("would remove 'mailbox:g\\u001b[31mc\\u000aodd' (owner pid "), gc.out());

            Run json = jipc("names", "--json", "odd/");
            assertEquals(0, json.exit(), json.err());
            assertClean(json.out());
            assertTrue(json.out().contains("\"kind\": \"k\\u001b[31mRED\""), "JSON as before: " + json.out());
        } finally {
            Files.deleteIfExists(planted);
            Files.deleteIfExists(oddMailbox);
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                names.unregister("odd/esc");
                names.unregister("mailbox/gc-odd"); // the renamed mailbox's name
            }
        }
    }

    private static void assertClean(String out) {
        assertTrue(out.chars().noneMatch(c -> c < 0x20 && c != '\n'), "no raw control character: " + out);
    }
}
