package io.jipc.rpc;

import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The other process of the RPC tests; prints one line per event. Modes:
 * <ul>
 * <li>{@code serve <name> [tcp]}: serves a {@link BankService} as {@code name} (with {@code tcp} also
 *     on a free TCP port of 127.0.0.1), prints {@code SERVING <port or -1>};
 *     closes the server when its standard input ends (or a line arrives), then prints {@code CLOSED}.</li>
 * <li>{@code serve-unix <name> <path>}: serves a {@link BankService} as {@code name}, also on the
 *     Unix-domain socket {@code path}, prints {@code SERVING listen=<listenAddress()> tcp=<tcpAddress()>};
 *     closes the server when its standard input ends (or a line arrives), then prints {@code CLOSED}.</li>
 * <li>{@code call <name>}: connects, prints {@code CONNECTED}, deposits 1 cent into "child" in a
 *     loop, printing {@code CALLED} after the first, until killed.</li>
 * <li>{@code hammer <name> <threads> <calls>}: connects once, then each of {@code threads} threads
 *     deposits 1 cent {@code calls} times into its own account {@code <pid>-<thread>} and checks the
 *     balance after each deposit; prints {@code DONE} (or {@code WRONG ...} and exits 1).</li>
 * <li>{@code flood <name> <calls> [<maxTcpFrame>]}: connects to a {@link Blobs} server ({@code name} may be a
 *     {@code tcp://HOST:PORT/NAME} address, whose frames the client then takes up to {@code maxTcpFrame}
 *     bytes, 1 MiB if not given), sends {@code calls} async calls
 *     {@code blob(0..calls-1)}, prints {@code FIRED}, then waits for each (no timeout) and prints
 *     {@code RESULTS <right> <lost> <other>}: results that say their call, calls that failed with
 *     {@link RpcServerLostException}, and anything else (a wrong result, another failure).</li>
 * <li>{@code watch <name> <host> <frameTimeoutMillis>}: serves a {@link BankService} as {@code name} on a
 *     free TCP port of {@code host} whose connections have that frame timeout (and so, unless the server
 *     says otherwise, that dead peer timeout), prints {@code SERVING <port>}, then
 *     {@code STATE clients=<n> sleeping=<n> interrupted=<n>} (the server's {@code clientCount()}, the
 *     {@code sleep} calls running and those interrupted) whenever one changes, the first time too;
 *     closes the server when its standard input ends, then prints {@code CLOSED}.</li>
 * <li>{@code hold <tcp://HOST:PORT/NAME> call|idle}: connects and prints {@code CONNECTED}; {@code call}
 *     then calls {@code sleep} for 10 minutes and prints {@code LOST <message>} when it fails with
 *     {@link RpcServerLostException} (anything else: {@code ENDED <outcome>}); {@code idle} makes one
 *     call, prints {@code IDLE} and does nothing more. Either then waits for its standard input to end.</li>
 * <li>{@code cancel <name>}: connects twice to a {@link Bank} server ({@code name} may be a
 *     {@code tcp://HOST:PORT/NAME} address), the second client with a call timeout of 500 ms; through the
 *     first starts {@code sleep(600000)} (the parent holds it) and prints {@code HOLDING}; after a line
 *     on its standard input starts {@code deposit("cancelled", 1 cent)} and prints {@code SENT}; after
 *     another line cancels that future with {@code cancel(true)} and prints {@code CANCELLED <outcome>};
 *     calls {@code deposit("timedout", 1 cent)} through the second client and prints
 *     {@code TIMEOUT <outcome>}; starts {@code deposit("kept", 1 cent)} and prints {@code FIRED}; then
 *     prints {@code HELD <outcome>} and {@code KEPT <outcome>} as those calls end, and {@code NEXT <balance>}
 *     of a last call, {@code balance("kept")}.</li>
 * <li>{@code small <name> <maxReplySize>}: connects to a {@link Bank} server with that {@code maxReplySize}
 *     (64 is the least), starts {@code sleep(600000)}, makes a call after it and prints
 *     {@code HOLDING <client id>}; then prints {@code PENDING <outcome>} when the sleeping call ends and
 *     {@code NEXT <outcome>} of one more call, {@code balance("x")} (outcome as {@code cancel}'s).</li>
 * <li>{@code send <name> <chars>}: connects to a {@link Bank} server and prints {@code CONNECTED}; after a
 *     line on its standard input prints {@code CALLING} and, from its only calling thread, calls
 *     {@code deposit} into an account whose name has {@code chars} characters (a large call, which may
 *     wait for room in the server's mailbox), then prints {@code CALLED <outcome>} and {@code NEXT
 *     <outcome>} of one more call, {@code balance("x")} (outcome as {@code small}'s).</li>
 * <li>{@code fragile <name>}: serves a {@link FragileService} as {@code name} (also on a free TCP port of
 *     127.0.0.1), prints {@code SERVING <port>}; closes the server when its standard input ends, then
 *     prints {@code CLOSED}.</li>
 * <li>{@code uploads <name>}: serves an {@link UploadsService} as {@code name} on a free TCP port of
 *     127.0.0.1 with one slot ({@code maxCalls(1)}, {@code maxCallsPerConnection(1)}), prints
 *     {@code SERVING <port>}, prints {@code HOLDING} once a {@code hold} call runs; a line on its
 *     standard input releases every {@code hold}; closes the server when its standard input ends,
 *     then prints {@code CLOSED}.</li>
 * <li>{@code spin <name>}: serves a {@link SpinnerService} as {@code name} (also on a free TCP port of
 *     127.0.0.1), prints {@code SERVING <port> <processors>} ({@link Runtime#availableProcessors()});
 *     closes the server when its standard input ends, then prints {@code CLOSED}.</li>
 * </ul>
 */
public final class RpcChild {
    private RpcChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        switch (args[0]) {
            case "serve" -> serve(args[1], args.length > 2 && args[2].equals("tcp"));
            case "serve-unix" -> serveUnix(args[1], args[2]);
            case "call" -> call(args[1]);
            case "hammer" -> hammer(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "flood" -> flood(args[1], Integer.parseInt(args[2]),
                    args.length > 3 ? Integer.parseInt(args[3]) : RpcClient.Options.defaults().maxTcpFrameSize());
            case "watch" -> watch(args[1], args[2], Duration.ofMillis(Long.parseLong(args[3])));
            case "hold" -> hold(java.net.URI.create(args[1]), args[2].equals("call"));
            case "spin" -> spin(args[1]);
            case "fragile" -> fragile(args[1]);
            case "uploads" -> uploads(args[1]);
            case "small" -> small(args[1], Integer.parseInt(args[2]));
            case "send" -> sendLarge(args[1], Integer.parseInt(args[2]));
            case "cancel" -> cancelWaiting(args[1], args.length > 2 ? Integer.parseInt(args[2]) : -1,
                    args.length > 3 ? Integer.parseInt(args[3]) : 0);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void serve(String name, boolean tcp) throws Exception {
        RpcServer.Builder<Bank> builder = RpcServer.builder(name, Bank.class, new BankService());
        if (tcp) {
            builder.listen(new InetSocketAddress("127.0.0.1", 0));
        }
        try (RpcServer<Bank> server = builder.start()) {
            say("SERVING " + server.tcpAddress().map(a -> ((InetSocketAddress) a).getPort()).orElse(-1));
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        say("CLOSED");
    }

    private static void serveUnix(String name, String path) throws Exception {
        try (RpcServer<Bank> server = RpcServer.builder(name, Bank.class, new BankService())
                .listen(java.net.UnixDomainSocketAddress.of(path)).start()) {
            say("SERVING listen=" + server.listenAddress().orElse(null) + " tcp=" + server.tcpAddress());
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        say("CLOSED");
    }

    /**
     * With {@code fillers} of 0 or more: the call with a timeout (of 3 s) is sent with the one cancelled,
     * then that many calls of {@code pad} bytes (kept) before the cancel (after a line on stdin).
     */
    private static void cancelWaiting(String name, int fillers, int pad) throws Exception {
        boolean fill = fillers >= 0;
        RpcClient.Options timed = RpcClient.Options.defaults().withCallTimeout(Duration.ofMillis(fill ? 3000 : 500));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (RpcClient<Bank> plain = connect(name, RpcClient.Options.defaults());
             RpcClient<Bank> quick = connect(name, timed)) {
            Bank.Money cent = new Bank.Money(1, Bank.Currency.EUR);
            java.util.concurrent.CompletableFuture<Long> holder = plain.async(bank -> bank.sleep(600_000));
            say("HOLDING");
            in.readLine();
            java.util.concurrent.CompletableFuture<Boolean> cancelled = plain.async(bank -> {
                bank.deposit("cancelled", cent);
                return true;
            });
            java.util.concurrent.CompletableFuture<Boolean> timedOut = null;
            java.util.List<java.util.concurrent.CompletableFuture<byte[]>> filled = new java.util.ArrayList<>();
            if (fill) {
                Thread.sleep(200); // sent in this order (not a measure: the test checks what the server took)
                timedOut = quick.async(bank -> {
                    bank.deposit("timedout", cent);
                    return true;
                });
            }
            say("SENT");
            in.readLine();
            if (fill) {
                for (int i = 0; i < fillers; i++) {
                    filled.add(plain.async(bank -> bank.reverse(new byte[pad])));
                }
                say("FILLING");
                in.readLine();
            }
            cancelled.cancel(true);
            say("CANCELLED " + outcome(cancelled));
            String timeout;
            if (fill) {
                timeout = outcome(timedOut);
            } else {
                try {
                    quick.stub().deposit("timedout", cent);
                    timeout = "returned";
                } catch (RuntimeException e) {
                    timeout = e.getClass().getSimpleName();
                }
            }
            say("TIMEOUT " + timeout);
            java.util.concurrent.CompletableFuture<Boolean> kept = plain.async(bank -> {
                bank.deposit("kept", cent);
                return true;
            });
            say("FIRED");
            say("HELD " + outcome(holder));
            say("KEPT " + outcome(kept));
            say("NEXT " + plain.stub().balance("kept"));
            int returned = 0;
            for (java.util.concurrent.CompletableFuture<byte[]> f : filled) {
                returned += f.get().length == pad ? 1 : 0;
            }
            say("FILLED " + returned);
        }
    }

    private static RpcClient<Bank> connect(String name, RpcClient.Options options) throws InterruptedException {
        return name.contains("://") ? RpcClient.connect(java.net.URI.create(name), Bank.class, options)
                : RpcClient.connect(name, Bank.class, options);
    }

    /** What became of {@code future}: its value, or the simple name of what it failed with. */
    private static String outcome(java.util.concurrent.Future<?> future) throws InterruptedException {
        try {
            return String.valueOf(future.get());
        } catch (java.util.concurrent.CancellationException e) {
            return "CancellationException";
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().getClass().getSimpleName();
        }
    }

    private static void spin(String name) throws Exception {
        try (RpcServer<Spinner> server = RpcServer.builder(name, Spinner.class, new SpinnerService())
                .listen(new InetSocketAddress("127.0.0.1", 0)).start()) {
            say("SERVING " + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + " "
                    + Runtime.getRuntime().availableProcessors());
            readToTheEnd();
        }
        say("CLOSED");
    }

    /** Says {@code NEXT} and how a further call ends: its result, or the simple name of what it threw. */
    private static void sayNext(RpcClient<Bank> client) {
        String next;
        try {
            next = String.valueOf(client.stub().balance("x"));
        } catch (RuntimeException e) {
            next = e.getClass().getSimpleName();
        }
        say("NEXT " + next);
    }

    private static void small(String name, int maxReplySize) throws Exception {
        try (RpcClient<Bank> client = RpcClient.connect(name, Bank.class,
                RpcClient.Options.defaults().withMaxReplySize(maxReplySize))) {
            java.util.concurrent.CompletableFuture<Long> pending = client.async(bank -> bank.sleep(600_000));
            client.stub().balance("x"); // sent after the sleeping call: that one is taken, or is about to be
            say("HOLDING " + client.clientId());
            say("PENDING " + outcome(pending));
            sayNext(client);
        }
    }

    private static void sendLarge(String name, int chars) throws Exception {
        try (RpcClient<Bank> client = RpcClient.connect(name, Bank.class)) {
            say("CONNECTED");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            say("CALLING");
            String called;
            try {
                client.stub().deposit("a".repeat(chars), new Bank.Money(1, Bank.Currency.EUR));
                called = "returned";
            } catch (RuntimeException e) {
                called = e.getClass().getSimpleName();
            }
            say("CALLED " + called);
            sayNext(client);
        }
    }

    private static void fragile(String name) throws Exception {
        try (RpcServer<Fragile> server = RpcServer.builder(name, Fragile.class, new FragileService())
                .listen(new InetSocketAddress("127.0.0.1", 0)).start()) {
            say("SERVING " + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort());
            readToTheEnd();
        }
        say("CLOSED");
    }

    private static void uploads(String name) throws Exception {
        UploadsService service = new UploadsService();
        try (RpcServer<Uploads> server = RpcServer.builder(name, Uploads.class, service)
                .listen(new InetSocketAddress("127.0.0.1", 0)).maxCalls(1).maxCallsPerConnection(1).start()) {
            say("SERVING " + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort());
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (service.holdingCalls() == 0) {
                        Thread.sleep(5);
                    }
                    say("HOLDING");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                service.release();
            }
        }
        say("CLOSED");
    }

    private static void watch(String name, String host, Duration frameTimeout) throws Exception {
        BankService service = new BankService();
        ServerOptions options = ServerOptions.defaults()
                .withConnection(ConnectionOptions.defaults().withFrameTimeout(frameTimeout));
        try (RpcServer<Bank> server = RpcServer.builder(name, Bank.class, service)
                .listen(new InetSocketAddress(host, 0), options).start()) {
            say("SERVING " + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort());
            Thread input = Thread.ofPlatform().daemon().start(RpcChild::readToTheEnd);
            String last = "";
            while (input.isAlive()) {
                String now = "STATE clients=" + server.clientCount() + " sleeping=" + service.sleepingCalls()
                        + " interrupted=" + service.interruptedCalls();
                if (!now.equals(last)) {
                    say(now);
                    last = now;
                }
                Thread.sleep(5);
            }
        }
        say("CLOSED");
    }

    private static void hold(java.net.URI uri, boolean call) throws Exception {
        RpcClient<Bank> client = RpcClient.connect(uri, Bank.class, RpcClient.Options.defaults());
        say("CONNECTED");
        if (call) {
            try {
                say("ENDED " + client.stub().sleep(Duration.ofMinutes(10).toMillis()));
            } catch (RpcServerLostException e) {
                say("LOST " + e.getMessage());
            } catch (RuntimeException e) {
                say("ENDED " + e);
            }
        } else {
            client.stub().balance("idle");
            say("IDLE");
        }
        readToTheEnd(); // not closed: its host is taken for vanished, nothing more is said
    }

    private static void readToTheEnd() {
        try {
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (java.io.IOException e) {
            // the parent is gone: so is the reason to wait
        }
    }

    private static void call(String name) throws Exception {
        try (RpcClient<Bank> client = RpcClient.connect(name, Bank.class)) {
            say("CONNECTED");
            client.stub().deposit("child", new Bank.Money(1, Bank.Currency.EUR));
            say("CALLED");
            while (true) {
                client.stub().deposit("child", new Bank.Money(1, Bank.Currency.EUR));
            }
        }
    }

    private static void hammer(String name, int threads, int calls) throws Exception {
        try (RpcClient<Bank> client = RpcClient.connect(name, Bank.class)) {
            Bank bank = client.stub();
            java.util.List<Thread> workers = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                String account = ProcessHandle.current().pid() + "-" + t;
                workers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 1; i <= calls && wrong.get() == null; i++) {
                        bank.deposit(account, new Bank.Money(1, Bank.Currency.EUR));
                        long balance = bank.balance(account);
                        if (balance != i) {
                            wrong.set(account + " has " + balance + " after " + i + " deposits");
                        }
                    }
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (wrong.get() != null) {
                say("WRONG " + wrong.get());
                System.exit(1);
            }
        }
        say("DONE");
    }

    private static void flood(String name, int calls, int maxTcpFrame) throws Exception {
        try (RpcClient<Blobs> client = name.contains("://")
                ? RpcClient.connect(java.net.URI.create(name), Blobs.class,
                        RpcClient.Options.defaults().withMaxTcpFrameSize(maxTcpFrame))
                : RpcClient.connect(name, Blobs.class)) {
            java.util.List<java.util.concurrent.CompletableFuture<byte[]>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int seq = i;
                futures.add(client.async(blobs -> blobs.blob(seq)));
            }
            say("FIRED");
            int right = 0;
            int lost = 0;
            int other = 0;
            for (int i = 0; i < calls; i++) {
                try {
                    if (Blobs.says(futures.get(i).get(), i)) {
                        right++;
                    } else {
                        other++;
                        say("WRONG result of blob(" + i + ")");
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RpcServerLostException) {
                        lost++;
                    } else {
                        other++;
                        say("FAILED blob(" + i + "): " + e.getCause());
                    }
                }
            }
            say("RESULTS " + right + " " + lost + " " + other);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
