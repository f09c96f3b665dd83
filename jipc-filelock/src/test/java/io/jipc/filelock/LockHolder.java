package io.jipc.filelock;

import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child process that takes a lock on a file, prints {@code LOCKED}, and releases it when a line
 * {@code release} arrives on its standard input (then prints {@code RELEASED} and exits).
 *
 * <p>Arguments: path, mode ({@code SHARED}, {@code EXCLUSIVE}, {@code READER} for a shared lock
 * through a file opened for reading only, or {@code POSIX} for Java's own {@code FileChannel.lock},
 * a POSIX record lock).
 */
public final class LockHolder {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        Path path = Path.of(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[1].equals("POSIX")) {
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
                 FileChannel channel = file.getChannel();
                 java.nio.channels.FileLock lock = channel.lock()) {
                System.out.println("LOCKED " + lock);
                awaitRelease(in);
            }
        } else if (args[1].equals("READER")) {
            try (LockableFile file = LockableFile.openForReading(path);
                 FileLock lock = file.lock(LockMode.SHARED)) {
                System.out.println("LOCKED " + lock);
                awaitRelease(in);
            }
        } else {
            try (LockableFile file = LockableFile.open(path);
                 FileLock lock = file.lock(LockMode.valueOf(args[1]))) {
                System.out.println("LOCKED " + lock);
                awaitRelease(in);
            }
        }
        System.out.println("RELEASED");
    }

    private static void awaitRelease(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null && !line.equals("release")) {
            // wait for the word
        }
    }
}
