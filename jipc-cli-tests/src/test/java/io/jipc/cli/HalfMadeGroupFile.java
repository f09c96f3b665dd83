package io.jipc.cli;

import io.jipc.group.GroupDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SharedSegment;
import io.jipc.testkit.ChildMain;

/**
 * A group's creator killed while creating the group's file, for {@link GroupFileRemovalTest}:
 * creates the group file {@code args[0]} as a group's first joiner does ({@code SharedSegment.create}:
 * the header with this process as its creator, but no version yet), prints {@code CREATED}, and holds
 * it (mapped, unpublished) until it is killed or its standard input ends.
 */
public final class HalfMadeGroupFile {
    private HalfMadeGroupFile() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        try (SharedSegment file = SharedSegment.create(JipcRoot.directory(GroupDescriptor.DIRECTORY).resolve(args[0]),
                GroupDescriptor.MAGIC, 4096, 0600)) {
            System.out.println("CREATED");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the input ends (the test kills it before)
            }
        }
    }
}
