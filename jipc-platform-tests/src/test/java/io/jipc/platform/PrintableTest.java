package io.jipc.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Printable#quoted}: what a terminal would not show as itself is escaped; long strings are cut. */
class PrintableTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "abc|'abc'",
            "\"\"|''",
            "a b/c:é|'a b/c:é'",
            "a\\b|'a\\u005cb'"})
    void printableTextIsShownAsItIs(String in, String out) {
        assertEquals(out, Printable.quoted(in));
    }

    @Test
    void controlFormatAndUnpairedCharactersAreEscaped() {
        assertEquals("'a\\u0000b\\u000ac\\u007f\\u0085'", Printable.quoted("a\0b\nc\u007f\u0085"));
        assertEquals("'\\u202egnp.exe'", Printable.quoted("\u202egnp.exe"), "a right-to-left override");
        assertEquals("'x\\u2028y'", Printable.quoted("x\u2028y"), "a line separator");
        assertEquals("'\\ud800 \\udc00'", Printable.quoted("\ud800 \udc00"), "unpaired surrogates");
        assertEquals("'\uD83D\uDE00'", Printable.quoted("\uD83D\uDE00"), "a pair stands for one visible character");
        assertEquals("'\\udb80\\udc00'", Printable.quoted("\uDB80\uDC00"), "a private-use code point");
        assertEquals("null", Printable.quoted(null));
    }

    @Test
    void aLongStringIsCutAndItsLengthGiven() {
        String quoted = Printable.quoted("x".repeat(1_000_000));
        assertEquals("'" + "x".repeat(Printable.MAX_SHOWN) + "'\u2026 (1000000 characters)", quoted);
        assertEquals("'" + "y".repeat(Printable.MAX_SHOWN) + "'", Printable.quoted("y".repeat(Printable.MAX_SHOWN)));
        String pairAtTheCut = "z".repeat(Printable.MAX_SHOWN - 1) + "\uD83D\uDE00";
        assertTrue(Printable.quoted(pairAtTheCut).endsWith("\\ud83d'\u2026 (" + (Printable.MAX_SHOWN + 1) + " characters)"),
                Printable.quoted(pairAtTheCut));
    }
}
