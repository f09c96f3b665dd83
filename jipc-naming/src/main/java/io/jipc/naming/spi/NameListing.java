package io.jipc.naming.spi;

import io.jipc.naming.NameEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** {@link io.jipc.naming.NameService#list}'s selection, shared by the backends. */
public final class NameListing {
    private NameListing() {
    }

    /** The entries {@code read} finds for the {@code names} that start with {@code prefix}, sorted by name. */
    public static List<NameEntry> select(Iterable<String> names, String prefix,
                                         Function<String, Optional<NameEntry>> read) {
        List<NameEntry> entries = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(prefix)) {
                read.apply(name).ifPresent(entries::add);
            }
        }
        entries.sort(Comparator.comparing(NameEntry::name));
        return entries;
    }
}
