package io.jipc.cli.ls;

import java.util.List;

/**
 * jipc anonymous regions ({@code memfd} files named {@code jipc-...}) mapped by some process. They
 * have no name, so they cannot be removed: they go when the last process unmaps them.
 */
final class AnonymousRegionLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return scan.memoryFiles("/memfd:jipc-").stream()
                .map(m -> new ObjectRow("anonymous-region", "memfd:" + m.inode(), m.label() + " (no name)", 0,
                        OwnerState.UNKNOWN, List.copyOf(m.pids()), m.mappedBytes(), -1, "B", -1, "?", "?", "raw", false))
                .toList();
    }
}
