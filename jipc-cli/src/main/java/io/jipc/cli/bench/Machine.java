package io.jipc.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the machine a benchmark ran on. */
public final class Machine {
    private Machine() {
    }

    public static String describe() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // keep the default
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name")
                + " " + System.getProperty("os.version") + ", Java " + Runtime.version() + ", " + clock();
    }

    /** The clock's tick, and how percentiles treat it. */
    private static String clock() {
        double tick = ClockTick.nanos();
        return String.format(java.util.Locale.ROOT, "clock tick %.0f ns", tick)
                + (tick >= 2 ? " (percentiles estimated within the tick)" : "");
    }
}
