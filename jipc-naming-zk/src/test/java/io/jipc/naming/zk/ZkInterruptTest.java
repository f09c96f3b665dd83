package io.jipc.naming.zk;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interrupts and the ZooKeeper backend: nothing half done, the status kept for the caller. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZkInterruptTest {
    @TempDir
    Path home;

    private static NameService open(TestingServer server) {
        return NameService.open(URI.create("zk://" + server.getConnectString() + "/jipc-interrupt"));
    }

    /**
     * A register with an interrupt pending is made whole and keeps the interrupt (it threw, and the
     * create it had sent was carried out all the same: a name no registration held).
     */
    @Test
    void aRegisterWithAnInterruptPendingIsMadeWhole() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             NameService names = open(server);
             NameService other = open(server)) {
            Thread.currentThread().interrupt();
            Registration registration;
            try {
                registration = names.register("int/reg", NameRecord.of("test", "1", "x"));
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            }
            assertTrue(registration.isHeld());
            assertTrue(other.lookup("int/reg").isPresent());
            registration.close();
            assertFalse(other.lookup("int/reg").isPresent(), "closing the registration removes the name");
        }
    }

    /**
     * A read interrupted while it waits for its answer is sent again once, and keeps the interrupt:
     * Curator sets the interrupt status again before rethrowing, and the retry found it set, so every
     * next try queued its request and failed at once, a loop flooding the ensemble (tens of thousands
     * of requests, seen when closing a service interrupted its recovery thread's read).
     */
    @Test
    void aReadInterruptedWhileWaitingForItsAnswerIsSentAgainOnceNotInALoop() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkSilentProxy proxy = new ZkSilentProxy(server.getPort());
             NameService names = NameService.open(URI.create("zk://" + proxy.connectString()
                     + "/jipc-interrupt?session=60s"))) {
            proxy.silent(true);
            proxy.dropAll();
            ZkTestServers.await("connected through the silent proxy", Duration.ofSeconds(60),
                    () -> proxy.silentConnections() > 0 && ((ZkNameService) names).connected());
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Optional<NameEntry> entry = names.lookup("int/silent");
                    outcome.set(entry.isEmpty() && Thread.interrupted() ? "empty, interrupt kept" : entry);
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            ZkTestServers.await("the read sent", Duration.ofSeconds(60),
                    () -> proxy.swallowedCount(ZkSilentProxy.GET_DATA, "/jipc-interrupt/names/int%silent") == 1);
            reader.interrupt();
            ZkTestServers.await("the read sent again", Duration.ofSeconds(60),
                    () -> proxy.swallowedCount(ZkSilentProxy.GET_DATA, "/jipc-interrupt/names/int%silent") >= 2);
            Thread.sleep(300); // time for a loop to show: thousands of requests (not a duration assert)
            int sent = proxy.swallowedCount(ZkSilentProxy.GET_DATA, "/jipc-interrupt/names/int%silent");
            proxy.silent(false);
            proxy.dropAll();
            reader.join(60_000);
            assertEquals("empty, interrupt kept", outcome.get());
            assertEquals(2, sent, "getData requests sent");
        }
    }

    /**
     * A lookup interrupted while the ensemble cannot be reached ends with
     * {@link NameServiceUnavailableException} (its cause the {@link InterruptedException}) and keeps the
     * interrupt. It went on to the end of Curator's retries whatever interrupted it, about 25 s with
     * the default 15 s timeout; the bound below is only a hang guard, well under that timeout.
     */
    @Test
    void aLookupInterruptedWhileTheEnsembleCannotBeReachedEndsUnavailableAndKeepsTheInterrupt() throws Exception {
        TestingServer server = ZkTestServers.server(home);
        try (server; ZkNameService names = (ZkNameService) open(server)) { // timeout=15s, the default
            server.stop();
            ZkTestServers.await("disconnected", Duration.ofSeconds(60), () -> !names.connected());
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> interruptKept = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    names.lookup("int/outage");
                } catch (Throwable t) {
                    thrown.set(t);
                } finally {
                    interruptKept.set(Thread.currentThread().isInterrupted());
                }
            });
            ZkTestServers.await("the lookup waiting", Duration.ofSeconds(60),
                    () -> reader.getState() == Thread.State.WAITING || reader.getState() == Thread.State.TIMED_WAITING);
            reader.interrupt();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> reader.join());
            NameServiceUnavailableException unavailable = assertInstanceOf(NameServiceUnavailableException.class,
                    thrown.get());
            assertInstanceOf(InterruptedException.class, unavailable.getCause());
            assertEquals(Boolean.TRUE, interruptKept.get(), "the interrupt is kept for the caller");
        }
    }

    /** awaitChange with an interrupt pending is InterruptedException, as with the local backend (was NamingException). */
    @Test
    void awaitChangeWithAnInterruptPendingIsInterruptedException() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             NameService names = open(server)) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> names.awaitChange("int/", Duration.ofSeconds(30)));
            assertFalse(Thread.currentThread().isInterrupted(), "InterruptedException cleared it, as it does");
        }
    }

    /**
     * A listener may close its own watch, and hears nothing more. (It waited 10 s for its own thread
     * to end; no test asserts that time: see the commit.)
     */
    @Test
    void aListenerClosesItsOwnWatch() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             NameService names = open(server)) {
            AtomicReference<Watch> watch = new AtomicReference<>();
            CountDownLatch closed = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
            watch.set(names.watch("cl/", event -> {
                events.incrementAndGet();
                watch.get().close();
                closed.countDown();
            }));
            try (Registration a = names.register("cl/a", NameRecord.of("test", "1", "x"))) {
                assertTrue(closed.await(60, TimeUnit.SECONDS));
                try (Registration b = names.register("cl/b", NameRecord.of("test", "2", "y"))) {
                    assertTrue(names.lookup("cl/b").isPresent());
                }
            }
            assertEquals(1, events.get(), "nothing after the close");
        }
    }
}
