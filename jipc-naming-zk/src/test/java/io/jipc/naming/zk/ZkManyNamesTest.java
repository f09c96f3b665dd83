package io.jipc.naming.zk;

import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chroot with many names: more than a ZooKeeper client takes in one reply by default (1 MiB) still
 * lists and watches; a registration beyond {@link ZkNameService#MAX_NAMES} is refused naming the
 * limit; a chroot holding more nodes than a listing fetches fails listings saying so (not "not
 * reachable", after dropping the connection at each of Curator's retries).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZkManyNamesTest {
    private static final NameRecord RECORD = NameRecord.of("test", "1", "somewhere");

    @TempDir
    Path home;

    private static ZkNameService open(TestingServer server, String chroot) {
        return (ZkNameService) NameService.open(URI.create("zk://" + server.getConnectString() + "/" + chroot));
    }

    /**
     * Adds {@code count} empty nodes {@code <prefix><i>} padded to {@code length} characters under the
     * names node, as many registrants (or another client) would, in transactions of 500 (fast).
     */
    private static void fill(ZkNameService names, String prefix, int count, int length) throws Exception {
        List<CuratorOp> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder name = new StringBuilder(prefix).append(i).append('-');
            while (name.length() < length) {
                name.append('x');
            }
            batch.add(names.client().transactionOp().create().forPath(ZkNameService.pathOf(name.toString())));
            if (batch.size() == 500 || i == count - 1) {
                names.client().transaction().forOperations(batch);
                batch.clear();
            }
        }
    }

    @Test
    void aChrootOfMoreThanAMebibyteOfNamesListsAndWatchesAndRefusesNamesBeyondTheLimit() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "jipc-many")) {
            // MAX_NAMES - 1 names of the longest length: 2.4 MB of listing, past the 1 MiB a ZooKeeper
            // client takes by default (the connection dropped at each attempt: "not reachable")
            fill(names, "bulk/", ZkNameService.MAX_NAMES - 1, NameSyntax.MAX_LENGTH);
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            try (Watch watch = names.watch("few/", events::add);
                 Registration last = names.register("few/last", RECORD)) {
                assertEquals(List.of("few/last"), names.list("few/").stream().map(e -> e.name()).toList());
                assertEquals("few/last", events.poll(60, TimeUnit.SECONDS).name());
                assertTrue(last.isHeld());
                // the chroot now holds MAX_NAMES names: one more is refused, naming the limit
                NamingException full = assertThrows(NamingException.class, () -> names.register("few/more", RECORD));
                assertFalse(full instanceof NameServiceUnavailableException, full.toString());
                assertTrue(full.getMessage().contains("cannot register 'few/more'")
                        && full.getMessage().contains("holds " + ZkNameService.MAX_NAMES + " names")
                        && full.getMessage().contains("at most " + ZkNameService.MAX_NAMES), full.getMessage());
                NamingException fullBind = assertThrows(NamingException.class, () -> names.bind("few/bound", RECORD));
                assertTrue(fullBind.getMessage().contains("cannot bind 'few/bound'"), fullBind.getMessage());
                assertTrue(names.lookup("few/more").isEmpty());
                // a name taken already is reported taken, as below the limit
                assertThrows(NameTakenException.class, () -> names.register("few/last", RECORD));
                // a name given up makes room again
                last.close();
                try (Registration again = names.register("few/more", RECORD)) {
                    assertTrue(again.isHeld());
                }
            }
        }
    }

    @Test
    void aChrootOfMoreNodesThanAListingFetchesFailsListingsSayingSo() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "jipc-overfull")) {
            // written past register's limit (by other clients): short names, a small listing
            fill(names, "n/", ZkNameService.MAX_LISTED + 1, 8);
            NamingException e = assertThrows(NamingException.class, () -> names.list("n/0-"));
            assertFalse(e instanceof NameServiceUnavailableException, e.toString());
            assertTrue(e.getMessage().contains("cannot list names")
                    && e.getMessage().contains("holds " + (ZkNameService.MAX_LISTED + 1) + " nodes")
                    && e.getMessage().contains(String.valueOf(ZkNameService.MAX_LISTED)), e.getMessage());
            NamingException w = assertThrows(NamingException.class, () -> names.watch("n/", event -> { }));
            assertTrue(w.getMessage().contains("holds " + (ZkNameService.MAX_LISTED + 1) + " nodes"), w.getMessage());
            // the failed watch's ZooKeeper watch, set before the listing, is not left in the session (it
            // was set again at every reconnection and handed every event of the chroot)
            assertThrows(KeeperException.NoWatcherException.class, () -> names.client().watchers().removeAll()
                    .ofType(Watcher.WatcherType.Any).locally().forPath(ZkNameService.NAMES));
            // a lookup needs no listing
            assertTrue(names.lookup("n/nothing").isEmpty());
        }
    }
}
