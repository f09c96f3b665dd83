package io.jipc.segment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fields of a {@link SegmentHeaderDescriptor common header} that say whether a ready file can be
 * trusted as a given kind, as read from it, and the check every opener of a jipc file makes on them
 * ({@link SharedSegment#open}); {@code jipc ls} makes the same check on the fields it reads with
 * {@code pread}, so a file the openers refuse is never listed as valid.
 *
 * <p>A value: any thread may call. The check reads nothing; fields another process keeps writing are
 * judged as read.
 *
 * @param magic        the magic
 * @param version      the version word ({@code major << 16 | minor}; 0 = not ready)
 * @param headerLength the header length field
 * @param fileLength   the file length field
 */
public record SegmentHeader(long magic, int version, int headerLength, long fileLength) {
    /** The fields as {@code memory} (a mapped file) holds them now, with the version word given (read with acquire). */
    public static SegmentHeader of(MemorySegment memory, int version) {
        return new SegmentHeader(memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET), version,
                memory.get(ValueLayout.JAVA_INT, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET),
                memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET));
    }

    /**
     * What is wrong with this header for a ready file of {@code size} bytes that should be of kind
     * {@code expectedMagic}, major version {@code expectedMajor}, worded to follow the file's name
     * ({@code "has header length 0, expected 128"}, {@code "says it is 0 bytes long but is 320"});
     * null if nothing is. A version of 0 (not ready) is the caller's to handle before: it is reported
     * as another major version.
     */
    public String problem(long size, long expectedMagic, int expectedMajor) {
        if (magic != expectedMagic) {
            return "has magic '" + SegmentHeaderDescriptor.tag(magic) + "', expected '"
                    + SegmentHeaderDescriptor.tag(expectedMagic) + "'";
        }
        int major = SegmentHeaderDescriptor.major(version);
        if (major != expectedMajor) {
            return "has format version " + major + "." + SegmentHeaderDescriptor.minor(version)
                    + "; this jipc reads version " + expectedMajor + ".x";
        }
        if (headerLength != SegmentHeaderDescriptor.LENGTH) {
            return "has header length " + headerLength + ", expected " + SegmentHeaderDescriptor.LENGTH;
        }
        if (fileLength != size) {
            return "says it is " + fileLength + " bytes long but is " + size;
        }
        return null;
    }
}
