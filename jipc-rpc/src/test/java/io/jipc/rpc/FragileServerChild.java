package io.jipc.rpc;

import io.jipc.testkit.ChildJvm;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * The {@link RpcChild} {@code fragile} server in a child JVM, for tests that send it what a hostile or
 * careless client would: started listening on TCP loopback and through its mailbox, and stopped
 * gracefully (its standard input closed: it closes the server and prints {@code CLOSED}) or, if it
 * died, reaped. Test code; one test thread.
 */
final class FragileServerChild implements AutoCloseable {
    private static final Duration LONG = Duration.ofSeconds(60);

    private final ChildJvm child;
    private final URI tcpAddress;

    private FragileServerChild(ChildJvm child, URI tcpAddress) {
        this.child = child;
        this.tcpAddress = tcpAddress;
    }

    /** Starts the server {@code name} and waits until it serves. */
    static FragileServerChild start(String name) {
        ChildJvm child = ChildJvm.builder(RpcChild.class).args("fragile", name).quickStart()
                .hardTimeout(Duration.ofSeconds(280)).start();
        String port = child.awaitLine("SERVING", LONG).substring("SERVING ".length());
        return new FragileServerChild(child, URI.create("tcp://127.0.0.1:" + port + "/" + name));
    }

    /** The server's {@code tcp://} address. */
    URI tcpAddress() {
        return tcpAddress;
    }

    /** What the server printed so far (standard error merged). */
    String output() {
        return child.output();
    }

    /** Closes the server if it still runs, waiting for its {@code CLOSED}, then reaps the JVM. */
    @Override
    public void close() {
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
    }
}
