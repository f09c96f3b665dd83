package io.jipc;

/**
 * A shared-memory file does not hold what its descriptor says it must: wrong magic, an unsupported
 * major version, sizes that do not fit the file, or a record whose length points outside its ring.
 * Nothing was read outside the mapping and nothing was allocated from the corrupt values.
 */
public class CorruptSegmentException extends JipcException {
    private static final long serialVersionUID = 1L;

    public CorruptSegmentException(String message) {
        super(message);
    }
}
