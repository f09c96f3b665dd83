package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link Mailbox#close()} ends a send blocked on a full priority level above 0 with {@link
 * ClosedException}, as it does on level 0: close woke the waiters of ring 0 only, and a send
 * waits on the space signal of its own level's ring, so a platform thread's put stayed blocked
 * (for ever if the closed handle was the process's last, not even an interrupt ended it then;
 * until interrupted otherwise) and a virtual thread's ended only at its next sleep slice.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS) // hang guard; each call has its own (Async)
class ClosePriorityLevelTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().priorities(4).messageLimit(1)
            .maxMessageSize(64).build();

    /** A send that blocks while its level is full. */
    enum BlockedSend {
        PUT, TIMED_OFFER, CLAIM;

        void call(Mailbox mailbox, int level) throws Exception {
            switch (this) {
                case PUT -> mailbox.put("blocked".getBytes(UTF_8), level);
                case TIMED_OFFER -> mailbox.offer("blocked".getBytes(UTF_8), level, Duration.ofHours(1));
                case CLAIM -> mailbox.claim(7, level).abort();
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Async.Kind kind : Async.Kind.values()) {
            for (boolean last : new boolean[] {true, false}) {
                for (BlockedSend send : BlockedSend.values()) {
                    cases.add(Arguments.of(kind, last, send));
                }
            }
        }
        return cases.stream();
    }

    private final List<String> names = new ArrayList<>();

    @AfterEach
    void destroy() {
        names.forEach(Mailbox::destroy);
    }

    @ParameterizedTest(name = "{0} thread, last handle {1}, {2}")
    @MethodSource("cases")
    void closeEndsASendBlockedOnAFullLevelAboveZero(Async.Kind kind, boolean last, BlockedSend send) throws Exception {
        String name = "close-level-" + NAMES.incrementAndGet();
        names.add(name);
        for (int level = 0; level < 4; level++) {
            Mailbox mailbox = Mailbox.create(name, OPTIONS);
            Mailbox other = last ? null : Mailbox.open(name);
            try {
                assertTrue(mailbox.offer(("fill " + level).getBytes(UTF_8), level));
                int blockedLevel = level;
                Async<Void> blocked = Async.run(kind, send + " at level " + level,
                        () -> send.call(mailbox, blockedLevel)).assertBlocked();
                mailbox.close();
                blocked.failure(ClosedException.class);
                try (Mailbox after = other != null ? other : Mailbox.open(name)) {
                    assertEquals("fill " + level, new String(after.poll(), UTF_8));
                    assertNull(after.poll(), "the closed send sent nothing");
                }
            } finally {
                mailbox.close();
                if (other != null) {
                    other.close();
                }
                Mailbox.destroy(name);
            }
        }
    }
}
