package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the process tests of the message-passing features share: mailboxes made by
 * {@link #create} are destroyed and closed after each test; child JVMs start with a hard timeout;
 * children print lines the test awaits ({@link #say}) and wait for a line from it ({@link #proceed}).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ProcessTestFixture {
    static final Duration CHILD = Duration.ofSeconds(60);
    private static int counter;

    private final List<Mailbox> handles = new ArrayList<>();

    /** Creates a mailbox (messages up to 200 bytes unless {@code options} says otherwise at build). */
    Mailbox create(MailboxOptions.Builder options) {
        Mailbox mailbox = Mailbox.create(getClass().getSimpleName() + "-" + ++counter,
                options.maxMessageSize(200).build());
        handles.add(mailbox);
        return mailbox;
    }

    @AfterEach
    void closeAndDestroy() {
        for (Mailbox mailbox : handles) {
            mailbox.destroy();
            mailbox.close();
        }
    }

    static ChildJvm start(Class<?> main, String... args) {
        return ChildJvm.builder(main).args(args).quickStart().hardTimeout(Duration.ofSeconds(90)).start();
    }

    /** In a child: prints a line for the test. */
    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Tells a child waiting on its standard input to go on. */
    static void proceed(ChildJvm child) throws Exception {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
    }
}
