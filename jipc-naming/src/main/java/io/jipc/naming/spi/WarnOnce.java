package io.jipc.naming.spi;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Logs each distinct warning once per process, for a backend that meets the same bad entry again and
 * again: every listing and lookup passes over a foreign or corrupt entry anew (one {@code jipc ls}
 * lists several times), and one warning says it. Beyond {@value #MAX_WARNED} different warnings the
 * set stops growing and each new one is logged every time (memory stays bounded whatever is planted).
 *
 * <p>Thread-safe: of threads that log the same new warning at once, one logs it.
 */
public final class WarnOnce {
    private static final int MAX_WARNED = 1024;

    private final Supplier<System.Logger> logger;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param logger where warnings go, asked on the first warning (looking a logger up costs a process
     *               about 20 ms at start)
     */
    public WarnOnce(Supplier<System.Logger> logger) {
        this.logger = Objects.requireNonNull(logger, "logger");
    }

    /** Logs {@code warning} at {@code WARNING} the first time this process has it. */
    public void warn(String warning) {
        if (warned.contains(warning)) {
            return;
        }
        if (warned.size() >= MAX_WARNED || warned.add(warning)) {
            logger.get().log(System.Logger.Level.WARNING, warning);
        }
    }
}
