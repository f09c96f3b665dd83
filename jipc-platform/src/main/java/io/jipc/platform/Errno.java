package io.jipc.platform;

import io.jipc.ErrnoException;

/**
 * Errno values of Linux that jipc reacts to, and the symbolic name and description of any errno.
 *
 * <p>Names and descriptions come from glibc's {@code strerrorname_np}/{@code strerrordesc_np}
 * (thread-safe, static strings) when present, else from a built-in table of the common values.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;
    public static final int EDQUOT = 122;

    private static final String[][] FALLBACK = {
        {"1", "EPERM", "Operation not permitted"},
        {"2", "ENOENT", "No such file or directory"},
        {"3", "ESRCH", "No such process"},
        {"4", "EINTR", "Interrupted system call"},
        {"5", "EIO", "Input/output error"},
        {"6", "ENXIO", "No such device or address"},
        {"9", "EBADF", "Bad file descriptor"},
        {"11", "EAGAIN", "Resource temporarily unavailable"},
        {"12", "ENOMEM", "Cannot allocate memory"},
        {"13", "EACCES", "Permission denied"},
        {"14", "EFAULT", "Bad address"},
        {"16", "EBUSY", "Device or resource busy"},
        {"17", "EEXIST", "File exists"},
        {"20", "ENOTDIR", "Not a directory"},
        {"21", "EISDIR", "Is a directory"},
        {"22", "EINVAL", "Invalid argument"},
        {"23", "ENFILE", "Too many open files in system"},
        {"24", "EMFILE", "Too many open files"},
        {"27", "EFBIG", "File too large"},
        {"28", "ENOSPC", "No space left on device"},
        {"32", "EPIPE", "Broken pipe"},
        {"36", "ENAMETOOLONG", "File name too long"},
        {"38", "ENOSYS", "Function not implemented"},
        {"39", "ENOTEMPTY", "Directory not empty"},
        {"40", "ELOOP", "Too many levels of symbolic links"},
        {"75", "EOVERFLOW", "Value too large for defined data type"},
        {"95", "EOPNOTSUPP", "Operation not supported"},
        {"110", "ETIMEDOUT", "Connection timed out"},
        {"122", "EDQUOT", "Disk quota exceeded"},
    };

    private Errno() {
    }

    /** The symbolic name of {@code errno}, e.g. {@code "ENOSPC"}; {@code "errno 999"} if unknown. */
    public static String name(int errno) {
        String name = Libc.errnoName(errno);
        if (name != null) {
            return name;
        }
        for (String[] row : FALLBACK) {
            if (Integer.parseInt(row[0]) == errno) {
                return row[1];
            }
        }
        return "errno " + errno;
    }

    /** The human description of {@code errno}, e.g. {@code "No space left on device"}. */
    public static String description(int errno) {
        String description = Libc.errnoDescription(errno);
        if (description != null) {
            return description;
        }
        for (String[] row : FALLBACK) {
            if (Integer.parseInt(row[0]) == errno) {
                return row[2];
            }
        }
        return "unknown error";
    }

    /** An exception naming {@code errno}, the failing {@code call} and its {@code subject}. */
    public static ErrnoException exception(int errno, String call, String subject) {
        return new ErrnoException(errno, name(errno), description(errno), call, subject);
    }
}
