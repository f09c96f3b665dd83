package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reply mailbox of a client killed before the server heard of it (killed while {@code connect()}
 * waited to put its HELLO into a full request mailbox: the client makes its reply mailbox first, since
 * the HELLO names it) is removed by the server's sweep. The child JVM leaves exactly that: a mailbox
 * {@code <service>-reply-<its pid>-1} labelled {@value RpcClient#REPLY_PROTOCOL}, made as a client makes
 * it, and is killed ({@code kill -9}) before any HELLO. A mailbox of that pattern of a live process (this
 * one), and one of the dead child without the label, are left alone. Until 2026-12-07 the server removed
 * only the reply mailboxes of clients it had welcomed, and such a mailbox (264 KiB in {@code /dev/shm})
 * stayed until a {@code jipc gc}. No durations are asserted: every wait has a bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcStrayReplyMailboxTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NAME = "strayreply";

    @Test
    void theSweepRemovesTheReplyMailboxOfAClientKilledBeforeItsHello() throws Exception {
        String live = NAME + "-reply-" + ProcessHandle.current().pid() + "-999999";
        try (RpcServer<Bank> server = RpcServer.builder(NAME, Bank.class, new BankService()).start();
             RpcClient<Bank> client = RpcClient.connect(NAME, Bank.class); // the server sweeps once it has a mailbox client
             Mailbox liveOne = Mailbox.create(live, replyOptions(true))) {
            String stray;
            String unlabelled;
            try (ChildJvm child = ChildJvm.builder(KilledConnector.class).args(NAME).quickStart()
                    .hardTimeout(Duration.ofSeconds(110)).start()) {
                unlabelled = child.awaitLine("MADE ", WAIT).substring("MADE ".length()).trim();
                stray = child.awaitLine("MADE ", WAIT).substring("MADE ".length()).trim();
                assertEquals(NAME + "-reply-" + child.pid() + "-1", stray);
                child.kill();
                assertTrue(!child.isAlive(), "the child lives on");
            }
            try {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (Mailbox.exists(stray)) {
                    assertTrue(System.nanoTime() < deadline, "the dead client's reply mailbox is still there");
                    Thread.sleep(20);
                }
                assertTrue(Mailbox.exists(unlabelled), "a mailbox without the reply label was removed");
                assertTrue(Mailbox.exists(live), "the reply mailbox of a live process was removed");
                assertEquals(0, client.stub().balance("nobody"), "the server serves on");
            } finally {
                Mailbox.destroy(unlabelled);
                if (Mailbox.exists(stray)) {
                    Mailbox.destroy(stray);
                }
            }
        } finally {
            if (Mailbox.exists(live)) {
                Mailbox.destroy(live);
            }
        }
    }

    private static MailboxOptions replyOptions(boolean labelled) {
        MailboxOptions.Builder options = MailboxOptions.builder().maxMessageSize(1024).capacityBytes(16 * 1024);
        return (labelled ? options.protocol(RpcClient.REPLY_PROTOCOL) : options).build();
    }

    /**
     * The killed connector: makes {@code <args[0]>-reply-<pid>-2} without the reply label, then
     * {@code <args[0]>-reply-<pid>-1} as a client makes its reply mailbox, says MADE with each name and
     * waits to be killed.
     */
    public static final class KilledConnector {
        public static void main(String[] args) throws Exception {
            String prefix = args[0] + "-reply-" + ProcessHandle.current().pid() + "-";
            Mailbox.create(prefix + 2, replyOptions(false));
            System.out.println("MADE " + prefix + 2);
            Mailbox.create(prefix + 1, replyOptions(true));
            System.out.println("MADE " + prefix + 1);
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
