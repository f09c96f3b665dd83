package io.jipc.net;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The sockets a test opened, closed after it, newest first; then no socket file may be left in the
 * test's socket directory. Register it on a field ({@code @RegisterExtension final CloseAfterEach
 * closer = new CloseAfterEach();}) of a class extended with {@code JipcTestExtension}: field
 * extensions are registered after the class's, so this one's {@code afterEach} runs before the root
 * extension's (which kills child JVMs and, after the class, removes the root).
 *
 * <p>The thread's interrupt status is cleared before the closes (a test that ends interrupted must
 * not cut them short) and after them (it must not reach the next test). Every resource is closed
 * even if one close fails; the first failure is thrown, the others added to it as suppressed.
 */
final class CloseAfterEach implements AfterEachCallback {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Returns {@code resource}, to be closed after the test. */
    <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Thread.interrupted();
        Exception failure = null;
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        resources.clear();
        Thread.interrupted();
        if (failure != null) {
            throw failure;
        }
        SocketTestSupport.assertNoSocketFilesLeft();
    }
}
