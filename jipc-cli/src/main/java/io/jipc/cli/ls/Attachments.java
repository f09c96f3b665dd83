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
 * Which processes map which shared files, read once from {@code /proc/<pid>/maps} of every process
 * this user may inspect (others are silently left out: "attached" is a lower bound for them).
 */
final class Attachments {
    /** A mapped file: {@code major:minor} device in hex as in maps, and inode. */
    record FileId(String device, long inode) {
    }

    /** A memory file ({@code /memfd:<name>}) seen in some process, with its largest mapping. */
    record MemoryFile(String label, long inode, long mappedBytes, TreeSet<Long> pids) {
    }

    private final Map<FileId, TreeSet<Long>> pidsByFile = new HashMap<>();
    private final Map<Long, MemoryFile> memoryFiles = new HashMap<>();

    static Attachments scan() {
        Attachments attachments = new Attachments();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                attachments.read(Long.parseLong(process.getFileName().toString()), process.resolve("maps"));
            }
        } catch (IOException e) {
            // no /proc: nothing known
        }
        return attachments;
    }

    private void read(long pid, Path maps) {
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
            long inode = Long.parseLong(f[4]);
            pidsByFile.computeIfAbsent(new FileId(f[3], inode), k -> new TreeSet<>()).add(pid);
            if (f[5].startsWith("/memfd:")) {
                String[] range = f[0].split("-");
                long bytes = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                String label = f[5].replace(" (deleted)", "");
                MemoryFile known = memoryFiles.get(inode);
                TreeSet<Long> pids = known == null ? new TreeSet<>() : known.pids();
                pids.add(pid);
                memoryFiles.put(inode, new MemoryFile(label, inode,
                        Math.max(bytes, known == null ? 0 : known.mappedBytes()), pids));
            }
        }
    }

    /** Pids mapping the file with this statx device ({@code major << 32 | minor}) and inode. */
    List<Long> pids(long device, long inode) {
        String id = String.format("%02x:%02x", device >>> 32, device & 0xFFFF_FFFFL);
        TreeSet<Long> pids = pidsByFile.get(new FileId(id, inode));
        return pids == null ? List.of() : new ArrayList<>(pids);
    }

    /** Memory files whose name starts with {@code prefix}, e.g. {@code /memfd:jipc-}. */
    List<MemoryFile> memoryFiles(String prefix) {
        return memoryFiles.values().stream().filter(m -> m.label().startsWith(prefix)).toList();
    }
}
