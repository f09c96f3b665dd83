package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.sync.ProcessMutex;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code jipc rm} with a bare name that two objects have (a mailbox and a sync object, made by
 * {@code jipc} processes that have ended, as a user makes them): exit code 2 with the objects to
 * choose from, and nothing removed, neither the other names given nor the exact URIs of the
 * ambiguous name's objects, whatever their order. No duration is asserted; the timeouts are hang
 * guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RmAmbiguousNameTest {
    private static final Duration WAIT = Duration.ofMinutes(1);
    /** The objects, and the name-service records of the mailboxes (which go with them). */
    private static final List<String> OBJECTS = List.of("mailbox:amb", "mailbox:tiny", "name:mailbox/amb",
            "name:mailbox/tiny", "sync:amb");
    private static final String AMBIGUOUS = "jipc rm: amb names 2 objects, say which: mailbox:amb, sync:amb\n";

    @Test
    void anAmbiguousNameRemovesNothingOfWhatIsNamedWithIt() {
        jipcInAChild("mailbox", "create", "amb");
        jipcInAChild("sync", "create", "mutex", "amb");
        jipcInAChild("mailbox", "create", "tiny");
        try {
            assertEquals(OBJECTS, uris());
            for (String[] args : List.of(new String[] {"rm", "amb", "mailbox:amb", "sync:amb", "mailbox:tiny"},
                    new String[] {"rm", "mailbox:tiny", "mailbox:amb", "amb"}, // the ambiguous name last
                    new String[] {"rm", "--force", "mailbox:amb", "amb", "mailbox:tiny", "amb"})) {
                CliRun rm = CliRun.jipc(args);
                assertEquals(2, rm.exit(), String.join(" ", args) + ": " + rm.out() + rm.err());
                assertEquals("", rm.out(), String.join(" ", args));
                assertEquals(AMBIGUOUS, rm.err(), String.join(" ", args) + ": each ambiguous name said once");
                assertEquals(OBJECTS, uris(), String.join(" ", args) + " removed nothing");
            }
            CliRun rm = CliRun.jipc("rm", "mailbox:amb", "sync:amb", "tiny");
            assertEquals(0, rm.exit(), rm.out() + rm.err());
            assertEquals("removed mailbox:amb\nremoved sync:amb\nremoved mailbox:tiny\n", rm.out());
            assertEquals(List.of(), uris());
        } finally {
            Mailbox.destroy("amb");
            Mailbox.destroy("tiny");
            ProcessMutex.destroy("amb");
        }
    }

    /** Runs {@code jipc args...} in a child JVM, which has ended when this returns. */
    private static void jipcInAChild(String... args) {
        try (ChildJvm jipc = ChildJvm.builder(Main.class).quickStart().args(args).start()) {
            jipc.assertSuccess(WAIT);
        }
    }

    /** The URIs {@code jipc ls} lists, sorted. */
    private static List<String> uris() {
        return ObjectInventory.list().stream().map(ObjectRow::uri).sorted().toList();
    }
}
