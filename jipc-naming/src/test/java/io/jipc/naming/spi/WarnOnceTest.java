package io.jipc.naming.spi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One warning per distinct text and process, up to a bound; the logger is asked for only when needed. */
class WarnOnceTest {
    /** A logger that keeps what it is given. */
    private static final class Recording implements System.Logger {
        final List<String> logged = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            logged.add(level + " " + message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            logged.add(level + " " + format);
        }
    }

    @Test
    void eachWarningIsLoggedOnceAndTheLoggerIsLookedUpOnlyForOne() {
        Recording logger = new Recording();
        AtomicInteger lookups = new AtomicInteger();
        Supplier<System.Logger> lookup = () -> {
            lookups.incrementAndGet();
            return logger;
        };
        WarnOnce warnings = new WarnOnce(lookup);
        assertEquals(0, lookups.get(), "not looked up before a warning");
        for (int listing = 0; listing < 3; listing++) {
            warnings.warn("unreadable name entry a (skipped)");
            warnings.warn("unreadable name entry b (skipped)");
        }
        assertEquals(List.of("WARNING unreadable name entry a (skipped)", "WARNING unreadable name entry b (skipped)"),
                logger.logged);
        Recording other = new Recording();
        new WarnOnce(() -> other).warn("unreadable name entry a (skipped)");
        assertEquals(1, other.logged.size(), "each WarnOnce keeps its own set");
    }

    @Test
    void beyondTheBoundEveryWarningIsLoggedAndTheSetStopsGrowing() {
        Recording logger = new Recording();
        WarnOnce warnings = new WarnOnce(() -> logger);
        IntStream.range(0, 1024).forEach(i -> warnings.warn("entry " + i));
        assertEquals(1024, logger.logged.size());
        warnings.warn("entry 0");
        assertEquals(1024, logger.logged.size(), "a warning it holds: still once");
        warnings.warn("entry 5000");
        warnings.warn("entry 5000");
        assertEquals(1026, logger.logged.size(), "a new one beyond the bound: every time");
    }
}
