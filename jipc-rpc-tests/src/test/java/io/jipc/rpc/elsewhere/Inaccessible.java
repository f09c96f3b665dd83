package io.jipc.rpc.elsewhere;

import java.util.List;

/**
 * Interfaces of a package other than {@code io.jipc.rpc}'s (which may use anything of its own
 * package) that name types {@code io.jipc.rpc} cannot use from there, and one it can; for
 * {@code RpcServerTest}. The classes are handed out as {@code Class<?>}, since the tests cannot name
 * them.
 */
public final class Inaccessible {
    private Inaccessible() {
    }

    interface PackagePrivate {
        String f(String s);
    }

    record HiddenRecord(int x) {
    }

    enum HiddenEnum { A }

    /** Public, but its method takes and returns a package-private record. */
    public interface UsesHiddenRecord {
        HiddenRecord f(HiddenRecord r);
    }

    /** Public, but its method returns a package-private enum. */
    public interface ReturnsHiddenEnum {
        HiddenEnum e();
    }

    interface HiddenBase {
        String g(String s);
    }

    /** Public, but its only remote method is declared by a package-private interface. */
    public interface InheritsHidden extends HiddenBase {
    }

    /**
     * Public, naming the package-private record only inside lists: it is built and read by reflection
     * alone, and every package of the unnamed module is open, so it travels.
     */
    public interface ListsHiddenRecords {
        List<HiddenRecord> next(List<HiddenRecord> records);
    }

    public static final Class<?> PACKAGE_PRIVATE = PackagePrivate.class;
    public static final Class<?> USES_HIDDEN_RECORD = UsesHiddenRecord.class;
    public static final Class<?> RETURNS_HIDDEN_ENUM = ReturnsHiddenEnum.class;
    public static final Class<?> INHERITS_HIDDEN = InheritsHidden.class;
    public static final Class<?> LISTS_HIDDEN_RECORDS = ListsHiddenRecords.class;
    public static final String HIDDEN_RECORD = HiddenRecord.class.getName();
    public static final String HIDDEN_ENUM = HiddenEnum.class.getName();
    public static final String HIDDEN_BASE = HiddenBase.class.getName();

    /** An implementation of {@code api}, one of the interfaces above. */
    public static Object implementation(Class<?> api) {
        if (api == PackagePrivate.class) {
            return (PackagePrivate) s -> "pp " + s;
        }
        if (api == UsesHiddenRecord.class) {
            return (UsesHiddenRecord) r -> new HiddenRecord(r.x() + 1);
        }
        if (api == ReturnsHiddenEnum.class) {
            return (ReturnsHiddenEnum) () -> HiddenEnum.A;
        }
        if (api == InheritsHidden.class) {
            return (InheritsHidden) s -> "g " + s;
        }
        return (ListsHiddenRecords) records -> records.stream().map(r -> new HiddenRecord(r.x() + 1)).toList();
    }

    /** Calls the stub of {@link ListsHiddenRecords}: the x of each record after the server's step. */
    public static List<Integer> callListsHiddenRecords(Object stub, int... xs) {
        List<HiddenRecord> records = java.util.Arrays.stream(xs).mapToObj(HiddenRecord::new).toList();
        return ((ListsHiddenRecords) stub).next(records).stream().map(HiddenRecord::x).toList();
    }
}
