package io.jipc.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How much memory this process could still take, as the kernel reports it: for allocations that
 * no file system bounds. A file of {@code memfd_create} lives on the kernel's internal tmpfs, which
 * has no size limit, so {@code fallocate} of more than there is does not fail with {@code ENOSPC}
 * as under {@code /dev/shm}: it takes pages until the OOM killer ends some process (not
 * necessarily the caller). Asking first turns that into a refusal.
 *
 * <p>The figure is {@code MemAvailable + SwapFree} of {@code /proc/meminfo}, bounded by the room
 * left under the {@code memory.max} of this process's cgroup (v2) and of each cgroup above it. It is
 * an estimate of the moment: other processes allocate too, so an allocation below it may still
 * meet the OOM killer, but one above it certainly would. Thread-safe; reads the files each call.
 */
public final class MemoryBudget {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP = Path.of("/proc/self/cgroup");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private MemoryBudget() {
    }

    /** Bytes this process could still take (see the class comment); {@link Long#MAX_VALUE} if the kernel does not say. */
    public static long available() {
        long available = meminfoAvailable(read(MEMINFO)).orElse(Long.MAX_VALUE);
        String cgroup = cgroupPath(read(CGROUP));
        if (cgroup != null) {
            for (Path dir = CGROUP_ROOT.resolve(cgroup.substring(1)); dir.startsWith(CGROUP_ROOT); dir = dir.getParent()) {
                available = Math.min(available, roomUnder(read(dir.resolve("memory.max")), read(dir.resolve("memory.current"))));
                if (dir.equals(CGROUP_ROOT)) {
                    break;
                }
            }
        }
        return available;
    }

    /** {@code MemAvailable + SwapFree} in bytes from the text of {@code /proc/meminfo}; empty if it has no MemAvailable. */
    static OptionalLong meminfoAvailable(List<String> meminfo) {
        long available = -1;
        long swapFree = 0;
        for (String line : meminfo) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 2) {
                continue;
            }
            long kib;
            try {
                kib = Long.parseLong(fields[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            switch (fields[0]) {
                case "MemAvailable:" -> available = kib;
                case "SwapFree:" -> swapFree = kib;
                default -> {
                }
            }
        }
        return available < 0 ? OptionalLong.empty() : OptionalLong.of(Math.multiplyExact(available + swapFree, 1024L));
    }

    /** The cgroup v2 path of {@code /proc/self/cgroup} ({@code 0::/a/b}: {@code /a/b}); null under cgroup v1 only. */
    static String cgroupPath(List<String> cgroup) {
        for (String line : cgroup) {
            if (line.startsWith("0::/")) {
                return line.substring(3);
            }
        }
        return null;
    }

    /** {@code memory.max - memory.current}, at least 0; {@link Long#MAX_VALUE} for {@code max} or when unreadable. */
    static long roomUnder(List<String> max, List<String> current) {
        if (max.isEmpty() || current.isEmpty()) {
            return Long.MAX_VALUE;
        }
        try {
            String limit = max.getFirst().trim();
            return limit.equals("max") ? Long.MAX_VALUE
                    : Math.max(0, Long.parseLong(limit) - Long.parseLong(current.getFirst().trim()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
