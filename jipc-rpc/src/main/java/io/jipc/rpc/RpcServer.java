package io.jipc.rpc;

import io.jipc.ClosedException;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.platform.ProcessIdentity;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves an implementation of a Java interface to other processes of this host: the server stub of
 * jipc's remote procedure calls. Callers reach it with an {@link RpcClient} of the same interface and
 * the same name.
 *
 * <pre>{@code
 * interface Bank { long balance(String account); void deposit(String account, long cents); }
 *
 * try (RpcServer<Bank> server = RpcServer.start("bank", Bank.class, new BankImpl())) {
 *     server.awaitClose();                 // serves until closed (e.g. by a shutdown hook)
 * }
 * }</pre>
 *
 * <p><b>How it works.</b> The server creates a mailbox of the given name and receives requests from
 * it on a virtual thread. A client says HELLO with the name of its own reply mailbox; each call then
 * runs on a virtual thread of its own (so calls of one or many clients run concurrently, and a slow
 * call holds up no other), and its result or failure goes to the caller's reply mailbox. The frames
 * are {@link RpcFrame}'s; arguments and results are {@link Marshaller}'s, checked against the
 * interface. A call that the client cancels, or whose timeout passes here, has its thread
 * interrupted.
 *
 * <p><b>When a peer dies.</b> A client that dies while its call runs gets no reply; the server notices
 * when a reply finds no room and the client's process is gone, and at the next HELLO of any client,
 * and then interrupts that client's calls and removes its reply mailbox. If this process dies,
 * clients notice within their liveness check ({@link RpcClient.Options#livenessCheck()}); the
 * request mailbox is left for {@code jipc gc} (its owner is dead) or the next server of that name,
 * which replaces it.
 *
 * <p>Thread-safe. {@link #close()} destroys the request mailbox, lets running calls answer for up to
 * {@link #CLOSE_GRACE}, interrupts the rest and tells every connected client (CLOSING).
 *
 * @param <T> the interface served
 */
public final class RpcServer<T> implements AutoCloseable {
    /** The request mailbox's options unless given: 64 KiB messages, room for 256 KiB. */
    public static final MailboxOptions DEFAULT_MAILBOX = MailboxOptions.builder().maxMessageSize(64 * 1024)
            .capacityBytes(256 * 1024).build();
    /** How long a reply waits for room in a live client's full reply mailbox between checks of its liveness. */
    private static final Duration REPLY_SLICE = Duration.ofMillis(100);
    /** How long {@link #close()} lets running calls finish before it interrupts them. */
    public static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    private final String name;
    private final Class<T> api;
    private final T implementation;
    private final Marshaller marshaller;
    private final Map<String, Method> methods;
    private final Mailbox requests;
    private final long self = ProcessIdentity.current().token();
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();
    private final AtomicLong nextClientId = new AtomicLong(1);
    private final ScheduledExecutorService deadlines;
    private final Thread dispatcher;
    /** Calls started and not yet answered; guarded by itself for {@link #close()}'s wait. */
    private final Object callsLock = new Object();
    private int runningCalls;
    private volatile boolean closed;

    /** A connected client: its reply mailbox and its running calls. */
    private static final class Client {
        final long id;
        final long token;
        final Mailbox replies;
        final Map<Long, Thread> running = new ConcurrentHashMap<>();

        Client(long id, long token, Mailbox replies) {
            this.id = id;
            this.token = token;
            this.replies = replies;
        }
    }

    private RpcServer(String name, Class<T> api, T implementation, MailboxOptions options) {
        this.name = name;
        this.api = api;
        this.implementation = implementation;
        this.marshaller = Marshaller.of(api);
        this.methods = RpcMethods.of(api);
        this.requests = Mailbox.create(name, options);
        this.deadlines = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jipc-rpc-deadlines-" + name).factory());
        this.dispatcher = Thread.ofVirtual().name("jipc-rpc-" + name).unstarted(this::serve);
    }

    /**
     * Creates the mailbox {@code name} (replacing one whose creator is dead) and serves
     * {@code implementation} on it, with {@link #DEFAULT_MAILBOX}'s options.
     *
     * @throws NotMarshallableException if a method of {@code api} names a type calls cannot carry
     * @throws io.jipc.mailbox.MailboxExistsException if a live process has a mailbox of that name
     */
    public static <T> RpcServer<T> start(String name, Class<T> api, T implementation) {
        return start(name, api, implementation, DEFAULT_MAILBOX);
    }

    /** As {@link #start(String, Class, Object)}, with the request mailbox's options (their size limits apply to requests). */
    public static <T> RpcServer<T> start(String name, Class<T> api, T implementation, MailboxOptions options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(implementation, "implementation");
        if (!api.isInstance(implementation)) {
            throw new IllegalArgumentException(implementation.getClass().getName() + " does not implement " + api.getName());
        }
        Marshaller.of(api); // refuse a non-marshallable interface before anything is created
        RpcServer<T> server = new RpcServer<>(name, api, implementation, options);
        server.dispatcher.start();
        return server;
    }

    /** The name clients connect to. */
    public String name() {
        return name;
    }

    /** The interface served. */
    public Class<T> api() {
        return api;
    }

    /** Clients connected now (said HELLO, not yet BYE or found dead). */
    public int clientCount() {
        return clients.size();
    }

    /** Waits until {@link #close()} has been called and the dispatcher has stopped. */
    public void awaitClose() throws InterruptedException {
        dispatcher.join();
    }

    private void serve() {
        try {
            while (!closed) {
                byte[] message = requests.take();
                RpcFrame frame;
                try {
                    frame = RpcFrame.decode(message);
                } catch (RpcProtocolException e) {
                    continue; // a stray or hostile message: nobody to answer
                }
                switch (frame) {
                    case RpcFrame.Hello hello -> welcome(hello);
                    case RpcFrame.Call call -> start(call);
                    case RpcFrame.Cancel cancel -> cancel(cancel.clientId(), cancel.callId());
                    case RpcFrame.Bye bye -> forget(clients.get(bye.clientId()), false);
                    default -> {
                        // frames of the other direction: ignored
                    }
                }
            }
        } catch (InterruptedException | ClosedException e) {
            // closing
        } catch (JipcException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private void welcome(RpcFrame.Hello hello) {
        sweep();
        Mailbox replies;
        try {
            replies = Mailbox.open(hello.replyMailbox());
        } catch (RuntimeException e) {
            return; // no such mailbox (the client is gone) or not a valid name: nobody to answer
        }
        if (!hello.api().equals(api.getName())) {
            send(replies, RpcFrame.encode(new RpcFrame.Refused("'" + name + "' serves " + api.getName() + ", not "
                    + hello.api())), hello.clientToken());
            replies.close();
            return;
        }
        Client client = new Client(nextClientId.getAndIncrement(), hello.clientToken(), replies);
        clients.put(client.id, client);
        if (!send(replies, RpcFrame.encode(new RpcFrame.Welcome(client.id, self)), client.token)) {
            forget(client, true);
        }
    }

    private void start(RpcFrame.Call call) {
        Client client = clients.get(call.clientId());
        if (client == null) {
            return; // said BYE, was found dead, or never said HELLO to this server
        }
        Method method = methods.get(call.method());
        if (method == null) {
            fail(client, call.callId(), RpcFrame.FailureCode.NO_SUCH_METHOD, RpcProtocolException.class.getName(),
                    "'" + name + "' (" + api.getName() + ") has no method " + call.method());
            return;
        }
        Thread thread = Thread.ofVirtual().name("jipc-rpc-call-" + call.callId()).unstarted(() -> run(client, call, method));
        client.running.put(call.callId(), thread);
        synchronized (callsLock) {
            runningCalls++;
        }
        thread.start();
        if (call.timeoutMillis() > 0) {
            ScheduledFuture<?> unused = deadlines.schedule(() -> cancel(client.id, call.callId()),
                    call.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void run(Client client, RpcFrame.Call call, Method method) {
        try {
            Object[] arguments;
            try {
                arguments = marshaller.decodeArguments(call.arguments(), method);
            } catch (RpcProtocolException e) {
                fail(client, call.callId(), RpcFrame.FailureCode.BAD_ARGUMENTS, e.getClass().getName(), e.getMessage());
                return;
            }
            Object result;
            try {
                result = method.invoke(implementation, arguments);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                boolean cancelled = Thread.currentThread().isInterrupted() && !client.running.containsKey(call.callId());
                fail(client, call.callId(), cancelled ? RpcFrame.FailureCode.CANCELLED : RpcFrame.FailureCode.THREW,
                        cause.getClass().getName(), cause.getMessage());
                return;
            } catch (IllegalAccessException e) {
                fail(client, call.callId(), RpcFrame.FailureCode.THREW, e.getClass().getName(), e.getMessage());
                return;
            }
            byte[] value;
            try {
                value = RpcFrame.encode(new RpcFrame.Result(call.callId(), marshaller.encodeValue(result)));
            } catch (NotMarshallableException e) {
                fail(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT, e.getClass().getName(), e.getMessage());
                return;
            }
            if (value.length > client.replies.maxMessageSize()) {
                fail(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT, MessageTooLargeException.class.getName(),
                        "the result of " + value.length + " bytes exceeds the reply mailbox's maximum of "
                                + client.replies.maxMessageSize());
                return;
            }
            send(client, value);
        } finally {
            client.running.remove(call.callId());
            synchronized (callsLock) {
                runningCalls--;
                callsLock.notifyAll();
            }
        }
    }

    private void cancel(long clientId, long callId) {
        Client client = clients.get(clientId);
        Thread thread = client == null ? null : client.running.remove(callId);
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void fail(Client client, long callId, RpcFrame.FailureCode code, String className, String message) {
        send(client, RpcFrame.encode(new RpcFrame.Failure(callId, code, className, message)));
    }

    private void send(Client client, byte[] frame) {
        if (!send(client.replies, frame, client.token)) {
            forget(client, true);
        }
    }

    /**
     * Puts {@code frame} into a client's reply mailbox, waiting for room while the client lives;
     * false if it died (or its mailbox is gone). Not interruptible: an interrupted call still reports.
     */
    private static boolean send(Mailbox replies, byte[] frame, long clientToken) {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    if (replies.offer(frame, REPLY_SLICE)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                    continue;
                } catch (RuntimeException e) {
                    return false; // closed or destroyed under us
                }
                if (!ProcessIdentity.isAlive(clientToken)) {
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Checks every client's liveness; forgets the dead ones. */
    private void sweep() {
        for (Client client : clients.values()) {
            if (!ProcessIdentity.isAlive(client.token)) {
                forget(client, true);
            }
        }
    }

    /** Forgets a client: interrupts its calls, closes its reply mailbox, and removes it if the client is dead. */
    private void forget(Client client, boolean dead) {
        if (client == null || clients.remove(client.id) == null) {
            return;
        }
        client.running.values().forEach(Thread::interrupt);
        client.running.clear();
        if (dead && !ProcessIdentity.isAlive(client.token)) {
            client.replies.destroy();
        }
        client.replies.close();
    }

    /**
     * Stops serving: destroys the request mailbox (no new calls start), lets running calls finish and
     * answer for up to {@link #CLOSE_GRACE}, interrupts those still running, and tells every connected
     * client (their pending and later calls fail with {@link RpcServerLostException}). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        requests.destroy();
        requests.close();
        dispatcher.interrupt();
        try {
            dispatcher.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitRunningCalls(System.nanoTime() + CLOSE_GRACE.toNanos());
        byte[] closing = RpcFrame.encode(new RpcFrame.Closing("'" + name + "' closed"));
        for (Client client : clients.values()) {
            client.running.values().forEach(Thread::interrupt);
            send(client.replies, closing, client.token);
            forget(client, false);
        }
        deadlines.shutdownNow();
    }

    private void awaitRunningCalls(long deadline) {
        boolean interrupted = false;
        synchronized (callsLock) {
            while (runningCalls > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(callsLock, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RpcServer[" + name + ", " + api.getName() + ", " + clients.size() + " clients]";
    }
}
