package io.jipc.rpc;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The remote methods of an interface, by key: every abstract method, including inherited ones,
 * under {@code name(ParamType,ParamType)} with the erased parameter types' names, e.g.
 * {@code deposit(java.lang.String,long)}. The key travels in each call, so that a client and a server
 * built from different versions of the interface agree on what they share and refuse the rest
 * (overloads are told apart by their parameter types). Default and static methods are not remote,
 * nor is a redeclaration of {@code equals}, {@code hashCode} or {@code toString} (a stub's own).
 */
final class RpcMethods {
    /*
     * Both caches are ClassValues, kept with the interface's (or the declaring interface's) Class itself,
     * so that they do not keep its class loader from being collected: an interface loaded by a throw-away
     * loader (a plugin, a redeployed application, a tool given a class path) goes with its loader. Until
     * 2026-12-07 they were static maps keyed by the Class and the Method, which held every such loader for
     * good (RpcClassLoaderLeakTest).
     */
    private static final ClassValue<Map<String, Method>> CACHE = new ClassValue<>() {
        @Override
        protected Map<String, Method> computeValue(Class<?> api) {
            return collect(api);
        }
    };
    /** The keys of the methods declared by a class, by method. */
    private static final ClassValue<Map<Method, String>> KEYS = new ClassValue<>() {
        @Override
        protected Map<Method, String> computeValue(Class<?> declaring) {
            return new ConcurrentHashMap<>();
        }
    };

    private RpcMethods() {
    }

    /** The remote methods of {@code api}, sorted by key. */
    static Map<String, Method> of(Class<?> api) {
        return CACHE.get(api);
    }

    private static Map<String, Method> collect(Class<?> api) {
        Map<String, Method> methods = new TreeMap<>();
        for (Method method : api.getMethods()) {
            if (Modifier.isAbstract(method.getModifiers()) && !isObjectMethod(method)) {
                methods.putIfAbsent(key(method), method);
            }
        }
        return java.util.Collections.unmodifiableMap(methods);
    }

    /** Whether {@code method} has the signature of a public method of {@link Object} (an interface may redeclare them). */
    private static boolean isObjectMethod(Method method) {
        try {
            Object.class.getMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The key of {@code method} (built once per method: each call of a stub names its method by it). */
    static String key(Method method) {
        return KEYS.get(method.getDeclaringClass()).computeIfAbsent(method, m -> m.getName()
                + Arrays.stream(m.getParameterTypes()).map(Class::getName).collect(Collectors.joining(",", "(", ")")));
    }
}
