package io.jipc.rpc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The implementation the process tests serve. Thread-safe: calls run concurrently. */
final class BankService implements Bank {
    private final Map<String, List<Money>> accounts = new ConcurrentHashMap<>();
    private final AtomicInteger interrupted = new AtomicInteger();
    private final AtomicInteger sleeping = new AtomicInteger();

    @Override
    public void deposit(String account, Money amount) {
        accounts.computeIfAbsent(account, a -> java.util.Collections.synchronizedList(new ArrayList<>())).add(amount);
    }

    @Override
    public long balance(String account) {
        List<Money> entries = accounts.getOrDefault(account, List.of());
        synchronized (entries) {
            return entries.stream().mapToLong(Money::cents).sum();
        }
    }

    @Override
    public Statement statement(String account) {
        List<Money> entries;
        List<Money> held = accounts.getOrDefault(account, List.of());
        synchronized (held) {
            entries = List.copyOf(held);
        }
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Money m : entries) {
            totals.merge(m.currency().name(), m.cents(), Long::sum);
        }
        return new Statement(account, entries, totals, account.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public double mix(boolean z, byte b, short s, char c, int i, long l, float f, double d) {
        return (z ? 1 : 0) + b + s + c + i + l + f + d;
    }

    @Override
    public Integer maybe(Integer value) {
        return value == null ? null : value + 1;
    }

    @Override
    public byte[] reverse(byte[] data) {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[data.length - 1 - i];
        }
        return out;
    }

    @Override
    public Map<String, Integer> lengths(List<String> words) {
        Map<String, Integer> out = new LinkedHashMap<>();
        words.forEach(w -> out.put(w, w.length()));
        return out;
    }

    @Override
    public void fail(String message) {
        throw new IllegalStateException(message);
    }

    @Override
    public long sleep(long millis) {
        sleeping.incrementAndGet();
        try {
            Thread.sleep(millis);
            return millis;
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw new IllegalStateException("interrupted");
        } finally {
            sleeping.decrementAndGet();
        }
    }

    /** Calls of {@link #sleep} running now (seen by the process that serves this). */
    int sleepingCalls() {
        return sleeping.get();
    }

    @Override
    public int interruptedCalls() {
        return interrupted.get();
    }
}
