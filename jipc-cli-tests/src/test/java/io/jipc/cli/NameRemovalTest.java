package io.jipc.cli;

import io.jipc.cli.InventoryProcessTest.Run;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc rm name:NAME} of a name another live process holds: refused, with or without
 * {@code --force} (the name service keeps a live owner's name), and the refusal does not suggest a
 * {@code --force} that cannot help.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NameRemovalTest {
    private static final Duration LINE = Duration.ofMinutes(2);

    /** Registers name {@code args[0]}, says READY, and holds it until killed. */
    public static final class RegisterAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (NameService names = NameService.open(NamingConfiguration.LOCAL);
                 Registration registration = names.register(args[0], NameRecord.of("test", "1", "nowhere"))) {
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    @Test
    void aLiveOwnersNameIsRefusedEvenWithForceWithoutSuggestingForce() throws Exception {
        try (ChildJvm owner = ChildJvm.builder(RegisterAndWait.class).args("held/by-child").start()) {
            owner.awaitLine("READY", LINE);
            String reason = "jipc rm: not removing name:held/by-child: its owner, pid " + owner.pid()
                    + ", is alive (the name service keeps a live owner's name, even with --force)";
            for (String[] args : new String[][] {{"rm", "name:held/by-child"}, {"rm", "--force", "name:held/by-child"}}) {
                Run refused = jipc(args);
                assertEquals(1, refused.exit(), refused.err());
                assertEquals(reason, refused.err().strip(), String.join(" ", args));
            }
            assertTrue(held("held/by-child"), "still registered");

            owner.kill();
            owner.waitFor(LINE);
            assertFalse(held("held/by-child"), "a registered name ends with its owner");
        }
    }

    private static boolean held(String name) {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            return names.lookup(name).isPresent();
        }
    }
}
