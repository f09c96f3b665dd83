package io.jipc.bench.group;

import io.jipc.bench.PeerProgress;
import io.jipc.cli.bench.ParentWatch;
import io.jipc.group.ProcessGroup;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A member process of {@link GroupBench}: joins the group it is given (taking the lowest free rank,
 * 1 or above: the bench holds rank 0), prints {@code READY joined}, runs the bench's steps, and
 * leaves after the final barrier ({@code PEER DONE}).
 *
 * <p>Arguments: the group's name, then the members, rounds, warmup, messages and size (see
 * {@link GroupBench.Settings}).
 */
public final class GroupBenchPeer {
    private static final Object GONE = new Object();

    private GroupBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        // never outlive the parent (whatever kills it), and leave the group first if it was joined:
        // a member waiting in receive() for a dead rank 0 would wait for ever, and the last member to
        // leave removes the inboxes of dead members and the group
        AtomicReference<Object> joined = new AtomicReference<>();
        Runnable leave = () -> {
            if (joined.getAndSet(GONE) instanceof ProcessGroup group) {
                group.close();
            }
        };
        ParentWatch.start(3, leave); // the process that started it, even if it died while this JVM started
        // ^C in a terminal signals the bench and its peers alike
        Runtime.getRuntime().addShutdownHook(new Thread(leave, "jipc-bench-group-leave"));
        GroupBench.Settings settings = GroupBench.Settings.fromArgs(args);
        try (ProcessGroup group = ProcessGroup.join(args[0], settings.members())) {
            if (!joined.compareAndSet(null, group)) {
                group.close(); // the parent ended (or a signal came) while this one joined
                Runtime.getRuntime().halt(3);
            }
            System.out.println("READY joined");
            System.out.flush();
            GroupBench.warmUp(group, settings, PeerProgress.NONE);
            GroupBench.barrier(group, settings, PeerProgress.NONE);
            GroupBench.allReduce(group, settings, PeerProgress.NONE);
            GroupBench.pingPong(group, settings, () -> { }, PeerProgress.NONE);
            GroupBench.broadcast(group, settings, PeerProgress.NONE);
            group.barrier();
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }
}
