package io.jipc.cli.ls;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which processes use which files, read once from {@code /proc}: the files each process maps
 * ({@code /proc/<pid>/maps}) and the files it holds open ({@code /proc/<pid>/fd}). Processes this
 * user may not inspect are silently left out, so for another user's processes the result is a lower
 * bound.
 *
 * <p>Costs one directory walk of {@code /proc} and one read per process: cheap for a command, not
 * for a hot path.
 */
public final class ProcessScan {
    /** A file by its device ({@code major:minor}) and inode. */
    record FileKey(long major, long minor, long inode) {
        /** From a statx device number as {@link io.jipc.platform.FileStatus} gives it: {@code major << 32 | minor}. */
        static FileKey ofStatx(long device, long inode) {
            return new FileKey(device >>> 32, device & 0xFFFF_FFFFL, inode);
        }

        /** From the {@code st_dev} of stat(2) as glibc encodes it. */
        static FileKey ofDevT(long dev, long inode) {
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            return new FileKey(major, minor, inode);
        }
    }

    /**
     * A memory file ({@code /memfd:<name>}) seen in some process, with its largest mapping, and where
     * its bytes can be opened: {@code descriptors}, links {@code /proc/<pid>/fd/<n>} of processes that
     * hold it open (any process of the user may open those), and {@code mappings}, links
     * {@code /proc/<pid>/map_files/<range>} of its mappings (which only a privileged process may open).
     * Each link may name another file by the time it is opened: whoever opens one checks {@code key}.
     */
    record MemoryFile(String label, FileKey key, long mappedBytes, TreeSet<Long> pids, List<Path> descriptors,
                      List<Path> mappings) {
        long inode() {
            return key.inode();
        }
    }

    private final Map<FileKey, TreeSet<Long>> pidsByFile = new HashMap<>();
    private final Map<Long, MemoryFile> memoryFiles = new HashMap<>();
    private final TreeSet<String> sharedFiles = new TreeSet<>();

    private ProcessScan() {
    }

    /** Scans every process this user may inspect. */
    public static ProcessScan scan() {
        ProcessScan scan = new ProcessScan();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                scan.readMaps(pid, process.resolve("maps"));
                scan.readDescriptors(pid, process.resolve("fd"));
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing known
        }
        return scan;
    }

    /**
     * A scan that saw no process but these shared mappings: what a lister does with a path it took
     * from {@code /proc/<pid>/maps} when the file was swapped since (tests).
     */
    static ProcessScan ofSharedFiles(List<String> paths) {
        ProcessScan scan = new ProcessScan();
        scan.sharedFiles.addAll(paths);
        return scan;
    }

    private void readMaps(long pid, Path maps) {
        List<String> lines;
        try {
            lines = Files.readAllLines(maps);
        } catch (IOException | RuntimeException unreadable) {
            return; // gone, or not ours to read
        }
        for (String line : lines) {
            // address perms offset dev inode path
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 6 || f[4].equals("0")) {
                continue;
            }
            String[] device = f[3].split(":");
            long inode = Long.parseLong(f[4]);
            add(new FileKey(Long.parseLong(device[0], 16), Long.parseLong(device[1], 16), inode), pid);
            if (f[1].length() == 4 && f[1].charAt(3) == 's' && f[5].startsWith("/") && !f[5].endsWith(" (deleted)")) {
                sharedFiles.add(f[5]);
            }
            if (f[5].startsWith("/memfd:")) {
                String[] range = f[0].split("-");
                long bytes = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                MemoryFile known = memoryFiles.get(inode);
                MemoryFile file = known != null ? known : new MemoryFile(f[5].replace(" (deleted)", ""),
                        new FileKey(Long.parseLong(device[0], 16), Long.parseLong(device[1], 16), inode), 0,
                        new TreeSet<>(), new ArrayList<>(), new ArrayList<>());
                file.pids().add(pid);
                file.mappings().add(maps.resolveSibling("map_files").resolve(f[0]));
                memoryFiles.put(inode, new MemoryFile(file.label(), file.key(), Math.max(bytes, file.mappedBytes()),
                        file.pids(), file.descriptors(), file.mappings()));
            }
        }
    }

    private void readDescriptors(long pid, Path fds) {
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(fds)) {
            for (Path fd : descriptors) {
                try {
                    Map<String, Object> a = Files.readAttributes(fd, "unix:dev,ino");
                    FileKey key = FileKey.ofDevT((Long) a.get("dev"), (Long) a.get("ino"));
                    add(key, pid);
                    MemoryFile memory = memoryFiles.get(key.inode()); // one of the maps read so far (this process's too)
                    if (memory != null && memory.key().equals(key)) {
                        memory.descriptors().add(fd);
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // closed since the listing, or a descriptor stat cannot follow
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // gone, or not ours to read
        }
    }

    private void add(FileKey key, long pid) {
        pidsByFile.computeIfAbsent(key, k -> new TreeSet<>()).add(pid);
    }

    /** Pids that map or hold open the file with this statx device ({@code major << 32 | minor}) and inode. */
    List<Long> users(long device, long inode) {
        TreeSet<Long> pids = pidsByFile.get(FileKey.ofStatx(device, inode));
        return pids == null ? List.of() : new ArrayList<>(pids);
    }

    /** Paths of the files some process maps shared ({@code MAP_SHARED}; libraries and code are private). */
    List<String> sharedFiles() {
        return List.copyOf(sharedFiles);
    }

    /** Memory files whose name starts with {@code prefix}, e.g. {@code /memfd:jipc-}. */
    List<MemoryFile> memoryFiles(String prefix) {
        return memoryFiles.values().stream().filter(m -> m.label().startsWith(prefix)).toList();
    }
}
