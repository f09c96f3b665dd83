package io.jipc.mailbox.processes;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;


/**
 * No wake-up is ever lost between processes: a ping-pong in which both sides go to sleep on almost
 * every wait (no spin budget) would hang at the first lost wake-up. Run with the fence-free
 * publication of spin-then-futex mailboxes (membarrier), with that disabled (full fences and
 * bounded sleeps), and with futex-only mailboxes.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WakeUpTest {

    @ParameterizedTest(name = "{0}, membarrier disabled: {1}")
    @CsvSource({"SPIN_THEN_FUTEX, false", "SPIN_THEN_FUTEX, true", "FUTEX, false"})
    void aPingPongThatSleepsOnEveryWaitNeverStalls(WaitStrategy strategy, boolean noMembarrier) throws Exception {
        MailboxOptions options = MailboxOptions.builder().waitStrategy(strategy).capacityBytes(4096)
                .maxMessageSize(64).build();
        try (Mailbox ping = Mailbox.create("wake-ping", options); Mailbox pong = Mailbox.create("wake-pong", options);
             ChildJvm echo = ChildJvm.builder(EchoProcess.class).args("wake-ping", "wake-pong")
                     .property("jipc.spinNanos", "0").property("jipc.noMembarrier", Boolean.toString(noMembarrier))
                     .start()) {
            echo.awaitLine("READY", Duration.ofMinutes(1));
            try (ChildJvm pinger = ChildJvm.builder(PingProcess.class).args("wake-ping", "wake-pong", "20000")
                    .property("jipc.spinNanos", "0").property("jipc.noMembarrier", Boolean.toString(noMembarrier))
                    .start()) {
                pinger.assertSuccess(Duration.ofMinutes(2));
                pinger.awaitLine("PONGS 20000", Duration.ofSeconds(5));
            }
            echo.assertSuccess(Duration.ofMinutes(1));
        } finally {
            Mailbox.destroy("wake-ping");
            Mailbox.destroy("wake-pong");
        }
    }

}
