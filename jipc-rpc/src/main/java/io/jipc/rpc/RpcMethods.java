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
    private static final Map<Class<?>, Map<String, Method>> CACHE = new ConcurrentHashMap<>();
    private static final Map<Method, String> KEYS = new ConcurrentHashMap<>();

    private RpcMethods() {
    }

    /** The remote methods of {@code api}, sorted by key. */
    static Map<String, Method> of(Class<?> api) {
        return CACHE.computeIfAbsent(api, RpcMethods::collect);
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
        return KEYS.computeIfAbsent(method, m -> m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getName)
                .collect(Collectors.joining(",", "(", ")")));
    }
}
