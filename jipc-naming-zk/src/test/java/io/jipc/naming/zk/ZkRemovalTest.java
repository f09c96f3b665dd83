package io.jipc.naming.zk;

import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How names leave ZooKeeper: unregistered through another service of the owning process, closed while
 * the ensemble cannot be reached (one registration, or the whole service), and how often a registration
 * watches its node after reconnections.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZkRemovalTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final NameRecord RECORD = NameRecord.of("test", "1", "somewhere");

    @TempDir
    Path home;

    private static ZkNameService open(TestingServer server, String query) {
        return (ZkNameService) NameService.open(URI.create("zk://" + server.getConnectString() + "/jipc-removal" + query));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        ZkTestServers.await(what, PATIENCE, condition);
    }

    /**
     * Returns once every watch event {@code names} received before now has been handled and the
     * recovery work it started has run: the ZooKeeper client delivers a watch event before the
     * answer to a later read, on the same thread, and recovery runs tasks in order.
     */
    private static void settle(ZkNameService names, String name) throws Exception {
        CountDownLatch settled = new CountDownLatch(1);
        names.client().checkExists().inBackground((client, event) -> names.recover(settled::countDown))
                .forPath(ZkNameService.pathOf(name));
        assertTrue(settled.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void aNameUnregisteredThroughAnotherServiceOfTheProcessStaysUnregistered() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService owner = open(server, "");
             ZkNameService other = open(server, "")) {
            Registration registration = owner.register("svc/unregistered", RECORD);
            assertTrue(other.unregister("svc/unregistered"), "a name of this process");
            settle(owner, "svc/unregistered");
            assertEquals(List.of(), other.list("svc/"), "the owner took its name back");
            assertFalse(registration.isHeld());
            assertFalse(registration.lost().isDone(), "unregistering is not losing");
            registration.close(); // nothing left to remove
            try (Registration again = other.register("svc/unregistered", RECORD)) {
                assertTrue(again.isHeld());
            }
        }
    }

    @Test
    void aRegistrationClosedWhileTheEnsembleIsUnreachableIsRemovedWhenItIsBack() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "?session=60s")) {
            Registration registration = names.register("svc/closed-offline", RECORD);
            long session = names.sessionId();
            server.stop();
            await("the client noticed", () -> !names.connected());
            registration.close();
            assertFalse(registration.isHeld());
            server.restart();
            await("the node removed", () -> {
                try {
                    return names.lookup("svc/closed-offline").isEmpty();
                } catch (RuntimeException stillReconnecting) {
                    return false;
                }
            });
            assertEquals(session, names.sessionId(), "removed by the registration, not by an expired session");
        }
    }

    /**
     * A closed watch, and an awaitChange, leave no ZooKeeper watch in the session: Curator set a
     * namespaced client's watch under {@code /names} and looked for it under {@code /<chroot>/names}
     * to remove it, so each stayed, was set again at every reconnection, and was handed every event
     * of the chroot.
     */
    @Test
    void aClosedWatchLeavesNoZooKeeperWatch() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "")) {
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            try (Watch watch = names.watch("svc/", events::add);
                 Registration registration = names.register("svc/watched", RECORD)) {
                NameEvent event = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals("svc/watched", event == null ? null : event.name(), "the watch works");
            }
            assertTrue(names.awaitChange("svc/", Duration.ofMillis(1)).isEmpty());
            assertThrows(KeeperException.NoWatcherException.class, () -> names.client().watchers().removeAll()
                    .ofType(Watcher.WatcherType.Any).locally().forPath(ZkNameService.NAMES));
        }
    }

    /** Deletes {@code /<chroot>/names/<nodes...>}, {@code /<chroot>/names} and {@code /<chroot>} at once (deleteall). */
    private static void deleteChroot(TestingServer server, String chroot, String... names) throws Exception {
        try (CuratorFramework operator = CuratorFrameworkFactory.newClient(server.getConnectString(),
                new RetryOneTime(100))) {
            operator.start();
            List<org.apache.curator.framework.api.transaction.CuratorOp> deletes = new ArrayList<>();
            for (String name : names) {
                deletes.add(operator.transactionOp().delete().forPath("/" + chroot + ZkNameService.pathOf(name)));
            }
            deletes.add(operator.transactionOp().delete().forPath("/" + chroot + ZkNameService.NAMES));
            deletes.add(operator.transactionOp().delete().forPath("/" + chroot));
            operator.transaction().forOperations(deletes);
        }
    }

    /**
     * The chroot deleted behind the service's back (an operator's {@code deleteall /<chroot>}): its
     * registration is re-registered (it was lost, with a NoNodeException), and later registrations and
     * binds make the chroot again (they all failed until the service was reopened). A watch reports the
     * removal and the re-registration, or neither when its thread read the name only once it was back
     * (a fresh-clone run under load, 2026-12-06: neither came, and the test, which required both, failed).
     */
    @Test
    void aChrootDeletedBehindTheServicesBackIsMadeAgain() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "");
             NameService observer = open(server, "")) {
            Registration held = names.register("svc/held", RECORD);
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            try (Watch watch = names.watch("svc/", events::add)) {
                deleteChroot(server, "jipc-removal", "svc/held");
                // the removal and the re-registration are UNREGISTERED then REGISTERED, or neither if the
                // watch's thread read the name only once it was back (docs/naming.md, Watches): a marker
                // registered once it is back, whose event comes after theirs, tells which
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while (!observer.lookup("svc/held").map(e -> e.sameRegistration(held.entry())).orElse(false)) {
                    assertTrue(System.nanoTime() - deadline < 0, "svc/held was not registered again");
                    Thread.sleep(10);
                }
                List<NameEvent.Type> seen = new ArrayList<>();
                try (Registration marker = names.register("svc/marker", RECORD)) {
                    for (NameEvent e; (e = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) != null
                            && !e.name().equals("svc/marker"); ) {
                        assertEquals("svc/held", e.name());
                        seen.add(e.type());
                    }
                }
                assertTrue(seen.isEmpty() || seen.equals(List.of(NameEvent.Type.UNREGISTERED,
                        NameEvent.Type.REGISTERED)), "the held name's events: " + seen);
                NameEvent markerGone = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals("svc/marker", markerGone == null ? null : markerGone.name());
                assertTrue(held.isHeld());
                assertFalse(held.lost().isDone(), () -> "lost: " + held.lost().join());
                assertTrue(observer.lookup("svc/held").orElseThrow().sameRegistration(held.entry()));
                held.close();
                NameEvent closed = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals("svc/held", closed == null ? null : closed.name());
                // no registration left to make it again: the next register and bind do
                deleteChroot(server, "jipc-removal");
                try (Registration fresh = names.register("svc/fresh", RECORD)) {
                    assertTrue(fresh.isHeld());
                    assertEquals("svc/fresh", events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).name());
                }
                deleteChroot(server, "jipc-removal");
                names.bind("svc/bound", RECORD);
                assertTrue(observer.lookup("svc/bound").isPresent());
                assertTrue(names.unregister("svc/bound"));
            }
        }
    }

    /**
     * A registration closed while its re-registration after a reconnection waits for an answer that
     * does not come (a connection that passed its handshake and then went silent) returns at once, and
     * isHeld() too: both waited for the re-registration's read, through Curator's retries of two thirds
     * of the session timeout each (37 s in the explorer's run; minutes here, at session=60s). The node
     * is removed once the ensemble answers again.
     */
    @Test
    void aRegistrationClosedWhileItsReRegistrationWaitsOnASilentConnectionDoesNotWaitForIt() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkSilentProxy proxy = new ZkSilentProxy(server.getPort());
             NameService observer = open(server, "")) {
            ZkNameService names = (ZkNameService) NameService.open(URI.create("zk://" + proxy.connectString()
                    + "/jipc-removal?session=60s"));
            try {
                Registration registration = names.register("svc/silent", RECORD);
                proxy.silent(true);
                proxy.dropAll();
                await("the re-registration after the reconnection waits for its read",
                        () -> proxy.swallowed(ZkSilentProxy.GET_DATA, "/jipc-removal/names/svc%silent"));
                CompletableFuture<Boolean> closed = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> {
                    registration.close();
                    closed.complete(registration.isHeld());
                });
                // a hang guard: the re-registration waits far longer
                assertFalse(closed.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "held after close");
                assertTrue(observer.lookup("svc/silent").isPresent(), "removed before the ensemble answered?");
                proxy.silent(false);
                proxy.dropAll();
                await("the node removed once the ensemble answers", () -> observer.lookup("svc/silent").isEmpty());
            } finally {
                names.close();
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // removing each name while unreachable took ~13 s each
    void aServiceClosedWhileTheEnsembleIsUnreachableLeavesItsNamesToItsSession() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             NameService observer = open(server, "")) {
            ZkNameService names = open(server, "?session=6s");
            List<Registration> registrations = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                registrations.add(names.register("svc/offline-" + i, RECORD));
            }
            Watch watch = names.watch("svc/", event -> { });
            server.stop();
            await("the client noticed", () -> !names.connected());
            names.close();
            registrations.forEach(r -> assertFalse(r.isHeld()));
            watch.close(); // already closed with the service
            server.restart();
            await("the names gone with the session", () -> {
                try {
                    return observer.list("svc/").isEmpty();
                } catch (RuntimeException stillReconnecting) {
                    return false;
                }
            });
        }
    }

    @Test
    void reconnectionsDoNotAddWatchersOfARegisteredNode() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "?session=60s")) {
            Registration registration = names.register("svc/reconnected", RECORD);
            long session = names.sessionId();
            for (int i = 0; i < 3; i++) {
                server.restart();
                await("reconnected", () -> {
                    try {
                        return names.connected() && names.lookup("svc/reconnected").isPresent();
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
                settle(names, "svc/reconnected");
            }
            assertEquals(session, names.sessionId());
            assertEquals(1, nodeWatchers(names, "svc/reconnected"));
            assertTrue(registration.isHeld());
        }
    }

    /** The watchers the ZooKeeper client keeps for the node of {@code name} (its watch manager is not public). */
    private static int nodeWatchers(ZkNameService names, String name) throws Exception {
        ZooKeeper zooKeeper = names.client().getZookeeperClient().getZooKeeper();
        Method manager = ZooKeeper.class.getDeclaredMethod("getWatchManager");
        manager.setAccessible(true);
        Object watches = manager.invoke(zooKeeper);
        int count = 0;
        for (String kind : List.of("getDataWatches", "getExistWatches")) {
            Method of = watches.getClass().getDeclaredMethod(kind);
            of.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, Set<Watcher>> byPath = (Map<String, Set<Watcher>>) of.invoke(watches);
            synchronized (byPath) {
                for (Map.Entry<String, Set<Watcher>> e : byPath.entrySet()) {
                    if (e.getKey().endsWith(ZkNameService.pathOf(name))) {
                        count += e.getValue().size();
                    }
                }
            }
        }
        return count;
    }
}
