package io.jipc.rpc;

import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hash flood over TCP, in both directions, the server ({@link RpcChild} {@code fragile}) in a child
 * JVM: a map of {@value #CELLS} records {@link Fragile.Cell} {@code (i, -31 * i)}, all of hash code 0,
 * about 960 KB (under the 1 MiB TCP frame), as the argument of a call and as a result. A decoder refuses
 * it ({@link RpcProtocolException} naming {@link Marshaller#MAX_KEYS_PER_HASH}) before it goes into a
 * hash table, and the server and the connection serve the next call: the server's decoder an argument
 * a raw peer sends, the client's decoder a result a fake server sends. Until 2026-12-06 each was
 * accepted after about {@code 20,000 * 20,000 / 2} calls of {@code equals} (41,000 such keys, the most
 * a 1 MiB frame holds with a one-letter record name, took a server 5.8 s of CPU per call, and a
 * connection may run 64 calls at once). An encoder refuses to send one: the stub throws
 * {@link NotMarshallableException} and sends nothing, and the server fails a call whose result is one
 * with {@code BAD_RESULT} (until 2026-12-06 both were sent, for the peer to refuse). No durations are
 * asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RpcHashFloodTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "flooded";
    private static final int CELLS = 20_000;
    private static final Marshaller MARSHALLER = Marshaller.of(Fragile.class);

    @RegisterExtension
    final FragileServerChild server = new FragileServerChild(NAME);

    private static Map<Fragile.Cell, Integer> flood() {
        return UnhashedMap.of(CELLS, i -> new Fragile.Cell(i, -31 * i));
    }

    /**
     * The stub refuses a flooded argument before anything is sent ({@link NotMarshallableException} with
     * the decoder's message), and the client goes on. Until 2026-12-06 it was sent and refused by the
     * server ({@code BAD_ARGUMENTS}): the caller learnt of its own bad argument as a remote failure.
     */
    @Test
    void theStubRefusesAFloodedArgumentBeforeSendingIt() throws Exception {
        URI address = server.start();
        try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            Map<Fragile.Cell, Integer> flood = flood();
            for (int round = 0; round < 2; round++) {
                NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> client.stub().size(flood));
                assertRefusedAsAFlood(e);
                assertEquals(3, (int) call(client, f -> f.add(1, 2)));
                assertEquals(CELLS, (int) call(client, f -> f.size(UnhashedMap.of(CELLS, i -> new Fragile.Cell(i, 0)))));
            }
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    /** A flooded argument from a raw peer (no encoder check) is refused by the server's decoder: BAD_ARGUMENTS. */
    @Test
    void aFloodedArgumentIsRefusedAndTheServerServesTheNextCall() throws Exception {
        URI address = server.start();
        try (StreamConnection raw = StreamConnection.connect(new InetSocketAddress(address.getHost(), address.getPort()))) {
            long id = hello(raw);
            String size = RpcMethods.key(Fragile.class.getMethod("size", Map.class));
            String add = RpcMethods.key(Fragile.class.getMethod("add", int.class, int.class));
            for (int round = 0; round < 2; round++) {
                raw.put(RpcFrame.encode(new RpcFrame.Call(id, 10 * round + 1, 0, size, floodArguments())));
                RpcFrame.Failure failure = assertInstanceOf(RpcFrame.Failure.class, next(raw));
                assertEquals(RpcFrame.FailureCode.BAD_ARGUMENTS, failure.code(), failure.toString());
                assertEquals(RpcProtocolException.class.getName(), failure.className(), failure.toString());
                assertRefusedAsAFlood(failure.message());
                raw.put(RpcFrame.encode(new RpcFrame.Call(id, 10 * round + 2, 0, add,
                        MARSHALLER.encodeArguments(new Object[] {1, 2}))));
                RpcFrame.Result result = assertInstanceOf(RpcFrame.Result.class, next(raw));
                assertEquals(3, MARSHALLER.decodeResult(result.value(), Fragile.class.getMethod("add", int.class, int.class)));
            }
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    /**
     * The server's encoder refuses a flooded result: the call fails with {@code BAD_RESULT}, the
     * encoder's {@link NotMarshallableException} message (the caller gets an {@link RpcProtocolException}),
     * and the connection serves the next call. Until 2026-12-06 the result was sent, for the caller's
     * decoder to refuse.
     */
    @Test
    void aFloodedResultIsRefusedByTheServerAndTheConnectionServesTheNextCall() throws Exception {
        URI address = server.start();
        try (StreamConnection raw = StreamConnection.connect(new InetSocketAddress(address.getHost(), address.getPort()))) {
            long id = hello(raw);
            String cells = RpcMethods.key(Fragile.class.getMethod("cells", int.class, boolean.class));
            for (int round = 0; round < 2; round++) {
                raw.put(RpcFrame.encode(new RpcFrame.Call(id, 10 * round + 1, 0, cells,
                        MARSHALLER.encodeArguments(new Object[] {CELLS, true}))));
                RpcFrame.Failure failure = assertInstanceOf(RpcFrame.Failure.class, next(raw));
                assertEquals(RpcFrame.FailureCode.BAD_RESULT, failure.code(), failure.toString());
                assertEquals(NotMarshallableException.class.getName(), failure.className(), failure.toString());
                assertRefusedAsAFlood(failure.message());
                raw.put(RpcFrame.encode(new RpcFrame.Call(id, 10 * round + 2, 0, cells,
                        MARSHALLER.encodeArguments(new Object[] {CELLS, false}))));
                RpcFrame.Result result = assertInstanceOf(RpcFrame.Result.class, next(raw));
                Map<?, ?> map = (Map<?, ?>) MARSHALLER.decodeResult(result.value(),
                        Fragile.class.getMethod("cells", int.class, boolean.class));
                assertEquals(CELLS, map.size());
            }
        }
        try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            RpcProtocolException e = assertInstanceOf(RpcProtocolException.class, failure(client, f -> f.cells(CELLS, true)));
            assertRefusedAsAFlood(e);
            assertTrue(e.getMessage().contains("cells(int,boolean)"), e.getMessage());
            assertEquals(3, (int) call(client, f -> f.add(1, 2)));
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    /**
     * A flooded result from a fake server (a raw {@link StreamServer} that answers HELLO and each CALL
     * itself) is refused by the client's decoder, and the client's next call gets its result.
     */
    @Test
    void aFloodedResultFromAPeerIsRefusedByTheClientAndItsNextCallIsServed() throws Exception {
        Method cells = Fragile.class.getMethod("cells", int.class, boolean.class);
        try (StreamServer fake = StreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = ((InetSocketAddress) fake.localAddress()).getPort();
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (StreamConnection peer = fake.accept(LONG)) {
                    assertNotNull(peer, "no connection within " + LONG);
                    assertInstanceOf(RpcFrame.Hello.class, next(peer));
                    peer.put(RpcFrame.encode(new RpcFrame.Welcome(1, 0, 1 << 20)));
                    for (int answer = 0; answer < 2; answer++) {
                        RpcFrame.Call call = nextCall(peer);
                        byte[] value = answer == 0 ? floodValue() : MARSHALLER.encodeValue(3);
                        peer.put(RpcFrame.encode(new RpcFrame.Result(call.callId(), value)));
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            URI address = URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
            try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
                RpcProtocolException e = assertInstanceOf(RpcProtocolException.class,
                        failure(client, f -> f.cells(CELLS, true)));
                assertRefusedAsAFlood(e);
                assertTrue(e.getMessage().startsWith(RpcMethods.key(cells) + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("the call ran at the server"), e.getMessage());
                assertEquals(3, (int) call(client, f -> f.add(1, 2)));
            }
            served.get(LONG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** The first CALL from {@code peer}, any other frame (a PING) skipped. */
    private static RpcFrame.Call nextCall(StreamConnection peer) throws InterruptedException {
        while (true) {
            if (next(peer) instanceof RpcFrame.Call call) {
                return call;
            }
        }
    }

    /** HELLO as a client of {@link Fragile}; the client id of the WELCOME. */
    private static long hello(StreamConnection raw) throws InterruptedException {
        raw.put(RpcFrame.encode(new RpcFrame.Hello(Fragile.class.getName(), "", 0, 0)));
        return assertInstanceOf(RpcFrame.Welcome.class, next(raw)).clientId();
    }

    /**
     * The flood as a peer without the encoder's check writes it: the map's tag and count, then each key
     * and value as the encoder writes it alone.
     */
    private static byte[] floodValue() {
        Map<Fragile.Cell, Integer> flood = flood();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(5).put((byte) 15).putInt(flood.size()).array());
        for (Map.Entry<Fragile.Cell, Integer> entry : flood.entrySet()) {
            out.writeBytes(MARSHALLER.encodeValue(entry.getKey()));
            out.writeBytes(MARSHALLER.encodeValue(entry.getValue()));
        }
        return out.toByteArray();
    }

    /** The arguments of {@code size(Map)}: the flood, as {@link #floodValue()}. */
    private static byte[] floodArguments() {
        byte[] value = floodValue();
        return ByteBuffer.allocate(4 + value.length).putInt(1).put(value).array();
    }

    /**
     * The explorer's nested flood as the first argument of {@code add(int, int)}, sent by a raw peer (a
     * client's encoder refuses it): a map of 256 maps, each of 256 keys {@code [(short) i, (short) (-31 i)]}
     * of one hash code, the inner maps all of one hash code yet unequal (790 KB). The server refuses it as
     * soon as it reads the first key, and the connection serves the next call. Until 2026-12-06 it was
     * built (about 10^9 calls of {@code equals}, 25 to 51 s of the server's CPU) and only then found not to
     * be an {@code int}.
     */
    @Test
    void aMapKeyedByMapsIsRefusedAsTheArgumentOfAnyMethod() throws Exception {
        URI address = server.start();
        try (StreamConnection raw = StreamConnection.connect(new InetSocketAddress(address.getHost(), address.getPort()))) {
            raw.put(RpcFrame.encode(new RpcFrame.Hello(Fragile.class.getName(), "", 0, 0)));
            long id = assertInstanceOf(RpcFrame.Welcome.class, next(raw)).clientId();
            String add = RpcMethods.key(Fragile.class.getMethod("add", int.class, int.class));
            byte[] flood = nestedFloodArguments(256, 256);
            assertTrue(flood.length > 750_000, "bytes: " + flood.length);
            raw.put(RpcFrame.encode(new RpcFrame.Call(id, 1, 0, add, flood)));
            RpcFrame.Failure failure = assertInstanceOf(RpcFrame.Failure.class, next(raw));
            assertEquals(RpcFrame.FailureCode.BAD_ARGUMENTS, failure.code(), failure.toString());
            assertTrue(failure.message().contains("a map key that holds a map"), failure.message());
            byte[] sum = Marshaller.of(Fragile.class).encodeArguments(new Object[] {1, 2});
            raw.put(RpcFrame.encode(new RpcFrame.Call(id, 2, 0, add, sum)));
            RpcFrame.Result result = assertInstanceOf(RpcFrame.Result.class, next(raw));
            assertEquals(3, Marshaller.of(Fragile.class).decodeResult(result.value(), Fragile.class.getMethod("add",
                    int.class, int.class)));
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    /** The next frame from {@code raw}, within the hang guard. */
    private static RpcFrame next(StreamConnection raw) throws InterruptedException {
        byte[] frame = raw.poll(LONG);
        assertTrue(frame != null, "no frame within " + LONG);
        return RpcFrame.decode(frame);
    }

    /** Arguments of {@code add(int, int)}: {@code outer} maps of {@code inner} keys each as the first (see above). */
    private static byte[] nestedFloodArguments(int outer, int inner) {
        ByteBuffer out = ByteBuffer.allocate(16 + outer * (17 + inner * 12)); // 12 bytes an entry, 8 more for two
        out.putInt(2).put((byte) 15).putInt(outer); // two arguments; a map
        for (int j = 1; j <= outer; j++) {
            out.put((byte) 15).putInt(inner);
            for (int i = 0; i < inner; i++) {
                out.put((byte) 14).putInt(2).put((byte) 4).putShort((short) i).put((byte) 4).putShort((short) (-31 * i));
                if (i == inner - 2) {
                    out.put((byte) 6).putInt(j);
                } else if (i == inner - 1) {
                    out.put((byte) 6).putInt(961 ^ -(961 ^ j)); // entry hash codes 961 ^ j and -(961 ^ j): they add up to 0
                } else {
                    out.put((byte) 0);
                }
            }
            out.put((byte) 0);
        }
        out.put((byte) 6).putInt(0); // the second argument
        return Arrays.copyOf(out.array(), out.position());
    }

    private static void assertRefusedAsAFlood(RuntimeException e) {
        assertRefusedAsAFlood(e.getMessage());
    }

    private static void assertRefusedAsAFlood(String message) {
        assertTrue(message.contains("a map of " + CELLS + " entries with more than "
                + Marshaller.MAX_KEYS_PER_HASH + " keys of one hash code (0): refused as a hash flood"), message);
    }

    /** What a call returns, within the hang guard (no call timeout: it is the test's bound). */
    private static <T> T call(RpcClient<Fragile> client, Function<Fragile, T> call) throws Exception {
        return client.async(call).get(LONG.toSeconds(), TimeUnit.SECONDS);
    }

    /** What a call fails with, within the hang guard. */
    private static Throwable failure(RpcClient<Fragile> client, Function<Fragile, ?> call) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.async(call).get(LONG.toSeconds(), TimeUnit.SECONDS));
        return e.getCause();
    }
}
