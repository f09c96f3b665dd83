package io.jipc.signals;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.jipc.Uninterruptibly;
import io.jipc.platform.Signals;
import sun.misc.SignalHandler;

import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the JVM-wide handler of each signal that has open doorbells, and fans each delivery out to
 * them.
 *
 * <p>The JVM allows one Java handler per signal ({@code sun.misc.Signal}, module
 * {@code jdk.unsupported}: the JVM's supported dispatch path; it runs handlers on a new platform
 * thread per delivery, never inside the native signal handler). The first doorbell of a signal
 * installs a {@link Route}; the last one to close puts the previous handler back.
 *
 * <p>A JVM started with {@code -Xrs} ({@code -XX:+ReduceSignalUsage}) starts no thread to run Java
 * signal handlers: it still lets {@code sun.misc.Signal.handle} install one for most signals, whose
 * deliveries are then swallowed. No doorbell is opened in such a JVM ({@link #unavailableBecause}).
 *
 * <p>{@code SIGCHLD}: the JDK's process support ({@code java.lang.ProcessImpl}) sets the disposition
 * of {@code SIGCHLD} to the default when its class is initialized, at the first
 * {@code ProcessBuilder.start()} or {@code Runtime.exec} of the JVM, whatever handler was there (so
 * that its reaper's {@code waitpid} works even if the JVM inherited {@code SIGCHLD} ignored). A
 * handler installed before that would silently be lost, so the first {@code SIGCHLD} doorbell
 * initializes that class first ({@link JdkProcessSupport}). After installing any handler the router
 * reads the disposition back ({@code sigaction}) and refuses a doorbell that could never ring.
 *
 * <p>Blocked signals: the kernel delivers a signal sent to the process to one of its threads that
 * does not block it, and leaves it pending while every thread blocks it. Each thread has its own
 * mask, inherited from the thread that created it, so a signal the JVM inherited blocked across
 * {@code exec} (a parent that blocked it for {@code sigwait} or {@code signalfd} and did not unblock
 * it before starting the JVM) is blocked in every Java thread: HotSpot unblocks, in each thread it
 * starts, only the signals it uses itself ({@code SIGHUP}, {@code SIGINT}, {@code SIGTERM} unless
 * {@code -Xrs}, and its synchronous ones). If the thread that installs a route blocks the signal, the
 * route starts a {@link Receiver}: a platform thread of jipc's that unblocks the signal for itself
 * only, so that the kernel has a thread to deliver it to, and blocks it again before the previous
 * handler comes back. A signal that was already pending then is delivered at once (it rings).
 */
final class SignalRouter {
    /** Guarded by the class lock. */
    private static final Map<Signal, Route> ROUTES = new EnumMap<>(Signal.class);

    private SignalRouter() {
    }

    /** Why no doorbell can ring in this JVM (it runs no Java signal handlers), or empty. */
    static Optional<String> unavailableBecause() {
        return Optional.ofNullable(NoDispatch.REASON);
    }

    static synchronized void add(SignalDoorbell doorbell) {
        Signal signal = doorbell.signal();
        Route route = ROUTES.get(signal);
        if (route != null) {
            route.doorbells.add(doorbell);
            return;
        }
        route = install(signal);
        // the first doorbell is listed before a receiver lets a delivery through: one that was pending
        // in every thread's mask comes at once, and rings it
        route.doorbells.add(doorbell);
        if (Signals.isBlockedInThisThread(signal.number())) {
            try {
                route.receiver = Receiver.start(signal);
            } catch (RuntimeException | Error e) {
                route.doorbells.remove(doorbell);
                sun.misc.Signal.handle(route.jvmSignal, route.previous);
                throw e;
            }
        }
        ROUTES.put(signal, route);
    }

    static synchronized void remove(SignalDoorbell doorbell) {
        Route route = ROUTES.get(doorbell.signal());
        if (route == null || !route.doorbells.remove(doorbell) || !route.doorbells.isEmpty()) {
            return;
        }
        ROUTES.remove(doorbell.signal());
        if (route.receiver != null) {
            route.receiver.stop();   // blocked again before the previous handler is back: it stays pending, as before
        }
        sun.misc.Signal.handle(route.jvmSignal, route.previous);
    }

    private static Route install(Signal signal) {
        signal.reservedBecause().ifPresent(why -> {
            throw new IllegalArgumentException(signal + " cannot be handled in a JVM: " + why);
        });
        unavailableBecause().ifPresent(why -> {
            throw new IllegalArgumentException(signal + " cannot be received here: " + why);
        });
        sun.misc.Signal jvmSignal = new sun.misc.Signal(signal.shortName());
        if (jvmSignal.getNumber() != signal.number()) {
            throw new IllegalStateException("the JVM numbers " + signal + " " + jvmSignal.getNumber() + ", not "
                    + signal.number());
        }
        if (signal == Signal.SIGCHLD) {
            JdkProcessSupport.initialize();
        }
        Route route = new Route(jvmSignal);
        SignalHandler previous;
        try {
            previous = sun.misc.Signal.handle(jvmSignal, route);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("this JVM refuses a handler for " + signal
                    + ": " + e.getMessage(), e);
        }
        if (previous == SignalHandler.SIG_IGN && isShutdownSignal(signal)) {
            // the JVM leaves an ignored shutdown signal ignored (nohup, cmd &) and installs nothing
            sun.misc.Signal.handle(jvmSignal, SignalHandler.SIG_IGN);
            throw new IllegalArgumentException(signal + " is ignored by this process (" + whyIgnored(signal)
                    + "), so the JVM will not catch it");
        }
        if (!Signals.isCaught(signal.number())) {
            sun.misc.Signal.handle(jvmSignal, previous);
            throw new IllegalStateException("the JVM accepted a handler for " + signal + ", but this process's "
                    + "disposition of it is still the default action or ignored (something outside jipc set it), "
                    + "so a doorbell would never ring");
        }
        route.previous = previous;
        return route;
    }

    /** The likely reason a process started with {@code signal} ignored: its parent ignored it. */
    private static String whyIgnored(Signal signal) {
        return switch (signal) {
            case SIGHUP -> "started under nohup?";
            // POSIX shells start an asynchronous command with these ignored when job control is off
            case SIGINT, SIGQUIT -> "started in the background (cmd &) by a shell without job control?";
            default -> "inherited as ignored from the parent process";
        };
    }

    private static boolean isShutdownSignal(Signal signal) {
        return signal == Signal.SIGHUP || signal == Signal.SIGINT || signal == Signal.SIGTERM;
    }

    /**
     * The JDK's process support, initialized before jipc installs a {@code SIGCHLD} handler: the
     * native initializer of {@code java.lang.ProcessImpl} (JDK 25, {@code ProcessImpl_md.c}:
     * {@code init()} calls {@code setSIGCHLDHandler}) sets {@code SIGCHLD} to {@code SIG_DFL}
     * unconditionally, once per JVM. Initialized here, it does so before the handler goes in, not
     * after. {@code Class.forName} initializes a class without access checks; class initialization
     * is once per JVM and thread-safe.
     */
    private static final class JdkProcessSupport {
        static void initialize() {
            try {
                Class.forName("java.lang.ProcessImpl", true, null);
            } catch (ClassNotFoundException e) {
                // another runtime's process support: nothing of the JDK's to initialize; the disposition
                // check after installing still refuses a handler that is already gone
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Error e) {
                // its initializer failed (an Error as is, e.g. for a bad -Djdk.lang.Process.launchMechanism,
                // or an ExceptionInInitializerError): this JVM cannot start processes, so their support never
                // resets SIGCHLD either; ProcessBuilder.start() reports the failure (a NoClassDefFoundError
                // caused by this one)
            }
        }
    }

    /** Whether this JVM dispatches signals to Java handlers, read once, at a doorbell's first use. */
    private static final class NoDispatch {
        static final String REASON = reducedSignalUsage()
                ? "this JVM was started with -Xrs (ReduceSignalUsage), so it runs no Java signal handlers"
                        + " and a doorbell would never ring"
                : null;

        private static boolean reducedSignalUsage() {
            try {
                HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                return vm != null && Boolean.parseBoolean(vm.getVMOption("ReduceSignalUsage").getValue());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // not HotSpot: no such option to read
                return ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-Xrs");
            }
        }
    }

    /**
     * A platform thread that unblocks one signal for itself while its route is installed, so that a
     * signal blocked in the JVM's other threads is delivered to it (to the JVM's native handler, which
     * hands it to the JDK's dispatch like any other delivery). It only waits on a condition; it is a
     * daemon, named {@code "jipc-signal-SIGxxx-receiver"}. {@link #start} returns once the signal is
     * unblocked there, {@link #stop} once it is blocked again and the thread ended.
     */
    private static final class Receiver {
        private final Signal signal;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        /** Guarded by {@link #lock}. */
        private boolean unblocked;
        private boolean stopping;
        private Throwable failure;
        private Thread thread;

        private Receiver(Signal signal) {
            this.signal = signal;
        }

        static Receiver start(Signal signal) {
            Receiver receiver = new Receiver(signal);
            receiver.thread = Thread.ofPlatform().daemon().name("jipc-signal-" + signal + "-receiver")
                    .start(receiver::run);
            receiver.lock.lock();
            try {
                while (!receiver.unblocked && receiver.failure == null) {
                    receiver.changed.awaitUninterruptibly();
                }
                if (receiver.failure != null) {
                    throw new IllegalStateException("cannot unblock " + signal + " on a thread of jipc's, so a "
                            + "doorbell would never ring: " + receiver.failure, receiver.failure);
                }
            } finally {
                receiver.lock.unlock();
            }
            return receiver;
        }

        private void run() {
            try {
                Signals.setBlockedInThisThread(signal.number(), false);
            } catch (RuntimeException | Error e) {
                lock.lock();
                try {
                    failure = e;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
            lock.lock();
            try {
                unblocked = true;
                changed.signalAll();
                while (!stopping) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            Signals.setBlockedInThisThread(signal.number(), true);
        }

        void stop() {
            lock.lock();
            try {
                stopping = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            Uninterruptibly.join(thread);
        }
    }

    /** The installed handler of one signal: rings its doorbells on the JDK's per-delivery handler thread. */
    private static final class Route implements SignalHandler {
        final sun.misc.Signal jvmSignal;
        final List<SignalDoorbell> doorbells = new CopyOnWriteArrayList<>();
        SignalHandler previous;
        /** The thread that receives the signal for this JVM if it is blocked in the others, or null. */
        Receiver receiver;

        Route(sun.misc.Signal jvmSignal) {
            this.jvmSignal = jvmSignal;
        }

        @Override
        public void handle(sun.misc.Signal delivered) {
            for (SignalDoorbell doorbell : doorbells) {
                doorbell.ring();
            }
        }
    }
}
