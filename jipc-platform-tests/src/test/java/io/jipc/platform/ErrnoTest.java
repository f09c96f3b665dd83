package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ErrnoTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', value = {
        "2   | ENOENT    | No such file or directory",
        "13  | EACCES    | Permission denied",
        "17  | EEXIST    | File exists",
        "28  | ENOSPC    | No space left on device",
        "110 | ETIMEDOUT | Connection timed out",
        // not in jipc's constants or fallback table: named by the C library
        "39  | ENOTEMPTY | Directory not empty",
    })
    void knownErrnoValuesHaveTheirSymbolicNameAndDescription(int errno, String name, String description) {
        assertEquals(name, Errno.name(errno));
        assertEquals(description, Errno.description(errno));
    }

    @Test
    void anUnknownErrnoIsNamedByItsNumber() {
        assertEquals("errno 9999", Errno.name(9999));
        assertEquals("unknown error", Errno.description(9999));
        assertEquals("errno -1", Errno.name(-1));
    }

    @Test
    void anExceptionNamesTheErrnoTheCallAndTheSubject() {
        ErrnoException e = Errno.exception(Errno.ENOSPC, "fallocate", "/dev/shm/x");
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals("ENOSPC", e.errnoName());
        assertEquals("fallocate", e.call());
        assertEquals("/dev/shm/x", e.subject());
        assertEquals("ENOSPC (No space left on device) from fallocate of /dev/shm/x", e.getMessage());
    }

    @Test
    void anExceptionWithoutSubjectNamesOnlyTheCall() {
        ErrnoException e = Errno.exception(Errno.EINVAL, "futex wake", null);
        assertNull(e.subject());
        assertEquals("EINVAL (Invalid argument) from futex wake", e.getMessage());
    }
}
