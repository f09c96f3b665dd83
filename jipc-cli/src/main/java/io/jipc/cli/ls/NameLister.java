package io.jipc.cli.ls;

import io.jipc.JipcException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Names of the host's own name service ({@code local:/}, files under {@code <jipc root>/names}),
 * {@code name:NAME}. The service itself removes a name of a dead owner when anyone reads it, so an
 * owner-bound name shows up alive (or disappears); a persistent name ({@code bind}) stays, is shown
 * with its owner's state, and is never stale — except a dangling one, stale whatever its owner,
 * which {@code jipc gc} removes: a name {@code mq/NAME} that jipc bound for a queue which no longer
 * exists (unlinked behind jipc's back, e.g. by a C program), or a name {@code mailbox/NAME} that jipc
 * bound for a mailbox whose file is gone (removed behind jipc's back, or a process killed while it
 * destroyed the mailbox).
 */
final class NameLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            return names.list("").stream().map(NameLister::row).toList();
        } catch (JipcException | IllegalArgumentException unavailable) {
            return List.of();
        }
    }

    private static ObjectRow row(NameEntry e) {
        OwnerState owner = OwnerState.of(e.liveness());
        String gone = PosixQueueLister.isJipcName(e)
                && !QueueStatus.exists(e.record().address().substring("mq:".length())) ? "the queue is gone"
                : isMailboxName(e) && !Files.exists(Path.of(e.record().address()), LinkOption.NOFOLLOW_LINKS)
                ? "the mailbox file is gone" : null;
        boolean dangling = gone != null;
        String details = e.record().kind() + " " + e.record().address()
                + (e.lifetime() == Lifetime.PERSISTENT ? ", persistent" : "")
                + (dangling ? ", dangling: " + gone : "");
        return new ObjectRow("name", "name:" + e.name(), fileOf(e).toString(), e.owner().pid(), owner, List.of(),
                -1, -1, "", -1, "-", userOf(e), details, e.lifetime() == Lifetime.PERSISTENT,
                dangling).withUid(e.owner().uid());
    }

    /**
     * The registrant's user name, as other rows name their file's owner: the owner of the name's file
     * in {@code <jipc root>/names}, which the registrant wrote, if it has the registrant's uid; the
     * uid as text if the file cannot be read (gone meanwhile) or has another owner.
     */
    private static String userOf(NameEntry e) {
        try {
            Path file = fileOf(e);
            Object uid = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (uid instanceof Integer u && Integer.toUnsignedLong(u) == e.owner().uid()) {
                return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
            }
        } catch (IOException | RuntimeException unknown) {
            // the uid, below
        }
        return Long.toString(e.owner().uid());
    }

    /** The file of the name in {@code <jipc root>/names}: {@code /dev/shm/jipc-0/names/mailbox%orders} for {@code mailbox/orders}. */
    private static Path fileOf(NameEntry e) {
        return JipcRoot.path("names").resolve(NameSyntax.toStorageName(e.name()));
    }

    /** A name jipc binds for a mailbox of the jipc root ({@code mailbox/NAME}, kind mailbox, the file's absolute path). */
    private static boolean isMailboxName(NameEntry e) {
        return e.name().startsWith("mailbox/") && e.record().kind().equals("mailbox")
                && e.record().address().startsWith("/");
    }
}
