package io.jipc.signals;

import com.sun.management.HotSpotDiagnosticMXBean;
import sun.misc.SignalHandler;

import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

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
        if (route == null) {
            route = install(signal);
            ROUTES.put(signal, route);
        }
        route.doorbells.add(doorbell);
    }

    static synchronized void remove(SignalDoorbell doorbell) {
        Route route = ROUTES.get(doorbell.signal());
        if (route == null || !route.doorbells.remove(doorbell) || !route.doorbells.isEmpty()) {
            return;
        }
        ROUTES.remove(doorbell.signal());
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
        Route route = new Route(jvmSignal);
        SignalHandler previous;
        try {
            previous = sun.misc.Signal.handle(jvmSignal, route);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("this JVM refuses a handler for " + signal
                    + ": " + e.getMessage(), e);
        }
        if (previous == SignalHandler.SIG_IGN && isShutdownSignal(signal)) {
            // the JVM leaves an ignored shutdown signal ignored (nohup) and installs nothing
            sun.misc.Signal.handle(jvmSignal, SignalHandler.SIG_IGN);
            throw new IllegalArgumentException(signal + " is ignored by this process (started under nohup?), "
                    + "so the JVM will not catch it");
        }
        route.previous = previous;
        return route;
    }

    private static boolean isShutdownSignal(Signal signal) {
        return signal == Signal.SIGHUP || signal == Signal.SIGINT || signal == Signal.SIGTERM;
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

    /** The installed handler of one signal: rings its doorbells on the JDK's per-delivery handler thread. */
    private static final class Route implements SignalHandler {
        final sun.misc.Signal jvmSignal;
        final List<SignalDoorbell> doorbells = new CopyOnWriteArrayList<>();
        SignalHandler previous;

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
