package io.jipc.rpc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An RPC interface loaded by a throw-away class loader (a plugin, a redeployed application, a tool given
 * a class path) does not keep that loader once the interface has been used through {@link Marshaller}
 * and {@link RpcMethods} (what every {@link RpcServer} and {@link RpcClient} of it builds): dropped, the
 * loader is collected. Until 2026-12-07 both kept static maps keyed by the interface's Class and its
 * Methods, which held every such loader for good (an explorer's probe: 50 of 50 loaders reachable).
 * The bound on the collection is a number of {@code System.gc()} rounds, not a duration.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcClassLoaderLeakTest {
    private static final int GC_ROUNDS = 50;

    @Test
    void anInterfaceOfAThrowAwayLoaderDoesNotKeepItsLoader() throws Exception {
        WeakReference<ClassLoader> loader = useOnce();
        for (int round = 0; round < GC_ROUNDS && loader.get() != null; round++) {
            System.gc();
            Thread.sleep(100);
        }
        assertNull(loader.get(), "the throw-away loader is still reachable after " + GC_ROUNDS + " GCs");
    }

    /**
     * Loads {@link Spinner} from the test classes' bytes in a loader of its own (no parent but the
     * bootstrap loader, so the class is not this test's), uses it as a server and a client would, closes
     * the loader and returns a weak reference to it: nothing of it stays in this method's frame.
     */
    private static WeakReference<ClassLoader> useOnce() throws Exception {
        URL classes = Spinner.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, null)) {
            Class<?> api = loader.loadClass(Spinner.class.getName());
            assertNotSame(Spinner.class, api);
            Marshaller marshaller = Marshaller.of(api);
            for (Method method : RpcMethods.of(api).values()) {
                RpcMethods.key(method);
            }
            assertEquals(4, RpcClient.remoteMethods(api).size());
            byte[] arguments = marshaller.encodeArguments(new Object[] {5L});
            Method nap = api.getMethod("nap", long.class);
            assertEquals(5L, marshaller.decodeArguments(arguments, nap)[0]);
            return new WeakReference<>(loader);
        }
    }
}
