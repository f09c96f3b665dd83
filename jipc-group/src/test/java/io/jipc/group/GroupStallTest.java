package io.jipc.group;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that waits for the group to fill stalled (a GC pause, a loaded host) right after a look that
 * found a rank empty, past its timeout, while another process joined that rank: the wait sees the group
 * full; {@link ProcessGroup#awaitFull} returns true, and the first collective operation forms its view
 * instead of failing with {@link GroupTimeoutException}. A seam of {@link ProcessGroup}
 * ({@code afterEmptyLook}) stands for the stall: it starts a child JVM ({@link GroupStressChild},
 * {@code hold}) that joins rank 1, waits for its {@code JOINED}, then sleeps twice the timeout. Until
 * 2026-12-07 the wait decided on a clock read after its look. The same for a collective operation's send
 * whose wait for room found none while the receiver made room (seam {@code afterFullOffer} of
 * {@link PeerInboxes}). No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GroupStallTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration LONG = Duration.ofSeconds(60);

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<ProcessGroup> open = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        ProcessGroup.afterEmptyLook = null;
        PeerInboxes.afterFullOffer = null;
        children.forEach(ChildJvm::close); // killed: the last member, this one, removes its inboxes with the group
        open.forEach(ProcessGroup::close);
    }

    @Test
    void aMemberThatJoinedWhileTheWaiterStalledFillsTheGroup() throws Exception {
        ProcessGroup zero = join("stall-full", GroupOptions.of(2).withRank(0));
        AtomicBoolean stalled = stallOnceWhileRankOneJoins("stall-full");
        assertTrue(zero.awaitFull(TIMEOUT), "the group filled within the timeout");
        assertTrue(stalled.get(), "the seam ran");
    }

    @Test
    void theFirstCollectiveOperationFormsItsViewWithAMemberThatJoinedWhileItStalled() throws Exception {
        ProcessGroup zero = join("stall-view", GroupOptions.of(2).withRank(0).withCollectiveTimeout(TIMEOUT));
        AtomicBoolean stalled = stallOnceWhileRankOneJoins("stall-view");
        byte[] value = "from-0".getBytes(StandardCharsets.UTF_8);
        // the root sends its value into rank 1's inbox and returns: nothing of rank 1 is waited for but its joining
        assertArrayEquals(value, zero.broadcastFrom(0, value));
        assertTrue(stalled.get(), "the seam ran");
    }

    /**
     * A collective operation's send stalled right after its wait for room in rank 1's full inbox found none,
     * past the collective timeout, while rank 1 took a part and so made room (seam
     * {@code PeerInboxes.afterFullOffer}; both members are handles in this JVM): the part is delivered and the
     * operation returns; it does not fail with {@link GroupTimeoutException} ("sending to rank 1"), which
     * would break this member's collective operations. Until 2026-12-07 the send decided on a clock read after
     * its wait.
     */
    @Test
    void aCollectiveSendStalledPastTheTimeoutTakesTheRoomThatCameMeanwhile() throws Exception {
        ProcessGroup zero = join("stall-room", GroupOptions.of(2).withRank(0).withInboxBytes(4096)
                .withCollectiveTimeout(TIMEOUT));
        ProcessGroup one = join("stall-room", GroupOptions.of(2).withRank(1).withInboxBytes(4096));
        AtomicBoolean stalled = new AtomicBoolean();
        PeerInboxes.afterFullOffer = () -> {
            if (stalled.getAndSet(true)) {
                return;
            }
            try {
                one.broadcastFrom(0, null); // rank 1 takes the first value: room in its inbox, within the timeout
                Thread.sleep(TIMEOUT.multipliedBy(2)); // the stall: past it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        byte[] value = new byte[500];
        for (int i = 0; i < 100 && !stalled.get(); i++) { // the root's values fill rank 1's inbox, which takes none
            assertArrayEquals(value, zero.broadcastFrom(0, value));
        }
        assertTrue(stalled.get(), "the seam ran");
    }

    /** Sets the seam: at the first empty look, a child joins rank 1 of {@code name}, then the waiter stalls. */
    private AtomicBoolean stallOnceWhileRankOneJoins(String name) {
        AtomicBoolean stalled = new AtomicBoolean();
        ProcessGroup.afterEmptyLook = () -> {
            if (stalled.getAndSet(true)) {
                return;
            }
            ChildJvm child = ChildJvm.builder(GroupStressChild.class).args("hold", name, "2", "1").quickStart()
                    .hardTimeout(Duration.ofSeconds(80)).start();
            children.add(child);
            child.awaitLine("JOINED", LONG); // rank 1 is taken, well within the timeout
            try {
                Thread.sleep(TIMEOUT.multipliedBy(2)); // the stall: past the timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        return stalled;
    }

    private ProcessGroup join(String name, GroupOptions options) {
        ProcessGroup g = ProcessGroup.join(name, options);
        open.add(g);
        return g;
    }
}
