package io.jipc.mailbox.processes;

import io.jipc.CorruptSegmentException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildMain;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child of {@link HostileMailboxFileTest}: opens mailbox {@code args[0]} (an unbounded one if
 * {@code args[2]} is {@code unbounded}), takes a message (so it holds the receiver's lease), truncates
 * the mailbox's file to {@code args[1]} bytes as another process could, closes the mailbox twice and
 * says what each close did and whether the file is still mapped.
 */
public final class CloseTruncated {
    private CloseTruncated() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        boolean unbounded = args.length > 2 && args[2].equals("unbounded");
        Path file = unbounded ? UnboundedMailbox.path(args[0]) : Mailbox.path(args[0]);
        AutoCloseable mailbox = unbounded ? UnboundedMailbox.open(args[0]) : Mailbox.open(args[0]);
        byte[] taken = unbounded ? ((UnboundedMailbox) mailbox).take() : ((Mailbox) mailbox).take();
        System.out.println("TOOK " + new String(taken));
        try (RandomAccessFile truncating = new RandomAccessFile(file.toFile(), "rw")) {
            truncating.setLength(Long.parseLong(args[1]));
        }
        try {
            mailbox.close();
            System.out.println("CLOSED");
        } catch (CorruptSegmentException e) {
            System.out.println("CORRUPT " + e.getCause().getClass().getName() + ": " + e.getMessage());
        }
        mailbox.close();
        System.out.println("AGAIN " + (unbounded ? ((UnboundedMailbox) mailbox).isClosed() : ((Mailbox) mailbox).isClosed()));
        boolean mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(" " + file));
        System.out.println(mapped ? "FILE MAPPED" : "FILE UNMAPPED");
        System.out.flush();
    }
}
