package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A gateway that serves any mailbox a client names ({@code exportAll}). */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayExportAllTest {

    /**
     * A file under the mailbox directory that cannot be opened (another mode, not a mailbox) is
     * answered with the reason, not a connection closed without a word.
     */
    @Test
    void aMailboxThatCannotBeOpenedIsAnsweredWithTheReason() throws Exception {
        Mailbox.create("real").close(); // the jipc root and its mailbox directory, made as jipc makes them
        Path insecure = Mailbox.path("insecure");
        Path empty = Mailbox.path("empty");
        Files.write(insecure, new byte[8192]);
        Files.setPosixFilePermissions(insecure, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(empty, new byte[0]);
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-------"));
        try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .exportAll().start()) {
            // the gateway waits up to 2 s for the empty file's creator before it answers, sending a
            // heartbeat every 500 ms meanwhile (its default), so a client that gives a silent gateway
            // up after 1.5 s still gets the answer; this client pings it every millisecond (each ping
            // left unread would make the close a reset)
            RemoteOptions patient = RemoteChild.OPTIONS.withLiveness(Duration.ofMillis(1), Duration.ofMillis(1500));
            for (String name : new String[] {"insecure", "empty"}) {
                URI uri = URI.create("tcp://127.0.0.1:" + gateway.port() + "/" + name);
                RemoteMailboxException e = assertThrows(RemoteMailboxException.class,
                        () -> RemoteMailbox.connect(uri, patient).close());
                assertTrue(e.getMessage().contains("mailbox '" + name + "' cannot be opened: "), e.getMessage());
            }
            try (Mailbox real = Mailbox.open("real");
                 RemoteMailbox mailbox = RemoteMailbox.connect(URI.create("tcp://127.0.0.1:" + gateway.port() + "/real"),
                         RemoteChild.OPTIONS)) {
                mailbox.put("served".getBytes());
                assertEquals("served", new String(real.take()));
            }
        } finally {
            Files.deleteIfExists(insecure);
            Files.deleteIfExists(empty);
            Mailbox.destroy("real");
        }
    }

    /**
     * A mailbox name record ({@code mailbox/NAME} in the local name service, kind {@code mailbox}) whose
     * address is another mailbox's file, and no file of that name: the gateway answers the Open with the
     * reason, and goes on serving. Until 2026-12-07 its open of the name repeated for good (the identity
     * of the file at the name's path was null before and after each open), a gateway thread spinning on
     * a CPU inside the map of open mailboxes, and the client waited for good (the remote63 explorer).
     */
    @Test
    void aNameRecordThatPointsAtAnotherFileIsAnsweredWithTheReason() throws Exception {
        try (Mailbox real = Mailbox.create("pointed-at");
             NameService names = NameService.open(URI.create("local:/"))) {
            names.bind("mailbox/ghost", NameRecord.of("mailbox", Long.toHexString(real.id()),
                    Mailbox.path("pointed-at").toString()));
            try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .exportAll().start()) {
                RemoteMailboxException e = assertThrows(RemoteMailboxException.class,
                        () -> RemoteMailbox.connect(URI.create(gateway.address("ghost")), RemoteChild.OPTIONS).close());
                assertTrue(e.getMessage().contains("mailbox 'ghost' cannot be opened: its name record mailbox/ghost"
                        + " refers to a file other than " + Mailbox.path("ghost")), e.getMessage());
                try (RemoteMailbox served = RemoteMailbox.connect(URI.create(gateway.address("pointed-at")), RemoteChild.OPTIONS)) {
                    served.put("still served".getBytes());
                    assertEquals("still served", new String(real.take()));
                }
            } finally {
                names.unregister("mailbox/ghost");
            }
        } finally {
            Mailbox.destroy("pointed-at");
        }
    }

    /**
     * A mailbox with a protocol label (as an RPC server's, whose receiver takes the client ids in its
     * requests on trust) is not served to a client that names it, with the reason; exported by name
     * it is. Unlabelled mailboxes are served as before.
     */
    @Test
    void aMailboxWithAProtocolLabelIsServedOnlyIfExportedByName() throws Exception {
        try (Mailbox labelled = Mailbox.create("labelled", MailboxOptions.builder().protocol("jipc-rpc").build());
             Mailbox plain = Mailbox.create("plain")) {
            try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .exportAll().start()) {
                RemoteMailboxException e = assertThrows(RemoteMailboxException.class,
                        () -> RemoteMailbox.connect(URI.create(gateway.address("labelled")), RemoteChild.OPTIONS).close());
                assertEquals(Wire.ErrorCode.NO_SUCH_MAILBOX, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("mailbox 'labelled' is not served by " + gateway
                        + ": it speaks protocol 'jipc-rpc'"), e.getMessage());
                assertTrue(e.getMessage().contains("only if it exports it by name"), e.getMessage());
                try (RemoteMailbox served = RemoteMailbox.connect(URI.create(gateway.address("plain")), RemoteChild.OPTIONS)) {
                    served.put("plain".getBytes());
                    assertEquals("plain", new String(plain.take()));
                }
                assertNull(labelled.poll(), "nothing reached the labelled mailbox");
            }
            try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .export("labelled").exportAll().start();
                 RemoteMailbox exported = RemoteMailbox.connect(URI.create(gateway.address("labelled")), RemoteChild.OPTIONS)) {
                exported.put("by name".getBytes());
                assertEquals("by name", new String(labelled.take()));
            }
        } finally {
            Mailbox.destroy("labelled");
            Mailbox.destroy("plain");
        }
    }

    /**
     * A destroyed mailbox is not served to new connections (as a local open fails), and one created
     * anew under the name is; a connection opened before the destroy keeps its mailbox, as a local
     * handle does. Both for a gateway that serves any name and for one that exports the name.
     */
    @Test
    void aDestroyedMailboxIsNotServedAndOneCreatedAnewIs() throws Exception {
        for (boolean all : new boolean[] {true, false}) {
            String name = all ? "renewed-any" : "renewed-exported";
            Mailbox first = Mailbox.create(name);
            MailboxGateway.Builder builder = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (MailboxGateway gateway = (all ? builder.exportAll() : builder.export(name)).start();
                 RemoteMailbox before = RemoteMailbox.connect(URI.create(gateway.address(name)), RemoteChild.OPTIONS)) {
                URI uri = URI.create(gateway.address(name));
                assertTrue(before.offer("to the first".getBytes()));
                assertEquals("to the first", new String(first.take()));

                first.destroy();
                RemoteMailboxException gone = assertThrows(RemoteMailboxException.class,
                        () -> RemoteMailbox.connect(uri, RemoteChild.OPTIONS).close());
                assertEquals(Wire.ErrorCode.NO_SUCH_MAILBOX, gone.code(), gone.getMessage());
                assertTrue(before.offer("still the first".getBytes()), "a connection keeps its mailbox, as a local handle");
                assertEquals("still the first", new String(first.take()));

                try (Mailbox second = Mailbox.create(name);
                     RemoteMailbox after = RemoteMailbox.connect(uri, RemoteChild.OPTIONS)) {
                    assertTrue(after.offer("to the second".getBytes()));
                    assertEquals("to the second", new String(second.poll(Duration.ofSeconds(10))));
                    assertNull(first.poll(), "nothing went to the destroyed mailbox");
                }
            } finally {
                first.close();
                Mailbox.destroy(name);
            }
        }
    }
}
