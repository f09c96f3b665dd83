package io.jipc.cli;

import io.jipc.cli.rpcdesk.Desk;
import io.jipc.cli.rpcdesk.Desk.Light;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameService;
import io.jipc.rpc.RpcServer;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc rpc call} and {@code jipc rpc methods} against a real {@link RpcServer}: every kind of
 * argument a shell gives, results printed, a remote exception and a timeout as exit code 1, bad input
 * as exit code 2, the service found by name, an interface loaded from {@code --classpath}, and the
 * command in a process of its own.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcCommandTest {
    private static final String DESK = Desk.class.getName();

    private final String name = "desk-" + ProcessHandle.current().pid();
    private NameService names;
    private RpcServer<Desk> server;

    static final class FrontDesk implements Desk {
        @Override
        public String greet(String who) {
            return "hello, " + who;
        }

        @Override
        public long add(long a, int b) {
            return a + b;
        }

        @Override
        public byte[] reverse(byte[] bytes) {
            byte[] r = new byte[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                r[i] = bytes[bytes.length - 1 - i];
            }
            return r;
        }

        @Override
        public Mood flip(Mood mood) {
            return mood == Mood.CALM ? Mood.BUSY : Mood.CALM;
        }

        @Override
        public boolean not(boolean b) {
            return !b;
        }

        @Override
        public double half(double d) {
            return d / 2;
        }

        @Override
        public char first(String s) {
            return s.charAt(0);
        }

        @Override
        public String repeat(char c, int n) {
            return String.valueOf(c).repeat(n);
        }

        @Override
        public Tally tally(String who, long total) {
            return new Tally(who, total, List.of("a", "b"));
        }

        @Override
        public long sum(List<Long> values) {
            return values.stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public long total(List<Amount> amounts) {
            return amounts.stream().mapToLong(Amount::cents).sum();
        }

        @Override
        public Tally merge(Tally a, Tally b) {
            List<String> notes = new java.util.ArrayList<>(a.notes());
            notes.addAll(b.notes());
            return new Tally(a.who() + "+" + b.who(), a.total() + b.total(), notes);
        }

        @Override
        public int count(Map<Mood, List<Long>> byMood) {
            return byMood.entrySet().stream().mapToInt(e -> e.getKey().ordinal() * 100 + e.getValue().size()).sum();
        }

        @Override
        public String describe(Blob blob) {
            return blob == null ? "no blob" : blob.name() + ":" + java.util.HexFormat.of().formatHex(blob.data());
        }

        @Override
        public void fail(String message) {
            throw new IllegalStateException(message);
        }

        @Override
        public void nap(int millis) throws InterruptedException {
            Thread.sleep(millis);
        }

        @Override
        public int twice(int a) {
            return 2 * a;
        }

        @Override
        public String twice(String s) {
            return s + s;
        }

        @Override
        public int weigh(Map<Double, String> byWeight) {
            return byWeight.size();
        }

        @Override
        public int shelve(List<Shelf> shelves) {
            return shelves.stream().mapToInt(shelf -> shelf.items().size()).sum();
        }

        @Override
        public Light light(Light light) {
            return light;
        }

        @Override
        public String signal(Signal signal) {
            return signal.now().name() + " then " + signal.next().stream().map(Light::name).toList() + " "
                    + new java.util.TreeMap<>(signal.seconds()).entrySet().stream()
                    .map(e -> e.getKey().name() + "=" + e.getValue()).toList();
        }

        @Override
        public String plan(Map<Light, List<Light>> plan) {
            return new java.util.TreeMap<>(plan).entrySet().stream()
                    .map(e -> e.getKey().name() + "->" + e.getValue().stream().map(Light::name).toList()).toList().toString();
        }

        @Override
        public float exactly(float f) {
            return f;
        }

        @Override
        public String gauge(Gauge gauge) {
            return gauge.toString();
        }

        @Override
        public int chain(Node node) {
            return node == null ? 0 : 1 + (node.kids().isEmpty() ? 0 : chain(node.kids().getFirst()));
        }

        @Override
        public String route(Map<Spot, String> legs) {
            return legs.entrySet().stream()
                    .sorted(java.util.Comparator.comparingInt((Map.Entry<Spot, String> e) -> e.getKey().x())
                            .thenComparingInt(e -> e.getKey().y()))
                    .map(e -> e.getKey().x() + "," + e.getKey().y() + "=" + e.getValue()).toList().toString();
        }

        @Override
        public String tagged(Map<List<String>, Integer> byTags) {
            return byTags.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList().toString();
        }

        @Override
        public Everything echo(Everything everything) {
            return everything;
        }

        @Override
        public String bits(byte b, short s, int i, long l) {
            return b + " " + s + " " + i + " " + l;
        }
    }

    @BeforeEach
    void serve() {
        names = NameService.open();
        server = RpcServer.builder(name, Desk.class, new FrontDesk()).register(names).start();
    }

    @AfterEach
    void stop() {
        server.close();
        names.close();
    }

    private CliRun call(String... words) {
        String[] args = new String[words.length + 4];
        args[0] = "rpc";
        args[1] = "call";
        System.arraycopy(words, 0, args, 2, words.length);
        args[words.length + 2] = "--interface";
        args[words.length + 3] = DESK;
        return jipc(args);
    }

    /**
     * Each case, a method's name, its argument words and last a piece of the message expected, is a
     * bad argument: exit 2, the message on standard error.
     */
    private void assertRefused(String at, List<List<String>> cases) {
        for (List<String> c : cases) {
            List<String> words = new java.util.ArrayList<>(List.of(at));
            words.addAll(c.subList(0, c.size() - 1));
            CliRun run = call(words.toArray(String[]::new));
            assertEquals(2, run.exit(), c + ": " + run.out());
            assertTrue(run.err().contains(c.getLast()), c + ": " + run.err());
        }
    }

    private void assertResult(String expected, String... words) {
        CliRun run = call(words);
        assertEquals(0, run.exit(), run.err());
        assertEquals(expected + "\n", run.out(), String.join(" ", words));
    }

    @Test
    void everyKindOfArgumentGoesAndTheResultIsPrinted() {
        String at = "mailbox:" + name;
        assertResult("hello, ada", at, "greet", "ada");
        assertResult("42", at, "add", "2", "40");
        assertResult("17", at, "add", "0x10", "1");
        assertResult("-3", at, "add", "-5", "2");
        assertResult("0b0aff", at, "reverse", "ff0a0b");
        assertResult("", at, "reverse", "");
        assertResult("BUSY", at, "flip", "CALM");
        assertResult("false", at, "not", "true");
        assertResult("1.5", at, "half", "3");
        assertResult("x", at, "first", "xyz");
        assertResult("{\"who\":\"ada\",\"total\":7,\"notes\":[\"a\",\"b\"]}", at, "tally", "ada", "7");
        assertResult("zzz", at, "repeat", "z", "3");
        // records, lists and maps: one word of JSON each
        assertResult("6", at, "sum", "[1, 2, 3]");
        assertResult("0", at, "sum", "[]");
        assertResult("12", at, "total", "[{\"cents\": 5, \"mood\": \"CALM\"}, {\"cents\": 7, \"mood\": null}]");
        assertResult("{\"who\":\"a+b\",\"total\":3,\"notes\":[\"x\",\"y\",\"z\"]}", at, "merge",
                "{\"who\": \"a\", \"total\": 1, \"notes\": [\"x\"]}", "{\"who\":\"b\",\"total\":2,\"notes\":[\"y\",\"z\"]}");
        assertResult("103", at, "count", "{\"CALM\": [1, 2, 3], \"BUSY\": []}");
        assertResult("pic:00ff10", at, "describe", "{\"name\": \"pic\", \"data\": \"00ff10\"}");
        assertResult("no blob", at, "describe", "null");
        CliRun v = call(at, "nap", "1");
        assertEquals(0, v.exit(), v.err());
        assertEquals("", v.out(), "void prints nothing");
    }

    @Test
    void aServiceRegisteredInTheNameServiceIsFoundByItsName() {
        assertResult("hello, bob", name, "greet", "bob");
        CliRun missing = call("nobody-" + name, "greet", "bob");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no RPC service"), missing.err());
    }

    /**
     * A record of another host whose address is no RPC address is the name service's fault, not the
     * command's arguments: exit 1, the message naming where the address came from (fresh58c explorer:
     * exit 2 with the usage, once a bad address given on the command line became a usage error).
     */
    @Test
    void aRecordWithABadAddressIsAFailedCallNotAUsageError() {
        String bad = "bad-" + name;
        names.bind("rpc/" + bad, new io.jipc.naming.NameRecord("rpc", Desk.class.getName(), "tcp://127.0.0.1:1",
                Map.of("host", "some-other-host")));
        try {
            CliRun run = call(bad, "greet", "x");
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().contains("'" + bad + "' as the name service has it: not an RPC address"), run.err());
        } finally {
            names.unregister("rpc/" + bad);
        }
        CliRun tooLong = call("n".repeat(300), "greet", "x"); // a name no service can have: the argument (fresh58d)
        assertEquals(2, tooLong.exit(), tooLong.err());
        assertTrue(tooLong.err().contains("a name has 1 to 240 characters"), tooLong.err());
        CliRun mailboxAlone = call("mailbox:", "greet", "x"); // the JDK's own words alone said little
        assertEquals(2, mailboxAlone.exit(), mailboxAlone.err());
        assertTrue(mailboxAlone.err().contains("not an RPC address"), mailboxAlone.err());
    }

    @Test
    void aServerListeningOnAUnixSocketIsCalledByItsUnixAddress() {
        java.nio.file.Path socket = JipcTestExtension.root().resolve("desk.sock");
        try (RpcServer<Desk> listening = RpcServer.builder(name + "-unix", Desk.class, new FrontDesk())
                .listen(java.net.UnixDomainSocketAddress.of(socket)).start()) {
            assertResult("hello, ada", "unix:" + socket + "#" + name + "-unix", "greet", "ada");
            CliRun other = call("unix:" + socket + "#" + name, "greet", "ada"); // the listener serves another name
            assertEquals(1, other.exit(), other.err());
            assertTrue(other.err().contains("no such service"), other.err());
        }
        assertFalse(java.nio.file.Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aFailedCallIsExitCodeOne() {
        String at = "mailbox:" + name;
        CliRun threw = call(at, "fail", "out of paper");
        assertEquals(1, threw.exit());
        assertEquals("jipc rpc: fail threw java.lang.IllegalStateException: out of paper\n", threw.err());
        CliRun slow = jipc("rpc", "call", at, "nap", "5000", "--interface", DESK, "--timeout", "200ms");
        assertEquals(1, slow.exit());
        assertTrue(slow.err().startsWith("jipc rpc: "), slow.err());
        CliRun gone = call("mailbox:no-such-desk", "greet", "x");
        assertEquals(1, gone.exit(), gone.err());
    }

    @Test
    void theTimeoutBoundsTheWaitForAServerThatDoesNotAnswer() {
        // a server that never answers: its mailbox has the RPC label
        try (Mailbox silent = Mailbox.create("silent", MailboxOptions.builder().protocol(RpcServer.PROTOCOL).build())) {
            CliRun run = jipc("rpc", "call", "mailbox:silent", "greet", "x", "--interface", DESK, "--timeout", "300ms");
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().startsWith("jipc rpc: no answer from 'silent' within 300ms"), run.err());
        } finally {
            Mailbox.destroy("silent");
        }
        try (Mailbox plain = Mailbox.create("plain")) { // a receiver of other messages: it gets no HELLO
            CliRun run = jipc("rpc", "call", "mailbox:plain", "greet", "x", "--interface", DESK);
            assertEquals(1, run.exit(), run.err());
            assertEquals("jipc rpc: mailbox 'plain' is not an RPC server's: its protocol label is empty, not 'jipc-rpc' "
                    + "(nothing was sent to it)\n", run.err());
            assertEquals(0, plain.pendingBytes());
        } finally {
            Mailbox.destroy("plain");
        }
        CliRun zero = jipc("rpc", "call", "mailbox:" + name, "greet", "x", "--interface", DESK, "--timeout", "PT0S");
        assertEquals(2, zero.exit(), zero.err());
        assertTrue(zero.err().startsWith("--timeout must be positive: 0s\nUsage: jipc rpc call "), zero.err());
    }

    @Test
    void badArgumentsAreExitCodeTwoAndSayWhich() {
        String at = "mailbox:" + name;
        List<List<String>> cases = List.of(
                List.of("add", "2", "forty", "argument 2 of add (int): not a number of that type: forty"),
                List.of("add", "2", "5000000000", "argument 2 of add (int)"),
                List.of("not", "yes", "not true or false: yes"),
                List.of("repeat", "xy", "2", "argument 1 of repeat (char): not one character: xy"),
                List.of("reverse", "abc", "not bytes in hex"),
                List.of("flip", "ANGRY", "not one of [CALM, BUSY]: ANGRY"),
                List.of("sum", "[1,", "argument 1 of sum (List): as JSON for java.util.List<java.lang.Long>: Unexpected end-of-input"),
                List.of("sum", "[\"1\"]", "Cannot coerce String"),
                List.of("sum", "[2, 1.5]", "argument 1 of sum (List): as JSON for java.util.List<java.lang.Long>: "),
                List.of("sum", "[1.0]", "argument 1 of sum (List): as JSON for java.util.List<java.lang.Long>: "),
                List.of("sum", "[1e3]", "argument 1 of sum (List): as JSON for java.util.List<java.lang.Long>: "),
                List.of("total", "[{\"cents\": 1.5, \"mood\": \"CALM\"}]", "argument 1 of total (List): as JSON for "),
                List.of("sum", "[1] [2]", "argument 1 of sum (List): as JSON for java.util.List<java.lang.Long>: Trailing token"),
                List.of("total", "[{\"cents\": 5}]", "Missing creator property 'mood'"),
                List.of("total", "[{\"cents\": -1, \"mood\": \"CALM\"}]", "negative amount -1"),
                List.of("total", "[{\"cents\": 1, \"mood\": \"ANGRY\"}]", "ANGRY"),
                List.of("merge", "{\"who\": \"a\", \"total\": 1, \"notes\": [], \"extra\": 0}", "{}", "Unrecognized property \"extra\""),
                List.of("merge", "{\"who\": \"a\", \"total\": null, \"notes\": []}", "{}", "Cannot map `null` into type `long`"),
                List.of("describe", "{\"name\": \"pic\", \"data\": \"abc\"}", "not bytes in hex"),
                List.of("describe", "{\"name\": \"pic\", \"data\": 12}", "argument 1 of describe (Blob): as JSON for io.jipc.cli.rpcdesk.Desk$Blob"),
                List.of("add", "1", "add takes 2 arguments, not 1"),
                List.of("twice", "1", "2", "twice takes 1 argument, not 2"),
                List.of("twice", "3", "twice of 1 arguments is overloaded"),
                List.of("shout", "x", "has no method shout"));
        assertRefused(at, cases);
        for (String notAnAddress : List.of("ftp://x/y", "tcp:nohost", "unix:/no/name.sock")) { // exit 2, not 1 (fresh58a)
            CliRun run = call(notAnAddress, "greet", "x");
            assertEquals(2, run.exit(), notAnAddress + ": " + run.err());
            assertTrue(run.err().contains("not an RPC address"), run.err());
        }
        CliRun notAnInterface = jipc("rpc", "call", at, "greet", "x", "--interface", "java.lang.String");
        assertEquals(2, notAnInterface.exit());
        assertTrue(notAnInterface.err().contains("is not an interface"), notAnInterface.err());
        CliRun unknown = jipc("rpc", "call", at, "greet", "x", "--interface", "com.example.Nowhere");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("cannot load com.example.Nowhere (give --classpath)"), unknown.err());
        CliRun notMarshallable = jipc("rpc", "call", at, "size", "--interface", "java.util.Collection");
        assertEquals(2, notMarshallable.exit(), notMarshallable.err());
        assertEquals(2, jipc("rpc", "call", at, "greet", "x", "--interface", DESK, "--timeout", "soon").exit());
    }

    @Test
    void integersAreDecimalOrHexAndHexGivesTheTypesBits() {
        String at = "mailbox:" + name;
        assertResult("10 10 10 10", at, "bits", "10", "10", "10", "10");
        assertResult("0 0 0 -5", at, "bits", "0", "-0", "+0", "-5");
        assertResult("-128 -32768 -2147483648 -9223372036854775808", at, "bits",
                "-128", "-32768", "-2147483648", "-9223372036854775808");
        assertResult("127 32767 2147483647 9223372036854775807", at, "bits",
                "127", "32767", "2147483647", "9223372036854775807");
        assertResult("16 -16 31 255", at, "bits", "0x10", "-0x10", "0X1f", "0xff");
        // hex is the type's bits, as Java's hex literals: 0x80..0xff are the negative bytes
        assertResult("-1 -1 -1 -1", at, "bits", "0xff", "0xffff", "0xffffffff", "0xffffffffffffffff");
        assertResult("-128 -32768 -2147483648 -9223372036854775808", at, "bits",
                "0x80", "0x8000", "0x80000000", "0x8000000000000000");
        List<List<String>> refused = List.of(
                List.of("010", "argument 1 of bits (byte): not a number of that type: 010 (integers are decimal, "
                        + "without a leading zero, or 0x hex)"),
                List.of("-010", "not a number of that type: -010 (integers are decimal"),
                List.of("00", "not a number of that type: 00 (integers are decimal"),
                List.of("09", "not a number of that type: 09 (integers are decimal"),
                List.of("#10", "argument 1 of bits (byte): not a number of that type: #10"),
                List.of("0x", "not a number of that type: 0x"),
                List.of("1_000", "not a number of that type: 1_000"),
                List.of("0x1g", "not a number of that type: 0x1g"),
                List.of("128", "argument 1 of bits (byte): out of range for byte (-128 to 127, or its bits in hex, "
                        + "0x0 to 0xff): 128"),
                List.of("-129", "out of range for byte (-128 to 127, or its bits in hex, 0x0 to 0xff): -129"),
                List.of("0x100", "out of range for byte (-128 to 127, or its bits in hex, 0x0 to 0xff): 0x100"),
                List.of("-0x81", "out of range for byte"),
                List.of("+0xff", "out of range for byte"));
        for (List<String> c : refused) {
            CliRun run = call(at, "bits", c.getFirst(), "0", "0", "0");
            assertEquals(2, run.exit(), c.toString());
            assertTrue(run.err().contains(c.getLast()), c + ": " + run.err());
        }
        CliRun wide = call(at, "bits", "0", "0", "0", "0x10000000000000000");
        assertEquals(2, wide.exit(), wide.err());
        assertTrue(wide.err().contains("argument 4 of bits (long): out of range for long"), wide.err());
    }

    /**
     * A float or double word that names a value its type cannot hold (it would round to infinity, or to
     * zero) is refused as an integer out of range is, exit 2 naming the argument; the type's extremes,
     * zero, the infinities and NaN go. Until 2026-12-06 3.4e39 called with Infinity and 1e-50 with 0.0.
     */
    @Test
    void aFloatingPointWordOutOfItsTypesRangeIsRefused() {
        String at = "mailbox:" + name;
        assertResult("3.4028235E38", at, "exactly", "3.4028235e38");
        assertResult("-3.4028235E38", at, "exactly", "-3.4028235e38");
        assertResult("1.4E-45", at, "exactly", "1.4e-45");
        assertResult("-0.0", at, "exactly", "-0");
        assertResult("0.0", at, "exactly", "0.000e-99");
        assertResult("0.0", at, "exactly", "0x0p-300");
        assertResult("Infinity", at, "exactly", "Infinity");
        assertResult("-Infinity", at, "exactly", "-Infinity");
        assertResult("NaN", at, "exactly", "NaN");
        assertResult("0.5", at, "exactly", "0x1p-1");
        assertResult("4.9E-324", at, "half", "1e-323"); // the double's smallest, halved: a result, not a word
        for (String word : List.of("3.4e39", "-3.4e39", "1e-50", "-1e-50", "1e-50f", "0x1p-200", "0x1p200")) {
            CliRun run = call(at, "exactly", word);
            assertEquals(2, run.exit(), word + ": " + run.err());
            assertTrue(run.err().contains("argument 1 of exactly (float): out of range for float (finite values from "
                    + Float.MIN_VALUE + " to " + Float.MAX_VALUE + ", either sign, and 0; or Infinity, -Infinity, NaN): "
                    + word), word + ": " + run.err());
        }
        for (String word : List.of("1e309", "-1e309", "1e-400", "0x1p-1100")) {
            CliRun run = call(at, "half", word);
            assertEquals(2, run.exit(), word + ": " + run.err());
            assertTrue(run.err().contains("argument 1 of half (double): out of range for double"), word + ": " + run.err());
        }
    }

    /**
     * A float or double inside a JSON argument (a record's component, a list's element, a map's key or
     * value) is read by the words' rule: one its type cannot hold (it would round to infinity, or to
     * zero) is refused, exit 2 naming the argument and the range; the extremes, zeros, and the strings
     * Jackson takes for NaN and the infinities go. Until 2026-12-06 Jackson rounded them silently, so
     * {@code [1e309]} called with Infinity and {@code [1e-50]} (of floats) with 0.0.
     */
    @Test
    void aFloatingPointNumberInJsonOutOfItsTypesRangeIsRefused() {
        String at = "mailbox:" + name;
        assertResult("Gauge[f=3.4028235E38, d=-0.0, floats=[1.4E-45, -0.0, 0.0, NaN, -Infinity], "
                + "byKey={1.0E308=4.9E-324, 4.9E-324=1.7976931348623157E308, Infinity=1.0, -0.0=0.0}]", at, "gauge",
                "{\"f\": 3.4028235e38, \"d\": -0, \"floats\": [1.4e-45, -0.0, 0e-999, \"NaN\", \"-Infinity\"],"
                        + " \"byKey\": {\"1e308\": 4.9e-324, \"4.9e-324\": 1.7976931348623157e308, \"Infinity\": 1,"
                        + " \"-0\": 0.000e-500}}");
        String gauge = "argument 1 of gauge (Gauge): as JSON for " + Desk.Gauge.class.getName() + ": out of range for ";
        String floats = "float (finite values from " + Float.MIN_VALUE + " to " + Float.MAX_VALUE
                + ", either sign, and 0; or Infinity, -Infinity, NaN): ";
        String doubles = "double (finite values from " + Double.MIN_VALUE + " to " + Double.MAX_VALUE
                + ", either sign, and 0; or Infinity, -Infinity, NaN): ";
        String huge = "1" + "0".repeat(309); // an integer in JSON, beyond the double's range
        List<List<String>> cases = List.of(
                List.of("gauge", gauge("3.4e39", "0", "[]", "{}"), gauge + floats + "3.4e39"),
                List.of("gauge", gauge("-1e-50", "0", "[]", "{}"), gauge + floats + "-1e-50"),
                List.of("gauge", gauge("0", "1e309", "[]", "{}"), gauge + doubles + "1e309"),
                List.of("gauge", gauge("0", "-1e-400", "[]", "{}"), gauge + doubles + "-1e-400"),
                List.of("gauge", gauge("0", huge, "[]", "{}"), gauge + doubles + huge),
                List.of("gauge", gauge("0", "0", "[1, 3.4e39]", "{}"), gauge + floats + "3.4e39"),
                List.of("gauge", gauge("0", "0", "[1e-50]", "{}"), gauge + floats + "1e-50"),
                List.of("gauge", gauge("0", "0", "[]", "{\"1e309\": 1}"), gauge + doubles + "1e309"),
                List.of("gauge", gauge("0", "0", "[]", "{\"1e-400\": 1}"), gauge + doubles + "1e-400"),
                List.of("gauge", gauge("0", "0", "[]", "{\"1\": -1e309}"), gauge + doubles + "-1e309"),
                List.of("weigh", "{\"1e309\": \"a\"}", "argument 1 of weigh (Map): as JSON for java.util.Map<java.lang.Double, "
                        + "java.lang.String>: out of range for " + doubles + "1e309"),
                List.of("weigh", "{\"1.5\": \"a\", \"2e309\": \"b\"}", doubles + "2e309"));
        assertRefused(at, cases);
    }

    /** A {@code Gauge} as JSON, of these components' JSON. */
    private static String gauge(String f, String d, String floats, String byKey) {
        return "{\"f\": " + f + ", \"d\": " + d + ", \"floats\": " + floats + ", \"byKey\": " + byKey + "}";
    }

    /**
     * A JSON argument nested deeper than a call carries (32 levels, as {@code io.jipc.rpc} counts them:
     * two per node of {@code Node}, so a chain of 16 goes and 17 does not) is a bad argument, exit 2
     * naming it, refused before anything is sent. Until 2026-12-06 it went to the stub, whose
     * NotMarshallableException was reported as a failed call, exit 1, without naming the argument.
     */
    @Test
    void aJsonArgumentNestedTooDeeplyIsABadArgument() {
        String at = "mailbox:" + name;
        assertResult("16", at, "chain", nodes(16));
        CliRun deep = call(at, "chain", nodes(17));
        assertEquals(2, deep.exit(), deep.err());
        assertTrue(deep.err().contains("argument 1 of chain (Node): value nested deeper than 32"), deep.err());
    }

    /** A chain of {@code count} nodes as JSON, each the only kid of the one before. */
    private static String nodes(int count) {
        String json = "{\"v\": \"" + count + "\", \"kids\": []}";
        for (int i = count - 1; i >= 1; i--) {
            json = "{\"v\": \"" + i + "\", \"kids\": [" + json + "]}";
        }
        return json;
    }

    @Test
    void aKeyGivenTwiceInJsonIsRefusedNamingIt() {
        String at = "mailbox:" + name;
        assertResult("2", at, "weigh", "{\"1.5\": \"a\", \"2.5\": \"b\"}");
        assertResult("2", at, "weigh", "{\"0.0\": \"a\", \"-0.0\": \"b\"}"); // two keys of a Map<Double, V>
        assertResult("3", at, "shelve", "[{\"label\": \"x\", \"items\": {\"1\": \"a\", \"2\": \"b\"}},"
                + " {\"label\": \"x\", \"items\": {\"1\": \"a\"}}]");
        List<List<String>> cases = List.of(
                List.of("count", "{\"CALM\": [1], \"CALM\": [2]}", "argument 1 of count (Map): as JSON for "
                        + "java.util.Map<io.jipc.cli.rpcdesk.Desk$Mood, java.util.List<java.lang.Long>>: Duplicate Object property \"CALM\""),
                List.of("merge", "{\"who\": \"a\", \"who\": \"b\", \"total\": 1, \"notes\": []}",
                        "{\"who\": \"c\", \"total\": 1, \"notes\": []}", "Duplicate Object property \"who\""),
                List.of("weigh", "{\"1.5\": \"a\", \"1.50\": \"b\"}", "argument 1 of weigh (Map): as JSON for "
                        + "java.util.Map<java.lang.Double, java.lang.String>: the map keys \"1.5\" and \"1.50\" are the same key "
                        + "(1.5) of java.lang.Double"),
                List.of("weigh", "{\"1e0\": \"a\", \"1\": \"b\"}", "the map keys \"1e0\" and \"1\" are the same key (1.0)"),
                List.of("shelve", "[{\"label\": \"x\", \"items\": {}}, {\"label\": \"y\", \"items\": {\"1\": \"a\", \"+1\": \"b\"}}]",
                        "the map keys \"1\" and \"+1\" are the same key (1) of java.lang.Long"));
        assertRefused(at, cases);
    }

    /**
     * An enum constant is given by its name, also printed by it, so that a result can be passed back as
     * an argument; its {@code toString()} ("go" for {@code GREEN}) is refused. Until 2026-12-06 the
     * result was printed as {@code toString()}.
     */
    @Test
    void anEnumIsGivenByNameAndARefusalListsTheNames() {
        String at = "mailbox:" + name;
        assertResult("GREEN", at, "light", "GREEN"); // not the constant's toString(), "go"
        assertResult("RED", at, "light", "RED");
        CliRun run = call(at, "light", "go");
        assertEquals(2, run.exit(), run.out());
        assertTrue(run.err().contains("argument 1 of light (Light): not one of [RED, GREEN]: go"), run.err());
    }

    /**
     * Inside JSON too (a record's component, a list's element, a map's key, in a record or as the
     * argument), an enum constant is its name, as a word is: its {@code toString()} and its ordinal are
     * refused, exit 2 naming the argument. Until 2026-12-06 Jackson 3's default read it by its
     * {@code toString()}, so {@code "GREEN"} was refused and {@code "go"} (or {@code 1}) called with GREEN.
     */
    @Test
    void anEnumInJsonIsGivenByNameNotByItsToString() {
        String at = "mailbox:" + name;
        assertResult("GREEN then [RED, GREEN] [RED=1, GREEN=3]", at, "signal",
                "{\"now\": \"GREEN\", \"next\": [\"RED\", \"GREEN\"], \"seconds\": {\"GREEN\": 3, \"RED\": 1}}");
        assertResult("[RED->[GREEN], GREEN->[]]", at, "plan", "{\"GREEN\": [], \"RED\": [\"GREEN\"]}");
        String signal = "argument 1 of signal (Signal): as JSON for " + Desk.Signal.class.getName() + ": ";
        String plan = "argument 1 of plan (Map): as JSON for java.util.Map<" + Light.class.getName() + ", java.util.List<"
                + Light.class.getName() + ">>: ";
        String value = "Cannot deserialize value of type `" + Light.class.getName() + "` from ";
        String key = "Cannot deserialize Map key of type `" + Light.class.getName() + "` from ";
        List<List<String>> cases = List.of(
                List.of("signal", "{\"now\": \"go\", \"next\": [], \"seconds\": {}}",
                        signal + value + "String \"go\": not one of the values accepted for Enum class: [RED, GREEN]"),
                List.of("signal", "{\"now\": \"RED\", \"next\": [\"go\"], \"seconds\": {}}", signal + value + "String \"go\""),
                List.of("signal", "{\"now\": \"RED\", \"next\": [], \"seconds\": {\"go\": 1}}",
                        signal + key + "String \"go\": not one of the values accepted for Enum class: [RED, GREEN]"),
                List.of("signal", "{\"now\": 1, \"next\": [], \"seconds\": {}}", signal + value + "number 1"),
                List.of("signal", "{\"now\": \"green\", \"next\": [], \"seconds\": {}}", signal + value + "String \"green\""),
                List.of("plan", "{\"go\": []}", plan + key + "String \"go\""),
                List.of("plan", "{\"RED\": [\"go\"]}", plan + value + "String \"go\""));
        assertRefused(at, cases);
    }

    /**
     * A map whose keys are records or lists, which a JSON object's names (strings) cannot give, is an
     * array of {@code [key, value]} pairs. Until 2026-12-06 no JSON could call such a method (Jackson:
     * "Cannot find a (Map) Key deserializer"), though {@code rpc methods} marked it as taking JSON.
     */
    @Test
    void aMapWithRecordOrListKeysIsGivenAsKeyValuePairs() {
        String at = "mailbox:" + name;
        assertResult("[1,2=a, 3,4=b]", at, "route", "[[{\"x\": 3, \"y\": 4}, \"b\"], [{\"x\": 1, \"y\": 2}, \"a\"]]");
        assertResult("[]", at, "route", "[]");
        assertResult("[1,2=null]", at, "route", "[[{\"x\": 1, \"y\": 2}, null]]");
        assertResult("[[]=0, [a, b]=3]", at, "tagged", "[[[\"a\", \"b\"], 3], [[], 0]]");
        String route = "argument 1 of route (Map): as JSON for java.util.Map<" + Desk.Spot.class.getName() + ", java.lang.String>: ";
        List<List<String>> cases = List.of(
                List.of("route", "{\"1,2\": \"a\"}", route + "expected an array of [key, value] pairs (its keys, Spot, "
                        + "cannot be an object's names)"),
                List.of("route", "[{\"x\": 1, \"y\": 2}]", route + "expected a [key, value] pair"),
                List.of("route", "[[{\"x\": 1, \"y\": 2}]]", route + "expected a [key, value] pair, not a key alone"),
                List.of("route", "[[]]", route + "expected a [key, value] pair, not an empty one"),
                List.of("route", "[[{\"x\": 1, \"y\": 2}, \"a\", \"b\"]]", route + "expected a [key, value] pair, not more"),
                List.of("route", "[[{\"x\": 1, \"y\": 2}, \"a\"], [{\"y\": 2, \"x\": 1}, \"b\"]]",
                        route + "the map key Spot[x=1, y=2] is given twice"),
                List.of("route", "[[{\"x\": -1, \"y\": 2}, \"a\"]]", route + "a spot off the map -1,2"), // the record's own check
                List.of("route", "[[{\"x\": 1}, \"a\"]]", route + "Missing creator property 'y'"),
                List.of("tagged", "[[[\"a\"], 1], [[\"a\"], 2]]", "the map key [a] is given twice"));
        assertRefused(at, cases);
    }

    /**
     * A pair-form map that a server would refuse as a hash flood (more than 256 keys of one hash code:
     * spots {@code (i, 7936 - 31 i)} all hash to 7936) is a bad argument: exit 2, "cannot be sent", the
     * stub's refusal naming the size, the limit and the hash code; 256 of them are called. Until
     * 2026-12-06 it was sent, refused by the server, and the command exited 1 as for a failed call.
     */
    @Test
    void aPairFormMapAServerWouldRefuseAsAHashFloodIsABadArgument() {
        String at = "mailbox:" + name;
        int limit = io.jipc.rpc.Marshaller.MAX_KEYS_PER_HASH;
        CliRun flood = call(at, "route", spots(limit + 1));
        assertEquals(2, flood.exit(), flood.err());
        assertTrue(flood.err().contains("the arguments of route cannot be sent: a map of " + (limit + 1)
                + " entries with more than " + limit + " keys of one hash code (" + 31 * limit
                + "): refused as a hash flood"), flood.err());
        CliRun fits = call(at, "route", spots(limit));
        assertEquals(0, fits.exit(), fits.err());
        assertTrue(fits.out().startsWith("[0," + 31 * limit + "=a, 1,"), fits.out());
    }

    /** {@code count} pairs {@code [{"x": i, "y": 7936 - 31 i}, "a"]}, all of hash code 7936 ({@code 31 * 256}). */
    private static String spots(int count) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> "[{\"x\": " + i + ", \"y\": " + (31 * 256 - 31 * i) + "}, \"a\"]")
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /**
     * A record, list or map result is printed as JSON in the form an argument of its type is given, so
     * that it can be given back as one: enums by name (not {@code toString()}), bytes in hex, a map
     * keyed by records or lists as pairs, NaN as a string. Until 2026-12-06 it was printed by
     * {@code toString()} ({@code Signal[now=go, ...]}: the constant GREEN as "go", bytes as "[B@1b2c").
     */
    @Test
    void aRecordListOrMapResultIsPrintedAsTheJsonThatGivesItBack() {
        String at = "mailbox:" + name;
        String everything = "{\"signal\":{\"now\":\"GREEN\",\"next\":[\"RED\",\"GREEN\"],\"seconds\":{\"GREEN\":3}},"
                + "\"legs\":[[{\"x\":1,\"y\":2},\"a\"]],"
                + "\"blob\":{\"name\":\"pic\",\"data\":\"00ff10\"},"
                + "\"gauge\":{\"f\":1.5,\"d\":\"NaN\",\"floats\":[\"Infinity\",-0.0],\"byKey\":{\"2.5\":null}},"
                + "\"tags\":[[[[\"a\",\"b\"],\"BUSY\"]],[]],"
                // a lone surrogate, which only an escape gives (printed raw, UTF-8 standard output makes it ?)
                + "\"letters\":{\"a\":\"\\ud83d\",\"b\":\"\\ude00\",\"\u00e9\":\"\u00e8\"}}";
        assertResult(everything, at, "echo", everything);
        CliRun again = call(at, "echo", call(at, "echo", everything).out().strip()); // the printed result given back
        assertEquals(0, again.exit(), again.err());
        assertEquals(everything + "\n", again.out());
        assertResult("{\"signal\":null,\"legs\":[],\"blob\":null,\"gauge\":null,\"tags\":[],\"letters\":{}}", at, "echo",
                "{\"signal\": null, \"legs\": [], \"blob\": null, \"gauge\": null, \"tags\": [], \"letters\": {}}");
        assertResult("null", at, "echo", "null");
    }

    @Test
    void methodsListsWhatTheCommandLineCanCall() {
        CliRun run = jipc("rpc", "methods", "--interface", DESK);
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.contains("long add(long, int)"), run.out());
        assertTrue(lines.contains("io.jipc.cli.rpcdesk.Desk$Tally tally(java.lang.String, long)"), run.out());
        assertTrue(lines.contains("long sum(java.util.List<java.lang.Long>)    (JSON: parameter 1)"), run.out());
        assertTrue(lines.contains("io.jipc.cli.rpcdesk.Desk$Tally merge(io.jipc.cli.rpcdesk.Desk$Tally, "
                + "io.jipc.cli.rpcdesk.Desk$Tally)    (JSON: parameters 1, 2)"), run.out());
        assertEquals(30, lines.size(), run.out());
        for (String line : lines) { // redeclared in Desk, but the stub's own, not remote
            assertTrue(!line.contains(" toString(") && !line.contains(" hashCode(") && !line.contains(" equals("), line);
        }
    }

    @Test
    void objectsMethodsRedeclaredInTheInterfaceAreRefusedAsNotRemote() {
        String at = "mailbox:" + name;
        for (List<String> words : List.of(List.of("toString"), List.of("hashCode"), List.of("equals", "\"x\""))) {
            List<String> all = new java.util.ArrayList<>(List.of(at));
            all.addAll(words);
            CliRun run = call(all.toArray(String[]::new));
            assertEquals(2, run.exit(), words + ": " + run.out());
            assertTrue(run.err().contains(words.getFirst() + " of " + DESK + " is not a remote method: it redeclares "
                    + "Object's " + words.getFirst() + ", which a client's stub answers itself"), run.err());
            assertEquals("", run.out(), words.toString());
        }
    }

    @Test
    void anInterfaceIsLoadedFromTheClassPathGiven() throws Exception {
        Path dir = Files.createTempDirectory("jipc-rpc-classpath");
        try {
            loadsFrom(dir);
        } finally {
            JipcTestExtension.deleteRecursively(dir);
        }
    }

    private void loadsFrom(Path dir) throws Exception {
        Path source = dir.resolve("src/elsewhere/Echo.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "package elsewhere; public interface Echo { String echo(String s);"
                + " record Point(int x, int y) { } String where(Point p); }");
        Path classes = dir.resolve("classes");
        Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "-d", classes.toString(), source.toString()).inheritIO().start();
        assertTrue(javac.waitFor(60, TimeUnit.SECONDS), "javac");
        assertEquals(0, javac.exitValue());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()})) {
            Class<?> echo = loader.loadClass("elsewhere.Echo");
            Object impl = Proxy.newProxyInstance(loader, new Class<?>[] {echo}, (proxy, method, args) ->
                    method.getName().equals("echo") ? "echo: " + args[0] : "at " + args[0]);
            try (RpcServer<?> other = start("echo-" + name, echo, impl)) {
                CliRun run = jipc("rpc", "call", "mailbox:echo-" + name, "echo", "hi", "--interface", "elsewhere.Echo",
                        "--classpath", classes.toString());
                assertEquals(0, run.exit(), run.err());
                assertEquals("echo: hi\n", run.out());
                // a record of a class loaded from --classpath, built from JSON
                CliRun point = jipc("rpc", "call", "mailbox:echo-" + name, "where", "{\"x\": 3, \"y\": -4}",
                        "--interface", "elsewhere.Echo", "--classpath", classes.toString());
                assertEquals(0, point.exit(), point.err());
                assertEquals("at Point[x=3, y=-4]\n", point.out());
            }
        }
        CliRun missing = jipc("rpc", "methods", "--interface", "elsewhere.Echo", "--classpath", dir.resolve("none").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no such class path entry"), missing.err());
    }

    @SuppressWarnings("unchecked")
    private static <T> RpcServer<T> start(String name, Class<T> api, Object impl) {
        return RpcServer.start(name, api, (T) impl);
    }

    @Test
    void theCommandCallsFromAProcessOfItsOwn() throws Exception {
        try (ChildJvm cli = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(1))
                .args("rpc", "call", name, "tally", "eve", "12", "--interface", DESK).start()) {
            assertEquals(0, cli.waitFor(Duration.ofMinutes(1)), cli.output());
            assertTrue(cli.output().contains("{\"who\":\"eve\",\"total\":12,\"notes\":[\"a\",\"b\"]}"), cli.output());
        }
    }
}
