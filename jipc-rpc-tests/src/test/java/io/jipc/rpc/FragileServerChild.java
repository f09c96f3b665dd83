package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * The {@link RpcChild} {@code fragile} server in a child JVM, for tests that send it what a hostile or
 * careless client would; registered as a test's extension ({@code @RegisterExtension}), which ends it
 * after each test: stopped gracefully (its standard input closed: it closes the server and prints
 * {@code CLOSED}) or, if it died, reaped, and its request mailbox removed either way. Test code; one
 * test thread.
 */
final class FragileServerChild implements AfterEachCallback {
    private static final Duration LONG = Duration.ofSeconds(60);

    private final String name;
    private ChildJvm child;

    FragileServerChild(String name) {
        this.name = name;
    }

    /** Starts the server, waits until it serves, and returns its {@code tcp://} address. */
    URI start() {
        child = ChildJvm.builder(RpcChild.class).args("fragile", name).quickStart()
                .hardTimeout(Duration.ofSeconds(280)).start();
        String port = child.awaitLine("SERVING", LONG).substring("SERVING ".length());
        return URI.create("tcp://127.0.0.1:" + port + "/" + name);
    }

    /** What the server printed so far (standard error merged). */
    String output() {
        return child.output();
    }

    /** Closes the server if it still runs, waiting for its {@code CLOSED}, reaps the JVM, removes the mailbox. */
    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (child != null) {
                if (child.isAlive()) {
                    try {
                        child.process().getOutputStream().close();
                    } catch (IOException e) {
                        // it is gone already
                    }
                    child.awaitLine("CLOSED", LONG);
                    child.waitFor(LONG);
                }
                child.close();
                child = null;
            }
        } finally {
            Mailbox.destroy(name);
        }
    }
}
