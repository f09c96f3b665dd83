package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client's receiving caller stalled (a GC pause, a loaded host) right after a look that found no reply,
 * until its call's timeout has passed, while the reply arrived within the timeout: the reply waiting unread
 * is taken, and the call returns it; it does not fail with a timeout. A seam of {@link RpcClient}
 * ({@code afterEmptyPoll}) stands for the stall: it lets the server's method return, then sleeps past the
 * call's timeout. Until 2026-12-07 the caller decided on a clock read after its look and threw
 * {@link java.util.concurrent.TimeoutException}. The same for a caller that waits for its turn while another
 * receives, and stalls right after a look that found its reply not handed over yet (seam {@code afterTurnLook}).
 * No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcClientStallTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);

    /** The interface of this test: a call that returns once the test lets it. */
    public interface Gate {
        String pass(String word);
    }

    @AfterEach
    void removeSeam() {
        RpcClient.afterEmptyPoll = null;
        RpcClient.afterTurnLook = null;
    }

    @Test
    void aReplyThatCameWhileTheCallerStalledPastItsTimeoutIsReturned() throws Exception {
        CountDownLatch open = new CountDownLatch(1);
        Gate gate = word -> {
            try {
                open.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return word.toUpperCase();
        };
        String name = "client-stall-" + ProcessHandle.current().pid();
        try (RpcServer<Gate> server = RpcServer.builder(name, Gate.class, gate).start();
             RpcClient<Gate> client = RpcClient.connect(name, Gate.class, RpcClient.Options.defaults()
                     .withCallTimeout(CALL_TIMEOUT).withLivenessCheck(Duration.ofMillis(50)))) {
            RpcClient.afterEmptyPoll = () -> {
                RpcClient.afterEmptyPoll = null; // once
                open.countDown(); // the server answers now, well within the call's timeout
                try {
                    Thread.sleep(CALL_TIMEOUT.plusMillis(500).toMillis()); // the stall: past the timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            assertEquals("HELLO", client.stub().pass("hello"));
        }
    }

    /**
     * Two calls: the first one's caller receives (its call runs until the test ends it), the second one's waits
     * for its reply to be handed over, and stalls right after a look that found it not yet there, past its
     * timeout, while the server answers it and the receiving caller hands the reply over: the second call
     * returns its reply; it does not fail with a timeout.
     */
    @Test
    void aReplyHandedOverWhileAWaitingCallerStalledPastItsTimeoutIsReturned() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch firstRuns = new CountDownLatch(1);
        Gate gate = word -> {
            try {
                if (word.equals("first")) {
                    firstRuns.countDown();
                    first.await(30, TimeUnit.SECONDS);
                } else {
                    second.await(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return word.toUpperCase();
        };
        String name = "turn-stall-" + ProcessHandle.current().pid();
        try (RpcServer<Gate> server = RpcServer.builder(name, Gate.class, gate).start();
             RpcClient<Gate> client = RpcClient.connect(name, Gate.class, RpcClient.Options.defaults()
                     .withCallTimeout(CALL_TIMEOUT).withLivenessCheck(Duration.ofMillis(50)))) {
            CompletableFuture<String> receiving = client.async(g -> g.pass("first"));
            try {
                assertTrue(firstRuns.await(30, TimeUnit.SECONDS), "the first call runs");
                RpcClient.afterTurnLook = () -> {
                    RpcClient.afterTurnLook = null; // once
                    second.countDown(); // the server answers now, well within the call's timeout
                    try {
                        Thread.sleep(CALL_TIMEOUT.plusMillis(500).toMillis()); // the stall: past the timeout
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                assertEquals("SECOND", client.stub().pass("second"));
            } finally {
                first.countDown();
                receiving.handle((value, failure) -> null).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
