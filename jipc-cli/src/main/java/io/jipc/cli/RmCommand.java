package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.cli.ls.Removal;
import io.jipc.group.GroupDescriptor;
import io.jipc.platform.Libc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static io.jipc.cli.ls.RowFormat.shown;

/**
 * {@code jipc rm NAME|URI...}: removes exactly the objects named. Refuses an object a live process
 * uses (maps it, holds it open, holds a lease in its header) or whose owner still runs, unless
 * {@code --force}; likewise another user's file (the kernel still decides whether this user may
 * remove it: {@code EPERM} is one line). An anonymous region ({@code memfd:INODE}, as {@code jipc ls}
 * lists it) cannot be removed, even with {@code --force}: it has no name. An entry planted in a kind
 * directory that is no regular file ({@code jipc ls} lists it as its kind's error row) is removed
 * itself, and said so ({@code removed mailbox:x: PATH, a symbolic link (not followed)}): a link is
 * unlinked, never followed; a directory only if empty. So is a corrupt or foreign entry of the name
 * service ({@code jipc ls}'s {@code name:NAME} error row), through its {@code unregister}. Exit code 0 if all were
 * removed, 1 if one was refused, missing or not removable, 2 for an ambiguous name or bad usage:
 * every name is checked (ambiguity included) before any is removed, so 2 means nothing was removed.
 */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = {"Remove IPC objects by URI, or by bare name when only one object has it.",
                "URIs: mailbox:NAME, mailbox-file:PATH, unbounded:NAME, region:NAME, shm:/NAME, sync:NAME, "
                + "group:NAME, name:NAME, mq:/NAME, fifo:PATH, handoff:FILE. Refuses what a live process uses or owns unless "
                + "--force; processes still using a removed object keep it until they close it. An anonymous "
                + "region (memfd:INODE) has no name to remove: it goes with the last process that maps it."})
final class RmCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME|URI", description = "objects to remove")
    List<String> targets;

    @Option(names = "--force", description = "remove even what a live process uses or owns, or another user's file")
    boolean force;

    @Override
    public Integer call() {
        List<ObjectRow> rows = checkTargets();
        if (anyAmbiguous(rows)) {
            return 2;
        }
        int exit = 0;
        for (String target : targets) {
            exit = Math.max(exit, remove(rows, target));
        }
        return exit;
    }

    /**
     * Checks every target before anything is removed ({@link ObjectInventory#checkTarget}; a usage
     * error, {@link CommandFailures}), and returns the inventory. A URI whose name no object of its kind
     * can have is taken when {@code jipc ls} lists it: an entry planted in a kind directory
     * ({@code unbounded:log@1}, {@code mailbox:.x}).
     */
    private List<ObjectRow> checkTargets() {
        Map<String, IllegalArgumentException> invalid = new LinkedHashMap<>();
        for (String target : targets) {
            try {
                ObjectInventory.checkTarget(target);
            } catch (IllegalArgumentException e) {
                invalid.putIfAbsent(target, e);
            }
        }
        List<ObjectRow> rows = ObjectInventory.list();
        for (Map.Entry<String, IllegalArgumentException> e : invalid.entrySet()) {
            if (rows.stream().noneMatch(r -> r.uri().equals(e.getKey()))) {
                throw e.getValue();
            }
        }
        return rows;
    }

    /**
     * Says which targets name more than one object of {@code rows} (a bare name that a mailbox and a
     * sync object both have), each once; returns whether there was one. Checked for every target
     * before any is removed, as usage errors are: exit code 2 means nothing was removed.
     */
    private boolean anyAmbiguous(List<ObjectRow> rows) {
        boolean any = false;
        for (String target : targets.stream().distinct().toList()) {
            if (target.contains(":")) {
                continue; // a URI names one object at most (and may need a probe: once, in remove)
            }
            List<ObjectRow> found = ObjectInventory.find(rows, target);
            if (found.size() > 1) {
                System.err.println("jipc rm: " + shown(target) + " names " + found.size() + " objects, say which: "
                        + found.stream().map(r -> shown(r.uri())).collect(Collectors.joining(", ")));
                any = true;
            }
        }
        return any;
    }

    /** Removes the one object of {@code rows} that {@code target} names (none names more: {@link #anyAmbiguous}). */
    private int remove(List<ObjectRow> rows, String target) {
        List<ObjectRow> found = ObjectInventory.find(rows, target);
        if (found.isEmpty()) {
            System.err.println("jipc rm: " + ObjectInventory.whyNotFound(target)
                    .orElse("no object " + shown(target) + " (jipc ls lists them)"));
            return 1;
        }
        ObjectRow row = found.get(0);
        if (!Removal.removable(row)) {
            System.err.println("jipc rm: cannot remove " + shown(row.uri()) + ": an anonymous region has no name; it goes"
                    + " when the last process that maps it unmaps it or exits"
                    + (row.users().isEmpty() ? "" : " (mapped by pid "
                    + row.users().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")"));
            return 1;
        }
        if (isLiveOwnersName(row, ProcessHandle.current().pid())) { // --force would not help: say so
            System.err.println("jipc rm: not removing " + shown(row.uri()) + ": its owner, pid " + row.ownerPid()
                    + ", is alive (the name service keeps a live owner's name, even with --force)");
            return 1;
        }
        String refusal = refusal(row, Libc.geteuid());
        if (refusal != null && !force) {
            System.err.println("jipc rm: not removing " + shown(row.uri()) + ": " + refusal + " (--force removes it anyway)");
            return 1;
        }
        try {
            String entry = Removal.notRegularEntryOf(row).or(() -> Removal.corruptNameOf(row))
                    .map(what -> ": " + what).orElse("");
            boolean removed = Removal.remove(row, force);
            boolean replaced = !removed && Removal.replaced(row); // a new object under its name: left alone
            boolean member = !removed && !replaced && !force && Removal.liveGroupInbox(row); // a live member's inbox
            boolean joined = !removed && !replaced && !force && row.kind().equals("group")
                    && Removal.stillThere(row); // a joiner took a rank of the very file listed
            System.out.println((removed ? "removed " : replaced || member || joined ? "left alone: " : "already gone: ")
                    + shown(row.uri()) + entry + (refusal != null ? " (" + refusal + ")" : "")
                    + (replaced ? " (replaced by a new object since it was listed)" : "")
                    + (member ? " (the inbox of a live member of its group; --force removes it)" : "")
                    + (joined ? " (a live process holds a rank since it was listed)" : ""));
            if (removed && row.kind().equals("group")) {
                return removeDeadMembersInboxes(row.uri().substring("group:".length())) ? 0 : 1;
            }
            return removed ? 0 : 1;
        } catch (JipcException | IllegalArgumentException e) {
            System.err.println("jipc rm: " + shown(row.uri()) + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * After the removal of group {@code name}: removes the inboxes its dead members left, whatever
     * they hold — no member can ever read them, a new member of a group of that name gets new ones.
     * An inbox is a mailbox named exactly as {@link GroupDescriptor#groupOfInbox} says a member of
     * this group names its inboxes ({@code group.NAME.RANK.INCARNATION} and its {@code .parts}; a
     * mailbox {@code group.NAME.backup} someone made is no inbox and stays), stale: owner dead, no
     * process maps it, or half-made by a joiner that died creating it (see
     * {@link io.jipc.cli.ls.ObjectInventory#list}). Inboxes a live process maps stay, and so does one a
     * new member made under the same name after the listing, or the inbox of a live member
     * ({@link Removal}). Returns false
     * if one could not be removed (said on stderr).
     */
    private static boolean removeDeadMembersInboxes(String name) {
        boolean all = true;
        for (ObjectRow inbox : ObjectInventory.list()) {
            if (!inbox.kind().equals("mailbox") || !inbox.uri().startsWith("mailbox:")
                    || !GroupDescriptor.isInboxOf(name, inbox.uri().substring("mailbox:".length()))
                    || inbox.owner() != OwnerState.DEAD || !inbox.users().isEmpty()
                    || !inbox.uninspected().isEmpty()) {
                continue;
            }
            try {
                if (Removal.remove(inbox)) {
                    System.out.println("removed " + shown(inbox.uri()) + (inbox.details().startsWith("error: ")
                            ? " (a half-made inbox of a member that died joining)" : " (an inbox of a dead member)"));
                }
            } catch (JipcException e) {
                System.err.println("jipc rm: " + shown(inbox.uri()) + ": " + e.getMessage());
                all = false;
            }
        }
        return all;
    }

    /**
     * Whether the row is a name whose owner, another live process, holds it: the name service
     * refuses to remove it, with {@code --force} too (only its owner's own process may).
     */
    static boolean isLiveOwnersName(ObjectRow row, long self) {
        return row.kind().equals("name") && row.owner() == OwnerState.ALIVE && !row.dangling()
                && row.ownerPid() != self;
    }

    /** Why removing would hurt a live process or another user, or null. */
    static String refusal(ObjectRow row, int euid) {
        if (row.uid() >= 0 && !row.ownedBy(euid)) {
            return "owned by uid " + row.uid() + ", not by this user (uid " + Integer.toUnsignedString(euid) + ")";
        }
        if (!row.users().isEmpty()) {
            return "in use by pid " + row.users().stream().map(String::valueOf).collect(Collectors.joining(", "));
        }
        if (row.owner() == OwnerState.ALIVE && !row.dangling()) {
            return "its owner, pid " + row.ownerPid() + ", is alive";
        }
        if (!row.uninspected().isEmpty()) {
            return GcCommand.uninspected(row);
        }
        return null;
    }
}
