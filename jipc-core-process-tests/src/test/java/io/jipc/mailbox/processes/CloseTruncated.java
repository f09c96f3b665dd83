package io.jipc.mailbox.processes;

import io.jipc.CorruptSegmentException;
import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildMain;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child of {@link HostileMailboxFileTest}: opens mailbox {@code args[0]}, takes a message (so it holds
 * the receiver's lease), truncates the mailbox's file to {@code args[1]} bytes as another process
 * could, closes the mailbox twice and says what each close did and whether the file is still mapped.
 */
public final class CloseTruncated {
    private CloseTruncated() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        Path file = Mailbox.path(args[0]);
        Mailbox mailbox = Mailbox.open(args[0]);
        System.out.println("TOOK " + new String(mailbox.take()));
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
        System.out.println("AGAIN " + mailbox.isClosed());
        boolean mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(" " + file));
        System.out.println(mapped ? "FILE MAPPED" : "FILE UNMAPPED");
        System.out.flush();
    }
}
