package io.jipc.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Gives a test class its own jipc root directory under {@code /dev/shm} (system property
 * {@code jipc.root}, inherited by {@link ChildJvm children}), and cleans up after it:
 * <ul>
 * <li>after each test, every child JVM still running is killed, and the test fails if one was;</li>
 * <li>after the class, the root directory is deleted; the class fails if the tests left objects in
 *     it (unless annotated to allow leftovers), so a test that forgets to destroy what it created
 *     is caught;</li>
 * <li>if the test JVM ends before that (stopped by a signal, killed), the root is removed by its
 *     shutdown hook or by the next test JVM: it is a {@link ShmScratch} name.</li>
 * </ul>
 * A test method or constructor may declare a {@link Path} parameter to receive the root.
 */
public final class JipcTestExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback,
        ParameterResolver {
    private static final String PROPERTY = "jipc.root";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(JipcTestExtension.class);

    /** The root directory of the test class that is running. */
    public static Path root() {
        return Path.of(System.getProperty(PROPERTY));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Path root = ShmScratch.name("jipc-test-" + context.getRequiredTestClass().getSimpleName());
        context.getStore(NS).put("previous", System.getProperty(PROPERTY, ""));
        context.getStore(NS).put("root", root);
        System.setProperty(PROPERTY, root.toString());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        int killed = ChildJvm.killAll();
        if (killed > 0 && context.getExecutionException().isEmpty()) {
            throw new AssertionError(killed + " child JVM(s) were still running after the test");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        ChildJvm.killAll();
        Path root = context.getStore(NS).get("root", Path.class);
        String previous = context.getStore(NS).get("previous", String.class);
        if (previous == null || previous.isEmpty()) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, previous);
        }
        if (root == null || !Files.exists(root)) {
            return;
        }
        String leftovers;
        try (Stream<Path> files = Files.walk(root)) {
            leftovers = files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .sorted().reduce((a, b) -> a + ", " + b).orElse("");
        }
        ShmScratch.delete(root);
        if (!leftovers.isEmpty() && !context.getRequiredTestClass().isAnnotationPresent(AllowLeftovers.class)
                && context.getExecutionException().isEmpty()) {
            throw new AssertionError("tests of " + context.getRequiredTestClass().getSimpleName()
                    + " left jipc objects behind: " + leftovers);
        }
    }

    /** Deletes a directory tree; symbolic links are removed, never followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Path.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return root();
    }
}
