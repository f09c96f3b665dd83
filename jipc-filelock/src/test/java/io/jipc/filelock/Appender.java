package io.jipc.filelock;

import io.jipc.testkit.ChildMain;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child process that appends {@code count} records to a file, each under an exclusive lock and
 * written in small pieces (so that an unlocked interleaving would tear records): {@code tag:i:} and
 * then a checksum line ending. Arguments: path, tag, count.
 */
public final class Appender {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        Path path = Path.of(args[0]);
        String tag = args[1];
        int count = Integer.parseInt(args[2]);
        try (LockableFile file = LockableFile.open(path)) {
            FileChannel channel = file.channel();
            for (int i = 0; i < count; i++) {
                try (FileLock lock = file.lock(LockMode.EXCLUSIVE)) {
                    long end = channel.size();
                    String head = tag + ":" + i + ":";
                    end += channel.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)), end);
                    Thread.yield();
                    String tail = (tag + i).hashCode() + "\n";
                    channel.write(ByteBuffer.wrap(tail.getBytes(StandardCharsets.US_ASCII)), end);
                }
            }
        }
        System.out.println("APPENDED " + count);
    }
}
