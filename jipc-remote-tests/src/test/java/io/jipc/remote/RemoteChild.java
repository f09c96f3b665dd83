package io.jipc.remote;

import io.jipc.naming.NameService;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The other processes of the remote mailbox tests; each prints one line per event. Modes:
 * <ul>
 * <li>{@code gateway <bindHost> <mailbox>...}: exports the (existing) mailboxes on a free port,
 *     registered in the configured name service; prints {@code GATEWAY <port>}; answers a line
 *     {@code count} on its standard input with {@code CLIENTS <connected clients>}; closes when its
 *     standard input ends or another line arrives, printing {@code CLOSED}.</li>
 * <li>{@code client <uri> <count>}: connects, prints {@code CONNECTED}, puts {@code count} messages {@code m0, m1...}, printing
 *     {@code ACKED <i>} after each, then {@code TAKING} and takes messages, printing
 *     {@code TOOK <text>} for each, until the gateway is lost: {@code LOST <why>}.</li>
 * <li>{@code idle <uri>}: connects, puts one message ({@code idle}), prints {@code IDLE} and does nothing
 *     more until its standard input ends.</li>
 * <li>{@code flood <requests> <uri>...}: opens each mailbox on a hand-written connection of its
 *     own, then sends on each {@code requests} times a {@code Receive} (at once) and a
 *     {@code Cancel}, without reading any reply (the protocol wants one request at a time; the
 *     gateway answers them in order), prints {@code SENT} and waits, reading nothing, until its
 *     standard input ends.</li>
 * </ul>
 */
public final class RemoteChild {
    /** Fast liveness, so that the tests see a lost peer quickly: heartbeat 200 ms, lost after 2 s. */
    static final RemoteOptions OPTIONS = RemoteOptions.defaults().withLiveness(Duration.ofMillis(200),
            Duration.ofSeconds(2));

    private RemoteChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        switch (args[0]) {
            case "gateway" -> gateway(args[1], java.util.Arrays.copyOfRange(args, 2, args.length));
            case "client" -> client(URI.create(args[1]), Integer.parseInt(args[2]));
            case "idle" -> idle(URI.create(args[1]));
            case "flood" -> flood(Integer.parseInt(args[1]), Arrays.copyOfRange(args, 2, args.length));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void gateway(String host, String[] mailboxes) throws Exception {
        try (NameService names = NameService.open();
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(host, 0)).export(mailboxes)
                     .nameService(names).options(OPTIONS).start()) {
            say("GATEWAY " + gateway.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while ("count".equals(in.readLine())) {
                say("CLIENTS " + gateway.clientCount());
            }
        }
        say("CLOSED");
    }

    private static void client(URI uri, int count) throws Exception {
        // 30 s to connect and be answered, not the default 5 s: beside a full build and four other builds
        // (load average 28) the gateway once answered a client's Open later than that
        try (RemoteMailbox mailbox = RemoteMailbox.connect(uri, OPTIONS.withConnectTimeout(Duration.ofSeconds(30)))) {
            say("CONNECTED");
            for (int i = 0; i < count; i++) {
                mailbox.put(("m" + i).getBytes(StandardCharsets.UTF_8));
                say("ACKED " + i);
            }
            say("TAKING");
            try {
                while (true) {
                    say("TOOK " + new String(mailbox.take(), StandardCharsets.UTF_8));
                }
            } catch (RemotePeerLostException e) {
                say("LOST " + e.getMessage());
            }
        }
    }

    private static void idle(URI uri) throws Exception {
        RemoteMailbox mailbox = RemoteMailbox.connect(uri, OPTIONS); // not closed: its host is taken for vanished
        mailbox.put("idle".getBytes(StandardCharsets.UTF_8));
        say("IDLE");
        System.in.transferTo(OutputStream.nullOutputStream());
    }

    private static void flood(int requests, String[] uris) throws Exception {
        List<StreamConnection> connections = new ArrayList<>();
        try {
            for (String u : uris) {
                URI uri = URI.create(u);
                StreamConnection connection = StreamConnection.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
                connections.add(connection);
                connection.put(Wire.encode(new Wire.Open(Wire.VERSION, uri.getPath().substring(1))));
                if (!(Wire.decodeReply(connection.take()) instanceof Wire.Opened)) {
                    throw new IllegalStateException("not opened: " + uri);
                }
            }
            for (StreamConnection connection : connections) {
                for (int i = 0; i < requests; i++) { // each delivered and given back: the gateway writes, we never read
                    connection.put(Wire.encode(new Wire.Receive(Wire.Wait.NOW, 0)));
                    connection.put(Wire.encode(new Wire.Cancel()));
                }
            }
            say("SENT");
            System.in.transferTo(OutputStream.nullOutputStream());
        } finally {
            connections.forEach(StreamConnection::close);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
