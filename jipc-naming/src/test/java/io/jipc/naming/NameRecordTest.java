package io.jipc.naming;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a name record accepts: every string it can store and read back unchanged. */
class NameRecordTest {

    @Test
    void aStringWithAnUnpairedSurrogateIsRefusedNotStoredAsAQuestionMark() {
        for (String bad : new String[] {"a\uD800b", "\uDFFF", "end\uD83D"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new NameRecord("kind", bad, "", Map.of()));
            assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new NameRecord(bad, "", "", Map.of()));
            assertThrows(IllegalArgumentException.class, () -> new NameRecord("k", "", bad, Map.of()));
            assertThrows(IllegalArgumentException.class, () -> new NameRecord("k", "", "", Map.of(bad, "v")));
            assertThrows(IllegalArgumentException.class, () -> new NameRecord("k", "", "", Map.of("key", bad)));
        }
        // a pair (outside the BMP), newlines, '=' and NUL are all stored as they are
        NameRecord fine = new NameRecord("k\nx", "\uD83D\uDE00", "x=y;z\u0000", Map.of("é", "\uD83D\uDE00"));
        assertEquals("\uD83D\uDE00", fine.id());
    }

    /**
     * A null argument of {@code withAttribute} is a NullPointerException naming it, as the
     * constructor's are (docs/architecture.md, Argument errors); an empty key is the record's
     * IllegalArgumentException. Until 2026-12-07 a null key failed in TreeMap ("Cannot invoke
     * Comparable.compareTo(Object) because "k1" is null") and a null value with the constructor's
     * IllegalArgumentException.
     */
    @Test
    void withAttributeNamesANullArgument() {
        NameRecord record = NameRecord.of("kind", "id", "address").withAttribute("a", "1");
        assertEquals("key", assertThrows(NullPointerException.class, () -> record.withAttribute(null, "v")).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> record.withAttribute("k", null)).getMessage());
        assertEquals("key", assertThrows(NullPointerException.class, () -> record.withAttribute(null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> record.withAttribute("", "v"));
        assertEquals(Map.of("a", "2", "b", "3"), record.withAttribute("a", "2").withAttribute("b", "3").attributes());
    }
}
