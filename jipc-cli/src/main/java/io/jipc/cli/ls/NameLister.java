package io.jipc.cli.ls;

import io.jipc.JipcException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;

import java.util.List;

/**
 * Names of the host's own name service ({@code local:/}, files under {@code <jipc root>/names}),
 * {@code name:NAME}. The service itself removes a name of a dead owner when anyone reads it, so an
 * owner-bound name shows up alive (or disappears); a persistent name ({@code bind}) stays, is shown
 * with its owner's state, and is never stale — except a dangling one: a name {@code mq/NAME} that
 * jipc bound for a queue which no longer exists (unlinked behind jipc's back, e.g. by a C program)
 * is stale whatever its owner, and {@code jipc gc} removes it.
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
        boolean dangling = PosixQueueLister.isJipcName(e)
                && !QueueStatus.exists(e.record().address().substring("mq:".length()));
        String details = e.record().kind() + " " + e.record().address()
                + (e.lifetime() == Lifetime.PERSISTENT ? ", persistent" : "")
                + (dangling ? ", dangling: the queue is gone" : "");
        return new ObjectRow("name", "name:" + e.name(), "names/" + e.name(), e.owner().pid(), owner, List.of(),
                -1, -1, "", -1, "-", String.valueOf(e.owner().uid()), details, e.lifetime() == Lifetime.PERSISTENT,
                dangling).withUid(e.owner().uid());
    }
}
