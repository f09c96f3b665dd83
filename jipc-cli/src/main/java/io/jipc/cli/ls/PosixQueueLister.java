package io.jipc.cli.ls;

import io.jipc.JipcException;
import io.jipc.mq.MqAccess;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.FileStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * POSIX message queues ({@code mq:/NAME}). The kernel records no creator and lists queues only
 * through the {@code mqueue} file system, which need not be mounted, so two sources are merged:
 * <ul>
 * <li>the queues jipc knows of: those a name of the local name service points to (a record whose
 *     address is {@code mq:/NAME}); the name's owner is shown as the queue's owner;</li>
 * <li>when {@code /dev/mqueue} is mounted, every queue of this IPC namespace (like {@code ipcs -q}),
 *     with the processes holding it open; owner unknown.</li>
 * </ul>
 * Capacity and depth are messages, from {@code mq_getattr} on a receive-only handle opened and
 * closed at once (it never takes a message). {@code jipc gc} leaves queues alone (a name of a dead
 * owner is dropped by the name service itself, and nothing else records an owner); {@code jipc rm}
 * removes one by name.
 */
final class PosixQueueLister implements Lister {
    static final Path DIRECTORY = Path.of("/dev/mqueue");

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        Map<String, ObjectRow> rows = new LinkedHashMap<>();
        ObjectFile.rowsOf(DIRECTORY, FileStatus::isRegularFile, name -> "mq:/" + name, "mq", scan,
                file -> describe(file.uri(), file.path().toString(), 0, OwnerState.UNKNOWN, file.users(), file.mode(),
                        file.user())).forEach(r -> rows.put(r.uri(), r));
        for (NameEntry e : namedQueues()) {
            String uri = e.record().address();
            ObjectRow kernel = rows.get(uri);
            OwnerState owner = OwnerState.of(e.liveness());
            if (kernel != null || PosixMessageQueue.exists(uri.substring("mq:".length()))) {
                rows.put(uri, describe(uri, "named " + e.name(), e.owner().pid(), owner,
                        kernel == null ? List.of() : kernel.users(), kernel == null ? "?" : kernel.mode(),
                        kernel == null ? "?" : kernel.user()));
            }
        }
        return List.copyOf(rows.values());
    }

    private static List<NameEntry> namedQueues() {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            return names.list("").stream().filter(e -> e.record().address().startsWith("mq:/")).toList();
        } catch (JipcException | IllegalArgumentException unavailable) {
            return List.of();
        }
    }

    private static ObjectRow describe(String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                                      String mode, String user) {
        String details;
        long capacity = -1;
        long depth = -1;
        try (PosixMessageQueue queue = PosixMessageQueue.open(uri.substring("mq:".length()), MqAccess.RECEIVE)) {
            MqAttributes a = queue.attributes();
            capacity = a.maxMessages();
            depth = a.currentMessages();
            details = "messages up to " + a.maxMessageSize() + " B";
        } catch (JipcException | IllegalArgumentException notOurs) {
            details = kernelLine(Path.of(path));
        }
        return new ObjectRow("mq", uri, path, ownerPid, owner, users, capacity, depth, "msgs", -1, mode, user,
                details, false);
    }

    /** The kernel's own line, {@code QSIZE:<bytes> NOTIFY:...}, when the queue cannot be opened. */
    private static String kernelLine(Path path) {
        try {
            return String.join(" ", Files.readString(path).trim().split("\\s+"));
        } catch (java.io.IOException | RuntimeException e) {
            return "not readable by this user";
        }
    }
}
