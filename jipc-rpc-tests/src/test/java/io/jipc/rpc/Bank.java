package io.jipc.rpc;

import java.util.List;
import java.util.Map;

/** The interface (IDL) of the process tests: a bank of accounts, and probes of the call machinery. */
public interface Bank {
    enum Currency { EUR, USD }

    /** An amount; never negative (the compact constructor refuses). */
    record Money(long cents, Currency currency) {
        public Money {
            if (cents < 0) {
                throw new IllegalArgumentException("negative amount " + cents);
            }
        }
    }

    record Statement(String account, List<Money> entries, Map<String, Long> totals, byte[] signature) {
    }

    void deposit(String account, Money amount);

    long balance(String account);

    Statement statement(String account);

    /** Every primitive type in, one out. */
    double mix(boolean z, byte b, short s, char c, int i, long l, float f, double d);

    Integer maybe(Integer value);

    byte[] reverse(byte[] data);

    Map<String, Integer> lengths(List<String> words);

    /** Throws IllegalStateException with {@code message}. */
    void fail(String message);

    /** Sleeps {@code millis}; an interrupt ends it and counts in {@link #interruptedCalls()}. */
    long sleep(long millis);

    int interruptedCalls();

    default String greeting(String account) {
        return account + " has " + balance(account);
    }
}
