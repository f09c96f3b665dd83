package io.jipc.mq;

import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Unique POSIX queue names for a test class ({@link TestQueues}:
 * {@code /jipc-test-<class>-p<pid>s<start>-<random>-<n>}; the kernel's namespace is shared by every
 * build on the host, and a queue of a killed test JVM is unlinked later), and the check, after the
 * class, that every queue it named was unlinked; a leftover is removed and fails the class.
 */
final class QueueNames implements AfterAllCallback {
    private final String prefix;
    private final List<String> issued = new ArrayList<>();

    QueueNames(Class<?> testClass) {
        this.prefix = "jipc-test-" + testClass.getSimpleName();
    }

    /** A fresh name, remembered for the leftover check. */
    synchronized String next() {
        String name = TestQueues.name(prefix);
        issued.add(name);
        return name;
    }

    /** What a test does with a queue. */
    interface QueueUse {
        void accept(PosixMessageQueue queue) throws Exception;
    }

    /** Creates a queue with a fresh name, hands it to {@code use}, then closes and unlinks it. */
    void withQueue(MqAttributes attributes, QueueUse use) throws Exception {
        String name = next();
        try (PosixMessageQueue queue = PosixMessageQueue.create(name, attributes)) {
            use.accept(queue);
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> left;
        synchronized (this) {
            left = issued.stream().filter(PosixMessageQueue::unlink).toList();
        }
        if (!left.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("tests left POSIX message queues behind: " + left);
        }
    }
}
