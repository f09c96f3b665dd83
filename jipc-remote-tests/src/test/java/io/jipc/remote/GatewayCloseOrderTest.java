package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.naming.NameEvent;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gateway's close stops accepting connections before it gives up its names, which may wait for a
 * name service that does not answer (a ZooKeeper ensemble gone silent: up to its timeout and two
 * thirds of its session for each name). Until 2026-12-07 the names came first, and a gateway told to
 * stop by {@code SIGTERM} while ZooKeeper was stopped kept accepting new connections for
 * 28 s (the remote63 explorer).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails
class GatewayCloseOrderTest {

    @Test
    void aGatewayRefusesNewConnectionsWhileItsNamesAreGivenUp() throws Exception {
        CountDownLatch removing = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        try (Mailbox box = Mailbox.create("close-order");
             NameService local = NameService.open(URI.create("local:/"))) {
            NameService stalling = new StallingNames(local, removing, answer);
            MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .export("close-order").nameService(stalling).options(RemoteChild.OPTIONS).start();
            URI uri = URI.create(gateway.address("close-order"));
            RemoteMailbox.connect(uri, RemoteChild.OPTIONS).close(); // served while it runs
            CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);
            try {
                removing.await(); // the close is giving up the name, and the name service does not answer
                RemotePeerLostException refused = assertThrows(RemotePeerLostException.class,
                        () -> RemoteMailbox.connect(uri, RemoteChild.OPTIONS).close());
                assertTrue(refused.getMessage().startsWith("cannot reach the gateway of " + uri), refused.getMessage());
            } finally {
                answer.countDown();
                closing.join();
            }
        } finally {
            Mailbox.destroy("close-order");
        }
    }

    /** A name service whose registrations' close waits until {@code answer}, having counted {@code removing} down. */
    private record StallingNames(NameService names, CountDownLatch removing, CountDownLatch answer) implements NameService {
        @Override
        public URI uri() {
            return names.uri();
        }

        @Override
        public Registration register(String name, NameRecord what) {
            Registration held = names.register(name, what);
            return new Registration() {
                @Override
                public NameEntry entry() {
                    return held.entry();
                }

                @Override
                public boolean isHeld() {
                    return held.isHeld();
                }

                @Override
                public CompletableFuture<NamingException> lost() {
                    return held.lost();
                }

                @Override
                public void close() {
                    removing.countDown();
                    try {
                        answer.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    held.close();
                }
            };
        }

        @Override
        public NameEntry bind(String name, NameRecord what) {
            return names.bind(name, what);
        }

        @Override
        public Optional<NameEntry> lookup(String name) {
            return names.lookup(name);
        }

        @Override
        public boolean unregister(String name) {
            return names.unregister(name);
        }

        @Override
        public List<NameEntry> list(String prefix) {
            return names.list(prefix);
        }

        @Override
        public Watch watch(String prefix, Consumer<NameEvent> listener) {
            return names.watch(prefix, listener);
        }

        @Override
        public void close() {
            names.close();
        }
    }
}
