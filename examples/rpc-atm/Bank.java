import java.util.List;

/**
 * The interface definition (IDL) both sides are compiled with: the bank's central computer
 * implements it, the ATM calls it through a stub. Only types jipc can marshal appear here
 * (primitives, String, byte[], enums, records, List and Map of those): "can any function be used by
 * RPC?" (lecture 004, exercise 171) — not one that takes a pointer, or an Object.
 */
public interface Bank {
    /** What the central computer answers to a withdrawal. */
    record Withdrawal(boolean approved, long balanceCents, String reason) {
    }

    /** Checks the balance and, if it suffices, takes {@code cents} off it: one step, at the bank. */
    Withdrawal withdraw(String account, long cents);

    long balance(String account);

    /** The last transactions of an account, newest last. */
    List<String> history(String account);

    /** {@code cents} as units and hundredths, e.g. 40.00 or -0.05 (a static method: local, not remote). */
    static String money(long cents) {
        String sign = cents < 0 ? "-" : "";
        long magnitude = Math.abs(cents); // Long.MIN_VALUE stays negative: its digits below still print
        return sign + String.format("%d.%02d", Math.abs(magnitude / 100), Math.abs(magnitude % 100));
    }
}
