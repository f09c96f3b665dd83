package io.jipc.cli.ls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which processes use which files, read once from {@code /proc}: the files each process maps
 * ({@code /proc/<pid>/maps}) and the files it holds open ({@code /proc/<pid>/fd}). A process whose
 * maps or descriptors this user may not read (another user's; one of this user's made non-dumpable by
 * {@code prctl(PR_SET_DUMPABLE, 0)}, as {@code ssh-agent} does, or running a setuid or setcap program)
 * uses files the scan cannot see, so {@link #users} is a lower bound: such a process is remembered
 * with its uids instead ({@link #uninspected}), except one whose uids are all root's (a non-root
 * scan can inspect none of root's processes, and root may open any file: counting them would keep
 * every object; a scan by root inspects them). A process hidden from this user altogether
 * ({@code /proc} mounted with {@code hidepid}) is not seen at all.
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

    /**
     * The charset in which this JVM turns a file's name into bytes ({@code sun.jnu.encoding}, from the
     * locale; UTF-8 if unknown): a path decoded with it names the file it came from.
     */
    private static final Charset FILE_NAMES = fileNameCharset();

    private final Map<FileKey, TreeSet<Long>> pidsByFile = new HashMap<>();
    private final Map<Long, MemoryFile> memoryFiles = new HashMap<>();
    private final TreeSet<String> sharedFiles = new TreeSet<>();
    /** Processes whose maps or descriptors could not be read, with their real, effective, saved and file-system uids. */
    private final Map<Long, Set<Long>> uninspected = new TreeMap<>();

    private ProcessScan() {
    }

    /**
     * Scans every process: what it maps and holds open where this user may read that, else its uids
     * ({@link #uninspected}).
     */
    public static ProcessScan scan() {
        ProcessScan scan = new ProcessScan();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                boolean maps = scan.readMaps(pid, process.resolve("maps"));
                if (!scan.readDescriptors(pid, process.resolve("fd")) || !maps) {
                    scan.noteUninspected(pid, process.resolve("status"));
                }
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

    /**
     * Reads the mappings of process {@code pid}. The file is read as bytes: the kernel prints each
     * path as its bytes are, which need not be text in any charset, so each line is taken apart as
     * ISO-8859-1 (every byte one char; the fields before the path are ASCII) and only its path is
     * then decoded as the JVM names files ({@link #FILE_NAMES}). A path that does not decode is kept
     * by its device and inode alone (as a user of that file), never as a name; a line that cannot be
     * parsed is skipped by itself. Until 2026-12-07 the file was decoded as strict UTF-8, and one
     * mapped file with a non-UTF-8 name hid every mapping of that process (its objects looked
     * unused, and {@code jipc gc} removed a mailbox it mapped).
     */
    private boolean readMaps(long pid, Path maps) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(maps);
        } catch (NoSuchFileException gone) {
            return true;
        } catch (IOException | RuntimeException unreadable) {
            return false; // not ours to read (or gone while read: noteUninspected tells)
        }
        for (String line : new String(bytes, StandardCharsets.ISO_8859_1).split("\n")) {
            try {
                readMapping(pid, maps, line);
            } catch (RuntimeException unparsable) {
                // a line of another layout: only it is skipped
            }
        }
        return true;
    }

    /** One line of {@code /proc/<pid>/maps}, read as ISO-8859-1. */
    private void readMapping(long pid, Path maps, String line) {
        // address perms offset dev inode path
        String[] f = line.trim().split("\\s+", 6);
        if (f.length < 6 || f[4].equals("0")) {
            return;
        }
        String[] device = f[3].split(":");
        long inode = Long.parseLong(f[4]);
        FileKey key = new FileKey(Long.parseLong(device[0], 16), Long.parseLong(device[1], 16), inode);
        add(key, pid);
        String path = fileName(f[5]);
        if (path == null) {
            return; // no name this JVM can open: not one of jipc's
        }
        if (f[1].length() == 4 && f[1].charAt(3) == 's' && path.startsWith("/") && !path.endsWith(" (deleted)")) {
            sharedFiles.add(path);
        }
        if (path.startsWith("/memfd:")) {
            String[] range = f[0].split("-");
            long bytes = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
            MemoryFile known = memoryFiles.get(inode);
            MemoryFile file = known != null ? known : new MemoryFile(path.replace(" (deleted)", ""), key, 0,
                    new TreeSet<>(), new ArrayList<>(), new ArrayList<>());
            file.pids().add(pid);
            file.mappings().add(maps.resolveSibling("map_files").resolve(f[0]));
            memoryFiles.put(inode, new MemoryFile(file.label(), file.key(), Math.max(bytes, file.mappedBytes()),
                    file.pids(), file.descriptors(), file.mappings()));
        }
    }

    /**
     * The path of a maps line ({@code latin1}: its bytes, one char each) as the JVM names that file
     * ({@link #FILE_NAMES}), so that it equals the {@link Path#toString()} of the same file; null if
     * its bytes are no text in that charset.
     */
    static String fileName(String latin1) {
        try {
            return FILE_NAMES.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException notText) {
            return null;
        }
    }

    /** Reads the descriptors of process {@code pid}; false if they could not be read (not ours, or gone meanwhile). */
    private boolean readDescriptors(long pid, Path fds) {
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
        } catch (NoSuchFileException gone) {
            return true;
        } catch (IOException | RuntimeException unreadable) {
            return false; // not ours to read (or gone while read: noteUninspected tells)
        }
        return true;
    }

    /**
     * Remembers process {@code pid}, whose maps or descriptors could not be read, by the uids its
     * {@code status} (readable by everyone) gives; not if it is gone, a zombie (which maps and holds
     * nothing), or all its uids are root's (see the class comment).
     */
    private void noteUninspected(long pid, Path status) {
        Set<Long> uids = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("State:") && (line.contains("(zombie)") || line.contains("(dead)"))) {
                    return;
                }
                if (line.startsWith("Uid:")) {
                    for (String uid : line.substring("Uid:".length()).trim().split("\\s+")) {
                        uids.add(Long.parseLong(uid));
                    }
                }
            }
        } catch (IOException | RuntimeException gone) {
            return;
        }
        if (!uids.isEmpty() && !uids.equals(Set.of(0L))) {
            uninspected.put(pid, uids);
        }
    }

    private void add(FileKey key, long pid) {
        pidsByFile.computeIfAbsent(key, k -> new TreeSet<>()).add(pid);
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException unknown) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Pids that map or hold open the file with this statx device ({@code major << 32 | minor}) and inode. */
    List<Long> users(long device, long inode) {
        TreeSet<Long> pids = pidsByFile.get(FileKey.ofStatx(device, inode));
        return pids == null ? List.of() : new ArrayList<>(pids);
    }

    /**
     * Pids of the processes whose maps or descriptors could not be read ({@link #uninspected}, so not
     * among {@link #users}) that could open a file owned by {@code uid} with permission bits
     * {@code permissions}: every one if the bits grant the group or others any access, or are
     * unknown (negative); else those running as {@code uid} (real, effective, saved or file-system
     * uid). Such a process may map the file; the scan cannot tell. Empty for an unknown owner
     * ({@code uid} negative), whose row is never stale anyway.
     */
    List<Long> uninspected(long uid, int permissions) {
        if (uid < 0) {
            return List.of();
        }
        boolean othersMay = permissions < 0 || (permissions & 0077) != 0;
        return uninspected.entrySet().stream().filter(e -> othersMay || e.getValue().contains(uid))
                .map(Map.Entry::getKey).toList();
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
