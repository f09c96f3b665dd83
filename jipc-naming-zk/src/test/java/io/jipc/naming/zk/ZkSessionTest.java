package io.jipc.naming.zk;

import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the ZooKeeper backend does when sessions, processes and servers fail: a killed owner's name goes
 * with its session (and a watch is told), an expired session re-registers its names, an owner whose
 * name was taken meanwhile is told, a 3-server ensemble survives losing the
 * server a client is connected to, and an unreachable ensemble fails opening with a clear message.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZkSessionTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final NameRecord RECORD = NameRecord.of("test", "1", "somewhere");

    /** The servers' files (see {@link ZkTestServers}). */
    @TempDir
    Path home;

    private static ZkNameService open(String connectString, String query) {
        return (ZkNameService) NameService.open(URI.create("zk://" + connectString + "/jipc-session" + query));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        ZkTestServers.await(what, PATIENCE, condition);
    }

    private static long ephemeralOwner(ZkNameService names, String name) throws Exception {
        Stat stat = names.client().checkExists().forPath(ZkNameService.pathOf(name));
        return stat == null ? 0 : stat.getEphemeralOwner();
    }

    @Test
    void anExpiredSessionReRegistersItsNamesUnderTheNewSession() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server.getConnectString(), "?session=4s");
             NameService observer = open(server.getConnectString(), "")) {
            Registration registration = names.register("svc/expiring", RECORD);
            long first = names.sessionId();
            assertEquals(first, ephemeralOwner(names, "svc/expiring"));
            KillSession.kill(names.client().getZookeeperClient().getZooKeeper());
            await("a new session holds the name", () -> {
                try {
                    long now = names.sessionId();
                    return now != first && now != 0 && ephemeralOwner(names, "svc/expiring") == now;
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(registration.isHeld());
            assertFalse(registration.lost().isDone());
            NameEntry seen = observer.lookup("svc/expiring").orElseThrow();
            assertTrue(seen.sameRegistration(registration.entry()), "the same registration, not a new one");
            registration.close();
            assertTrue(observer.lookup("svc/expiring").isEmpty());
        }
    }

    @Test
    void anOwnerWhoseNameWasTakenWhileItsSessionWasGoneIsTold() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService owner = open(server.getConnectString(), "?session=4s");
             ZkNameService rival = open(server.getConnectString(), "")) {
            Registration registration = owner.register("svc/contested", RECORD);
            // the ensemble removes the owner's node (as when its session expires) and a rival is quicker;
            // if the owner re-registered first (it watches its node), remove it again until the rival wins
            Registration won = null;
            for (int attempt = 1; won == null; attempt++) {
                rival.client().delete().quietly().forPath(ZkNameService.pathOf("svc/contested"));
                try {
                    won = rival.register("svc/contested", NameRecord.of("test", "2", "elsewhere"));
                } catch (NameTakenException ownerWasQuicker) {
                    if (attempt == 100) {
                        throw ownerWasQuicker;
                    }
                }
            }
            assertLostToTheRival(registration, owner, "svc/contested");
        }
    }

    /**
     * The window between an owner's re-creating its node and setting the watch on it: another owner
     * deletes the node and creates its own there. The watch must not be set on the other owner's node
     * as if it were ours (its deletion may never come, and the loss would never be told: the run of
     * anOwnerWhoseNameWasTakenWhileItsSessionWasGoneIsTold that failed so under load waited 60 s).
     * Played here by removing the owner's watch, so that the deletion tells it nothing, and setting it
     * again once the rival holds the name.
     */
    @Test
    void anOwnerWhoseWatchComesAfterARivalTookTheNameIsTold() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService owner = open(server.getConnectString(), "");
             ZkNameService rival = open(server.getConnectString(), "")) {
            Registration registration = owner.register("svc/late-watch", RECORD);
            String path = ZkNameService.pathOf("svc/late-watch");
            owner.client().watchers().removeAll().ofType(Watcher.WatcherType.Any).forPath(path);
            rival.client().delete().forPath(path);
            rival.register("svc/late-watch", NameRecord.of("test", "2", "elsewhere"));
            ((ZkRegistration) registration).watchNode(); // as the owner's re-registration does after its create
            assertLostToTheRival(registration, owner, "svc/late-watch");
        }
    }

    /** The owner's registration of {@code name} tells it lost to the rival's (record id "2"), whose name stays. */
    private static void assertLostToTheRival(Registration registration, NameService owner, String name)
            throws Exception {
        NamingException reason = registration.lost().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        NameTakenException taken = assertInstanceOf(NameTakenException.class, reason);
        assertEquals("2", taken.holder().record().id());
        assertFalse(registration.isHeld());
        registration.close(); // does not remove the rival's name
        assertEquals("2", owner.lookup(name).orElseThrow().record().id());
    }

    @Test
    void aNameSurvivesTheLossOfTheServerItsOwnerIsConnectedTo() throws Exception {
        try (TestingCluster cluster = ZkTestServers.cluster(home, 3)) {
            cluster.start();
            try (ZkNameService owner = open(cluster.getConnectString(), "?session=20s");
                 ZkNameService observer = open(cluster.getConnectString(), "")) {
                Registration registration = owner.register("svc/ha", RECORD);
                BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
                try (Watch watch = observer.watch("svc/", events::add)) {
                    long session = owner.sessionId();
                    InstanceSpec connected = cluster.findConnectionInstance(owner.client().getZookeeperClient()
                            .getZooKeeper());
                    assertTrue(cluster.killServer(connected));
                    await("the owner's session moved to another server", () -> {
                        try {
                            return owner.client().getZookeeperClient().isConnected()
                                    && owner.lookup("svc/ha").isPresent();
                        } catch (NamingException e) {
                            return false;
                        }
                    });
                    assertEquals(session, owner.sessionId(), "the session survived");
                    assertTrue(registration.isHeld());
                    assertFalse(registration.lost().isDone());
                    // the ensemble still takes registrations, and the watch still reports them
                    Registration more = owner.register("svc/after", RECORD);
                    NameEvent event;
                    do {
                        event = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                        assertTrue(event != null, "no event for svc/after");
                    } while (!event.name().equals("svc/after"));
                    assertEquals(NameEvent.Type.REGISTERED, event.type());
                    more.close();
                    assertThrows(NameTakenException.class, () -> observer.register("svc/ha", RECORD));
                }
                registration.close();
            }
        }
    }

    @Test
    void aKilledOwnersNameGoesWithItsSessionAndAWatchIsTold() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server.getConnectString(), "")) {
            String uri = "zk://" + server.getConnectString() + "/jipc-session?session=4s";
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            try (Watch watch = names.watch("svc/", events::add);
                 ChildJvm owner = ChildJvm.builder(ZkHoldChild.class).args(uri, "svc/child").quickStart()
                         .hardTimeout(Duration.ofSeconds(120)).start()) {
                owner.awaitLine("HOLDING", PATIENCE);
                NameEntry held = names.lookup("svc/child").orElseThrow();
                assertEquals(owner.pid(), held.owner().pid());
                assertThrows(NameTakenException.class, () -> names.register("svc/child", RECORD));
                assertEquals(NameEvent.Type.REGISTERED, events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).type());
                owner.kill();
                // its node lives on with its session (4 s): a lookup and a refused register say its owner
                // (of this host) is dead, and why the name is still taken
                assertEquals(Liveness.DEAD, names.lookup("svc/child").orElseThrow().liveness());
                NameTakenException taken = assertThrows(NameTakenException.class,
                        () -> names.register("svc/child", RECORD));
                assertTrue(taken.getMessage().contains("pid " + owner.pid() + " on ")
                        && taken.getMessage().contains(" (dead) since ")
                        && taken.getMessage().contains("its owner has exited, but its ZooKeeper session lives until "
                        + "the ensemble expires it"), taken.getMessage());
                // no goodbye from the killed process: the ensemble expires its session, then deletes the node
                NameEvent gone = events.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(NameEvent.Type.UNREGISTERED, gone == null ? null : gone.type());
                assertEquals("svc/child", gone.name());
            }
            try (Registration mine = names.register("svc/child", RECORD)) {
                assertTrue(mine.isHeld());
            }
        }
    }

    @Test
    void anUnreachableEnsembleFailsOpeningWithAClearMessage() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        NameServiceUnavailableException e = assertThrows(NameServiceUnavailableException.class,
                () -> open("127.0.0.1:" + port, "?timeout=1s"));
        assertTrue(e.getMessage().contains("cannot reach ZooKeeper at 127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void aSessionTooShortToConnectIsNamedInTheFailure() throws Exception {
        try (TestingServer server = ZkTestServers.server(home)) {
            // a reachable server, but each attempt may take 1 ms only (a loopback attempt is close to
            // that: should one succeed, the server stretches the session to its minimum and it opens)
            try (NameService names = open(server.getConnectString(), "?timeout=2s&session=1ms")) {
                assertNotEquals(null, names);
            } catch (NameServiceUnavailableException e) {
                assertTrue(e.getMessage().contains("cannot reach ZooKeeper at " + server.getConnectString()), e.getMessage());
                assertTrue(e.getMessage().contains("each attempt had only 1ms"), e.getMessage());
                assertTrue(e.getMessage().contains("ask for a longer session="), e.getMessage());
            }
        }
        assertEquals("", ZkNameService.shortAttemptsHint(ZkAddress.parse(URI.create("zk://a:1,b:2/x?session=2s"))));
        assertTrue(ZkNameService.shortAttemptsHint(ZkAddress.parse(URI.create("zk://a:1,b:2,c:3/x?session=2s")))
                .contains("each attempt had only 666ms"));
    }

    @Test
    void badUrisAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> NameService.open(URI.create("zk:/no-authority")));
        assertThrows(IllegalArgumentException.class, () -> NameService.open(URI.create("zk://h:1/x?timeout=soon")));
        assertThrows(IllegalArgumentException.class, () -> NameService.open(URI.create("zk://h:1/x?colour=red")));
        // what ZooKeeper's int milliseconds cannot hold, or no time at all (was an overflow or a negative cast)
        for (String bad : List.of("session=30d", "session=P30D", "timeout=-5s", "session=0s", "timeout=99999999999999999m")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ZkAddress.parse(URI.create("zk://h:1/x?" + bad)), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertNotEquals(null, ZkAddress.parse(URI.create("zk://a:1,b:2/some/chroot?timeout=2s&session=5s")));
        ZkAddress parsed = ZkAddress.parse(URI.create("zk://a:1,b:2/some/chroot/?timeout=2s&session=5s"));
        assertEquals("a:1,b:2", parsed.connectString());
        assertEquals("some/chroot", parsed.namespace());
        assertEquals(Duration.ofSeconds(2), parsed.connectTimeout());
        assertEquals(Duration.ofSeconds(5), parsed.sessionTimeout());
        assertEquals("jipc", ZkAddress.parse(URI.create("zk://a:1")).namespace());
        // ISO-8601 durations, also those ending in S or M (they were taken for 's' and 'm' suffixes)
        ZkAddress iso = ZkAddress.parse(URI.create("zk://a:1/x?timeout=PT30S&session=PT2M"));
        assertEquals(Duration.ofSeconds(30), iso.connectTimeout());
        assertEquals(Duration.ofMinutes(2), iso.sessionTimeout());
        assertEquals(Duration.ofMillis(500), ZkAddress.parse(URI.create("zk://a:1/x?session=pt0.5s")).sessionTimeout());
        // servers ZooKeeper's client could only fail to reach, after the whole timeout (it waited)
        for (String bad : List.of("host:notaport", "host:0", "host:65536", "host:", "a:1,", "a:1,,b:2", ":2181",
                "user@host:2181", "fe80::1:2181")) {
            URI uri = URI.create("zk://" + bad + "/x");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NameService.open(uri), bad);
            assertTrue(e.getMessage().contains("not a ZooKeeper server host:port"), e.getMessage());
        }
        for (String good : List.of("h", "h:2181", "zk-1.example.org:65535", "10.0.0.1:1,10.0.0.2:2", "[::1]:2181", "[::1]")) {
            assertEquals(good, ZkAddress.parse(URI.create("zk://" + good + "/x")).connectString());
        }
        // a scheme is case-insensitive
        assertEquals("x", ZkAddress.parse(URI.create("ZK://h:1/x")).namespace());
    }

    /**
     * A chroot ZooKeeper would refuse is refused at once by ZooKeeper's own path rules, with a message
     * naming the URI and the chroot (invisible characters escaped) and saying why; it was Curator's
     * message, naming neither, and a chroot with U+FFFF was refused only once connected (here the
     * server cannot be reached: it would be a "cannot reach" failure after the timeout).
     */
    @Test
    void aChrootZooKeeperRefusesIsRefusedAtOnceNamingTheUri() {
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("a//b", "'a//b' in zk://h:1/a//b?timeout=1s is not a ZooKeeper path (empty node name specified)");
        refused.put("./x", "'./x' in zk://h:1/./x?timeout=1s is not a ZooKeeper path (relative paths not allowed)");
        refused.put("a/../b", "'a/../b' in zk://h:1/a/../b?timeout=1s is not a ZooKeeper path (relative paths not allowed)");
        refused.put("a%00b", "'a\\u0000b' in zk://h:1/a%00b?timeout=1s is not a ZooKeeper path (null character not allowed)");
        refused.put("a%C2%80b", "'a\\u0080b' in zk://h:1/a%C2%80b?timeout=1s is not a ZooKeeper path (invalid character)");
        refused.put("a%EF%BF%BFb", "'a\\uffffb' in zk://h:1/a%EF%BF%BFb?timeout=1s is not a ZooKeeper path (invalid character)");
        refused.forEach((chroot, message) -> {
            URI uri = URI.create("zk://h:1/" + chroot + "?timeout=1s");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NameService.open(uri), chroot);
            assertEquals("the chroot " + message, e.getMessage(), chroot);
        });
        for (String good : List.of("zookeeper", "zookeeper/x", "x/names", "a.b/..c/d..", "caf%C3%A9")) {
            assertEquals(URI.create("zk://h:1/" + good).getPath().substring(1),
                    ZkAddress.parse(URI.create("zk://h:1/" + good)).namespace());
        }
    }

    @Test
    void theSchemeMayBeWrittenInAnyCase() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             NameService names = NameService.open(URI.create("Zk://" + server.getConnectString() + "/jipc-session"))) {
            assertTrue(names.lookup("svc/none").isEmpty());
        }
    }
}
