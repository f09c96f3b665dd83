package io.jipc.dsm;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for a replicated
 * region, with the interrupt status set before the call: {@code write()} and {@code tryWrite(timeout)}
 * of a replica that keeps the lock, and {@code awaitVersion} of a version already there, complete and
 * keep the status; a write that must ask the home, an {@code awaitVersion} that must wait and
 * {@code sync()} (always a round trip) throw {@link InterruptedException} and clear it, also with a
 * zero or negative timeout; reads never look at it. A 30 s timeout returns at once because it throws.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DsmInterruptRuleTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private RegionHome home;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startHome() {
        home = RegionHome.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws Exception {
        Thread.interrupted();
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        home.close();
    }

    private ReplicatedRegion open() throws InterruptedException {
        ReplicatedRegion r = ReplicatedRegion.open(home.address(), "r", 64);
        closeables.add(r);
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void writesWaitsAndReads(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        ReplicatedRegion a = open();
        ReplicatedRegion b = open();
        for (int i = 0; i < 3; i++) {
            a.update(s -> s.set(JAVA_LONG, 0, s.get(JAVA_LONG, 0) + 1));
        }
        assertTrue(home.regions().getFirst().kept(), "a wrote twice in a row: it keeps the lock");
        assertEquals(3, b.awaitVersion(2, LONG));

        RegionWrite kept = completesInterrupted(() -> a.tryWrite(timeout));
        assertNotNull(kept, "the kept lock is there: the section begins at once");
        kept.close();
        completesInterrupted(a::write).close();
        assertEquals(3, (long) completesInterrupted(() -> b.awaitVersion(2, timeout)));
        assertEquals(3, (long) completesInterrupted(() -> b.read(s -> s.get(JAVA_LONG, 0))));

        throwsInterrupted(() -> b.awaitVersion(3, timeout));
        throwsInterrupted(() -> b.tryWrite(timeout));
        throwsInterrupted(b::write);
        throwsInterrupted(b::sync);

        b.update(s -> s.set(JAVA_LONG, 0, 10));
        assertEquals(4, a.awaitVersion(3, LONG));
        assertEquals(4, b.sync());
    }
}
