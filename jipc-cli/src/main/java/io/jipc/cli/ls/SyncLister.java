package io.jipc.cli.ls;

import io.jipc.platform.FileStatus;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.sync.SyncFileDescriptor;

import java.util.List;

/**
 * Named synchronization objects under {@code <jipc root>/sync} ({@code sync:NAME}): the slot's kind
 * (MUTX, SEMA, COND, BARR, LTCH) and the creator; {@code jipc sync info} tells holders and permits.
 */
final class SyncLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(JipcRoot.path(SyncFileDescriptor.DIRECTORY), FileStatus::isRegularFile,
                name -> "sync:" + name, "sync", scan, SyncLister::describe);
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            if (f.jipcMagic() != SyncFileDescriptor.MAGIC) {
                throw new FileSnapshot.CorruptFileException("not a ready synchronization object");
            }
            String kind = SegmentHeaderDescriptor.tag(f.getInt(SyncFileDescriptor.KIND_OFFSET) & 0xFFFF_FFFFL)
                    .substring(0, 4);
            return file.row("sync", f.creator(), List.of(), -1, -1, "", -1, "JIPC-SYN " + f.version() + ", " + kind);
        }
    }
}
