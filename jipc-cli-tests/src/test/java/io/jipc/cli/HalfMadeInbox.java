package io.jipc.cli;

import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SharedSegment;
import io.jipc.testkit.ChildMain;

/**
 * A group member killed while creating its inbox, for {@link GroupCommandTest}: creates the mailbox
 * file {@code args[0]} as {@code Mailbox.create} does ({@code SharedSegment.create}: the header with
 * this process as its creator, but no version yet), prints {@code CREATED}, and holds it (mapped,
 * unpublished) until it is killed or its standard input ends.
 */
public final class HalfMadeInbox {
    private HalfMadeInbox() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        try (SharedSegment file = SharedSegment.create(JipcRoot.directory(MailboxDescriptor.DIRECTORY).resolve(args[0]),
                MailboxDescriptor.MAGIC, 64 * 1024, 0600)) {
            System.out.println("CREATED");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the input ends (the test kills it before)
            }
        }
    }
}
