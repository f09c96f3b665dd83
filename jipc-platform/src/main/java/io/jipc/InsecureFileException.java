package io.jipc;

/**
 * A jipc file or directory was refused because trusting it would be unsafe: it is a symbolic link,
 * it belongs to another user, it is not of the expected type, or its permission bits are not the
 * ones jipc expects.
 */
public class InsecureFileException extends JipcException {
    private static final long serialVersionUID = 1L;

    public InsecureFileException(String message) {
        super(message);
    }
}
