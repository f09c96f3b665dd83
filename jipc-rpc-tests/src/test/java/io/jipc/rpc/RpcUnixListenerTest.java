package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that listens on a Unix-domain socket ({@link RpcChild} {@code serve-unix}, a child JVM,
 * the socket in the test's root) is reached by {@link RpcClient#connect(URI, Class, RpcClient.Options)}
 * with {@code unix:PATH#NAME}, calls run over that connection, and its close removes the socket file.
 * Until 2026-12-06 the server served such a socket but no client could connect to it ({@code
 * IllegalArgumentException: not an RPC address}), and {@code tcpAddress()} returned the socket's path.
 * No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcUnixListenerTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "unixbank";

    private ChildJvm server;

    @AfterEach
    void stop() throws Exception {
        if (server != null && server.isAlive()) {
            server.process().getOutputStream().close();
            server.waitFor(LONG);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientConnectsByAUnixUriAndTheCloseRemovesTheSocket(Path root) throws Exception {
        Path socket = root.resolve("bank.sock");
        server = ChildJvm.builder(RpcChild.class).args("serve-unix", NAME, socket.toString()).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        String serving = server.awaitLine("SERVING", LONG);
        // listenAddress() is the socket's path; tcpAddress() is empty: the listener is no TCP one
        assertEquals("SERVING listen=" + socket + " tcp=Optional.empty", serving);
        URI uri = new URI("unix", socket.toString(), NAME);
        RpcClient.Options options = RpcClient.Options.defaults().withCallTimeout(LONG).withConnectTimeout(LONG);
        try (RpcClient<Bank> client = RpcClient.connect(uri, Bank.class, options);
             RpcClient<Bank> slashes = RpcClient.connect(URI.create("unix://" + socket + "#" + NAME), Bank.class,
                     options)) {
            assertTrue(client.isRemote()); // over the connection, not through the mailbox
            client.stub().deposit("alice", new Bank.Money(250, Bank.Currency.EUR));
            assertEquals(250, slashes.stub().balance("alice"));
        }
        // the listener serves NAME only, as a TCP one does
        assertThrows(RpcServiceNotFoundException.class, () -> RpcClient.connect(
                new URI("unix", socket.toString(), "other"), Bank.class, options));

        server.process().getOutputStream().close();
        server.awaitLine("CLOSED", LONG);
        assertEquals(0, server.waitFor(LONG));
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed by the close");
        RpcServerLostException gone = assertThrows(RpcServerLostException.class,
                () -> RpcClient.connect(uri, Bank.class, options));
        assertInstanceOf(io.jipc.ErrnoException.class, gone.getCause()); // ENOENT: no socket there
        assertFalse(Mailbox.exists(NAME));
    }

    @Test
    void aUnixUriWithoutANameOrWithAHostIsRefusedBeforeConnecting() throws URISyntaxException {
        for (String text : new String[] {"unix:/tmp/no-such.sock", "unix:/tmp/no-such.sock#", "unix://host/tmp/x.sock#bank",
                "unix:/tmp/x.sock?q#bank", "unix:rel.sock?q#bank"}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> RpcClient.connect(new URI(text), Bank.class, RpcClient.Options.defaults()), text);
            assertTrue(refused.getMessage().startsWith("not an RPC address (mailbox:NAME, tcp://HOST:PORT/NAME or "
                    + "unix:PATH#NAME): " + text), refused.getMessage());
        }
    }
}
