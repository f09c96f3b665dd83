package io.jipc.naming;

import io.jipc.ClosedException;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.ProcessIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link NameService} that every backend passes, within one process (the process
 * parts are in the backends' own tests). A subclass opens the backend; names are unique per test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class NameServiceContractTest {
    /** Long enough for a loaded machine; only a safety net. */
    protected static final Duration EVENT = Duration.ofSeconds(20);
    private static int counter;

    protected NameService names;
    private final List<NameService> opened = new ArrayList<>();
    private String prefix;

    /** Opens a new handle of the backend under test (same name space every time within a test). */
    protected abstract NameService openService();

    @BeforeEach
    void openNames() {
        names = track(openService());
        prefix = "contract" + ++counter + "/";
    }

    @AfterEach
    void cleanUp() {
        try (NameService cleaner = openService()) {
            for (NameEntry e : cleaner.list(prefix)) {
                if (e.lifetime() == Lifetime.PERSISTENT) {
                    cleaner.unregister(e.name());
                }
            }
        }
        opened.forEach(NameService::close);
    }

    protected NameService track(NameService service) {
        opened.add(service);
        return service;
    }

    protected String name(String suffix) {
        return prefix + suffix;
    }

    private static NameRecord record(String id) {
        return new NameRecord("mailbox", id, "addr-" + id, Map.of("role", "test"));
    }

    /** A call of the service under test. */
    protected interface Call {
        void on(NameService names) throws Throwable;
    }

    static Stream<Arguments> nullCalls() {
        NameRecord record = record("1");
        return Stream.of(
                Arguments.of("register(null, record)", "name", (Call) n -> n.register(null, record)),
                Arguments.of("register(name, null)", "what", (Call) n -> n.register("nulls", null)),
                Arguments.of("bind(null, record)", "name", (Call) n -> n.bind(null, record)),
                Arguments.of("bind(name, null)", "what", (Call) n -> n.bind("nulls", null)),
                Arguments.of("lookup(null)", "name", (Call) n -> n.lookup(null)),
                Arguments.of("lookupById(null, id)", "kind", (Call) n -> n.lookupById(null, "1")),
                Arguments.of("lookupById(kind, null)", "id", (Call) n -> n.lookupById("mailbox", null)),
                Arguments.of("unregister(null)", "name", (Call) n -> n.unregister(null)),
                Arguments.of("list(null)", "prefix", (Call) n -> n.list(null)),
                Arguments.of("watch(null, listener)", "prefix", (Call) n -> n.watch(null, e -> { })),
                Arguments.of("watch(prefix, null)", "listener", (Call) n -> n.watch("", null)),
                Arguments.of("awaitChange(null, timeout)", "prefix", (Call) n -> n.awaitChange(null, Duration.ZERO)),
                Arguments.of("awaitChange(prefix, null)", "timeout", (Call) n -> n.awaitChange("", null)),
                Arguments.of("NameService.open(null)", "uri", (Call) n -> NameService.open(null)));
    }

    /**
     * A null argument is a {@link NullPointerException} whose message is the parameter's name (a null
     * name too, not an {@code IllegalArgumentException} about the name 'null'; docs/architecture.md,
     * Argument errors), and nothing is registered.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nullCalls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(names), what);
        assertEquals(parameter, e.getMessage(), what);
        assertTrue(names.lookup("nulls").isEmpty(), what + " registered something");
    }

    @Test
    void aRegisteredNameIsFoundWithItsRecordOwnerAndLifetime() {
        Instant before = Instant.now().minusSeconds(1);
        try (Registration r = names.register(name("echo"), record("1"))) {
            assertTrue(r.isHeld());
            NameEntry e = names.lookup(name("echo")).orElseThrow();
            assertEquals(name("echo"), e.name());
            assertEquals(record("1"), e.record());
            assertEquals(Lifetime.OWNER, e.lifetime());
            assertEquals(Liveness.ALIVE, e.liveness());
            assertEquals(ProcessIdentity.current().pid(), e.owner().pid());
            assertEquals(ProcessIdentity.current().startTime(), e.owner().startTime());
            assertTrue(e.registeredAt().isAfter(before), e.toString());
            assertTrue(e.sameRegistration(r.entry()));
        }
    }

    @Test
    void aNameHeldCannotBeRegisteredAgainAndTheExceptionNamesTheOwnerPid() {
        try (Registration r = names.register(name("taken"), record("1"))) {
            NameTakenException e = assertThrows(NameTakenException.class,
                    () -> names.register(name("taken"), record("2")));
            assertEquals(ProcessIdentity.current().pid(), e.ownerPid());
            assertTrue(e.getMessage().contains("pid " + ProcessIdentity.current().pid()), e.getMessage());
            assertTrue(e.holder().sameRegistration(r.entry()));
            try (NameService other = openService()) {
                assertThrows(NameTakenException.class, () -> other.register(name("taken"), record("3")));
                assertThrows(NameTakenException.class, () -> other.bind(name("taken"), record("3")));
            }
            assertEquals("1", names.lookup(name("taken")).orElseThrow().record().id());
        }
    }

    @Test
    void closingARegistrationFreesTheNameForTheNextOwner() {
        Registration first = names.register(name("cycle"), record("1"));
        first.close();
        assertFalse(first.isHeld());
        assertTrue(names.lookup(name("cycle")).isEmpty());
        first.close(); // idempotent
        try (Registration second = names.register(name("cycle"), record("2"))) {
            assertEquals("2", names.lookup(name("cycle")).orElseThrow().record().id());
            assertNotEquals(first.entry().serial(), second.entry().serial());
            first.close(); // a stale handle does not remove the new owner's name
            assertTrue(second.isHeld());
        }
    }

    @Test
    void closingTheServiceUnregistersItsNamesButNotItsBoundNames() {
        NameService service = openService();
        service.register(name("ephemeral"), record("1"));
        service.bind(name("persistent"), record("2"));
        service.close();
        assertThrows(ClosedException.class, () -> service.lookup(name("ephemeral")));
        assertTrue(names.lookup(name("ephemeral")).isEmpty());
        NameEntry bound = names.lookup(name("persistent")).orElseThrow();
        assertEquals(Lifetime.PERSISTENT, bound.lifetime());
        assertTrue(names.unregister(name("persistent")));
        assertFalse(names.unregister(name("persistent")));
        assertTrue(names.lookup(name("persistent")).isEmpty());
    }

    @Test
    void aBoundNameCannotBeBoundOrRegisteredAgain() {
        names.bind(name("box"), record("1"));
        assertThrows(NameTakenException.class, () -> names.bind(name("box"), record("2")));
        assertThrows(NameTakenException.class, () -> names.register(name("box"), record("2")));
        assertTrue(names.unregister(name("box")));
        names.bind(name("box"), record("3"));
        assertEquals("3", names.lookup(name("box")).orElseThrow().record().id());
    }

    @Test
    void unregisterRemovesANameOfThisProcess() {
        Registration r = names.register(name("mine"), record("1"));
        assertTrue(names.unregister(name("mine")));
        assertFalse(r.isHeld());
        assertFalse(names.unregister(name("mine")));
        r.close();
    }

    @Test
    void listReturnsTheNamesUnderAPrefixSortedByName() {
        try (Registration b = names.register(name("svc/b"), record("b"));
             Registration a = names.register(name("svc/a"), record("a"));
             Registration other = names.register(name("other"), record("o"))) {
            names.bind(name("svc/c"), record("c"));
            assertEquals(List.of(name("svc/a"), name("svc/b"), name("svc/c")),
                    names.list(name("svc/")).stream().map(NameEntry::name).toList());
            assertEquals(4, names.list(prefix).size());
            assertEquals(List.of(), names.list(name("nothing")));
            assertTrue(names.list("").size() >= 4);
        }
    }

    @Test
    void lookupByIdFindsTheNameOfAnObject() {
        try (Registration r = names.register(name("by-id"), new NameRecord("queue", "id-42", "q", Map.of()))) {
            assertEquals(name("by-id"), names.lookupById("queue", "id-42").orElseThrow().name());
            assertTrue(names.lookupById("queue", "id-43").isEmpty());
            assertTrue(names.lookupById("mailbox", "id-42").isEmpty());
        }
    }

    @Test
    void recordsKeepEveryCharacterOfTheirStrings() {
        Map<String, String> attributes = Map.of("a=b", "x%y", "line", "one\ntwo\r\n", "unicode", "żółw ✓ 🐢",
                "empty", "");
        NameRecord tricky = new NameRecord("k=ind%", "", "host:80\t/path", attributes);
        try (Registration r = names.register(name("tricky"), tricky)) {
            assertEquals(tricky, names.lookup(name("tricky")).orElseThrow().record());
        }
    }

    @Test
    void aRecordTooLargeIsRefused() {
        String big = "x".repeat(20_000);
        assertThrows(IllegalArgumentException.class, () -> names.register(name("big"), NameRecord.of("k", big, "")));
        assertTrue(names.lookup(name("big")).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "/lead", ".hidden", "-dash", "semi;colon", "per%cent", "tab\t",
            "ünicode", "back\\slash", "star*"})
    void invalidNamesAreRefused(String bad) {
        assertThrows(IllegalArgumentException.class, () -> names.register(bad, record("1")));
        assertThrows(IllegalArgumentException.class, () -> names.lookup(bad));
    }

    /** The refusal quotes the name with its invisible characters escaped, and cuts a long one (Printable). */
    @Test
    void aRefusedNameIsShownWithItsInvisibleCharactersEscaped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> names.register("a\0b\nc", record("1")));
        assertTrue(e.getMessage().endsWith("'a\\u0000b\\u000ac' has '\\u0000' at 1"), e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
        String huge = "x".repeat(1_000_000);
        e = assertThrows(IllegalArgumentException.class, () -> names.lookup(huge));
        assertTrue(e.getMessage().length() < 1_000 && e.getMessage().endsWith("(1000000 characters)"), e.getMessage());
    }

    @Test
    void aNameOfTheLongestLengthWorks() {
        String longest = name("x".repeat(NameSyntax.MAX_LENGTH - prefix.length() - 1));
        assertEquals(NameSyntax.MAX_LENGTH - 1, longest.length());
        try (Registration r = names.register(longest + "y", record("1"))) {
            assertTrue(names.lookup(longest + "y").isPresent());
        }
        assertThrows(IllegalArgumentException.class, () -> names.register(longest + "yz", record("1")));
    }

    /** A register with an interrupt pending is made (whole) and keeps the interrupt, with every backend. */
    @Test
    void aRegisterWithAnInterruptPendingIsMadeAndKeepsTheInterrupt() {
        Thread.currentThread().interrupt();
        Registration registration;
        try {
            registration = names.register(name("interrupted"), record("i-1"));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        }
        try (Registration r = registration) {
            assertTrue(r.isHeld());
            assertTrue(names.lookup(name("interrupted")).isPresent());
        }
        assertFalse(names.lookup(name("interrupted")).isPresent());
    }

    /**
     * Every other operation with an interrupt pending is carried out too, and keeps the interrupt:
     * naming calls are short, and one given up half-way (a removal ZooKeeper carried out while the
     * caller stopped waiting) would leave the caller wrong about the name.
     */
    @Test
    void operationsWithAnInterruptPendingAreCarriedOutAndKeepTheInterrupt() {
        Registration registration = names.register(name("pending/held"), record("h"));
        List<String> failures = new ArrayList<>();
        java.util.function.BiConsumer<String, Runnable> interrupted = (what, operation) -> {
            Thread.currentThread().interrupt();
            try {
                operation.run();
            } catch (RuntimeException | AssertionError e) {
                failures.add(what + ": " + e);
            } finally {
                if (!Thread.interrupted()) {
                    failures.add(what + ": the interrupt was not kept");
                }
            }
        };
        interrupted.accept("lookup", () -> assertTrue(names.lookup(name("pending/held")).isPresent()));
        interrupted.accept("list", () -> assertEquals(1, names.list(name("pending/")).size()));
        interrupted.accept("bind", () -> names.bind(name("pending/bound"), record("b")));
        interrupted.accept("unregister", () -> assertTrue(names.unregister(name("pending/bound"))));
        interrupted.accept("isHeld", () -> assertTrue(registration.isHeld()));
        interrupted.accept("close", registration::close);
        assertEquals(List.of(), failures);
        assertFalse(names.lookup(name("pending/held")).isPresent());
        assertFalse(names.lookup(name("pending/bound")).isPresent());
    }

    @Test
    void aWatchReportsRegistrationsAndRemovalsUnderItsPrefix() throws InterruptedException {
        NullPointerException noListener = assertThrows(NullPointerException.class, () -> names.watch(name("w/"), null));
        assertEquals("listener", noListener.getMessage(), "refused at once, not a warning at every event");
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = names.watch(name("w/"), events::add)) {
            assertEquals(name("w/"), watch.prefix());
            try (NameService other = openService()) {
                other.register(name("elsewhere"), record("0"));
                Registration r = other.register(name("w/one"), record("1"));
                NameEvent registered = next(events);
                assertEquals(NameEvent.Type.REGISTERED, registered.type());
                assertEquals(name("w/one"), registered.name());
                assertEquals("1", registered.entry().record().id());
                r.close();
                NameEvent unregistered = next(events);
                assertEquals(NameEvent.Type.UNREGISTERED, unregistered.type());
                assertEquals(name("w/one"), unregistered.name());
                other.bind(name("w/two"), record("2"));
                assertEquals(new Pair(NameEvent.Type.REGISTERED, name("w/two")), Pair.of(next(events)));
                assertTrue(other.unregister(name("w/two")));
                assertEquals(new Pair(NameEvent.Type.UNREGISTERED, name("w/two")), Pair.of(next(events)));
            }
        }
        assertTrue(events.isEmpty(), events.toString());
    }

    @Test
    void closingTheOwnersServiceIsReportedToAWatch() throws InterruptedException {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = names.watch(name("closing"), events::add)) {
            NameService owner = openService();
            owner.register(name("closing"), record("1"));
            assertEquals(new Pair(NameEvent.Type.REGISTERED, name("closing")), Pair.of(next(events)));
            owner.close();
            assertEquals(new Pair(NameEvent.Type.UNREGISTERED, name("closing")), Pair.of(next(events)));
        }
    }

    @Test
    void aClosedWatchReportsNothingMore() throws InterruptedException {
        BlockingQueue<NameEvent> closedEvents = new LinkedBlockingQueue<>();
        BlockingQueue<NameEvent> openEvents = new LinkedBlockingQueue<>();
        Watch closed = names.watch(name("quiet"), closedEvents::add);
        closed.close();
        closed.close();
        try (Watch open = names.watch(name("quiet"), openEvents::add);
             Registration r = names.register(name("quiet"), record("1"))) {
            // the watch still open saw the change, so the closed one would have by now
            assertEquals(name("quiet"), next(openEvents).name());
        }
        assertTrue(closedEvents.isEmpty(), closedEvents.toString());
    }

    /**
     * A close from the listener itself returns at once, and the listener is not called again after
     * that call, although the watch had more to report from the same step: a name closed and
     * registered again while the watch was busy is reported as UNREGISTERED then REGISTERED from one
     * step, and both backends called the listener with that REGISTERED after the close made from the
     * UNREGISTERED had returned.
     */
    @Test
    void aCloseFromTheListenerEndsTheCallsOnceItsCallReturns() throws Exception {
        NameService other = track(openService());
        Registration first = other.register(name("r/replaced"), record("1"));
        CountDownLatch gateEntered = new CountDownLatch(1);
        CountDownLatch gateRelease = new CountDownLatch(1);
        CountDownLatch closedInListener = new CountDownLatch(1);
        AtomicReference<Watch> watch = new AtomicReference<>();
        AtomicBoolean closeReturned = new AtomicBoolean();
        List<Pair> calls = new CopyOnWriteArrayList<>();
        List<Pair> late = new CopyOnWriteArrayList<>();
        watch.set(names.watch(name("r/"), e -> {
            if (closeReturned.get()) {
                late.add(Pair.of(e));
                return;
            }
            calls.add(Pair.of(e));
            if (e.name().equals(name("r/gate"))) { // the watch is busy while the name is replaced
                gateEntered.countDown();
                await(gateRelease);
            } else if (e.type() == NameEvent.Type.UNREGISTERED) {
                watch.get().close();
                closeReturned.set(true);
                closedInListener.countDown();
            }
        }));
        Thread worker = watchThread(name("r/"));
        other.register(name("r/gate"), record("g"));
        await(gateEntered);
        first.close();
        other.register(name("r/replaced"), record("2"));
        gateRelease.countDown();
        await(closedInListener);
        worker.join(EVENT.toMillis()); // a hang guard: the thread ends after the close
        assertFalse(worker.isAlive(), "the watch's thread still runs after its close");
        assertEquals(List.of(), late, "calls after the close returned");
        assertEquals(List.of(new Pair(NameEvent.Type.REGISTERED, name("r/gate")),
                new Pair(NameEvent.Type.UNREGISTERED, name("r/replaced"))), calls);
    }

    /**
     * A close from another thread while the listener is busy waits for that call, without a time
     * limit, and no call follows (the ZooKeeper backend waited 10 s, returned while the listener still
     * ran, and could then call it again). No duration is asserted: the closer is seen waiting in the
     * close itself with the listener held, and close has not returned then.
     */
    @Test
    void aCloseWaitsForTheListenerCallInProgressAndNoCallFollows() throws Exception {
        NameService other = track(openService());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean closeReturned = new AtomicBoolean();
        List<String> late = new CopyOnWriteArrayList<>();
        Watch watch = names.watch(name("busy/"), e -> {
            if (closeReturned.get()) {
                late.add("called after close returned: " + Pair.of(e));
            }
            if (e.name().equals(name("busy/1"))) {
                entered.countDown();
                await(release);
                if (closeReturned.get()) {
                    late.add("close returned while the listener was busy");
                }
            }
        });
        Thread worker = watchThread(name("busy/"));
        other.register(name("busy/1"), record("1"));
        await(entered);
        other.register(name("busy/2"), record("2")); // behind the busy call: reported, if ever, before close returns
        Thread closer = closeInAThread(watch::close, () -> { }, closeReturned);
        awaitWaitingInClose(closer, List.of(watch), closeReturned);
        assertFalse(closeReturned.get(), "close returned while the listener was busy");
        release.countDown();
        closer.join(EVENT.toMillis()); // a hang guard
        assertFalse(closer.isAlive(), "close did not return after the listener did");
        worker.join(EVENT.toMillis());
        assertFalse(worker.isAlive(), "the watch's thread still runs after its close");
        assertEquals(List.of(), late);
    }

    /**
     * Closing the service with two busy listeners and two idle watches: every watch is stopped before
     * either call is waited for, so the idle watches end while the busy calls are waited for, no
     * listener call starts once the close waits, and the close returns only after both calls returned
     * (the ZooKeeper backend waited 10 s per busy watch, one after the other, and returned with both
     * still running).
     */
    @Test
    void closingTheServiceWaitsForEveryBusyListenerAndNoCallFollows() throws Exception {
        NameService service = track(openService());
        NameService other = track(openService());
        List<String> busy = List.of(name("busyA/"), name("busyB/"));
        List<String> idle = List.of(name("idleC/"), name("idleD/"));
        Map<String, CountDownLatch> entered = Map.of(busy.get(0), new CountDownLatch(1),
                busy.get(1), new CountDownLatch(1));
        Map<String, CountDownLatch> release = Map.of(busy.get(0), new CountDownLatch(1),
                busy.get(1), new CountDownLatch(1));
        AtomicBoolean closeWaits = new AtomicBoolean();
        AtomicBoolean closeReturned = new AtomicBoolean();
        List<String> late = new CopyOnWriteArrayList<>();
        List<Watch> watches = new ArrayList<>();
        Map<String, Thread> workers = new LinkedHashMap<>();
        for (String p : busy) {
            watches.add(service.watch(p, e -> {
                if (closeWaits.get()) {
                    late.add("called while the service's close waited: " + Pair.of(e));
                }
                if (e.name().equals(p + "1")) {
                    entered.get(p).countDown();
                    await(release.get(p));
                    if (closeReturned.get()) {
                        late.add("close returned while the listener of " + p + " was busy");
                    }
                }
            }));
            workers.put(p, watchThread(p));
        }
        for (String p : idle) {
            watches.add(service.watch(p, e -> late.add("called: " + Pair.of(e))));
            workers.put(p, watchThread(p));
        }
        for (String p : busy) {
            other.register(p + "1", record("1"));
            await(entered.get(p));
            other.register(p + "2", record("2")); // behind the busy call
        }
        Thread closer = closeInAThread(service::close, () -> { }, closeReturned);
        awaitWaitingInClose(closer, watches, closeReturned);
        closeWaits.set(true);
        for (String p : idle) { // stopped with the others, not after the busy calls returned
            workers.get(p).join(EVENT.toMillis()); // a hang guard
            assertFalse(workers.get(p).isAlive(), "the watch of " + p + " runs on while the close waits for a listener");
        }
        assertFalse(closeReturned.get(), "close returned while the listeners were busy");
        for (String p : busy) {
            release.get(p).countDown();
        }
        closer.join(EVENT.toMillis()); // a hang guard
        assertFalse(closer.isAlive(), "close did not return after the listeners did");
        for (Thread worker : workers.values()) {
            worker.join(EVENT.toMillis());
            assertFalse(worker.isAlive(), worker + " still runs after the service closed");
        }
        assertEquals(List.of(), late);
    }

    /**
     * A close of the service racing one that waits for a busy listener returns only after that
     * call did (it returned at once while the listener still ran, both backends, until 2026-12-06).
     * No duration is asserted: the racing closer is seen waiting in the service's close while the
     * listener is held, and has not returned then.
     */
    @Test
    void aRacingCloseOfTheServiceReturnsOnlyAfterTheBusyListenerDid() throws Exception {
        NameService service = track(openService());
        NameService other = track(openService());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean busy = new AtomicBoolean();
        AtomicBoolean firstReturned = new AtomicBoolean();
        AtomicBoolean racingReturned = new AtomicBoolean();
        List<String> late = new CopyOnWriteArrayList<>();
        Watch watch = service.watch(name("race/"), e -> {
            busy.set(true);
            entered.countDown();
            await(release);
            busy.set(false);
        });
        other.register(name("race/1"), record("1"));
        await(entered);
        Thread first = closeInAThread(service::close, () -> { }, firstReturned);
        awaitWaitingInClose(first, List.of(watch), firstReturned);
        Thread racing = closeInAThread(service::close, () -> {
            if (busy.get()) {
                late.add("the racing close returned while the listener was busy");
            }
        }, racingReturned);
        awaitWaitingInServiceClose(racing, racingReturned);
        assertFalse(racingReturned.get(), "the racing close returned while the listener was busy: " + late);
        release.countDown();
        for (Thread closer : List.of(first, racing)) {
            closer.join(EVENT.toMillis()); // a hang guard
            assertFalse(closer.isAlive(), "close did not return after the listener did");
        }
        assertEquals(List.of(), late);
    }

    /**
     * A listener that closes the service while another thread's close waits for that very call does
     * not wait for that close (which would wait for it in turn: a deadlock); both closes return once
     * the listener did.
     */
    @Test
    void aListenerClosingTheServiceWhileAnotherCloseWaitsForItDoesNotDeadlock() throws Exception {
        NameService service = track(openService());
        NameService other = track(openService());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch listenerClosed = new CountDownLatch(1);
        AtomicBoolean listenerReturned = new AtomicBoolean();
        AtomicBoolean closeReturned = new AtomicBoolean();
        List<String> late = new CopyOnWriteArrayList<>();
        Watch watch = service.watch(name("self/"), e -> {
            if (!e.name().equals(name("self/1"))) {
                late.add("called again: " + Pair.of(e));
                return;
            }
            entered.countDown();
            await(release);
            service.close(); // the other thread's close waits for this call
            listenerClosed.countDown();
            listenerReturned.set(true);
        });
        other.register(name("self/1"), record("1"));
        await(entered);
        Thread closer = closeInAThread(service::close, () -> {
            if (!listenerReturned.get()) {
                late.add("the close returned before the listener did");
            }
        }, closeReturned);
        awaitWaitingInClose(closer, List.of(watch), closeReturned);
        other.register(name("self/2"), record("2")); // not reported: the watch is stopped
        release.countDown();
        assertTrue(listenerClosed.await(EVENT.toMillis(), TimeUnit.MILLISECONDS),
                "the listener's close waits for the close that waits for the listener");
        closer.join(EVENT.toMillis()); // a hang guard
        assertFalse(closer.isAlive(), "close did not return after the listener did");
        assertEquals(List.of(), late);
    }

    /**
     * A listener closes the service, then stays busy: a close from another thread meanwhile returns
     * only once that call did, as {@link Watch#close()} racing a listener's own close does.
     */
    @Test
    void aCloseRacingAListenersCloseOfTheServiceReturnsOnlyAfterThatListenerDid() throws Exception {
        NameService service = track(openService());
        NameService other = track(openService());
        CountDownLatch closedByListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean busy = new AtomicBoolean();
        AtomicBoolean closeReturned = new AtomicBoolean();
        List<String> late = new CopyOnWriteArrayList<>();
        Watch watch = service.watch(name("first/"), e -> {
            busy.set(true);
            service.close();
            closedByListener.countDown();
            await(release);
            busy.set(false);
        });
        other.register(name("first/1"), record("1"));
        await(closedByListener);
        Thread closer = closeInAThread(service::close, () -> {
            if (busy.get()) {
                late.add("the close returned while the listener that closed the service was busy");
            }
        }, closeReturned);
        awaitWaitingInClose(closer, List.of(watch), closeReturned);
        assertFalse(closeReturned.get(), "close returned while the listener was busy: " + late);
        release.countDown();
        closer.join(EVENT.toMillis()); // a hang guard
        assertFalse(closer.isAlive(), "close did not return after the listener did");
        assertEquals(List.of(), late);
    }

    /**
     * Starts a platform thread that runs {@code close}, then {@code check} (which records what it
     * finds when the close has returned), then sets {@code returned}.
     */
    private static Thread closeInAThread(Runnable close, Runnable check, AtomicBoolean returned) {
        return Thread.ofPlatform().start(() -> {
            close.run();
            check.run();
            returned.set(true);
        });
    }

    /**
     * The thread of the running watch of {@code prefix}: both backends name it
     * {@code ...name-watch-<prefix>}; a backend naming it otherwise overrides this.
     */
    protected Thread watchThread(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().endsWith("name-watch-" + prefix) && t.isAlive())
                .findFirst().orElseThrow(() -> new AssertionError("no thread of the watch of " + prefix));
    }

    /**
     * Waits (polling, a hang guard of {@link #EVENT}) until {@code closer} waits without a time limit
     * in the {@code close} of one of {@code watches} itself (not in a call that close makes), or
     * {@code returned} is set.
     */
    private static void awaitWaitingInClose(Thread closer, List<Watch> watches, AtomicBoolean returned)
            throws InterruptedException {
        Set<String> classes = watches.stream().map(w -> w.getClass().getName()).collect(Collectors.toSet());
        long deadline = System.nanoTime() + EVENT.toNanos();
        while (!returned.get()) {
            Thread.State state = closer.getState();
            if (state == Thread.State.WAITING || state == Thread.State.BLOCKED) {
                Optional<StackTraceElement> in = Arrays.stream(closer.getStackTrace())
                        .filter(f -> classes.contains(f.getClassName())).findFirst();
                if (in.isPresent() && in.get().getMethodName().equals("close") && closer.getState() == state) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the closing thread is not seen waiting in a watch's close: " + state + " "
                        + Arrays.toString(closer.getStackTrace()));
            }
            Thread.sleep(10);
        }
    }

    /**
     * Waits (polling, a hang guard of {@link #EVENT}) until {@code closer} waits without a time limit
     * in a name service's {@code close} (in a method it calls, not in a watch's close), or
     * {@code returned} is set.
     */
    private static void awaitWaitingInServiceClose(Thread closer, AtomicBoolean returned) throws InterruptedException {
        long deadline = System.nanoTime() + EVENT.toNanos();
        while (!returned.get()) {
            Thread.State state = closer.getState();
            if (state == Thread.State.WAITING || state == Thread.State.BLOCKED) {
                boolean inServiceClose = false;
                for (StackTraceElement f : closer.getStackTrace()) {
                    if (f.getMethodName().equals("close") && isNameService(f.getClassName())) {
                        inServiceClose = true;
                        break;
                    }
                    if (isWatch(f.getClassName())) {
                        break;
                    }
                }
                if (inServiceClose && closer.getState() == state) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the closing thread is not seen waiting in the service's close: " + state + " "
                        + Arrays.toString(closer.getStackTrace()));
            }
            Thread.sleep(10);
        }
    }

    private static boolean isNameService(String className) {
        return implementing(NameService.class, className);
    }

    private static boolean isWatch(String className) {
        return implementing(Watch.class, className);
    }

    private static boolean implementing(Class<?> type, String className) {
        try {
            return type.isAssignableFrom(Class.forName(className, false, NameServiceContractTest.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Awaits {@code latch} in a listener or test, with a hang guard: twice {@link #EVENT}, longer than
     * the test's own guards, so that a listener held by the test is not let go before the test fails.
     */
    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(2 * EVENT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("not reached within " + EVENT.multipliedBy(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Test
    void awaitChangeReturnsTheNextChangeOrEmptyAfterTheTimeout() throws Exception {
        assertEquals(Optional.empty(), names.awaitChange(name("await"), Duration.ofMillis(50)));
        Thread registrar = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            names.bind(name("await/x"), record("1"));
        });
        // a timeout of centuries is no deadline, not an overflow (the class's @Timeout bounds a hang)
        Optional<NameEvent> change = names.awaitChange(name("await"), Duration.ofSeconds(Long.MAX_VALUE));
        registrar.join();
        assertEquals(name("await/x"), change.orElseThrow().name());
        assertEquals(NameEvent.Type.REGISTERED, change.get().type());
    }

    /**
     * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts"): awaitChange
     * never completes at once (a change made before the call is not reported), so with an interrupt
     * pending it throws InterruptedException and clears the status, whatever the timeout (also zero
     * or negative, which would return empty), and leaves nothing waiting. A 30 s timeout returns at
     * once because it throws. The other calls do not wait and keep the interrupt (tests above).
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void anInterruptedAwaitChangeThrows(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Registration r = names.register(name("pending/x"), record("1"))) {
            throwsInterrupted(() -> names.awaitChange(name("pending"), timeout));
        } finally {
            Thread.interrupted();
        }
        assertEquals(Optional.empty(), names.awaitChange(name("pending"), Duration.ZERO), "usable afterwards");
    }

    @Test
    void closingTheServiceEndsAWaitingAwaitChangeWithClosedException() throws Exception {
        NameService service = openService();
        BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
        Thread waiter = Thread.ofPlatform().start(() -> outcome.add(awaitOutcome(service)));
        while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
            Thread.sleep(5);
        }
        Thread.sleep(200); // well inside the wait
        service.close();
        Object ended = outcome.poll(20, TimeUnit.SECONDS);
        assertTrue(ended instanceof ClosedException, "the waiting call ended with " + ended);
        assertThrows(ClosedException.class, () -> service.awaitChange(name("closed"), Duration.ofSeconds(1)));
    }

    @Test
    void aCloseAtAnyMomentOfAnAwaitChangeEndsIt() throws Exception {
        for (int round = 0; round < 10; round++) {
            NameService service = openService();
            BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
            Thread waiter = Thread.ofPlatform().start(() -> outcome.add(awaitOutcome(service)));
            Thread.sleep(round * 3L);
            service.close();
            Object ended = outcome.poll(20, TimeUnit.SECONDS);
            assertTrue(ended instanceof ClosedException, "round " + round + ": the call ended with " + ended);
            waiter.join();
        }
    }

    /** What {@code awaitChange} of a prefix nobody changes, for minutes, ended with: its result or exception. */
    private Object awaitOutcome(NameService service) {
        try {
            return service.awaitChange(name("untouched"), Duration.ofMinutes(10));
        } catch (Exception e) {
            return e;
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheWatch() throws InterruptedException {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = names.watch(name("throws"), e -> {
            events.add(e);
            throw new IllegalStateException("listener failure (expected by the test)");
        })) {
            names.bind(name("throws1"), record("1"));
            next(events);
            names.bind(name("throws2"), record("2"));
            assertEquals(name("throws2"), next(events).name());
        }
    }

    protected static NameEvent next(BlockingQueue<NameEvent> events) throws InterruptedException {
        NameEvent event = events.poll(EVENT.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new AssertionError("no name event within " + EVENT);
        }
        return event;
    }

    /** Type and name of an event, for assertions. */
    protected record Pair(NameEvent.Type type, String name) {
        static Pair of(NameEvent event) {
            return new Pair(event.type(), event.name());
        }
    }
}
