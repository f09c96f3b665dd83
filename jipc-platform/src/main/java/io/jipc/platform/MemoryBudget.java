package io.jipc.platform;

import io.jipc.ErrnoException;

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
 * <p>The same holds for a file of {@code /dev/shm} larger than this process's cgroup allows:
 * its pages are charged to the cgroup of the process that allocates them, so a {@code fallocate}
 * that {@code /dev/shm} has room for still calls in the cgroup's OOM killer (which ends the caller)
 * before it could fail with {@code ENOSPC}.
 *
 * <p>The figure is {@code MemAvailable + SwapFree} of {@code /proc/meminfo}, bounded by the room
 * left under the memory limit of this process's cgroup and of each cgroup above it (whose usage
 * includes that of the cgroups below), the cgroup's inactive page cache counted as room (its
 * reclaim drops that before it calls the OOM killer; {@code inactive_file} of {@code memory.stat},
 * v1 {@code total_inactive_file}):
 * <ul>
 * <li>cgroup v2: {@code memory.max - memory.current} under {@code /sys/fs/cgroup/<path of the
 *     "0::" line of /proc/self/cgroup>};</li>
 * <li>cgroup v1 (alone, or beside v2 in "hybrid" mode): {@code memory.limit_in_bytes -
 *     memory.usage_in_bytes} under {@code /sys/fs/cgroup/memory/<path of the "memory" line>}, up
 *     to the first cgroup whose parent does not account its children
 *     ({@code memory.use_hierarchy} 0, possible on older kernels only). The "unlimited" limit of
 *     v1 (about 2<sup>63</sup>) leaves room far above {@code MemAvailable}: it bounds nothing.</li>
 * </ul>
 * A directory that does not exist (a container whose cgroup file system is mounted at its own
 * cgroup: the path of {@code /proc/self/cgroup} is then longer than what is mounted) is passed
 * over; the walk still reads the mounted root, which is then the container's cgroup.
 *
 * <p>It is an estimate of the moment: other processes allocate too, so an allocation below it may
 * still meet the OOM killer, but one above it certainly would. Thread-safe; reads the files each
 * call.
 */
public final class MemoryBudget {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP = Path.of("/proc/self/cgroup");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private MemoryBudget() {
    }

    /** Bytes this process could still take (see the class comment); {@link Long#MAX_VALUE} if the kernel does not say. */
    public static long available() {
        return available(MEMINFO, CGROUP, CGROUP_ROOT);
    }

    /**
     * Refuses an allocation of {@code bytes} of memory (a memory file's pages, charged to this
     * process's cgroup) that exceeds {@link #available()}: {@code ENOMEM (Cannot allocate memory; N
     * bytes were asked, at most M could be taken now ...) from jipc's memory check of subject}. The
     * one check that every jipc create of a memory file makes before its {@code fallocate}
     * ({@code AnonymousRegion}, {@code SharedRegion}, {@code SharedSegment}: mailboxes and circular
     * buffers) and a read-write open of a sparse region before it fills the holes. Does not
     * reserve: the memory may be gone by the time it is allocated.
     *
     * @throws ErrnoException {@code ENOMEM} if {@code bytes > available()}
     */
    public static void check(long bytes, String subject) {
        long available = available();
        if (bytes > available) {
            throw new ErrnoException(Errno.ENOMEM, "ENOMEM", Errno.description(Errno.ENOMEM) + "; " + bytes
                    + " bytes were asked, at most " + available + " could be taken now (MemAvailable + SwapFree,"
                    + " within the cgroup's memory limit)", "jipc's memory check", subject);
        }
    }

    /** {@link #available()} from these files: {@code /proc/meminfo}, {@code /proc/self/cgroup} and the cgroup mount. */
    static long available(Path meminfo, Path procCgroup, Path cgroupRoot) {
        long available = meminfoAvailable(read(meminfo)).orElse(Long.MAX_VALUE);
        List<String> cgroups = read(procCgroup);
        String v2 = cgroupPath(cgroups);
        if (v2 != null) {
            available = Math.min(available, roomUnderEach(cgroupRoot, v2, "memory.max", "memory.current",
                    "inactive_file", false));
        }
        String v1 = cgroupV1MemoryPath(cgroups);
        if (v1 != null) {
            available = Math.min(available, roomUnderEach(cgroupRoot.resolve("memory"), v1,
                    "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file", true));
        }
        return available;
    }

    /**
     * The least {@link #roomUnder} of the cgroup {@code path} below {@code root} and of each one
     * above it up to {@code root}; with {@code v1Hierarchy}, only up to the last one whose parent
     * accounts its children ({@code memory.use_hierarchy} not 0).
     */
    private static long roomUnderEach(Path root, String path, String limitFile, String usageFile, String cacheKey,
            boolean v1Hierarchy) {
        long room = Long.MAX_VALUE;
        for (Path dir = root.resolve(path.substring(1)); dir.startsWith(root); dir = dir.getParent()) {
            long under = roomUnder(read(dir.resolve(limitFile)), read(dir.resolve(usageFile)));
            if (under != Long.MAX_VALUE) { // a limit: its reclaimable cache is room too
                long cache = statValue(read(dir.resolve("memory.stat")), cacheKey);
                room = Math.min(room, cache > Long.MAX_VALUE - under ? Long.MAX_VALUE : under + cache);
            }
            if (dir.equals(root)) {
                break;
            }
            if (v1Hierarchy && read(dir.getParent().resolve("memory.use_hierarchy")).equals(List.of("0"))) {
                break; // the parent's usage does not include this cgroup's: its limit does not apply
            }
        }
        return room;
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

    /**
     * The cgroup v2 path of {@code /proc/self/cgroup} ({@code 0::/a/b}: {@code /a/b}); null under
     * cgroup v1 only (see {@link #cgroupV1MemoryPath}).
     */
    static String cgroupPath(List<String> cgroup) {
        for (String line : cgroup) {
            if (line.startsWith("0::/")) {
                return line.substring(3);
            }
        }
        return null;
    }

    /**
     * The cgroup v1 path of the memory controller in {@code /proc/self/cgroup} ({@code 4:memory:/a/b}
     * or {@code 5:cpu,memory:/a/b}: {@code /a/b}); null if that controller is not mounted as v1.
     */
    static String cgroupV1MemoryPath(List<String> cgroup) {
        for (String line : cgroup) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && fields[2].startsWith("/") && List.of(fields[1].split(",")).contains("memory")) {
                return fields[2];
            }
        }
        return null;
    }

    /**
     * {@code limit - usage} (v2: {@code memory.max - memory.current}; v1:
     * {@code memory.limit_in_bytes - memory.usage_in_bytes}), at least 0; {@link Long#MAX_VALUE} for {@code max} or when unreadable. */
    /**
     * The value of {@code key} in a cgroup's {@code memory.stat} ({@code inactive_file 12345}), 0 if
     * absent or unreadable: the page cache the cgroup's reclaim drops before its OOM killer is called,
     * room as good as free (the usage counts it: after a build has read many files a cgroup's usage
     * may sit near its limit with most of it that cache). Inactive file pages only, as
     * {@code MemAvailable} counts only part of the cache; pages of {@code /dev/shm} are not file
     * pages here (they are swap-backed), so they never count as room.
     */
    static long statValue(List<String> stat, String key) {
        for (String line : stat) {
            if (line.startsWith(key + " ")) {
                try {
                    return Math.max(0, Long.parseLong(line.substring(key.length() + 1).trim()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

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
