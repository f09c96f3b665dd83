package io.jipc.cli.bench;

import io.jipc.WaitStrategy;

import java.util.ArrayList;
import java.util.List;

/**
 * Every mechanism {@code jipc bench} knows, in the order of the table and of the run: one line
 * each. The futex mailbox runs before the spinning one: two spinning processes on two cores starve
 * the JIT compiler threads, which the first mechanism of a run needs most.
 */
public final class Mechanisms {
    private static final Mechanism.Traits SHARED_MEMORY =
            new Mechanism.Traits("setup only", "2 (0 in place)", "until destroyed");

    private static final List<Mechanism> ALL = List.of(
            MailboxMechanism.buffered("mailbox-futex", "mailbox futex", WaitStrategy.FUTEX,
                    new Mechanism.Traits("wake-ups (futex)", "2 (0 in place)", "until destroyed")),
            MailboxMechanism.buffered("mailbox-spin", "mailbox spin", WaitStrategy.SPIN, SHARED_MEMORY),
            MailboxMechanism.rendezvous(),
            new UnboundedMailboxMechanism(),
            new MqMechanism(),
            new PipeMechanism(),
            new FifoMechanism(),
            StreamMechanism.unix(),
            DatagramMechanism.unix(),
            StreamMechanism.tcp(),
            DatagramMechanism.udp(),
            new SignalMechanism(),
            new RingMechanism(),
            new GroupMechanism(),
            new RemoteMailboxMechanism(),
            RpcMechanism.mailboxes(),
            RpcMechanism.tcp(),
            new DsmMechanism());

    private Mechanisms() {
    }

    /** All of them, in table order. */
    public static List<Mechanism> all() {
        return ALL;
    }

    /** The one named {@code id}. */
    public static Mechanism byId(String id) {
        for (Mechanism m : ALL) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no mechanism '" + id + "'; known: " + ids());
    }

    /** Those named in {@code ids}, in table order; all if {@code ids} is empty. */
    public static List<Mechanism> select(List<String> ids) {
        if (ids.isEmpty()) {
            return ALL;
        }
        List<Mechanism> chosen = new ArrayList<>();
        for (String id : ids) {
            byId(id.trim()); // fails on an unknown name
        }
        for (Mechanism m : ALL) {
            if (ids.stream().anyMatch(id -> id.trim().equals(m.id()))) {
                chosen.add(m);
            }
        }
        return chosen;
    }

    /** The names, comma-separated. */
    public static String ids() {
        return String.join(",", ALL.stream().map(Mechanism::id).toList());
    }
}
