package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.Removal;
import io.jipc.cli.ls.RowFormat;
import io.jipc.platform.Libc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code jipc gc}: removes the stale objects, those whose owner is dead and that no live process uses
 * ({@link ObjectRow#stale()}), and dangling names (an {@code mq/NAME} or {@code mailbox/NAME} name whose queue or mailbox file is gone); never
 * an object whose owner is unknown (FIFOs, raw regions, error rows: also a link, socket, FIFO or
 * directory planted in a kind directory, which nothing identifies as a dead jipc object; except the
 * inbox of a gone or stale group that a joiner died creating, which the inventory marks stale) or alive, nor one made to outlive its creator:
 * a POSIX queue, a durable mailbox (flagged so in its header, also in {@code <jipc root>/mailbox};
 * only {@code jipc rm} removes it). The inventory is taken twice and only objects stale both times are removed,
 * which narrows (but cannot close) the window in which a process opens an object being removed: such
 * a process keeps its mapping, and the name is gone. A stale object that still holds messages or
 * items, or a synchronization object whose state a later process may depend on (a permit taken, a
 * latch counted down: {@link ObjectRow#holds()}), is kept (and said so) unless {@code --include-unread}:
 * nothing is lost by a routine gc. So is one that a process this user could not inspect could open
 * ({@link ObjectRow#staleButForUninspected}: another user's process that the file's group and mode,
 * and the directories above it, let in, or a non-dumpable process of the owning uid), since it may map
 * it; gc says so, naming the pids.
 * Only this user's objects are considered (files and names it owns):
 * another user's stale buffer in {@code /dev/shm} is theirs to collect, also for root. A jipc root
 * or kind directory that is a link or another user's is refused before anything is read
 * ({@link ObjectInventory#checkRoot}), and every removal checks its file again ({@link Removal}): only the
 * very file listed is removed, not one a live process made under its name since, nor the inbox of a
 * live group member, nor a group's file in which a live process took a rank since it was listed (a
 * group is removed through its own closing protocol, {@code ProcessGroup.removeIfAbandoned}; gc says
 * nothing of a group so left alone). A group file its creator died making is stale too.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Remove this user's stale IPC objects (owner dead, no live process using them) and dangling names.",
                "A name dangles when its object is gone. Prints what it removes (or would, with "
                + "--dry-run). Objects without a recorded owner, POSIX queues and durable mailboxes are never removed, nor "
                + "one that a process this user cannot inspect could open (it says so); stale "
                + "objects still holding messages, or synchronization objects with state (a permit taken, a latch "
                + "counted down), are kept unless --include-unread."})
final class GcCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "print what would be removed, remove nothing")
    boolean dryRun;

    @Option(names = "--include-unread",
            description = "also remove stale objects that still hold messages, items or a synchronization object's state")
    boolean includeUnread;

    @Option(names = "--ignore-uninspected",
            description = "treat processes this user cannot inspect (a non-dumpable ssh-agent of this user, other users' "
                    + "processes) as mapping nothing: remove stale objects only they could open")
    boolean ignoreUninspected;

    @Override
    public Integer call() {
        int euid = Libc.geteuid();
        Set<String> staleBefore = ObjectInventory.list().stream().filter(r -> collectable(r) && r.ownedBy(euid))
                .map(ObjectRow::uri).collect(Collectors.toSet());
        List<ObjectRow> second = ObjectInventory.list();
        List<ObjectRow> stale = second.stream()
                .filter(r -> collectable(r) && r.ownedBy(euid) && staleBefore.contains(r.uri()) && Removal.removable(r))
                .toList();
        int exit = 0;
        List<ObjectRow> unseen = ignoreUninspected ? List.of() : second.stream()
                .filter(r -> r.staleButForUninspected() && r.ownedBy(euid) && Removal.removable(r)).toList();
        for (ObjectRow row : unseen) {
            System.out.println("kept " + RowFormat.shown(row.uri()) + " (owner pid " + row.ownerPid() + " dead): "
                    + uninspected(row) + "; jipc gc --ignore-uninspected or jipc rm --force removes it");
        }
        for (ObjectRow row : stale) {
            String holds = row.holds();
            String what = RowFormat.shown(row.uri()) + (row.dangling() ? " (dangling: its object is gone"
                    : row.details().startsWith("error: ") ? " (" + row.details().substring("error: ".length()) // a half-made inbox
                    : " (owner pid " + row.ownerPid() + " dead")
                    + (holds.isEmpty() ? "" : ", " + holds) + ")";
            if (!holds.isEmpty() && !includeUnread) {
                System.out.println("kept " + what + ": --include-unread or jipc rm removes it");
                continue;
            }
            if (dryRun) {
                System.out.println("would remove " + what);
                continue;
            }
            try {
                if (Removal.remove(row)) {
                    System.out.println("removed " + what);
                }
            } catch (JipcException e) {
                System.err.println("jipc gc: " + RowFormat.shown(row.uri()) + ": " + e.getMessage());
                exit = 1;
            }
        }
        if (stale.isEmpty() && unseen.isEmpty()) {
            System.out.println("nothing stale");
        }
        return exit;
    }

    /** Stale, or (with {@code --ignore-uninspected}) stale but for processes this user cannot inspect. */
    private boolean collectable(ObjectRow row) {
        return row.stale() || ignoreUninspected && row.staleButForUninspected();
    }

    /**
     * Why a row {@link ObjectRow#staleButForUninspected} is kept, in words:
     * {@code may be mapped by 2 processes this user cannot inspect (pid 12, 34)}.
     */
    static String uninspected(ObjectRow row) {
        int n = row.uninspected().size();
        return "may be mapped by " + n + (n == 1 ? " process" : " processes") + " this user cannot inspect (pid "
                + row.uninspected().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")";
    }
}
