package io.jipc.rpc;

import java.lang.reflect.Modifier;

/**
 * Whether {@code io.jipc.rpc} may use an application's class the way calls need it, told when a
 * {@link Marshaller} is built (so when an {@link RpcServer} or an {@link RpcClient} is created), not
 * at the first call.
 *
 * <p>The server invokes the interface's methods by reflection, and the stub is a {@link
 * java.lang.reflect.Proxy} class in a package of its own whose methods name the (erased) parameter and
 * return types: so the interfaces that declare remote methods, and the enums and records a signature
 * names directly, must be public (a nested one declared {@code public}), and, in a named module, in a
 * package exported (or opened) to {@code io.jipc.rpc}. A record met only inside another value (a
 * component, a list element) is built and read by reflection alone: a non-public one travels if its
 * package is open to {@code io.jipc.rpc} ({@link java.lang.reflect.AccessibleObject#trySetAccessible});
 * {@link Marshaller} checks that itself.
 *
 * <p>Any thread may call; nothing blocks.
 */
final class TypeAccess {
    private TypeAccess() {
    }

    /**
     * Why {@code io.jipc.rpc} cannot use {@code type} as a public type, or null if it can: it is
     * public and its package is exported or open to {@code io.jipc.rpc} (every package of the unnamed
     * module is).
     */
    static String whyNotPublic(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return type.getName() + " is not public";
        }
        Module module = type.getModule();
        if (!module.isExported(type.getPackageName(), TypeAccess.class.getModule())) {
            return type.getName() + " is in package " + type.getPackageName() + " of module " + module.getName()
                    + ", which does not export it to io.jipc.rpc";
        }
        return null;
    }

    /**
     * Refuses an interface whose remote methods {@code io.jipc.rpc} could not invoke; {@code where} (a
     * method that inherits from it) may be null.
     *
     * @throws IllegalArgumentException naming the interface, if it is not public or not exported to
     *                                  {@code io.jipc.rpc}
     */
    static void requireUsableInterface(Class<?> api, String where) {
        String why = whyNotPublic(api);
        if (why != null) {
            throw new IllegalArgumentException((where == null ? "" : where + ": ") + why + "; an RPC interface must be public and, in a named "
                    + "module, in a package exported to io.jipc.rpc (the server calls its methods by reflection)");
        }
    }

    /**
     * Refuses an enum or record that a method's signature names directly, which the stub could not name.
     *
     * @throws NotMarshallableException naming the method and the type, if it is not public or not
     *                                  exported to {@code io.jipc.rpc}
     */
    static void requireUsableInSignature(Class<?> type, String where) {
        String why = whyNotPublic(type);
        if (why != null) {
            throw new NotMarshallableException(where + ": " + why + "; a record or enum a method takes or returns must "
                    + "be public and, in a named module, in a package exported to io.jipc.rpc (the stub names it)");
        }
    }
}
