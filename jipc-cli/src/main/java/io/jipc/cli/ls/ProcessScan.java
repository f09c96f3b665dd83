package io.jipc.cli.ls;

import io.jipc.platform.FileStatus;

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
 * with its uids and gids instead ({@link Credentials}, for {@link #uninspected}), except one whose
 * uids are all root's (a non-root scan can inspect none of root's processes, and root may open any
 * file: counting them would keep every object; a scan by root inspects them). A process hidden from
 * this user altogether ({@code /proc} mounted with {@code hidepid}) is not seen at all.
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
    /** Processes whose maps or descriptors could not be read, with their credentials. */
    private final Map<Long, Credentials> uninspected = new TreeMap<>();

    /**
     * What the kernel checks a process's access to a file by, from {@code /proc/<pid>/status}
     * (readable by everyone): its real, effective, saved and file-system uids ({@code Uid:}) and gids
     * ({@code Gid:}), and its supplementary groups ({@code Groups:}).
     */
    record Credentials(Set<Long> uids, Set<Long> gids, Set<Long> groups) {
        Credentials {
            uids = Set.copyOf(uids);
            gids = Set.copyOf(gids);
            groups = Set.copyOf(groups);
        }

        /**
         * Whether this process could open a file owned by {@code uid} and group {@code gid} (-1:
         * unknown) with permission bits {@code permissions} (negative: unknown, so yes) whose
         * directories ({@code lstat}s of every directory above it, in any order) are
         * {@code directories}: the kernel's check (read, write or execute on the file, search on
         * every directory) passes for one of the file-system identities the process may take without
         * privilege — any of its uids with any of its gids, and its supplementary groups always. For
         * each file it checks the owner's bits if that uid owns it, else the group's if that gid or
         * a supplementary group is its group (or the group is unknown: the group's or the others'),
         * else the others' (so a group member is refused what only the others may, as the kernel
         * refuses it). Root's power to pass every check, POSIX ACLs and file capabilities are not
         * looked at.
         */
        boolean mayOpen(long uid, long gid, int permissions, List<FileStatus> directories) {
            for (long fsuid : uids) {
                for (long fsgid : gids.isEmpty() ? Set.of(-1L) : gids) {
                    if (grants(fsuid, fsgid, uid, gid, permissions, 07) && directories.stream().allMatch(d -> grants(
                            fsuid, fsgid, Integer.toUnsignedLong(d.uid()), Integer.toUnsignedLong(d.gid()),
                            d.permissions(), 01))) {
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * Whether the bits of {@code permissions} that apply to this process as {@code fsuid} and
         * {@code fsgid} grant one of {@code wanted}.
         */
        private boolean grants(long fsuid, long fsgid, long uid, long gid, int permissions, int wanted) {
            if (permissions < 0) {
                return true;
            }
            int bits;
            if (fsuid == uid) {
                bits = permissions >> 6;
            } else if (gid < 0) {
                bits = permissions >> 3 | permissions;
            } else if (fsgid == gid || groups.contains(gid)) {
                bits = permissions >> 3;
            } else {
                bits = permissions;
            }
            return (bits & wanted) != 0;
        }
    }

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
     * Remembers process {@code pid}, whose maps or descriptors could not be read, by the
     * {@link Credentials} its {@code status} (readable by everyone) gives; not if it is gone, a
     * zombie (which maps and holds nothing), or all its uids are root's (see the class comment).
     */
    private void noteUninspected(long pid, Path status) {
        Set<Long> uids = new TreeSet<>();
        Set<Long> gids = new TreeSet<>();
        Set<Long> groups = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("State:") && (line.contains("(zombie)") || line.contains("(dead)"))) {
                    return;
                }
                if (line.startsWith("Uid:")) {
                    ids(line, uids);
                } else if (line.startsWith("Gid:")) {
                    ids(line, gids);
                } else if (line.startsWith("Groups:")) {
                    ids(line, groups);
                }
            }
        } catch (IOException | RuntimeException gone) {
            return;
        }
        if (!uids.isEmpty() && !uids.equals(Set.of(0L))) {
            uninspected.put(pid, new Credentials(uids, gids, groups));
        }
    }

    /** Adds the numbers after the {@code Name:} of a status line ({@code Gid:\t100\t100\t100\t100}) to {@code ids}. */
    private static void ids(String line, Set<Long> ids) {
        for (String id : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (!id.isEmpty()) {
                ids.add(Long.parseLong(id));
            }
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
     * among {@link #users}) that could open a file owned by {@code uid} and group {@code gid} (-1:
     * unknown) with permission bits {@code permissions} (negative: unknown) below the directories
     * {@code directories} ({@link Credentials#mayOpen}): such a process may map the file; the scan
     * cannot tell. The rule's first version (2026-12-07) counted every such process for any mode with
     * a group or others bit, whatever its groups and although none of another uid can reach a file
     * in the 0700 jipc root, so {@code jipc gc} kept such an object for as long as any other user's
     * process ran. Empty for an unknown owner ({@code uid} negative), whose row is never stale anyway.
     */
    List<Long> uninspected(long uid, long gid, int permissions, List<FileStatus> directories) {
        if (uid < 0) {
            return List.of();
        }
        return uninspected.entrySet().stream().filter(e -> e.getValue().mayOpen(uid, gid, permissions, directories))
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
