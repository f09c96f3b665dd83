package io.jipc.signals;

import io.jipc.ClosedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The doorbell and the signal table inside one JVM; signals sent to this process itself. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignalDoorbellTest {
    private static final long SELF = ProcessHandle.current().pid();

    @ParameterizedTest
    @EnumSource(Signal.class)
    void theTableNumbersSignalsAsTheJvmDoes(Signal signal) {
        assertEquals(signal.number(), new sun.misc.Signal(signal.shortName()).getNumber());
        assertSame(signal, Signal.of(signal.number()));
        assertSame(signal, Signal.parse(signal.shortName().toLowerCase()));
        assertSame(signal, Signal.parse(Integer.toString(signal.number())));
    }

    @ParameterizedTest
    @EnumSource(value = Signal.class, names = {"SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGSTOP", "SIGXFSZ"})
    void signalsTheJvmKeepsAreRefused(Signal signal) {
        assertFalse(signal.handleableInJvm());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SignalDoorbell.open(signal));
        assertTrue(e.getMessage().contains(signal.reservedBecause().orElseThrow()), e.getMessage());
    }

    @Test
    void aSignalToThisProcessRingsEveryOpenDoorbellOfIt() throws Exception {
        try (SignalDoorbell first = SignalDoorbell.open(Signal.SIGWINCH);
             SignalDoorbell second = SignalDoorbell.open(Signal.SIGWINCH)) {
            assertEquals(0, first.poll());
            assertEquals(0, first.poll(Duration.ofMillis(20)));
            // minus centuries (their nanoseconds overflow a long): a look, as any negative timeout
            assertEquals(0, first.poll(Duration.ofSeconds(Long.MIN_VALUE)));
            assertEquals(0, first.poll(Duration.ofDays(-365L * 300)));
            ProcessSignals.send(SELF, Signal.SIGWINCH);
            assertEquals(1, first.take());
            assertTrue(second.poll(Duration.ofMinutes(1)) >= 1);
            assertEquals(0, first.poll(), "a look consumes the rings");
            assertEquals(1, first.deliveries());
        }
    }

    @Test
    void aWaiterWakesUpOnARingAndOnClose() throws Exception {
        SignalDoorbell doorbell = SignalDoorbell.open(Signal.SIGURG);
        CompletableFuture<Long> taken = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                taken.complete(doorbell.take());
            } catch (Throwable t) {
                taken.completeExceptionally(t);
            }
        });
        ProcessSignals.send(SELF, Signal.SIGURG);
        assertTrue(taken.get(1, TimeUnit.MINUTES) >= 1);

        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                doorbell.take();
                closed.complete(null);
            } catch (Throwable t) {
                closed.complete(t);
            }
        });
        while (waiter.getState() != Thread.State.WAITING) {
            Thread.sleep(5);
        }
        doorbell.close();
        assertInstanceOf(ClosedException.class, closed.get(1, TimeUnit.MINUTES));
        assertThrows(ClosedException.class, doorbell::poll);
        doorbell.close();
    }

    @Test
    void closingTheLastDoorbellPutsThePreviousHandlerBack() throws IOException {
        assumeFalse(ignoredByThisProcess(Signal.SIGHUP), "SIGHUP was ignored when this JVM started (under nohup?),"
                + " and the JVM does not take over a signal it inherited ignored");
        sun.misc.Signal hup = new sun.misc.Signal("HUP");
        sun.misc.SignalHandler probe = signal -> { };
        sun.misc.SignalHandler before = sun.misc.Signal.handle(hup, probe);
        try {
            try (SignalDoorbell a = SignalDoorbell.open(Signal.SIGHUP); SignalDoorbell b = SignalDoorbell.open(Signal.SIGHUP)) {
                a.close();
                sun.misc.SignalHandler current = sun.misc.Signal.handle(hup, probe);
                sun.misc.Signal.handle(hup, current);
                assertNotSame(probe, current, "still owned while one doorbell is open");
            }
        } finally {
            assertSame(probe, sun.misc.Signal.handle(hup, before), "the previous handler is back");
        }
    }

    /** Whether {@code signal} is ignored in this process now ({@code SigIgn} of {@code /proc/self/status}). */
    private static boolean ignoredByThisProcess(Signal signal) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (signal.number() - 1))) != 0;
            }
        }
        return false;
    }

    @Test
    void aListenerRunsItsHandlerOnItsVirtualThreadAndSurvivesItsExceptions() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(2);
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        try (SignalListener listener = SignalListener.start(Signal.SIGCHLD, (signal, deliveries) -> {
            thread.complete(Thread.currentThread());
            calls.incrementAndGet();
            second.countDown();
            if (calls.get() == 1) {
                throw new IllegalStateException("a handler failure is reported, not fatal");
            }
        })) {
            listener.thread().setUncaughtExceptionHandler((t, e) -> { });
            ProcessSignals.send(SELF, Signal.SIGCHLD);
            Thread handlerThread = thread.get(1, TimeUnit.MINUTES);
            assertTrue(handlerThread.isVirtual());
            assertEquals("jipc-signal-SIGCHLD", handlerThread.getName());
            while (second.getCount() > 0) {
                ProcessSignals.send(SELF, Signal.SIGCHLD);
                second.await(20, TimeUnit.MILLISECONDS);
            }
        }
        assertTrue(calls.get() >= 2);
    }

    @Test
    void anInterruptedExceptionOfTheHandlerIsReportedLikeAnyOtherWhileTheListenerIsOpen() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        CountDownLatch second = new CountDownLatch(2);
        try (SignalListener listener = SignalListener.start(Signal.SIGURG, (signal, deliveries) -> {
            second.countDown();
            if (second.getCount() == 1) {
                throw new InterruptedException("thrown by the handler, not by close");
            }
        })) {
            listener.thread().setUncaughtExceptionHandler((t, e) -> reported.complete(e));
            ProcessSignals.send(SELF, Signal.SIGURG);
            Throwable e = reported.get(1, TimeUnit.MINUTES);
            assertInstanceOf(InterruptedException.class, e);
            assertEquals("thrown by the handler, not by close", e.getMessage());
            while (second.getCount() > 0) {
                ProcessSignals.send(SELF, Signal.SIGURG);
                second.await(20, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void closeWaitsForTheRunningHandlerCallToEnd() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch closerWaits = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        SignalListener listener = SignalListener.start(Signal.SIGURG, (signal, deliveries) -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } finally {
                closerWaits.await();     // the interrupted call goes on until close is seen waiting for it
                ended.incrementAndGet();
            }
        });
        Thread closer = Thread.currentThread();
        Thread watcher = null;
        try {
            ProcessSignals.send(SELF, Signal.SIGURG);
            assertTrue(running.await(1, TimeUnit.MINUTES));
            watcher = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (closer.getState() != Thread.State.WAITING) {   // in close's join
                        Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    // the test went on without waiting
                } finally {
                    closerWaits.countDown();
                }
            });
        } finally {
            listener.close();
            if (watcher != null) {
                watcher.interrupt();
            }
        }
        assertEquals(1, ended.get(), "close returned after the interrupted call had ended");
        assertFalse(listener.thread().isAlive());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -42, 1L << 40})
    void pidsThatAddressGroupsOrNothingAreRefused(long pid) {
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(pid, Signal.SIGTERM));
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.sendToGroup(pid, Signal.SIGTERM));
        // the questions too, as their javadoc says: not a false, which would pass for an ended process
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.canSignal(pid));
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.processGroupOf(pid));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65, 1000})
    void signalNumbersOutOfRangeAreRefused(int number) {
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(SELF, number));
    }

    @Test
    void unknownSignalNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Signal.parse("SIGFOO"));
        assertThrows(IllegalArgumentException.class, () -> Signal.of(32));
        assertSame(Signal.SIGIO, Signal.parse("POLL"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "32", "99999999999", "2147483648", "000000000000000000099"})
    void numbersOutsideTheStandardSignalsAreRefusedNamingTheInput(String number) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signal.parse(" " + number + " "));
        assertEquals("no standard signal numbered " + number + " (1..31; real-time signals are sent by number)",
                e.getMessage());
    }

    @Test
    void numbersAreAsciiDigitsAndMayHaveLeadingZeros() {
        assertSame(Signal.SIGUSR1, Signal.parse("00000000000000000010"));
        assertSame(Signal.SIGUSR1, Signal.parse(" usr1 "));
        // Arabic-Indic digits "10": Character.isDigit would take them for SIGUSR1
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signal.parse("\u0661\u0660"));
        assertEquals("unknown signal '\u0661\u0660'", e.getMessage());
    }
}
